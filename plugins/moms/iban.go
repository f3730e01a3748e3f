package moms

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// IBAN rules. ISO 13616: two letters (country), two check digits, and a
// country-specific BBAN of up to 30 letters and digits; the whole IBAN,
// with the first four characters moved to the end and letters mapped
// A=10..Z=35, is 1 modulo 97. Reference § 5.6 and TV13 give the Danish form:
// DK, check digits, 4-digit reg.nr. and 10-digit account number, 18
// characters in all. The reference has no other country's layout, so other
// countries get the generic checks only, and the output says so.
const (
	ibanMinLen = 5 // country, check digits, at least one BBAN character
	ibanMaxLen = 34
	dkIBANLen  = 18
)

// IBANInput is the input of validate_iban.
type IBANInput struct {
	IBAN string `json:"iban"`
}

// IBANOutput is the output of validate_iban.
type IBANOutput struct {
	Valid bool `json:"valid"`
	// Normalized is filled in even when invalid, so the caller sees what was
	// checked.
	Normalized string `json:"normalized" jsonschema:"upper case, in groups of 4 as IBANs are printed"`
	Compact    string `json:"compact" jsonschema:"upper case without spaces, the electronic form"`
	Country    string `json:"country,omitempty" jsonschema:"the two-letter country code"`
	// CountryFormatChecked is false when only the generic ISO 13616 checks
	// apply because the country's length and BBAN format are not known here.
	CountryFormatChecked bool   `json:"country_format_checked" jsonschema:"true if the country's own length and account format are known and checked (only DK's are)"`
	RegNumber            string `json:"reg_number,omitempty" jsonschema:"for a valid DK IBAN: the 4-digit bank registration number (reg.nr.)"`
	AccountNumber        string `json:"account_number,omitempty" jsonschema:"for a valid DK IBAN: the 10-digit account number, zero-padded"`
	Reason               string `json:"reason,omitempty" jsonschema:"when invalid: invalid_character, length, country_code, check_digits, bban_format or checksum"`
	Message              string `json:"message,omitempty" jsonschema:"when invalid: what is wrong, in words"`
}

func validateIBANTool() sdk.Tool {
	return sdk.NewTool(pureSpec(sdk.ToolSpec{
		Name:  "validate_iban",
		Title: "Validate an IBAN",
		Description: "Checks that an IBAN is well-formed (ISO 13616, mod-97); a Danish one also by length, split into reg.nr. " +
			"and account number. It proves the form, not that the account exists.",
		Examples: []sdk.Example{
			{Title: "A Danish IBAN", Arguments: IBANInput{IBAN: "DK50 0040 0440 1162 43"}},
		},
	}), func(_ context.Context, _ *sdk.Call, in IBANInput) (IBANOutput, error) {
		if strings.TrimSpace(in.IBAN) == "" {
			return IBANOutput{}, sdk.Invalid("iban", "must not be blank")
		}
		if len(in.IBAN) > maxInputLen {
			return IBANOutput{}, sdk.Invalid("iban", "at most %d characters, got %d", maxInputLen, len(in.IBAN))
		}
		return checkIBAN(in.IBAN), nil
	})
}

// normalizeIBAN drops whitespace and upper-cases ASCII letters. Other
// characters are kept, for checkIBAN to reject by name.
func normalizeIBAN(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return -1
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, s)
}

// groupBy4 prints an IBAN the way banks do: groups of 4 separated by spaces.
func groupBy4(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n > 0 && n%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// checkIBAN validates an IBAN given with or without spaces.
func checkIBAN(raw string) IBANOutput {
	s := normalizeIBAN(raw)
	out := IBANOutput{Normalized: groupBy4(s), Compact: s}
	invalid := func(reason, format string, args ...any) IBANOutput {
		out.Reason, out.Message = reason, fmt.Sprintf(format, args...)
		return out
	}
	for i, r := range s {
		if !isUpper(r) && !isDigit(r) {
			return invalid("invalid_character", "an IBAN has only letters and digits; found %q at position %d", r, i+1)
		}
	}
	if len(s) < ibanMinLen || len(s) > ibanMaxLen {
		return invalid("length", "an IBAN has %d to %d characters, got %d", ibanMinLen, ibanMaxLen, len(s))
	}
	if !isUpper(rune(s[0])) || !isUpper(rune(s[1])) {
		return invalid("country_code", "an IBAN starts with a two-letter country code, got %q", s[:2])
	}
	out.Country = s[:2]
	out.CountryFormatChecked = out.Country == "DK"
	if !isDigit(rune(s[2])) || !isDigit(rune(s[3])) {
		return invalid("check_digits", "characters 3 and 4 of an IBAN are check digits, got %q", s[2:4])
	}
	// The ISO 7064 MOD 97-10 check digits are 98 - (n mod 97), always 02-98.
	// 00, 01 and 99 can still satisfy "mod 97 = 1" by aliasing (97 ≡ 0,
	// 99 ≡ 2), so they are rejected explicitly [derived].
	if cd := s[2:4]; cd == "00" || cd == "01" || cd == "99" {
		return invalid("check_digits", "check digits are between 02 and 98, got %s", cd)
	}
	if out.Country == "DK" {
		if len(s) != dkIBANLen {
			return invalid("length", "a Danish IBAN has %d characters, got %d", dkIBANLen, len(s))
		}
		if strings.IndexFunc(s[4:], func(r rune) bool { return !isDigit(r) }) >= 0 {
			return invalid("bban_format", "after DK and the check digits a Danish IBAN has 14 digits (reg.nr. and account number), got %q", s[4:])
		}
	}
	if m := ibanMod97(s); m != 1 {
		return invalid("checksum", "the mod-97 check fails (remainder %d, must be 1), so a character is wrong or two are swapped", m)
	}
	out.Valid = true
	if out.Country == "DK" {
		out.RegNumber, out.AccountNumber = s[4:8], s[8:]
	}
	return out
}

// ibanMod97 computes the ISO 13616 remainder of an upper-case alphanumeric
// IBAN piecewise, so IBANs of any length fit in an int.
func ibanMod97(s string) int {
	rearranged := s[4:] + s[:4]
	m := 0
	for _, r := range rearranged {
		if isDigit(r) {
			m = (m*10 + int(r-'0')) % 97
		} else {
			m = (m*100 + int(r-'A'+10)) % 97
		}
	}
	return m
}

func isUpper(r rune) bool { return r >= 'A' && r <= 'Z' }
func isDigit(r rune) bool { return r >= '0' && r <= '9' }
