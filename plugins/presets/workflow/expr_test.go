package workflow

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Expressions compute in float64: amounts read from tool outputs and
// literals pass through exactly, rounded arithmetic is fine, and a binary
// artefact is refused before it can reach Billy as money.
func TestExpressionNumbersAreExact(t *testing.T) {
	env := map[string]any{
		"inputs": map[string]any{"rate": plain(json.Number("1.25"))},
		"steps": map[string]any{"invoice": plain(map[string]any{
			"grossAmount": json.Number("24343.75"),
			"lines":       []any{map[string]any{"unitPrice": json.Number("0.1")}, map[string]any{"unitPrice": json.Number("0.2")}},
		})},
	}
	for _, tc := range []struct {
		arg     string
		want    any
		wantErr string
	}{
		{arg: "${{ steps.invoice.grossAmount }}", want: 24343.75},
		{arg: "${{ 1234.5678 }}", want: 1234.5678},
		{arg: "${{ round(steps.invoice.grossAmount * inputs.rate * 100) / 100 }}", want: 30429.69},
		{arg: "${{ steps.invoice.lines[0].unitPrice + steps.invoice.lines[1].unitPrice }}", wantErr: "gave 0.30000000000000004, a binary floating-point result"},
		{arg: "paid ${{ 0.1 * 3 }} kr.", wantErr: `expression "0.1 * 3" gave 0.30000000000000004`},
		{arg: "${{ [0.1 + 0.2] }}", wantErr: "not an exact amount"},
		{arg: "${{ steps.invoice.lines }}", want: []any{map[string]any{"unitPrice": 0.1}, map[string]any{"unitPrice": 0.2}}},
		{arg: "${{ 7 / 2 }}", want: 3.5},
	} {
		got, err := resolve(tc.arg, env)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: error %v, want one containing %q", tc.arg, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.arg, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.arg, diff)
		}
	}
}
