package moms

import (
	"context"
	"fmt"
	"testing"

	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestValidateCVR(t *testing.T) {
	h := sdktest.New(t, New())
	valid := func(n string) CVROutput { return CVROutput{Valid: true, Normalized: n, VATNumber: "DK" + n} }
	tests := []struct {
		name, cvr string
		want      CVROutput
	}{
		// TV1: Erhvervsstyrelsen's own example.
		{"TV1", "13748136", valid("13748136")},
		{"TV1 with spaces", "13 74 81 36", valid("13748136")},
		{"TV1 as VAT number", "DK13748136", valid("13748136")},
		{"TV1 lower-case prefix, spaces, tab", " dk 1374 8136\t", valid("13748136")},
		// TV2: a valid number and its sibling with the last digit changed.
		{"TV2 valid sibling", "13585628", valid("13585628")},
		{"TV2 invalid", "13585627", CVROutput{Normalized: "13585627", Reason: "checksum"}},
		{"TV2 check digit 0", "24256790", valid("24256790")},
		{"TV2 remainder 1", "24256791", CVROutput{Normalized: "24256791", Reason: "checksum"}},
		// Reference § 2.5: the number from stdnum-js issue #135 is valid.
		{"stdnum-js #135", "DK19319970", valid("19319970")},
		// TV3: no leading 0, digits only, 8 of them.
		{"leading zero", "01374813", CVROutput{Normalized: "01374813", Reason: "leading_zero"}},
		{"letter", "1374813A", CVROutput{Normalized: "1374813A", Reason: "non_digit"}},
		{"hyphens", "1374-8136", CVROutput{Normalized: "1374-8136", Reason: "non_digit"}},
		{"other country prefix", "SE13748136", CVROutput{Normalized: "SE13748136", Reason: "non_digit"}},
		{"7 digits", "1374813", CVROutput{Normalized: "1374813", Reason: "length"}},
		{"9 digits", "137481360", CVROutput{Normalized: "137481360", Reason: "length"}},
		{"prefix only", "DK", CVROutput{Normalized: "", Reason: "length"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got CVROutput
			if err := h.CallToolInto(context.Background(), "validate_cvr", CVRInput{CVR: tt.cvr}, &got); err != nil {
				t.Fatal(err)
			}
			if !got.Valid && got.Message == "" {
				t.Errorf("invalid without a message: %+v", got)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(CVROutput{}, "Message")); diff != "" {
				t.Errorf("validate_cvr(%q) (-want +got):\n%s", tt.cvr, diff)
			}
		})
	}
}

// TestCVRImpossiblePrefix is TV3: for 1000005x the check digit would have
// to be 10, so all ten numbers are invalid.
func TestCVRImpossiblePrefix(t *testing.T) {
	for d := range 10 {
		n := fmt.Sprintf("1000005%d", d)
		if got := checkCVR(n); got.Valid || got.Reason != "checksum" {
			t.Errorf("checkCVR(%s) = %+v, want a checksum failure", n, got)
		}
	}
}

// TestCVROneCheckDigitPerPrefix: apart from prefixes like TV3's, exactly one
// check digit makes a 7-digit prefix valid, as the modulus-11 rule implies.
func TestCVROneCheckDigitPerPrefix(t *testing.T) {
	for _, prefix := range []string{"1374813", "1358562", "2425679", "1931997", "9999999", "1000000"} {
		valid := 0
		for d := range 10 {
			if checkCVR(fmt.Sprintf("%s%d", prefix, d)).Valid {
				valid++
			}
		}
		if valid != 1 {
			t.Errorf("prefix %s: %d valid check digits, want 1", prefix, valid)
		}
	}
}

func TestValidateCVRRejectsBadInput(t *testing.T) {
	h := sdktest.New(t, New())
	for _, in := range []string{"", "   ", "1374813612345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345"} {
		var got CVROutput
		err := h.CallToolInto(context.Background(), "validate_cvr", CVRInput{CVR: in}, &got)
		wantFieldError(t, err, "cvr")
	}
}
