package registry

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWithOrganization(t *testing.T) {
	got, err := WithOrganization(json.RawMessage(`{"type":"object","properties":{"id":{"type":"string","description":"a < b"}},"required":["id"]}`))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Properties map[string]map[string]any `json:"properties"`
		Required   []string                  `json:"required"`
	}
	if err := json.Unmarshal(got, &s); err != nil {
		t.Fatal(err)
	}
	if s.Properties[OrganizationArg]["type"] != "string" || s.Properties["id"] == nil {
		t.Errorf("properties: %v", s.Properties)
	}
	// Optional: a caller with one organization never needs it.
	if diff := cmp.Diff([]string{"id"}, s.Required); diff != "" {
		t.Error(diff)
	}
	if !strings.Contains(string(got), "a < b") {
		t.Errorf("HTML-escaped: %s", got)
	}
	if _, err := WithOrganization(json.RawMessage(`{"type":"object","properties":{"organization":{"type":"string"}}}`)); err == nil {
		t.Error("a plugin's own organization property was accepted")
	}
	if got, err := WithOrganization(json.RawMessage(`{"type":"object"}`)); err != nil || !strings.Contains(string(got), `"organization"`) {
		t.Errorf("no properties: %s, %v", got, err)
	}
}

func TestEffectiveScopes(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name string
		tool Tool
		want []string
		bad  bool
	}{
		{"declared", Tool{Scopes: []string{"invoices:read"}}, []string{"invoices:read"}, false},
		{"read-only default", Tool{Annotations: Annotations{ReadOnly: &yes}}, []string{"acme:read"}, false},
		{"write default", Tool{Annotations: Annotations{ReadOnly: &no}}, []string{"acme:write"}, false},
		{"unannotated is a write", Tool{}, []string{"acme:write"}, false},
		{"invalid", Tool{Scopes: []string{"invoices:delete"}}, nil, true},
		{"empty scope", Tool{Scopes: []string{""}}, nil, true},
	}
	for _, tt := range tests {
		got, err := EffectiveScopes("acme", &tt.tool)
		if (err != nil) != tt.bad {
			t.Errorf("%s: error %v", tt.name, err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: %s", tt.name, diff)
		}
	}
}
