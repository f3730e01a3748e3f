package invoices

import (
	"github.com/billy-mcp/billy-mcp/plugins/internal/dkfmt"
	"strings"

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
	s := dkfmt.Number(d, minorUnits(currency))
	if currency == "" || strings.EqualFold(currency, "DKK") {
		return s + " kr."
	}
	return s + " " + strings.ToUpper(currency)
}

// danishDecimal prints a rate or unit price with the decimals it has, at
// least min: 7,46; 2,3456; 950,00.
func danishDecimal(d decimal.Decimal, min int32) string {
	return dkfmt.Number(d, max(min, decimalsOf(d)))
}

// decimalsOf counts d's decimals, trailing zeros left out.
func decimalsOf(d decimal.Decimal) int32 {
	s := plain(d)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return int32(len(s) - i - 1)
	}
	return 0
}
