package sandbox

import "math"

// Money is computed in integer øre and shown as JSON floats with two
// decimals, as Billy does. Rounding is half away from zero (half-up for the
// positive amounts on invoices), the rule danish-compliance.md gives for
// VAT (EN 16931 BR-CO-17).

// toOre converts an amount in kroner to øre, rounding half away from zero.
// The small nudge corrects binary representation errors such as
// 2.675*100 = 267.49999….
func toOre(x float64) int64 {
	return int64(math.Round(x*100 + math.Copysign(1e-6, x)))
}

// fromOre converts øre to kroner.
func fromOre(o int64) float64 { return float64(o) / 100 }

// round2 rounds an amount to øre.
func round2(x float64) float64 { return fromOre(toOre(x)) }

// mulOre multiplies an øre amount by a factor and rounds to øre.
func mulOre(o int64, f float64) int64 {
	x := float64(o) * f
	return int64(math.Round(x + math.Copysign(1e-6, x)))
}

// round6 rounds an exchange rate to the six decimals Billy shows.
func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }
