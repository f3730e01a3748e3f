package forecast

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// MinPoints is the shortest series forecast at all: fewer observations give
// no honest interval.
const MinPoints = 6

// MaxHorizon is the furthest step forecast.
const MaxHorizon = 12

// ErrTooShort is returned for a series shorter than MinPoints.
var ErrTooShort = errors.New("forecast: too little history")

// Options shape a forecast.
type Options struct {
	Horizon int // steps ahead, 1..MaxHorizon
	Period  int // season length (12 for months); 0 means 12
	// BacktestHorizon is how far ahead the rolling-origin backtest
	// forecasts from each origin (default 3).
	BacktestHorizon int
	// MinOrigins is how many backtest origins a candidate needs (default 3);
	// a candidate that cannot have them is not considered.
	MinOrigins int
}

// Point is one step's forecast.
type Point struct {
	Step                   int
	Mean                   float64
	Lo80, Hi80, Lo95, Hi95 float64
}

// Score is a model's rolling-origin backtest.
type Score struct {
	Model     string
	Origins   int // training windows tried
	Forecasts int // held-out observations forecast
	// MAPE in percent over held-out observations that are not zero
	// (NaN when all were zero).
	MAPE float64
	// MASE: mean absolute error scaled per origin by the in-sample mean
	// absolute error of the seasonal naive forecast of that training
	// window (the naive one when the window is a season or shorter).
	MASE float64
	// RelMAE is the model's total absolute error divided by that of the
	// seasonal naive forecast on the same held-out observations (NaN when
	// the seasonal naive forecast could not be made from every origin).
	RelMAE float64
	// Coverage80 and Coverage95: shares of held-out observations inside
	// the intervals.
	Coverage80, Coverage95 float64
}

// Result is a forecast with the evidence for it.
type Result struct {
	Model       string // chosen model
	Description string
	// IntervalMethod is "analytic" (closed-form variance) or "empirical"
	// (simulated from bootstrapped residuals).
	IntervalMethod string
	Points         []Point
	Backtest       Score   // the chosen model's backtest
	Candidates     []Score // every model tried, in the order tried
	Notes          []string
	History        int // observations used
	// HeldOut are the indices of y the backtest forecast (each once): with
	// a short history they may miss some seasons, whose error the backtest
	// then cannot tell (the caller names them).
	HeldOut []int
}

// candidate names and constructors
type candidate struct {
	name, desc string
	make       func() model
}

var allCandidates = []candidate{
	{"mean", "the mean of the history", func() model { return &meanModel{} }},
	{"naive", "the last month repeated (random walk)", func() model { return &naiveModel{} }},
	{"drift", "the line through the first and last month", func() model { return &naiveModel{drift: true} }},
	{"seasonal_naive", "the same month one year earlier", func() model { return &snaiveModel{} }},
	{"seasonal_combo", "the average of the last year's mean and the same month one year earlier", func() model { return &comboModel{} }},
	{"ets_ann", "simple exponential smoothing, ETS(A,N,N)", func() model { return &etsModel{} }},
	{"ets_aan", "Holt's linear trend, ETS(A,A,N)", func() model { return &etsModel{trend: additive} }},
	{"ets_aadn", "damped trend, ETS(A,Ad,N)", func() model { return &etsModel{trend: damped} }},
	{"ets_ana", "Holt-Winters additive seasonality, ETS(A,N,A)", func() model { return &etsModel{season: additive} }},
	{"ets_aada", "Holt-Winters damped trend, additive seasonality, ETS(A,Ad,A)", func() model { return &etsModel{trend: damped, season: additive} }},
	{"ets_anm", "Holt-Winters multiplicative seasonality, ETS(A,N,M)", func() model { return &etsModel{season: multiplicative} }},
	{"ets_aadm", "Holt-Winters damped trend, multiplicative seasonality, ETS(A,Ad,M)", func() model { return &etsModel{trend: damped, season: multiplicative} }},
}

// Candidates lists the model names Forecast may choose from.
func Candidates() []string {
	out := make([]string, len(allCandidates))
	for i, c := range allCandidates {
		out[i] = c.name
	}
	return out
}

var z80, z95 = distuv.UnitNormal.Quantile(0.9), distuv.UnitNormal.Quantile(0.975)

