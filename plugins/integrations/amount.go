package integrations

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Decimal marks of a file's amounts.
const (
	decimalComma = "comma" // Danish: 1.234,56 (groups by '.', space or NBSP)
	decimalDot   = "dot"   // 1234.56 (Nykredit's converting export preset)
)

// maxAmountDigits bounds an amount's integer digits: no bank line is
// anywhere near 10^13 kroner, and the bound keeps a hostile file from
// building huge decimals.
const maxAmountDigits = 13

// parseAmount reads one amount in the file's decimal mark, as a decimal,
// never a float (integrations.md § 1.3 rule 4): an optional sign in front
// (+, -, or U+2212) or a minus at the end ("250-"); with a comma mark,
// digit groups separated by '.', a space, NBSP or narrow NBSP, each group
// of three after the first; up to six decimals (Dinero writes six). It
// refuses irregular grouping ("12.34,00") and the other notation
// ("1,234.00" in a comma file).
func parseAmount(raw, mark string) (decimal.Decimal, error) {
	s := strings.TrimSpace(strings.Map(func(r rune) rune {
		if r == '\u00a0' || r == '\u202f' {
			return ' '
		}
		if r == '\u2212' {
			return '-'
		}
		return r
	}, raw))
	if s == "" {
		return decimal.Zero, fmt.Errorf("the amount is empty")
	}
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, strings.TrimSpace(s[1:])
	case strings.HasPrefix(s, "+"):
		s = strings.TrimSpace(s[1:])
	case strings.HasSuffix(s, "-"):
		neg, s = true, strings.TrimSpace(s[:len(s)-1])
	}
	intPart, frac := s, ""
	groupSeps := ".  "
	switch mark {
	case decimalDot:
		if i := strings.LastIndexByte(s, '.'); i >= 0 {
			intPart, frac = s[:i], s[i+1:]
		}
		groupSeps = " "
		if strings.ContainsRune(s, ',') {
			return decimal.Zero, fmt.Errorf("%q has a comma, but this file writes amounts as 1234.56", raw)
		}
	default:
		if i := strings.IndexByte(s, ','); i >= 0 {
			intPart, frac = s[:i], s[i+1:]
		}
	}
	if frac != "" || strings.HasSuffix(s, ",") || (mark == decimalDot && strings.HasSuffix(s, ".")) {
		if frac == "" || len(frac) > 6 || !digitsOnly(frac) {
			return decimal.Zero, fmt.Errorf("%q is not an amount: the decimals after the mark must be 1 to 6 digits", raw)
		}
	}
	digits, err := ungroup(intPart, groupSeps)
	if err != nil {
		return decimal.Zero, fmt.Errorf("%q is not an amount in Danish notation (like -1.234,56): %v", raw, err)
	}
	if len(strings.TrimLeft(digits, "0")) > maxAmountDigits {
		return decimal.Zero, fmt.Errorf("%q is too large for a bank line", raw)
	}
	num := digits
	if frac != "" {
		num += "." + frac
	}
	d, err := decimal.NewFromString(num)
	if err != nil {
		return decimal.Zero, fmt.Errorf("%q is not an amount", raw)
	}
	if neg {
		d = d.Neg()
	}
	return d, nil
}

// ungroup checks an amount's integer part and returns its digits: either
// plain digits, or groups split by one kind of separator from seps, the
// first of 1 to 3 digits and every other of exactly 3.
func ungroup(s, seps string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("there are no digits before the decimal mark")
	}
	if digitsOnly(s) {
		return s, nil
	}
	sep := rune(0)
	for _, r := range s {
		if r >= '0' && r <= '9' {
			continue
		}
		if !strings.ContainsRune(seps, r) {
			return "", fmt.Errorf("%q is not a digit or a thousands separator", r)
		}
		if sep == 0 {
			sep = r
		} else if r != sep {
			return "", fmt.Errorf("it mixes thousands separators")
		}
	}
	groups := strings.Split(s, string(sep))
	for i, g := range groups {
		if g == "" || !digitsOnly(g) || (i == 0 && len(g) > 3) || (i > 0 && len(g) != 3) {
			return "", fmt.Errorf("the digit groups are irregular (thousands come in groups of three)")
		}
	}
	return strings.Join(groups, ""), nil
}

func digitsOnly(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// sniffDecimalMark decides a file's decimal mark from its amount cells: a
// comma anywhere means the Danish comma; otherwise, when every amount with
// a dot has exactly one dot followed by one or two digits, the dot is the
// decimal mark (Nykredit's converting preset); else the Danish comma (the
// dots are thousands separators).
func sniffDecimalMark(cells []string) string {
	dotDecimals := false
	for _, c := range cells {
		c = strings.TrimSpace(c)
		if strings.ContainsRune(c, ',') {
			return decimalComma
		}
		if i := strings.IndexByte(c, '.'); i >= 0 {
			frac := strings.TrimRight(c[i+1:], "-")
			if strings.Count(c, ".") != 1 || len(frac) < 1 || len(frac) > 2 || !digitsOnly(frac) {
				return decimalComma
			}
			dotDecimals = true
		}
	}
	if dotDecimals {
		return decimalDot
	}
	return decimalComma
}

// Date layouts the profiles use (Go reference layouts).
const (
	dateDMYDot   = "02.01.2006"
	dateDMYDash  = "02-01-2006"
	dateYMDSlash = "2006/01/02"
	dateISO      = "2006-01-02"
)

// dateFormats names the layouts for the generic mapper's date_format.
var dateFormats = map[string]string{
	"DD.MM.YYYY": dateDMYDot, "DD-MM-YYYY": dateDMYDash, "YYYY/MM/DD": dateYMDSlash, "YYYY-MM-DD": dateISO,
}

// parseDate reads a date strictly in layout and returns it as YYYY-MM-DD;
// impossible dates (31.09, 29.02 in a common year) are refused, as
// time.Parse does.
func parseDate(raw, layout string) (string, error) {
	s := strings.TrimSpace(raw)
	t, err := time.Parse(layout, s)
	if err != nil || len(s) != len(layout) {
		return "", fmt.Errorf("%q is not a date of the form %s", raw, humanLayout(layout))
	}
	return t.Format(dateISO), nil
}

func humanLayout(layout string) string {
	for k, v := range dateFormats {
		if v == layout {
			return k
		}
	}
	return layout
}
