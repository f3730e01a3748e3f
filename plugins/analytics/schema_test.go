package analytics

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestOutputsMatchTheirSchemas calls every core tool with its defaults on
// the sandbox and validates the structured content against the output
// schema the tool declares: clients (the official TypeScript one) refuse
// a result that does not match.
func TestOutputsMatchTheirSchemas(t *testing.T) {
	srv := newSandbox(t, "service")
	h := start(t, srv)
	declared := map[string]json.RawMessage{}
	for _, tool := range h.Tools() {
		declared[tool.Name] = tool.OutputSchema
		if len(tool.Scopes) == 0 {
			t.Errorf("%s declares no scopes", tool.Name)
		}
	}
	for _, name := range []string{"analytics_sync", "get_revenue_report", "get_aged_receivables", "get_cash_in_forecast", "get_customer_report",
		"get_profit_and_loss", "get_trial_balance", "get_analytics_dashboard", "export_report"} {
		args := map[string]any{}
		if name == "export_report" {
			args = map[string]any{"report": "customers", "format": "csv"}
		}
		if name == "get_revenue_report" {
			args = map[string]any{"by": "customer"}
		}
		res, err := h.CallTool(context.Background(), name, args)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		c := jsonschema.NewCompiler()
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(declared[name]))
		if err != nil {
			t.Fatalf("%s: output schema: %v", name, err)
		}
		if err := c.AddResource("out.json", doc); err != nil {
			t.Fatal(err)
		}
		sch, err := c.Compile("out.json")
		if err != nil {
			t.Fatalf("%s: output schema: %v", name, err)
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(res.Structured))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(v); err != nil {
			t.Errorf("%s: structured content does not match its output schema: %v", name, err)
		}
	}
}
