package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
	"github.com/billy-mcp/billy-mcp/sandbox"
)

// The fault suite: clients create invoices and read them, concurrently,
// while the invoices plugin is SIGKILLed, the host is SIGTERMed and
// restarted, and Billy (the sandbox) drops connections after committing,
// commits after the client gave up, cuts pages short, answers 500 and 429,
// has an outage and restarts. Every client follows the host's advice: a
// retryable error is retried after its delay, an unknown outcome is retried
// with the same idempotency key (as the message says), a transport error
// is retried with the same key. Afterwards Billy's records are reconciled
// with every faultAnswer the clients got and every audit record:
//
//   - no write reported done that Billy does not have;
//   - no write reported failed (nothing written) that Billy has;
//   - no write in Billy twice: retries never doubled a write;
//   - every faultAnswer a client got is the outcome its audit record says.
//
// make test runs the short version; make chaos runs it for -chaos (e.g.
// go test ./e2e -run TestFaultSuite -chaos 5m -v).

var chaosFor = flag.Duration("chaos", 0, "run the fault suite this long with more clients (make chaos); 0 runs the short version")

// restartable is a billy-mcp serve that can be stopped and started again
// on the same address, configuration and data directory.
type restartable struct {
	t      *testing.T
	addr   string
	cfg    string
	env    []string
	stderr testkit.SyncBuffer
	mu     sync.Mutex
	cmd    *exec.Cmd
	done   chan error
}

func (r *restartable) start() {
	r.t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "billy-mcp"), "serve", "--config", r.cfg)
	cmd.Env = append(append(baseEnv(), "BILLY_MCP_HTTP_ADDR="+r.addr), r.env...)
	cmd.Stderr = &r.stderr
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	r.mu.Lock()
	r.cmd, r.done = cmd, done
	r.mu.Unlock()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + r.addr + "/health/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.t.Fatalf("host not ready after a start:\n%s", r.stderr.String())
}

// term sends SIGTERM and waits for the drain and exit.
func (r *restartable) term() error {
	r.mu.Lock()
	cmd, done := r.cmd, r.done
	r.mu.Unlock()
	if cmd == nil || cmd.ProcessState != nil {
		return nil
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		return errors.New("the host did not exit within 30 s of SIGTERM")
	}
}

