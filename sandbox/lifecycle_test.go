package sandbox

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

type obj = map[string]any

// The invoice lifecycle of billy-api.md §7.3.2 and §7.6: draft, edit,
// approve, e-mail, pay, void a payment, credit, void, delete, and the PDF.
func TestInvoiceLifecycle(t *testing.T) {
	sb := newSandbox(t, Options{})
	contactID := sb.firstID("/v2/contacts?countryId=DK&isCustomer=true", "contacts")
	personID := sb.firstID("/v2/contactPersons?contactId="+contactID, "contactPersons")
	productID := sb.firstID("/v2/products?q=Konsulenttimer", "products")
	bankID := sb.firstID("/v2/accounts?isBankAccount=true&isPaymentEnabled=true", "accounts")
	nextNo := int(num(sb.do("GET", "/v2/organization", nil).ok(t).obj("organization"), "nextInvoiceNo"))
	line := func(qty, price float64) obj { return obj{"productId": productID, "quantity": qty, "unitPrice": price} }

	// Create a draft: three lines of 33.33 at 25 % (danish-compliance.md
	// TV4): VAT is computed on the rate's total, 99.99 × 25 % = 25.00.
	r := sb.do("POST", "/v2/invoices", obj{"invoice": obj{"contactId": contactID, "entryDate": "2026-11-20",
		"paymentTermsMode": "net", "paymentTermsDays": 14,
		"lines": []any{line(1, 33.33), line(1, 33.33), line(1, 33.33)}}}).ok(t)
	inv := r.list("invoices")[0]
	id := str(inv, "id")
	if len(r.list("invoiceLines")) != 3 {
		t.Fatalf("create answered %d invoiceLines", len(r.list("invoiceLines")))
	}
	expect(t, "draft", inv, obj{"state": "draft", "invoiceNo": nil, "amount": 99.99, "tax": 25.0, "grossAmount": 124.99,
		"balance": 0.0, "isPaid": false, "dueDate": "2026-12-04", "sentState": "unsent", "approvedTime": nil, "type": "invoice"})
	var lineTax float64
	for _, l := range r.list("invoiceLines") {
		lineTax += num(l, "tax")
	}
	if jsonOre(lineTax) != 2500 {
		t.Errorf("line taxes add up to %.2f, want 25.00", lineTax)
	}

	// Replace the draft's lines; the old ones are reported deleted.
	r = sb.do("PUT", "/v2/invoices/"+id, obj{"invoice": obj{"lines": []any{line(2, 1000)}}}).ok(t)
	deleted, _ := r.meta()["deletedRecords"].(map[string]any)
	if old, _ := deleted["invoiceLines"].([]any); len(old) != 3 {
		t.Errorf("deletedRecords = %v, want the 3 old lines", r.meta()["deletedRecords"])
	}
	expect(t, "edited draft", r.list("invoices")[0], obj{"amount": 2000.0, "tax": 500.0, "grossAmount": 2500.0})

	// A draft cannot be e-mailed.
	email := obj{"email": obj{"contactPersonId": personID, "emailSubject": "Faktura", "emailBody": "Hej"}}
	if r := sb.do("POST", "/v2/invoices/"+id+"/emails", email); r.status != 422 {
		t.Errorf("e-mailing a draft: %d", r.status)
	}

	// Approve: the next number, approvedTime, balance, and a balanced
	// transaction.
	r = sb.do("PUT", "/v2/invoices/"+id, obj{"invoice": obj{"state": "approved"}}).ok(t)
	expect(t, "approved", r.list("invoices")[0], obj{"state": "approved", "invoiceNo": strconv.Itoa(nextNo),
		"balance": 2500.0, "isPaid": false})
	if str(r.list("invoices")[0], "approvedTime") == "" {
		t.Errorf("approvedTime not set")
	}
	if len(r.list("transactions")) != 1 || str(r.list("transactions")[0], "originatorReference") != "invoice:"+id {
		t.Errorf("approval answered transactions %v", r.list("transactions"))
	}
	checkBalanced(t, r.list("postings"))
	if got := int(num(sb.do("GET", "/v2/organization", nil).ok(t).obj("organization"), "nextInvoiceNo")); got != nextNo+1 {
		t.Errorf("nextInvoiceNo %d, want %d", got, nextNo+1)
	}
	for _, body := range []obj{{"state": "approved"}, {"state": "draft"}, {"entryDate": "2026-11-21"}, {"lines": []any{line(1, 1)}}} {
		if r := sb.do("PUT", "/v2/invoices/"+id, obj{"invoice": body}); r.status != 422 {
			t.Errorf("PUT %v on an approved invoice: %d", body, r.status)
		}
	}
	sb.do("PUT", "/v2/invoices/"+id, obj{"invoice": obj{"contactMessage": "Tak for samarbejdet"}}).ok(t)

	// E-mail it: sentState becomes "sent".
	r = sb.do("POST", "/v2/invoices/"+id+"/emails", email).ok(t)
	expect(t, "e-mailed", r.list("invoices")[0], obj{"sentState": "sent", "contactMessage": "Tak for samarbejdet"})
	otherContact := sb.do("GET", "/v2/contacts?isCustomer=true&pageSize=2&page=2", nil).ok(t).list("contacts")[0]
	otherPerson := sb.firstID("/v2/contactPersons?contactId="+str(otherContact, "id"), "contactPersons")
	r = sb.do("POST", "/v2/invoices/"+id+"/emails", obj{"email": obj{"contactPersonId": otherPerson}})
	if r.status != 422 || r.validation()["email"] == nil {
		t.Errorf("e-mail to another contact's person: %d %s", r.status, r.raw)
	}

	// Pay 1000, then the rest.
	pay := func(amount float64) response {
		return sb.do("POST", "/v2/bankPayments", obj{"bankPayment": obj{"entryDate": "2026-11-24", "cashAmount": amount,
			"cashSide": "debit", "cashAccountId": bankID, "associations": []any{obj{"subjectReference": "invoice:" + id}}}})
	}
	r = pay(1000).ok(t)
	payment1 := str(r.list("bankPayments")[0], "id")
	expect(t, "partly paid", r.list("invoices")[0], obj{"balance": 1500.0, "isPaid": false})
	if m := r.list("balanceModifiers"); len(m) != 1 || num(m[0], "amount") != -1000 || str(m[0], "modifierReference") != "bankPayment:"+payment1 {
		t.Errorf("balanceModifiers %v", m)
	}
	checkBalanced(t, r.list("postings"))
	if r := sb.do("PUT", "/v2/invoices/"+id, obj{"invoice": obj{"state": "voided"}}); r.status != 422 {
		t.Errorf("voiding a paid invoice: %d", r.status)
	}
	r = pay(1500).ok(t)
	payment2 := str(r.list("bankPayments")[0], "id")
	expect(t, "paid", r.list("invoices")[0], obj{"balance": 0.0, "isPaid": true})
	if got := sb.do("GET", "/v2/invoices?isPaid=true&contactId="+contactID, nil).ok(t).list("invoices"); !containsID(got, id) {
		t.Errorf("isPaid=true does not list the paid invoice")
	}

	// Payments cannot be deleted, only voided, and not un-voided.
	if r := sb.do("DELETE", "/v2/bankPayments/"+payment2, nil); r.status != 405 {
		t.Errorf("DELETE bankPayment: %d", r.status)
	}
	r = sb.do("PUT", "/v2/bankPayments/"+payment2, obj{"bankPayment": obj{"isVoided": true}}).ok(t)
	expect(t, "payment voided", r.list("invoices")[0], obj{"balance": 1500.0, "isPaid": false})
	if r := sb.do("PUT", "/v2/bankPayments/"+payment2, obj{"bankPayment": obj{"isVoided": false}}); r.status != 422 {
		t.Errorf("un-voiding: %d", r.status)
	}
	if r := sb.do("PUT", "/v2/bankPayments/"+payment1, obj{"bankPayment": obj{"cashAmount": 5}}); r.status != 422 {
		t.Errorf("changing cashAmount: %d", r.status)
	}

	// A credit note of 1200 + VAT settles the remaining 1500.
	r = sb.do("POST", "/v2/invoices", obj{"invoice": obj{"type": "creditNote", "creditedInvoiceId": id, "contactId": contactID,
		"entryDate": "2026-11-25", "state": "approved", "lines": []any{line(1, 1200)}}}).ok(t)
	var cn, orig map[string]any
	for _, x := range r.list("invoices") {
		if str(x, "id") == id {
			orig = x
		} else {
			cn = x
		}
	}
	expect(t, "credit note", cn, obj{"type": "creditNote", "state": "approved", "grossAmount": 1500.0, "balance": 0.0,
		"creditedInvoiceId": id, "invoiceNo": strconv.Itoa(nextNo + 1)})
	expect(t, "credited invoice", orig, obj{"balance": 0.0, "isPaid": true})
	if got := sb.do("GET", "/v2/invoices?creditedInvoiceId="+id, nil).ok(t).list("invoices"); len(got) != 1 {
		t.Errorf("creditedInvoiceId filter: %d", len(got))
	}
	// Voiding the credit note gives the invoice its balance back.
	r = sb.do("PUT", "/v2/invoices/"+str(cn, "id"), obj{"invoice": obj{"state": "voided"}}).ok(t)
	if got := sb.do("GET", "/v2/invoices/"+id, nil).ok(t).obj("invoice"); num(got, "balance") != 1500 {
		t.Errorf("balance after voiding the credit note: %v", got["balance"])
	}

	// Void the first payment, then the invoice itself.
	sb.do("PUT", "/v2/bankPayments/"+payment1, obj{"bankPayment": obj{"isVoided": true}}).ok(t)
	r = sb.do("PUT", "/v2/invoices/"+id, obj{"invoice": obj{"state": "voided"}}).ok(t)
	expect(t, "voided", r.list("invoices")[0], obj{"state": "voided", "balance": 0.0, "isPaid": false})
	voidedTx := 0
	for _, tx := range r.list("transactions") {
		if tx["isVoided"] == true || tx["isVoid"] == true {
			voidedTx++
		}
	}
	if voidedTx != 2 {
		t.Errorf("voiding wrote %d voided/reversing transactions, want 2", voidedTx)
	}
	if r := sb.do("DELETE", "/v2/invoices/"+id, nil); r.status != 422 {
		t.Errorf("deleting a voided invoice: %d", r.status)
	}

	// Drafts can be deleted, with their lines; DELETE is idempotent.
	r = sb.do("POST", "/v2/invoices", obj{"invoice": obj{"contactId": contactID, "entryDate": "2026-11-25",
		"lines": []any{line(1, 10), line(2, 20)}}}).ok(t)
	draft := str(r.list("invoices")[0], "id")
	r = sb.do("DELETE", "/v2/invoices/"+draft, nil).ok(t)
	deleted, _ = r.meta()["deletedRecords"].(map[string]any)
	if ids, _ := deleted["invoices"].([]any); len(ids) != 1 {
		t.Errorf("deletedRecords %v", r.meta())
	}
	if ids, _ := deleted["invoiceLines"].([]any); len(ids) != 2 {
		t.Errorf("deletedRecords %v", r.meta())
	}
	if r := sb.do("GET", "/v2/invoices/"+draft, nil); r.status != 404 {
		t.Errorf("deleted draft: %d", r.status)
	}
	sb.do("DELETE", "/v2/invoices/"+draft, nil).ok(t)

	// Invoice numbers are unique.
	r = sb.do("POST", "/v2/invoices", obj{"invoice": obj{"contactId": contactID, "entryDate": "2026-11-25",
		"invoiceNo": nextNo, "lines": []any{line(1, 10)}}})
	if r.status != 422 || r.validation()["invoice"] == nil {
		t.Errorf("duplicate invoiceNo: %d %s", r.status, r.raw)
	}
}

