package sandbox

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// fieldErrors is a 422's validationErrors as entry → field → message.
func fieldErrors(r response) map[string]map[string]string {
	if r.status != http.StatusUnprocessableEntity {
		return nil
	}
	got := map[string]map[string]string{}
	for key, e := range r.validation() {
		entry, _ := e.(map[string]any)
		got[key] = map[string]string{}
		attrs, _ := entry["attributes"].(map[string]any)
		for f, m := range attrs {
			got[key][f], _ = m.(string)
		}
	}
	return got
}

// n writes a decimal literal as a JSON number, exactly.
type n string

func (x n) MarshalJSON() ([]byte, error) { return []byte(x), nil }

// Every value that reaches the ledger is bounded (bounds.go), and the
// edges hold: just below is accepted, at and above are refused with a 422
// naming the field, negatives too, and lines that pass one by one but add
// up past the bound are refused on "lines".
func TestMoneyBounds(t *testing.T) {
	sb := newSandbox(t, Options{})
	contactID := sb.firstID("/v2/contacts?countryId=DK&isCustomer=true", "contacts")
	productID := sb.firstID("/v2/products?q=Konsulenttimer", "products")
	bankID := sb.firstID("/v2/accounts?isBankAccount=true&isPaymentEnabled=true&currencyId=DKK", "accounts")
	dkkInvoice := sb.firstID("/v2/invoices?currencyId=DKK&state=approved&type=invoice", "invoices")
	eurInvoice := sb.firstID("/v2/invoices?currencyId=EUR&state=approved&type=invoice", "invoices")

	line := func(qty, price string) obj {
		return obj{"productId": productID, "quantity": n(qty), "unitPrice": n(price)}
	}
	// taxMode incl: the gross is the sum of the lines, whatever the VAT.
	invoice := func(taxMode string, lines ...obj) obj {
		ls := make([]any, len(lines))
		for i, l := range lines {
			ls[i] = l
		}
		return obj{"invoice": obj{"contactId": contactID, "entryDate": "2026-11-20", "taxMode": taxMode, "lines": ls}}
	}
	eurInvoiceAt := func(rate string) obj {
		b := invoice("excl", line("1", "100"))
		b["invoice"].(obj)["currencyId"] = "EUR"
		b["invoice"].(obj)["exchangeRate"] = n(rate)
		return b
	}
	payment := func(invoiceID, cash, fee, rate string) obj {
		p := obj{"entryDate": "2026-11-25", "cashAmount": n(cash), "cashSide": "debit", "cashAccountId": bankID,
			"associations": []any{obj{"subjectReference": "invoice:" + invoiceID}}}
		if fee != "" {
			p["feeAmount"] = n(fee)
		}
		if rate != "" {
			p["cashExchangeRate"] = n(rate)
		}
		return obj{"bankPayment": p}
	}
	product := func(price string) obj {
		return obj{"product": obj{"name": "Dyr vare", "prices": []any{obj{"unitPrice": n(price), "currencyId": "DKK"}}}}
	}
	type errs = map[string]map[string]string
	const (
		money    = "The amount must be less than 1,000,000,000,000."
		quantity = "The quantity must be between -1,000,000,000 and 1,000,000,000."
		rate     = "The exchange rate must be at least 0.000001 and less than 10,000."
	)
	lineAt := func(i int, fields map[string]string) errs {
		return errs{"invoice": {}, fmt.Sprintf("invoice.lines[%d]", i): fields}
	}
	tests := []struct {
		name string
		path string
		body obj
		want errs // nil: accepted
	}{
		{"unit price just below", "/v2/invoices", invoice("incl", line("1", "999999999999.99")), nil},
		{"unit price at the bound", "/v2/invoices", invoice("incl", line("1", "1000000000000")), lineAt(0, map[string]string{"unitPrice": money})},
		{"unit price above, in exponent form", "/v2/invoices", invoice("incl", line("1", "1e15")), lineAt(0, map[string]string{"unitPrice": money})},
		{"quantity at its bound", "/v2/invoices", invoice("incl", line("1000000000", "999.99")), nil},
		{"quantity above", "/v2/invoices", invoice("incl", line("1000000001", "1")), lineAt(0, map[string]string{"quantity": quantity})},
		{"negative quantity above", "/v2/invoices", invoice("incl", line("-1000000001", "1")), lineAt(0, map[string]string{"quantity": quantity})},
		{"1e9 × 1e9, the amount that once wrapped", "/v2/invoices", invoice("incl", line("1e9", "1e9")),
			lineAt(0, map[string]string{"amount": "The line's amount (quantity × unit price, less any discount) is 1000000000000000000; it must be less than 1,000,000,000,000."})},
		{"line amount at the bound", "/v2/invoices", invoice("incl", line("1000000000", "1000")),
			lineAt(0, map[string]string{"amount": "The line's amount (quantity × unit price, less any discount) is 1000000000000; it must be less than 1,000,000,000,000."})},
		{"a cash discount brings the line below", "/v2/invoices", invoice("incl", obj{"productId": productID, "quantity": 2, "unitPrice": n("600000000000"),
			"discountMode": "cash_discount", "discountValue": n("300000000000")}), nil},
		{"lines adding up to just below", "/v2/invoices", invoice("incl", line("1", "499999999999.99"), line("1", "500000000000")), nil},
		{"lines adding up past the bound", "/v2/invoices", invoice("incl", line("1", "600000000000"), line("1", "600000000000")),
			errs{"invoice": {"lines": "The lines add up to an invoice grossAmount of 1200000000000; an invoice's totals must be less than 1,000,000,000,000."}}},
		{"many small lines adding up past the bound", "/v2/invoices", invoice("incl", func() []obj {
			ls := make([]obj, 101)
			for i := range ls {
				ls[i] = line("1000000000", "99")
			}
			return ls
		}()...), errs{"invoice": {"lines": "The lines add up to an invoice grossAmount of 9999000000000; an invoice's totals must be less than 1,000,000,000,000."}}},
		{"VAT on top takes the gross past the bound", "/v2/invoices", invoice("excl", line("1", "900000000000")),
			errs{"invoice": {"lines": "The lines add up to an invoice grossAmount of 1125000000000; an invoice's totals must be less than 1,000,000,000,000."}}},
		{"exchange rate at its lower bound", "/v2/invoices", eurInvoiceAt("0.0000005"), nil},
		{"exchange rate rounding to zero", "/v2/invoices", eurInvoiceAt("0.0000004"), errs{"invoice": {"exchangeRate": rate}}},
		{"exchange rate zero", "/v2/invoices", eurInvoiceAt("0"), errs{"invoice": {"exchangeRate": rate}}},
		{"exchange rate negative", "/v2/invoices", eurInvoiceAt("-7.46"), errs{"invoice": {"exchangeRate": rate}}},
		{"exchange rate just below its upper bound", "/v2/invoices", eurInvoiceAt("9999.999999"), nil},
		{"exchange rate at its upper bound", "/v2/invoices", eurInvoiceAt("10000"), errs{"invoice": {"exchangeRate": rate}}},
		{"product price just below", "/v2/products", product("999999999999.9999"), nil},
		{"product price at the bound", "/v2/products", product("1000000000000"), errs{"product": {}, "product.prices[0]": {"unitPrice": money}}},
		{"productPrice above", "/v2/productPrices", obj{"productPrice": obj{"productId": productID, "currencyId": "USD", "unitPrice": n("1e13")}},
			errs{"productPrice": {"unitPrice": money}}},
		{"cashAmount just below", "/v2/bankPayments", payment(dkkInvoice, "999999999999.99", "", ""), nil},
		{"cashAmount at the bound", "/v2/bankPayments", payment(dkkInvoice, "1000000000000", "", ""), errs{"bankPayment": {"cashAmount": money}}},
		{"feeAmount at the bound", "/v2/bankPayments", payment(dkkInvoice, "100", "1000000000000", ""), errs{"bankPayment": {"feeAmount": money}}},
		{"feeAmount far above", "/v2/bankPayments", payment(dkkInvoice, "100", "1e30", ""), errs{"bankPayment": {"feeAmount": money}}},
		{"a small rate settling just below the bound", "/v2/bankPayments", payment(eurInvoice, "999999.99", "", "0.000001"), nil},
		{"a small rate settling at the bound", "/v2/bankPayments", payment(eurInvoice, "1000000", "", "0.000001"),
			errs{"bankPayment": {"cashAmount": "At cashExchangeRate 0.000001 this payment settles 1000000000000 in the invoices' currency; it must be less than 1,000,000,000,000."}}},
		{"cashExchangeRate at its upper bound", "/v2/bankPayments", payment(eurInvoice, "100", "", "10000"), errs{"bankPayment": {"cashExchangeRate": rate}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sb.do("POST", tt.path, tt.body)
			if tt.want == nil && r.status != http.StatusOK {
				t.Fatalf("refused: %d %s", r.status, r.raw)
			}
			if tt.want != nil && (r.status != http.StatusUnprocessableEntity || r.errorCode() != codeValidation) {
				t.Fatalf("status %d %q, want a 422 validation error: %.300s", r.status, r.errorCode(), r.raw)
			}
			if diff := cmp.Diff(tt.want, fieldErrors(r)); diff != "" {
				t.Errorf("validationErrors (-want +got):\n%s", diff)
			}
			// What is accepted is stored exactly: no amount wrapped.
			for _, inv := range r.list("invoices") {
				if a := num(inv, "grossAmount"); a < 0 || a >= 1e12 {
					t.Errorf("grossAmount %v", inv["grossAmount"])
				}
			}
		})
	}
}

