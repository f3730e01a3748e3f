package e2e

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/sandbox"
	"github.com/billy-mcp/billy-mcp/sandbox/economic"
)

// TestEconomicMigration (issue 14): an e-conomic agreement, served by the
// fake of e-conomic's REST API over HTTP, goes through the real host and
// the integrations plugin (a subprocess, its credentials in the YAML
// config under the sandbox organization's ID) into the sandbox's service
// organization. The dry run reconciles the open items and writes
// nothing; the confirmed run creates the contacts, products and the
// opening balance, which the sandbox accepts; a second run creates
// nothing. The grant token never appears in a result.
func TestEconomicMigration(t *testing.T) {
	const today = "2026-11-27"
	day, _ := time.Parse(time.DateOnly, today)
	// The same seed, business and day give the host's sandbox the same
	// organization ID as this one.
	sb, err := sandbox.New(sandbox.Options{Seed: 7, Business: sandbox.BusinessService, Today: day})
	if err != nil {
		t.Fatal(err)
	}
	org := sb.DefaultOrganizationID()
	fake := economic.New(economic.Options{AppSecretToken: "e2e-app-secret", Agreements: map[string]*economic.Agreement{"e2e-grant-token": economic.Demo()}})
	srv := httptest.NewServer(fake)
	defer srv.Close()

	h := startHost(t, fmt.Sprintf(`sandbox: {business: service, seed: 7, today: %q}
writes: {mode: confirm}
plugins:
  invoices: {path: billy-mcp-plugin-invoices}
  integrations:
    path: billy-mcp-plugin-integrations
    config:
      economic:
        base_url: %s
        app_secret_token: e2e-app-secret
        agreement_grant_tokens: {%q: e2e-grant-token}
`, today, srv.URL, org))
	h.waitReady(20 * time.Second)
	c := h.mcpHTTP()
	initialize(t, c)

	args := map[string]any{"result_account_no": 8010, "account_map": map[string]int{"1010": 1110, "1020": 1130, "5600": 5710}}
	type result struct {
		Status            string
		Message           string
		ConfirmationToken string `json:"confirmation_token"`
		Created           map[string]int
		Contacts          []struct{ Name, Action string }
		OpenItems         struct {
			Status, Total, Difference string
		} `json:"open_items"`
		OpeningBalance struct {
			Status, Debit, Credit, Difference string
			BlockedBy                         []string `json:"blocked_by"`
			TransactionID                     string   `json:"transaction_id"`
		} `json:"opening_balance"`
	}
	dry := map[string]any{"dry_run": true}
	for k, v := range args {
		dry[k] = v
	}
	res := callTool(t, c, "migrate_from_economic", dry)
	if res.IsError {
		t.Fatalf("dry run: %v", toolError(t, res))
	}
	var rep result
	decode(t, structured(t, res), &rep)
	if rep.Status != "dry_run" || rep.OpeningBalance.Status != "create" || rep.OpeningBalance.Debit != "118750.00" || rep.OpeningBalance.Difference != "0.00" ||
		rep.OpenItems.Status != "reconciled" || rep.OpenItems.Total != "31250.00" {
		t.Fatalf("dry run: %+v", rep)
	}
	var pre result
	decode(t, structured(t, callTool(t, c, "migrate_from_economic", args)), &pre)
	if pre.Status != "confirmation_required" {
		t.Fatalf("preview: %+v", pre)
	}
	args["confirmation_token"] = pre.ConfirmationToken
	res = callTool(t, c, "migrate_from_economic", args)
	if res.IsError {
		t.Fatalf("migration: %v", toolError(t, res))
	}
	var done result
	decode(t, structured(t, res), &done)
	if done.Status != "done" || done.Created["contacts"] != 6 || done.Created["products"] != 3 || done.Created["daybook_transactions"] != 1 || done.OpeningBalance.TransactionID == "" {
		t.Fatalf("migration: %+v", done)
	}
	delete(args, "confirmation_token")
	var again result
	decode(t, structured(t, callTool(t, c, "migrate_from_economic", args)), &again)
	if again.Status != "done" || again.Created != nil || again.OpeningBalance.Status != "exists" || again.OpeningBalance.TransactionID != done.OpeningBalance.TransactionID {
		t.Fatalf("again: %+v", again)
	}
	for _, ct := range again.Contacts {
		if ct.Action != "exists" {
			t.Errorf("again: contact %s is %s", ct.Name, ct.Action)
		}
	}
	for _, r := range fake.Requests() {
		if strings.Contains(r, "token") {
			t.Errorf("a token in an e-conomic URL: %s", r)
		}
	}
	if strings.Contains(h.stderr.String(), "e2e-grant-token") || strings.Contains(h.stderr.String(), "e2e-app-secret") {
		t.Error("a token in the host's log")
	}
}
