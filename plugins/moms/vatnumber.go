package moms

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// EU VAT numbers (momsregistreringsnumre) as a buyer's VAT number appears on
// an EU sale and on the EU sales list: a two-letter prefix (EL for Greece,
// XI for Northern Ireland's goods trade) and the national number. The
// formats below are the member states' published layouts (the European
// Commission's VIES form rules); only the Danish number's check digit is
// checked (modulus 11, reference § 2.5), since the reference gives no other
// country's. The form proves nothing about registration: VIES does.

// vatFormats is each prefix's national-number layout.
var vatFormats = map[string]*regexp.Regexp{
	"AT": regexp.MustCompile(`^U\d{8}$`),
	"BE": regexp.MustCompile(`^[01]\d{9}$`),
	"BG": regexp.MustCompile(`^\d{9,10}$`),
	"CY": regexp.MustCompile(`^\d{8}[A-Z]$`),
	"CZ": regexp.MustCompile(`^\d{8,10}$`),
	"DE": regexp.MustCompile(`^\d{9}$`),
	"DK": regexp.MustCompile(`^\d{8}$`),
	"EE": regexp.MustCompile(`^\d{9}$`),
	"EL": regexp.MustCompile(`^\d{9}$`),
	"ES": regexp.MustCompile(`^[A-Z0-9]\d{7}[A-Z0-9]$`),
	"FI": regexp.MustCompile(`^\d{8}$`),
	"FR": regexp.MustCompile(`^[A-HJ-NP-Z0-9]{2}\d{9}$`),
	"HR": regexp.MustCompile(`^\d{11}$`),
	"HU": regexp.MustCompile(`^\d{8}$`),
	"IE": regexp.MustCompile(`^(\d{7}[A-W][A-IW]?|\d[A-Z+*]\d{5}[A-W])$`),
	"IT": regexp.MustCompile(`^\d{11}$`),
	"LT": regexp.MustCompile(`^(\d{9}|\d{12})$`),
	"LU": regexp.MustCompile(`^\d{8}$`),
	"LV": regexp.MustCompile(`^\d{11}$`),
	"MT": regexp.MustCompile(`^\d{8}$`),
	"NL": regexp.MustCompile(`^\d{9}B\d{2}$`),
	"PL": regexp.MustCompile(`^\d{10}$`),
	"PT": regexp.MustCompile(`^\d{9}$`),
	"RO": regexp.MustCompile(`^[1-9]\d{1,9}$`),
	"SE": regexp.MustCompile(`^\d{10}01$`),
	"SI": regexp.MustCompile(`^[1-9]\d{7}$`),
	"SK": regexp.MustCompile(`^[1-9]\d{9}$`),
	"XI": regexp.MustCompile(`^(\d{9}|\d{12}|GD\d{3}|HA\d{3})$`),
}

// vatPrefix maps an ISO country code to its VAT prefix (Greece is EL).
func vatPrefix(country string) string {
	c := strings.ToUpper(strings.TrimSpace(country))
	if c == "GR" {
		return "EL"
	}
	return c
}

// isEUCountry reports whether an ISO country code is an EU member state.
func isEUCountry(country string) bool {
	p := vatPrefix(country)
	_, ok := vatFormats[p]
	return ok && p != "XI"
}

// vatNumber is a parsed VAT number.
type vatNumber struct {
	Valid   bool
	Number  string // prefix and national number, compact: DE123456789
	Country string // the prefix
	Message string // when invalid, what is wrong
}

// parseVATNumber reads a VAT number as people write it (spaces, dots,
// dashes, any case). A number without a prefix takes the country's
// (countryHint, an ISO code such as the contact's countryId).
func parseVATNumber(raw, countryHint string) vatNumber {
	var b strings.Builder
	for _, r := range raw {
		switch {
		case unicode.IsSpace(r) || r == '.' || r == '-' || r == '/':
		case r > unicode.MaxASCII:
			return vatNumber{Message: fmt.Sprintf("%q is not a character of a VAT number", r)}
		default:
			b.WriteRune(unicode.ToUpper(r))
		}
		if b.Len() > 20 {
			return vatNumber{Message: "too long for a VAT number"}
		}
	}
	s := b.String()
	if s == "" {
		return vatNumber{Message: "empty"}
	}
	prefix, body := "", s
	if len(s) >= 2 && isLetter(s[0]) && isLetter(s[1]) {
		if p := vatPrefix(s[:2]); vatFormats[p] != nil {
			prefix, body = p, s[2:]
		}
	}
	if prefix == "" {
		prefix = vatPrefix(countryHint)
		if prefix == "" {
			return vatNumber{Message: "it has no country prefix and the country is not known"}
		}
	}
	re := vatFormats[prefix]
	out := vatNumber{Country: prefix, Number: prefix + body}
	if re == nil {
		out.Message = fmt.Sprintf("%s is not an EU VAT prefix", prefix)
		return out
	}
	if !re.MatchString(body) {
		out.Message = fmt.Sprintf("a %s VAT number has the form %s after the prefix, got %q", prefix, layoutOf(prefix), body)
		return out
	}
	if prefix == "DK" {
		if c := checkCVR(body); !c.Valid {
			out.Message = "the Danish number fails the CVR check: " + c.Message
			return out
		}
	}
	out.Valid = true
	return out
}

func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' }

// layoutOf describes a format for messages.
func layoutOf(prefix string) string {
	return strings.NewReplacer(`\d`, "digit", "^", "", "$", "").Replace(vatFormats[prefix].String())
}
