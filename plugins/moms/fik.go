package moms

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/billy-mcp/billy-mcp/plugins/internal/fik"
	"github.com/billy-mcp/billy-mcp/sdk"
)

// FIK (Fælles Indbetalingskort) +71 payment codes (reference § 5.4, R15,
// TV12): the code line is +71<PAYMENTID+CREDITOR<, where the payment ID is
// 15 digits, 14 of payload and a Luhn (modulus 10) check digit, and the
// creditor (FI-kreditornummer) is 8 digits starting with 8. The check
// digit's algorithm is confirmed by worked examples and an open-source
// validator, not a bank's specification (reference § 8 item 12).

const (
	fikIDLen      = 15
	fikPayloadLen = 14
)

// FIKInput is the input of fik_code.
type FIKInput struct {
	Number   string `json:"number,omitempty" jsonschema:"to generate: the payload, e.g. the invoice number (digits, up to 14)"`
	Creditor string `json:"creditor,omitempty" jsonschema:"the 8-digit FI creditor number, for the code line"`
	Code     string `json:"code,omitempty" jsonschema:"to check: a code line +71<ID+CREDITOR< or a 15-digit payment ID"`
}

// FIKOutput is the output of fik_code.
type FIKOutput struct {
	Valid     bool   `json:"valid"`
	PaymentID string `json:"payment_id,omitempty"`
	CodeLine  string `json:"code_line,omitempty"`
	Creditor  string `json:"creditor,omitempty"`
	Reason    string `json:"reason,omitempty" jsonschema:"when invalid: format, card_type, length, check_digit or creditor"`
	Message   string `json:"message,omitempty"`
}

func fikCodeTool() sdk.Tool {
	return sdk.NewTool(pureSpec(sdk.ToolSpec{
		Name:        "fik_code",
		Title:       "FIK +71 payment code",
		Description: "Generates a FIK +71 payment ID and code line from an invoice number (Luhn check digit), or checks one.",
		Examples: []sdk.Example{
			{Title: "For invoice 1234", Arguments: FIKInput{Number: "1234", Creditor: "81234567"}},
			{Title: "Check a code line", Arguments: FIKInput{Code: "+71<000000000012344+81234567<"}},
		},
	}), func(_ context.Context, _ *sdk.Call, in FIKInput) (FIKOutput, error) {
		switch {
		case in.Code != "" && in.Number != "":
			return FIKOutput{}, sdk.Invalid("code", "give either number (to generate) or code (to check), not both")
		case len(in.Code) > maxInputLen || len(in.Number) > maxInputLen || len(in.Creditor) > maxInputLen:
			return FIKOutput{}, sdk.Invalid("code", "at most %d characters", maxInputLen)
		case in.Code != "":
			out := checkFIK(in.Code)
			if out.Valid && in.Creditor != "" && compactDigits(in.Creditor) != out.Creditor && out.Creditor != "" {
				out.Valid, out.Reason, out.Message = false, "creditor", fmt.Sprintf("the code line's creditor %s is not %s", out.Creditor, in.Creditor)
			}
			return out, nil
		case in.Number != "":
			return generateFIK(in.Number, in.Creditor)
		}
		return FIKOutput{}, sdk.Invalid("number", "give number (to generate a payment ID) or code (to check one)")
	})
}

// luhnDigit is the Luhn check digit of a digit string (reference § 5.4;
// the CPAN module's 10 for a sum divisible by 10 is its bug). The rules
// live in plugins/internal/fik, shared with the integrations plugin, which
// finds these IDs in bank lines.
func luhnDigit(payload string) byte { return fik.CheckDigit(payload) }

func compactDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// checkCreditor says what is wrong with an FI creditor number, or "".
func checkCreditor(c string) string {
	if len(c) != 8 || !allDigits(c) || c[0] != '8' {
		return fmt.Sprintf("an FI creditor number has 8 digits and starts with 8, got %q", c)
	}
	return ""
}

func generateFIK(number, creditor string) (FIKOutput, error) {
	n := compactDigits(number)
	if n == "" || !allDigits(n) {
		return FIKOutput{}, sdk.Invalid("number", "must be digits only (an invoice number such as 1234), got %q", number)
	}
	if len(n) > fikPayloadLen {
		return FIKOutput{}, sdk.Invalid("number", "has %d digits; a +71 payment ID carries at most %d before its check digit", len(n), fikPayloadLen)
	}
	payload := strings.Repeat("0", fikPayloadLen-len(n)) + n
	out := FIKOutput{Valid: true, PaymentID: payload + string(luhnDigit(payload))}
	if creditor != "" {
		c := compactDigits(creditor)
		if msg := checkCreditor(c); msg != "" {
			return FIKOutput{}, sdk.Invalid("creditor", "%s", msg)
		}
		out.Creditor = c
		out.CodeLine = "+71<" + out.PaymentID + "+" + c + "<"
	} else {
		out.Message = "give creditor (the 8-digit FI creditor number from the bank) for the whole code line"
	}
	return out, nil
}

// checkFIK checks a code line (+71<ID+CREDITOR<, spaces allowed) or a bare
// payment ID.
func checkFIK(raw string) FIKOutput {
	s := compactDigits(raw)
	out := FIKOutput{}
	bad := func(reason, format string, args ...any) FIKOutput {
		out.Valid, out.Reason, out.Message = false, reason, fmt.Sprintf(format, args...)
		return out
	}
	id := s
	if strings.HasPrefix(s, "+") {
		body := strings.TrimSuffix(strings.TrimPrefix(s, "+"), "<")
		card, rest, ok := strings.Cut(body, "<")
		if !ok {
			return bad("format", "a code line reads +71<PAYMENTID+CREDITOR<, got %q", raw)
		}
		if card != "71" {
			return bad("card_type", "this checks +71 codes; card type %q is another kind (+73 has no payment ID, +75 a 16-digit one)", card)
		}
		pid, cred, ok := strings.Cut(rest, "+")
		if !ok {
			return bad("format", "a code line reads +71<PAYMENTID+CREDITOR<, got %q", raw)
		}
		if msg := checkCreditor(cred); msg != "" {
			return bad("creditor", "%s", msg)
		}
		id, out.Creditor = pid, cred
	}
	if !allDigits(id) {
		return bad("format", "a payment ID has only digits, got %q", id)
	}
	if len(id) != fikIDLen {
		return bad("length", "a +71 payment ID has %d digits, got %d", fikIDLen, len(id))
	}
	out.PaymentID = id
	if want := luhnDigit(id[:fikPayloadLen]); id[fikPayloadLen] != want {
		return bad("check_digit", "the check digit is %c, but the Luhn check of %s gives %c", id[fikPayloadLen], id[:fikPayloadLen], want)
	}
	out.Valid = true
	if out.Creditor != "" {
		out.CodeLine = "+71<" + id + "+" + out.Creditor + "<"
	}
	return out
}
