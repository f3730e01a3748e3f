package forecast

import (
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/optimize"
)

// A model is fitted to a training series and then forecasts from its end.
type model interface {
	// fit estimates the model on y; it fails (false) when y is too short
	// or the fit is degenerate.
	fit(y []float64, period int) bool
	// forecast returns h point forecasts and, per step, the standard
	// deviation of the forecast error (analytic) or, when analytic is false,
	// the empirical quantiles through quantiles.
	forecast(h int) (mean []float64, sd []float64)
	// analytic says whether sd is a closed-form error standard deviation;
	// when false, quantiles gives simulated ones.
	analytic() bool
	quantiles(h int, probs []float64) [][]float64
	// minLen is the shortest training series the model accepts.
	minLen(period int) int
}

// Benchmarks ---------------------------------------------------------------

// meanModel forecasts the training mean (fpp3 §5.2; sd √(1+1/T)·σ).
type meanModel struct {
	mu, sigma float64
	n         int
}

func (m *meanModel) minLen(int) int { return 2 }
func (m *meanModel) analytic() bool { return true }
func (m *meanModel) quantiles(int, []float64) [][]float64 {
	return nil
}
func (m *meanModel) fit(y []float64, _ int) bool {
	m.n = len(y)
	m.mu = mean(y)
	ss := 0.0
	for _, v := range y {
		ss += (v - m.mu) * (v - m.mu)
	}
	m.sigma = math.Sqrt(ss / float64(len(y)-1))
	return true
}
func (m *meanModel) forecast(h int) ([]float64, []float64) {
	mu, sd := make([]float64, h), make([]float64, h)
	for i := range mu {
		mu[i] = m.mu
		sd[i] = m.sigma * math.Sqrt(1+1/float64(m.n))
	}
	return mu, sd
}

// naiveModel forecasts the last value (random walk; sd √h·σ), or with drift
// the line through the first and last values (sd σ√(h(1+h/(T−1)))).
type naiveModel struct {
	drift       bool
	last, slope float64
	sigma       float64
	n           int
}

func (m *naiveModel) minLen(int) int { return 3 }
func (m *naiveModel) analytic() bool { return true }
func (m *naiveModel) quantiles(int, []float64) [][]float64 {
	return nil
}
func (m *naiveModel) fit(y []float64, _ int) bool {
	n := len(y)
	m.n, m.last = n, y[n-1]
	if m.drift {
		m.slope = (y[n-1] - y[0]) / float64(n-1)
	}
	ss := 0.0
	for t := 1; t < n; t++ {
		e := y[t] - y[t-1] - m.slope
		ss += e * e
	}
	df := n - 1
	if m.drift {
		df--
	}
	m.sigma = math.Sqrt(ss / float64(df))
	return true
}
func (m *naiveModel) forecast(h int) ([]float64, []float64) {
	mu, sd := make([]float64, h), make([]float64, h)
	for i := range mu {
		k := float64(i + 1)
		mu[i] = m.last + k*m.slope
		if m.drift {
			sd[i] = m.sigma * math.Sqrt(k*(1+k/float64(m.n-1)))
		} else {
			sd[i] = m.sigma * math.Sqrt(k)
		}
	}
	return mu, sd
}

// snaiveModel forecasts the value of the same season one period earlier
// (sd σ√(k+1), k the whole periods in h−1; fpp3 §5.5).
type snaiveModel struct {
	tail  []float64
	sigma float64
}

