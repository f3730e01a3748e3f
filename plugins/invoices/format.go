package invoices

import (
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Text meant for people (messages, previews, the email to the customer)
// uses Danish formats: 1.250,00 kr., 16. november 2026. A Dane reads
// "1,250.00" as one and a quarter. Structured content keeps machine formats
// (ISO dates, plain numbers next to a currency code), so the two never mix
// in one field.

// money formats an amount for people: "1.250,00 kr." in Danish kroner,
// "1.195,31 EUR" in other currencies (Danish convention writes the code
// after the amount).
func money(d decimal.Decimal, currency string) string {
	s := danishNumber(d, minorUnits(currency))
	if currency == "" || strings.EqualFold(currency, "DKK") {
		return s + " kr."
	}
	return s + " " + strings.ToUpper(currency)
}

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

// danishDecimal prints a rate or unit price with the decimals it has, at
// least min: 7,46; 2,3456; 950,00.
func danishDecimal(d decimal.Decimal, min int32) string {
	return danishNumber(d, max(min, decimalsOf(d)))
}

// decimalsOf counts d's decimals, trailing zeros left out.
func decimalsOf(d decimal.Decimal) int32 {
	s := plain(d)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return int32(len(s) - i - 1)
	}
	return 0
}

var danishMonths = [...]string{"januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
	"september", "oktober", "november", "december"}

// danishDate prints an ISO date for people: "16. november 2026". Anything
// that is not a date is returned as it is.
func danishDate(iso string) string {
	t, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		return iso
	}
	return t.Format("2.") + " " + danishMonths[t.Month()-1] + " " + t.Format("2006")
}
