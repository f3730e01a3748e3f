package billy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// gatedBilly holds every request until release is closed, so tests can line
// callers up behind one upstream call.
type gatedBilly struct {
	count     atomic.Int64
	cancelled atomic.Int64
	release   chan struct{}
}

func newGated() *gatedBilly { return &gatedBilly{release: make(chan struct{})} }

func (b *gatedBilly) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := b.count.Add(1)
	select {
	case <-b.release:
	case <-r.Context().Done():
		b.cancelled.Add(1)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, `{"invoices":[],"meta":{"statusCode":200,"success":true,"n":%d}}`, n)
}

func TestDeduplicates100IdenticalReads(t *testing.T) {
	billy := newGated()
	srv := serveHandler(t, billy)
	g := newGateway(t, testOptions(srv.URL, newFakeClock()))

	const callers = 100
	req := func(i int) Request {
		// Same query built in different orders: the key sorts it.
		q := url.Values{}
		if i%2 == 0 {
			q.Set("state", "approved")
			q.Set("pageSize", "100")
		} else {
			q.Set("pageSize", "100")
			q.Set("state", "approved")
		}
		return Request{OrganizationID: "org1", Method: "GET", Path: "/invoices", Query: q, CorrelationID: fmt.Sprint("c", i)}
	}
	var wg sync.WaitGroup
	results := make([]*Response, callers)
	errs := make([]error, callers)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = g.Do(context.Background(), req(i))
		}()
	}
	key := flightKey(req(0))
	eventually(t, "100 callers waiting on one flight", func() bool {
		return g.flights.waiters(key) == callers && billy.count.Load() == 1
	})
	close(billy.release)
	wg.Wait()

	if n := billy.count.Load(); n != 1 {
		t.Fatalf("upstream saw %d requests, want 1", n)
	}
	shared := 0
	for i := range callers {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if string(results[i].Body) != string(results[0].Body) {
			t.Errorf("caller %d got a different body", i)
		}
		if results[i].Shared {
			shared++
		}
	}
	if shared != callers-1 {
		t.Errorf("%d responses marked Shared, want %d", shared, callers-1)
	}
	if got := testutil.ToFloat64(g.m.dedup.WithLabelValues("invoices")); got != callers-1 {
		t.Errorf("billy_upstream_deduplicated_total = %v, want %d", got, callers-1)
	}
	// Each caller owns its body.
	results[0].Body[0] = 'X'
	if results[1].Body[0] == 'X' {
		t.Error("callers share one Body slice")
	}
}

func TestWhatIsShared(t *testing.T) {
	base := Request{OrganizationID: "org1", Method: "GET", Path: "/invoices", Query: url.Values{"state": {"draft"}}}
	with := func(f func(*Request)) Request {
		r := base
		r.Query = url.Values{"state": {"draft"}}
		f(&r)
		return r
	}
	cases := []struct {
		name         string
		a, b         Request
		wantUpstream int64
	}{
		{"identical reads", base, base, 1},
		{"different query", base, with(func(r *Request) { r.Query.Set("state", "approved") }), 2},
		{"repeated values in another order", with(func(r *Request) { r.Query["ids[]"] = []string{"a", "b"} }),
			with(func(r *Request) { r.Query["ids[]"] = []string{"b", "a"} }), 2},
		{"different organization", base, with(func(r *Request) { r.OrganizationID = "org2" }), 2},
		{"different path", base, with(func(r *Request) { r.Path = "/invoices/x" }), 2},
		{"identical writes", Request{OrganizationID: "o", Method: "POST", Path: "/invoices", Body: []byte(`{"invoice":{}}`)},
			Request{OrganizationID: "o", Method: "POST", Path: "/invoices", Body: []byte(`{"invoice":{}}`)}, 2},
		{"identical deletes", Request{OrganizationID: "o", Method: "DELETE", Path: "/invoices/x"},
			Request{OrganizationID: "o", Method: "DELETE", Path: "/invoices/x"}, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			billy := newGated()
			srv := serveHandler(t, billy)
			g := newGateway(t, testOptions(srv.URL, newFakeClock()))
			var wg sync.WaitGroup
			res := make([]*Response, 2)
			for i, r := range []Request{tc.a, tc.b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var err error
					if res[i], err = g.Do(context.Background(), r); err != nil {
						t.Errorf("call %d: %v", i, err)
					}
				}()
			}
			eventually(t, "both calls in flight", func() bool {
				if tc.wantUpstream == 1 {
					return billy.count.Load() == 1 && g.flights.waiters(flightKey(tc.a)) == 2
				}
				return billy.count.Load() == tc.wantUpstream
			})
			close(billy.release)
			wg.Wait()
			if n := billy.count.Load(); n != tc.wantUpstream {
				t.Errorf("upstream saw %d requests, want %d", n, tc.wantUpstream)
			}
			if tc.wantUpstream == 2 && (res[0] == nil || res[1] == nil || res[0].Shared || res[1].Shared) {
				t.Errorf("separate calls marked shared: %+v %+v", res[0], res[1])
			}
		})
	}
}

