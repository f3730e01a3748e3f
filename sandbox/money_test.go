package sandbox

import (
	"encoding/json"
	"testing"

	"github.com/shopspring/decimal"
)

// The issue "Invoicing right to the øre", point 8 and the sandbox's part of
// point 3, reproduced over the API.
func TestAmountsRightToTheOre(t *testing.T) {
	sb := newSandbox(t, Options{})
	contactID := sb.firstID("/v2/contacts?countryId=DK&isCustomer=true", "contacts")
	productID := sb.firstID("/v2/products?q=Konsulenttimer", "products")
	create := func(line obj, taxMode string) response {
		return sb.do("POST", "/v2/invoices", obj{"invoice": obj{"contactId": contactID, "entryDate": "2026-11-20",
			"taxMode": taxMode, "lines": []any{line}}})
	}
	for _, tt := range []struct {
		name               string
		line               obj
		amount, tax, gross string
	}{
		// The unit price is not rounded to øre before it is multiplied.
		{"100 × 0.125", obj{"productId": productID, "quantity": 100, "unitPrice": json.Number("0.125")}, "12.5", "3.13", "15.63"},
		{"1,000 × 1.2345", obj{"productId": productID, "quantity": 1000, "unitPrice": json.Number("1.2345")}, "1234.5", "308.63", "1543.13"},
		{"a price per kWh", obj{"productId": productID, "quantity": json.Number("812.5"), "unitPrice": json.Number("2.3456")}, "1905.8", "476.45", "2382.25"},
		{"a numeric string", obj{"productId": productID, "quantity": "3", "unitPrice": "33.33"}, "99.99", "25", "124.99"},
		{"a cash discount as large as the line", obj{"productId": productID, "quantity": 1, "unitPrice": 10, "discountMode": "cash_discount", "discountValue": 10}, "0", "0", "0"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			inv := exactBody(t, create(tt.line, "excl").ok(t).raw)["invoices"].([]any)[0].(map[string]any)
			for k, want := range map[string]string{"amount": tt.amount, "tax": tt.tax, "grossAmount": tt.gross} {
				if got := inv[k].(json.Number).String(); got != want {
					t.Errorf("%s = %s, want %s", k, got, want)
				}
			}
		})
	}

	for _, tt := range []struct {
		name, field string
		line        obj
	}{
		// 1 × 10.00 with 50 off would be a −40.00 line on an invoice.
		{"a cash discount larger than its line", "discountValue", obj{"productId": productID, "quantity": 1, "unitPrice": 10, "discountMode": "cash_discount", "discountValue": 50}},
		{"a negative cash discount", "discountValue", obj{"productId": productID, "quantity": 1, "unitPrice": 10, "discountMode": "cash_discount", "discountValue": -1}},
		{"a unit price with 5 decimals", "unitPrice", obj{"productId": productID, "quantity": 1, "unitPrice": json.Number("2.34567")}},
		{"a unit price that is not a number", "unitPrice", obj{"productId": productID, "quantity": 1, "unitPrice": "12,50"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := create(tt.line, "excl")
			if r.status != 422 {
				t.Fatalf("status %d, want 422: %s", r.status, r.raw)
			}
			attrs, _ := r.validation()["invoice.lines[0]"].(map[string]any)["attributes"].(map[string]any)
			if _, ok := attrs[tt.field]; !ok {
				t.Errorf("validation errors %v do not name %s", r.validation(), tt.field)
			}
		})
	}

	// Point 3: a product's price excludes VAT. On an invoice whose prices
	// include VAT, a line without unitPrice gets the price plus VAT, so a
	// sale of 302.40 + 25 % is 378.00 with 75.60 VAT, not 302.40 with 60.48.
	t.Run("a VAT-inclusive default price", func(t *testing.T) {
		p := sb.do("POST", "/v2/products", obj{"product": obj{"name": "Uldplaid", "prices": []any{obj{"unitPrice": json.Number("302.40"), "currencyId": "DKK"}}}}).ok(t)
		id := str(p.list("products")[0], "id")
		r := exactBody(t, create(obj{"productId": id}, "incl").ok(t).raw)
		inv := r["invoices"].([]any)[0].(map[string]any)
		line := r["invoiceLines"].([]any)[0].(map[string]any)
		for k, want := range map[string]string{"unitPrice": "378", "amount": "302.4", "tax": "75.6"} {
			if got := line[k].(json.Number).String(); got != want {
				t.Errorf("line %s = %s, want %s", k, got, want)
			}
		}
		if got := inv["grossAmount"].(json.Number).String(); got != "378" {
			t.Errorf("grossAmount = %s, want 378", got)
		}
		// Without VAT the product's price is used as it is.
		line = exactBody(t, create(obj{"productId": id}, "excl").ok(t).raw)["invoiceLines"].([]any)[0].(map[string]any)
		if got := line["unitPrice"].(json.Number).String(); got != "302.4" {
			t.Errorf("excl unitPrice = %s, want 302.4", got)
		}
	})
}

// TestInvoiceTypeFilter: credit notes can be left out of (or picked from) a
// list, which a list of receivables needs.
func TestInvoiceTypeFilter(t *testing.T) {
	sb := newSandbox(t, Options{})
	for _, typ := range []string{"invoice", "creditNote"} {
		r := sb.do("GET", "/v2/invoices?state=approved&pageSize=1000&type="+typ, nil).ok(t)
		invs := r.list("invoices")
		if len(invs) == 0 {
			t.Fatalf("no approved %s", typ)
		}
		for _, inv := range invs {
			if inv["type"] != typ {
				t.Fatalf("type=%s listed a %v", typ, inv["type"])
			}
		}
	}
}

func TestDecimalHelpers(t *testing.T) {
	for _, tt := range []struct {
		in, want string
	}{{"1249.50", "1249.5"}, {"11875.00", "11875"}, {"0.000", "0"}, {"-0.10", "-0.1"}, {"1e2", "100"}, {"7.4605", "7.4605"}} {
		if got := plain(dec(tt.in)); got != tt.want {
			t.Errorf("plain(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
	if o := toOre(dec("1195.31")); o != 119531 {
		t.Errorf("toOre = %d", o)
	}
	if o := divOre(891701, dec("7.46")); o != 119531 {
		t.Errorf("8,917.01 at 7.46 = %d øre, want 119531", o)
	}
	if o := mulOre(119531, dec("7.46")); o != 891701 {
		t.Errorf("1,195.31 × 7.46 = %d øre, want 891701", o)
	}
	// The generator's prices: 299 × 0.8 is 239.2, not 239.20000000000002.
	if got := plain(decimal.NewFromInt(299).Mul(dec("0.8"))); got != "239.2" {
		t.Errorf("299 × 0.8 = %s", got)
	}
}

// FuzzParseNum: whatever arrives, parseNum never panics, and a number it
// accepts prints (plain) as a literal that parses back to the same value.
func FuzzParseNum(f *testing.F) {
	for _, s := range []string{`1249.50`, `"12.5"`, `-0.001`, `1e3`, `1e999`, `"abc"`, `null`, `true`, `{}`, `0.1234567890123456789`, `" 7 "`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		d, err := parseNum(raw)
		if err != nil {
			return
		}
		back, err := parseNum([]byte(plain(d)))
		if err != nil || !back.Equal(d) {
			t.Fatalf("%q → %s → %v (%v)", raw, plain(d), back, err)
		}
		var n number
		if err := json.Unmarshal([]byte(plain(d)), &n); err != nil || !n.v.Equal(d) {
			t.Fatalf("%q: JSON round trip gave %v (%v)", raw, n.v, err)
		}
	})
}
