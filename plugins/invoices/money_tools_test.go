package invoices

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// The issue "Invoicing right to the øre", point by point, against the fake
// Billy: what the tools send and say. The same points run end to end on
// the sandbox in host/e2e/money_test.go.

// Point 1: a payment is entered in the invoice's currency and converted to
// the bank account's.
func TestPaymentConvertsToTheAccountCurrency(t *testing.T) {
	eurInvoice := func(f *fakeBilly) {
		f.invoice("inv-eur", "approved", 1195.31, map[string]any{"invoiceNo": "2001", "currencyId": "EUR", "exchangeRate": 7.4605})
	}
	tests := []struct {
		name    string
		args    map[string]any
		body    map[string]any
		changes []string
		balance Number
	}{
		{"EUR invoice into the DKK account at the bank's rate",
			map[string]any{"cashExchangeRate": 7.46},
			map[string]any{"cashAmount": 8917.01, "cashExchangeRate": 7.46},
			[]string{"8.917,01 kr. received on 2. april 2025, account 5810 Bankkonto (DKK)",
				"it settles 1.195,31 EUR at 7,46 DKK per EUR (the rate given): 8.917,01 kr.",
				"invoice no. 2001: balance 1.195,31 EUR → 0,00 EUR (paid in full)"}, 0},
		{"part of it, the amount in EUR",
			map[string]any{"cashExchangeRate": 7.46, "amount": 500},
			map[string]any{"cashAmount": 3730.0, "cashExchangeRate": 7.46},
			[]string{"it settles 500,00 EUR at 7,46 DKK per EUR", "balance 1.195,31 EUR → 695,31 EUR (partly paid)"}, 695.31},
		{"without a rate: Billy's",
			map[string]any{},
			map[string]any{"cashAmount": 8917.61, "cashExchangeRate": 7.4605},
			[]string{"at 7,4605 DKK per EUR (Billy's current rate; give cashExchangeRate for the rate the bank used)"}, 0},
		{"into the EUR account: no rate",
			map[string]any{"cashAccountId": "acct-eur"},
			map[string]any{"cashAmount": 1195.31},
			[]string{"1.195,31 EUR received on 2. april 2025, account 5820 Bankkonto EUR (EUR)"}, 0},
		{"a fee the bank keeps",
			map[string]any{"cashExchangeRate": 7.46, "feeAmount": 15},
			map[string]any{"cashAmount": 8902.01, "cashExchangeRate": 7.46, "feeAmount": 15.0},
			[]string{"8.902,01 kr. received", "bank fee 15,00 kr., booked as an expense; the invoices settle 1.195,31 EUR all the same"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, sdk.WritesConfirm)
			eurInvoice(e.billy)
			args := with(tt.args, "invoiceId", "inv-eur", "paymentDate", "2025-04-02")
			pre := e.preview(e.h, "mark_invoice_paid", args)
			text := pre.Preview.Action + "\n" + strings.Join(pre.Preview.Changes, "\n")
			for _, want := range tt.changes {
				if !strings.Contains(text, want) {
					t.Errorf("preview lacks %q:\n%s", want, text)
				}
			}
			var out WriteResult[PaymentRecorded]
			e.mustCall("mark_invoice_paid", with(args, "confirmation_token", pre.ConfirmationToken), &out)
			w := e.billy.writes()
			if len(w) != 1 {
				t.Fatalf("writes: %v", w)
			}
			got := w[0].Body["bankPayment"].(map[string]any)
			for k, v := range tt.body {
				if got[k] != v {
					t.Errorf("%s = %v, want %v (body %v)", k, got[k], v, got)
				}
			}
			if _, sent := got["cashExchangeRate"]; sent != (tt.body["cashExchangeRate"] != nil) {
				t.Errorf("cashExchangeRate sent: %v", got)
			}
			r := out.Record
			if r == nil || r.Invoices[0].Balance != tt.balance || r.Invoices[0].IsPaid != (tt.balance == 0) || r.Payment.Currency != "EUR" {
				t.Fatalf("read back: %+v", r)
			}
			if wantCur := map[bool]string{true: "EUR", false: "DKK"}[tt.args["cashAccountId"] == "acct-eur"]; r.Payment.CashCurrency != wantCur {
				t.Errorf("cash currency %q, want %s", r.Payment.CashCurrency, wantCur)
			}
			if !strings.Contains(out.Message, "EUR") {
				t.Errorf("message names one currency only: %s", out.Message)
			}
		})
	}
}

