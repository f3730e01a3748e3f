package moms

import (
	"context"
	"errors"
	"testing"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func ptr[T any](v T) *T { return &v }

func TestCalculateVAT(t *testing.T) {
	h := sdktest.New(t, New())
	tests := []struct {
		name string
		args any
		want VATOutput
	}{
		// Reference TV5: VAT in a VAT-inclusive price is 20 % of it.
		{"TV5 gross 1249.00", VATInput{Amount: 1249, Direction: "gross_to_net"}, VATOutput{Net: 999.20, VAT: 249.80, Gross: 1249, RatePercent: 25}},
		{"TV5 check net 999.20", VATInput{Amount: 999.20, Direction: "net_to_gross"}, VATOutput{Net: 999.20, VAT: 249.80, Gross: 1249, RatePercent: 25}},
		// Reference TV4: VAT on the category base 99.99 is 24.9975 → 25.00.
		{"TV4 category base", VATInput{Amount: 99.99, Direction: "net_to_gross"}, VATOutput{Net: 99.99, VAT: 25, Gross: 124.99, RatePercent: 25}},
		{"TV4 one line", VATInput{Amount: 33.33, Direction: "net_to_gross"}, VATOutput{Net: 33.33, VAT: 8.33, Gross: 41.66, RatePercent: 25}},
		// Reference TV16: a restaurant bill of 1,250.00 includes 250.00 VAT.
		{"TV16 restaurant bill", VATInput{Amount: 1250, Direction: "gross_to_net"}, VATOutput{Net: 1000, VAT: 250, Gross: 1250, RatePercent: 25}},
		{"explicit rate 25", VATInput{Amount: 1000, Direction: "net_to_gross", RatePercent: ptr(25.0)}, VATOutput{Net: 1000, VAT: 250, Gross: 1250, RatePercent: 25}},
		{"zero-rated", VATInput{Amount: 1000, Direction: "net_to_gross", RatePercent: ptr(0.0)}, VATOutput{Net: 1000, VAT: 0, Gross: 1000, RatePercent: 0}},
		{"zero-rated gross", VATInput{Amount: 1000, Direction: "gross_to_net", RatePercent: ptr(0.0)}, VATOutput{Net: 1000, VAT: 0, Gross: 1000, RatePercent: 0}},
		// Credit notes mirror invoices øre for øre.
		{"credit note net", VATInput{Amount: -99.99, Direction: "net_to_gross"}, VATOutput{Net: -99.99, VAT: -25, Gross: -124.99, RatePercent: 25}},
		{"credit note gross", VATInput{Amount: -1249, Direction: "gross_to_net"}, VATOutput{Net: -999.20, VAT: -249.80, Gross: -1249, RatePercent: 25}},
		// Exact halves of an øre round away from zero.
		{"half øre up", VATInput{Amount: 0.02, Direction: "net_to_gross"}, VATOutput{Net: 0.02, VAT: 0.01, Gross: 0.03, RatePercent: 25}},
		{"half øre negative", VATInput{Amount: -0.02, Direction: "net_to_gross"}, VATOutput{Net: -0.02, VAT: -0.01, Gross: -0.03, RatePercent: 25}},
		// 0.1 and 19.99 are not exact in binary; øre arithmetic does not drift.
		{"binary-inexact 0.1", VATInput{Amount: 0.1, Direction: "net_to_gross"}, VATOutput{Net: 0.1, VAT: 0.03, Gross: 0.13, RatePercent: 25}},
		{"binary-inexact 19.99", VATInput{Amount: 19.99, Direction: "net_to_gross"}, VATOutput{Net: 19.99, VAT: 5, Gross: 24.99, RatePercent: 25}},
		{"gross 0.03", VATInput{Amount: 0.03, Direction: "gross_to_net"}, VATOutput{Net: 0.02, VAT: 0.01, Gross: 0.03, RatePercent: 25}},
		{"zero", VATInput{Amount: 0, Direction: "gross_to_net"}, VATOutput{RatePercent: 25}},
		{"largest amount", VATInput{Amount: 999999999999.99, Direction: "net_to_gross"}, VATOutput{Net: 999999999999.99, VAT: 250000000000, Gross: 1249999999999.99, RatePercent: 25}},
		{"rate as JSON number 25.0", map[string]any{"amount": 80, "direction": "net_to_gross", "rate_percent": 25.0}, VATOutput{Net: 80, VAT: 20, Gross: 100, RatePercent: 25}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got VATOutput
			if err := h.CallToolInto(context.Background(), "calculate_vat", tt.args, &got); err != nil {
				t.Fatal(err)
			}
			// cash_gross has its own vectors (TV18, TestComplianceVectors).
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(VATOutput{}, "CashGross")); diff != "" {
				t.Errorf("calculate_vat (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCalculateVATRejects(t *testing.T) {
	h := sdktest.New(t, New())
	tests := []struct {
		name  string
		args  any
		field string
	}{
		{"reduced rate", VATInput{Amount: 100, Direction: "net_to_gross", RatePercent: ptr(12.5)}, "rate_percent"},
		{"foreign rate", VATInput{Amount: 100, Direction: "net_to_gross", RatePercent: ptr(19.0)}, "rate_percent"},
		{"rate as fraction", VATInput{Amount: 100, Direction: "net_to_gross", RatePercent: ptr(0.25)}, "rate_percent"},
		{"unknown direction", VATInput{Amount: 100, Direction: "add_vat"}, "direction"},
		{"missing direction", map[string]any{"amount": 100}, "direction"},
		{"more than 2 decimals", VATInput{Amount: 1.005, Direction: "net_to_gross"}, "amount"},
		{"tiny fraction", VATInput{Amount: 1e-7, Direction: "net_to_gross"}, "amount"},
		{"too large", VATInput{Amount: 1e12, Direction: "net_to_gross"}, "amount"},
		{"too large negative", VATInput{Amount: -5e20, Direction: "gross_to_net"}, "amount"},
		{"amount as string", map[string]any{"amount": "100", "direction": "net_to_gross"}, "amount"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got VATOutput
			err := h.CallToolInto(context.Background(), "calculate_vat", tt.args, &got)
			wantFieldError(t, err, tt.field)
		})
	}
}

// TestRateErrorListsAllowedRates: the model should learn the valid choices
// from the error alone.
func TestRateErrorListsAllowedRates(t *testing.T) {
	_, err := calculateVAT(context.Background(), nil, VATInput{Amount: 1, Direction: "net_to_gross", RatePercent: ptr(12.0)})
	var e *sdk.Error
	want := "Danish VAT rates are 25 and 0 (percent), got 12; Denmark has no reduced rates"
	if !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Message != want {
		t.Errorf("error = %#v, want field message %q", err, want)
	}
}

func TestRoundDiv(t *testing.T) {
	tests := []struct{ n, d, want int64 }{
		{10, 4, 3}, {-10, 4, -3}, {9, 4, 2}, {-9, 4, -2}, {11, 4, 3}, {-11, 4, -3},
		{0, 7, 0}, {3, 5, 1}, {2, 5, 0}, {-3, 5, -1}, {-2, 5, 0},
	}
	for _, tt := range tests {
		if got := roundDiv(tt.n, tt.d); got != tt.want {
			t.Errorf("roundDiv(%d, %d) = %d, want %d", tt.n, tt.d, got, tt.want)
		}
	}
}

// TestNetGrossRoundTrip checks over a range of øre amounts that net →
// gross → net gives back the same net and VAT at 25 %, and that the parts
// always add up. (The reverse does not hold for every gross: no net amount
// has a gross of 0.07, since 0.06 → 0.08 and 0.05 → 0.06.)
func TestNetGrossRoundTrip(t *testing.T) {
	for ore := int64(-100000); ore <= 100000; ore += 7 {
		kr := fromOre(ore)
		back, err := toOre("amount", kr)
		if err != nil || back != ore {
			t.Fatalf("toOre(fromOre(%d)) = %d, %v", ore, back, err)
		}
		n, err := calculateVAT(context.Background(), nil, VATInput{Amount: kr, Direction: "net_to_gross"})
		if err != nil {
			t.Fatal(err)
		}
		g, err := calculateVAT(context.Background(), nil, VATInput{Amount: n.Gross, Direction: "gross_to_net"})
		if err != nil {
			t.Fatal(err)
		}
		if g.Net != kr || g.VAT != n.VAT {
			t.Fatalf("net %v → vat %v gross %v → net %v vat %v", kr, n.VAT, n.Gross, g.Net, g.VAT)
		}
		sum, _ := toOre("sum", n.Net)
		v, _ := toOre("vat", n.VAT)
		gross, _ := toOre("gross", n.Gross)
		if sum+v != gross {
			t.Fatalf("net %v + vat %v != gross %v", n.Net, n.VAT, n.Gross)
		}
	}
}
