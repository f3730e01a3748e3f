package v1stats

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/combin"
	"gonum.org/v1/gonum/stat/distuv"
)

// Variant is one arm of an A/B test as v1 described it.
type Variant struct {
	Name        string
	SampleSize  int
	Conversions int
	// ConversionRate as the caller stated it (0–1 or 0–100); only checked
	// against Conversions/SampleSize, never used for the test.
	ConversionRate float64
	// Revenue is the arm's total revenue (optional); RevenueStdDev the
	// standard deviation of revenue per user (optional, needed for a test).
	Revenue       *float64
	RevenueStdDev *float64
}

// Interval is a confidence interval with the method that made it.
type Interval struct {
	Low, High float64
	Level     float64
	Method    string
}

// ProportionTest is the comparison of the conversion rates.
type ProportionTest struct {
	Test         string // "two_proportion_z" or "fisher_exact"
	Assumptions  []string
	RateA        float64
	RateB        float64
	Difference   float64  // B − A
	RelativeLift *float64 // (B − A)/A; nil when A converts nothing
	Statistic    *float64 // z for the z-test
	PValue       float64  // two-sided
	CI           Interval // for B − A
	Significant  bool     // p < 1 − level
}

// WelchTest compares revenue per user.
type WelchTest struct {
	MeanA, MeanB float64
	Difference   float64
	T, DF        float64
	PValue       float64
	CI           Interval
	Significant  bool
	Assumptions  []string
}

// ABResult is analyze_ab_test's answer.
type ABResult struct {
	Conversion ProportionTest
	Revenue    *WelchTest // nil without revenue and its standard deviation
	Winner     string     // the better arm's name, or "" when the test is not significant
	Warnings   []string
}

// ABTest compares two arms at the given confidence level (0.8–0.99).
func ABTest(a, b Variant, level float64) (*ABResult, error) {
	for _, v := range []struct {
		name string
		v    Variant
	}{{"variantA", a}, {"variantB", b}} {
		if v.v.SampleSize < 1 {
			return nil, fmt.Errorf("%s.sampleSize must be at least 1", v.name)
		}
		if v.v.Conversions < 0 || v.v.Conversions > v.v.SampleSize {
			return nil, fmt.Errorf("%s.conversions must be between 0 and sampleSize (%d)", v.name, v.v.SampleSize)
		}
	}
	if level < 0.8 || level > 0.99 {
		return nil, fmt.Errorf("confidenceLevel must be between 0.8 and 0.99")
	}
	res := &ABResult{}
	for _, v := range []Variant{a, b} {
		actual := float64(v.Conversions) / float64(v.SampleSize)
		stated := v.ConversionRate
		if stated > 1 {
			stated /= 100
		}
		if v.ConversionRate != 0 && math.Abs(stated-actual) > 0.005 {
			res.Warnings = append(res.Warnings, fmt.Sprintf("%s: the stated conversion rate %.4g does not match conversions/sampleSize = %.4f; the counts are used",
				v.Name, v.ConversionRate, actual))
		}
	}
	res.Conversion = compareProportions(a.Conversions, a.SampleSize, b.Conversions, b.SampleSize, level)
	if w, warn := compareRevenue(a, b, level); w != nil {
		res.Revenue = w
	} else if warn != "" {
		res.Warnings = append(res.Warnings, warn)
	}
	if res.Conversion.Significant {
		res.Winner = b.Name
		if res.Conversion.Difference < 0 {
			res.Winner = a.Name
		}
	}
	return res, nil
}

// compareProportions tests H0: pA = pB. With every expected cell count at
// least 5 (the usual rule for the normal approximation, e.g. Agresti,
// "Categorical Data Analysis", 3rd ed., §3.1) it is the pooled two-proportion
// z-test; otherwise Fisher's exact test. The interval for the difference is
// Newcombe's hybrid score interval (Newcombe 1998, method 10), which keeps
// its coverage for small counts, where the Wald interval does not.
func compareProportions(xa, na, xb, nb int, level float64) ProportionTest {
	pa, pb := float64(xa)/float64(na), float64(xb)/float64(nb)
	pt := ProportionTest{RateA: pa, RateB: pb, Difference: pb - pa}
	if xa > 0 {
		l := (pb - pa) / pa
		pt.RelativeLift = &l
	}
	pool := float64(xa+xb) / float64(na+nb)
	minExpected := math.Min(math.Min(pool*float64(na), (1-pool)*float64(na)), math.Min(pool*float64(nb), (1-pool)*float64(nb)))
	if minExpected >= 5 {
		pt.Test = "two_proportion_z"
		pt.Assumptions = []string{
			"users are independent and each is counted in one arm only",
			"every expected count (conversions and non-conversions per arm, under no difference) is at least 5, so the normal approximation holds",
			"the pooled standard error is used for the test",
		}
		se := math.Sqrt(pool * (1 - pool) * (1/float64(na) + 1/float64(nb)))
		z := 0.0
		if se > 0 {
			z = (pb - pa) / se
		}
		pt.Statistic = &z
		pt.PValue = 2 * distuv.UnitNormal.Survival(math.Abs(z))
	} else {
		pt.Test = "fisher_exact"
		pt.Assumptions = []string{
			"users are independent and each is counted in one arm only",
			fmt.Sprintf("an expected count is below 5 (%.2f), so the exact test conditional on the margins is used instead of the normal approximation", minExpected),
		}
		pt.PValue = FisherExact(xa, na-xa, xb, nb-xb)
	}
	pt.CI = newcombe(xa, na, xb, nb, level)
	pt.Significant = pt.PValue < 1-level
	return pt
}

