package moms

import (
	"github.com/billy-mcp/billy-mcp/plugins/internal/dkfmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Text meant for people (messages, findings, summaries) uses Danish
// formats: 1.250,00 kr., 16. november 2026. Structured fields keep machine
// formats (ISO dates, plain numbers in DKK), so the two never mix in one
// field.

// kr formats an amount in Danish kroner for people: "1.250,00 kr.".
func kr(d decimal.Decimal) string { return dkfmt.Number(d, 2) + " kr." }

// wholeKr formats a whole-kroner amount: "12.345 kr.".
func wholeKr(d decimal.Decimal) string { return dkfmt.Number(d, 0) + " kr." }

// isoDay prints a date as YYYY-MM-DD.
func isoDay(t time.Time) string { return t.Format(time.DateOnly) }

// parseDay reads YYYY-MM-DD as a civil date (midnight UTC, as date()).
func parseDay(s string) (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	return t, err == nil
}