func (m *snaiveModel) minLen(p int) int { return p + 2 }
func (m *snaiveModel) analytic() bool   { return true }
func (m *snaiveModel) quantiles(int, []float64) [][]float64 {
	return nil
}
func (m *snaiveModel) fit(y []float64, p int) bool {
	n := len(y)
	if n < p+2 {
		return false
	}
	m.tail = append([]float64(nil), y[n-p:]...)
	ss := 0.0
	for t := p; t < n; t++ {
		ss += (y[t] - y[t-p]) * (y[t] - y[t-p])
	}
	m.sigma = math.Sqrt(ss / float64(n-p))
	return true
}
func (m *snaiveModel) forecast(h int) ([]float64, []float64) {
	p := len(m.tail)
	mu, sd := make([]float64, h), make([]float64, h)
	for i := range mu {
		mu[i] = m.tail[i%p]
		sd[i] = m.sigma * math.Sqrt(float64(i/p+1))
	}
	return mu, sd
}

// comboModel is the equal-weight combination of the mean of the last
// season and the seasonal naive forecast (forecast combination: fpp3
// §13.4). With one or two seasons of history it keeps part of the seasonal
// shape without trusting one noisy year fully. Its intervals are normal
// with the standard deviation of its own in-sample one-step errors,
// constant over the horizon (neither part drifts).
type comboModel struct {
	level float64
	tail  []float64
	sigma float64
}

func (m *comboModel) minLen(p int) int { return p + 2 }
func (m *comboModel) analytic() bool   { return true }
func (m *comboModel) quantiles(int, []float64) [][]float64 {
	return nil
}
func (m *comboModel) fit(y []float64, p int) bool {
	n := len(y)
	if n < p+2 {
		return false
	}
	m.level = mean(y[n-p:])
	m.tail = append([]float64(nil), y[n-p:]...)
	ss, k := 0.0, 0
	for t := p; t < n; t++ {
		e := y[t] - (0.5*mean(y[t-p:t]) + 0.5*y[t-p])
		ss += e * e
		k++
	}
	m.sigma = math.Sqrt(ss / float64(k))
	return true
}
func (m *comboModel) forecast(h int) ([]float64, []float64) {
	p := len(m.tail)
	mu, sd := make([]float64, h), make([]float64, h)
	for i := range mu {
		mu[i] = 0.5*m.level + 0.5*m.tail[i%p]
		sd[i] = m.sigma
	}
	return mu, sd
}

// Exponential smoothing ------------------------------------------------------

// Trend and season kinds of an ETS model with additive errors.
const (
	none = iota
	additive
	damped
	multiplicative
)

// etsModel is ETS(A, trend, season) in the innovations state-space form of
// Hyndman et al. (2008), Table 2.1 (additive errors).
type etsModel struct {
	trend, season int

	period                  int
	alpha, beta, gamma, phi float64
	// states at the end of the training series
	level, slope float64
	seas         []float64 // the last period's seasonal states, oldest first
	sigma        float64
	resid        []float64 // one-step in-sample errors
	rng          *rand.Rand
}

func (m *etsModel) minLen(p int) int {
	switch {
	case m.season != none:
		return 2 * p
	case m.trend != none:
		return 4
	}
	return 3
}

// analytic: the additive-season and non-seasonal models are linear (class 1)
// and have closed-form variances; multiplicative seasonality does not.
func (m *etsModel) analytic() bool { return m.season != multiplicative }

// init sets the initial states by the heuristic of Hyndman et al. (2008),
// §2.6.1 (simplified to means of whole seasons, which needs two of them).
func (m *etsModel) init(y []float64) (l, b float64, s []float64) {
	p := m.period
	if m.season == none {
		l = y[0]
		if m.trend != none {
			k := min(len(y)-1, 4)
			b = (y[k] - y[0]) / float64(k)
		}
		return l, b, nil
	}
	first, second := mean(y[:p]), mean(y[p:2*p])
	l = first
	if m.trend != none {
		b = (second - first) / float64(p)
	}
	s = make([]float64, p)
	for j := range p {
		// the season's deviation from the trend line through the first season
		base := first + b*(float64(j)-float64(p-1)/2)
		if m.season == multiplicative {
			if base <= 0 {
				s[j] = 1
			} else {
				s[j] = y[j] / base
			}
		} else {
			s[j] = y[j] - base
		}
	}
	// normalize: additive seasons sum to 0, multiplicative ones average 1
	ms := mean(s)
	for j := range s {
		if m.season == multiplicative {
			if ms > 0 {
				s[j] /= ms
			}
		} else {
			s[j] -= ms
		}
	}
	return l, b, s
}

