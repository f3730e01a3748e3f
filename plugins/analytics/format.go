package analytics

import (
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Danish formats for text meant for people (DESIGN.md "Money"):
// 1.234,56 kr., 27.11.2026. Structured content keeps machine formats.

// daAmount is 1.234,56 with the currency: "kr." for DKK, else the code.
func daAmount(d decimal.Decimal, currency string) string {
	s := daNumber(d, 2)
	if currency == "" || currency == "DKK" {
		return s + " kr."
	}
	return s + " " + currency
}

// daNumber is d with places decimals, "." between thousands and "," before
// the decimals.
func daNumber(d decimal.Decimal, places int32) string {
	s := d.StringFixed(places)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	out := b.String()
	if frac != "" {
		out += "," + frac
	}
	if neg && strings.Trim(out, "0.,") != "" {
		out = "-" + out
	}
	return out
}

func daInt(n int) string { return daNumber(decimal.NewFromInt(int64(n)), 0) }

// daPercent is 12,5 %.
func daPercent(d decimal.Decimal) string { return daNumber(d, 1) + " %" }

// daDate is 27.11.2026 for an ISO date (returned as is if it is not one).
func daDate(iso string) string {
	t, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		return iso
	}
	return t.Format("02.01.2006")
}

// daDateTime is 27.11.2026 kl. 21.40 (UTC).
func daDateTime(t time.Time) string {
	if t.IsZero() {
		return "(aldrig)"
	}
	return t.UTC().Format("02.01.2006") + " kl. " + t.UTC().Format("15.04") + " UTC"
}