// Forecast chooses a model for y by backtest and forecasts opt.Horizon steps.
func Forecast(y []float64, opt Options) (*Result, error) {
	if opt.Period == 0 {
		opt.Period = 12
	}
	if opt.BacktestHorizon == 0 {
		opt.BacktestHorizon = 3
	}
	if opt.MinOrigins == 0 {
		opt.MinOrigins = 3
	}
	if opt.Horizon < 1 || opt.Horizon > MaxHorizon {
		return nil, fmt.Errorf("forecast: horizon %d outside 1..%d", opt.Horizon, MaxHorizon)
	}
	for _, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, errors.New("forecast: the series holds a value that is not a finite number")
		}
	}
	n, p := len(y), opt.Period
	if n < MinPoints {
		return nil, fmt.Errorf("%w: %d months, at least %d are needed", ErrTooShort, n, MinPoints)
	}
	res := &Result{History: n}
	if n < 2*p {
		res.Notes = append(res.Notes, fmt.Sprintf("only %d months of history, fewer than two full years: "+
			"seasonal smoothing (Holt-Winters) is not fitted, only simpler models", n))
	}
	// Usable candidates: those that can be fitted to the full series and
	// backtested from at least MinOrigins origins, all candidates sharing
	// the same origins so that their errors compare.
	var cands []candidate
	var first int
	for _, c := range allCandidates {
		ml := c.make().minLen(p)
		// the first origin must leave the candidate its minimum, and
		// enough for the MASE scale (one in-sample seasonal difference)
		if n-opt.MinOrigins < ml {
			if ml == 2*p && n >= 2*p {
				res.Notes = append(res.Notes, fmt.Sprintf("%s left out: it needs %d months before each of %d backtest origins",
					c.name, ml, opt.MinOrigins))
			}
			continue
		}
		cands = append(cands, c)
	}
	if len(cands) == 0 {
		return nil, fmt.Errorf("%w: %d months leave no backtest origin", ErrTooShort, n)
	}
	first = 0
	// Common origins: every candidate must fit at the first origin.
	for _, c := range cands {
		first = max(first, c.make().minLen(p))
	}
	// When the backtest cannot hold out every season, its error cannot see
	// a seasonal peak; if the series is measurably seasonal, only models
	// that carry seasonality may then be chosen (their backtest is still
	// reported, worse or not).
	seasonalOnly := false
	if n-first < p {
		if r, ok := seasonalSignal(y, p); ok {
			seasonalOnly = true
			res.Notes = append(res.Notes, fmt.Sprintf("the series is seasonal (detrended correlation with the same month a year earlier %.2f, above 2/√k = %.2f) "+
				"and the backtest cannot hold out every season, so only seasonal models were eligible", r, 2/math.Sqrt(float64(n-p))))
		}
	}
	bestIdx, best := -1, math.Inf(1)
	for i, c := range cands {
		sc := backtest(y, c, first, opt)
		res.Candidates = append(res.Candidates, sc)
		if seasonalOnly && !seasonalCandidate[c.name] {
			continue
		}
		if !math.IsNaN(sc.MASE) && sc.MASE < best {
			best, bestIdx = sc.MASE, i
		}
	}
	if bestIdx < 0 {
		return nil, errors.New("forecast: no model could be backtested on this series")
	}
	res.Notes = append(res.Notes, fmt.Sprintf("model chosen by a rolling-origin backtest over %d origins, 1–%d months ahead; "+
		"the same backtest scores it, so its error is slightly optimistic", res.Candidates[bestIdx].Origins, opt.BacktestHorizon))
	c := cands[bestIdx]
	m := c.make()
	if !m.fit(y, p) {
		return nil, fmt.Errorf("forecast: %s could not be fitted to the full series", c.name)
	}
	res.Model, res.Description, res.Backtest = c.name, c.desc, res.Candidates[bestIdx]
	for t := first; t < n; t++ {
		res.HeldOut = append(res.HeldOut, t)
	}
	if seasons := min(n-first, p); seasons < p {
		res.Notes = append(res.Notes, fmt.Sprintf("the backtest held out only %d of the %d seasons, so its error says nothing about the others", seasons, p))
	}
	res.Points = points(m, opt.Horizon)
	res.IntervalMethod = "analytic"
	if !m.analytic() {
		res.IntervalMethod = "empirical"
	}
	for i := range res.Points {
		if res.Points[i].Lo95 < 0 || res.Points[i].Lo80 < 0 {
			res.Notes = append(res.Notes, "lower interval bounds below zero are cut at zero (revenue is not negative)")
			break
		}
	}
	for i := range res.Points {
		pt := &res.Points[i]
		pt.Lo80, pt.Lo95 = math.Max(pt.Lo80, 0), math.Max(pt.Lo95, 0)
	}
	return res, nil
}

