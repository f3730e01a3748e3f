package billy

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/billy-mcp/billy-mcp/host/internal/cache"
)

// fakeBilly answers GETs with a version that every write bumps, and can be
// made to fail or to hang.
type fakeBilly struct {
	version atomic.Int64
	reads   atomic.Int64
	mu      sync.Mutex
	status  int           // non-zero: answer reads with it
	delay   time.Duration // before answering reads
}

func (f *fakeBilly) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.Method != http.MethodGet {
		v := f.version.Add(1)
		fmt.Fprintf(w, `{"invoices":[{"id":"I1","v":%d}]}`, v)
		return
	}
	f.mu.Lock()
	status, delay := f.status, f.delay
	f.mu.Unlock()
	time.Sleep(delay)
	if status != 0 {
		w.WriteHeader(status)
		fmt.Fprint(w, `{"errorCode":"DOWN","errorMessage":"down"}`)
		return
	}
	f.reads.Add(1)
	fmt.Fprintf(w, `{"invoice":{"id":"I1","v":%d}}`, f.version.Load())
}

func (f *fakeBilly) set(status int, delay time.Duration) {
	f.mu.Lock()
	f.status, f.delay = status, delay
	f.mu.Unlock()
}

// TestCachedReads: the gateway answers from the cache, goes to Billy on a
// miss or a fresh read, drops what a write changed, and when Billy fails or
// is slow serves the older answer marked stale; a fresh read is never
// papered over.
func TestCachedReads(t *testing.T) {
	fb := &fakeBilly{}
	srv := serveHandler(t, fb)
	now := time.Unix(1_800_000_000, 0)
	var nowMu sync.Mutex
	clockNow := func() time.Time { nowMu.Lock(); defer nowMu.Unlock(); return now }
	advance := func(d time.Duration) { nowMu.Lock(); now = now.Add(d); nowMu.Unlock() }
	c, err := cache.New(cache.Options{TTL: cache.TTLs{Default: time.Minute}, StaleMaxAge: time.Hour, Now: clockNow})
	if err != nil {
		t.Fatal(err)
	}
	opts := testOptions(srv.URL, newFakeClock())
	opts.Cache, opts.StaleAfter = c, 200*time.Millisecond
	opts.Retry.MaxAttempts = 1
	g := newGateway(t, opts)

	type seen struct {
		Body, Tier, Reason string
		Stale              bool
		Err                string
	}
	do := func(req Request) seen {
		res, err := g.Do(context.Background(), req)
		if err != nil {
			return seen{Err: asAppErr(t, err).Code}
		}
		s := seen{Body: string(res.Body)}
		if res.Cache != nil {
			s.Tier, s.Stale, s.Reason = res.Cache.Tier, res.Cache.Stale, res.Cache.Reason
		}
		return s
	}
	fresh := get("/invoices/I1")
	fresh.Fresh = true
	put := Request{OrganizationID: "org1", Method: http.MethodPut, Path: "/invoices/I1", Body: []byte(`{"invoice":{}}`)}

	var got []seen
	got = append(got, do(get("/invoices/I1")), do(get("/invoices/I1")))
	got = append(got, do(put), do(get("/invoices/I1")))
	advance(2 * time.Minute) // past the TTL, within the stale window
	fb.set(http.StatusServiceUnavailable, 0)
	got = append(got, do(get("/invoices/I1")), do(fresh))
	fb.set(0, 2*time.Second) // up, but slower than StaleAfter
	got = append(got, do(get("/invoices/I1")))
	fb.set(0, 0)

	want := []seen{
		{Body: `{"invoice":{"id":"I1","v":0}}`},
		{Body: `{"invoice":{"id":"I1","v":0}}`, Tier: "local"},
		{Body: `{"invoices":[{"id":"I1","v":1}]}`},
		{Body: `{"invoice":{"id":"I1","v":1}}`},
		{Body: `{"invoice":{"id":"I1","v":1}}`, Tier: "local", Stale: true, Reason: CodeUpstreamUnavailable},
		{Err: CodeUpstreamUnavailable},
		{Body: `{"invoice":{"id":"I1","v":1}}`, Tier: "local", Stale: true, Reason: "slow"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("reads (-want +got):\n%s", diff)
	}
	// The slow read went on in the background and refreshed the cache.
	eventually(t, "the slow read to refresh the cache", func() bool {
		s := do(get("/invoices/I1"))
		return s.Tier == "local" && !s.Stale
	})
	if n := fb.reads.Load(); n != 3 {
		t.Errorf("Billy answered %d reads, want 3 (miss, after the write, the slow one)", n)
	}
}
