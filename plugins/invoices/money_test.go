package invoices

import (
	"encoding/json"
	"github.com/billy-mcp/billy-mcp/plugins/internal/dkfmt"
	"math"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestDanishFormats(t *testing.T) {
	for _, tt := range []struct {
		v, cur, want string
	}{
		{"0", "DKK", "0,00 kr."},
		{"1250", "DKK", "1.250,00 kr."},
		{"14250", "", "14.250,00 kr."},
		{"-1234567.891", "DKK", "-1.234.567,89 kr."},
		{"999.995", "DKK", "1.000,00 kr."},
		{"-0.001", "DKK", "0,00 kr."},
		{"1195.31", "EUR", "1.195,31 EUR"},
		{"8917.01", "DKK", "8.917,01 kr."},
		{"15000", "ISK", "15.000 ISK"},
	} {
		if got := money(dec(tt.v), tt.cur); got != tt.want {
			t.Errorf("money(%s, %s) = %q, want %q", tt.v, tt.cur, got, tt.want)
		}
	}
	for in, want := range map[string]string{"2026-11-16": "16. november 2026", "2025-03-01": "1. marts 2025", "2026-05-31": "31. maj 2026", "soon": "soon"} {
		if got := dkfmt.DateISO(in); got != want {
			t.Errorf("dkfmt.DateISO(%s) = %q, want %q", in, got, want)
		}
	}
	for _, tt := range []struct {
		v    string
		min  int32
		want string
	}{{"7.46", 2, "7,46"}, {"7.4605", 2, "7,4605"}, {"7.5", 2, "7,50"}, {"25", 0, "25"}, {"2.3456", 2, "2,3456"}, {"12.50", 2, "12,50"}} {
		if got := danishDecimal(dec(tt.v), tt.min); got != tt.want {
			t.Errorf("danishDecimal(%s, %d) = %q, want %q", tt.v, tt.min, got, tt.want)
		}
	}
}

func TestNumberIsExact(t *testing.T) {
	for _, lit := range []string{"1195.31", "0.1", "0.125", "2.3456", "8917.01", "999999999999.99", "7.4605", "0.000001", "100000000000000", "-42.5"} {
		var n Number
		if err := json.Unmarshal([]byte(lit), &n); err != nil {
			t.Fatalf("%s: %v", lit, err)
		}
		if !n.Dec().Equal(dec(lit)) {
			t.Errorf("%s carried as %s", lit, n.Dec())
		}
		b, _ := json.Marshal(n)
		if string(b) != plain(dec(lit)) {
			t.Errorf("%s marshals as %s", lit, b)
		}
	}
	// 0.1 + 0.2 is 0.3 in decimals, as a bookkeeper adds.
	var a, b Number
	_ = json.Unmarshal([]byte("0.1"), &a)
	_ = json.Unmarshal([]byte("0.2"), &b)
	if got := a.Dec().Add(b.Dec()); !got.Equal(dec("0.3")) {
		t.Errorf("0.1 + 0.2 = %s", got)
	}
	for _, bad := range []string{`"1.5"x`, `1.23456789012345678`, `true`, `{}`, `1e400`} {
		var n Number
		if err := json.Unmarshal([]byte(bad), &n); err == nil {
			t.Errorf("%s was accepted as %s", bad, n)
		}
	}
	// A computed value with more digits is rounded, never carried inexactly.
	third := dec("1").DivRound(dec("3"), 20)
	if got := numberOf(third).Dec(); got.NumDigits() > 15 || !got.Equal(third.Round(15)) {
		t.Errorf("1/3 carried as %s", got)
	}
}

// FuzzNumber: a decimal literal of up to 15 significant digits crosses the
// MCP boundary unchanged, and no input makes the parser panic or accept
// something it then prints differently.
func FuzzNumber(f *testing.F) {
	for _, s := range []string{"1195.31", "0.1", "-0.001", "999999999999999", "1e3", `"12.5"`, "abc", "0.30000000000000004"} {
		f.Add([]byte(s))
	}
	f.Add([]byte(strconv.FormatFloat(math.MaxFloat64, 'f', -1, 64)))
	f.Fuzz(func(t *testing.T, raw []byte) {
		d, err := parseDecimal(raw)
		var n Number
		nerr := json.Unmarshal(raw, &n)
		if err != nil || digits(d) > maxDigits {
			if nerr == nil && json.Valid(raw) {
				t.Fatalf("%q accepted as %s", raw, n)
			}
			return
		}
		if nerr != nil {
			return // encoding/json refused the token before our parser ran
		}
		if !n.Dec().Equal(d) {
			t.Fatalf("%q: parsed %s, carried %s", raw, d, n.Dec())
		}
		b, _ := json.Marshal(n)
		var back Number
		if err := json.Unmarshal(b, &back); err != nil || !back.Dec().Equal(d) {
			t.Fatalf("%q: %s did not survive a round trip (%v)", raw, b, err)
		}
	})
}

func TestTotalsFollowTheDanishRule(t *testing.T) {
	l := func(q, p, rate string) pricedLine {
		return pricedLine{quantity: dec(q), unitPrice: dec(p), rateID: rate, rate: map[string]decimal.Decimal{"s": dec("0.25"), "z": decimal.Zero}[rate]}
	}
	for _, tt := range []struct {
		name     string
		lines    []pricedLine
		incl     bool
		net, vat string
	}{
		{"VAT per rate on the sum (TV4)", []pricedLine{l("1", "33.33", "s"), l("1", "33.33", "s"), l("1", "33.33", "s")}, false, "99.99", "25"},
		{"50 × 0.01", []pricedLine{l("50", "0.01", "s")}, false, "0.5", "0.13"},
		{"VAT-inclusive (TV5)", []pricedLine{l("1", "1249", "s")}, true, "999.2", "249.8"},
		{"no rounding of the unit price", []pricedLine{l("100", "0.125", "z")}, false, "12.5", "0"},
		{"mixed rates", []pricedLine{l("2", "100", "s"), l("1", "500", "z")}, false, "700", "50"},
	} {
		net, vat := totals(tt.lines, tt.incl, "DKK")
		if diff := cmp.Diff([]string{tt.net, tt.vat}, []string{plain(net), plain(vat)}); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}
