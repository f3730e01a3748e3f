package v1stats

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > tol {
		t.Errorf("%s = %.6g, want %.6g (±%g)", what, got, want, tol)
	}
}

// TestFisherExact checks textbook values.
func TestFisherExact(t *testing.T) {
	for _, tc := range []struct {
		name       string
		a, b, c, d int
		want       float64
		tol        float64
	}{
		// Fisher (1935), "The Design of Experiments", §2: the lady tasting
		// tea, 3 of 4 cups right: two-sided p = 34/70.
		{"lady tasting tea", 3, 1, 1, 3, 34.0 / 70, 1e-9},
		// Wikipedia, "Fisher's exact test", example (studying/dieting by
		// sex, [[1, 9], [11, 3]]): two-sided p = 0.002759.
		{"wikipedia dieting", 1, 9, 11, 3, 0.002759, 5e-6},
		// A table that cannot be more extreme: p = 1.
		{"balanced", 2, 2, 2, 2, 1, 1e-12},
	} {
		near(t, tc.name, FisherExact(tc.a, tc.b, tc.c, tc.d), tc.want, tc.tol)
	}
}

// TestNewcombe checks Newcombe (1998), "Interval estimation for the
// difference between independent proportions", Stat. Med. 17:873–890,
// Table II example (a): 56/70 vs 48/80, method 10 gives 0.0524 to 0.3339.
func TestNewcombe(t *testing.T) {
	ci := newcombe(48, 80, 56, 70, 0.95)
	near(t, "low", ci.Low, 0.0524, 5e-5)
	near(t, "high", ci.High, 0.3339, 5e-5)
	// Newcombe (1998), "Two-sided confidence intervals for the single
	// proportion", Stat. Med. 17:857–872, Table I: 81/263, Wilson 0.2553–0.3662.
	lo, hi := wilson(81, 263, distuv.UnitNormal.Quantile(0.975))
	near(t, "wilson low", lo, 0.2553, 5e-5)
	near(t, "wilson high", hi, 0.3662, 5e-5)
}

// TestWelch: Wikipedia, "Welch's t-test", example 1's samples A1 and A2 give
// t = −2.46, ν ≈ 25.0, p = 0.021 (the same as R's t.test(A1, A2)).
func TestWelch(t *testing.T) {
	a1 := []float64{27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4}
	a2 := []float64{27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4}
	m1, s1 := stat.MeanStdDev(a1, nil)
	m2, s2 := stat.MeanStdDev(a2, nil)
	// B − A with A = A2, B = A1, as the example's t = mean(A1) − mean(A2)
	w := Welch(m2, s2, len(a2), m1, s1, len(a1), 0.95)
	near(t, "t", w.T, -2.46, 0.005)
	near(t, "df", w.DF, 24.99, 0.05)
	near(t, "p", w.PValue, 0.021, 0.0006)
	if !(w.CI.Low < 0 && w.CI.High < 0) {
		t.Errorf("95 %% CI %+v should exclude 0 at p = 0.021", w.CI)
	}
}

