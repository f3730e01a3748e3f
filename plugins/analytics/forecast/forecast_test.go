package forecast

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// synthetic is a monthly series with a known level, trend and seasonality
// and Gaussian noise from a fixed seed.
func synthetic(seed uint64, n int, level, trend, amp, noise float64, mult bool) []float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	y := make([]float64, n)
	for t := range y {
		s := math.Sin(2 * math.Pi * float64(t%12) / 12)
		base := level + trend*float64(t)
		if mult {
			y[t] = base*(1+amp*s) + noise*rng.NormFloat64()
		} else {
			y[t] = base + amp*s + noise*rng.NormFloat64()
		}
	}
	return y
}

func logScore(t *testing.T, label string, r *Result) {
	t.Helper()
	b := r.Backtest
	t.Logf("%-28s n=%2d model=%-15s intervals=%-9s origins=%d forecasts=%d MAPE=%.1f%% MASE=%.2f relMAE(vs snaive)=%.2f cover80=%.0f%% cover95=%.0f%%",
		label, r.History, r.Model, r.IntervalMethod, b.Origins, b.Forecasts, b.MAPE, b.MASE, b.RelMAE, 100*b.Coverage80, 100*b.Coverage95)
}

// TestSyntheticSeasonal: on 5 years of a strongly seasonal series a seasonal
// model must win the backtest, beat the seasonal naive forecast, and its
// point forecast must follow the known pattern.
func TestSyntheticSeasonal(t *testing.T) {
	for _, tc := range []struct {
		name string
		mult bool
		amp  float64
	}{
		{"additive", false, 300},
		{"multiplicative", true, 0.3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			y := synthetic(42, 72, 1000, 5, tc.amp, 40, tc.mult)
			r, err := Forecast(y, Options{Horizon: 12})
			if err != nil {
				t.Fatal(err)
			}
			logScore(t, "synthetic "+tc.name, r)
			if !seasonalModels[r.Model] {
				t.Errorf("chose %s for a seasonal series, want a Holt-Winters model", r.Model)
			}
			if r.Backtest.MASE > 0.8 {
				t.Errorf("MASE %.2f, want ≤ 0.8 on a clean seasonal series", r.Backtest.MASE)
			}
			// the forecast follows the truth (without noise) within the 95 % band
			for _, pt := range r.Points {
				tt := 72 + pt.Step - 1
				s := math.Sin(2 * math.Pi * float64(tt%12) / 12)
				truth := 1000 + 5*float64(tt) + tc.amp*s
				if tc.mult {
					truth = (1000 + 5*float64(tt)) * (1 + tc.amp*s)
				}
				if truth < pt.Lo95 || truth > pt.Hi95 {
					t.Errorf("step %d: truth %.0f outside the 95 %% interval [%.0f, %.0f]", pt.Step, truth, pt.Lo95, pt.Hi95)
				}
				if !(pt.Lo95 <= pt.Lo80 && pt.Lo80 <= pt.Mean && pt.Mean <= pt.Hi80 && pt.Hi80 <= pt.Hi95) {
					t.Errorf("step %d: intervals out of order %+v", pt.Step, pt)
				}
			}
		})
	}
}

// TestIntervalsWiden: analytic intervals of a trend model widen with the step.
func TestIntervalsWiden(t *testing.T) {
	y := synthetic(3, 40, 500, 10, 0, 30, false)
	r, err := Forecast(y, Options{Horizon: 6})
	if err != nil {
		t.Fatal(err)
	}
	logScore(t, "synthetic trend", r)
	for i := 1; i < len(r.Points); i++ {
		if r.Points[i].Hi95-r.Points[i].Lo95 < r.Points[i-1].Hi95-r.Points[i-1].Lo95-1e-9 {
			t.Errorf("interval at step %d narrower than at step %d", i+1, i)
		}
	}
}

