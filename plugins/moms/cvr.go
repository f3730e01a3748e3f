package moms

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// cvrWeights are the modulus-11 weights for the 8 digits of a CVR number.
// Reference § 2.5 and R12 (Erhvervsstyrelsen, "Alle CVR-numre overholder
// det såkaldte modulus 11-check"): weights 2,7,6,5,4,3,2 on digits 1-7 and
// the 8th is the check digit, which is the same as weights 2,7,6,5,4,3,2,1
// over all 8 with a sum divisible by 11. Verified against TV1-TV3.
var cvrWeights = [8]int{2, 7, 6, 5, 4, 3, 2, 1}

// maxInputLen bounds identifier inputs; anything longer is not an attempt
// at a CVR number or IBAN.
const maxInputLen = 100

// CVRInput is the input of validate_cvr.
type CVRInput struct {
	CVR string `json:"cvr" jsonschema:"8 digits; spaces and a DK prefix allowed"`
}

// CVROutput is the output of validate_cvr.
type CVROutput struct {
	Valid bool `json:"valid"`
	// Normalized is the input without spaces and DK prefix, even when invalid,
	// so the caller sees what was checked.
	Normalized string `json:"normalized" jsonschema:"the number as checked: digits only, without spaces and DK prefix"`
	VATNumber  string `json:"vat_number,omitempty" jsonschema:"the EU VAT number (DK + CVR), when valid"`
	Reason     string `json:"reason,omitempty" jsonschema:"when invalid: non_digit, length, leading_zero or checksum"`
	Message    string `json:"message,omitempty" jsonschema:"when invalid: what is wrong, in words"`
}

func validateCVRTool() sdk.Tool {
	return sdk.NewTool(pureSpec(sdk.ToolSpec{
		Name:  "validate_cvr",
		Title: "Validate a Danish CVR number",
		Description: "Checks that a Danish CVR number is well-formed (modulus 11) and gives its EU VAT number. " +
			"It proves the form, not that the company exists. Not for P-numbers.",
		Examples: []sdk.Example{
			{Title: "Erhvervsstyrelsen's example", Arguments: CVRInput{CVR: "13748136"}},
			{Title: "An EU VAT number", Arguments: CVRInput{CVR: "DK 13 74 81 36"}},
		},
	}), func(_ context.Context, _ *sdk.Call, in CVRInput) (CVROutput, error) {
		if strings.TrimSpace(in.CVR) == "" {
			return CVROutput{}, sdk.Invalid("cvr", "must not be blank")
		}
		if len(in.CVR) > maxInputLen {
			return CVROutput{}, sdk.Invalid("cvr", "at most %d characters, got %d", maxInputLen, len(in.CVR))
		}
		return checkCVR(in.CVR), nil
	})
}

// normalizeCVR drops whitespace anywhere and a leading DK (any case).
func normalizeCVR(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	if len(s) >= 2 && strings.EqualFold(s[:2], "DK") {
		s = s[2:]
	}
	return s
}

// checkCVR validates a CVR number given in any accepted form.
func checkCVR(raw string) CVROutput {
	n := normalizeCVR(raw)
	out := CVROutput{Normalized: n}
	invalid := func(reason, format string, args ...any) CVROutput {
		out.Reason, out.Message = reason, fmt.Sprintf(format, args...)
		return out
	}
	for i, r := range n {
		if r < '0' || r > '9' {
			return invalid("non_digit", "a CVR number has only digits; found %q at position %d", r, i+1)
		}
	}
	if len(n) != 8 {
		return invalid("length", "a CVR number has 8 digits, got %d", len(n))
	}
	// No CVR number starts with 0 (reference TV3, following python-stdnum).
	if n[0] == '0' {
		return invalid("leading_zero", "a CVR number does not start with 0")
	}
	sum := 0
	for i, w := range cvrWeights {
		sum += int(n[i]-'0') * w
	}
	if sum%11 != 0 {
		return invalid("checksum", "the modulus-11 check fails (weighted sum %d leaves remainder %d), so a digit is wrong or two are swapped", sum, sum%11)
	}
	out.Valid = true
	out.VATNumber = "DK" + n
	return out
}
