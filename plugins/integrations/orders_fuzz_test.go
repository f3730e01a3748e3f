package integrations

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseOrder: any bytes are read as an order or refused, never a
// panic; an order that reads has a number, a date, a currency and lines of
// positive quantity.
func FuzzParseOrder(f *testing.F) {
	for _, name := range []string{"shopify.json", "woocommerce.json", "generic.json", "unknown_sku.json"} {
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
	})
}
