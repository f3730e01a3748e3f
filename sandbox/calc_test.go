package sandbox

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func TestComputeTotals(t *testing.T) {
	rates := map[string]decimal.Decimal{"s25": dec("0.25"), "zero": decimal.Zero}
	type line struct {
		qty, price string
		rate       string
		mode       string
		discount   string
	}
	tests := []struct {
		name               string
		taxMode            string
		lines              []line
		amount, tax, gross string
		lineTax            []string
	}{
		// danish-compliance.md TV4: VAT on the rate's total, not per line.
		{"per-rate rounding", taxModeExcl, []line{{"1", "33.33", "s25", "", ""}, {"1", "33.33", "s25", "", ""}, {"1", "33.33", "s25", "", ""}},
			"99.99", "25", "124.99", []string{"8.33", "8.33", "8.34"}},
		// 50 × 0.01 = 0.50 net; 0.125 VAT rounds half-up to 0.13.
		{"per-rate rounding of many small lines", taxModeExcl, []line{{"50", "0.01", "s25", "", ""}}, "0.5", "0.13", "0.63", []string{"0.13"}},
		// TV5: a VAT-inclusive 1,249.00 holds 249.80 VAT.
		{"prices including VAT", taxModeIncl, []line{{"1", "1249", "s25", "", ""}}, "999.2", "249.8", "1249", []string{"249.8"}},
		{"quantity times price", taxModeExcl, []line{{"7.25", "950", "s25", "", ""}}, "6887.5", "1721.88", "8609.38", []string{"1721.88"}},
		{"mixed rates", taxModeExcl, []line{{"2", "100", "s25", "", ""}, {"1", "500", "zero", "", ""}}, "700", "50", "750", []string{"50", "0"}},
		{"percentage discount", taxModeExcl, []line{{"2", "100", "s25", discountPercentage, "10"}}, "180", "45", "225", []string{"45"}},
		{"cash discount", taxModeExcl, []line{{"1", "100", "s25", discountCash, "15.5"}}, "84.5", "21.13", "105.63", []string{"21.13"}},
		// Half-up rounding: 0.10 × 0.25 = 0.025 → 0.03.
		{"half up", taxModeExcl, []line{{"1", "0.10", "s25", "", ""}}, "0.1", "0.03", "0.13", []string{"0.03"}},
		// The reproductions: the unit price is never rounded to øre
		// before it is multiplied.
		{"unit price of a tenth of an øre", taxModeExcl, []line{{"100", "0.125", "zero", "", ""}}, "12.5", "0", "12.5", []string{"0"}},
		{"four-decimal unit price", taxModeExcl, []line{{"1000", "1.2345", "zero", "", ""}}, "1234.5", "0", "1234.5", []string{"0"}},
		{"price per kWh", taxModeExcl, []line{{"3", "2.3456", "s25", "", ""}}, "7.04", "1.76", "8.8", []string{"1.76"}},
		// A discount is taken off the exact product, then rounded once.
		{"percentage of a fraction", taxModeExcl, []line{{"3", "0.335", "zero", discountPercentage, "10"}}, "0.9", "0", "0.9", []string{"0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &invoice{TaxMode: tt.taxMode}
			var lines []*invoiceLine
			for _, l := range tt.lines {
				il := &invoiceLine{Quantity: numberOf(dec(l.qty)), UnitPrice: numberOf(dec(l.price)), TaxRateID: l.rate}
				if l.mode != "" {
					m := l.mode
					il.DiscountMode, il.DiscountValue = &m, numberPtr(dec(l.discount))
				}
				lines = append(lines, il)
			}
			computeTotals(inv, lines, func(id string) decimal.Decimal { return rates[id] })
			got := []string{plain(inv.Amount.v), plain(inv.Tax.v), plain(inv.GrossAmount.v)}
			if diff := cmp.Diff([]string{tt.amount, tt.tax, tt.gross}, got); diff != "" {
				t.Errorf("amount, tax, gross (-want +got):\n%s", diff)
			}
			var lineTax []string
			sum := decimal.Zero
			for _, l := range lines {
				lineTax = append(lineTax, plain(l.Tax.v))
				sum = sum.Add(l.Amount.v)
			}
			if diff := cmp.Diff(tt.lineTax, lineTax); diff != "" {
				t.Errorf("line tax (-want +got):\n%s", diff)
			}
			if !sum.Equal(inv.Amount.v) {
				t.Errorf("line amounts add up to %s, invoice says %s", sum, inv.Amount.v)
			}
		})
	}
}

func TestDivRound(t *testing.T) {
	for _, tt := range []struct {
		a, b   string
		places int32
		want   string
	}{
		{"1", "3", 2, "0.33"},
		{"2", "3", 2, "0.67"},
		{"1", "8", 2, "0.13"}, // 0.125: half away from zero
		{"-1", "8", 2, "-0.13"},
		{"1", "-8", 2, "-0.13"},
		{"1249", "5", 2, "249.8"},
		{"31.2375", "1.25", 2, "24.99"},
		{"891701", "7.46", 0, "119531"}, // 8,917.01 DKK at 7.46 settles 1,195.31 EUR
		{"10", "4", 0, "3"},             // 2.5 → 3
		{"0", "7", 2, "0"},
	} {
		if got := divRound(dec(tt.a), dec(tt.b), tt.places); !got.Equal(dec(tt.want)) {
			t.Errorf("divRound(%s, %s, %d) = %s, want %s", tt.a, tt.b, tt.places, got, tt.want)
		}
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
