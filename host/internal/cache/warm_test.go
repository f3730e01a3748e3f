package cache

import (
	"context"
	"net/url"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
)

// TestWarming: what one instance read is counted in Redis, and a new
// instance (a start) reads ahead the most read first, within its budget,
// skipping what it holds fresh.
func TestWarming(t *testing.T) {
	o, err := redis.ParseURL(testkit.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(o)
	t.Cleanup(func() { rdb.Close() })
	prefix, clk := testkit.KeyPrefix(t), newClock()
	a := newCache(t, rdb, prefix, clk)
	reads := map[string]int{"/invoices?limit=10": 5, "/taxRates": 3, "/contacts/C1": 2, "/products/P9": 1}
	for path, n := range reads {
		p, q := splitQuery(path)
		for range n {
			a.Lookup(context.Background(), a.Plan(Read{Org: "org1", Credential: "cred", Path: p, Query: q}), LookupMode{})
		}
	}
	// A warming read is not usage.
	a.Lookup(context.Background(), a.Plan(rd("/accounts", nil)), LookupMode{Warming: true})
	a.flushUsage(context.Background())

	b := newCache(t, rdb, prefix, clk)
	var mu sync.Mutex
	var fetched []string
	fetch := func(_ context.Context, org, path string, q url.Values) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		if enc := q.Encode(); enc != "" {
			path += "?" + enc
		}
		fetched = append(fetched, org+" "+path)
		return path != "/taxRates", nil // as if the cache held the tax rates fresh
	}
	if orgs := b.usedOrgs(context.Background()); !cmp.Equal(orgs, []string{"org1"}) {
		t.Errorf("organizations with usage: %v", orgs)
	}
	n, err := b.Warm(context.Background(), "org1", 2, fetch)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"org1 /invoices?limit=10", "org1 /taxRates", "org1 /contacts/C1"}
	if diff := cmp.Diff(want, fetched); diff != "" || n != 2 {
		t.Errorf("warmed %d reads (want 2), in order (-want +got):\n%s", n, diff)
	}
}

func splitQuery(path string) (string, url.Values) {
	u, _ := url.Parse(path)
	return u.Path, u.Query()
}
