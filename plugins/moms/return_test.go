package moms

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

// TestReturnVoidsAndDaybookLines: a voided daybook entry counts with the
// transaction reversing it (they cancel in one period; a void dated later
// corrects the later period), and a daybook line booked with a
// reverse-charge rate puts its net in rubrik A while its VAT comes from
// the postings.
func TestReturnVoidsAndDaybookLines(t *testing.T) {
	f := newFakeBooks()
	seedChart(f)
	b := &bookBuilder{f: f}
	// Voided in the same quarter: original (voided) and reversal (isVoid).
	f.add("transactions",
		map[string]any{"id": "tx-orig", "entryDate": "2026-01-10", "originatorReference": "daybookTransaction:d-1", "isVoided": true},
		map[string]any{"id": "tx-rev", "entryDate": "2026-02-01", "originatorReference": "daybookTransaction:d-1", "isVoid": true},
		// Voided after the quarter: only the original is in Q1.
		map[string]any{"id": "tx-orig2", "entryDate": "2026-03-10", "originatorReference": "daybookTransaction:d-2", "isVoided": true},
		map[string]any{"id": "tx-rev2", "entryDate": "2026-04-02", "originatorReference": "daybookTransaction:d-2", "isVoid": true})
	b.posting("tx-orig", "2026-01-10", 7210, dec("500.00"), true)
	b.posting("tx-rev", "2026-02-01", 7210, dec("500.00"), false)
	b.posting("tx-orig2", "2026-03-10", 7210, dec("80.00"), true)
	b.posting("tx-rev2", "2026-04-02", 7210, dec("80.00"), false)
	// A reverse-charge service bought through the daybook.
	f.add("daybookTransactions", map[string]any{"id": "d-3", "entryDate": "2026-03-15", "voucherNo": "K9", "state": "approved",
		"lines": []any{map[string]any{"id": "dl-1", "accountId": acct(2320), "taxRateId": "tr-uy", "amount": 4000, "side": "debit"}}})
	tx := b.tx("2026-03-15", "daybookTransaction:d-3")
	b.posting(tx, "2026-03-15", 7240, dec("1000.00"), true)
	b.posting(tx, "2026-03-15", 7220, dec("1000.00"), false)
	h := startMoms(t, f)
	got := map[string]string{}
	for _, period := range []string{"2026-Q1", "2026-Q2"} {
		var out ReturnOutput
		if err := h.CallToolInto(context.Background(), "moms_return", ReturnInput{Period: period}, &out); err != nil {
			t.Fatal(err)
		}
		for _, fl := range out.Fields {
			if !fl.Exact.Dec().IsZero() {
				got[period+" "+fl.Key] = fl.Exact.String()
			}
		}
	}
	want := map[string]string{"2026-Q1 salgsmoms": "80", "2026-Q1 moms_ydelseskoeb_udland": "1000", "2026-Q1 koebsmoms": "1000",
		"2026-Q1 rubrik_a_ydelser": "4000", "2026-Q2 salgsmoms": "-80"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
}
