package e2e

import (
	"testing"
	"time"
)

// TestScenariosPlugin: v1's test tools through a real host and a real MCP
// client. In sandbox mode run_test_scenario writes the scenario's records
// into the sandbox through the host's Billy service and removes them with
// cleanup; in production mode it is refused and nothing is written.
func TestScenariosPlugin(t *testing.T) {
	const cfg = "plugins:\n  invoices: {path: billy-mcp-plugin-invoices}\n  scenarios: {path: billy-mcp-plugin-scenarios}\n"
	h := startHost(t, cfg)
	h.waitReady(20 * time.Second)
	s := &scenario{t: t, c: h.mcpHTTP()}

	list := s.ok("list_test_scenarios", map[string]any{})
	if list["can_run"] != true || list["environment"] != "sandbox" || len(list["scenarios"].([]any)) != 3 {
		t.Errorf("list_test_scenarios in sandbox mode: %v", list)
	}
	customers := func() int {
		return int(s.ok("list_customers", map[string]any{"limit": 1})["total"].(float64))
	}
	before := customers()
	run := s.ok("run_test_scenario", map[string]any{"scenario": "retailBusiness"})
	if n := len(run["customers"].([]any)); n != 3 || len(run["invoices"].([]any)) != 2 {
		t.Fatalf("run_test_scenario: %v", run)
	}
	if got := customers(); got != before+3 {
		t.Errorf("customers in the sandbox: %d after the run, want %d", got, before+3)
	}
	inv := s.ok("get_invoice", map[string]any{"invoiceId": run["invoices"].([]any)[0]})
	if inv["state"] != "draft" || inv["contactName"] == "" {
		t.Errorf("the scenario's invoice: %v", inv)
	}
	cleaned := s.ok("run_test_scenario", map[string]any{"scenarioId": "freelancer", "cleanup": true})
	if cleaned["cleaned_up"] != true {
		t.Errorf("run with cleanup: %v", cleaned)
	}
	if got := customers(); got != before+3 {
		t.Errorf("customers after a run with cleanup: %d, want %d (the first run's only)", got, before+3)
	}

	// Production mode (a Billy token given): refused, nothing written.
	billy := standaloneSandbox(t)
	p := startHost(t, cfg, billy...)
	p.waitReady(20 * time.Second)
	ps := &scenario{t: t, c: p.mcpHTTP()}
	if l := ps.ok("list_test_scenarios", map[string]any{}); l["can_run"] != false || l["environment"] != "production" {
		t.Errorf("list_test_scenarios in production mode: %v", l)
	}
	before = int(ps.ok("list_customers", map[string]any{"limit": 1})["total"].(float64))
	e := ps.fails("run_test_scenario", map[string]any{"scenario": "freelancer"})
	if e["code"] != "sandbox_only" {
		t.Errorf("run_test_scenario in production mode: %v", e)
	}
	if after := int(ps.ok("list_customers", map[string]any{"limit": 1})["total"].(float64)); after != before {
		t.Errorf("customers changed from %d to %d after a refused run", before, after)
	}
}
