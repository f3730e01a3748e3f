package billy

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
)

// switchable answers with the status held in code.
type switchable struct {
	code  atomic.Int64
	count atomic.Int64
}

func (s *switchable) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	s.count.Add(1)
	w.WriteHeader(int(s.code.Load()))
	_, _ = w.Write([]byte(`{"meta":{}}`))
}

func TestBreakerOpensFailsFastAndRecovers(t *testing.T) {
	billy := &switchable{}
	billy.code.Store(503)
	srv := serveHandler(t, billy)
	opts := testOptions(srv.URL, newFakeClock())
	opts.Retry.MaxAttempts = 1
	opts.Breaker = BreakerSettings{ConsecutiveFailures: 3, OpenTimeout: 150 * time.Millisecond, HalfOpenMaxRequests: 1}
	g := newGateway(t, opts)
	ctx := context.Background()

	if got := g.BreakerState("org1"); got != "closed" {
		t.Fatalf("unknown organization's breaker is %q", got)
	}
	for i := range 3 {
		if e := asAppErr(t, mustFail(g.Do(ctx, get("/invoices")))); e.Code != CodeUpstreamUnavailable {
			t.Fatalf("failure %d: %+v", i, e)
		}
	}
	if got := g.BreakerState("org1"); got != "open" {
		t.Fatalf("after 3 failures the breaker is %q, want open", got)
	}
	if got := g.BreakerState("org2"); got != "closed" {
		t.Errorf("another organization's breaker is %q", got)
	}

	// Open: writes and reads fail fast without reaching Billy.
	for _, r := range []Request{get("/invoices"), {OrganizationID: "org1", Method: "POST", Path: "/invoices", Body: []byte(`{}`)}} {
		e := asAppErr(t, mustFail(g.Do(ctx, r)))
		if e.Code != CodeCircuitOpen || e.Category != errmodel.UpstreamUnavailable || !e.Retryable || e.RetryAfterSeconds < 1 {
			t.Errorf("%s while open: %+v", r.Method, e)
		}
	}
	if n := billy.count.Load(); n != 3 {
		t.Errorf("open breaker let requests through: %d upstream", n)
	}

	time.Sleep(opts.Breaker.OpenTimeout + 20*time.Millisecond)
	if got := g.BreakerState("org1"); got != "half-open" {
		t.Fatalf("after OpenTimeout the breaker is %q, want half-open", got)
	}
	// A failing probe opens it again.
	_ = mustFail(g.Do(ctx, get("/invoices")))
	if got := g.BreakerState("org1"); got != "open" {
		t.Fatalf("after a failed probe the breaker is %q, want open", got)
	}
	time.Sleep(opts.Breaker.OpenTimeout + 20*time.Millisecond)
	billy.code.Store(200)
	if _, err := g.Do(ctx, get("/invoices")); err != nil {
		t.Fatalf("probe: %v", err)
	}
	if got := g.BreakerState("org1"); got != "closed" {
		t.Errorf("after a good probe the breaker is %q, want closed", got)
	}
}

func TestBreakerStopsReadRetries(t *testing.T) {
	billy := &switchable{}
	billy.code.Store(502)
	srv := serveHandler(t, billy)
	opts := testOptions(srv.URL, newFakeClock())
	opts.Retry.MaxAttempts = 10
	opts.Breaker = BreakerSettings{ConsecutiveFailures: 2, OpenTimeout: time.Minute}
	g := newGateway(t, opts)
	e := asAppErr(t, mustFail(g.Do(context.Background(), get("/invoices"))))
	if e.Code != CodeCircuitOpen || billy.count.Load() != 2 {
		t.Errorf("got %+v after %d requests; want the breaker to stop retries at 2", e, billy.count.Load())
	}
	if e.RetryAfterSeconds < 59 || e.RetryAfterSeconds > 60 {
		t.Errorf("RetryAfterSeconds = %d, want about the open timeout (60)", e.RetryAfterSeconds)
	}
}

func TestBreakerIgnores4xx(t *testing.T) {
	for _, code := range []int64{400, 401, 403, 404, 409, 422, 429} {
		billy := &switchable{}
		billy.code.Store(code)
		srv := serveHandler(t, billy)
		opts := testOptions(srv.URL, newFakeClock())
		opts.Retry.MaxAttempts = 1
		opts.Breaker = BreakerSettings{ConsecutiveFailures: 2, OpenTimeout: time.Minute}
		g := newGateway(t, opts)
		for range 5 {
			_ = mustFail(g.Do(context.Background(), get("/invoices")))
		}
		if got := g.BreakerState("org1"); got != "closed" || billy.count.Load() != 5 {
			t.Errorf("HTTP %d x5: breaker %q after %d requests; 4xx must not open it", code, got, billy.count.Load())
		}
	}
}

func TestBreakerCountsNetworkErrors(t *testing.T) {
	s, srv := serve(t, step{hangup: true})
	opts := testOptions(srv.URL, newFakeClock())
	opts.Retry.MaxAttempts = 1
	opts.Breaker = BreakerSettings{ConsecutiveFailures: 2, OpenTimeout: time.Minute}
	g := newGateway(t, opts)
	for range 3 {
		_ = mustFail(g.Do(context.Background(), get("/invoices")))
	}
	if got := g.BreakerState("org1"); got != "open" || s.count.Load() != 2 {
		t.Errorf("breaker %q after %d requests; want open after 2", got, s.count.Load())
	}
}

func TestHalfOpenLetsOneProbeThrough(t *testing.T) {
	var count atomic.Int64
	hold := make(chan struct{})
	srv := serveHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if count.Add(1) == 1 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		select {
		case <-hold:
		case <-r.Context().Done():
			return
		}
		_, _ = w.Write([]byte(`{"meta":{"success":true}}`))
	}))
	opts := testOptions(srv.URL, newFakeClock())
	opts.Retry.MaxAttempts = 1
	opts.Breaker = BreakerSettings{ConsecutiveFailures: 1, OpenTimeout: 50 * time.Millisecond, HalfOpenMaxRequests: 1}
	g := newGateway(t, opts)
	ctx := context.Background()
	_ = mustFail(g.Do(ctx, get("/invoices")))
	if got := g.BreakerState("org1"); got != "open" {
		t.Fatalf("breaker %q, want open", got)
	}
	time.Sleep(60 * time.Millisecond)

	probe := make(chan error, 1)
	go func() {
		_, err := g.Do(ctx, get("/invoices"))
		probe <- err
	}()
	eventually(t, "the probe upstream", func() bool { return count.Load() == 2 })
	// While the one probe is out, other calls fail fast.
	e := asAppErr(t, mustFail(g.Do(ctx, get("/contacts"))))
	if e.Code != CodeCircuitOpen || !e.Retryable || e.RetryAfterSeconds != 1 || count.Load() != 2 {
		t.Errorf("second call while half-open: %+v, %d upstream", e, count.Load())
	}
	close(hold)
	if err := <-probe; err != nil {
		t.Fatalf("probe: %v", err)
	}
	if got := g.BreakerState("org1"); got != "closed" {
		t.Errorf("breaker %q after a good probe, want closed", got)
	}
}
