package pluginv1

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCheckToolName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"list_invoices", true},
		{"Hello-World_2", true},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), false},
		{"", false},
		{"has space", false},
		{"dotted.name", false},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.ok, CheckToolName(tt.name) == nil); diff != "" {
			t.Errorf("CheckToolName(%q) ok (-want +got):\n%s", tt.name, diff)
		}
	}
}
