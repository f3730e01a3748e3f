package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	goredis "github.com/redis/go-redis/v9"

	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
)

// The cache tiers end to end: real hosts, one standalone sandbox as Billy,
// real Redis (a server, or a 6-node Cluster), the invoices plugin.

// invalidationBound is what docs/performance.md promises for a write on one
// instance to reach another's in-process tier, with room for a busy CI
// machine (measured: about a millisecond).
const invalidationBound = 500 * time.Millisecond

// metric sums the samples of name whose labels contain every want.
func metric(t *testing.T, h *hostProc, name string, want ...string) float64 {
	t.Helper()
	resp, err := http.Get(h.url("/metrics"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sum := 0.0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(line, w)
		}
		if i := strings.LastIndexByte(line, ' '); ok && i > 0 {
			v, _ := strconv.ParseFloat(line[i+1:], 64)
			sum += v
		}
	}
	return sum
}

// restCall calls a tool over REST and returns the envelope.
func restCall(t *testing.T, h *hostProc, tool string, args any, headers ...string) map[string]any {
	t.Helper()
	_, out := h.post("/api/v1/tools/"+tool, args, headers...)
	return out
}

func customerName(t *testing.T, env map[string]any) string {
	t.Helper()
	if env["success"] != true {
		t.Fatalf("get_customer failed: %v", env)
	}
	b, _ := json.Marshal(env["data"])
	var d struct {
		Name     string `json:"name"`
		Customer struct {
			Name string `json:"name"`
		} `json:"customer"`
		Record struct {
			Name string `json:"name"`
		} `json:"record"`
	}
	_ = json.Unmarshal(b, &d)
	for _, n := range []string{d.Name, d.Customer.Name, d.Record.Name} {
		if n != "" {
			return n
		}
	}
	t.Fatalf("no customer name in %s", b)
	return ""
}

// TestCacheAcrossInstances: a read on B is cached (a second read does not
// reach Billy); a write on A reaches B's cache within invalidationBound, so
// B never answers with the pre-write record after that; B's metrics count
// the invalidation it received.
func TestCacheAcrossInstances(t *testing.T) {
	billy := standaloneSandbox(t)
	redis := []string{"BILLY_MCP_REDIS_URL=" + testkit.RedisURL(t), "BILLY_MCP_REDIS_KEY_PREFIX=" + testkit.KeyPrefix(t),
		"BILLY_MCP_DATA_DIR=" + t.TempDir()}
	a := startHost(t, invoicesOnly, append(append([]string{}, billy...), redis...)...)
	b := startHost(t, invoicesOnly, append(append([]string{}, billy...), redis...)...)
	a.waitReady(15 * time.Second)
	b.waitReady(15 * time.Second)

	created := restCall(t, a, "create_customer", map[string]any{"name": "Skov Snedkeri ApS"})
	rec, _ := created["data"].(map[string]any)["record"].(map[string]any)
	id, _ := rec["id"].(string)
	if id == "" {
		t.Fatalf("create_customer on A: %v", created)
	}
	get := map[string]any{"contactId": id}
	if n := customerName(t, restCall(t, b, "get_customer", get)); n != "Skov Snedkeri ApS" {
		t.Fatalf("B reads %q", n)
	}
	upstream := metric(t, b, "billy_upstream_requests_total", `method="GET"`)
	if n := customerName(t, restCall(t, b, "get_customer", get)); n != "Skov Snedkeri ApS" {
		t.Fatalf("B reads %q", n)
	}
	if after := metric(t, b, "billy_upstream_requests_total", `method="GET"`); after != upstream {
		t.Errorf("B's second read went to Billy (%v → %v upstream GETs): not cached", upstream, after)
	}
	if hits := metric(t, b, "billy_cache_requests_total", `result="hit"`, `tier="local"`); hits < 1 {
		t.Errorf("B counted %v local hits", hits)
	}

	// Each round: A renames, then B reads until it sees the new name.
	var delays []time.Duration
	for i := 1; i <= 5; i++ {
		name := fmt.Sprintf("Skov Snedkeri ApS %d", i)
		if out := restCall(t, a, "update_customer", map[string]any{"contactId": id, "name": name}); out["success"] != true {
			t.Fatalf("update_customer on A: %v", out)
		}
		written := time.Now()
		for {
			got := customerName(t, restCall(t, b, "get_customer", get))
			if got == name {
				delays = append(delays, time.Since(written))
				break
			}
			if time.Since(written) > invalidationBound {
				t.Fatalf("round %d: B still answers %q %s after A's write (bound %s)", i, got, time.Since(written), invalidationBound)
			}
			time.Sleep(time.Millisecond)
		}
	}
	t.Logf("write on A → B reads it: %v", delays)
	if n := metric(t, b, "billy_cache_invalidations_total", `direction="received"`); n < 5 {
		t.Errorf("B received %v invalidations, want at least 5", n)
	}
	if n := metric(t, b, "billy_cache_invalidation_delay_seconds_count"); n < 5 {
		t.Errorf("B measured %v propagation delays", n)
	}
}