// TestTwoProportionZ: the pooled z-test squared is Pearson's chi-square
// statistic of the 2×2 table without continuity correction (Agresti,
// "Categorical Data Analysis", §3.2), an independent computation through
// gonum's stat.ChiSquare and distuv.ChiSquared.
func TestTwoProportionZ(t *testing.T) {
	xa, na, xb, nb := 45, 100, 56, 100
	r, err := ABTest(Variant{Name: "A", SampleSize: na, Conversions: xa, ConversionRate: 0.45},
		Variant{Name: "B", SampleSize: nb, Conversions: xb, ConversionRate: 56}, 0.90)
	if err != nil {
		t.Fatal(err)
	}
	c := r.Conversion
	if c.Test != "two_proportion_z" {
		t.Fatalf("test %s, want two_proportion_z", c.Test)
	}
	pool := float64(xa+xb) / float64(na+nb)
	obs := []float64{float64(xa), float64(na - xa), float64(xb), float64(nb - xb)}
	exp := []float64{pool * float64(na), (1 - pool) * float64(na), pool * float64(nb), (1 - pool) * float64(nb)}
	chi := stat.ChiSquare(obs, exp)
	near(t, "z²", *c.Statistic**c.Statistic, chi, 1e-9)
	near(t, "p", c.PValue, distuv.ChiSquared{K: 1}.Survival(chi), 1e-9)
	// by hand: z = 0.11/√(0.505·0.495·0.02) = 1.5557, p = 0.1198
	near(t, "z", *c.Statistic, 1.5557, 5e-4)
	near(t, "p by hand", c.PValue, 0.1198, 5e-4)
	if c.Significant || r.Winner != "" {
		t.Errorf("p = 0.12 at 90 %% must not be significant: %+v", r)
	}
	if len(r.Warnings) != 0 {
		t.Errorf("consistent rates (0.45 and 56 %%) warned: %q", r.Warnings)
	}
	// v1 used 2.58 for every level but 0.95; at 0.90 the interval must be
	// narrower than at 0.95.
	r95, _ := ABTest(Variant{Name: "A", SampleSize: na, Conversions: xa}, Variant{Name: "B", SampleSize: nb, Conversions: xb}, 0.95)
	if r95.Conversion.CI.High-r95.Conversion.CI.Low <= c.CI.High-c.CI.Low {
		t.Errorf("the 95 %% interval is not wider than the 90 %% one")
	}
}

func TestABSmallCountsUseFisher(t *testing.T) {
	r, err := ABTest(Variant{Name: "A", SampleSize: 20, Conversions: 1}, Variant{Name: "B", SampleSize: 20, Conversions: 8}, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if r.Conversion.Test != "fisher_exact" || r.Conversion.Statistic != nil {
		t.Fatalf("got %+v, want Fisher's exact test", r.Conversion)
	}
	near(t, "p", r.Conversion.PValue, FisherExact(1, 19, 8, 12), 1e-12)
	if r.Winner != "B" {
		t.Errorf("winner %q, want B (p = %.4f)", r.Winner, r.Conversion.PValue)
	}
}

func TestABRevenue(t *testing.T) {
	ra, rb, sd := 1000.0, 1500.0, 20.0
	r, err := ABTest(Variant{Name: "A", SampleSize: 100, Conversions: 10, Revenue: &ra},
		Variant{Name: "B", SampleSize: 100, Conversions: 12, Revenue: &rb}, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if r.Revenue != nil || len(r.Warnings) != 1 {
		t.Errorf("revenue without a standard deviation: %+v %q", r.Revenue, r.Warnings)
	}
	r, _ = ABTest(Variant{Name: "A", SampleSize: 100, Conversions: 10, Revenue: &ra, RevenueStdDev: &sd},
		Variant{Name: "B", SampleSize: 100, Conversions: 12, Revenue: &rb, RevenueStdDev: &sd}, 0.95)
	if r.Revenue == nil {
		t.Fatal("no revenue test")
	}
	near(t, "revenue difference", r.Revenue.Difference, 5, 1e-12)
	// t = 5/√(4+4) = 1.7678, df = 198
	near(t, "t", r.Revenue.T, 1.7678, 5e-4)
	near(t, "df", r.Revenue.DF, 198, 1e-9)
}

func TestABErrors(t *testing.T) {
	for _, tc := range []struct {
		a, b  Variant
		level float64
	}{
		{Variant{SampleSize: 0}, Variant{SampleSize: 10}, 0.95},
		{Variant{SampleSize: 10, Conversions: 11}, Variant{SampleSize: 10}, 0.95},
		{Variant{SampleSize: 10}, Variant{SampleSize: 10}, 0.5},
	} {
		if _, err := ABTest(tc.a, tc.b, tc.level); err == nil {
			t.Errorf("%+v %+v %v accepted", tc.a, tc.b, tc.level)
		}
	}
}
