package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestInvoiceTotalsProperty posts random invoices (lines, quantities and
// unit prices with up to 4 decimals, cash and percentage discounts, both tax
// modes, every VAT rate the customers' countries give, several currencies)
// to each business kind's sandbox and checks the totals it answers against
// an independent calculation in exact rationals (math/big, not the decimal
// package the sandbox uses), written from danish-compliance.md R3: a line is
// quantity × unit price less its discount, rounded to øre once; VAT is
// computed per rate on the sum of its lines (on a VAT-inclusive sum, the
// VAT it contains) and rounded half-up; gross is net plus VAT.
func TestInvoiceTotalsProperty(t *testing.T) {
	for _, business := range businesses {
		t.Run(business, func(t *testing.T) {
			t.Parallel()
			sb := newSandbox(t, Options{Business: business})
			rng := rand.New(rand.NewPCG(42, uint64(len(business))))
			rates := map[string]*big.Rat{}
			for _, tr := range exactList(t, sb, "/v2/taxRates", "taxRates") {
				rates[tr["id"].(string)] = rat(t, tr["rate"])
			}
			contacts := exactList(t, sb, "/v2/contacts?isCustomer=true", "contacts")
			products := exactList(t, sb, "/v2/products", "products")
			currencies := []string{"DKK", "DKK", "EUR", "USD", "SEK"}
			for i := range 150 {
				c := contacts[rng.IntN(len(contacts))]
				body, want := randomInvoice(rng, c["id"].(string), products, currencies)
				r := sb.do("POST", "/v2/invoices", map[string]any{"invoice": body})
				if r.status != 200 {
					t.Fatalf("invoice %d: %d %s\nbody: %v", i, r.status, r.raw, body)
				}
				got := exactBody(t, r.raw)
				inv := got["invoices"].([]any)[0].(map[string]any)
				lines := got["invoiceLines"].([]any)
				checkTotals(t, fmt.Sprintf("invoice %d (%s, %s)", i, body["taxMode"], body["currencyId"]), inv, lines, want, rates)
			}
		})
	}
}

// lineWant is what a random line should come to before VAT.
type lineWant struct {
	base *big.Rat // quantity × unit price less the discount, rounded to øre
}

func randomInvoice(rng *rand.Rand, contactID string, products []map[string]any, currencies []string) (map[string]any, []lineWant) {
	mode := []string{"excl", "incl"}[rng.IntN(2)]
	body := map[string]any{"contactId": contactID, "entryDate": "2026-11-20", "taxMode": mode,
		"currencyId": currencies[rng.IntN(len(currencies))]}
	var lines []any
	var want []lineWant
	for range 1 + rng.IntN(6) {
		p := products[rng.IntN(len(products))]
		qty := randomDecimal(rng, 1, 200, 4)
		price := randomDecimal(rng, 0, 20000, 4)
		gross := new(big.Rat).Mul(ratS(qty), ratS(price))
		line := map[string]any{"productId": p["id"], "quantity": json.Number(qty), "unitPrice": json.Number(price)}
		base := new(big.Rat).Set(gross)
		switch rng.IntN(4) {
		case 1: // a cash discount no larger than the line
			off := new(big.Rat).Mul(gross, big.NewRat(int64(rng.IntN(101)), 100))
			s := truncRat(off, 2).FloatString(2)
			line["discountMode"], line["discountValue"] = "cash_discount", json.Number(s)
			base.Sub(gross, ratS(s))
		case 2: // a percentage with up to 2 decimals
			pct := randomDecimal(rng, 0, 100, 2)
			line["discountMode"], line["discountValue"] = "percentage_discount", json.Number(pct)
			base.Mul(gross, new(big.Rat).Sub(big.NewRat(1, 1), new(big.Rat).Quo(ratS(pct), big.NewRat(100, 1))))
		}
		lines = append(lines, line)
		want = append(want, lineWant{base: roundRat(base, 2)})
	}
	body["lines"] = lines
	return body, want
}

// checkTotals compares the sandbox's invoice with the independent
// calculation, using the tax rate the sandbox derived for each line (which
// rate applies is the rules' business, tested elsewhere; what it does to the
// totals is tested here).
func checkTotals(t *testing.T, what string, inv map[string]any, lines []any, want []lineWant, rates map[string]*big.Rat) {
	t.Helper()
	if len(lines) != len(want) {
		t.Fatalf("%s: %d lines, want %d", what, len(lines), len(want))
	}
	incl := inv["taxMode"] == "incl"
	perRate := map[string]*big.Rat{}
	var order []string
	netSum, taxSum := new(big.Rat), new(big.Rat)
	for i, l := range lines {
		line := l.(map[string]any)
		id := line["taxRateId"].(string)
		if perRate[id] == nil {
			perRate[id] = new(big.Rat)
			order = append(order, id)
		}
		perRate[id].Add(perRate[id], want[i].base)
		// Each line's own amount and tax add up to its base.
		lineTotal := new(big.Rat).Add(rat(t, line["amount"]), rat(t, line["tax"]))
		if !incl {
			lineTotal = rat(t, line["amount"])
		}
		if lineTotal.Cmp(want[i].base) != 0 {
			t.Errorf("%s line %d: amount %v tax %v, want the line to come to %s", what, i, line["amount"], line["tax"], want[i].base.FloatString(2))
		}
		netSum.Add(netSum, rat(t, line["amount"]))
		taxSum.Add(taxSum, rat(t, line["tax"]))
	}
	net, tax := new(big.Rat), new(big.Rat)
	for _, id := range order {
		r := rates[id]
		base := perRate[id]
		var vat *big.Rat
		if incl {
			vat = roundRat(new(big.Rat).Quo(new(big.Rat).Mul(base, r), new(big.Rat).Add(big.NewRat(1, 1), r)), 2)
			net.Add(net, new(big.Rat).Sub(base, vat))
		} else {
			vat = roundRat(new(big.Rat).Mul(base, r), 2)
			net.Add(net, base)
		}
		tax.Add(tax, vat)
	}
	gross := new(big.Rat).Add(net, tax)
	for _, f := range []struct {
		name string
		want *big.Rat
	}{{"amount", net}, {"tax", tax}, {"grossAmount", gross}} {
		if got := rat(t, inv[f.name]); got.Cmp(f.want) != 0 {
			t.Errorf("%s: %s = %s, want %s", what, f.name, got.FloatString(2), f.want.FloatString(2))
		}
	}
	if netSum.Cmp(net) != 0 || taxSum.Cmp(tax) != 0 {
		t.Errorf("%s: the lines add up to %s + %s, the invoice says %s + %s", what,
			netSum.FloatString(2), taxSum.FloatString(2), net.FloatString(2), tax.FloatString(2))
	}
}

// randomDecimal is a decimal literal in [lo, hi] with up to places decimals.
func randomDecimal(rng *rand.Rand, lo, hi int64, places int) string {
	p := rng.IntN(places + 1)
	scale := int64(1)
	for range p {
		scale *= 10
	}
	v := lo*scale + rng.Int64N((hi-lo)*scale+1)
	if v == 0 && lo > 0 {
		v = scale
	}
	return new(big.Rat).SetFrac64(v, scale).FloatString(p)
}

// roundRat rounds half away from zero to places decimals.
func roundRat(x *big.Rat, places int) *big.Rat {
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places)), nil)
	scaled := new(big.Rat).Mul(x, new(big.Rat).SetInt(scale))
	num, den := scaled.Num(), scaled.Denom()
	q, r := new(big.Int).QuoRem(new(big.Int).Abs(num), den, new(big.Int))
	if new(big.Int).Mul(r, big.NewInt(2)).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if num.Sign() < 0 {
		q.Neg(q)
	}
	return new(big.Rat).SetFrac(q, scale)
}

// truncRat cuts x (≥ 0) to places decimals.
func truncRat(x *big.Rat, places int) *big.Rat {
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places)), nil)
	scaled := new(big.Rat).Mul(x, new(big.Rat).SetInt(scale))
	return new(big.Rat).SetFrac(new(big.Int).Quo(scaled.Num(), scaled.Denom()), scale)
}

func ratS(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic("not a decimal: " + s)
	}
	return r
}

// rat reads a JSON number decoded as json.Number.
func rat(t *testing.T, v any) *big.Rat {
	t.Helper()
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("%v (%T) is not a JSON number", v, v)
	}
	return ratS(n.String())
}

// exactBody decodes an answer keeping numbers as written.
func exactBody(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func exactList(t *testing.T, sb *sandbox, path, key string) []map[string]any {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	body := exactBody(t, sb.do("GET", path+sep+"pageSize=1000", nil).ok(t).raw)
	var out []map[string]any
	for _, x := range body[key].([]any) {
		out = append(out, x.(map[string]any))
	}
	if len(out) == 0 {
		t.Fatalf("%s is empty", path)
	}
	return out
}
