package dkfmt

import (
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Number prints d rounded to places decimals, "." between thousands and
// "," before the decimals: 14.250,00. A value that rounds to zero has no
// minus sign.
func Number(d decimal.Decimal, places int32) string {
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

// Amount is an amount of money with its øre, without a currency: 1.250,00.
func Amount(d decimal.Decimal) string { return Number(d, 2) }

// Kr is an amount in Danish kroner: 1.250,00 kr.
func Kr(d decimal.Decimal) string { return Amount(d) + " kr." }

var months = [...]string{"januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
	"september", "oktober", "november", "december"}

// Month is a month's Danish name, lower case as Danish writes it: marts.
func Month(m time.Month) string { return months[m-1] }

// Date is a day as Danes write it in text: 16. november 2026.
func Date(t time.Time) string {
	return t.Format("2.") + " " + months[t.Month()-1] + " " + t.Format("2006")
}

// DateISO is Date of an ISO date (YYYY-MM-DD); anything else comes back as
// it is, so a caller can pass what it was given.
func DateISO(iso string) string {
	t, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		return iso
	}
	return Date(t)
}