// FisherExact is the two-sided p-value of Fisher's exact test for the 2×2
// table [[a, b], [c, d]]: the sum of the probabilities of all tables with the
// same margins that are no more likely than the one observed (the
// convention of R's fisher.test), with a relative tolerance of 1e-7 for ties.
func FisherExact(a, b, c, d int) float64 {
	r1, c1, n := a+b, a+c, a+b+c+d
	logP := func(x int) float64 {
		return combin.LogGeneralizedBinomial(float64(r1), float64(x)) +
			combin.LogGeneralizedBinomial(float64(n-r1), float64(c1-x)) -
			combin.LogGeneralizedBinomial(float64(n), float64(c1))
	}
	obs := logP(a)
	lo, hi := max(0, c1-(n-r1)), min(r1, c1)
	p := 0.0
	for x := lo; x <= hi; x++ {
		lp := logP(x)
		if lp <= obs+1e-7 {
			p += math.Exp(lp)
		}
	}
	return math.Min(p, 1)
}

// wilson is the Wilson score interval for x/n (Wilson 1927).
func wilson(x, n int, z float64) (float64, float64) {
	p := float64(x) / float64(n)
	nn := float64(n)
	den := 1 + z*z/nn
	centre := (p + z*z/(2*nn)) / den
	half := z * math.Sqrt(p*(1-p)/nn+z*z/(4*nn*nn)) / den
	return math.Max(0, centre-half), math.Min(1, centre+half)
}

// newcombe is Newcombe's (1998) method 10 interval for pB − pA from the
// Wilson intervals of each proportion.
func newcombe(xa, na, xb, nb int, level float64) Interval {
	z := distuv.UnitNormal.Quantile(1 - (1-level)/2)
	pa, pb := float64(xa)/float64(na), float64(xb)/float64(nb)
	la, ua := wilson(xa, na, z)
	lb, ub := wilson(xb, nb, z)
	d := pb - pa
	lo := d - math.Sqrt((pb-lb)*(pb-lb)+(ua-pa)*(ua-pa))
	hi := d + math.Sqrt((ub-pb)*(ub-pb)+(pa-la)*(pa-la))
	return Interval{Low: lo, High: hi, Level: level, Method: "Newcombe hybrid score (1998, method 10)"}
}

// compareRevenue runs Welch's t-test on revenue per user when both arms
// have revenue and its standard deviation; otherwise it says why not.
func compareRevenue(a, b Variant, level float64) (*WelchTest, string) {
	if a.Revenue == nil || b.Revenue == nil {
		return nil, ""
	}
	if a.RevenueStdDev == nil || b.RevenueStdDev == nil {
		return nil, "revenue is compared only when both arms give revenueStdDev (the standard deviation of revenue per user): a total alone supports no test"
	}
	if a.SampleSize < 2 || b.SampleSize < 2 {
		return nil, "revenue needs at least 2 users per arm for a t-test"
	}
	ma, mb := *a.Revenue/float64(a.SampleSize), *b.Revenue/float64(b.SampleSize)
	w := Welch(ma, *a.RevenueStdDev, a.SampleSize, mb, *b.RevenueStdDev, b.SampleSize, level)
	return &w, ""
}

// Welch is Welch's unequal-variances t-test of mean B − mean A from summary
// statistics, with the Welch–Satterthwaite degrees of freedom and a
// two-sided p-value from Student's t.
func Welch(ma, sa float64, na int, mb, sb float64, nb int, level float64) WelchTest {
	va, vb := sa*sa/float64(na), sb*sb/float64(nb)
	se := math.Sqrt(va + vb)
	df := (va + vb) * (va + vb) / (va*va/float64(na-1) + vb*vb/float64(nb-1))
	w := WelchTest{MeanA: ma, MeanB: mb, Difference: mb - ma, DF: df,
		Assumptions: []string{
			"users are independent",
			"revenue per user is roughly normal in each arm, or the arms are large enough for the central limit theorem (skewed revenue needs large samples)",
			"variances may differ (Welch–Satterthwaite degrees of freedom)",
		}}
	if se == 0 {
		w.PValue = 1
		if mb != ma {
			w.PValue = 0
		}
		w.CI = Interval{Low: w.Difference, High: w.Difference, Level: level, Method: "Welch t"}
		w.Significant = w.PValue < 1-level
		return w
	}
	w.T = (mb - ma) / se
	st := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}
	w.PValue = 2 * st.Survival(math.Abs(w.T))
	q := st.Quantile(1 - (1-level)/2)
	w.CI = Interval{Low: w.Difference - q*se, High: w.Difference + q*se, Level: level, Method: "Welch t"}
	w.Significant = w.PValue < 1-level
	return w
}
