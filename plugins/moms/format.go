package moms

import (
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Text meant for people (messages, findings, summaries) uses Danish
// formats: 1.250,00 kr., 16. november 2026. Structured fields keep machine
// formats (ISO dates, plain numbers in DKK), so the two never mix in one
// field.

// kr formats an amount in Danish kroner for people: "1.250,00 kr.".
func kr(d decimal.Decimal) string { return danishNumber(d, 2) + " kr." }

// wholeKr formats a whole-kroner amount: "12.345 kr.".
func wholeKr(d decimal.Decimal) string { return danishNumber(d, 0) + " kr." }

// danishNumber prints d with the given decimals, "." between thousands and
// "," before the decimals: 14.250,00.
func danishNumber(d decimal.Decimal, places int32) string {
	neg := d.Round(places).IsNegative()
	whole, frac, _ := strings.Cut(d.Abs().StringFixed(places), ".")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteByte(',')
		b.WriteString(frac)
	}
	return b.String()
}

var danishMonths = [...]string{"januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
	"september", "oktober", "november", "december"}

// danishDay prints a date for people: "16. november 2026".
func danishDay(t time.Time) string {
	return t.Format("2.") + " " + danishMonths[t.Month()-1] + " " + t.Format("2006")
}

// isoDay prints a date as YYYY-MM-DD.
func isoDay(t time.Time) string { return t.Format(time.DateOnly) }

// parseDay reads YYYY-MM-DD as a civil date (midnight UTC, as date()).
func parseDay(s string) (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	return t, err == nil
}
