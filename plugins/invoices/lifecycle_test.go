package invoices

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/google/go-cmp/cmp"
)

// These tests run under direct so that each call executes; the
// confirmation flow is covered in writes_test.go.

func wantCode(t *testing.T, err error, cat sdk.Category, code string) *sdk.Error {
	t.Helper()
	var se *sdk.Error
	if !errors.As(err, &se) || se.Category != cat || (code != "" && se.Code != code) {
		t.Fatalf("want %s %s, got %v", cat, code, err)
	}
	return se
}

// TestSendEmailsThroughBilly: send_invoice posts Billy's email (v1 only
// PUT sentState, which sends nothing) to the primary contact person, and
// returns the invoice as Billy now has it.
func TestSendEmailsThroughBilly(t *testing.T) {
	e := newEnv(t, sdk.WritesDirect)
	seedWrites(e.billy)
	var out WriteResult[SentInvoice]
	e.mustCall("send_invoice", map[string]any{"invoiceId": "inv-approved"}, &out)
	w := e.billy.writes()
	if len(w) != 1 || w[0].String() != "POST /invoices/inv-approved/emails" {
		t.Fatalf("writes: %v", w)
	}
	want := map[string]any{"email": map[string]any{"contactPersonId": "person-1", "emailSubject": "Faktura 1001",
		"emailBody": "Hej Mette Jensen\n\nHermed faktura nr. 1001 på 1.250,00 kr., som forfaldt 31. marts 2025.\n\nVenlig hilsen"}}
	if diff := cmp.Diff(want, w[0].Body); diff != "" {
		t.Errorf("email (-want +got):\n%s", diff)
	}
	if out.Record.Invoice.SentState != "sent" || out.Record.Recipient.Email != "mette@jensen.dk" {
		t.Errorf("read back: %+v", out.Record)
	}
}

func TestSendRefusals(t *testing.T) {
	tests := []struct {
		name string
		args map[string]any
		cat  sdk.Category
		code string
	}{
		{"draft", map[string]any{"invoiceId": "inv-draft"}, sdk.CategoryConflict, "invoice_not_approved"},
		{"person of another customer", map[string]any{"invoiceId": "inv-approved", "contactPersonId": "person-x"}, sdk.CategoryValidation, sdk.CodeInvalidArguments},
		{"no recipient", map[string]any{"invoiceId": "inv-nobody"}, sdk.CategoryValidation, "no_recipient"},
		{"method", map[string]any{"invoiceId": "inv-approved", "method": "post"}, sdk.CategoryValidation, sdk.CodeInvalidArguments},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, sdk.WritesDirect)
			seedWrites(e.billy)
			e.billy.put("contacts", map[string]any{"id": "contact-2", "name": "Ingen Mail A/S", "isCustomer": true})
			e.billy.put("contactPersons", map[string]any{"id": "person-x", "contactId": "contact-2", "email": "x@y.dk"})
			e.billy.put("contacts", map[string]any{"id": "contact-3", "name": "Ingen Personer", "isCustomer": true})
			e.billy.invoice("inv-nobody", "approved", 100, map[string]any{"contactId": "contact-3"})
			wantCode(t, e.call("send_invoice", tt.args, new(json.RawMessage)), tt.cat, tt.code)
			if w := e.billy.writes(); len(w) != 0 {
				t.Errorf("writes: %v", w)
			}
		})
	}
}

