package cache

import (
	"sort"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are always created and registered only when asked. requests
// is also kept in counts, for Stats (the cache_stats tool) without a
// scrape.
type metrics struct {
	requests      *prometheus.CounterVec
	staleReasons  *prometheus.CounterVec
	stores        *prometheus.CounterVec
	invalidations *prometheus.CounterVec
	delay         prometheus.Histogram
	fallbacks     *prometheus.CounterVec
	redisErrors   *prometheus.CounterVec
	redisUp       prometheus.Gauge
	localFlushes  prometheus.Counter
	warmReads     prometheus.Counter
	collectors    []prometheus.Collector

	mu     sync.Mutex
	counts map[[3]string]uint64 // resource, tier, result
}

func newMetrics(c *Cache) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "billy_cache_requests_total",
			Help: "Cache lookups of Billy reads by resource, tier (local, redis; none for a bypass) and result (hit, miss, stale served, bypass).",
		}, []string{"resource", "tier", "result"}),
		staleReasons: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "billy_cache_stale_served_total",
			Help: "Stale answers served, by why Billy could not answer (upstream_unavailable, upstream_timeout, upstream_unreachable, upstream_circuit_open, slow).",
		}, []string{"reason"}),
		stores: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "billy_cache_stores_total",
			Help: "Answers stored, by tier and result (stored; raced: a write moved a generation during the read, so the answer was not stored).",
		}, []string{"tier", "result"}),
		invalidations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "billy_cache_invalidations_total",
			Help: "Invalidations: sent by this instance's writes, received from other instances.",
		}, []string{"direction"}),
		delay: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "billy_cache_invalidation_delay_seconds",
			Help:    "From another instance's write to this instance receiving its invalidation (pub/sub; clocks of different machines add their skew).",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}),
		fallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "billy_cache_redis_fallbacks_total",
			Help: "Cache operations done in-process only because Redis failed or is being left alone after a failure, by operation.",
		}, []string{"op"}),
		redisErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "billy_cache_redis_failures_total",
			Help: "Times Redis went from usable to failing, by the operation that failed.",
		}, []string{"op"}),
		redisUp: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "billy_cache_redis_up",
			Help: "1 while Redis answers the cache, 0 while it is failing (the cache works in-process meanwhile).",
		}),
		localFlushes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "billy_cache_local_flushes_total",
			Help: "Times the in-process tier was emptied because invalidations may have been missed (the Redis subscription was re-established).",
		}),
		warmReads: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "billy_cache_warm_reads_total",
			Help: "Billy reads made by cache warming.",
		}),
		counts: map[[3]string]uint64{},
	}
	if c.remote != nil || c.opts.Redis != nil {
		m.redisUp.Set(1)
	}
	m.collectors = []prometheus.Collector{m.requests, m.staleReasons, m.stores, m.invalidations, m.delay,
		m.fallbacks, m.redisErrors, m.redisUp, m.localFlushes, m.warmReads,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "billy_cache_local_bytes",
			Help: "Bytes the in-process tier holds (answers and their keys)."},
			func() float64 { return float64(c.local.bytes()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "billy_cache_local_entries",
			Help: "Answers the in-process tier holds."},
			func() float64 { return float64(c.local.len()) }),
	}
	return m
}

func (m *metrics) register(r prometheus.Registerer) error {
	for _, col := range m.collectors {
		if err := r.Register(col); err != nil {
			return err
		}
	}
	return nil
}

func (m *metrics) count(resource, tier, result string) {
	m.requests.WithLabelValues(resource, tier, result).Inc()
	m.mu.Lock()
	m.counts[[3]string{resource, tier, result}]++
	m.mu.Unlock()
}

// ResourceCounts are the lookups of one resource in one tier.
type ResourceCounts struct {
	Resource string `json:"resource"`
	Tier     string `json:"tier"`
	Hit      uint64 `json:"hit"`
	Miss     uint64 `json:"miss"`
	Stale    uint64 `json:"stale"`
	Bypass   uint64 `json:"bypass,omitempty"`
}

func (m *metrics) snapshot() []ResourceCounts {
	m.mu.Lock()
	defer m.mu.Unlock()
	byKey := map[[2]string]*ResourceCounts{}
	for k, n := range m.counts {
		rc := byKey[[2]string{k[0], k[1]}]
		if rc == nil {
			rc = &ResourceCounts{Resource: k[0], Tier: k[1]}
			byKey[[2]string{k[0], k[1]}] = rc
		}
		switch k[2] {
		case "hit":
			rc.Hit += n
		case "miss":
			rc.Miss += n
		case "stale":
			rc.Stale += n
		case "bypass":
			rc.Bypass += n
		}
	}
	out := make([]ResourceCounts, 0, len(byKey))
	for _, rc := range byKey {
		out = append(out, *rc)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Resource != out[j].Resource {
			return out[i].Resource < out[j].Resource
		}
		return out[i].Tier < out[j].Tier
	})
	return out
}