// TestShortHistory: fewer than two seasons say so and use no seasonal
// smoothing; fewer than MinPoints give ErrTooShort.
func TestShortHistory(t *testing.T) {
	y := synthetic(5, 18, 1000, 0, 200, 50, false)
	r, err := Forecast(y, Options{Horizon: 3})
	if err != nil {
		t.Fatal(err)
	}
	logScore(t, "synthetic 18 months", r)
	for _, c := range r.Candidates {
		if seasonalModels[c.Model] {
			t.Errorf("seasonal model %s tried on 18 months", c.Model)
		}
	}
	if len(r.Notes) == 0 || r.Notes[0][:7] != "only 18" {
		t.Errorf("notes %q do not say the history is short", r.Notes)
	}
	if _, err := Forecast(y[:5], Options{Horizon: 3}); !errors.Is(err, ErrTooShort) {
		t.Errorf("5 months: err %v, want ErrTooShort", err)
	}
}

// TestMultiplicativeEmpirical: a multiplicative model's intervals are
// labelled empirical and are reproducible.
func TestMultiplicativeEmpirical(t *testing.T) {
	y := synthetic(9, 60, 2000, 0, 0.4, 60, true)
	m := &etsModel{season: multiplicative}
	if !m.fit(y, 12) {
		t.Fatal("fit failed")
	}
	if m.analytic() {
		t.Fatal("multiplicative model claims analytic intervals")
	}
	a := points(m, 4)
	m2 := &etsModel{season: multiplicative}
	m2.fit(y, 12)
	b := points(m2, 4)
	for i := range a {
		if a[i] != b[i] {
			t.Errorf("step %d: %+v then %+v: simulation not reproducible", i+1, a[i], b[i])
		}
	}
}

var seasonalModels = map[string]bool{"ets_ana": true, "ets_aada": true, "ets_anm": true, "ets_aadm": true}

func TestBadInput(t *testing.T) {
	if _, err := Forecast([]float64{1, 2, 3, 4, 5, 6, math.NaN()}, Options{Horizon: 1}); err == nil {
		t.Error("NaN accepted")
	}
	if _, err := Forecast(make([]float64, 30), Options{Horizon: 13}); err == nil {
		t.Error("horizon 13 accepted")
	}
}

// TestSeasonalGate: 23 months of a strongly seasonal series leave the
// backtest 9 of 12 months; the lag-12 autocorrelation of the changes finds
// the seasonality, so a seasonal model is chosen even where the backtest
// alone might prefer a flat one.
func TestSeasonalGate(t *testing.T) {
	y := make([]float64, 23)
	for i := range y {
		y[i] = 1000
		if i%12 == 0 { // a December-like spike
			y[i] = 3000
		}
		y[i] += float64((i*7)%5) * 20
	}
	r, ok := seasonalSignal(y, 12)
	if !ok {
		t.Fatalf("r = %.2f: the spike series is not found seasonal", r)
	}
	res, err := Forecast(y, Options{Horizon: 12})
	if err != nil {
		t.Fatal(err)
	}
	logScore(t, "spike 23 months", res)
	if !seasonalCandidate[res.Model] {
		t.Errorf("chose %s, want a seasonal model", res.Model)
	}
	// step 2 is index 24, a spike month; step 1 is not
	if res.Points[1].Mean < 1500 || res.Points[0].Mean > 1500 {
		t.Errorf("forecasts %.0f, %.0f: want an ordinary month, then the spike", res.Points[0].Mean, res.Points[1].Mean)
	}
	if !strings.Contains(strings.Join(res.Notes, " "), "only seasonal models were eligible") {
		t.Errorf("notes %q do not say the choice was limited", res.Notes)
	}
	// a trend is not seasonality
	tr := make([]float64, 23)
	for i := range tr {
		tr[i] = 100 + 10*float64(i) + float64((i*7)%5)
	}
	if r, ok := seasonalSignal(tr, 12); ok {
		t.Errorf("a trend found seasonal (r = %.2f)", r)
	}
}