// TestCancelVoids: cancel_invoice sets Billy's voided state (v1 set a
// "cancelled" state Billy does not have).
func TestCancelVoids(t *testing.T) {
	e := newEnv(t, sdk.WritesDirect)
	seedWrites(e.billy)
	var out WriteResult[Invoice]
	e.mustCall("cancel_invoice", map[string]any{"invoiceId": "inv-approved", "reason": "Oprettet to gange"}, &out)
	// Billy has no field for the reason: the host's audit log keeps it.
	if got := e.h.AuditNote(); got != "reason: Oprettet to gange" {
		t.Errorf("audit note %q, want the reason", got)
	}
	w := e.billy.writes()
	if len(w) != 1 || w[0].String() != "PUT /invoices/inv-approved" || field(w[0].Body, "invoice", "state") != "voided" || len(w[0].Body["invoice"].(map[string]any)) != 1 {
		t.Fatalf("writes: %v %v", w, w[0].Body)
	}
	if out.Record.State != "voided" {
		t.Errorf("read back: %+v", out.Record)
	}

	// Voiding again changes nothing and says so.
	e.billy.reset()
	e.mustCall("cancel_invoice", map[string]any{"invoiceId": "inv-approved"}, &out)
	if out.Status != statusNoChange || len(e.billy.writes()) != 0 {
		t.Errorf("second void: %+v", out)
	}
	// A draft is not booked, so there is nothing to void.
	wantCode(t, e.call("cancel_invoice", map[string]any{"invoiceId": "inv-draft"}, new(json.RawMessage)), sdk.CategoryConflict, "invoice_is_draft")
}

// TestMarkPaidRecordsBankPayment: mark_invoice_paid records a bank payment
// associated with the invoice on the organization's invoice bank account
// (v1 set a "paid" state Billy does not have), and the read-back shows the
// invoice paid.
func TestMarkPaidRecordsBankPayment(t *testing.T) {
	e := newEnv(t, sdk.WritesDirect)
	seedWrites(e.billy)
	var out WriteResult[PaymentRecorded]
	e.mustCall("mark_invoice_paid", map[string]any{"invoiceId": "inv-approved", "paymentDate": "2025-04-02"}, &out)
	w := e.billy.writes()
	if len(w) != 1 || w[0].String() != "POST /bankPayments" {
		t.Fatalf("writes: %v", w)
	}
	want := map[string]any{"bankPayment": map[string]any{"entryDate": "2025-04-02", "cashAmount": 1250.0, "cashSide": "debit",
		"cashAccountId": "acct-bank", "associations": []any{map[string]any{"subjectReference": "invoice:inv-approved"}}}}
	if diff := cmp.Diff(want, w[0].Body); diff != "" {
		t.Errorf("bank payment (-want +got):\n%s", diff)
	}
	r := out.Record
	if r == nil || len(r.Invoices) != 1 || !r.Invoices[0].IsPaid || r.Invoices[0].Balance != 0 || r.Payment.Direction != "in" ||
		r.Payment.Invoices[0] != (PaymentPart{InvoiceID: "inv-approved", Amount: 1250}) {
		t.Errorf("read back: %+v", r)
	}
}