func TestSharedWaiterCancelLeavesOthers(t *testing.T) {
	billy := newGated()
	srv := serveHandler(t, billy)
	g := newGateway(t, testOptions(srv.URL, newFakeClock()))
	req := get("/contacts")
	key := flightKey(req)

	// The starter of the flight is the one who gives up: the hardest case.
	starterCtx, cancelStarter := context.WithCancel(context.Background())
	starterErr := make(chan error, 1)
	go func() {
		_, err := g.Do(starterCtx, req)
		starterErr <- err
	}()
	eventually(t, "the first call upstream", func() bool { return billy.count.Load() == 1 })
	var wg sync.WaitGroup
	others := make([]error, 3)
	for i := range others {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, others[i] = g.Do(context.Background(), req)
		}()
	}
	eventually(t, "4 waiters", func() bool { return g.flights.waiters(key) == 4 })
	cancelStarter()
	if err := <-starterErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled waiter got %v, want context.Canceled", err)
	}
	close(billy.release)
	wg.Wait()
	for i, err := range others {
		if err != nil {
			t.Errorf("waiter %d failed after another cancelled: %v", i, err)
		}
	}
	if billy.count.Load() != 1 || billy.cancelled.Load() != 0 {
		t.Errorf("upstream requests %d, cancelled %d; want 1 and 0", billy.count.Load(), billy.cancelled.Load())
	}
}

func TestLastWaiterCancelStopsUpstream(t *testing.T) {
	billy := newGated()
	srv := serveHandler(t, billy)
	g := newGateway(t, testOptions(srv.URL, newFakeClock()))
	req := get("/contacts")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := g.Do(ctx, req)
		done <- err
	}()
	eventually(t, "the call upstream", func() bool { return billy.count.Load() == 1 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	eventually(t, "the upstream request to be cancelled", func() bool { return billy.cancelled.Load() == 1 })
	// A new identical read starts afresh rather than joining the dead call.
	close(billy.release)
	if _, err := g.Do(context.Background(), req); err != nil {
		t.Fatalf("fresh call after cancellation: %v", err)
	}
	if n := billy.count.Load(); n != 2 {
		t.Errorf("upstream saw %d requests, want 2", n)
	}
}

func TestFlightDeadlineIsTheLatestWaiters(t *testing.T) {
	var g flightGroup
	f := &flight{}
	base := time.Now().Add(time.Hour)
	short, cancel1 := context.WithDeadline(context.Background(), base)
	defer cancel1()
	long, cancel2 := context.WithDeadline(context.Background(), base.Add(time.Minute))
	defer cancel2()
	open := context.Background()

	if _, ok := g.latestDeadline(f); ok {
		t.Error("a flight without waiters has a deadline")
	}
	f.join(short)
	f.join(long)
	if dl, ok := g.latestDeadline(f); !ok || !dl.Equal(base.Add(time.Minute)) {
		t.Errorf("deadline %v %v, want the longer one", dl, ok)
	}
	f.join(open)
	if _, ok := g.latestDeadline(f); ok {
		t.Error("a waiter without deadline must leave the flight unbounded")
	}
	f.leave(open)
	f.leave(long)
	if dl, ok := g.latestDeadline(f); !ok || !dl.Equal(base) || f.waiters != 1 {
		t.Errorf("after leaving: %v %v waiters %d", dl, ok, f.waiters)
	}
}
