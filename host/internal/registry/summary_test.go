package registry

import (
	"strings"
	"testing"
)

func TestEffect(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name string
		a    Annotations
		want string
	}{
		{"nothing stated is destructive (MCP's defaults)", Annotations{}, EffectDestructive},
		{"read-only", Annotations{ReadOnly: &yes}, EffectReadOnly},
		{"read-only wins over a stray destructive hint", Annotations{ReadOnly: &yes, Destructive: &yes}, EffectReadOnly},
		{"not destructive", Annotations{ReadOnly: &no, Destructive: &no}, EffectWrite},
		{"destructive", Annotations{ReadOnly: &no, Destructive: &yes}, EffectDestructive},
		{"only not read-only", Annotations{ReadOnly: &no}, EffectDestructive},
	}
	for _, tt := range tests {
		if got := (&Tool{Annotations: tt.a}).Effect(); got != tt.want {
			t.Errorf("%s: Effect() = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestSummarize(t *testing.T) {
	long := strings.Repeat("momsangivelse ", 20)
	tests := []struct{ in, want string }{
		{"Lists invoices. Filters by state.", "Lists invoices."},
		{"  One line\nSecond line.", "One line"},
		{"No full stop", "No full stop"},
		{"Version 1.2 of the tool. Rest.", "Version 1.2 of the tool."},
		{"", ""},
		{long, strings.TrimSpace(strings.Repeat("momsangivelse ", 11)) + "…"},
		{strings.Repeat("æ", 100), strings.Repeat("æ", 78) + "…"},
	}
	for _, tt := range tests {
		got := Summarize(tt.in)
		if got != tt.want {
			t.Errorf("Summarize(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if len(got) > summaryMax {
			t.Errorf("Summarize(%q) is %d bytes, over %d", tt.in, len(got), summaryMax)
		}
	}
}