func TestPaymentRefusals(t *testing.T) {
	tests := []struct {
		name  string
		tool  string
		args  map[string]any
		cat   sdk.Category
		code  string
		field string
	}{
		{"no date", "mark_invoice_paid", map[string]any{"invoiceId": "inv-approved"}, sdk.CategoryValidation, sdk.CodeInvalidArguments, "paymentDate"},
		{"draft", "mark_invoice_paid", map[string]any{"invoiceId": "inv-draft", "paymentDate": "2025-04-02"}, sdk.CategoryConflict, "invoice_not_approved", ""},
		{"already paid", "mark_invoice_paid", map[string]any{"invoiceId": "inv-paid", "paymentDate": "2025-04-02"}, sdk.CategoryConflict, "invoice_already_paid", ""},
		{"negative amount", "mark_invoice_paid", map[string]any{"invoiceId": "inv-approved", "paymentDate": "2025-04-02", "amount": -5}, sdk.CategoryValidation, sdk.CodeInvalidArguments, "amount"},
		{"mixed currencies", "record_payment", map[string]any{"invoiceIds": []string{"inv-approved", "inv-eur"}, "paymentDate": "2025-04-02"}, sdk.CategoryValidation, sdk.CodeInvalidArguments, "invoiceIds"},
		{"a rate for an account in the invoice's currency", "record_payment", map[string]any{"invoiceIds": []string{"inv-approved"}, "paymentDate": "2025-04-02", "cashExchangeRate": 7.46}, sdk.CategoryValidation, sdk.CodeInvalidArguments, "cashExchangeRate"},
		{"more øre than the currency has", "mark_invoice_paid", map[string]any{"invoiceId": "inv-approved", "paymentDate": "2025-04-02", "amount": 10.005}, sdk.CategoryValidation, sdk.CodeInvalidArguments, "amount"},
		{"a fee larger than the payment", "mark_invoice_paid", map[string]any{"invoiceId": "inv-approved", "paymentDate": "2025-04-02", "amount": 10, "feeAmount": 10}, sdk.CategoryValidation, sdk.CodeInvalidArguments, "feeAmount"},
		{"twice the same invoice", "record_payment", map[string]any{"invoiceIds": []string{"inv-approved", "inv-approved"}, "paymentDate": "2025-04-02"}, sdk.CategoryValidation, sdk.CodeInvalidArguments, "invoiceIds[1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, sdk.WritesDirect)
			seedWrites(e.billy)
			e.billy.invoice("inv-paid", "approved", 100, map[string]any{"balance": 0.0, "isPaid": true})
			e.billy.invoice("inv-eur", "approved", 100, map[string]any{"currencyId": "EUR"})
			se := wantCode(t, e.call(tt.tool, tt.args, new(json.RawMessage)), tt.cat, tt.code)
			if tt.field != "" && (len(se.Fields) == 0 || se.Fields[0].Field != tt.field) {
				t.Errorf("fields %+v, want %s", se.Fields, tt.field)
			}
			if w := e.billy.writes(); len(w) != 0 {
				t.Errorf("writes: %v", w)
			}
		})
	}
}

func TestRecordPaymentSeveralInvoices(t *testing.T) {
	e := newEnv(t, sdk.WritesConfirm)
	seedWrites(e.billy)
	e.billy.invoice("inv-2", "approved", 500, nil)
	args := map[string]any{"invoiceIds": []string{"inv-approved", "inv-2"}, "paymentDate": "2025-04-03", "amount": 1500}
	pre := e.preview(e.h, "record_payment", args)
	changes := strings.Join(pre.Preview.Changes, "\n")
	for _, want := range []string{"1.500,00 kr. received on 3. april 2025, account 5810 Bankkonto (DKK)", "balance 1.250,00 kr. → 0,00 kr. (paid in full)",
		"balance 500,00 kr. → 250,00 kr. (partly paid)"} {
		if !strings.Contains(changes, want) {
			t.Errorf("preview lacks %q:\n%s", want, changes)
		}
	}
	var out WriteResult[PaymentRecorded]
	e.mustCall("record_payment", with(args, "confirmation_token", pre.ConfirmationToken), &out)
	if len(out.Record.Invoices) != 2 || !out.Record.Invoices[0].IsPaid || out.Record.Invoices[1].Balance != 250 {
		t.Errorf("read back: %+v", out.Record)
	}
}

// TestCreditNote: a full credit copies the invoice's lines into a credit
// note that names the invoice, approved in the same request; the read-back
// is the credit note even though Billy lists the offset invoice first.
func TestCreditNote(t *testing.T) {
	e := newEnv(t, sdk.WritesDirect)
	seedWrites(e.billy)
	var out WriteResult[Invoice]
	e.mustCall("create_credit_note", map[string]any{"invoiceId": "inv-approved", "contactMessage": "Fejl i antal"}, &out)
	w := e.billy.writes()
	if len(w) != 1 || w[0].String() != "POST /invoices" {
		t.Fatalf("writes: %v", w)
	}
	want := map[string]any{"invoice": map[string]any{"type": "creditNote", "creditedInvoiceId": "inv-approved", "contactId": "contact-1",
		"entryDate": "2025-04-10", "currencyId": "DKK", "taxMode": "excl", "contactMessage": "Fejl i antal", "state": "approved",
		"lines": []any{map[string]any{"productId": "product-1", "description": "Rådgivning", "quantity": 1.0, "unitPrice": 1000.0}}}}
	if diff := cmp.Diff(want, w[0].Body); diff != "" {
		t.Errorf("credit note (-want +got):\n%s", diff)
	}
	// A credit note's amounts are negative in tool output.
	if out.Record.Type != "creditNote" || out.Record.CreditedInvoiceID != "inv-approved" || out.Record.GrossAmount != -1250 || out.Record.Balance != -1250 {
		t.Errorf("read back: %+v", out.Record)
	}
	if e.billy.get("invoices", "inv-approved")["balance"] != 0.0 {
		t.Errorf("the fake did not offset")
	}
}

