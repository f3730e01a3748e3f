package billy

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
)

func TestRateLimiterDelaysBeyondBurst(t *testing.T) {
	s, srv := serve(t, step{status: 200})
	clock := newFakeClock()
	opts := testOptions(srv.URL, clock)
	opts.RateLimit = RateLimit{RequestsPerSecond: 10, Burst: 2}
	g := newGateway(t, opts)
	for range 5 {
		if _, err := g.Do(context.Background(), get("/invoices")); err != nil {
			t.Fatal(err)
		}
	}
	// Two from the burst, then one token per 100 ms.
	want := []time.Duration{100 * time.Millisecond, 100 * time.Millisecond, 100 * time.Millisecond}
	if diff := cmp.Diff(want, clock.Sleeps()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	// Another organization has its own bucket.
	if _, err := g.Do(context.Background(), Request{OrganizationID: "org2", Method: "GET", Path: "/invoices"}); err != nil {
		t.Fatal(err)
	}
	if n := len(clock.Sleeps()); n != 3 {
		t.Errorf("org2's first request waited on org1's bucket")
	}
	if n := s.count.Load(); n != 6 {
		t.Errorf("%d upstream requests, want 6", n)
	}
}

func TestRateLimiterRespectsDeadline(t *testing.T) {
	s, srv := serve(t, step{status: 200})
	clock := newFakeClock()
	opts := testOptions(srv.URL, clock)
	opts.RateLimit = RateLimit{RequestsPerSecond: 0.1, Burst: 1}
	g := newGateway(t, opts)
	if _, err := g.Do(context.Background(), get("/invoices")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	e := asAppErr(t, mustFail(g.Do(ctx, get("/contacts"))))
	if e.Code != CodeLocalRateLimited || e.Category != errmodel.RateLimited || !e.Retryable || e.RetryAfterSeconds != 10 {
		t.Errorf("got %+v", e)
	}
	if time.Since(start) > 500*time.Millisecond || len(clock.Sleeps()) != 0 {
		t.Errorf("waited for a token that could not come before the deadline")
	}
	if n := s.count.Load(); n != 1 {
		t.Errorf("%d upstream requests, want 1", n)
	}
	// The cancelled reservation gave its token back: after 10 s one call
	// goes through without waiting again.
	clock.mu.Lock()
	clock.now = clock.now.Add(10 * time.Second)
	clock.mu.Unlock()
	if _, err := g.Do(context.Background(), get("/contacts")); err != nil || len(clock.Sleeps()) != 0 {
		t.Errorf("err %v, sleeps %v", err, clock.Sleeps())
	}
}

func TestRateLimiterRealClock(t *testing.T) {
	// One run on the real clock, so the default Now/Sleep are exercised:
	// 5 requests at 50/s with a burst of 1 take at least 80 ms.
	s, srv := serve(t, step{status: 200})
	opts := testOptions(srv.URL, newFakeClock())
	opts.Now, opts.Sleep = nil, nil
	opts.RateLimit = RateLimit{RequestsPerSecond: 50, Burst: 1}
	g := newGateway(t, opts)
	start := time.Now()
	for range 5 {
		if _, err := g.Do(context.Background(), get("/invoices")); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d < 70*time.Millisecond {
		t.Errorf("5 requests took %s, the bucket did not delay them", d)
	}
	if s.count.Load() != 5 {
		t.Errorf("%d upstream requests", s.count.Load())
	}
}