// Point 4: days alone are net days.
func TestPaymentTermsDaysAreNetDays(t *testing.T) {
	e := newEnv(t, sdk.WritesDirect)
	var out WriteResult[Invoice]
	e.mustCall("create_invoice", map[string]any{"contactId": "contact-1", "entryDate": "2026-11-03", "paymentTermsDays": 8,
		"lines": []any{map[string]any{"productId": "product-1", "unitPrice": 100}}}, &out)
	inv := e.billy.writes()[0].Body["invoice"].(map[string]any)
	if inv["paymentTermsMode"] != "net" || inv["paymentTermsDays"] != 8.0 {
		t.Errorf("terms sent: %v", inv)
	}
	// A mode given with the days is kept.
	e.billy.reset()
	e.mustCall("create_invoice", map[string]any{"contactId": "contact-1", "paymentTermsDays": 8, "paymentTermsMode": "netEndOfMonth",
		"lines": []any{map[string]any{"productId": "product-1", "unitPrice": 100}}}, &out)
	if m := e.billy.writes()[0].Body["invoice"].(map[string]any)["paymentTermsMode"]; m != "netEndOfMonth" {
		t.Errorf("mode %v", m)
	}
	// The dry run says when it falls due, in Danish.
	var dry WriteResult[Invoice]
	e.mustCall("create_invoice", map[string]any{"contactId": "contact-1", "entryDate": "2026-11-03", "paymentTermsDays": 8, "dry_run": true,
		"lines": []any{map[string]any{"productId": "product-1", "unitPrice": 100}}}, &dry)
	if !slices.Contains(dry.Preview.Changes, "due 11. november 2026 (net 8 days from the invoice date)") {
		t.Errorf("dry run: %+v", dry.Preview)
	}
}

// Point 3: a default price on a VAT-inclusive invoice includes the line's
// VAT; every default price is sent explicitly.
func TestDefaultUnitPrices(t *testing.T) {
	for _, tt := range []struct {
		name      string
		contact   map[string]any
		invoice   map[string]any
		unitPrice float64
		note      string
	}{
		{"excl: the product's price", nil, map[string]any{}, 1000, "unit price 1.000,00 kr., the price of \"Rådgivning\""},
		{"incl: plus 25 % moms", nil, map[string]any{"taxMode": "incl"}, 1250,
			"unit price 1.250,00 kr. including VAT: the price of \"Rådgivning\", 1.000,00 kr., plus 25 % moms"},
		{"incl in EUR", nil, map[string]any{"taxMode": "incl", "currencyId": "EUR"}, 167.5, "167,50 EUR including VAT"},
		{"incl to an EU company: reverse charge, no VAT", map[string]any{"countryId": "DE", "type": "company"}, map[string]any{"taxMode": "incl"}, 1000, "plus 0 % moms"},
		{"incl to a VAT-exempt customer", map[string]any{"isSalesTaxExempt": true}, map[string]any{"taxMode": "incl"}, 1000, "plus 0 % moms"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, sdk.WritesConfirm)
			c := e.billy.get("contacts", "contact-1")
			for k, v := range tt.contact {
				c[k] = v
			}
			args := with(tt.invoice, "contactId", "contact-1", "lines", []any{map[string]any{"productId": "product-1", "quantity": 2}})
			var dry WriteResult[Invoice]
			e.mustCall("create_invoice", with(args, "dry_run", true), &dry)
			if changes := strings.Join(dry.Preview.Changes, "\n"); !strings.Contains(changes, tt.note) {
				t.Errorf("dry run lacks %q:\n%s", tt.note, changes)
			}
			var out WriteResult[Invoice]
			e.mustCall("create_invoice", args, &out)
			line := e.billy.writes()[0].Body["invoice"].(map[string]any)["lines"].([]any)[0].(map[string]any)
			if line["unitPrice"] != tt.unitPrice {
				t.Errorf("unitPrice sent %v, want %v", line["unitPrice"], tt.unitPrice)
			}
		})
	}
	e := newEnv(t, sdk.WritesDirect)
	wantValidation(t, e.call("create_invoice", map[string]any{"contactId": "contact-1", "currencyId": "USD",
		"lines": []any{map[string]any{"productId": "product-1"}}}, new(json.RawMessage)), "", "lines[0].unitPrice")
}