// TestStaleDuringOutage: with Billy down, a read past its TTL is answered
// from the cache and marked stale, over MCP (_meta and a note) and REST; a
// read asking for fresh data fails instead; writes fail fast.
func TestStaleDuringOutage(t *testing.T) {
	billy := standaloneSandbox(t)
	var sandbox string
	for _, kv := range billy {
		if v, ok := strings.CutPrefix(kv, "BILLY_API_BASE="); ok {
			sandbox = strings.TrimSuffix(v, "/v2")
		}
	}
	h := startHost(t, invoicesOnly, append(billy, "BILLY_MCP_CACHE_TTL_PRODUCTS=1s", "BILLY_MCP_DATA_DIR="+t.TempDir(),
		"BILLY_MCP_CACHE_STATS_TOOL=true")...)
	h.waitReady(15 * time.Second)
	c := h.mcpHTTP()
	args := map[string]any{"limit": 3}
	if res := callTool(t, c, "list_products", args); res.IsError {
		t.Fatalf("list_products: %v", res.Content)
	}
	time.Sleep(1100 * time.Millisecond) // past the TTL
	setFaults(t, sandbox, `{"outage":true}`)
	t.Cleanup(func() { setFaults(t, sandbox, `{}`) })

	res := callTool(t, c, "list_products", args)
	if res.IsError {
		t.Fatalf("list_products during the outage: %v", res.Content)
	}
	var marker map[string]any
	if res.Meta != nil {
		marker, _ = res.Meta.AdditionalFields["io.billy-mcp/stale"].(map[string]any)
	}
	if marker["stale"] != true || marker["reason"] == "" || marker["age_seconds"] == nil {
		t.Errorf("the result's _meta does not mark it stale: %v", res.Meta)
	}
	last, _ := res.Content[len(res.Content)-1].(mcp.TextContent)
	if !strings.Contains(last.Text, "could not be reached") {
		t.Errorf("no note for the model in the last text item: %q", last.Text)
	}

	out := restCall(t, h, "list_products", args)
	if st, _ := out["stale"].(map[string]any); out["success"] != true || st["stale"] != true {
		t.Errorf("REST during the outage: %v", out)
	}
	if out := restCall(t, h, "list_products", args, "Cache-Control", "no-cache"); out["success"] != false {
		t.Errorf("a fresh read during the outage succeeded: %v", out)
	}
	start := time.Now()
	if out := restCall(t, h, "create_product", map[string]any{"name": "Under nedbrud", "prices": []map[string]any{{"unitPrice": 10, "currencyId": "DKK"}}}); out["success"] != false {
		t.Errorf("a write during the outage succeeded: %v", out)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("a write during the outage took %s to fail", d)
	}
	if n := metric(t, h, "billy_cache_stale_served_total"); n < 2 {
		t.Errorf("billy_cache_stale_served_total = %v, want 2", n)
	}
	// cache_stats tells an administrator the same.
	stats := restCall(t, h, "cache_stats", map[string]any{})
	b, _ := json.Marshal(stats["data"])
	var st struct {
		Resources []struct {
			Resource, Tier   string
			Hit, Miss, Stale int
		} `json:"resources"`
		Redis struct{ Configured bool } `json:"redis"`
	}
	if err := json.Unmarshal(b, &st); err != nil || stats["success"] != true {
		t.Fatalf("cache_stats: %v", stats)
	}
	stale := 0
	for _, r := range st.Resources {
		if r.Resource == "products" {
			stale += r.Stale
		}
	}
	if stale < 2 || st.Redis.Configured {
		t.Errorf("cache_stats: %s", b)
	}
}

