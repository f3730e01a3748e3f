package billy

import (
	"sort"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sony/gobreaker/v2"
)

// metrics are always created (so the code has no nil checks) and registered
// only when Options.Registerer is set.
type metrics struct {
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	retries     *prometheus.CounterVec
	dedup       *prometheus.CounterVec
	rateWait    prometheus.Histogram
	transitions *prometheus.CounterVec
	breakers    *breakerCollector
	// sharedLimitFallbacks counts waits for the token bucket that fell
	// back to this instance's own because the shared one failed.
	sharedLimitFallbacks prometheus.Counter
}

func newMetrics(g *Gateway) *metrics {
	return &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "billy_upstream_requests_total",
			Help: "Requests sent to Billy, one per attempt, by resource, method and status (HTTP code or \"error\").",
		}, []string{"resource", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "billy_upstream_request_duration_seconds",
			Help:    "Duration of one attempt against Billy, until the body was read.",
			Buckets: []float64{.025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"resource", "method"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "billy_upstream_retries_total",
			Help: "Automatic retries of reads against Billy.",
		}, []string{"resource"}),
		dedup: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "billy_upstream_deduplicated_total",
			Help: "Reads answered by joining an identical read already in flight.",
		}, []string{"resource"}),
		rateWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "billy_upstream_rate_limit_wait_seconds",
			Help:    "Time spent waiting for the organization's token bucket before an attempt.",
			Buckets: []float64{0, .01, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "billy_upstream_breaker_transitions_total",
			Help: "Circuit breaker state changes, by the state entered.",
		}, []string{"state"}),
		sharedLimitFallbacks: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "billy_upstream_shared_rate_limit_fallbacks_total",
			Help: "Token bucket waits served by this instance's own bucket because the shared one (Redis) failed.",
		}),
		breakers: &breakerCollector{g: g,
			stateDesc: prometheus.NewDesc("billy_upstream_breaker_state",
				"Circuit breaker state per organization: 0 closed, 1 half-open, 2 open (capped number of organizations, non-closed first).",
				[]string{"organization"}, nil),
			countDesc: prometheus.NewDesc("billy_upstream_breakers",
				"Number of organizations whose circuit breaker is in each state.",
				[]string{"state"}, nil),
		},
	}
}

func (m *metrics) register(r prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.retries, m.dedup, m.rateWait, m.transitions, m.breakers, m.sharedLimitFallbacks} {
		if err := r.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// breakerCollector reads the breakers at scrape time rather than keeping a
// gauge in step with OnStateChange: gobreaker moves from open to half-open
// lazily, when asked, so only asking at scrape time reports it correctly.
type breakerCollector struct {
	g         *Gateway
	stateDesc *prometheus.Desc
	countDesc *prometheus.Desc
}

func (c *breakerCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.stateDesc
	ch <- c.countDesc
}

func (c *breakerCollector) Collect(ch chan<- prometheus.Metric) {
	type orgBreaker struct {
		org   string
		state gobreaker.State
	}
	var all []orgBreaker
	for _, o := range c.g.orgSnapshot() {
		all = append(all, orgBreaker{o.id, o.breaker.State()})
	}
	counts := map[gobreaker.State]int{}
	for _, b := range all {
		counts[b.state]++
	}
	for _, s := range []gobreaker.State{gobreaker.StateClosed, gobreaker.StateHalfOpen, gobreaker.StateOpen} {
		ch <- prometheus.MustNewConstMetric(c.countDesc, prometheus.GaugeValue, float64(counts[s]), s.String())
	}
	// Open first, then half-open, then closed, so the cap never hides a
	// breaker an operator must see.
	sort.Slice(all, func(i, j int) bool {
		if all[i].state != all[j].state {
			return all[i].state > all[j].state
		}
		return all[i].org < all[j].org
	})
	if len(all) > c.g.opts.MaxOrganizationSeries {
		all = all[:c.g.opts.MaxOrganizationSeries]
	}
	for _, b := range all {
		ch <- prometheus.MustNewConstMetric(c.stateDesc, prometheus.GaugeValue, float64(b.state), orgLabel(b.org))
	}
}

// orgLabel names the organization in labels and logs; "" is the single
// organization of a one-token deployment.
func orgLabel(id string) string {
	if id == "" {
		return "default"
	}
	return id
}