// Lines written one by one, and edits of a draft, are held to the same
// totals: a line added or changed, or a tax mode that puts VAT on top.
func TestMoneyBoundsOnDraftEdits(t *testing.T) {
	sb := newSandbox(t, Options{})
	contactID := sb.firstID("/v2/contacts?countryId=DK&isCustomer=true", "contacts")
	productID := sb.firstID("/v2/products?q=Konsulenttimer", "products")
	r := sb.do("POST", "/v2/invoices", obj{"invoice": obj{"contactId": contactID, "entryDate": "2026-11-20", "taxMode": "incl",
		"lines": []any{obj{"productId": productID, "unitPrice": n("450000000000")}, obj{"productId": productID, "unitPrice": n("450000000000")}}}}).ok(t)
	invID := str(r.list("invoices")[0], "id")
	lineID := str(r.list("invoiceLines")[0], "id")
	before := sb.do("GET", "/v2/invoices/"+invID+"?include=invoice.lines:embed", nil).ok(t).obj("invoice")

	tests := []struct {
		name, method, path string
		body               obj
		want               map[string]map[string]string
	}{
		{"a second line past the total", "POST", "/v2/invoiceLines",
			obj{"invoiceLine": obj{"invoiceId": invID, "productId": productID, "unitPrice": n("100000000000")}},
			map[string]map[string]string{"invoiceLine": {"amount": "The lines add up to an invoice grossAmount of 1000000000000; an invoice's totals must be less than 1,000,000,000,000."}}},
		{"the line changed past the total", "PUT", "/v2/invoiceLines/" + lineID,
			obj{"invoiceLine": obj{"unitPrice": n("550000000000")}},
			map[string]map[string]string{"invoiceLine": {"amount": "The lines add up to an invoice grossAmount of 1000000000000; an invoice's totals must be less than 1,000,000,000,000."}}},
		{"VAT put on top by the tax mode", "PUT", "/v2/invoices/" + invID,
			obj{"invoice": obj{"taxMode": "excl"}},
			map[string]map[string]string{"invoice": {"lines": "The lines add up to an invoice grossAmount of 1125000000000; an invoice's totals must be less than 1,000,000,000,000."}}},
		{"lines replaced past the total", "PUT", "/v2/invoices/" + invID,
			obj{"invoice": obj{"lines": []any{obj{"productId": productID, "unitPrice": n("600000000000")}, obj{"productId": productID, "unitPrice": n("600000000000")}}}},
			map[string]map[string]string{"invoice": {"lines": "The lines add up to an invoice grossAmount of 1200000000000; an invoice's totals must be less than 1,000,000,000,000."}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sb.do(tt.method, tt.path, tt.body)
			if diff := cmp.Diff(tt.want, fieldErrors(r)); diff != "" {
				t.Errorf("%d: validationErrors (-want +got):\n%s", r.status, diff)
			}
		})
	}
	// Nothing refused changed the draft or its lines.
	after := sb.do("GET", "/v2/invoices/"+invID+"?include=invoice.lines:embed", nil).ok(t).obj("invoice")
	delete(before, "downloadUrl")
	delete(after, "downloadUrl")
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("the draft changed (-before +after):\n%s", diff)
	}
	// Within the bound the same edits go through.
	sb.do("POST", "/v2/invoiceLines", obj{"invoiceLine": obj{"invoiceId": invID, "productId": productID, "unitPrice": n("99999999999.99")}}).ok(t)
}