// pluginPID is the invoices plugin's process, or 0 while it restarts.
func (r *restartable) pluginPID() int {
	resp, err := http.Get("http://" + r.addr + "/health")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var h struct {
		Plugins []struct {
			Name string `json:"name"`
			PID  int    `json:"pid"`
		} `json:"plugins"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&h)
	for _, p := range h.Plugins {
		if p.Name == "invoices" {
			return p.PID
		}
	}
	return 0
}

// faultAnswer is what a client got for one attempt.
type faultAnswer struct {
	correlation string
	transport   bool   // no faultAnswer: the connection failed
	ok          bool   // success
	code        string // the error's code
	retryable   bool
	retryAfter  time.Duration
	id          string // the invoice's ID on success
}

// intent is one invoice a client set out to create, under one key.
type intent struct {
	ref      string
	attempts []faultAnswer
	final    string // done, failed or unknown
	id       string
}

// faultClient calls tools over REST, as an integration would.
type faultClient struct {
	base string
	http *http.Client
}

func (c *faultClient) call(tool string, args any, headers ...string) faultAnswer {
	b, _ := json.Marshal(args)
	req, _ := http.NewRequest(http.MethodPost, c.base+"/api/v1/tools/"+tool, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	var a faultAnswer
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
		if headers[i] == "X-Correlation-ID" {
			a.correlation = headers[i+1]
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		a.transport = true
		return a
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	var env struct {
		Success bool `json:"success"`
		Data    struct {
			Status string `json:"status"`
			Record struct {
				ID string `json:"id"`
			} `json:"record"`
		} `json:"data"`
		Error *struct {
			Code              string `json:"code"`
			Retryable         bool   `json:"retryable"`
			RetryAfterSeconds int    `json:"retryAfterSeconds"`
		} `json:"error"`
	}
	if err != nil || json.Unmarshal(raw, &env) != nil {
		a.transport = true // cut off mid-faultAnswer
		return a
	}
	switch {
	case env.Success:
		a.ok, a.id = true, env.Data.Record.ID
	case env.Error != nil:
		a.code, a.retryable = env.Error.Code, env.Error.Retryable
		a.retryAfter = time.Duration(env.Error.RetryAfterSeconds) * time.Second
	default:
		a.code = "tool_error"
	}
	return a
}

// create runs one intent to its end the way the host's answers advise.
func (c *faultClient) create(in *intent, args map[string]any, giveUp time.Time) {
	for n := 1; time.Now().Before(giveUp); n++ {
		a := c.call("create_invoice", args, "Idempotency-Key", in.ref, "X-Correlation-ID", fmt.Sprintf("%s-a%d", in.ref, n))
		in.attempts = append(in.attempts, a)
		wait := 300 * time.Millisecond
		switch {
		case a.transport:
			// The request may or may not have reached the host: the same
			// key makes the retry safe either way.
		case a.ok:
			in.final, in.id = "done", a.id
			return
		case a.code == "write_done_unanswered":
			in.final = "done"
			return
		case a.retryable:
			wait = max(wait, a.retryAfter)
		case a.code == "write_outcome_unknown":
			// "retry with the same idempotency_key": the host waits until
			// Billy cannot still be finishing it, then checks first.
		default:
			in.final = "failed"
			return
		}
		time.Sleep(wait)
	}
	in.final = "unknown"
}

func TestFaultSuite(t *testing.T) {
	load, writers, readers := 20*time.Second, 4, 2
	if *chaosFor > 0 {
		load, writers, readers = *chaosFor, 8, 4
	}

	// Billy: the sandbox in this process, so it can be restarted and asked
	// what it holds.
	sb, err := sandbox.New(sandbox.Options{Seed: 4711, Business: sandbox.BusinessFreelancer})
	if err != nil {
		t.Fatal(err)
	}
	inst, err := sb.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = inst.Close() })
	org := sb.Organizations()[0]

	auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
	host := &restartable{t: t, addr: freeAddr(t),
		cfg: writeConfig(t, fmt.Sprintf("audit: {path: %s}\nplugins:\n  invoices: {path: billy-mcp-plugin-invoices}\n", auditPath)),
		env: []string{"BILLY_API_BASE=" + inst.URL(), "BILLY_API_KEY=" + org.AccessToken, "BILLY_ORGANIZATION_ID=" + org.ID,
			"BILLY_MCP_WRITES=direct", "BILLY_MCP_CALLS_TIMEOUT=10s", "BILLY_MCP_BILLY_TIMEOUT=2s",
			"BILLY_MCP_BILLY_RATE_LIMIT_PER_SECOND=2000", "BILLY_MCP_BILLY_RATE_LIMIT_BURST=2000",
			// Longer than any write the sandbox holds (slowCommitBy below).
			"BILLY_MCP_WRITES_SETTLE_AFTER=6s",
			// A breaker that opens for 30 s would idle most of a short run.
			"BILLY_MCP_BILLY_BREAKER_OPEN_TIMEOUT=2s"}}
	host.start()
	t.Cleanup(func() {
		if err := host.term(); err != nil {
			t.Error(err)
		}
		if t.Failed() {
			t.Logf("host stderr (last 200 lines):\n%s", lastLines(host.stderr.String(), 200))
		}
	})
	c := &faultClient{base: "http://" + host.addr, http: &http.Client{Timeout: 40 * time.Second}}

	// A customer and a product of its own, made before the faults start.
	setup := func(tool string, args map[string]any) string {
		a := c.call(tool, args)
		if !a.ok || a.id == "" {
			t.Fatalf("%s: %+v", tool, a)
		}
		return a.id
	}
	contact := setup("create_customer", map[string]any{"name": "Fejl & Co ApS"})
	product := setup("create_product", map[string]any{"name": "Fejltime", "prices": []map[string]any{{"unitPrice": 100, "currencyId": "DKK"}}})

	sb.SetFaults(sandbox.Faults{ErrorRate: 0.03, RateLimitRate: 0.03, RetryAfter: time.Second,
		DropAfterCommitRate: 0.15, SlowCommitRate: 0.05, SlowCommitBy: 3 * time.Second, PartialPageRate: 0.1,
		Latency: 5 * time.Millisecond, Jitter: 10 * time.Millisecond})

	var (
		stop      atomic.Bool
		mu        sync.Mutex
		intents   []*intent
		reads     = map[string]int{}
		readsBad  []string
		wg        sync.WaitGroup
		run       = fmt.Sprintf("r%d", time.Now().UnixNano()%100000)
		idsMu     sync.Mutex
		doneIDs   []string
		kills     int
		restarts  int
		sbRestart int
	)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; !stop.Load(); n++ {
				in := &intent{ref: fmt.Sprintf("chaos-%s-w%d-%d", run, w, n)}
				args := map[string]any{"contactId": contact, "lines": []map[string]any{{"productId": product, "quantity": 1 + n%5,
					"description": "chaos " + in.ref}}}
				// A client keeps at an intent long enough for the host's
				// settle time and a restart or two.
				c.create(in, args, time.Now().Add(90*time.Second))
				mu.Lock()
				intents = append(intents, in)
				mu.Unlock()
				if in.id != "" {
					idsMu.Lock()
					doneIDs = append(doneIDs, in.id)
					idsMu.Unlock()
				}
			}
		}()
	}
	for r := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(r), 1))
			for !stop.Load() {
				var a faultAnswer
				idsMu.Lock()
				var id string
				if len(doneIDs) > 0 {
					id = doneIDs[rng.IntN(len(doneIDs))]
				}
				idsMu.Unlock()
				if id != "" && rng.IntN(2) == 0 {
					a = c.call("get_invoice", map[string]any{"invoiceId": id})
				} else {
					a = c.call("list_invoices", map[string]any{"contactId": contact})
				}
				mu.Lock()
				switch {
				case a.transport:
					reads["transport"]++
				case a.ok:
					reads["ok"]++
				case a.retryable:
					reads["retryable "+a.code]++
				default:
					reads[a.code]++
					readsBad = append(readsBad, a.code)
				}
				mu.Unlock()
				time.Sleep(50 * time.Millisecond)
			}
		}()
	}

	// The faults that are events, spread over the load.
	start := time.Now()
	at := func(share float64) time.Time { return start.Add(time.Duration(share * float64(load))) }
	events := []struct {
		at   time.Time
		name string
		do   func()
	}{
		{at(0.30), "sandbox restart", func() { _ = inst.Restart(time.Second); sbRestart++ }},
		{at(0.50), "host SIGTERM and restart", func() {
			if err := host.term(); err != nil {
				t.Errorf("host stop: %v", err)
			}
			host.start()
			restarts++
		}},
		{at(0.70), "Billy outage", func() {
			f := sb.Faults()
			f.Outage = true
			sb.SetFaults(f)
			time.Sleep(time.Second)
			f.Outage = false
			sb.SetFaults(f)
		}},
	}
	killEvery := 3 * time.Second
	nextKill := start.Add(killEvery)
	for time.Since(start) < load {
		now := time.Now()
		for i := range events {
			if e := &events[i]; e.do != nil && now.After(e.at) {
				t.Logf("%5.1fs: %s", time.Since(start).Seconds(), e.name)
				e.do()
				e.do = nil
			}
		}
		if now.After(nextKill) {
			if pid := host.pluginPID(); pid > 0 && syscall.Kill(pid, syscall.SIGKILL) == nil {
				kills++
			}
			nextKill = now.Add(killEvery)
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	sb.SetFaults(sandbox.Faults{})
	stats := sb.Stats()
	// The host writes its audit records before it exits.
	if err := host.term(); err != nil {
		t.Error(err)
	}

	// What Billy holds, by intent.
	held := map[string][]string{} // ref → invoice IDs
	refPattern := regexp.MustCompile(`chaos (chaos-` + run + `-w\d+-\d+)`)
	for page := 1; ; page++ {
		var list struct {
			Invoices []struct {
				ID              string `json:"id"`
				LineDescription string `json:"lineDescription"`
			} `json:"invoices"`
			Meta struct {
				Paging struct {
					PageCount int `json:"pageCount"`
				} `json:"paging"`
			} `json:"meta"`
		}
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/invoices?contactId=%s&pageSize=1000&page=%d", inst.URL(), contact, page), nil)
		req.Header.Set("X-Access-Token", org.AccessToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		err = json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, inv := range list.Invoices {
			if m := refPattern.FindStringSubmatch(inv.LineDescription); m != nil {
				held[m[1]] = append(held[m[1]], inv.ID)
			}
		}
		if page >= list.Meta.Paging.PageCount {
			break
		}
	}

	// What the audit says, by correlation ID.
	audited := map[string]string{}
	f, err := os.Open(auditPath)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var rec struct {
			CorrelationID string `json:"correlation_id"`
			Outcome       string `json:"outcome"`
		}
		if json.Unmarshal(sc.Bytes(), &rec) == nil && strings.HasPrefix(rec.CorrelationID, "chaos-") {
			audited[rec.CorrelationID] = rec.Outcome
		}
	}
	f.Close()

	// Reconcile.
	counts := map[string]int{}
	var violations []string
	violate := func(format string, args ...any) { violations = append(violations, fmt.Sprintf(format, args...)) }
	attempts, answered := 0, 0
	for _, in := range intents {
		ids := held[in.ref]
		counts[in.final]++
		switch {
		case len(ids) > 1:
			violate("%s: %d invoices in Billy (%v): a retry doubled the write", in.ref, len(ids), ids)
		case in.final == "done" && len(ids) == 0:
			violate("%s: reported done, but Billy has no such invoice", in.ref)
		case in.final == "done" && in.id != "" && ids[0] != in.id:
			violate("%s: reported done as %s, but Billy has it as %s", in.ref, in.id, ids[0])
		case in.final == "failed" && len(ids) > 0:
			violate("%s: reported failed (%s), but Billy has it (%s)", in.ref, in.attempts[len(in.attempts)-1].code, ids[0])
		case in.final == "unknown" && len(ids) > 0:
			counts["unknown, in Billy"]++
		}
		for _, a := range in.attempts {
			attempts++
			counts["attempt: "+describeAnswer(a)]++
			if a.transport {
				if audited[a.correlation] == "ok" && len(ids) == 0 {
					violate("%s: the audit says ok for an attempt whose answer was lost, but Billy has no invoice", a.correlation)
				}
				continue
			}
			answered++
			want := "ok"
			if !a.ok {
				want = a.code
			}
			if got, ok := audited[a.correlation]; !ok {
				violate("%s: answered %s, but no audit record", a.correlation, want)
			} else if got != want {
				violate("%s: answered %s, but the audit record says %s", a.correlation, want, got)
			}
		}
	}
	delete(held, "")
	for ref, ids := range held {
		found := false
		for _, in := range intents {
			found = found || in.ref == ref
		}
		if !found {
			violate("%s: in Billy (%v) but no client set out to create it", ref, ids)
		}
	}
	for _, code := range readsBad {
		if code == "internal" {
			violate("a read failed with an internal error")
			break
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "fault suite, %s of load, %d writers, %d readers:\n", load, writers, readers)
	fmt.Fprintf(&b, "  faults: invoices plugin SIGKILLed %d×, host SIGTERMed and restarted %d×, sandbox restarted %d×, one 1 s outage\n", kills, restarts, sbRestart)
	fmt.Fprintf(&b, "  sandbox: %d requests, %d commits; injected %d×500, %d×429, %d×503, %d commit-then-drop, %d slow commits (%d lost to a restart), %d partial pages\n",
		stats.Requests, stats.Commits, stats.ServerErrors, stats.RateLimited, stats.Outages, stats.DropAfterCommit, stats.SlowCommit, stats.SlowCommitLost, stats.PartialPage)
	fmt.Fprintf(&b, "  writes: %d intents: %d done, %d failed, %d unknown (%d of them in Billy); %d attempts, %d answered\n",
		len(intents), counts["done"], counts["failed"], counts["unknown"], counts["unknown, in Billy"], attempts, answered)
	var keys []string
	for k := range counts {
		if strings.HasPrefix(k, "attempt: ") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "    %-50s %d\n", k, counts[k])
	}
	fmt.Fprintf(&b, "  reads: %v\n", reads)
	fmt.Fprintf(&b, "  violations: %d (reported failed but written, duplicates, reported done but missing, answer ≠ audit)\n", len(violations))
	t.Log(b.String())
	for _, v := range violations {
		t.Error(v)
	}
	if len(intents) == 0 || counts["done"] == 0 {
		t.Errorf("no write got through at all: the suite proved nothing")
	}
	if stats.DropAfterCommit == 0 || kills == 0 {
		t.Errorf("the faults did not happen (%d commit-then-drop, %d plugin kills): the suite proved nothing", stats.DropAfterCommit, kills)
	}
}

func describeAnswer(a faultAnswer) string {
	switch {
	case a.transport:
		return "no answer (connection failed)"
	case a.ok:
		return "ok"
	case a.retryable:
		return a.code + " (retryable)"
	}
	return a.code
}

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
