package moms

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"github.com/shopspring/decimal"
)

// The compliance tools compute money as shopspring/decimal values, never as
// binary floating point (DESIGN.md "Money"). The types below are how a
// decimal crosses a boundary; they mirror the invoices plugin's money.go
// (each plugin is its own binary, and the two stay small enough to keep in
// step by hand):
//
//   - Exact reads Billy's JSON numbers as written (44.28 stays 44.28).
//   - Number is a tool's argument or result: a plain JSON number whose
//     literal is parsed exactly.
//
// The older tools of this plugin (calculate_vat) work in integer øre
// (money.go); both are exact.

// Exact is a decimal as Billy's JSON carries it: a number (or a numeric
// string), read exactly.
type Exact struct{ d decimal.Decimal }

// Dec returns the decimal.
func (e Exact) Dec() decimal.Decimal { return e.d }

// MarshalJSON writes a JSON number.
func (e Exact) MarshalJSON() ([]byte, error) { return []byte(plain(e.d)), nil }

// UnmarshalJSON reads a JSON number, a numeric string or null (zero).
func (e *Exact) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		e.d = decimal.Zero
		return nil
	}
	d, err := parseDecimal(b)
	if err != nil {
		return err
	}
	e.d = d
	return nil
}

// Number is a decimal as a tool's argument or result: a plain JSON number.
//
// Its Go kind is float64 only because the sdk derives every tool's JSON
// Schema from Go kinds and only a float kind becomes "number". It is never
// computed with as a float: UnmarshalJSON parses the literal exactly and
// accepts at most 15 significant digits (what a float64 carries losslessly),
// Dec gives that decimal back, MarshalJSON prints it. FuzzNumber checks the
// round trip.
type Number float64

// maxDigits is how many significant digits a Number carries exactly.
const maxDigits = 15

var errTooPrecise = errors.New("has more than 15 significant digits")

// numberOf carries d across the MCP boundary. Every amount a tool returns is
// rounded to øre (or a rate to its places) first, so it fits; a value that
// does not is rounded to 15 significant digits rather than carried inexactly.
func numberOf(d decimal.Decimal) Number {
	if n := d.NumDigits(); n > maxDigits {
		d = d.Round(int32(maxDigits - n - int(d.Exponent())))
	}
	return Number(d.InexactFloat64())
}

// Dec returns the decimal the Number carries.
func (n Number) Dec() decimal.Decimal { return decimal.NewFromFloat(float64(n)) }

// String prints the decimal.
func (n Number) String() string { return plain(n.Dec()) }

// MarshalJSON writes the decimal as a plain JSON number.
func (n Number) MarshalJSON() ([]byte, error) { return []byte(plain(n.Dec())), nil }

// UnmarshalJSON reads a JSON number exactly, refusing more digits than a
// Number carries.
func (n *Number) UnmarshalJSON(b []byte) error {
	d, err := parseDecimal(b)
	if err != nil {
		return err
	}
	if digits(d) > maxDigits {
		return errTooPrecise
	}
	*n = Number(d.InexactFloat64())
	return nil
}

// digits counts d's significant digits, trailing zeros of the fraction left
// out.
func digits(d decimal.Decimal) int {
	s := strings.TrimLeft(strings.ReplaceAll(strings.TrimPrefix(plain(d), "-"), ".", ""), "0")
	return max(len(s), 1)
}

var errNotNumber = errors.New("not a number")

// parseDecimal reads a JSON number, or a string holding one, as written.
func parseDecimal(raw []byte) (decimal.Decimal, error) {
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

// plain prints a decimal in fixed point without trailing zeros.
func plain(d decimal.Decimal) string {
	s := d.StringFixed(max(0, -d.Exponent()))
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// öre rounds an amount to øre, half away from zero: the rounding the
// reference gives for VAT (R3, EN 16931 BR-CO-17).
func ore(d decimal.Decimal) decimal.Decimal { return d.Round(2) }

var (
	decZero    = decimal.Zero
	decOne     = decimal.NewFromInt(1)
	decHundred = decimal.NewFromInt(100)
	// vatRate25 is the Danish VAT rate as a fraction (ML § 33, R1).
	vatRate25 = decimal.RequireFromString("0.25")
)

// pct turns a percentage into a fraction: 25 → 0.25.
func pct(p decimal.Decimal) decimal.Decimal { return p.Div(decHundred) }

// decimalMillion is n million.
func decimalMillion(n int64) decimal.Decimal { return decimal.NewFromInt(n * 1_000_000) }
