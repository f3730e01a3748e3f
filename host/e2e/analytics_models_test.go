package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/sandbox"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestAnalyticsModelsOnTheSandbox (issue 18, items 3–6 and 8): the
// analytics plugin's forecast, anomaly, recommendation, custom-metric and
// v1 tools, run by the real host against a sandbox Billy: each answers with
// structured content, a bad metric formula is a validation error that names
// the field, and a saved metric is listed and evaluated.
func TestAnalyticsModelsOnTheSandbox(t *testing.T) {
	org, base := serveSandbox(t, "e2e-analytics-models", sandbox.BusinessService)
	h := startHost(t, "plugins:\n  analytics: {path: billy-mcp-plugin-analytics}\n",
		sandboxEnv(org, base)...)
	h.waitReady(20 * time.Second)

	cctx, ccancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer ccancel()
	client := mcp.NewClient(&mcp.Implementation{Name: "billy-mcp-e2e-analytics-models", Version: "1.0.0"}, nil)
	session, err := client.Connect(cctx, &mcp.StreamableClientTransport{Endpoint: h.url("/mcp")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer session.Close()

	tools, err := session.ListTools(cctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]*mcp.Tool{}
	for _, tl := range tools.Tools {
		listed[tl.Name] = tl
	}
	for _, name := range []string{"get_revenue_forecast", "find_anomalies", "get_recommendations", "define_metric", "list_metrics",
		"evaluate_metric", "delete_metric", "analyze_feedback", "analyze_usage_data", "analyze_adoption_risks", "analyze_ab_test", "analyze_segment_adoption"} {
		if tl := listed[name]; tl == nil || tl.OutputSchema == nil {
			t.Errorf("%s is not listed with an output schema", name)
		}
	}

	call := func(name string, args map[string]any) *mcp.CallToolResult {
		t.Helper()
		res, err := session.CallTool(cctx, &mcp.CallToolParams{Name: name, Arguments: args})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	ok := func(name string, args map[string]any, into any) {
		t.Helper()
		res := call(name, args)
		if res.IsError {
			t.Fatalf("%s failed: %+v", name, res.Content[0])
		}
		decode(t, res.StructuredContent, into)
	}

	var fc struct {
		Model, IntervalMethod string
		HistoryMonths         int
		Points                []struct{ Month string }
		Backtest              struct{ Mase json.Number }
		Summary               string
	}
	ok("get_revenue_forecast", map[string]any{"months": 3}, &fc)
	if len(fc.Points) != 3 || fc.Model == "" || fc.HistoryMonths < 20 || fc.Backtest.Mase == "" || !strings.Contains(fc.Summary, "kr.") {
		t.Errorf("forecast %+v", fc)
	}

	var an struct {
		Findings []struct{ Kind, Reason string }
		BasedOn  struct{ LastSync string }
	}
	ok("find_anomalies", map[string]any{}, &an)
	if an.BasedOn.LastSync == "" {
		t.Errorf("anomalies without basedOn: %+v", an)
	}

	var rec struct {
		Recommendations []struct{ Kind string }
		VAT             *struct{ Period, Deadline string }
	}
	ok("get_recommendations", map[string]any{"limit": 5}, &rec)
	if rec.VAT == nil || rec.VAT.Deadline == "" || len(rec.Recommendations) == 0 {
		t.Errorf("recommendations %+v", rec)
	}

	// a bad formula: a validation error naming the field, no structured content
	res := call("define_metric", map[string]any{"name": "bad", "expression": "revenue * 2"})
	if !res.IsError || res.StructuredContent != nil {
		t.Fatalf("bad formula accepted: %+v", res)
	}
	text := res.Content[0].(*mcp.TextContent).Text
	if !strings.Contains(text, `"validation"`) || !strings.Contains(text, "expression") || !strings.Contains(text, "revenue_net") {
		t.Errorf("bad formula's error %s", text)
	}
	var def struct{ Created, Durable bool }
	ok("define_metric", map[string]any{"name": "overdue_share", "expression": "overdue / receivables"}, &def)
	if !def.Created {
		t.Errorf("define %+v", def)
	}
	var list struct{ Metrics []struct{ Name string } }
	ok("list_metrics", map[string]any{}, &list)
	if len(list.Metrics) != 1 || list.Metrics[0].Name != "overdue_share" {
		t.Errorf("list %+v", list)
	}
	var ev struct {
		Values []struct {
			Kind   string
			Number *json.Number
		}
	}
	ok("evaluate_metric", map[string]any{"name": "overdue_share"}, &ev)
	if len(ev.Values) != 1 || ev.Values[0].Kind != "number" || ev.Values[0].Number == nil {
		t.Errorf("evaluate %+v", ev)
	}

	var ab struct {
		Conversion struct {
			Test   string
			PValue json.Number
		}
		Winner string
	}
	ok("analyze_ab_test", map[string]any{"testData": map[string]any{"testName": "t",
		"variantA": map[string]any{"name": "A", "sampleSize": 1000, "conversions": 50, "conversionRate": 0.05},
		"variantB": map[string]any{"name": "B", "sampleSize": 1000, "conversions": 80, "conversionRate": 0.08}}}, &ab)
	if ab.Conversion.Test != "two_proportion_z" || ab.Winner != "B" {
		t.Errorf("A/B %+v", ab)
	}
}
