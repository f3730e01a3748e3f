package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestRollingRestartLosesNoCall: two instances behind a load balancer, as
// render.yaml runs them, replaced one after the other (SIGTERM, the old one
// drains and exits, a new one starts and becomes ready) while clients keep
// calling: slow calls that are in flight at the SIGTERM, reads, and writes
// with idempotency keys. No call may be lost: every one ends answered, and
// every write is in Billy exactly once.
//
// The balancer is a small one written here that does what platform
// balancers do: it routes to instances whose /health/ready answers 200,
// checked every 50 ms, and tries another instance when it cannot connect
// (the request was never sent). Clients follow the host's advice: a
// retryable error is tried again after its Retry-After.
func TestRollingRestartLosesNoCall(t *testing.T) {
	billy := standaloneSandbox(t)
	shared := "BILLY_MCP_DATA_DIR=" + filepath.Join(t.TempDir(), "state")
	// drain_delay: longer than the balancer's health-check interval.
	const cfg = "http: {shutdown_timeout: 20s, drain_delay: 300ms}\nplugins:\n  invoices: {path: billy-mcp-plugin-invoices}\n  hello: {path: billy-mcp-plugin-hello}\n"
	start := func() *hostProc {
		h := startHost(t, cfg, append(append([]string{}, billy...), shared)...)
		h.waitReady(30 * time.Second)
		return h
	}
	lb := newBalancer(t)
	a, b := start(), start()
	lb.add(a.addr)
	lb.add(b.addr)

	var (
		stop              = make(chan struct{})
		wg                sync.WaitGroup
		answered, retried atomic.Int64
		mu                sync.Mutex
		lost              []string
		created           = map[string]string{} // idempotency key → customer ID
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		lost = append(lost, fmt.Sprintf(format, args...))
	}
	// call makes one REST call through the balancer, retrying what the host
	// says may be retried, and returns the answer's data.
	call := func(tool string, args map[string]any, headers ...string) (map[string]any, bool) {
		body, _ := json.Marshal(args)
		for attempt := 0; attempt < 30; attempt++ {
			req, _ := http.NewRequest("POST", lb.url()+"/api/v1/tools/"+tool, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			for i := 0; i+1 < len(headers); i += 2 {
				req.Header.Set(headers[i], headers[i+1])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				fail("%s: the connection failed: %v", tool, err)
				return nil, false
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var env struct {
				Data  map[string]any `json:"data"`
				Error *struct {
					Code      string `json:"code"`
					Retryable bool   `json:"retryable"`
				} `json:"error"`
			}
			_ = json.Unmarshal(raw, &env)
			if resp.StatusCode == 200 {
				answered.Add(1)
				return env.Data, true
			}
			if env.Error != nil && env.Error.Retryable {
				retried.Add(1)
				wait, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
				time.Sleep(min(time.Duration(wait)*time.Second, 200*time.Millisecond))
				continue
			}
			fail("%s: %d %s", tool, resp.StatusCode, raw)
			return nil, false
		}
		fail("%s: still refused after 30 attempts", tool)
		return nil, false
	}
	client := func(work func(n int)) {
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				work(n)
			}
		})
	}
	for range 2 { // about a second each: in flight at every SIGTERM
		client(func(int) { call("hello_count", map[string]any{"n": 5, "delay_ms": 200}) })
	}
	for range 2 {
		client(func(int) { call("list_invoices", map[string]any{"limit": 5}) })
	}
	for w := range 2 {
		client(func(n int) {
			key := fmt.Sprintf("rolling-%d-%d", w, n)
			data, ok := call("create_customer", map[string]any{"name": "Rullende " + key}, "Idempotency-Key", key)
			if !ok {
				return
			}
			rec, _ := data["record"].(map[string]any)
			id, _ := rec["id"].(string)
			if id == "" {
				fail("create_customer %s answered without a record: %v", key, data)
				return
			}
			mu.Lock()
			created[key] = id
			mu.Unlock()
		})
	}

	// Roll: each old instance is stopped only after its replacement is
	// ready, as a platform with a minimum of two instances does.
	time.Sleep(time.Second)
	for i, old := range []*hostProc{a, b} {
		next := start()
		lb.add(next.addr)
		before := answered.Load()
		if err := old.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-old.done:
			if err != nil {
				t.Errorf("instance %d exited with %v after SIGTERM", i, err)
			}
			old.done <- err
		case <-time.After(40 * time.Second):
			t.Fatalf("instance %d did not exit within 40 s of SIGTERM", i)
		}
		lb.remove(old.addr)
		if !strings.Contains(old.stderr.String(), `"drained"`) {
			t.Errorf("instance %d: no drained line", i)
		}
		t.Logf("instance %d replaced; %d calls answered meanwhile", i, answered.Load()-before)
		time.Sleep(time.Second)
	}
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()

	if len(lost) > 0 {
		t.Errorf("%d calls lost during the rolling restart:\n%s", len(lost), strings.Join(lost, "\n"))
	}
	if answered.Load() < 20 {
		t.Errorf("only %d calls answered: the test did not exercise the restart", answered.Load())
	}
	// Every write answered is in Billy once; none is there twice.
	customers := sandboxContacts(t, billy)
	seen := map[string]int{}
	for _, c := range customers {
		if name, _ := c["name"].(string); strings.HasPrefix(name, "Rullende ") {
			seen[strings.TrimPrefix(name, "Rullende ")]++
		}
	}
	for key, id := range created {
		if seen[key] != 1 {
			t.Errorf("customer %s (%s) is in Billy %d times, want once", key, id, seen[key])
		}
	}
	for key, n := range seen {
		if _, ok := created[key]; !ok && n > 0 {
			// A write whose client gave up (counted as lost above) may be
			// in Billy; one no client sent cannot be.
			t.Logf("customer %s is in Billy %d times without an answer to its client", key, n)
		}
	}
	t.Logf("%d calls answered, %d retried on the host's advice, %d customers written once each; balancer: %s",
		answered.Load(), retried.Load(), len(created), lb.stats())
}

