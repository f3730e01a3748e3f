package dispatch

import (
	"encoding/json"
	"testing"

	"github.com/billy-mcp/billy-mcp/host/internal/registry"
)

// FuzzTakeOrganization: no arguments make the tenancy stage's reading of
// the organization argument panic; an organization it takes is a
// non-empty string within the bound, and the arguments left for the
// plugin are an object without it.
func FuzzTakeOrganization(f *testing.F) {
	f.Add(`{"organization":"org-A","limit":5}`)
	f.Add(`{"organization":7}`)
	f.Add(`{"organization":"a","organization":"b"}`)
	f.Add(`[1,"organization"]`)
	f.Add(`{"Organization":"x"}`)
	f.Fuzz(func(t *testing.T, args string) {
		op := &Op{Arguments: json.RawMessage(args)}
		org, given, e := takeOrganization(op)
		if e != nil || !given {
			return
		}
		if org == "" || len(org) > registry.MaxOrganizationID {
			t.Fatalf("took %q", org)
		}
		var left map[string]json.RawMessage
		if err := json.Unmarshal(op.Arguments, &left); err != nil {
			t.Fatalf("left %q: %v", op.Arguments, err)
		}
		if _, ok := left[registry.OrganizationArg]; ok {
			t.Fatalf("left the organization in %s", op.Arguments)
		}
	})
}