// Point 8: unit prices take 4 decimals and are sent exactly.
func TestUnitPricePrecision(t *testing.T) {
	e := newEnv(t, sdk.WritesDirect)
	e.mustCall("create_invoice", map[string]any{"contactId": "contact-1",
		"lines": []any{map[string]any{"productId": "product-1", "quantity": 812.5, "unitPrice": 2.3456}}}, new(WriteResult[Invoice]))
	line := e.billy.writes()[0].Body["invoice"].(map[string]any)["lines"].([]any)[0].(map[string]any)
	if line["unitPrice"] != 2.3456 || line["quantity"] != 812.5 {
		t.Errorf("line sent %v", line)
	}
	wantValidation(t, e.call("create_invoice", map[string]any{"contactId": "contact-1",
		"lines": []any{map[string]any{"productId": "product-1", "unitPrice": 2.34567}}}, new(json.RawMessage)), "", "lines[0].unitPrice")
	wantValidation(t, e.call("create_product", map[string]any{"name": "Strøm", "prices": []any{map[string]any{"unitPrice": 2.34567}}}, new(json.RawMessage)), "", "prices[0].unitPrice")
}

// Point 5: an invoice is credited at most once in full.
func TestOverCreditingIsRefused(t *testing.T) {
	credit := func(f *fakeBilly, id, state string, gross float64) {
		f.invoice(id, state, gross, map[string]any{"type": "creditNote", "creditedInvoiceId": "inv-approved"})
	}
	for _, tt := range []struct {
		name  string
		prior func(f *fakeBilly)
		args  map[string]any
		field string // "" when the write must go through
		msg   string
	}{
		{"a second full credit", func(f *fakeBilly) { credit(f, "cn-1", "approved", 1250) }, map[string]any{}, "-",
			"1 credit note(s) already credit 1.250,00 kr. of it; nothing is left to credit"},
		{"a full credit after a partial one", func(f *fakeBilly) { credit(f, "cn-1", "approved", 500) }, map[string]any{}, "-",
			"at most 750,00 kr. can still be credited, and this credit note comes to 1.250,00 kr.; give lines for what is left"},
		{"lines for more than is left", func(f *fakeBilly) { credit(f, "cn-1", "approved", 500) },
			map[string]any{"lines": []any{map[string]any{"productId": "product-1", "quantity": 0.7}}}, "lines", "at most 750,00 kr."},
		{"lines for what is left, at the invoiced price", func(f *fakeBilly) { credit(f, "cn-1", "approved", 500) },
			map[string]any{"lines": []any{map[string]any{"productId": "product-1", "quantity": 0.6}}}, "", ""},
		{"drafts and voided ones do not count", func(f *fakeBilly) { credit(f, "cn-1", "draft", 1250); credit(f, "cn-2", "voided", 1250) },
			map[string]any{}, "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, sdk.WritesDirect)
			seedWrites(e.billy)
			tt.prior(e.billy)
			err := e.call("create_credit_note", with(tt.args, "invoiceId", "inv-approved"), new(json.RawMessage))
			if tt.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			se := wantCode(t, err, sdk.CategoryConflict, "credit_exceeds_invoice")
			if !strings.Contains(se.Message, tt.msg) {
				t.Errorf("message %q lacks %q", se.Message, tt.msg)
			}
			if tt.field != "-" && (len(se.Fields) == 0 || se.Fields[0].Field != tt.field) {
				t.Errorf("fields %+v", se.Fields)
			}
			if w := e.billy.writes(); len(w) != 0 {
				t.Errorf("writes: %v", w)
			}
		})
	}
	// A partial credit's line without a price gets the invoiced one.
	e := newEnv(t, sdk.WritesDirect)
	seedWrites(e.billy)
	e.mustCall("create_credit_note", map[string]any{"invoiceId": "inv-approved", "lines": []any{map[string]any{"productId": "product-1", "quantity": 0.5}}},
		new(WriteResult[Invoice]))
	if up := e.billy.writes()[0].Body["invoice"].(map[string]any)["lines"].([]any)[0].(map[string]any)["unitPrice"]; up != 1000.0 {
		t.Errorf("unit price %v, want the invoiced 1000", up)
	}
	// Approving a draft credit note is checked as well.
	e = newEnv(t, sdk.WritesDirect)
	seedWrites(e.billy)
	credit(e.billy, "cn-1", "approved", 1250)
	credit(e.billy, "cn-2", "draft", 1250)
	wantCode(t, e.call("approve_invoice", map[string]any{"invoiceId": "cn-2"}, new(json.RawMessage)), sdk.CategoryConflict, "credit_exceeds_invoice")
}

