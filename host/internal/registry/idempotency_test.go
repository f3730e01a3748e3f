package registry

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTakesIdempotencyKey(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name string
		a    Annotations
		want bool
	}{
		{"no annotations (MCP's defaults: a write, not idempotent)", Annotations{}, true},
		{"a create", Annotations{ReadOnly: &no, Idempotent: &no}, true},
		{"a destructive one-off (an e-mail sent)", Annotations{ReadOnly: &no, Destructive: &yes}, true},
		{"an update", Annotations{ReadOnly: &no, Idempotent: &yes}, false},
		{"a read", Annotations{ReadOnly: &yes}, false},
	}
	for _, tt := range tests {
		if got := TakesIdempotencyKey(&Tool{Annotations: tt.a}); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestWithIdempotencyKey(t *testing.T) {
	got, err := WithIdempotencyKey(json.RawMessage(`{"type":"object","properties":{"note":{"type":"string","description":"<b>&</b>"}},"required":["note"]}`))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Type       string                     `json:"type"`
		Properties map[string]json.RawMessage `json:"properties"`
		Required   []string                   `json:"required"`
	}
	if err := json.Unmarshal(got, &s); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"note"}, s.Required); diff != "" || s.Type != "object" {
		t.Errorf("the rest of the schema changed: %s", got)
	}
	if string(s.Properties[IdempotencyKeyArg]) != string(idempotencyKeySchema) {
		t.Errorf("idempotency_key = %s", s.Properties[IdempotencyKeyArg])
	}
	if !strings.Contains(string(got), `"<b>&</b>"`) {
		t.Errorf("HTML characters were escaped, costing every client bytes: %s", got)
	}
	// A schema without properties gets them.
	if got, err := WithIdempotencyKey(json.RawMessage(`{"type":"object"}`)); err != nil || !strings.Contains(string(got), `"properties":{"idempotency_key"`) {
		t.Errorf("no properties: %s, %v", got, err)
	}
	if _, err := WithIdempotencyKey(json.RawMessage(`{"type":"object","properties":{"idempotency_key":{}}}`)); err == nil {
		t.Error("a schema declaring idempotency_key was accepted")
	}
}
