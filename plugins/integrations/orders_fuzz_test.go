package integrations

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/shopspring/decimal"
)

// FuzzParseOrder: any bytes are read as an order or refused, never a
// panic; an order that reads has a number, a date, a currency and lines of
// positive quantity.
func FuzzParseOrder(f *testing.F) {
	for _, name := range []string{"shopify.json", "woocommerce.json", "generic.json", "unknown_sku.json", "day/woocommerce.json", "day/generic.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", "orders", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"lines":[{"quantity":"1e999999","unit_price":"1"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) {
			return
		}
		o, err := parseOrder(b, "")
		if err != nil {
			return
		}
		if o.Number == "" || len(o.Date) != 10 || len(o.Currency) != 3 || len(o.Lines) == 0 {
			t.Fatalf("read an incomplete order: %+v", o)
		}
		for _, l := range o.Lines {
			if !l.Quantity.IsPositive() {
				t.Fatalf("line of quantity %s", l.Quantity)
			}
		}
		// The daily summary's share of the order adds up to its gross.
		r := decimal.RequireFromString("0.25")
		d, err := splitOrder(o, &r)
		if err != nil {
			return
		}
		sum := decimal.Zero
		for _, m := range []map[string]decimal.Decimal{d.items, d.shipping} {
			for _, a := range m {
				sum = sum.Add(a)
			}
		}
		if !sum.Equal(d.gross) || d.gross.IsNegative() {
			t.Fatalf("order %s: parts %s, gross %s", o.Number, sum, d.gross)
		}
	})
}

// FuzzParseRefund: any refund bytes, against each sample order, are read
// or refused, never a panic; a refund that reads has an id and a date,
// positive quantities, no more of a SKU than the order had, money to
// credit that is not negative, and an adjustment that makes up the money
// paid back.
func FuzzParseRefund(f *testing.F) {
	orders := map[string]*order{}
	for _, name := range []string{"shopify_refund.json", "woocommerce_refunded.json", "generic_refund.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", "orders", name))
		if err != nil {
			f.Fatal(err)
		}
		o, err := parseOrder(b, "")
		if err != nil {
			f.Fatal(err)
		}
		orders[o.Format] = o
		for _, r := range o.RefundList {
			f.Add(o.Format, []byte(r))
		}
	}
	b, err := os.ReadFile(filepath.Join("testdata", "orders", "woocommerce_refund.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(formatWoo, b)
	f.Fuzz(func(t *testing.T, format string, b []byte) {
		o := orders[format]
		if o == nil || !json.Valid(b) {
			return
		}
		r, err := o.parseRefund(b)
		if err != nil {
			return
		}
		// Money paid back beyond the lines and shipping is an adjustment
		// (a refund of money only has nothing else); lines, shipping and
		// adjustment add up to the money paid back when the shop says.
		if r.ID == "" || len(r.Date) != 10 || r.Shipping.IsNegative() || r.Adjustment.IsNegative() ||
			len(r.Lines) == 0 && r.Shipping.IsZero() && !r.Adjustment.IsPositive() {
			t.Fatalf("read an incomplete refund: %+v", r)
		}
		if r.Paid.set && !r.Gross.Round(2).Add(r.Adjustment).Equal(r.Paid.v.Round(2)) {
			t.Fatalf("lines and shipping %s with adjustment %s are not the money paid back, %s", r.Gross, r.Adjustment, r.Paid.v)
		}
		for _, l := range r.Lines {
			if !l.Quantity.IsPositive() || l.Amount.IsNegative() || l.SKU == "" {
				t.Fatalf("refund line %+v", l)
			}
		}
	})
}
