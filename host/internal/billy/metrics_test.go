package billy

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestMetricsExposed(t *testing.T) {
	_, srv := serve(t, step{status: 503}, step{status: 200}, step{status: 404})
	reg := prometheus.NewPedanticRegistry()
	opts := testOptions(srv.URL, newFakeClock())
	opts.Registerer = reg
	opts.Retry.MaxAttempts = 2
	g := newGateway(t, opts)
	ctx := context.Background()
	if _, err := g.Do(ctx, get("/invoices")); err != nil { // 503, 200
		t.Fatal(err)
	}
	_ = mustFail(g.Do(ctx, get("/invoices/x")))      // 404
	_ = mustFail(g.Do(ctx, get("/madeUpThing/123"))) // 404, resource "other"

	expected := `
# HELP billy_upstream_requests_total Requests sent to Billy, one per attempt, by resource, method and status (HTTP code or "error").
# TYPE billy_upstream_requests_total counter
billy_upstream_requests_total{method="GET",resource="invoices",status="200"} 1
billy_upstream_requests_total{method="GET",resource="invoices",status="404"} 1
billy_upstream_requests_total{method="GET",resource="invoices",status="503"} 1
billy_upstream_requests_total{method="GET",resource="other",status="404"} 1
# HELP billy_upstream_retries_total Automatic retries of reads against Billy.
# TYPE billy_upstream_retries_total counter
billy_upstream_retries_total{resource="invoices"} 1
# HELP billy_upstream_breaker_state Circuit breaker state per organization: 0 closed, 1 half-open, 2 open (capped number of organizations, non-closed first).
# TYPE billy_upstream_breaker_state gauge
billy_upstream_breaker_state{organization="org1"} 0
# HELP billy_upstream_breakers Number of organizations whose circuit breaker is in each state.
# TYPE billy_upstream_breakers gauge
billy_upstream_breakers{state="closed"} 1
billy_upstream_breakers{state="half-open"} 0
billy_upstream_breakers{state="open"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(expected),
		"billy_upstream_requests_total", "billy_upstream_retries_total",
		"billy_upstream_breaker_state", "billy_upstream_breakers"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(g.m.duration, "billy_upstream_request_duration_seconds"); n != 2 {
		t.Errorf("duration series = %d, want 2 (invoices, other)", n)
	}
	if got := testutil.CollectAndCount(g.m.rateWait); got != 1 {
		t.Errorf("rate wait histogram missing")
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, mf := range mfs {
		names[mf.GetName()] = true
		if mf.GetName() == "billy_upstream_rate_limit_wait_seconds" {
			if c := mf.GetMetric()[0].GetHistogram().GetSampleCount(); c != 4 {
				t.Errorf("rate wait observations = %d, want 4 (one per attempt)", c)
			}
		}
	}
	for _, want := range []string{"billy_upstream_requests_total", "billy_upstream_request_duration_seconds",
		"billy_upstream_retries_total", "billy_upstream_breaker_state", "billy_upstream_rate_limit_wait_seconds"} {
		if !names[want] {
			t.Errorf("metric %s not registered", want)
		}
	}
	if lint, err := testutil.GatherAndLint(reg); err != nil || len(lint) > 0 {
		t.Errorf("metric lint: %v %v", err, lint)
	}
}

func TestBreakerMetricCapsOrganizations(t *testing.T) {
	billy := &switchable{}
	billy.code.Store(200)
	srv := serveHandler(t, billy)
	reg := prometheus.NewPedanticRegistry()
	opts := testOptions(srv.URL, newFakeClock())
	opts.Registerer = reg
	opts.Retry.MaxAttempts = 1
	opts.MaxOrganizationSeries = 3
	opts.Breaker = BreakerSettings{ConsecutiveFailures: 1, OpenTimeout: time.Minute}
	g := newGateway(t, opts)
	ctx := context.Background()
	for i := range 10 {
		if _, err := g.Do(ctx, Request{OrganizationID: fmt.Sprint("a", i), Method: "GET", Path: "/invoices"}); err != nil {
			t.Fatal(err)
		}
	}
	billy.code.Store(500)
	_ = mustFail(g.Do(ctx, Request{OrganizationID: "z-failing", Method: "GET", Path: "/invoices"}))

	expected := `
# HELP billy_upstream_breaker_state Circuit breaker state per organization: 0 closed, 1 half-open, 2 open (capped number of organizations, non-closed first).
# TYPE billy_upstream_breaker_state gauge
billy_upstream_breaker_state{organization="a0"} 0
billy_upstream_breaker_state{organization="a1"} 0
billy_upstream_breaker_state{organization="z-failing"} 2
# HELP billy_upstream_breakers Number of organizations whose circuit breaker is in each state.
# TYPE billy_upstream_breakers gauge
billy_upstream_breakers{state="closed"} 10
billy_upstream_breakers{state="half-open"} 0
billy_upstream_breakers{state="open"} 1
# HELP billy_upstream_breaker_transitions_total Circuit breaker state changes, by the state entered.
# TYPE billy_upstream_breaker_transitions_total counter
billy_upstream_breaker_transitions_total{state="open"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(expected),
		"billy_upstream_breaker_state", "billy_upstream_breakers", "billy_upstream_breaker_transitions_total"); err != nil {
		t.Error(err)
	}
}

func TestMetricsRegisterTwiceFails(t *testing.T) {
	reg := prometheus.NewRegistry()
	opts := testOptions("http://127.0.0.1:1", newFakeClock())
	opts.Registerer = reg
	newGateway(t, opts)
	if _, err := New(opts); err == nil {
		t.Error("a second gateway on the same registry registered silently")
	}
	opts.Registerer = nil
	newGateway(t, opts) // nil registerer: no metrics, no error
}