// points turns a fitted model's forecast into points with intervals.
func points(m model, h int) []Point {
	mu, sd := m.forecast(h)
	out := make([]Point, h)
	var q [][]float64
	if !m.analytic() {
		q = m.quantiles(h, []float64{0.025, 0.1, 0.9, 0.975})
	}
	for i := range out {
		pt := Point{Step: i + 1, Mean: mu[i]}
		if q != nil {
			pt.Lo95, pt.Lo80, pt.Hi80, pt.Hi95 = q[i][0], q[i][1], q[i][2], q[i][3]
		} else {
			pt.Lo80, pt.Hi80 = mu[i]-z80*sd[i], mu[i]+z80*sd[i]
			pt.Lo95, pt.Hi95 = mu[i]-z95*sd[i], mu[i]+z95*sd[i]
		}
		out[i] = pt
	}
	return out
}

// backtest scores a candidate by rolling origins: for every origin o from
// first to n−1 it fits y[:o] and forecasts up to BacktestHorizon steps that
// are still in y.
func backtest(y []float64, c candidate, first int, opt Options) Score {
	n, p := len(y), opt.Period
	sc := Score{Model: c.name}
	var sumAPE, sumASE, absErr, absSN float64
	var nAPE, in80, in95 int
	snOK := true
	for o := first; o < n; o++ {
		tr := y[:o]
		m := c.make()
		if !m.fit(tr, p) {
			continue
		}
		h := min(opt.BacktestHorizon, n-o)
		pts := points(m, h)
		scale := maeScale(tr, p)
		sc.Origins++
		for i, pt := range pts {
			actual := y[o+i]
			e := math.Abs(actual - pt.Mean)
			sc.Forecasts++
			if actual != 0 {
				sumAPE += e / math.Abs(actual)
				nAPE++
			}
			if scale > 0 {
				sumASE += e / scale
			}
			absErr += e
			if o+i-p >= 0 && o > p-1 {
				// seasonal naive from this origin: the same month a year
				// before the target, as long as it lies in the training window
				k := o + i - p
				for k >= o {
					k -= p
				}
				absSN += math.Abs(actual - y[k])
			} else {
				snOK = false
			}
			lo80, hi80 := math.Max(pt.Lo80, 0), pt.Hi80
			lo95, hi95 := math.Max(pt.Lo95, 0), pt.Hi95
			if actual >= lo80 && actual <= hi80 {
				in80++
			}
			if actual >= lo95 && actual <= hi95 {
				in95++
			}
		}
	}
	if sc.Forecasts == 0 {
		sc.MAPE, sc.MASE, sc.RelMAE, sc.Coverage80, sc.Coverage95 = math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()
		return sc
	}
	f := float64(sc.Forecasts)
	sc.MAPE = math.NaN()
	if nAPE > 0 {
		sc.MAPE = 100 * sumAPE / float64(nAPE)
	}
	sc.MASE = sumASE / f
	sc.RelMAE = math.NaN()
	if snOK && absSN > 0 {
		sc.RelMAE = absErr / absSN
	}
	sc.Coverage80, sc.Coverage95 = float64(in80)/f, float64(in95)/f
	return sc
}

// seasonalCandidate are the candidates that model seasonality.
var seasonalCandidate = map[string]bool{"seasonal_naive": true, "seasonal_combo": true, "ets_ana": true, "ets_aada": true, "ets_anm": true, "ets_aadm": true}

// seasonalSignal is the correlation between each month and the same month
// one season earlier, after removing a least-squares trend line (a trend
// would otherwise correlate every pair), and whether it exceeds 2/√k for
// the k pairs, the approximate 95 % bound for no correlation. With one or
// two seasons it has little power: it finds a strong, repeated pattern,
// not a faint one.
func seasonalSignal(y []float64, p int) (float64, bool) {
	n := len(y)
	k := n - p
	if k < 3 {
		return 0, false
	}
	x := make([]float64, n)
	for i := range x {
		x[i] = float64(i)
	}
	alpha, beta := stat.LinearRegression(x, y, nil, false)
	e := make([]float64, n)
	for i := range y {
		e[i] = y[i] - alpha - beta*x[i]
	}
	r := stat.Correlation(e[p:], e[:k], nil)
	if math.IsNaN(r) {
		return 0, false
	}
	return r, r > 2/math.Sqrt(float64(k))
}

// maeScale is MASE's denominator: the in-sample mean absolute error of the
// seasonal naive forecast, or of the naive one when the window holds no
// full season plus one (Hyndman & Koehler 2006).
func maeScale(y []float64, p int) float64 {
	lag := p
	if len(y) <= p {
		lag = 1
	}
	s := 0.0
	for t := lag; t < len(y); t++ {
		s += math.Abs(y[t] - y[t-lag])
	}
	return s / float64(len(y)-lag)
}
