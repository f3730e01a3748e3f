package export

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// DaNumber is d with places decimals in Danish format: 1.234,56.
func DaNumber(d decimal.Decimal, places int32) string {
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

// DaAmount is 1.234,56 kr. for DKK, 1.234,56 EUR otherwise.
func DaAmount(d decimal.Decimal, currency string) string {
	if currency == "" || currency == "DKK" {
		return DaNumber(d, 2) + " kr."
	}
	return DaNumber(d, 2) + " " + currency
}

// DaDate is 27.11.2026 for an ISO date; anything else as it is.
func DaDate(iso string) string {
	t, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		return iso
	}
	return t.Format("02.01.2006")
}

// human is a cell as the PDF writes it.
func human(v any, k Kind, currency string) string {
	if v == nil {
		return ""
	}
	switch k {
	case Money:
		if d, ok := dec(v); ok {
			return DaNumber(d, 2)
		}
	case Int:
		if d, ok := dec(v); ok {
			return DaNumber(d, 0)
		}
	case Number:
		if d, ok := dec(v); ok {
			if d.Equal(d.Round(0)) {
				return DaNumber(d, 0)
			}
			return DaNumber(d, 2)
		}
	case Percent:
		if d, ok := dec(v); ok {
			return DaNumber(d, 1) + " %"
		}
	case Date:
		if s, ok := v.(string); ok {
			return DaDate(s)
		}
	}
	if s, ok := v.(string); ok {
		return s
	}
	return strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(strings.TrimSpace(fmt.Sprint(v)), "\n", " "), "\t", " "))
}