// A foreign-currency invoice paid from a DKK account needs
// cashExchangeRate (§7.6).
func TestForeignCurrencyPayment(t *testing.T) {
	sb := newSandbox(t, Options{})
	inv := sb.do("GET", "/v2/invoices?currencyId=EUR&state=approved&pageSize=1", nil).ok(t).list("invoices")[0]
	bankID := sb.firstID("/v2/accounts?isBankAccount=true", "accounts")
	body := func(rate any) obj {
		return obj{"bankPayment": obj{"entryDate": "2026-11-25", "cashAmount": 100, "cashSide": "debit", "cashAccountId": bankID,
			"cashExchangeRate": rate, "associations": []any{obj{"subjectReference": "invoice:" + str(inv, "id")}}}}
	}
	if r := sb.do("POST", "/v2/bankPayments", body(nil)); r.status != 422 {
		t.Fatalf("without cashExchangeRate: %d", r.status)
	}
	r := sb.do("POST", "/v2/bankPayments", body(7.5)).ok(t)
	checkBalanced(t, r.list("postings"))
}

func TestDownloadURL(t *testing.T) {
	sb := newSandbox(t, Options{})
	id := sb.firstID("/v2/invoices?state=approved", "invoices")
	url1 := str(sb.do("GET", "/v2/invoices/"+id, nil).ok(t).obj("invoice"), "downloadUrl")
	url2 := str(sb.do("GET", "/v2/invoices/"+id, nil).ok(t).obj("invoice"), "downloadUrl")
	if url1 == url2 {
		t.Errorf("downloadUrl did not change between reads")
	}
	if !strings.HasPrefix(url1, sb.srv.URL+"/v2/downloads/invoices/"+id+"/") || !strings.HasSuffix(url1, ".pdf") {
		t.Errorf("downloadUrl %q", url1)
	}
	// The link works without a token: it authenticates itself.
	resp, err := http.Get(url1)
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("download: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), pdf[:min(len(pdf), 20)])
	}
	checkPDF(t, pdf)
	// A forged token is refused.
	parts := strings.Split(url1, "/")
	tok := []byte(parts[len(parts)-2])
	tok[len(tok)-1] ^= 1
	parts[len(parts)-2] = string(tok)
	resp, err = http.Get(strings.Join(parts, "/"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("forged link: %d", resp.StatusCode)
	}
}

// expect compares selected fields of a record.
func expect(t *testing.T, what string, rec map[string]any, want obj) {
	t.Helper()
	for k, v := range want {
		got, ok := rec[k]
		if !ok {
			t.Errorf("%s: %s missing", what, k)
			continue
		}
		if f, isNum := v.(float64); isNum {
			if g, _ := got.(float64); jsonOre(g) != jsonOre(f) {
				t.Errorf("%s: %s = %v, want %v", what, k, got, v)
			}
			continue
		}
		if got != v {
			t.Errorf("%s: %s = %v, want %v", what, k, got, v)
		}
	}
}

// checkBalanced verifies that postings balance in the base currency,
// transaction by transaction.
func checkBalanced(t *testing.T, postings []map[string]any) {
	t.Helper()
	if len(postings) == 0 {
		t.Errorf("no postings")
	}
	sums := map[string]int64{}
	for _, p := range postings {
		amt := jsonOre(num(p, "baseAmount"))
		if amt < 0 || jsonOre(num(p, "amount")) < 0 {
			t.Errorf("posting %v has a negative amount", p["id"])
		}
		if str(p, "side") == "credit" {
			amt = -amt
		}
		sums[str(p, "transactionId")] += amt
	}
	for tx, s := range sums {
		if s != 0 {
			t.Errorf("transaction %s is off by %d øre", tx, s)
		}
	}
}

func containsID(list []map[string]any, id string) bool {
	for _, m := range list {
		if str(m, "id") == id {
			return true
		}
	}
	return false
}
