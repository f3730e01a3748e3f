package e2e

import (
	"strings"
	"testing"
	"time"
)

// TestWebshopDaySummary (issue 14, item 3, the daily-summary mode): a
// day's orders go through the real host and the integrations plugin onto
// the sandbox as one draft daybook transaction. The report reconciles to
// the orders' totals; the confirmed summary is accepted by the sandbox
// (which refuses an unbalanced entry, an unknown account or tax rate); the
// same day again finds it and writes nothing; an order that was imported
// as an invoice is refused from the summary.
func TestWebshopDaySummary(t *testing.T) {
	h := startHost(t, "sandbox: {business: service}\nwrites: {mode: confirm}\nplugins:\n  invoices: {path: billy-mcp-plugin-invoices}\n  integrations: {path: billy-mcp-plugin-integrations}\n")
	h.waitReady(20 * time.Second)
	c := h.mcpHTTP()
	initialize(t, c)

	var accts struct {
		Accounts []struct {
			ID        string
			AccountNo int `json:"accountNo"`
		}
	}
	decode(t, structured(t, callTool(t, c, "list_accounts", map[string]any{"limit": 100})), &accts)
	acct := map[int]string{}
	for _, a := range accts.Accounts {
		acct[a.AccountNo] = a.ID
	}
	if acct[1110] == "" || acct[5810] == "" {
		t.Fatalf("the sandbox chart lacks 1110 or 5810: %+v", accts.Accounts)
	}
	order := func(no, unit, ship, total string) map[string]any {
		return map[string]any{"order_number": no, "date": "2026-11-25", "currency": "DKK", "prices_include_tax": true,
			"customer": map[string]any{"email": "dag@example.dk"},
			"lines":    []any{map[string]any{"sku": "X", "title": "Vare", "quantity": 3, "unit_price": unit, "vat_rate": "0.25"}},
			"shipping": map[string]any{"title": "GLS", "amount": ship, "vat_rate": "0.25"}, "total": total}
	}
	args := map[string]any{"orders": []any{order("D-1", "33.33", "49.00", "148.99"), order("D-2", "0.01", "0", "0.03"), order("D-3", "1249.95", "29.00", "3778.85")},
		"shop": "e2e-shop", "date": "2026-11-25", "receivable_account_id": acct[5810], "revenue_account_id": acct[1110]}

	type result struct {
		Status            string
		ConfirmationToken string `json:"confirmation_token"`
		TransactionID     string `json:"transaction_id"`
		Reconciliation    struct {
			OrdersTotal string `json:"orders_total"`
			Debit       string
			Credit      string
		}
		Rates []struct {
			VATRate   string `json:"vat_rate"`
			Gross     string
			VATBooked string `json:"vat_booked"`
		}
	}
	var pre result
	decode(t, structured(t, callTool(t, c, "summarise_webshop_day", args)), &pre)
	// 148.99 + 0.03 + 3778.85
	if pre.Status != "confirmation_required" || pre.Reconciliation.OrdersTotal != "3927.87" || pre.Reconciliation.Debit != "3927.87" ||
		pre.Reconciliation.Credit != "3927.87" || len(pre.Rates) != 1 || pre.Rates[0].Gross != "3927.87" {
		t.Fatalf("report: %+v", pre)
	}
	args["confirmation_token"] = pre.ConfirmationToken
	var done result
	decode(t, structured(t, callTool(t, c, "summarise_webshop_day", args)), &done)
	if done.Status != "done" || done.TransactionID == "" {
		t.Fatalf("summary: %+v", done)
	}
	delete(args, "confirmation_token")
	var again result
	decode(t, structured(t, callTool(t, c, "summarise_webshop_day", args)), &again)
	if again.Status != "exists" || again.TransactionID != done.TransactionID {
		t.Errorf("again: %+v, want exists %s", again, done.TransactionID)
	}

	// Another day, one of whose orders was imported as an invoice.
	inv := order("D-9", "100.00", "0", "300.00")
	inv["date"] = "2026-11-26"
	var pid struct {
		Products []struct {
			ID        string
			ProductNo string `json:"productNo"`
		}
	}
	decode(t, structured(t, callTool(t, c, "list_products", map[string]any{"limit": 100})), &pid)
	inv["lines"].([]any)[0].(map[string]any)["sku"] = pid.Products[0].ProductNo
	imp := map[string]any{"order": inv}
	var ipre map[string]any
	decode(t, structured(t, callTool(t, c, "import_webshop_order", imp)), &ipre)
	imp["confirmation_token"] = ipre["confirmation_token"]
	var idone map[string]any
	decode(t, structured(t, callTool(t, c, "import_webshop_order", imp)), &idone)
	if idone["status"] != "done" {
		t.Fatalf("import: %v", idone)
	}
	next := map[string]any{"orders": []any{inv}, "shop": "e2e-shop", "date": "2026-11-26", "receivable_account_id": acct[5810], "revenue_account_id": acct[1110], "dry_run": true}
	e := toolError(t, callTool(t, c, "summarise_webshop_day", next))
	if e["code"] != "day_order_already_invoiced" || !strings.Contains(e["message"].(string), "generic:D-9") {
		t.Errorf("an invoiced order in a summary: %v", e)
	}
}
