package main

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// TestReturnAgreesWithSimpleCalculation: for each business kind's books,
// moms_return gives exactly the fields and afgiftstilsvar that the test's
// own simple calculation over the same records gives, complete and without
// errors; together the kinds use every field of the return.
func TestReturnAgreesWithSimpleCalculation(t *testing.T) {
	used := map[string]bool{}
	for _, kind := range []string{kindFreelancer, kindWebshop, kindService} {
		t.Run(kind, func(t *testing.T) {
			f := newFakeBooks()
			seedChart(f)
			seedBusiness(f, kind)
			h := startMoms(t, f)
			var out ReturnOutput
			if err := h.CallToolInto(context.Background(), "moms_return", ReturnInput{Period: kindPeriod[kind]}, &out); err != nil {
				t.Fatal(err)
			}
			want, wantTilsvar := simpleReturn(f, out.Start, out.End)
			got := map[string]int64{}
			for _, fld := range out.Fields {
				if a := fld.Amount.Dec(); !a.IsZero() {
					got[fld.Key] = a.IntPart()
					used[fld.Key] = true
				}
				// The evidence adds up to the exact sum.
				sum := decimal.Zero
				for _, e := range fld.Evidence {
					sum = sum.Add(e.Amount.Dec())
				}
				if fld.MoreAmount != nil {
					sum = sum.Add(fld.MoreAmount.Dec())
				}
				if !sum.Equal(fld.Exact.Dec()) {
					t.Errorf("%s: evidence sums to %s, the field to %s", fld.Key, sum, fld.Exact.Dec())
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("fields (-simple +moms_return):\n%s", diff)
			}
			if tl := out.Afgiftstilsvar.Dec().IntPart(); tl != wantTilsvar {
				t.Errorf("afgiftstilsvar %d, the simple calculation %d", tl, wantTilsvar)
			}
			if !out.Complete {
				t.Errorf("incomplete: %+v", out.Findings)
			}
			for _, fd := range out.Findings {
				if fd.Severity == sevError {
					t.Errorf("error finding: %+v", fd)
				}
			}
			// The EU sales list agrees with rubrik B (goods and services).
			var goods, services int64
			for _, l := range out.EUSalesList {
				goods += l.Goods.Dec().IntPart()
				services += l.Services.Dec().IntPart()
			}
			if d := goods - got["rubrik_b_varer"]; d < -int64(len(out.EUSalesList)) || d > 0 {
				t.Errorf("EU sales list goods %d, rubrik B-varer %d", goods, got["rubrik_b_varer"])
			}
			if d := services - got["rubrik_b_ydelser"]; d < -int64(len(out.EUSalesList)) || d > 0 {
				t.Errorf("EU sales list services %d, rubrik B-ydelser %d", services, got["rubrik_b_ydelser"])
			}
			t.Logf("%s %s: %v tilsvar %d; %s", kind, out.Period, got, wantTilsvar, out.Summary)
		})
	}
	for _, fld := range returnFields {
		if !used[string(fld.key)] {
			t.Errorf("no business kind's books use %s", fld.key)
		}
	}
}
