package sandbox

import "testing"

// TestInvoiceDeliveries: an approved invoice is sent as an e-invoice
// (POST /invoiceDeliveries) and its log says received; a draft or a
// malformed GLN is refused with 422 and nothing is logged; the same
// invoice again, a GLN whose check digit fails and a zero-price line are
// accepted as deliveries and logged failed, as the partner's rejections
// would be (einvoice.go).
func TestInvoiceDeliveries(t *testing.T) {
	sb := newSandbox(t, Options{})
	contactID := sb.firstID("/v2/contacts?countryId=DK&isCustomer=true", "contacts")
	productID := sb.firstID("/v2/products?q=Konsulenttimer", "products")
	invoice := func(price float64, state string) string {
		r := sb.do("POST", "/v2/invoices", obj{"invoice": obj{"contactId": contactID, "entryDate": "2026-11-20", "state": state, "orderNo": "PO-1",
			"lines": []any{obj{"productId": productID, "quantity": 1, "unitPrice": 100}, obj{"productId": productID, "quantity": 1, "unitPrice": price}}}}).ok(t)
		return str(r.list("invoices")[0], "id")
	}
	send := func(id, gln string) response {
		return sb.do("POST", "/v2/invoiceDeliveries", obj{"invoiceDelivery": obj{"invoiceId": id, "receiverIdType": "gln", "receiverGln": gln, "orderReference": "PO-1"}})
	}
	logs := func(id string) []string {
		var out []string
		for _, l := range sb.do("GET", "/v2/invoiceLogs?invoiceId="+id+"&sortProperty=eventTime&sortDirection=DESC", nil).ok(t).list("invoiceLogs") {
			out = append(out, str(l, "type")+":"+str(l, "messageKey"))
		}
		return out
	}
	const good, badCheck = "5798000000001", "5798000000002"
	if !gs1Valid(good) || gs1Valid(badCheck) {
		t.Fatal("the test GLNs' check digits are not what the test assumes")
	}

	draft := invoice(50, "draft")
	if r := send(draft, good); r.status != 422 {
		t.Errorf("sending a draft: %d", r.status)
	}
	approved := invoice(50, "approved")
	if r := send(approved, "57980"); r.status != 422 {
		t.Errorf("a 5-digit GLN: %d", r.status)
	}
	if got := logs(approved); len(got) != 0 {
		t.Errorf("logged after refusals: %v", got)
	}
	r := send(approved, good).ok(t)
	if d := r.list("invoiceDeliveries"); len(d) != 1 || str(d[0], "invoiceId") != approved || str(d[0], "receiverGln") != good {
		t.Errorf("delivery: %v", d)
	}
	if got := logs(approved); len(got) != 1 || got[0] != "received:einvoice.received" {
		t.Errorf("log after sending: %v", got)
	}
	send(approved, good).ok(t)
	if got := logs(approved); len(got) != 2 || got[0] != "failed:einvoice.already_sent" && got[1] != "failed:einvoice.already_sent" {
		t.Errorf("log after sending twice: %v", got)
	}
	other := invoice(50, "approved")
	send(other, badCheck).ok(t)
	if got := logs(other); len(got) != 1 || got[0] != "failed:einvoice.receiver_not_registered" {
		t.Errorf("bad check digit: %v", got)
	}
	zero := invoice(0, "approved")
	send(zero, good).ok(t)
	if got := logs(zero); len(got) != 1 || got[0] != "failed:einvoice.zero_values" {
		t.Errorf("zero price: %v", got)
	}
	if got := sb.do("GET", "/v2/invoiceDeliveries?invoiceId="+approved, nil).ok(t).list("invoiceDeliveries"); len(got) != 2 {
		t.Errorf("deliveries of the invoice: %d", len(got))
	}
}