// No quantity and unit price, however large, wrap an amount: every answer
// is a 422 or an amount equal to the exact product.
func TestNoInputOverflows(t *testing.T) {
	sb := newSandbox(t, Options{})
	contactID := sb.firstID("/v2/contacts?countryId=DK&isCustomer=true", "contacts")
	productID := sb.firstID("/v2/products?q=Konsulenttimer", "products")
	values := []string{"0.01", "1", "999.9999", "1e6", "999999999", "1e9", "1000000001", "9.2233720368547758e12", "1e18", "1e30"}
	for _, q := range values {
		for _, p := range values {
			r := sb.do("POST", "/v2/invoices", obj{"invoice": obj{"contactId": contactID, "entryDate": "2026-11-20", "taxMode": "incl",
				"lines": []any{obj{"productId": productID, "quantity": n(q), "unitPrice": n(p)}}}})
			switch r.status {
			case http.StatusUnprocessableEntity:
			case http.StatusOK:
				want := decimal.RequireFromString(q).Mul(decimal.RequireFromString(p)).Round(2)
				got := decimal.NewFromFloat(num(r.list("invoices")[0], "grossAmount"))
				if moneyTooLarge(want) || !got.Equal(want) {
					t.Errorf("%s × %s: grossAmount %s, want %s", q, p, got, want)
				}
			default:
				t.Errorf("%s × %s: status %d %.200s", q, p, r.status, r.raw)
			}
		}
	}
}

// The øre conversions refuse to wrap: a value that escaped the bounds is a
// panic (a 500), never a wrong amount.
func TestOreConversionsDoNotWrap(t *testing.T) {
	for _, tt := range []struct {
		name string
		f    func() int64
	}{
		{"toOre", func() int64 { return toOre(dec("1e17")) }},
		{"mulOre", func() int64 { return mulOre(1<<62, dec("4")) }},
		{"divOre", func() int64 { return divOre(1<<62, dec("0.25")) }},
		{"toOre negative", func() int64 { return toOre(dec("-1e17")) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "does not fit in int64") {
					t.Errorf("recovered %v, want the overflow panic", r)
				}
			}()
			t.Errorf("returned %d", tt.f())
		})
	}
	if got := toOre(dec("999999999999.99")); got != 99999999999999 {
		t.Errorf("toOre at the bound: %d", got)
	}
}
