package cache

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
)

// clock is a settable clock for TTLs.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }
func newClock() *clock               { return &clock{now: time.Unix(1_800_000_000, 0)} }
func rd(path string, q url.Values) Read {
	return Read{Org: "org1", Credential: "cred", Path: path, Query: q}
}

func newCache(t *testing.T, rdb redis.UniversalClient, prefix string, clk *clock) *Cache {
	t.Helper()
	c, err := New(Options{Redis: rdb, KeyPrefix: prefix, TTL: TTLs{Default: time.Minute, Invoices: 2 * time.Minute},
		StaleMaxAge: time.Hour, RetryAfter: 200 * time.Millisecond, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// outcome is what a lookup found, compactly: "fresh local", "stale redis
// + fresh-less", "miss".
func outcome(f Found) string {
	var parts []string
	if f.Fresh != nil {
		parts = append(parts, "fresh "+f.Fresh.Tier+" "+string(f.Fresh.Body))
	}
	if f.Stale != nil {
		parts = append(parts, "stale "+f.Stale.Tier+" "+string(f.Stale.Body))
	}
	if len(parts) == 0 {
		return "miss"
	}
	return strings.Join(parts, ", ")
}

// read looks p up and, on a miss, stores body as Billy's answer.
func read(c *Cache, p *Plan, body string) string {
	f := c.Lookup(context.Background(), p, LookupMode{})
	if f.Fresh == nil {
		c.Store(context.Background(), p, f.Seen(), []byte(body))
	}
	return outcome(f)
}

// TestInProcess: hit, miss, TTL expiry into the stale window, invalidation
// by a write (never served stale after), and a read that raced a write.
func TestInProcess(t *testing.T) {
	clk := newClock()
	c := newCache(t, nil, "", clk)
	inv := c.Plan(rd("/invoices/I1", nil))
	list := c.Plan(rd("/invoices", url.Values{"state": {"approved"}}))
	other := c.Plan(rd("/invoices", url.Values{"state": {"draft"}}))
	var got []string
	step := func(s string) { got = append(got, s) }

	step(read(c, inv, "v1"))  // miss, stored
	step(read(c, inv, "x"))   // hit
	step(read(c, list, "L1")) // miss
	step(read(c, other, "D1"))
	clk.Add(2*time.Minute + time.Second) // past the invoices TTL
	step(outcome(c.Lookup(context.Background(), inv, LookupMode{})))
	c.Store(context.Background(), inv, c.Lookup(context.Background(), inv, LookupMode{}).Seen(), []byte("v2"))
	step(read(c, inv, "x")) // fresh again

	// A write to another invoice drops the lists, not this record.
	c.Invalidate(context.Background(), "org1", "/invoices/I2", []byte(`{"invoices":[{"id":"I2"}]}`))
	step(read(c, inv, "x"))
	step(read(c, list, "L2"))
	// A write to this one drops it entirely: not even stale.
	c.Invalidate(context.Background(), "org1", "/invoices/I1", []byte(`{"invoices":[{"id":"I1"}]}`))
	step(outcome(c.Lookup(context.Background(), inv, LookupMode{})))

	// A read that started before a write must not store what it got.
	f := c.Lookup(context.Background(), inv, LookupMode{})
	c.Invalidate(context.Background(), "org1", "/invoices/I1", nil)
	c.Store(context.Background(), inv, f.Seen(), []byte("pre-write"))
	step(outcome(c.Lookup(context.Background(), inv, LookupMode{})))

	// Bypass finds nothing but still stores.
	step(outcome(c.Lookup(context.Background(), list, LookupMode{Bypass: true})))
	// Another organization is untouched by all of it.
	step(read(c, c.Plan(Read{Org: "org2", Credential: "cred", Path: "/invoices/I1"}), "o2"))

	want := []string{"miss", "fresh local v1", "miss", "miss",
		"stale local v1", "fresh local v2",
		"fresh local v2", "miss",
		"miss",
		"miss",
		"miss",
		"miss",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lookups (-want +got):\n%s", diff)
	}
	// The other credential's key is its own: nothing served across tokens.
	if f := c.Lookup(context.Background(), c.Plan(Read{Org: "org1", Credential: "other", Path: "/invoices", Query: url.Values{"state": {"draft"}}}), LookupMode{}); f.Fresh != nil {
		t.Error("an answer read with one credential was served to another")
	}
}

// TestRedisTiers runs two instances (two Caches, each with its own
// in-process tier) against one Redis: a standalone server and a Cluster.
func TestRedisTiers(t *testing.T) {
	for _, tc := range []struct {
		name string
		rdb  func(t *testing.T) redis.UniversalClient
	}{
		{"standalone", func(t *testing.T) redis.UniversalClient {
			o, err := redis.ParseURL(testkit.RedisURL(t))
			if err != nil {
				t.Fatal(err)
			}
			return redis.NewClient(o)
		}},
		{"cluster", func(t *testing.T) redis.UniversalClient {
			return redis.NewClusterClient(&redis.ClusterOptions{Addrs: testkit.RedisCluster(t)})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rdb := tc.rdb(t)
			t.Cleanup(func() { rdb.Close() })
			prefix := testkit.KeyPrefix(t)
			clk := newClock()
			a, b := newCache(t, rdb, prefix, clk), newCache(t, rdb, prefix, clk)
			a.Start(Warming{})
			b.Start(Warming{})
			t.Cleanup(a.Close)
			t.Cleanup(b.Close)
			waitSubscribed(t, a, b)
			before := received(b)
			p := url.Values{"include": {"invoice.lines:embed"}}
			pa, pb := a.Plan(rd("/invoices/I1", p)), b.Plan(rd("/invoices/I1", p))
			var got []string
			got = append(got, read(a, pa, "v1"), read(b, pb, "x"), read(b, pb, "x"))

			// A writes; B's Redis tier knows at once, its local tier as soon as
			// the message arrives.
			a.Invalidate(context.Background(), "org1", "/invoiceLines/L7", []byte(`{"invoiceLines":[{"id":"L7"}],"invoices":[{"id":"I1"}]}`))
			eventually(t, "B's in-process tier drops the invoice", func() bool {
				return b.Lookup(context.Background(), pb, LookupMode{}).Fresh == nil
			})
			got = append(got, read(a, pa, "v2"), read(b, pb, "x"))

			// B's read raced a write by A: B must not store its answer.
			f := b.Lookup(context.Background(), b.Plan(rd("/invoices", nil)), LookupMode{})
			a.Invalidate(context.Background(), "org1", "/invoices", []byte(`{"invoices":[{"id":"I3"}]}`))
			b.Store(context.Background(), b.Plan(rd("/invoices", nil)), f.Seen(), []byte("pre-write list"))
			got = append(got, outcome(a.Lookup(context.Background(), a.Plan(rd("/invoices", nil)), LookupMode{})))

			want := []string{"miss", "fresh redis v1", "fresh local v1", "miss", "fresh redis v2", "miss"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("lookups (-want +got):\n%s", diff)
			}
			eventually(t, "B receives both invalidations", func() bool { return received(b)-before == 2 })
		})
	}
}

// TestRedisDown: with Redis gone, lookups, stores and invalidations carry
// on in-process, counted, without an error or a wait.
func TestRedisDown(t *testing.T) {
	srv := testkit.PrivateRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addrs[0], DialTimeout: 100 * time.Millisecond,
		ReadTimeout: 100 * time.Millisecond, WriteTimeout: 100 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	clk := newClock()
	c := newCache(t, rdb, testkit.KeyPrefix(t), clk)
	p := c.Plan(rd("/contacts/C1", nil))
	var got []string
	got = append(got, read(c, p, "c1"))
	srv.Kill(srv.Addrs[0])
	start := time.Now()
	got = append(got, read(c, p, "x"))
	c.Invalidate(context.Background(), "org1", "/contacts/C1", []byte(`{"contacts":[{"id":"C1"}]}`))
	got = append(got, read(c, p, "c2"), read(c, p, "x"))
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("working without Redis took %s", d)
	}
	want := []string{"miss", "fresh local c1", "miss", "fresh local c2"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lookups (-want +got):\n%s", diff)
	}
	if s := c.Stats(context.Background(), "org1"); s.Redis.Up {
		t.Error("Stats says Redis is up after it was killed")
	}
	c.pmu.Lock()
	pending := len(c.pending["org1"])
	c.pmu.Unlock()
	if pending == 0 {
		t.Error("the invalidation made while Redis was down is not remembered for it")
	}
}

func received(c *Cache) float64 {
	return testutil.ToFloat64(c.m.invalidations.WithLabelValues("received"))
}

// waitSubscribed waits until each cache hears the other (a Cluster's
// classic pub/sub has no one place to count subscribers).
func waitSubscribed(t *testing.T, a, b *Cache) {
	t.Helper()
	eventually(t, "both instances subscribe", func() bool {
		a.Invalidate(context.Background(), "probe", "/probes", []byte("{}"))
		b.Invalidate(context.Background(), "probe", "/probes", []byte("{}"))
		time.Sleep(20 * time.Millisecond)
		return received(a) > 0 && received(b) > 0
	})
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting until %s", what)
}

// TestBelongsTo: an invoice embedding its contact depends on that contact
// only: renaming another keeps it, renaming its own drops it (in-process
// and, for a second instance, in Redis), and a read that raced the rename
// does not store.
func TestBelongsTo(t *testing.T) {
	o, err := redis.ParseURL(testkit.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(o)
	t.Cleanup(func() { rdb.Close() })
	prefix, clk := testkit.KeyPrefix(t), newClock()
	a, b := newCache(t, rdb, prefix, clk), newCache(t, nil, "", clk)
	bRedis := newCache(t, rdb, prefix, clk)
	q := url.Values{"include": {"invoice.contact:embed"}}
	body := `{"invoice":{"id":"I1","contact":{"id":"C1","name":"A"}}}`
	var got []string
	for _, c := range []*Cache{a, b} {
		p := c.Plan(rd("/invoices/I1", q))
		got = append(got, read(c, p, body))
		c.Invalidate(context.Background(), "org1", "/contacts/C2", []byte(`{"contacts":[{"id":"C2"}]}`))
		got = append(got, outcome(c.Lookup(context.Background(), p, LookupMode{})))
		c.Invalidate(context.Background(), "org1", "/contacts/C1", []byte(`{"contacts":[{"id":"C1"}]}`))
		got = append(got, outcome(c.Lookup(context.Background(), p, LookupMode{})))
		// A read that started before C1's next rename stores nothing.
		f := c.Lookup(context.Background(), p, LookupMode{})
		c.Invalidate(context.Background(), "org1", "/contacts/C1", []byte(`{"contacts":[{"id":"C1"}]}`))
		c.Store(context.Background(), p, f.Seen(), []byte(body))
		got = append(got, outcome(c.Lookup(context.Background(), p, LookupMode{})))
		got = append(got, read(c, p, body))
	}
	// The other instance finds A's answer in Redis, with its contact tag.
	p := bRedis.Plan(rd("/invoices/I1", q))
	got = append(got, outcome(bRedis.Lookup(context.Background(), p, LookupMode{})))
	a.Invalidate(context.Background(), "org1", "/contacts/C1", []byte(`{"contacts":[{"id":"C1"}]}`))
	// (bRedis's own copy learns it by pub/sub, as TestRedisTiers shows; a
	// third instance asks Redis, which checks the contact's generation.)
	third := newCache(t, rdb, prefix, clk)
	got = append(got, outcome(third.Lookup(context.Background(), third.Plan(rd("/invoices/I1", q)), LookupMode{})))
	want := []string{
		"miss", "fresh local " + body, "miss", "miss", "miss", // with Redis
		"miss", "fresh local " + body, "miss", "miss", "miss", // in-process only
		"fresh redis " + body, "miss",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lookups (-want +got):\n%s", diff)
	}
}