// run filters y with the current parameters and returns the sum of squared
// one-step errors; with keep it stores the end states and residuals.
func (m *etsModel) run(y []float64, keep bool) float64 {
	l, b, s0 := m.init(y)
	s := append([]float64(nil), s0...)
	phi := 1.0
	if m.trend == damped {
		phi = m.phi
	}
	if m.trend == none {
		b = 0
	}
	var resid []float64
	if keep {
		resid = make([]float64, 0, len(y))
	}
	sse := 0.0
	for t, v := range y {
		lb := l + phi*b
		var yhat, st float64
		switch m.season {
		case additive:
			st = s[t%m.period]
			yhat = lb + st
		case multiplicative:
			st = s[t%m.period]
			yhat = lb * st
		default:
			yhat = lb
		}
		e := v - yhat
		sse += e * e
		if keep {
			resid = append(resid, e)
		}
		switch m.season {
		case multiplicative:
			if st <= 1e-9 || lb <= 1e-9 {
				return math.Inf(1)
			}
			l = lb + m.alpha*e/st
			b = phi*b + m.beta*e/st
			s[t%m.period] = st + m.gamma*e/lb
		default:
			l = lb + m.alpha*e
			b = phi*b + m.beta*e
			if m.season == additive {
				s[t%m.period] = st + m.gamma*e
			}
		}
		if m.trend == none {
			b = 0
		}
	}
	if math.IsNaN(sse) {
		return math.Inf(1)
	}
	if keep {
		m.level, m.slope, m.resid = l, b, resid
		if s != nil {
			// rotate so that seas[0] is the season of the next observation
			n, p := len(y), m.period
			m.seas = make([]float64, p)
			for j := range p {
				m.seas[j] = s[(n+j)%p]
			}
		}
	}
	return sse
}

