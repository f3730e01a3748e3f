package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestWebshopOrderOnce (issue 14, item 3): a generic webshop order, prices
// incl. moms, goes through the real host and the integrations plugin onto
// the sandbox: the preview plans a new customer and a draft invoice and
// writes nothing; the confirmed import creates both, with the lines on the
// products whose product numbers are the SKUs and the gross total the shop
// showed; the same order again finds that invoice (externalId) and writes
// nothing, so one order makes one invoice. A second order of the same
// customer finds the contact by e-mail; an order with unknown SKUs is
// refused whole, naming them.
func TestWebshopOrderOnce(t *testing.T) {
	h := startHost(t, "sandbox: {business: service}\nwrites: {mode: confirm}\nplugins:\n  invoices: {path: billy-mcp-plugin-invoices}\n  integrations: {path: billy-mcp-plugin-integrations}\n")
	h.waitReady(20 * time.Second)
	c := h.mcpHTTP()
	initialize(t, c)

	var prods struct {
		Products []struct {
			ID        string
			ProductNo string `json:"productNo"`
		}
	}
	decode(t, structured(t, callTool(t, c, "list_products", map[string]any{"limit": 100})), &prods)
	id := map[string]string{}
	for _, p := range prods.Products {
		id[p.ProductNo] = p.ID
	}
	for _, no := range []string{"DA-B", "HST-VM", "DA-X", "DA-P"} {
		if id[no] == "" {
			t.Fatalf("the service sandbox has no product %s: %+v", no, prods.Products)
		}
	}
	order := func(no string, skus ...string) map[string]any {
		lines := []any{}
		for i, s := range skus {
			lines = append(lines, map[string]any{"sku": s, "title": "Vare " + s, "quantity": i + 1, "unit_price": []string{"3118.75", "1118.75", "10"}[i]})
		}
		return map[string]any{"order_number": no, "date": "2026-11-24", "currency": "DKK", "prices_include_tax": true,
			"customer": map[string]any{"email": "webshop-e2e@example.dk", "name": "Webshop Kunde", "street": "Testvej 1", "zipcode": "8000", "city": "Aarhus C", "country": "DK"},
			"lines":    lines, "shipping": map[string]any{"title": "GLS", "amount": "49.00"}, "discount": map[string]any{"title": "VINTER", "amount": 100}}
	}
	args := map[string]any{"order": order("W-1001", "DA-B", "HST-VM"), "shipping_product_id": id["DA-X"], "discount_product_id": id["DA-P"]}

	type result struct {
		Status            string
		ConfirmationToken string `json:"confirmation_token"`
		InvoiceID         string `json:"invoice_id"`
		ExternalID        string `json:"external_id"`
		Total             string
		Contact           struct {
			ID, Name string
			New      bool
			FoundBy  string `json:"found_by"`
		}
		Lines []struct{ Kind, ProductID string }
	}
	var pre result
	decode(t, structured(t, callTool(t, c, "import_webshop_order", args)), &pre)
	if pre.Status != "confirmation_required" || pre.ConfirmationToken == "" || !pre.Contact.New || len(pre.Lines) != 4 || pre.Total != "5305.25" {
		t.Fatalf("preview: %+v", pre)
	}
	args["confirmation_token"] = pre.ConfirmationToken
	var done result
	decode(t, structured(t, callTool(t, c, "import_webshop_order", args)), &done)
	if done.Status != "done" || done.InvoiceID == "" || done.Contact.ID == "" || done.ExternalID != "generic:W-1001" {
		t.Fatalf("import: %+v", done)
	}
	var inv struct {
		State, ContactID, TaxMode, Currency string
		GrossAmount                         json.Number `json:"grossAmount"`
		Lines                               []struct {
			ProductID string `json:"productId"`
			Quantity  json.Number
		}
	}
	decode(t, structured(t, callTool(t, c, "get_invoice", map[string]any{"invoiceId": done.InvoiceID})), &inv)
	var gotProducts []string
	for _, l := range inv.Lines {
		gotProducts = append(gotProducts, l.ProductID+"×"+string(l.Quantity))
	}
	wantProducts := []string{id["DA-B"] + "×1", id["HST-VM"] + "×2", id["DA-X"] + "×1", id["DA-P"] + "×-1"}
	if inv.State != "draft" || inv.ContactID != done.Contact.ID || inv.TaxMode != "incl" || inv.Currency != "DKK" ||
		strings.Join(gotProducts, ",") != strings.Join(wantProducts, ",") || !decimalEq(t, inv.GrossAmount, "5305.25") {
		t.Errorf("the invoice in Billy: %+v; lines %v, want %v", inv, gotProducts, wantProducts)
	}

	// The same order again, with the used token and without: one invoice.
	if res := callTool(t, c, "import_webshop_order", args); res.IsError {
		t.Errorf("the same order with the used token: %v", toolError(t, res))
	} else {
		var again result
		decode(t, structured(t, res), &again)
		if again.Status != "exists" || again.InvoiceID != done.InvoiceID {
			t.Errorf("again with token: %+v", again)
		}
	}
	delete(args, "confirmation_token")
	var again result
	decode(t, structured(t, callTool(t, c, "import_webshop_order", args)), &again)
	if again.Status != "exists" || again.InvoiceID != done.InvoiceID {
		t.Errorf("again: %+v, want exists %s", again, done.InvoiceID)
	}
	// Billy's search covers orderNo: one invoice has the shop's order number.
	var found struct{ Invoices []struct{ ID string } }
	decode(t, structured(t, callTool(t, c, "list_invoices", map[string]any{"search": "W-1001", "state": "draft", "limit": 50})), &found)
	if len(found.Invoices) != 1 || found.Invoices[0].ID != done.InvoiceID {
		t.Errorf("invoices of order W-1001: %+v, want only %s", found.Invoices, done.InvoiceID)
	}

	// Another order of the same customer: the contact is found by e-mail.
	next := map[string]any{"order": order("W-1002", "DA-B"), "dry_run": true, "shipping_product_id": id["DA-X"], "discount_product_id": id["DA-P"]}
	var dry result
	decode(t, structured(t, callTool(t, c, "import_webshop_order", next)), &dry)
	if dry.Status != "dry_run" || dry.Contact.ID != done.Contact.ID || dry.Contact.FoundBy != "email" {
		t.Errorf("second order: %+v", dry)
	}

	// Unknown SKUs refuse the whole order, naming each.
	bad := map[string]any{"order": order("W-1003", "DA-B", "NOPE-1", "NOPE-2"), "shipping_product_id": id["DA-X"], "discount_product_id": id["DA-P"]}
	e := toolError(t, callTool(t, c, "import_webshop_order", bad))
	if e["code"] != "order_unknown_sku" || !strings.Contains(fmt.Sprint(e["message"]), "NOPE-1, NOPE-2") {
		t.Errorf("unknown SKUs: %v", e)
	}
}