func TestCreditNoteRefusals(t *testing.T) {
	e := newEnv(t, sdk.WritesDirect)
	seedWrites(e.billy)
	wantCode(t, e.call("create_credit_note", map[string]any{"invoiceId": "inv-draft"}, new(json.RawMessage)), sdk.CategoryConflict, "invoice_not_creditable")
	se := wantCode(t, e.call("create_credit_note", map[string]any{"invoiceId": "inv-approved",
		"lines": []any{map[string]any{"productId": "product-1", "quantity": 3, "unitPrice": 1000}}}, new(json.RawMessage)), sdk.CategoryConflict, "credit_exceeds_invoice")
	if se.Fields[0].Field != "lines" {
		t.Errorf("fields %+v", se.Fields)
	}
	if w := e.billy.writes(); len(w) != 0 {
		t.Errorf("writes: %v", w)
	}
}

func TestUpdateInvoiceRefusals(t *testing.T) {
	e := newEnv(t, sdk.WritesDirect)
	seedWrites(e.billy)
	wantCode(t, e.call("update_invoice", map[string]any{"invoiceId": "inv-approved", "paymentTermsDays": 3}, new(json.RawMessage)), sdk.CategoryConflict, "invoice_not_draft")
	wantCode(t, e.call("update_invoice", map[string]any{"invoiceId": "inv-draft", "contactId": "contact-9"}, new(json.RawMessage)), sdk.CategoryValidation, sdk.CodeInvalidArguments)
	wantCode(t, e.call("update_invoice", map[string]any{"invoiceId": "inv-draft"}, new(json.RawMessage)), sdk.CategoryValidation, sdk.CodeInvalidArguments)
	if w := e.billy.writes(); len(w) != 0 {
		t.Errorf("writes: %v", w)
	}
}

// TestUpdateCustomerEmailKeepsPersons: a new email changes the primary
// contact person only; the contact is not PUT with a contactPersons array,
// which would replace (delete) every other person, as v1 did.
func TestUpdateCustomerEmailKeepsPersons(t *testing.T) {
	e := newEnv(t, sdk.WritesDirect)
	var out WriteResult[Customer]
	e.mustCall("update_customer", map[string]any{"contactId": "contact-1", "email": "ny@jensen.dk"}, &out)
	w := e.billy.writes()
	if len(w) != 1 || w[0].String() != "PUT /contactPersons/person-1" {
		t.Fatalf("writes: %v", w)
	}
	if diff := cmp.Diff(map[string]any{"contactPerson": map[string]any{"email": "ny@jensen.dk"}}, w[0].Body); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
}

func TestCreateCustomerInOneRequest(t *testing.T) {
	e := newEnv(t, sdk.WritesDirect)
	var out WriteResult[Customer]
	e.mustCall("create_customer", map[string]any{"name": "Lone Holm", "type": "person", "email": "lone@holm.dk",
		"address": map[string]any{"street": "Å-vej 2", "zipcode": "7100", "city": "Vejle"}}, &out)
	w := e.billy.writes()
	if len(w) != 1 || w[0].String() != "POST /contacts" {
		t.Fatalf("writes: %v", w)
	}
	want := map[string]any{"contact": map[string]any{"type": "person", "name": "Lone Holm", "countryId": "DK", "street": "Å-vej 2",
		"cityText": "Vejle", "zipcodeText": "7100", "isCustomer": true,
		"contactPersons": []any{map[string]any{"name": "Lone Holm", "email": "lone@holm.dk", "isPrimary": true}}}}
	if diff := cmp.Diff(want, w[0].Body); diff != "" {
		t.Errorf("contact (-want +got):\n%s", diff)
	}
	if out.Record.Type != "person" || out.Record.Email != "lone@holm.dk" || out.Record.ID != "contact-new1" {
		t.Errorf("read back: %+v", out.Record)
	}
}

