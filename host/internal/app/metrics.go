package app

import (
	"context"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	"github.com/prometheus/client_golang/prometheus"
)

// toolMetrics counts and times every op that passed authorization.
type toolMetrics struct {
	calls    *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight *prometheus.GaugeVec
}

func newToolMetrics(r prometheus.Registerer) *toolMetrics {
	m := &toolMetrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "billy_mcp_requests_total", Help: "Tool calls, resource reads and prompt gets by name, plugin and outcome.",
		}, []string{"op", "name", "plugin", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "billy_mcp_request_duration_seconds", Help: "Time from authorization to the plugin's answer.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"op", "name", "plugin"}),
		inFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "billy_mcp_requests_in_flight", Help: "Tool calls, resource reads and prompt gets running now, by plugin: what a drain waits for.",
		}, []string{"plugin"}),
	}
	r.MustRegister(m.calls, m.duration, m.inFlight)
	return m
}

func (m *toolMetrics) middleware(next dispatch.Handler) dispatch.Handler {
	return func(ctx context.Context, op *dispatch.Op) (*dispatch.Outcome, error) {
		start := time.Now()
		inFlight := m.inFlight.WithLabelValues(op.Plugin)
		inFlight.Inc()
		out, err := next(ctx, op)
		inFlight.Dec()
		outcome := "ok"
		if err != nil {
			outcome = string(errmodel.From(err).Category)
		} else if out.Tool != nil && out.Tool.IsError {
			outcome = "tool_error"
		}
		name := op.Name
		if op.Kind == dispatch.ReadResource {
			name = "resource" // URIs are unbounded; keep the label set small
		}
		m.calls.WithLabelValues(string(op.Kind), name, op.Plugin, outcome).Inc()
		m.duration.WithLabelValues(string(op.Kind), name, op.Plugin).Observe(time.Since(start).Seconds())
		return out, err
	}
}
