package invoices

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"github.com/shopspring/decimal"
)

// Money is decimal end to end (DESIGN.md "Money"): amounts, quantities,
// unit prices and rates are computed, compared and rounded as
// shopspring/decimal values, never as binary floating point. They are read
// from Billy's JSON exactly (decimal's UnmarshalJSON reads the digits as
// written) and sent to Billy as plain JSON numbers (Exact). Rounding
// happens only where the rules say, half away from zero, the rule the
// reference gives for VAT (danish-compliance.md R3); Billy's own mode is
// not documented.
//
// At the MCP boundary (tool arguments and results) a decimal travels as
// Number, for a reason the type's comment gives.

// Exact is a decimal as Billy's JSON carries it: a plain number, printed
// without trailing zeros (11875, 1195.31, 7.4605).
type Exact struct{ d decimal.Decimal }

func exact(d decimal.Decimal) Exact { return Exact{d} }

func exactPtr(d decimal.Decimal) *Exact { return &Exact{d} }

// Dec returns the decimal.
func (e Exact) Dec() decimal.Decimal { return e.d }

// MarshalJSON writes a JSON number.
func (e Exact) MarshalJSON() ([]byte, error) { return []byte(plain(e.d)), nil }

// UnmarshalJSON reads a JSON number (or numeric string) exactly.
func (e *Exact) UnmarshalJSON(b []byte) error {
	d, err := parseDecimal(b)
	if err != nil {
		return err
	}
	e.d = d
	return nil
}

// Number is a decimal as a tool's argument or result: a plain JSON number.
//
// Its Go kind is float64 for one reason only: the sdk derives every tool's
// JSON Schema from Go kinds (jsonschema-go, with no way for a type to
// declare its own schema), and only a float kind becomes "number", which is
// what clients must see and what the host validates arguments against. A
// Number is never used as a float. UnmarshalJSON parses the literal exactly
// and accepts at most 15 significant digits, the precision within which a
// float64 holds a decimal literal losslessly; Dec gives that decimal back
// (shortest round-trip formatting) and every computation is on it;
// MarshalJSON prints it. FuzzNumber checks the round trip.
type Number float64

// maxDigits is how many significant digits a Number carries exactly.
const maxDigits = 15

var errTooPrecise = errors.New("has more than 15 significant digits")

// numberOf carries d across the MCP boundary. Every value a tool returns is
// rounded to its precision first (øre, 4 decimals for a unit price, 6 for a
// rate), so it fits; a value that does not is rounded to 15 significant
// digits rather than carried inexactly.
func numberOf(d decimal.Decimal) Number {
	if n := d.NumDigits(); n > maxDigits {
		d = d.Round(int32(maxDigits - n - int(d.Exponent())))
	}
	return Number(d.InexactFloat64())
}

func numberPtr(d decimal.Decimal) *Number { n := numberOf(d); return &n }

// Dec returns the decimal the Number carries.
func (n Number) Dec() decimal.Decimal { return decimal.NewFromFloat(float64(n)) }

// String prints the decimal, for messages and %v.
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

// digits counts d's significant digits, trailing zeros of the fraction
// left out (1.2500 has 3).
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

// plain prints a decimal in fixed point without trailing zeros, whatever
// the decimal package's global formatting options say.
func plain(d decimal.Decimal) string {
	s := d.StringFixed(max(0, -d.Exponent()))
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// Precision.
const (
	// unitPricePlaces: Guess, matching the sandbox: Billy shows money with
	// 2 decimals (billy-api.md §2.3) but prices per kWh, minute or gram
	// need more; 4 is what invoicing systems commonly allow.
	unitPricePlaces = 4
	quantityPlaces  = 4
	ratePlaces      = 6 // Billy's exchange rates (§2.3)
)

// minorUnits is a currency's exponent (ISO 4217): how many decimals its
// amounts have. Billy's currencies are almost all 2; the few without
// minor units are listed.
func minorUnits(currency string) int32 {
	switch strings.ToUpper(currency) {
	case "ISK", "JPY", "KRW", "CLP", "VND", "XAF", "XOF", "PYG", "UGX":
		return 0
	}
	return 2
}

// roundAmount rounds an amount to its currency's minor unit, half away
// from zero.
func roundAmount(d decimal.Decimal, currency string) decimal.Decimal {
	return d.Round(minorUnits(currency))
}

// hasPlaces reports whether d has at most n decimals.
func hasPlaces(d decimal.Decimal, n int32) bool { return d.Equal(d.Round(n)) }

// divRound returns a/b rounded half away from zero to places decimals,
// exactly: the quotient is cut at places decimals and the remainder decides
// the last digit.
func divRound(a, b decimal.Decimal, places int32) decimal.Decimal {
	q, r := a.QuoRem(b, places)
	if r.IsZero() {
		return q
	}
	if r.Abs().Mul(decimal.NewFromInt(2)).Cmp(b.Abs().Shift(-places)) >= 0 {
		step := decimal.New(1, -places)
		if a.Sign()*b.Sign() < 0 {
			step = step.Neg()
		}
		q = q.Add(step)
	}
	return q
}

var (
	decOne     = decimal.NewFromInt(1)
	decHundred = decimal.NewFromInt(100)
)