// TestReadBackAfterWrite: the result is the record read from Billy after
// the write (its ID, computed totals and state), not an echo of the input.
func TestReadBackAfterWrite(t *testing.T) {
	e := newEnv(t, sdk.WritesDirect)
	var out WriteResult[Invoice]
	e.mustCall("create_invoice", map[string]any{"contactId": "contact-1", "entryDate": "2025-04-01",
		"lines": []any{map[string]any{"productId": "product-1", "quantity": 2, "unitPrice": 500}}}, &out)
	reqs := e.billy.all()
	if len(reqs) != 2 || reqs[0].String() != "POST /invoices" || reqs[1].String() != "GET /invoices/invoice-new1" {
		t.Fatalf("requests: %v", reqs)
	}
	r := out.Record
	if r.ID != "invoice-new1" || r.State != "draft" || r.Amount != 1000 || r.Tax != 250 || r.GrossAmount != 1250 || r.Currency != "DKK" {
		t.Errorf("record: %+v", r)
	}
}

// TestReadBackFailureIsNotAnError: when the write succeeded but the
// read-back failed, the call must not look failed (a retry would write
// twice).
func TestReadBackFailureIsNotAnError(t *testing.T) {
	e := newEnv(t, sdk.WritesDirect)
	seedWrites(e.billy)
	e.billy.fail["GET /invoices/invoice-new1"] = &sdk.Error{Code: "upstream_unavailable", Category: sdk.CategoryUpstreamUnavailable, Message: "down", Retryable: true}
	var out WriteResult[Invoice]
	e.mustCall("create_invoice", writeCalls[0].args, &out)
	if out.Status != statusDone || out.Record != nil || !strings.Contains(out.Message, "reading the record back failed") {
		t.Errorf("%+v", out)
	}
}

func TestPartialMultiRequestFailureSaysWhatHappened(t *testing.T) {
	e := newEnv(t, sdk.WritesDirect)
	e.billy.fail["PUT /contactPersons/person-1"] = &sdk.Error{Code: "billy_validation_failed", Category: sdk.CategoryValidation, Message: "Billy: bad"}
	err := e.call("update_customer", map[string]any{"contactId": "contact-1", "phone": "1", "email": "n@j.dk"}, new(json.RawMessage))
	se := wantCode(t, err, sdk.CategoryValidation, "billy_validation_failed")
	if !strings.Contains(se.Message, "request 2 of 2") || !strings.Contains(se.Message, "read the record back") {
		t.Errorf("message: %s", se.Message)
	}
}

// TestLostWriteAnswerIsNotCalledRefused: when the gateway lost Billy's
// answer to a write, the error must not claim nothing was written.
func TestLostWriteAnswerIsNotCalledRefused(t *testing.T) {
	e := newEnv(t, sdk.WritesDirect)
	seedWrites(e.billy)
	e.billy.fail["POST /invoices/inv-approved/emails"] = &sdk.Error{Code: "write_outcome_unknown", Category: sdk.CategoryUpstreamUnavailable, Message: "the connection broke"}
	se := wantCode(t, e.call("send_invoice", map[string]any{"invoiceId": "inv-approved"}, new(json.RawMessage)), sdk.CategoryUpstreamUnavailable, "write_outcome_unknown")
	if strings.Contains(se.Message, "nothing was written") || !strings.Contains(se.Message, "may or may not") {
		t.Errorf("message: %s", se.Message)
	}
}