func setFaults(t *testing.T, sandbox, faults string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, sandbox+"/_sandbox/faults", strings.NewReader(faults))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("PUT /_sandbox/faults: %d", resp.StatusCode)
	}
}

// loadUntil runs clients calling read tools (and now and then a write)
// over REST until stop is closed, and returns the failures it saw.
func loadUntil(t *testing.T, hosts []*hostProc, clients int, stop <-chan struct{}) (calls *atomic.Int64, failures func() []string) {
	calls = &atomic.Int64{}
	var mu sync.Mutex
	var failed []string
	var wg sync.WaitGroup
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			h := hosts[i%len(hosts)]
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				tool, args := "list_products", map[string]any{"limit": 1 + n%5}
				switch n % 7 {
				case 3:
					tool, args = "list_customers", map[string]any{"limit": 1 + n%3}
				case 5:
					tool, args = "list_tax_rates", map[string]any{}
				case 6:
					if i < 2 { // one writer per instance
						tool, args = "create_product", map[string]any{"name": fmt.Sprintf("Load %d", n), "prices": []map[string]any{{"unitPrice": 5, "currencyId": "DKK"}}}
					}
				}
				b, _ := json.Marshal(args)
				resp, err := http.Post(h.url("/api/v1/tools/"+tool), "application/json", strings.NewReader(string(b)))
				calls.Add(1)
				if err != nil {
					mu.Lock()
					failed = append(failed, tool+": "+err.Error())
					mu.Unlock()
					continue
				}
				var env map[string]any
				_ = json.NewDecoder(resp.Body).Decode(&env)
				resp.Body.Close()
				if env["success"] != true {
					mu.Lock()
					failed = append(failed, fmt.Sprintf("%s: %v", tool, env["error"]))
					mu.Unlock()
				}
			}
		}(i)
	}
	return calls, func() []string { wg.Wait(); mu.Lock(); defer mu.Unlock(); return failed }
}

// TestRedisKilledMidLoad: two instances share a Redis that dies under load:
// no tool call fails, both carry on in-process, and count it.
func TestRedisKilledMidLoad(t *testing.T) {
	srv := testkit.PrivateRedis(t)
	billy := standaloneSandbox(t)
	env := append(append([]string{}, billy...), "BILLY_MCP_REDIS_URL=redis://"+srv.Addrs[0], "BILLY_MCP_DATA_DIR="+t.TempDir(),
		"BILLY_MCP_BILLY_RATE_LIMIT_PER_SECOND=1000", "BILLY_MCP_BILLY_RATE_LIMIT_BURST=1000")
	a := startHost(t, invoicesOnly, env...)
	b := startHost(t, invoicesOnly, env...)
	a.waitReady(15 * time.Second)
	b.waitReady(15 * time.Second)
	stop := make(chan struct{})
	calls, failures := loadUntil(t, []*hostProc{a, b}, 8, stop)
	time.Sleep(time.Second)
	before := calls.Load()
	srv.Kill(srv.Addrs[0])
	time.Sleep(2 * time.Second)
	close(stop)
	if f := failures(); len(f) > 0 {
		t.Errorf("%d of %d calls failed with Redis killed mid-load, e.g. %v", len(f), calls.Load(), f[:min(3, len(f))])
	}
	if calls.Load()-before < 20 {
		t.Errorf("only %d calls after Redis died", calls.Load()-before)
	}
	for name, h := range map[string]*hostProc{"A": a, "B": b} {
		if up := metric(t, h, "billy_cache_redis_up"); up != 0 {
			t.Errorf("%s: billy_cache_redis_up = %v after Redis died", name, up)
		}
		if n := metric(t, h, "billy_cache_redis_fallbacks_total"); n == 0 {
			t.Errorf("%s: no fallback counted", name)
		}
	}
}

