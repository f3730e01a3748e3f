package moms

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// Property tests over 2020-2035: what must hold for every amount, every
// day and every period, checked against definitions written here rather
// than against the code's own arithmetic.

const propFirstYear, propLastYear = 2020, 2035

// TestRoundingProperties: VAT on a base is the base's 25 % rounded half up
// to øre (R3); gross to net always adds up and the VAT is 20 % of the
// gross to the øre; a return field in whole kroner loses less than one
// krone, toward zero (ML § 57 stk. 1), or rounds to the nearest krone when
// configured; cash rounding lands on 50 øre within 25 øre.
func TestRoundingProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(2020, 2035))
	for i := 0; i < 20000; i++ {
		ore := rng.Int64N(2_000_000_000) - 1_000_000_000 // ±10 mio. kr.
		if i < 2000 {
			ore = int64(i) - 1000 // every small amount
		}
		// net → VAT: exact quarter of the øre, halves away from zero.
		vat := roundDiv(ore*25, 100)
		exact := decimal.NewFromInt(ore).Mul(decimal.RequireFromString("0.25"))
		if want := exact.Round(0).IntPart(); vat != want {
			t.Fatalf("VAT of %d øre: %d, want %d", ore, vat, want)
		}
		// gross → net: net + VAT = gross, VAT within half an øre of 20 %.
		gv := roundDiv(ore*25, 125)
		if d := decimal.NewFromInt(gv).Sub(decimal.NewFromInt(ore).Mul(decimal.RequireFromString("0.2"))).Abs(); d.GreaterThan(decimal.RequireFromString("0.5")) {
			t.Fatalf("VAT in gross %d øre: %d, off 20 %% by %s øre", ore, gv, d)
		}
		// Whole kroner.
		kr := decimal.New(ore, -2)
		tr := wholeKroner(kr, "truncate")
		if diff := kr.Sub(tr); diff.Abs().GreaterThanOrEqual(decOne) || (!diff.IsZero() && diff.Sign() != kr.Sign()) || !tr.Equal(tr.Truncate(0)) {
			t.Fatalf("truncate %s → %s", kr, tr)
		}
		rd := wholeKroner(kr, "round")
		if kr.Sub(rd).Abs().GreaterThan(decimal.RequireFromString("0.5")) || !rd.Equal(rd.Truncate(0)) {
			t.Fatalf("round %s → %s", kr, rd)
		}
		// Cash: a multiple of 50 øre, within 25 øre, and 25 rounds away from zero.
		c := cashRound(ore)
		if c%50 != 0 || c-ore > 25 || ore-c > 25 || ((ore%50 == 25 || ore%50 == -25) && absI(c) < absI(ore)) {
			t.Fatalf("cash %d → %d", ore, c)
		}
	}
}

func absI(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// TestDueDateProperties: for every invoice date 2020-2035 and common terms,
// netto N is the date plus N calendar days, and løbende måned + N is the
// month's last day plus N days, never before the invoice date.
func TestDueDateProperties(t *testing.T) {
	for d := date(propFirstYear, 1, 1); d.Year() <= propLastYear; d = d.AddDate(0, 0, 1) {
		for _, n := range []int{0, 8, 14, 30, 45} {
			due, _, err := dueDate(d, "net", n)
			if err != nil || int(due.Sub(d).Hours()/24) != n {
				t.Fatalf("netto %d from %s: %s %v", n, isoDay(d), isoDay(due), err)
			}
			due, _, err = dueDate(d, "netEndOfMonth", n)
			if err != nil {
				t.Fatal(err)
			}
			monthEnd := due.AddDate(0, 0, -n)
			if monthEnd.Month() != d.Month() || monthEnd.Year() != d.Year() || monthEnd.AddDate(0, 0, 1).Day() != 1 || due.Before(d) {
				t.Fatalf("LM+%d from %s: %s", n, isoDay(d), isoDay(due))
			}
		}
	}
}

// TestDeadlineProperties: for every monthly, quarterly and half-yearly
// period 2020-2035 the deadline is a business day, on or after the
// statute's date (the 25th of the next month, June on 17 August; the 1st
// of the third month after a quarter or half-year), every day skipped is a
// weekend, a holiday or a bank closing day, and it moves at most a week.
func TestDeadlineProperties(t *testing.T) {
	closed := func(d time.Time) bool { return whyClosed(d) != "" }
	for y := propFirstYear; y <= propLastYear; y++ {
		for _, kind := range []string{kindMonthly, kindQuarterly, kindHalfYearly} {
			v := periodOf(kind, y, time.January)
			for v.Start.Year() == y {
				nominal, deadline, moved, ok := v.deadline()
				if !ok {
					t.Fatalf("%s: no deadline", v.Label)
				}
				after := v.End.AddDate(0, 0, 1) // the first day after the period
				want := date(after.Year(), after.Month()+2, 1)
				if kind == kindMonthly {
					want = date(after.Year(), after.Month(), 25)
					if v.Start.Month() == time.June {
						want = date(y, time.August, 17)
					}
				}
				if !nominal.Equal(want) {
					t.Fatalf("%s: nominal %s, want %s", v.Label, isoDay(nominal), isoDay(want))
				}
				if closed(deadline) || deadline.Before(nominal) || deadline.Sub(nominal) > 7*24*time.Hour {
					t.Fatalf("%s: deadline %s from %s", v.Label, isoDay(deadline), isoDay(nominal))
				}
				for d := nominal; d.Before(deadline); d = d.AddDate(0, 0, 1) {
					if !closed(d) {
						t.Fatalf("%s: %s skipped but open", v.Label, isoDay(d))
					}
				}
				if len(moved) != int(deadline.Sub(nominal).Hours()/24) {
					t.Fatalf("%s: %d reasons for %s → %s", v.Label, len(moved), isoDay(nominal), isoDay(deadline))
				}
				v = periodOf(kind, v.End.AddDate(0, 0, 1).Year(), v.End.AddDate(0, 0, 1).Month())
			}
		}
		// Store Bededag (Easter + 26) is closed only up to 2023 (TV9).
		sb := easterSunday(y).AddDate(0, 0, 26)
		if closed(sb) != (y <= 2023) {
			t.Errorf("%d: Store Bededag %s closed=%v", y, isoDay(sb), closed(sb))
		}
	}
}

// TestRetentionProperty: for every fiscal year end 2020-2035 the records
// are kept until the same day five years on (bogføringsloven § 12; TV19).
func TestRetentionProperty(t *testing.T) {
	for y := propFirstYear; y <= propLastYear; y++ {
		for m := time.January; m <= time.December; m++ {
			end := monthEnd(y, m)
			want := monthEnd(y+5, m) // the last day of the month, 29 February included
			if got := retentionUntil(end); !got.Equal(want) {
				t.Fatalf("FY ending %s: keep until %s, want %s", isoDay(end), isoDay(got), isoDay(want))
			}
		}
	}
}
