package dispatch_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	"github.com/google/go-cmp/cmp"
)

// TestTenancy: the organization a call acts on is the principal's only
// one, or the one it names among its memberships; any other answers
// not_found, and the plugin sees the organization in its caller, never in
// its arguments.
func TestTenancy(t *testing.T) {
	single := dispatch.Caller{Subject: "a", OrganizationID: "org-A", Scopes: []string{"admin"}}
	several := dispatch.Caller{Subject: "b", Organizations: []string{"org-A", "org-B"}, Scopes: []string{"admin"}}
	listed := dispatch.Caller{Subject: "c", OrganizationID: "org-A", Organizations: []string{"org-A"}, Scopes: []string{"admin"}}
	forged := dispatch.Caller{Subject: "d", OrganizationID: "org-C", Organizations: []string{"org-A", "org-B"}, Scopes: []string{"admin"}}
	type want struct {
		Code, Category, Field string
		Org, Args             string // what the plugin got, when called
	}
	tests := []struct {
		name   string
		caller dispatch.Caller
		kind   dispatch.Kind
		args   string
		want   want
	}{
		{"one organization, none named", single, dispatch.CallTool, `{"amount":1}`, want{Org: "org-A", Args: `{"amount":1}`}},
		{"one organization, named", single, dispatch.CallTool, `{"amount":1,"organization":"org-A"}`, want{Org: "org-A", Args: `{"amount":1}`}},
		{"one organization, another named", single, dispatch.CallTool, `{"amount":1,"organization":"org-B"}`, want{Code: "organization_not_found", Category: "not_found"}},
		{"listed membership, named", listed, dispatch.CallTool, `{"amount":1,"organization":"org-A"}`, want{Org: "org-A", Args: `{"amount":1}`}},
		{"listed membership, another named", listed, dispatch.CallTool, `{"amount":1,"organization":"org-B"}`, want{Code: "organization_not_found", Category: "not_found"}},
		{"several, none named", several, dispatch.CallTool, `{"amount":1}`, want{Code: "invalid_arguments", Category: "validation", Field: "organization"}},
		{"several, one named", several, dispatch.CallTool, `{"amount":1,"organization":"org-B"}`, want{Org: "org-B", Args: `{"amount":1}`}},
		{"several, a foreign one named", several, dispatch.CallTool, `{"amount":1,"organization":"org-Z"}`, want{Code: "organization_not_found", Category: "not_found"}},
		{"several, not a string", several, dispatch.CallTool, `{"amount":1,"organization":7}`, want{Code: "invalid_arguments", Category: "validation", Field: "organization"}},
		{"several, empty", several, dispatch.CallTool, `{"amount":1,"organization":""}`, want{Code: "invalid_arguments", Category: "validation", Field: "organization"}},
		{"several, a resource", several, dispatch.ReadResource, ``, want{Code: "organization_required", Category: "validation"}},
		{"a caller whose organization is not a membership", forged, dispatch.CallTool, `{"amount":1}`, want{Code: "organization_not_found", Category: "not_found"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvoker{}
			d := newDispatcher(t, inv, nil)
			op := &dispatch.Op{Kind: tt.kind, Name: "typed", Caller: tt.caller, Arguments: json.RawMessage(tt.args)}
			if tt.kind == dispatch.ReadResource {
				op.Name = "billy://books/readme"
			}
			_, err := d.Do(context.Background(), op)
			var got want
			if err != nil {
				e := errmodel.From(err)
				got.Code, got.Category = e.Code, string(e.Category)
				if len(e.Fields) > 0 {
					got.Field = e.Fields[0].Field
				}
				if inv.count() > 0 {
					t.Error("the plugin was called")
				}
			} else {
				req := inv.last(t)
				got.Org, got.Args = req.Context.Caller.OrganizationId, req.ArgumentsJson
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestVisibleTools(t *testing.T) {
	orgSchema := json.RawMessage(`{"type":"object","properties":{"organization":{"type":"string"}}}`)
	tools := []*registry.Tool{
		{Name: "list_invoices", Scopes: []string{"invoices:read"}, InputSchema: json.RawMessage(`{"type":"object"}`), OrgInputSchema: orgSchema},
		{Name: "create_invoice", Scopes: []string{"invoices:write"}, InputSchema: json.RawMessage(`{"type":"object"}`), OrgInputSchema: orgSchema},
		{Name: "approve_invoice", Scopes: []string{"invoices:approve"}, InputSchema: json.RawMessage(`{"type":"object"}`), OrgInputSchema: orgSchema},
		{Name: "file_vat", Scopes: []string{"moms:file"}, InputSchema: json.RawMessage(`{"type":"object"}`), OrgInputSchema: orgSchema},
		{Name: "cache_stats", Scopes: []string{"admin"}, InputSchema: json.RawMessage(`{"type":"object"}`)},
	}
	type seen struct {
		Name string
		Org  bool // the schema has the organization argument
	}
	tests := []struct {
		name   string
		caller dispatch.Caller
		want   []seen
	}{
		{"nobody", dispatch.Caller{Subject: "x"}, []seen{}},
		{"read-only", dispatch.Caller{Subject: "x", Scopes: []string{"billy:read"}}, []seen{{"list_invoices", false}}},
		{"bookkeeper of two", dispatch.Caller{Subject: "x", Scopes: []string{"billy:write"}, Organizations: []string{"a", "b"}},
			[]seen{{"list_invoices", true}, {"create_invoice", true}}},
		{"accountant of one", dispatch.Caller{Subject: "x", Scopes: []string{"billy:approve", "moms:file"}, Organizations: []string{"a"}},
			[]seen{{"list_invoices", false}, {"create_invoice", false}, {"approve_invoice", false}, {"file_vat", false}}},
		{"admin of two", dispatch.Caller{Subject: "x", Scopes: []string{"admin"}, Organizations: []string{"a", "b"}},
			[]seen{{"list_invoices", true}, {"create_invoice", true}, {"approve_invoice", true}, {"file_vat", true}, {"cache_stats", false}}},
	}
	for _, tt := range tests {
		got := []seen{}
		for _, tool := range dispatch.VisibleTools(tt.caller, tools) {
			got = append(got, seen{tool.Name, string(tool.InputSchema) == string(orgSchema)})
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
	if string(tools[0].InputSchema) == string(orgSchema) {
		t.Error("VisibleTools changed the registry's tool")
	}
}
