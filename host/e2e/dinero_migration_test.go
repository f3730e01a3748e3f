package e2e

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestDineroMigration (issue 14, item 5): the synthetic Dinero export
// (plugins/integrations/testdata/dinero/basic) goes through the real host
// and the integrations plugin into the sandbox's service organization,
// its account numbers mapped onto the sandbox chart. The dry run writes
// nothing; the confirmed run creates the contacts, the products and the
// opening balance as a draft daybook transaction, which the sandbox
// accepts (it refuses an unbalanced entry or an unknown account); the
// products read back; a second run creates nothing and finds every record
// the first created.
func TestDineroMigration(t *testing.T) {
	h := startHost(t, "sandbox: {business: service}\nwrites: {mode: confirm}\nplugins:\n  invoices: {path: billy-mcp-plugin-invoices}\n  integrations: {path: billy-mcp-plugin-integrations}\n")
	h.waitReady(20 * time.Second)
	c := h.mcpHTTP()
	initialize(t, c)

	dir := filepath.Join("..", "..", "plugins", "integrations", "testdata", "dinero", "basic")
	files := map[string]any{}
	if err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(b)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	args := map[string]any{"files": files, "result_account_no": 8010,
		"account_map": map[string]int{"1000": 1110, "1300": 1310, "2750": 2210, "55000": 5810, "55100": 5710, "60000": 8010, "63000": 7210, "63100": 7220}}

	type result struct {
		Status            string
		Message           string
		ConfirmationToken string `json:"confirmation_token"`
		Created           map[string]int
		Contacts          []struct{ Name, Action, BillyID string }
		Products          []struct {
			Number, Action string
			BillyID        string `json:"billy_id"`
		}
		OpeningBalance struct {
			Status, Debit, Credit, Difference string
			BlockedBy                         []string `json:"blocked_by"`
			TransactionID                     string   `json:"transaction_id"`
		} `json:"opening_balance"`
		VATCodes []struct{ Code, Status string } `json:"vat_codes"`
	}
	dry := map[string]any{"dry_run": true}
	for k, v := range args {
		dry[k] = v
	}
	var rep result
	decode(t, structured(t, callTool(t, c, "migrate_from_dinero", dry)), &rep)
	if rep.Status != "dry_run" || rep.OpeningBalance.Status != "create" || rep.OpeningBalance.Debit != "10375.00" || rep.OpeningBalance.Difference != "0.00" {
		t.Fatalf("dry run: %+v", rep)
	}
	for _, v := range rep.VATCodes {
		if v.Status != "mapped" {
			t.Errorf("VAT code %s is %s against the sandbox's tax rates", v.Code, v.Status)
		}
	}
	var pre result
	decode(t, structured(t, callTool(t, c, "migrate_from_dinero", args)), &pre)
	if pre.Status != "confirmation_required" {
		t.Fatalf("preview: %+v", pre)
	}
	args["confirmation_token"] = pre.ConfirmationToken
	var done result
	decode(t, structured(t, callTool(t, c, "migrate_from_dinero", args)), &done)
	if done.Status != "done" || done.Created["products"] != 2 || done.Created["daybook_transactions"] != 1 || done.OpeningBalance.TransactionID == "" {
		t.Fatalf("migration: %+v", done)
	}

	var prods struct {
		Products []struct {
			ID        string
			ProductNo string `json:"productNo"`
		}
	}
	decode(t, structured(t, callTool(t, c, "list_products", map[string]any{"limit": 100})), &prods)
	found := map[string]string{}
	for _, p := range prods.Products {
		found[p.ProductNo] = p.ID
	}
	for _, p := range done.Products {
		if found[p.Number] == "" || found[p.Number] != p.BillyID {
			t.Errorf("product %s: created %q, Billy lists %q", p.Number, p.BillyID, found[p.Number])
		}
	}

	delete(args, "confirmation_token")
	var again result
	decode(t, structured(t, callTool(t, c, "migrate_from_dinero", args)), &again)
	if again.Status != "done" || again.Created != nil || again.OpeningBalance.Status != "exists" || again.OpeningBalance.TransactionID != done.OpeningBalance.TransactionID {
		t.Fatalf("again: %+v", again)
	}
	for _, ct := range again.Contacts {
		if ct.Action != "exists" {
			t.Errorf("again: contact %s is %s", ct.Name, ct.Action)
		}
	}
	for _, p := range again.Products {
		if p.Action != "exists" {
			t.Errorf("again: product %s is %s", p.Number, p.Action)
		}
	}
}
