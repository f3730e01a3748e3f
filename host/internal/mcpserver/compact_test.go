package mcpserver

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mark3labs/mcp-go/mcp"
)

func TestCompactTools(t *testing.T) {
	yes := true
	in := json.RawMessage(`{"type":"object","properties":{"state":{"type":"string"}},"required":["state"]}`)
	tools := []mcp.Tool{
		{Name: "list_invoices", Title: "List invoices", Description: "Lists invoices by state. Pages with cursor.",
			RawInputSchema: in, RawOutputSchema: json.RawMessage(`{"type":"object"}`), Annotations: mcp.ToolAnnotation{ReadOnlyHint: &yes}},
		{Name: searchToolName, Title: "Search tools", Description: "Finds tools. Long.", RawInputSchema: in},
	}
	compactTools(tools)
	got, err := json.Marshal(tools)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"annotations":{"readOnlyHint":true},"description":"Lists invoices by state. Arguments: search_tools.","inputSchema":{"type":"object"},"name":"list_invoices","title":"List invoices"},` +
		`{"annotations":{},"description":"Finds tools. Long.","inputSchema":{"type":"object","properties":{"state":{"type":"string"}},"required":["state"]},"name":"search_tools","title":"Search tools"}]`
	var w, g any
	_ = json.Unmarshal([]byte(want), &w)
	_ = json.Unmarshal(got, &g)
	if diff := cmp.Diff(w, g); diff != "" {
		t.Errorf("compact tools/list (-want +got):\n%s", diff)
	}
}
