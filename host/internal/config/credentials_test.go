package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The key ring comes from the environment (or a file), is redacted, and a
// bad value is refused without showing it.
func TestCredentialsKeys(t *testing.T) {
	const keys = "2:q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=,1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	got, err := load(t, "credentials: {keys_file: /etc/billy-mcp/keys, primary: 2}\n",
		"BILLY_MCP_CREDENTIALS_KEYS="+keys, "BILLY_MCP_CREDENTIALS_V1_KEY=v1-passphrase-secret", "BILLY_MCP_CREDENTIALS_V1_SALT=salt")
	if err != nil {
		t.Fatal(err)
	}
	want := CredentialsConfig{Keys: keys, KeysFile: "/etc/billy-mcp/keys", Primary: 2, V1Key: "v1-passphrase-secret", V1Salt: "salt"}
	if diff := cmp.Diff(want, got.Credentials); diff != "" {
		t.Errorf("credentials (-want +got):\n%s", diff)
	}
	r := got.Redacted().Credentials
	if diff := cmp.Diff(CredentialsConfig{Keys: Redaction, KeysFile: "/etc/billy-mcp/keys", Primary: 2, V1Key: Redaction, V1Salt: "salt"}, r); diff != "" {
		t.Errorf("redacted (-want +got):\n%s", diff)
	}
	_, err = load(t, "", "BILLY_MCP_CREDENTIALS_KEYS=1:secret;value")
	if err == nil || !strings.Contains(err.Error(), "credentials.keys") {
		t.Fatalf("a bad value: %v", err)
	}
	if strings.Contains(err.Error(), "secret;value") {
		t.Errorf("the refusal shows the secret: %v", err)
	}
	if _, err := load(t, "credentials: {primary: -1}\n"); err == nil || !strings.Contains(err.Error(), "credentials.primary") {
		t.Errorf("a negative primary: %v", err)
	}
}
