package app

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/google/go-cmp/cmp"
)

// discoveryTools is a small catalog: two plugins, every effect.
func discoveryTools() []*registry.Tool {
	yes, no := true, false
	return []*registry.Tool{
		{Name: "list_invoices", Title: "List invoices", Category: "invoices", Description: "Lists invoices by state. Pages with cursor.",
			Annotations: registry.Annotations{ReadOnly: &yes}, Scopes: []string{"invoices:read"}},
		{Name: "create_invoice", Title: "Create invoice", Category: "invoices", Description: "Creates a draft invoice for a contact.",
			Annotations: registry.Annotations{ReadOnly: &no, Destructive: &no}, Scopes: []string{"invoices:write"}},
		{Name: "void_invoice", Title: "Void invoice", Category: "invoices", Description: "Voids an approved invoice.",
			Annotations: registry.Annotations{ReadOnly: &no, Destructive: &yes}, Scopes: []string{"invoices:approve"}},
		{Name: "moms_return", Title: "VAT return", Category: "moms", Description: "Works out the VAT return (momsangivelse) of a period from the ledger.",
			Annotations: registry.Annotations{ReadOnly: &yes}, Scopes: []string{"moms:read"}},
		{Name: "list_contacts", Title: "List contacts", Category: "customers", Description: "Lists customers and suppliers; filter by name.",
			Annotations: registry.Annotations{ReadOnly: &yes}, Scopes: []string{"customers:read"}},
	}
}

func names(s toolSearch) []string {
	out := []string{}
	for _, t := range s.Tools {
		out = append(out, t.Name)
	}
	return out
}

func TestSearchTools(t *testing.T) {
	tests := []struct {
		name  string
		args  searchToolsArgs
		want  []string
		total int
	}{
		{"everything, by name", searchToolsArgs{}, []string{"create_invoice", "list_contacts", "list_invoices", "moms_return", "void_invoice"}, 5},
		{"a word in the name ranks first", searchToolsArgs{Query: "invoice"}, []string{"create_invoice", "list_invoices", "void_invoice"}, 3},
		{"plural matches singular", searchToolsArgs{Query: "Invoices"}, []string{"create_invoice", "list_invoices", "void_invoice"}, 3},
		{"every word must match", searchToolsArgs{Query: "list invoice"}, []string{"list_invoices"}, 1},
		{"name beats description", searchToolsArgs{Query: "contact"}, []string{"list_contacts", "create_invoice"}, 2},
		{"description words", searchToolsArgs{Query: "momsangivelse"}, []string{"moms_return"}, 1},
		{"underscored query", searchToolsArgs{Query: "void_invoice"}, []string{"void_invoice"}, 1},
		{"category", searchToolsArgs{Category: "MOMS"}, []string{"moms_return"}, 1},
		{"read-only", searchToolsArgs{Effect: registry.EffectReadOnly}, []string{"list_contacts", "list_invoices", "moms_return"}, 3},
		{"write", searchToolsArgs{Effect: registry.EffectWrite}, []string{"create_invoice"}, 1},
		{"destructive", searchToolsArgs{Effect: registry.EffectDestructive}, []string{"void_invoice"}, 1},
		{"category and effect", searchToolsArgs{Category: "invoices", Effect: registry.EffectReadOnly}, []string{"list_invoices"}, 1},
		{"limit keeps the total", searchToolsArgs{Query: "invoice", Limit: 1}, []string{"create_invoice"}, 3},
		{"nothing matches", searchToolsArgs{Query: "payroll"}, []string{}, 0},
	}
	for _, tt := range tests {
		got := searchTools(discoveryTools(), tt.args)
		if diff := cmp.Diff(tt.want, names(got)); diff != "" {
			t.Errorf("%s: tools (-want +got):\n%s", tt.name, diff)
		}
		if got.Total != tt.total {
			t.Errorf("%s: total %d, want %d", tt.name, got.Total, tt.total)
		}
		if diff := cmp.Diff([]string{"customers", "invoices", "moms"}, got.Categories); diff != "" {
			t.Errorf("%s: categories (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestSearchToolsEntry(t *testing.T) {
	tools := discoveryTools()
	tools[0].InputSchema = json.RawMessage(`{"type":"object","properties":{"state":{"type":"string"}}}`)
	tools[0].OutputSchema = json.RawMessage(`{"type":"object"}`)
	compact := searchTools(tools, searchToolsArgs{Query: "list invoices"}).Tools[0]
	want := foundTool{Name: "list_invoices", Title: "List invoices", Description: "Lists invoices by state.", Category: "invoices",
		Effect: "read-only", Annotations: map[string]bool{"readOnlyHint": true}, Scopes: []string{"invoices:read"}}
	if diff := cmp.Diff(want, compact); diff != "" {
		t.Errorf("compact entry (-want +got):\n%s", diff)
	}
	full := searchTools(tools, searchToolsArgs{Query: "list invoices", Schemas: true}).Tools[0]
	want.Description = tools[0].Description
	want.InputSchema, want.OutputSchema = tools[0].InputSchema, tools[0].OutputSchema
	if diff := cmp.Diff(want, full); diff != "" {
		t.Errorf("entry with schemas (-want +got):\n%s", diff)
	}
}

// TestCallSearchToolsScopes: a caller finds only what its scopes let it
// call, and only tools of plugins that can serve, as tools/list shows.
func TestCallSearchToolsScopes(t *testing.T) {
	reg := registry.New()
	tools := discoveryTools()
	if err := reg.Register("invoices", &registry.Catalog{Tools: tools[:3]}); err != nil {
		t.Fatal(err)
	}
	if err := reg.Register("moms", &registry.Catalog{Tools: tools[3:4]}); err != nil {
		t.Fatal(err)
	}
	if err := reg.Register("contacts", &registry.Catalog{Tools: tools[4:]}); err != nil {
		t.Fatal(err)
	}
	reg.SetAvailable("contacts", false)
	tests := []struct {
		scopes []string
		want   []string
	}{
		{[]string{"invoices:read"}, []string{"list_invoices"}},
		{[]string{"invoices:write", "moms:read"}, []string{"create_invoice", "list_invoices", "moms_return"}},
		{[]string{"admin"}, []string{"create_invoice", "list_invoices", "moms_return", "void_invoice"}},
		{nil, []string{}},
	}
	for _, tt := range tests {
		ctx := dispatch.WithCaller(context.Background(), dispatch.Caller{Subject: "k1", Scopes: tt.scopes})
		resp, err := callSearchTools(ctx, reg, &pluginv1.CallToolRequest{Name: searchToolsName, ArgumentsJson: `{}`,
			Context: &pluginv1.CallContext{Caller: &pluginv1.Caller{Subject: "k1", Scopes: tt.scopes}}})
		if err != nil {
			t.Fatal(err)
		}
		var got toolSearch
		if err := json.Unmarshal([]byte(resp.StructuredContentJson), &got); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, names(got)); diff != "" {
			t.Errorf("scopes %v (-want +got):\n%s", tt.scopes, diff)
		}
	}
}
