package sandbox

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestComputeTotals(t *testing.T) {
	rates := map[string]float64{"s25": 0.25, "zero": 0}
	type line struct {
		qty, price float64
		rate       string
		mode       string
		discount   float64
	}
	tests := []struct {
		name               string
		taxMode            string
		lines              []line
		amount, tax, gross float64
		lineTax            []float64
	}{
		// danish-compliance.md TV4: VAT on the rate's total, not per line.
		{"per-rate rounding", taxModeExcl, []line{{1, 33.33, "s25", "", 0}, {1, 33.33, "s25", "", 0}, {1, 33.33, "s25", "", 0}},
			99.99, 25.00, 124.99, []float64{8.33, 8.33, 8.34}},
		// TV5: a VAT-inclusive 1,249.00 holds 249.80 VAT.
		{"prices including VAT", taxModeIncl, []line{{1, 1249, "s25", "", 0}}, 999.20, 249.80, 1249, []float64{249.80}},
		{"quantity times price", taxModeExcl, []line{{7.25, 950, "s25", "", 0}}, 6887.50, 1721.88, 8609.38, []float64{1721.88}},
		{"mixed rates", taxModeExcl, []line{{2, 100, "s25", "", 0}, {1, 500, "zero", "", 0}}, 700, 50, 750, []float64{50, 0}},
		{"percentage discount", taxModeExcl, []line{{2, 100, "s25", discountPercentage, 10}}, 180, 45, 225, []float64{45}},
		{"cash discount", taxModeExcl, []line{{1, 100, "s25", discountCash, 15.5}}, 84.5, 21.13, 105.63, []float64{21.13}},
		// Half-up rounding: 0.10 × 0.25 = 0.025 → 0.03.
		{"half up", taxModeExcl, []line{{1, 0.10, "s25", "", 0}}, 0.10, 0.03, 0.13, []float64{0.03}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &invoice{TaxMode: tt.taxMode}
			var lines []*invoiceLine
			for _, l := range tt.lines {
				il := &invoiceLine{Quantity: l.qty, UnitPrice: l.price, TaxRateID: l.rate}
				if l.mode != "" {
					m, v := l.mode, l.discount
					il.DiscountMode, il.DiscountValue = &m, &v
				}
				lines = append(lines, il)
			}
			computeTotals(inv, lines, func(id string) float64 { return rates[id] })
			got := []float64{inv.Amount, inv.Tax, inv.GrossAmount}
			if diff := cmp.Diff([]float64{tt.amount, tt.tax, tt.gross}, got); diff != "" {
				t.Errorf("amount, tax, gross (-want +got):\n%s", diff)
			}
			var lineTax []float64
			var sum int64
			for _, l := range lines {
				lineTax = append(lineTax, l.Tax)
				sum += toOre(l.Amount)
			}
			if diff := cmp.Diff(tt.lineTax, lineTax); diff != "" {
				t.Errorf("line tax (-want +got):\n%s", diff)
			}
			if sum != toOre(inv.Amount) {
				t.Errorf("line amounts add up to %d øre, invoice says %.2f", sum, inv.Amount)
			}
		})
	}
}

func TestDueDate(t *testing.T) {
	for _, tt := range []struct {
		entry, mode string
		days        int
		explicit    string
		want        string
	}{
		{"2026-11-20", termsNet, 14, "", "2026-12-04"},
		{"2026-11-20", termsNetEndOfMonth, 30, "", "2026-12-30"}, // løbende måned + 30
		{"2026-02-10", termsNetEndOfMonth, 0, "", "2026-02-28"},
		{"2026-11-20", termsDate, 0, "2027-01-15", "2027-01-15"},
		{"2026-11-20", termsNet, -5, "", "2026-11-15"},
	} {
		if got := dueDate(tt.entry, tt.mode, tt.days, tt.explicit); got != tt.want {
			t.Errorf("dueDate(%s, %s, %d) = %s, want %s", tt.entry, tt.mode, tt.days, got, tt.want)
		}
	}
}

func TestParsePeriod(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want period
		bad  bool
	}{
		{in: "all", want: period{}},
		{in: "dates:2026-01-05...2026-02-10", want: period{"2026-01-05", "2026-02-10"}},
		{in: "day:2026-03-01", want: period{"2026-03-01", "2026-03-01"}},
		{in: "month:2026-02", want: period{"2026-02-01", "2026-02-28"}},
		{in: "quarter:2026-4", want: period{"2026-10-01", "2026-12-31"}},
		{in: "halfYear:2026-1", want: period{"2026-01-01", "2026-06-30"}},
		{in: "half:2026-2", want: period{"2026-07-01", "2026-12-31"}},
		{in: "year:2025", want: period{"2025-01-01", "2025-12-31"}},
		{in: "fiscalYear:2025", want: period{"2025-01-01", "2025-12-31"}},
		{in: "from:2026-05-01", want: period{from: "2026-05-01"}},
		{in: "through:2026-05-01", want: period{to: "2026-05-01"}},
		{in: "quarter:2026-5", bad: true},
		{in: "month:2026", bad: true},
		{in: "week:2026-01", bad: true},
		{in: "2026", bad: true},
	} {
		got, err := parsePeriod(tt.in, 12)
		if (err != nil) != tt.bad || got != tt.want {
			t.Errorf("parsePeriod(%q) = %+v, %v", tt.in, got, err)
		}
	}
	if got, _ := parsePeriod("fiscalYear:2026", 6); got != (period{"2025-07-01", "2026-06-30"}) {
		t.Errorf("fiscal year ending in June: %+v", got)
	}
}
