package billy

// Contract tests: the gateway against the sandbox Billy (package sandbox),
// which answers with Billy's envelope, error bodies and injected faults.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	"github.com/billy-mcp/billy-mcp/sandbox"
)

type contractEnv struct {
	sb    *sandbox.Server
	g     *Gateway
	clock *fakeClock
	org   string
	gate  *gate
}

// gate holds requests on their way to the sandbox while closed, so that
// concurrent reads can be lined up deterministically.
type gate struct {
	mu      sync.Mutex
	waiting chan struct{} // nil: open
}

func (g *gate) close() {
	g.mu.Lock()
	g.waiting = make(chan struct{})
	g.mu.Unlock()
}

func (g *gate) open() {
	g.mu.Lock()
	if g.waiting != nil {
		close(g.waiting)
		g.waiting = nil
	}
	g.mu.Unlock()
}

func (g *gate) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		ch := g.waiting
		g.mu.Unlock()
		if ch != nil {
			select {
			case <-ch:
			case <-r.Context().Done():
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

func newContractEnv(t *testing.T, tune func(*Options)) *contractEnv {
	t.Helper()
	sb, err := sandbox.New(sandbox.Options{Token: "t", Seed: 1, Business: sandbox.BusinessFreelancer})
	if err != nil {
		t.Fatal(err)
	}
	env := &contractEnv{sb: sb, clock: newFakeClock(), gate: &gate{}}
	srv := serveHandler(t, env.gate.wrap(sb))
	tokens := map[string]string{}
	for _, o := range sb.Organizations() {
		tokens[o.ID] = o.AccessToken
	}
	env.org = sb.DefaultOrganizationID()
	opts := testOptions(srv.URL, env.clock)
	opts.Token = func(_ context.Context, org string) (string, error) {
		if tok, ok := tokens[org]; ok {
			return tok, nil
		}
		return "", errmodel.New(errmodel.Forbidden, "organization_not_configured", "no such organization")
	}
	if tune != nil {
		tune(&opts)
	}
	env.g = newGateway(t, opts)
	return env
}

func (e *contractEnv) req(method, path string, q url.Values, body string) Request {
	r := Request{OrganizationID: e.org, Method: method, Path: path, Query: q, CorrelationID: "contract"}
	if body != "" {
		r.Body = []byte(body)
	}
	return r
}

func TestContractListAndGetInvoices(t *testing.T) {
	env := newContractEnv(t, nil)
	ctx := context.Background()
	res, err := env.g.Do(ctx, env.req("GET", "/invoices", url.Values{"pageSize": {"5"}}, ""))
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Invoices []struct {
			ID string `json:"id"`
		} `json:"invoices"`
		Meta struct {
			Paging struct {
				Page, PageSize, Total int
			} `json:"paging"`
		} `json:"meta"`
	}
	if err := json.Unmarshal(res.Body, &list); err != nil {
		t.Fatalf("list body: %v", err)
	}
	if len(list.Invoices) == 0 || len(list.Invoices) > 5 || list.Meta.Paging.PageSize != 5 {
		t.Fatalf("list: %d invoices, paging %+v", len(list.Invoices), list.Meta.Paging)
	}
	if list.Meta.Paging.Total > 5 && env.sb.Requests() != 1 {
		t.Errorf("the gateway walked pages: %d requests", env.sb.Requests())
	}
	id := list.Invoices[0].ID
	res, err = env.g.Do(ctx, env.req("GET", "/invoices/"+id, nil, ""))
	if err != nil {
		t.Fatal(err)
	}
	var one struct {
		Invoice struct {
			ID string `json:"id"`
		} `json:"invoice"`
	}
	if err := json.Unmarshal(res.Body, &one); err != nil || one.Invoice.ID != id {
		t.Errorf("get %s: %v %s", id, err, res.Body)
	}

	_, err = env.g.Do(ctx, env.req("GET", "/invoices/noSuchInvoice123", nil, ""))
	if e := asAppErr(t, err); e.Category != errmodel.NotFound || e.UpstreamCode == "" {
		t.Errorf("unknown invoice: %+v", e)
	}
}

func TestContractBadCreateIs422WithFields(t *testing.T) {
	env := newContractEnv(t, nil)
	before := env.sb.Requests()
	_, err := env.g.Do(context.Background(), env.req("POST", "/invoices", nil, `{"invoice":{}}`))
	e := asAppErr(t, err)
	if e.Category != errmodel.Validation || e.Code != CodeValidation || e.UpstreamCode == "" || e.Retryable {
		t.Fatalf("got %+v", e)
	}
	if len(e.Fields) == 0 {
		t.Fatalf("no field errors in %+v", e)
	}
	t.Logf("422 mapped to %s", e)
	for _, f := range e.Fields {
		if !strings.HasPrefix(f.Field, "invoice") || f.Message == "" {
			t.Errorf("field error %+v", f)
		}
	}
	if n := env.sb.Requests() - before; n != 1 {
		t.Errorf("a 422 write made %d requests", n)
	}
}

func TestContractWrongTokenIsUnauthorized(t *testing.T) {
	env := newContractEnv(t, func(o *Options) {
		o.Token = func(context.Context, string) (string, error) { return "wrong", nil }
	})
	e := asAppErr(t, mustFail(env.g.Do(context.Background(), env.req("GET", "/invoices", nil, ""))))
	if e.Category != errmodel.Unauthorized || e.UpstreamCode != "OAUTH_INVALID_ACCESS_TOKEN" {
		t.Errorf("got %+v", e)
	}
}

func TestContractRateLimitFault(t *testing.T) {
	env := newContractEnv(t, nil)
	env.sb.SetFaults(sandbox.Faults{RateLimitRate: 1, RetryAfter: 2 * time.Second})
	before := env.sb.Requests()
	e := asAppErr(t, mustFail(env.g.Do(context.Background(), env.req("GET", "/contacts", nil, ""))))
	if e.Category != errmodel.RateLimited || !e.Retryable || e.RetryAfterSeconds != 2 || e.UpstreamCode == "" {
		t.Errorf("got %+v", e)
	}
	if n := env.sb.Requests() - before; n != 4 {
		t.Errorf("%d requests, want MaxAttempts (4)", n)
	}
	for _, d := range env.clock.Sleeps() {
		if d < 2*time.Second {
			t.Errorf("slept %s, less than Retry-After 2s", d)
		}
	}
	// Writes are not retried on 429 either, and say it is safe to retry.
	before = env.sb.Requests()
	e = asAppErr(t, mustFail(env.g.Do(context.Background(), env.req("POST", "/contacts", nil, `{"contact":{"name":"A/S Test","countryId":"DK"}}`))))
	if e.Category != errmodel.RateLimited || !e.Retryable || env.sb.Requests()-before != 1 {
		t.Errorf("write: %+v after %d requests", e, env.sb.Requests()-before)
	}

	env.sb.SetFaults(sandbox.Faults{})
	if _, err := env.g.Do(context.Background(), env.req("GET", "/contacts", nil, "")); err != nil {
		t.Errorf("after the fault: %v", err)
	}
}

func TestContractOutageOpensBreaker(t *testing.T) {
	env := newContractEnv(t, func(o *Options) {
		o.Breaker = BreakerSettings{ConsecutiveFailures: 5, OpenTimeout: 100 * time.Millisecond}
	})
	env.sb.SetFaults(sandbox.Faults{Outage: true})
	ctx := context.Background()

	before := env.sb.Requests()
	e := asAppErr(t, mustFail(env.g.Do(ctx, env.req("POST", "/contacts", nil, `{"contact":{"name":"A/S Test","countryId":"DK"}}`))))
	if e.Code != CodeUpstreamUnavailable || !e.Retryable || env.sb.Requests()-before != 1 {
		t.Errorf("write in outage: %+v after %d requests", e, env.sb.Requests()-before)
	}
	e = asAppErr(t, mustFail(env.g.Do(ctx, env.req("GET", "/invoices", nil, ""))))
	if e.Code != CodeUpstreamUnavailable || !e.Retryable {
		t.Errorf("read in outage: %+v", e)
	}
	// 1 write + 4 read attempts = 5 consecutive failures: open.
	if got := env.g.BreakerState(env.org); got != "open" {
		t.Fatalf("breaker %q after the outage, want open", got)
	}
	before = env.sb.Requests()
	e = asAppErr(t, mustFail(env.g.Do(ctx, env.req("GET", "/invoices", nil, ""))))
	if e.Code != CodeCircuitOpen || env.sb.Requests() != before {
		t.Errorf("open breaker: %+v, %d requests", e, env.sb.Requests()-before)
	}

	env.sb.SetFaults(sandbox.Faults{})
	time.Sleep(120 * time.Millisecond)
	if _, err := env.g.Do(ctx, env.req("GET", "/invoices", nil, "")); err != nil {
		t.Fatalf("after the outage: %v", err)
	}
	if got := env.g.BreakerState(env.org); got != "closed" {
		t.Errorf("breaker %q after recovery", got)
	}
}

func TestContract100ConcurrentReadsOneRequest(t *testing.T) {
	env := newContractEnv(t, nil)
	req := env.req("GET", "/invoices", url.Values{"pageSize": {"20"}, "state": {"approved"}}, "")
	before := env.sb.Requests()
	env.gate.close()
	var wg sync.WaitGroup
	errs := make([]error, 100)
	bodies := make([]string, 100)
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := req
			r.CorrelationID = fmt.Sprint("c", i)
			res, err := env.g.Do(context.Background(), r)
			errs[i] = err
			if res != nil {
				bodies[i] = string(res.Body)
			}
		}()
	}
	eventually(t, "100 readers on one flight", func() bool { return env.g.flights.waiters(flightKey(req)) == 100 })
	env.gate.open()
	wg.Wait()
	if n := env.sb.Requests() - before; n != 1 {
		t.Errorf("sandbox saw %d requests for 100 identical reads, want 1", n)
	}
	for i := range 100 {
		if errs[i] != nil || bodies[i] != bodies[0] || !strings.Contains(bodies[i], `"invoices"`) {
			t.Fatalf("reader %d: %v", i, errs[i])
		}
	}
}