// Point 2: credit notes are money owed back: negative, never overdue.
func TestCreditNotesAreNotReceivables(t *testing.T) {
	e := newEnv(t, sdk.WritesConfirm)
	e.billy.invoice("inv-1", "approved", 1250, map[string]any{"isPaid": true, "balance": 0.0})
	e.billy.invoice("cn-1", "approved", 1250, map[string]any{"type": "creditNote", "creditedInvoiceId": "inv-1", "dueDate": "2025-03-01"})
	var out ListInvoicesOutput
	e.mustCall("list_invoices", ListInvoicesInput{State: "approved"}, &out)
	var sum, owed decimal.Decimal
	for _, inv := range out.Invoices {
		sum = sum.Add(inv.GrossAmount.Dec())
		owed = owed.Add(inv.Balance.Dec())
		if inv.Type == "creditNote" && (inv.GrossAmount != -1250 || inv.Balance != -1250 || inv.IsOverdue) {
			t.Errorf("credit note listed as %+v", inv)
		}
	}
	// The invoice and its full credit net to nothing; 1.250 is owed back.
	if !sum.IsZero() || !owed.Equal(dec("-1250")) {
		t.Errorf("Σ gross %v, Σ balance %v", sum, owed)
	}
	// A Billy that ignores the type filter still never lists a credit note
	// as unpaid.
	cn := e.billy.get("invoices", "cn-1")
	e.billy.hook = func(r recorded) (any, bool) {
		if r.Path != "/invoices" {
			return nil, false
		}
		return map[string]any{"invoices": []any{cn}, "meta": map[string]any{"paging": map[string]any{
			"page": 1, "pageCount": 1, "pageSize": 25, "total": 1}}}, true
	}
	e.mustCall("list_invoices", ListInvoicesInput{State: "unpaid"}, &out)
	if len(out.Invoices) != 0 || !strings.Contains(out.Warning, "type filter") {
		t.Errorf("unpaid: %+v", out)
	}
}

// Point 6: the Danish email states what is left after a partial payment.
func TestDanishEmailText(t *testing.T) {
	for _, tt := range []struct {
		name string
		inv  map[string]any
		want string
	}{
		{"unpaid", map[string]any{"dueDate": "2025-04-30"}, "Hermed faktura nr. 1001 på 1.250,00 kr., som forfalder 30. april 2025."},
		{"partly paid", map[string]any{"dueDate": "2025-04-30", "balance": 625.0},
			"Hermed faktura nr. 1001 på 1.250,00 kr. Vi har modtaget 625,00 kr.; restbeløbet på 625,00 kr. forfalder 30. april 2025."},
		{"in euro", map[string]any{"currencyId": "EUR", "dueDate": "2025-04-30"}, "på 1.250,00 EUR, som forfalder 30. april 2025."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, sdk.WritesDirect)
			e.billy.invoice("inv-approved", "approved", 1250, with(tt.inv, "invoiceNo", "1001"))
			e.mustCall("send_invoice", map[string]any{"invoiceId": "inv-approved"}, new(WriteResult[SentInvoice]))
			body := e.billy.writes()[0].Body["email"].(map[string]any)["emailBody"].(string)
			if !strings.Contains(body, tt.want) {
				t.Errorf("email:\n%s\nwant %q", body, tt.want)
			}
		})
	}
}

// The decimal wire: amounts Billy sends are read exactly and amounts the
// tools compute are exact, even where binary floating point is not.
func TestAmountsAreReadExactly(t *testing.T) {
	e := newEnv(t, sdk.WritesConfirm)
	e.billy.invoice("inv-1", "approved", 0.3, map[string]any{"amount": 0.1, "tax": 0.2, "balance": 0.3})
	var out Invoice
	e.mustCall("get_invoice", InvoiceIDInput{InvoiceID: "inv-1"}, &out)
	if diff := cmp.Diff([]string{"0.1", "0.2", "0.3"}, []string{out.Amount.String(), out.Tax.String(), out.GrossAmount.String()}); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if !out.Amount.Dec().Add(out.Tax.Dec()).Equal(out.GrossAmount.Dec()) {
		t.Errorf("0.1 + 0.2 ≠ 0.3")
	}
}
