package moms

import (
	"math"
	"strconv"
	"strings"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// Money is computed in integer øre (1/100 krone) so that every rounding is
// the one the reference prescribes, not an accident of binary floating point
// (0.1 + 0.2 != 0.3).

// maxKroner bounds amounts. Below it an amount with at most 2 decimals has at
// most 15 significant digits, which float64 carries exactly through JSON
// (see toOre), and øre × rate stays far inside int64.
const maxKroner = 1e12

// toOre converts a JSON number in kroner to øre, exactly. JSON numbers reach
// the handler as float64; strconv's shortest round-trip formatting gives back
// the decimal the caller wrote whenever it has at most 15 significant
// digits, which maxKroner and the 2-decimal rule guarantee.
func toOre(field string, kroner float64) (int64, error) {
	if math.IsNaN(kroner) || math.IsInf(kroner, 0) || math.Abs(kroner) >= maxKroner {
		return 0, sdk.Invalid(field, "must be less than 1,000,000,000,000 in absolute value, got %g", kroner)
	}
	s := strconv.FormatFloat(kroner, 'f', -1, 64)
	neg := strings.HasPrefix(s, "-")
	whole, frac, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if len(frac) > 2 {
		return 0, sdk.Invalid(field, "has %d decimals, but amounts have at most 2 (øre); round it to øre first, got %s", len(frac), s)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, sdk.Invalid(field, "is not a plain decimal amount: %s", s)
	}
	f, _ := strconv.ParseInt((frac + "00")[:2], 10, 64)
	ore := w*100 + f
	if neg {
		ore = -ore
	}
	return ore, nil
}

// fromOre converts øre back to kroner for JSON output. Dividing exact
// integers is correctly rounded, so the float is the one "123.45" parses to
// and encodes back as 123.45.
func fromOre(ore int64) float64 { return float64(ore) / 100 }

// roundDiv returns n/d (d > 0) rounded half away from zero. The reference
// (§ 1.3, EN 16931 BR-CO-17) rounds VAT half-up to øre; rounding away from
// zero for negative amounts is our reading [derived], chosen so that a
// credit note mirrors its invoice øre for øre.
func roundDiv(n, d int64) int64 {
	q, r := n/d, n%d // Go truncates toward zero; r has n's sign
	if r < 0 {
		r = -r
	}
	if 2*r >= d {
		if n < 0 {
			q--
		} else {
			q++
		}
	}
	return q
}
