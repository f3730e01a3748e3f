package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"github.com/shopspring/decimal"
)

// Money, quantities, prices and rates are exact decimals, never binary
// floating point (DESIGN.md "Money"): 100 × 0.125 is 12.50 and 1,000 ×
// 1.2345 is 1,234.50, as a bookkeeper computes them. Arithmetic uses
// shopspring/decimal; the ledger, whose amounts are all in øre, sums int64
// øre.
//
// Rounding happens only where the rules say: a line's net amount, VAT per
// rate on the sum (danish-compliance.md R3, EN 16931 BR-CO-17), a payment
// converted between currencies, an exchange rate to six decimals. It is
// half away from zero (half-up for the positive amounts on invoices), the
// rule the reference gives for VAT; Billy's own mode is not documented
// (billy-api.md §11 item 6).

// number is a decimal on Billy's wire: a plain JSON number, as Billy sends
// money, quantities and rates (billy-api.md §2.3), printed exactly and
// without trailing zeros (11875, 44.28, 7.4605).
type number struct{ v decimal.Decimal }

func numberOf(d decimal.Decimal) number { return number{d} }

func numberPtr(d decimal.Decimal) *number { return &number{d} }

// MarshalJSON writes the decimal as a JSON number.
func (n number) MarshalJSON() ([]byte, error) { return []byte(plain(n.v)), nil }

// plain prints a decimal in fixed point without trailing zeros, whatever
// the decimal package's global formatting options say.
func plain(d decimal.Decimal) string {
	s := d.StringFixed(max(0, -d.Exponent()))
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// UnmarshalJSON reads a JSON number exactly (or a numeric string, which
// some clients send).
func (n *number) UnmarshalJSON(b []byte) error {
	d, err := parseNum(b)
	if err != nil {
		return err
	}
	n.v = d
	return nil
}

var errNotNumber = errors.New("not a number")

// parseNum reads a JSON number, or a string holding one, exactly: the digits
// as written, never through float64.
func parseNum(raw json.RawMessage) (decimal.Decimal, error) {
	s := string(bytes.TrimSpace(raw))
	if strings.HasPrefix(s, `"`) {
		var str string
		if err := json.Unmarshal(raw, &str); err != nil {
			return decimal.Zero, errNotNumber
		}
		s = strings.TrimSpace(str)
	} else if !json.Valid(raw) {
		return decimal.Zero, errNotNumber
	}
	d, err := decimal.NewFromString(s)
	// An exponent can ask for an absurd number of digits.
	if err != nil || d.Exponent() < -30 || d.Exponent() > 30 {
		return decimal.Zero, errNotNumber
	}
	return d, nil
}

var hundred = decimal.NewFromInt(100)

// unitPricePlaces is how many decimals a unit price may have. Guess: Billy
// shows money with 2 decimals (billy-api.md §2.3) but prices per kWh, per
// minute or per gram need more; 4 is what invoicing systems commonly allow.
// Line amounts are still rounded to øre.
const unitPricePlaces = 4

// dec parses a decimal literal written in the code (seed data, tests).
func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// round2 rounds to øre, half away from zero.
func round2(d decimal.Decimal) decimal.Decimal { return d.Round(2) }

// round6 rounds an exchange rate to the six decimals Billy shows.
func round6(d decimal.Decimal) decimal.Decimal { return d.Round(6) }

// divRound returns a/b rounded half away from zero to places decimals,
// exactly: the quotient is cut at places decimals and the remainder decides
// the last digit, so no intermediate rounding can tip a tie.
func divRound(a, b decimal.Decimal, places int32) decimal.Decimal {
	q, r := a.QuoRem(b, places)
	if r.IsZero() {
		return q
	}
	// |r| is less than |b|·10^-places; round up when 2|r| ≥ |b|·10^-places.
	if r.Abs().Mul(decimal.NewFromInt(2)).Cmp(b.Abs().Shift(-places)) >= 0 {
		step := decimal.New(1, -places)
		if a.Sign()*b.Sign() < 0 {
			step = step.Neg()
		}
		q = q.Add(step)
	}
	return q
}

// hasPlaces reports whether d has at most n decimals.
func hasPlaces(d decimal.Decimal, n int32) bool { return d.Equal(d.Round(n)) }

// toOre converts an amount of at most two decimals to øre (bounds.go keeps
// it within int64; wholeOre panics rather than wrap).
func toOre(d decimal.Decimal) int64 { return wholeOre(d.Shift(2).Round(0)) }

// fromOre converts øre to an amount.
func fromOre(o int64) decimal.Decimal { return decimal.New(o, -2) }

// mulOre multiplies an øre amount by a factor and rounds to øre.
func mulOre(o int64, f decimal.Decimal) int64 {
	return wholeOre(decimal.NewFromInt(o).Mul(f).Round(0))
}

// divOre divides an øre amount by a factor and rounds to øre.
func divOre(o int64, f decimal.Decimal) int64 {
	return wholeOre(divRound(decimal.NewFromInt(o), f, 0))
}

// units is a whole quantity.
func units(n int) decimal.Decimal { return decimal.NewFromInt(int64(n)) }
