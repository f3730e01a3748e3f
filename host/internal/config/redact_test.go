package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRedacted(t *testing.T) {
	c := loaded()
	c.Billy.APIKey = "billy-secret"
	c.Auth.APIKeys = []string{validKey, validKey + "2"}
	c.Auth.Server.Users = []AuthUserConfig{{Name: "anna", PasswordBcrypt: "$2b$10$hash", Roles: []string{"admin"}}}
	c.Plugins["invoices"] = PluginConfig{
		Path:    "x",
		Enabled: ptr(true),
		Config: map[string]any{
			"region":  "dk",
			"token":   "plugin-secret",
			"nested":  map[string]any{"apiKey": "nested-secret", "list": []any{map[string]any{"password": "in-list"}}},
			"api_key": nil,
		},
	}

	r := c.Redacted()

	want := loaded()
	want.Billy.APIKey = Redaction
	want.Auth.APIKeys = []string{Redaction, Redaction}
	want.Auth.Server.Users = []AuthUserConfig{{Name: "anna", PasswordBcrypt: Redaction, Roles: []string{"admin"}}}
	want.Plugins["invoices"] = PluginConfig{
		Path:    "x",
		Enabled: ptr(true),
		Config: map[string]any{
			"region":  "dk",
			"token":   Redaction,
			"nested":  map[string]any{"apiKey": Redaction, "list": []any{map[string]any{"password": Redaction}}},
			"api_key": nil,
		},
	}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("Redacted mismatch (-want +got):\n%s", diff)
	}

	// The original is untouched: Redacted is for logging, not a mutation.
	if c.Billy.APIKey != "billy-secret" || c.Auth.APIKeys[0] != validKey || c.Auth.Server.Users[0].PasswordBcrypt != "$2b$10$hash" || c.Plugins["invoices"].Config["token"] != "plugin-secret" {
		t.Errorf("Redacted changed the original: %+v", c)
	}
	*r.Plugins["invoices"].Enabled = false
	if !c.Plugins["invoices"].IsEnabled() {
		t.Error("Redacted shares the Enabled pointer with the original")
	}

	// An unset secret stays visibly unset.
	if got := Default().Redacted().Billy.APIKey; got != "" {
		t.Errorf("Redacted empty api_key = %q, want empty", got)
	}
}
