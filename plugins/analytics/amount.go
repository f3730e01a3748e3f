package analytics

import (
	"strings"

	"github.com/shopspring/decimal"
)

// Amount is money (or another decimal) in a tool's structured output: a
// plain JSON number, printed from the decimal exactly.
//
// Its Go kind is float64 only because the sdk derives output schemas from
// Go kinds and only a float kind becomes "number" (plugins/invoices'
// Number explains the same choice). It is never computed with: every sum
// is done in decimal.Decimal (or integer øre in SQL) and converted at the
// end; amounts are rounded to øre first, well within the 15 significant
// digits a float64 holds exactly as a decimal literal.
type Amount float64

func amountOf(d decimal.Decimal) Amount { return Amount(d.InexactFloat64()) }

// Dec is the decimal the Amount carries.
func (a Amount) Dec() decimal.Decimal { return decimal.NewFromFloat(float64(a)) }

// MarshalJSON prints the decimal without trailing zeros.
func (a Amount) MarshalJSON() ([]byte, error) { return []byte(plain(a.Dec())), nil }

func plain(d decimal.Decimal) string {
	s := d.StringFixed(max(0, -d.Exponent()))
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
