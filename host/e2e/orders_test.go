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

// TestWebshopRefundCredit (issue 14, item 3): a refund of a webshop order
// becomes a credit note of the order's invoice on the sandbox. A refund
// of an order whose invoice is still a draft is refused (Billy credits
// approved invoices only); once approved, the confirmed refund makes one
// draft credit note (creditedInvoiceId the invoice, the refunded line and
// shipping), approving it lowers the invoice's balance by the refund, the
// same refund again finds that credit note and writes nothing, and a
// second refund beyond what is left to credit is refused.
func TestWebshopRefundCredit(t *testing.T) {
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
	// confirmed calls tool, then again with the confirmation token.
	confirmed := func(tool string, args map[string]any) map[string]any {
		t.Helper()
		var pre map[string]any
		decode(t, structured(t, callTool(t, c, tool, args)), &pre)
		if pre["status"] != "confirmation_required" {
			t.Fatalf("%s preview: %v", tool, pre)
		}
		args["confirmation_token"] = pre["confirmation_token"]
		var done map[string]any
		decode(t, structured(t, callTool(t, c, tool, args)), &done)
		delete(args, "confirmation_token")
		return done
	}
	refund := func(rid, amount, shipping, total string) map[string]any {
		return map[string]any{"id": rid, "date": "2026-11-26", "lines": []any{map[string]any{"sku": "HST-VM", "title": "Vare HST-VM", "quantity": 1, "amount": amount}},
			"shipping": shipping, "total": total}
	}
	order := map[string]any{"order_number": "W-2001", "date": "2026-11-24", "currency": "DKK", "prices_include_tax": true,
		"customer": map[string]any{"email": "refund-e2e@example.dk", "name": "Refusion Kunde", "country": "DK"},
		"lines":    []any{map[string]any{"sku": "DA-B", "title": "Vare DA-B", "quantity": 1, "unit_price": "3118.75"}, map[string]any{"sku": "HST-VM", "title": "Vare HST-VM", "quantity": 2, "unit_price": "1118.75"}},
		"shipping": map[string]any{"title": "GLS", "amount": "49.00"}, "total": "5405.25",
		"refunds": []any{refund("R-1", "1118.75", "49.00", "1167.75")}}
	shipping := id["DA-X"]
	imported := confirmed("import_webshop_order", map[string]any{"order": order, "shipping_product_id": shipping})
	invoiceID, _ := imported["invoice_id"].(string)
	if imported["status"] != "done" || invoiceID == "" {
		t.Fatalf("import: %v", imported)
	}

	args := map[string]any{"order": order, "shipping_product_id": shipping}
	if e := toolError(t, callTool(t, c, "credit_webshop_refund", args)); e["code"] != "refund_invoice_draft" {
		t.Errorf("refund of a draft invoice: %v", e)
	}
	if done := confirmed("approve_invoice", map[string]any{"invoiceId": invoiceID}); done["status"] != "done" && done["state"] != "approved" {
		t.Logf("approve: %v", done)
	}

	credited := confirmed("credit_webshop_refund", args)
	cnID, _ := credited["credit_note_id"].(string)
	if credited["status"] != "done" || cnID == "" || credited["invoice_id"] != invoiceID || credited["total"] != "1167.75" || credited["left_to_credit"] != "5405.25" {
		t.Fatalf("credit: %v", credited)
	}
	var cn struct {
		Type, State       string
		CreditedInvoiceID string      `json:"creditedInvoiceId"`
		GrossAmount       json.Number `json:"grossAmount"`
		Lines             []struct {
			ProductID string `json:"productId"`
		}
	}
	// get_invoice shows a credit note's amounts negative (the invoices
	// plugin's sign convention).
	decode(t, structured(t, callTool(t, c, "get_invoice", map[string]any{"invoiceId": cnID})), &cn)
	if cn.Type != "creditNote" || cn.State != "draft" || cn.CreditedInvoiceID != invoiceID || !decimalEq(t, cn.GrossAmount, "-1167.75") ||
		len(cn.Lines) != 2 || cn.Lines[0].ProductID != id["HST-VM"] || cn.Lines[1].ProductID != shipping {
		t.Errorf("the credit note in Billy: %+v", cn)
	}
	confirmed("approve_invoice", map[string]any{"invoiceId": cnID})
	var inv struct {
		Balance json.Number `json:"balance"`
	}
	decode(t, structured(t, callTool(t, c, "get_invoice", map[string]any{"invoiceId": invoiceID})), &inv)
	if !decimalEq(t, inv.Balance, "4237.50") {
		t.Errorf("the invoice's balance after the credit note: %s, want 5405.25 - 1167.75", inv.Balance)
	}

	// The same refund again: the credit note is found, nothing written.
	var again map[string]any
	decode(t, structured(t, callTool(t, c, "credit_webshop_refund", args)), &again)
	if again["status"] != "exists" || again["credit_note_id"] != cnID {
		t.Errorf("again: %v", again)
	}
	// A refund of money only (a goodwill refund of 100 kr.): credited as
	// a price reduction on the product that carried most of the moms,
	// and Billy's credit note is the money paid back to the øre.
	order["refunds"] = []any{map[string]any{"id": "R-3", "date": "2026-11-27", "lines": []any{}, "total": "100.00"}}
	goodwill := confirmed("credit_webshop_refund", args)
	gwID, _ := goodwill["credit_note_id"].(string)
	if goodwill["status"] != "done" || gwID == "" || goodwill["total"] != "100.00" {
		t.Fatalf("goodwill refund: %v", goodwill)
	}
	cn.Lines = nil
	decode(t, structured(t, callTool(t, c, "get_invoice", map[string]any{"invoiceId": gwID})), &cn)
	if cn.Type != "creditNote" || !decimalEq(t, cn.GrossAmount, "-100.00") || len(cn.Lines) != 1 || cn.Lines[0].ProductID != id["DA-B"] {
		t.Errorf("the goodwill credit note in Billy: %+v", cn)
	}
	confirmed("approve_invoice", map[string]any{"invoiceId": gwID})
	decode(t, structured(t, callTool(t, c, "get_invoice", map[string]any{"invoiceId": invoiceID})), &inv)
	if !decimalEq(t, inv.Balance, "4137.50") {
		t.Errorf("the invoice's balance after the goodwill credit note: %s, want 4237.50 - 100.00", inv.Balance)
	}

	// A second refund of the whole order is more than is left.
	whole := refund("R-2", "2237.50", "49.00", "5405.25")
	whole["lines"] = []any{map[string]any{"sku": "DA-B", "quantity": 1, "amount": "3118.75"}, map[string]any{"sku": "HST-VM", "quantity": 2, "amount": "2237.50"}}
	order["refunds"] = []any{whole}
	e := toolError(t, callTool(t, c, "credit_webshop_refund", args))
	if e["code"] != "refund_exceeds_invoice" || !strings.Contains(fmt.Sprint(e["message"]), "4137.50 is left") {
		t.Errorf("over-crediting: %v", e)
	}
}