// TestDrainDelay: with http.drain_delay, SIGTERM first turns readiness to
// 503 while calls are still served, each answer closing its connection;
// only after the delay are new calls refused (retryably) and the rest
// drained.
func TestDrainDelay(t *testing.T) {
	h := startHost(t, "http: {shutdown_timeout: 10s, drain_delay: 1500ms}\nplugins:\n  hello: {path: billy-mcp-plugin-hello}\n")
	h.waitReady(15 * time.Second)
	// A call of about 3 s, in flight across the delay: it keeps the host
	// draining after the delay, and must itself be answered.
	slow := make(chan int, 1)
	go func() {
		resp, err := http.Post(h.url("/api/v1/tools/hello_count"), "application/json", strings.NewReader(`{"n":10,"delay_ms":300}`))
		if err != nil {
			slow <- 0
			return
		}
		resp.Body.Close()
		slow <- resp.StatusCode
	}()
	time.Sleep(200 * time.Millisecond)
	sent := time.Now()
	if err := h.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for {
		if code, _ := h.get("/health/ready"); code == 503 {
			break
		}
		if time.Since(sent) > time.Second {
			t.Fatal("readiness did not turn 503 at SIGTERM")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Within the delay: served, with Connection: close.
	req, _ := http.NewRequest("POST", h.url("/api/v1/tools/hello_greet"), strings.NewReader(`{"name":"Ada"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if elapsed := time.Since(sent); elapsed < 1500*time.Millisecond {
		if resp.StatusCode != 200 || !resp.Close {
			t.Errorf("a call %s after SIGTERM, within the drain delay: %d, connection close %v; want 200 and close", elapsed, resp.StatusCode, resp.Close)
		}
	} else {
		t.Logf("the call came %s after SIGTERM, past the delay (a slow machine): not checked", elapsed)
	}
	// After the delay: refused, retryably.
	time.Sleep(time.Until(sent.Add(1700 * time.Millisecond)))
	code, body := h.post("/api/v1/tools/hello_greet", map[string]any{"name": "Ada"})
	if e, _ := body["error"].(map[string]any); code != 503 || e["code"] != "host_draining" {
		t.Errorf("a call after the drain delay: %d %v, want 503 host_draining", code, body)
	}
	if code := <-slow; code != 200 {
		t.Errorf("the call in flight across the delay answered %d, want 200", code)
	}
	select {
	case err := <-h.done:
		if err != nil {
			t.Errorf("host exit: %v", err)
		}
		h.done <- err
	case <-time.After(15 * time.Second):
		t.Fatal("the host did not exit")
	}
}

// sandboxContacts lists every contact of the sandbox's organization.
func sandboxContacts(t *testing.T, billy []string) []map[string]any {
	t.Helper()
	var base, token, org string
	for _, kv := range billy {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "BILLY_API_BASE":
			base = v
		case "BILLY_API_KEY":
			token = v
		case "BILLY_ORGANIZATION_ID":
			org = v
		}
	}
	var all []map[string]any
	for page := 1; ; page++ {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/contacts?organizationId=%s&pageSize=1000&page=%d", base, org, page), nil)
		req.Header.Set("X-Access-Token", token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Contacts []map[string]any `json:"contacts"`
			Meta     struct {
				Paging struct {
					PageCount int `json:"pageCount"`
				} `json:"paging"`
			} `json:"meta"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, body.Contacts...)
		if page >= body.Meta.Paging.PageCount {
			return all
		}
	}
}

// balancer routes requests to ready backends, round robin.
type balancer struct {
	t        *testing.T
	srv      *httptest.Server
	mu       sync.Mutex
	backends map[string]bool // address → ready
	order    []string
	next     int
	stop     chan struct{}
	retries  atomic.Int64
	routed   atomic.Int64
}

func newBalancer(t *testing.T) *balancer {
	lb := &balancer{t: t, backends: map[string]bool{}, stop: make(chan struct{})}
	lb.srv = httptest.NewServer(http.HandlerFunc(lb.serve))
	go lb.check()
	t.Cleanup(func() { close(lb.stop); lb.srv.Close() })
	return lb
}

func (lb *balancer) url() string { return lb.srv.URL }

func (lb *balancer) add(addr string) {
	r := ready(addr)
	lb.mu.Lock()
	defer lb.mu.Unlock()
	lb.backends[addr] = r
	lb.order = append(lb.order, addr)
}

func (lb *balancer) remove(addr string) {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	delete(lb.backends, addr)
	for i, a := range lb.order {
		if a == addr {
			lb.order = append(lb.order[:i], lb.order[i+1:]...)
			break
		}
	}
}

// ready asks addr's readiness, as a platform's health check does.
func ready(addr string) bool {
	c := http.Client{Timeout: 500 * time.Millisecond}
	resp, err := c.Get("http://" + addr + "/health/ready")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == 200
}

func (lb *balancer) check() {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-lb.stop:
			return
		case <-tick.C:
		}
		lb.mu.Lock()
		addrs := append([]string{}, lb.order...)
		lb.mu.Unlock()
		for _, addr := range addrs {
			r := ready(addr)
			lb.mu.Lock()
			if _, ok := lb.backends[addr]; ok {
				lb.backends[addr] = r
			}
			lb.mu.Unlock()
		}
	}
}