func logistic(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// set maps unconstrained optimizer coordinates to the usual admissible
// region: 0<α<1, 0<β<α, 0<γ<1−α, 0.8≤φ≤0.98 (Hyndman et al. 2008, §5.2
// and fpp3 §8.2 for φ's range).
func (m *etsModel) set(x []float64) {
	m.alpha = 0.0001 + 0.9998*logistic(x[0])
	i := 1
	m.beta, m.gamma, m.phi = 0, 0, 1
	if m.trend != none {
		m.beta = m.alpha * logistic(x[i])
		i++
	}
	if m.season != none {
		m.gamma = (1 - m.alpha) * logistic(x[i])
		i++
	}
	if m.trend == damped {
		m.phi = 0.8 + 0.18*logistic(x[i])
	}
}

func (m *etsModel) nparams() int {
	k := 1
	if m.trend != none {
		k++
	}
	if m.season != none {
		k++
	}
	if m.trend == damped {
		k++
	}
	return k
}

func (m *etsModel) fit(y []float64, p int) bool {
	m.period = p
	if len(y) < m.minLen(p) {
		return false
	}
	if m.season == multiplicative {
		for _, v := range y {
			if v <= 0 {
				return false // multiplicative seasonality needs a positive series
			}
		}
	}
	k := m.nparams()
	x0 := make([]float64, k)
	x0[0] = -1 // α ≈ 0.27: a typical start
	prob := optimize.Problem{Func: func(x []float64) float64 {
		m.set(x)
		return m.run(y, false)
	}}
	res, err := optimize.Minimize(prob, x0, &optimize.Settings{MajorIterations: 400, FuncEvaluations: 2000}, &optimize.NelderMead{})
	x := x0
	if err == nil || (res != nil && !math.IsInf(res.F, 1) && !math.IsNaN(res.F)) {
		if res != nil {
			x = res.X
		}
	}
	m.set(x)
	sse := m.run(y, true)
	if math.IsInf(sse, 1) {
		return false
	}
	// The number of free quantities: smoothing parameters plus initial
	// states (Hyndman et al. 2008, §5.1), for an unbiased σ².
	free := k + 1
	if m.trend != none {
		free++
	}
	if m.season != none {
		free += p - 1
	}
	df := len(y) - free
	if df < 1 {
		df = 1
	}
	m.sigma = math.Sqrt(sse / float64(df))
	m.rng = rand.New(rand.NewPCG(uint64(len(y)), 0x5eed))
	return true
}

// point is the h-step point forecast from the end states.
func (m *etsModel) point(l, b float64, s []float64, h int) float64 {
	phiH := float64(h)
	switch m.trend {
	case none:
		phiH = 0
	case damped:
		phiH = 0
		f := 1.0
		for range h {
			f *= m.phi
			phiH += f
		}
	}
	lb := l + phiH*b
	switch m.season {
	case additive:
		return lb + s[(h-1)%m.period]
	case multiplicative:
		return lb * s[(h-1)%m.period]
	}
	return lb
}

func (m *etsModel) forecast(h int) ([]float64, []float64) {
	mu, sd := make([]float64, h), make([]float64, h)
	// c_j of the class-1 variance, Hyndman et al. (2008), §6.3:
	// var(h) = σ²[1 + Σ_{j=1}^{h-1} c_j²], c_j = α + β·φ_j + γ·d_{j,m},
	// φ_j = φ+…+φ^j (j for the undamped trend), d_{j,m} = 1 when m divides j.
	sum := 0.0
	for i := range h {
		mu[i] = m.point(m.level, m.slope, m.seas, i+1)
		sd[i] = m.sigma * math.Sqrt(1+sum)
		j := i + 1
		c := m.alpha
		switch m.trend {
		case additive:
			c += m.beta * float64(j)
		case damped:
			f, pj := 1.0, 0.0
			for range j {
				f *= m.phi
				pj += f
			}
			c += m.beta * pj
		}
		if m.season != none && j%m.period == 0 {
			c += m.gamma
		}
		sum += c * c
	}
	return mu, sd
}

// simPaths is how many paths the empirical intervals simulate.
const simPaths = 2000

// quantiles simulates sample paths with the model's own recursion from
// bootstrapped one-step residuals (the seeded source makes them
// reproducible) and returns, per step, the given quantiles.
func (m *etsModel) quantiles(h int, probs []float64) [][]float64 {
	phi := 1.0
	if m.trend == damped {
		phi = m.phi
	}
	draws := make([][]float64, h)
	for i := range draws {
		draws[i] = make([]float64, simPaths)
	}
	s := make([]float64, m.period)
	for k := range simPaths {
		l, b := m.level, m.slope
		copy(s, m.seas)
		for i := range h {
			st := s[i%m.period]
			lb := l + phi*b
			yhat := lb * st
			e := m.resid[m.rng.IntN(len(m.resid))]
			draws[i][k] = yhat + e
			if st <= 1e-9 || lb <= 1e-9 {
				continue
			}
			l = lb + m.alpha*e/st
			b = phi*b + m.beta*e/st
			s[i%m.period] = st + m.gamma*e/lb
		}
	}
	out := make([][]float64, h)
	for i := range h {
		sort.Float64s(draws[i])
		out[i] = make([]float64, len(probs))
		for j, p := range probs {
			out[i][j] = quantileSorted(draws[i], p)
		}
	}
	return out
}

// quantileSorted is the type-7 sample quantile (linear interpolation).
func quantileSorted(x []float64, p float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	pos := p * float64(len(x)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(x)-1)
	return x[lo] + (pos-float64(lo))*(x[hi]-x[lo])
}

func mean(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}