// TestClusterFailover: a host on a 6-node Redis Cluster loses a primary
// under load: no tool call fails while a replica takes over, and the
// shared tier is used again after.
func TestClusterFailover(t *testing.T) {
	cluster := testkit.PrivateRedisCluster(t)
	billy := standaloneSandbox(t)
	env := append(append([]string{}, billy...), "BILLY_MCP_REDIS_URL=redis://"+cluster.Addrs[0]+"?addr="+strings.Join(cluster.Addrs[1:], "&addr="),
		"BILLY_MCP_DATA_DIR="+t.TempDir(), "BILLY_MCP_BILLY_RATE_LIMIT_PER_SECOND=1000", "BILLY_MCP_BILLY_RATE_LIMIT_BURST=1000")
	a := startHost(t, invoicesOnly, env...)
	b := startHost(t, invoicesOnly, env...)
	a.waitReady(15 * time.Second)
	b.waitReady(15 * time.Second)
	if !strings.Contains(a.stderr.String(), `"mode":"cluster"`) {
		t.Fatalf("the host does not use the Redis as a Cluster:\n%s", a.stderr.String())
	}
	stop := make(chan struct{})
	calls, failures := loadUntil(t, []*hostProc{a, b}, 8, stop)
	time.Sleep(time.Second)
	var org string
	for _, kv := range billy {
		if v, ok := strings.CutPrefix(kv, "BILLY_ORGANIZATION_ID="); ok {
			org = v
		}
	}
	primary := primaryOf(t, cluster.Addrs[0], org)
	cluster.Kill(primary)
	time.Sleep(4 * time.Second) // node timeout 1 s, then the election
	close(stop)
	if f := failures(); len(f) > 0 {
		t.Errorf("%d of %d calls failed during the failover, e.g. %v", len(f), calls.Load(), f[:min(3, len(f))])
	}
	// After the failover the shared tier answers again.
	before := metric(t, b, "billy_cache_requests_total", `tier="redis"`)
	deadline := time.Now().Add(10 * time.Second)
	for metric(t, b, "billy_cache_requests_total", `tier="redis"`) == before {
		if time.Now().After(deadline) {
			t.Fatal("the Redis tier is not used again after the failover")
		}
		restCall(t, b, "list_products", map[string]any{"limit": 97}, "Cache-Control", "no-cache")
		restCall(t, a, "list_products", map[string]any{"limit": 98})
		restCall(t, b, "list_products", map[string]any{"limit": 98})
		time.Sleep(100 * time.Millisecond)
	}
}

// primaryOf names the primary holding org's keys (their hash tag's slot).
func primaryOf(t *testing.T, addr, org string) string {
	t.Helper()
	rdb := goredis.NewClient(&goredis.Options{Addr: addr})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	slot, err := rdb.ClusterKeySlot(ctx, "{"+org+"}").Result()
	if err != nil {
		t.Fatal(err)
	}
	shards, err := rdb.ClusterShards(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, sh := range shards {
		for _, r := range sh.Slots {
			if r.Start <= slot && slot <= r.End {
				for _, n := range sh.Nodes {
					if n.Role == "master" {
						return fmt.Sprintf("%s:%d", n.IP, n.Port)
					}
				}
			}
		}
	}
	t.Fatalf("no primary holds slot %d: %v", slot, shards)
	return ""
}