// pick returns the next ready backend, skipping those in tried.
func (lb *balancer) pick(tried map[string]bool) string {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	for range lb.order {
		addr := lb.order[lb.next%len(lb.order)]
		lb.next++
		if lb.backends[addr] && !tried[addr] {
			return addr
		}
	}
	return ""
}

func (lb *balancer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	tried := map[string]bool{}
	for range 10 {
		addr := lb.pick(tried)
		if addr == "" {
			time.Sleep(50 * time.Millisecond)
			tried = map[string]bool{}
			continue
		}
		req, _ := http.NewRequestWithContext(r.Context(), r.Method, "http://"+addr+r.URL.RequestURI(), bytes.NewReader(body))
		req.Header = r.Header.Clone()
		resp, err := http.DefaultTransport.RoundTrip(req)
		var op *net.OpError
		if err != nil && errors.As(err, &op) && op.Op == "dial" {
			// Nothing was sent: another instance may take it.
			tried[addr] = true
			lb.retries.Add(1)
			continue
		}
		if err != nil {
			http.Error(w, "balancer: "+err.Error(), http.StatusBadGateway)
			return
		}
		lb.routed.Add(1)
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
		resp.Body.Close()
		return
	}
	http.Error(w, "balancer: no ready instance", http.StatusServiceUnavailable)
}

func (lb *balancer) stats() string {
	return fmt.Sprintf("%d routed, %d re-routed after a refused connection", lb.routed.Load(), lb.retries.Load())
}
