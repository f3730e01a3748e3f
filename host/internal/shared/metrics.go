package shared

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the shared state's counters.
type Metrics struct {
	fallbacks *prometheus.CounterVec
}

// NewMetrics creates the metrics and registers them with r (nil: none).
func NewMetrics(r prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{fallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "billy_shared_fallbacks_total",
		Help: "Times Redis could not be asked and one instance's own state was used instead, by what (rate_limit, session).",
	}, []string{"what"})}
	if r != nil {
		if err := r.Register(m.fallbacks); err != nil {
			return nil, err
		}
	}
	return m, nil
}
