package billy

import (
	"context"
	"errors"
	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/go-hclog"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
)

func TestHeadersAndForwarding(t *testing.T) {
	s, srv := serve(t, step{status: 200})
	g := newGateway(t, testOptions(srv.URL, newFakeClock()))
	ctx := context.Background()

	q := url.Values{"state": {"approved"}, "pageSize": {"50"}}
	if _, err := g.Do(ctx, Request{OrganizationID: "o", Method: "get", Path: "/invoices", Query: q, CorrelationID: "c-get"}); err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"invoice":{"contactId":"abc"}}`)
	if _, err := g.Do(ctx, Request{OrganizationID: "o", Method: "POST", Path: "/invoices", Body: body, CorrelationID: "c-post"}); err != nil {
		t.Fatal(err)
	}
	seen := s.Seen()
	if len(seen) != 2 {
		t.Fatalf("upstream saw %d requests, want 2", len(seen))
	}
	for i, r := range seen {
		if got := r.Header.Get("X-Access-Token"); got != testToken {
			t.Errorf("request %d: X-Access-Token = %q", i, got)
		}
		if got := r.Header.Get("Accept"); got != "application/json" {
			t.Errorf("request %d: Accept = %q", i, got)
		}
		if got := r.Header.Get("User-Agent"); !strings.Contains(got, "billy-mcp") {
			t.Errorf("request %d: User-Agent = %q, want it to name billy-mcp", i, got)
		}
	}
	get, post := seen[0], seen[1]
	if get.Method != "GET" || get.Path != "/v2/invoices" || get.RawQuery != "pageSize=50&state=approved" {
		t.Errorf("GET forwarded as %s %s?%s", get.Method, get.Path, get.RawQuery)
	}
	if ct := get.Header.Get("Content-Type"); ct != "" {
		t.Errorf("GET carries Content-Type %q", ct)
	}
	if got := get.Header.Get(HeaderCorrelationID); got != "c-get" {
		t.Errorf("GET correlation header = %q", got)
	}
	if post.Method != "POST" || post.Body != string(body) {
		t.Errorf("POST forwarded as %s with body %q", post.Method, post.Body)
	}
	if ct := post.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("POST Content-Type = %q", ct)
	}
	if got := post.Header.Get(HeaderCorrelationID); got != "c-post" {
		t.Errorf("POST correlation header = %q", got)
	}
}

func TestSuccessReturnedVerbatim(t *testing.T) {
	// Paging is Billy's business: the gateway returns the page it was asked
	// for, envelope untouched, and never fetches the next one.
	const page = `{"invoices":[{"id":"a"}],"meta":{"statusCode":200,"success":true,"paging":{"page":1,"pageCount":3,"pageSize":1,"total":3,"nextUrl":"https://api.billysbilling.com/v2/invoices?page=2&pageSize=1"}}}`
	s, srv := serve(t, step{status: 200, body: page, header: map[string]string{"X-Billy": "1"}})
	g := newGateway(t, testOptions(srv.URL, newFakeClock()))
	res, err := g.Do(context.Background(), get("/invoices"))
	if err != nil {
		t.Fatal(err)
	}
	want := Response{Status: 200, Body: []byte(page), Attempts: 1}
	if diff := cmp.Diff(want, *res, cmp.FilterPath(func(p cmp.Path) bool { return p.String() == "Header" }, cmp.Ignore())); diff != "" {
		t.Errorf("response (-want +got):\n%s", diff)
	}
	if res.Header.Get("X-Billy") != "1" {
		t.Errorf("response headers not passed on: %v", res.Header)
	}
	if n := s.count.Load(); n != 1 {
		t.Errorf("upstream saw %d requests, want 1 (no page walking)", n)
	}
}

func TestReadRetries(t *testing.T) {
	cases := []struct {
		name         string
		steps        []step
		wantAttempts int64
		wantStatus   int    // on success
		wantCode     string // on failure
		wantRetry    bool
	}{
		{"503 then 200", []step{{status: 503}, {status: 503}, {status: 200}}, 3, 200, "", false},
		{"429 then 200", []step{{status: 429}, {status: 200}}, 2, 200, "", false},
		{"500 502 504 then 200", []step{{status: 500}, {status: 502}, {status: 504}, {status: 200}}, 4, 200, "", false},
		{"network errors then 200", []step{{hangup: true}, {hangup: true}, {status: 200}}, 3, 200, "", false},
		{"503 forever", []step{{status: 503}}, 4, 0, CodeUpstreamUnavailable, true},
		{"429 forever", []step{{status: 429, body: `{"errorCode":"TOO_MANY_REQUESTS","errorMessage":"slow down"}`}}, 4, 0, CodeRateLimited, true},
		{"network error forever", []step{{hangup: true}}, 4, 0, CodeUpstreamUnreachable, true},
		{"404 is not retried", []step{{status: 404}}, 1, 0, CodeNotFound, false},
		{"422 is not retried", []step{{status: 422}}, 1, 0, CodeValidation, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, srv := serve(t, tc.steps...)
			clock := newFakeClock()
			g := newGateway(t, testOptions(srv.URL, clock))
			res, err := g.Do(context.Background(), get("/invoices"))
			if n := s.count.Load(); n != tc.wantAttempts {
				t.Errorf("upstream saw %d requests, want %d", n, tc.wantAttempts)
			}
			if got := int64(len(clock.Sleeps())); got != tc.wantAttempts-1 {
				t.Errorf("slept %d times, want %d", got, tc.wantAttempts-1)
			}
			if tc.wantCode == "" {
				if err != nil {
					t.Fatalf("Do: %v", err)
				}
				if res.Status != tc.wantStatus || int64(res.Attempts) != tc.wantAttempts {
					t.Errorf("status %d attempts %d, want %d and %d", res.Status, res.Attempts, tc.wantStatus, tc.wantAttempts)
				}
				return
			}
			e := asAppErr(t, err)
			if e.Code != tc.wantCode || e.Retryable != tc.wantRetry || e.CorrelationID != "corr-1" {
				t.Errorf("got %+v, want code %s retryable %v with correlation ID", e, tc.wantCode, tc.wantRetry)
			}
		})
	}
}

func TestRateLimitedCarriesBillyCodeAndRetryAfter(t *testing.T) {
	_, srv := serve(t, step{status: 429, header: map[string]string{"Retry-After": "7"},
		body: `{"meta":{"statusCode":429,"success":false},"errorCode":"TOO_MANY_REQUESTS","errorMessage":"Too many"}`})
	g := newGateway(t, testOptions(srv.URL, newFakeClock()))
	e := asAppErr(t, mustFail(g.Do(context.Background(), get("/contacts"))))
	want := &errmodel.Error{Code: CodeRateLimited, Category: errmodel.RateLimited, Retryable: true,
		CorrelationID: "corr-1", UpstreamCode: "TOO_MANY_REQUESTS", RetryAfterSeconds: 7}
	if diff := cmp.Diff(want, e, ignoreMessage); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
}

func mustFail(_ *Response, err error) error { return err }

var ignoreMessage = cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Message" }, cmp.Ignore())

func TestRetryAfterHonoured(t *testing.T) {
	clock := newFakeClock()
	date := clock.Now().Add(4 * time.Second).Format(http.TimeFormat)
	cases := []struct {
		name       string
		retryAfter string
		want       time.Duration
	}{
		{"seconds", "3", 3 * time.Second},
		{"fractional seconds", "1.5", 1500 * time.Millisecond},
		{"HTTP date", date, 4 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clock := newFakeClock()
			_, srv := serve(t, step{status: 503, header: map[string]string{"Retry-After": tc.retryAfter}}, step{status: 200})
			opts := testOptions(srv.URL, clock)
			// Jitter alone would sleep at most 10 ms: the sleep must be
			// Retry-After's.
			opts.Retry.BaseDelay, opts.Retry.MaxDelay = 10*time.Millisecond, 10*time.Millisecond
			g := newGateway(t, opts)
			if _, err := g.Do(context.Background(), get("/invoices")); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]time.Duration{tc.want}, clock.Sleeps()); diff != "" {
				t.Errorf("sleeps (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("jitter longer than Retry-After wins", func(t *testing.T) {
		clock := newFakeClock()
		_, srv := serve(t, step{status: 429, header: map[string]string{"Retry-After": "0"}}, step{status: 200})
		opts := testOptions(srv.URL, clock)
		opts.Retry.BaseDelay, opts.Retry.MaxDelay = time.Second, time.Second
		opts.Rand = rand.New(rand.NewPCG(1, 2))
		g := newGateway(t, opts)
		if _, err := g.Do(context.Background(), get("/invoices")); err != nil {
			t.Fatal(err)
		}
		if s := clock.Sleeps(); len(s) != 1 || s[0] <= 0 || s[0] > time.Second {
			t.Errorf("sleeps %v, want one jittered sleep in (0, 1s]", s)
		}
	})
}

func TestJitterBounds(t *testing.T) {
	_, srv := serve(t, step{status: 503})
	clock := newFakeClock()
	opts := testOptions(srv.URL, clock)
	opts.Retry = RetryPolicy{MaxAttempts: 8, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second, MaxElapsed: time.Hour}
	opts.Rand = rand.New(rand.NewPCG(42, 7))
	g := newGateway(t, opts)
	const calls = 20
	for range calls {
		_ = mustFail(g.Do(context.Background(), get("/invoices")))
	}
	sleeps := clock.Sleeps()
	if len(sleeps) != calls*7 {
		t.Fatalf("%d sleeps, want %d", len(sleeps), calls*7)
	}
	distinct := map[time.Duration]bool{}
	belowHalf := 0
	for i, d := range sleeps {
		n := i % 7
		limit := min(time.Second, 100*time.Millisecond<<n)
		if d < 0 || d > limit {
			t.Errorf("sleep %d before retry %d = %s, outside [0, %s]", i, n, d, limit)
		}
		if d < limit/2 {
			belowHalf++
		}
		distinct[d] = true
	}
	if len(distinct) < len(sleeps)/2 {
		t.Errorf("only %d distinct sleeps out of %d: jitter looks constant", len(distinct), len(sleeps))
	}
	// Full jitter draws from the whole range, so about half the sleeps fall
	// below half the cap (equal jitter would give none).
	if belowHalf < len(sleeps)/4 {
		t.Errorf("%d of %d sleeps below half their cap: not full jitter", belowHalf, len(sleeps))
	}
}

func TestMaxElapsedBoundsRetries(t *testing.T) {
	t.Run("Retry-After", func(t *testing.T) {
		s, srv := serve(t, step{status: 503, header: map[string]string{"Retry-After": "1"}})
		clock := newFakeClock()
		opts := testOptions(srv.URL, clock)
		opts.Retry = RetryPolicy{MaxAttempts: 100, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, MaxElapsed: 3500 * time.Millisecond}
		g := newGateway(t, opts)
		e := asAppErr(t, mustFail(g.Do(context.Background(), get("/invoices"))))
		// Sleeps of 1 s at 0, 1, 2 s elapsed fit; a fourth would end at 4 s.
		if n := s.count.Load(); n != 4 {
			t.Errorf("upstream saw %d requests, want 4", n)
		}
		if diff := cmp.Diff([]time.Duration{time.Second, time.Second, time.Second}, clock.Sleeps()); diff != "" {
			t.Errorf("sleeps (-want +got):\n%s", diff)
		}
		if e.Code != CodeUpstreamUnavailable || !e.Retryable || e.RetryAfterSeconds != 1 {
			t.Errorf("got %+v", e)
		}
	})
	t.Run("jitter", func(t *testing.T) {
		_, srv := serve(t, step{status: 500})
		clock := newFakeClock()
		opts := testOptions(srv.URL, clock)
		opts.Retry = RetryPolicy{MaxAttempts: 1000, BaseDelay: 100 * time.Millisecond, MaxDelay: 2 * time.Second, MaxElapsed: 5 * time.Second}
		opts.Rand = rand.New(rand.NewPCG(3, 4))
		g := newGateway(t, opts)
		start := clock.Now()
		_ = mustFail(g.Do(context.Background(), get("/invoices")))
		if elapsed := clock.Now().Sub(start); elapsed > 5*time.Second {
			t.Errorf("retried for %s, beyond MaxElapsed 5s", elapsed)
		}
		if n := len(clock.Sleeps()); n >= 999 {
			t.Errorf("%d retries: MaxElapsed did not stop them", n)
		}
	})
	t.Run("caller deadline", func(t *testing.T) {
		// Retry-After 10 s fits MaxElapsed (20 s) but not the caller's 2 s.
		s, srv := serve(t, step{status: 503, header: map[string]string{"Retry-After": "10"}})
		g := newGateway(t, testOptions(srv.URL, newFakeClock()))
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		e := asAppErr(t, mustFail(g.Do(ctx, get("/invoices"))))
		if n := s.count.Load(); n != 1 || e.Code != CodeUpstreamUnavailable || e.RetryAfterSeconds != 10 {
			t.Errorf("%d requests, error %+v; want 1 request and no sleep past the deadline", n, e)
		}
	})
}

func TestWritesNeverRetried(t *testing.T) {
	cases := []struct {
		name      string
		step      step
		timeout   time.Duration
		wantCode  string
		wantCat   errmodel.Category
		wantRetry bool
	}{
		{"503 was refused before processing", step{status: 503}, 0, CodeUpstreamUnavailable, errmodel.UpstreamUnavailable, true},
		{"500 outcome unknown", step{status: 500}, 0, CodeWriteOutcomeUnknown, errmodel.UpstreamUnavailable, false},
		{"502 outcome unknown", step{status: 502}, 0, CodeWriteOutcomeUnknown, errmodel.UpstreamUnavailable, false},
		{"504 outcome unknown", step{status: 504}, 0, CodeWriteOutcomeUnknown, errmodel.UpstreamUnavailable, false},
		{"connection dropped", step{hangup: true}, 0, CodeWriteOutcomeUnknown, errmodel.UpstreamUnavailable, false},
		{"timeout", step{block: true}, 50 * time.Millisecond, CodeWriteOutcomeUnknown, errmodel.UpstreamUnavailable, false},
		{"429", step{status: 429, header: map[string]string{"Retry-After": "2"}}, 0, CodeRateLimited, errmodel.RateLimited, true},
		{"422", step{status: 422}, 0, CodeValidation, errmodel.Validation, false},
	}
	for _, method := range []string{"POST", "PUT", "PATCH", "DELETE"} {
		for _, tc := range cases {
			t.Run(method+" "+tc.name, func(t *testing.T) {
				s, srv := serve(t, tc.step, step{status: 200})
				clock := newFakeClock()
				opts := testOptions(srv.URL, clock)
				if tc.timeout > 0 {
					opts.Timeout = tc.timeout
				}
				g := newGateway(t, opts)
				req := Request{OrganizationID: "o", Method: method, Path: "/invoices/abc", Body: []byte(`{"invoice":{}}`), CorrelationID: "w"}
				e := asAppErr(t, mustFail(g.Do(context.Background(), req)))
				if n := s.count.Load(); n != 1 {
					t.Errorf("upstream saw %d requests, want exactly 1", n)
				}
				if len(clock.Sleeps()) != 0 {
					t.Errorf("slept %v before giving up on a write", clock.Sleeps())
				}
				if e.Code != tc.wantCode || e.Category != tc.wantCat || e.Retryable != tc.wantRetry {
					t.Errorf("got code %s category %s retryable %v, want %s %s %v (%s)", e.Code, e.Category, e.Retryable, tc.wantCode, tc.wantCat, tc.wantRetry, e.Message)
				}
				if e.Code == CodeWriteOutcomeUnknown {
					for _, phrase := range []string{"may or may not have happened", "check first", method + " /invoices/abc"} {
						if !strings.Contains(e.Message, phrase) {
							t.Errorf("message %q does not say %q", e.Message, phrase)
						}
					}
				}
			})
		}
	}
}

func TestWriteNotSentIsSafe(t *testing.T) {
	// A port nobody listens on: the dial fails, nothing was sent, so the
	// write certainly did not happen and may be retried.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	g := newGateway(t, testOptions("http://"+addr, newFakeClock()))
	e := asAppErr(t, mustFail(g.Do(context.Background(), Request{Method: "POST", Path: "/invoices", Body: []byte(`{}`)})))
	if e.Code != CodeUpstreamUnreachable || !e.Retryable || !strings.Contains(e.Message, "not sent") {
		t.Errorf("got %+v", e)
	}
}

func TestWriteCancelledAfterSendingIsUnknown(t *testing.T) {
	s, srv := serve(t, step{block: true})
	g := newGateway(t, testOptions(srv.URL, newFakeClock()))
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		eventually(t, "the write to arrive", func() bool { return s.count.Load() == 1 })
		cancel()
	}()
	e := asAppErr(t, mustFail(g.Do(ctx, Request{Method: "POST", Path: "/bankPayments", Body: []byte(`{}`)})))
	if e.Code != CodeWriteOutcomeUnknown || e.Retryable {
		t.Errorf("got %+v", e)
	}
}

func TestReadCancelledReturnsCtxErr(t *testing.T) {
	s, srv := serve(t, step{block: true})
	g := newGateway(t, testOptions(srv.URL, newFakeClock()))
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		eventually(t, "the read to arrive", func() bool { return s.count.Load() == 1 })
		cancel()
	}()
	if _, err := g.Do(ctx, get("/invoices")); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if n := s.count.Load(); n != 1 {
		t.Errorf("cancelled read was retried: %d requests", n)
	}
}

func TestReadTimeoutRetried(t *testing.T) {
	s, srv := serve(t, step{block: true}, step{status: 200})
	opts := testOptions(srv.URL, newFakeClock())
	opts.Timeout = 50 * time.Millisecond
	g := newGateway(t, opts)
	res, err := g.Do(context.Background(), get("/invoices"))
	if err != nil || res.Attempts != 2 || s.count.Load() != 2 {
		t.Errorf("res %+v err %v after %d requests; want success on attempt 2", res, err, s.count.Load())
	}
}

func TestPathValidation(t *testing.T) {
	bad := []string{
		"http://evil", "//evil", "//evil.example/v2/invoices", "/../x", "/invoices/../x", "/./x",
		"invoices", "", "/", "/invoices/", "/invoices//x", "/%2e%2e/x", "/invoices?x=1", "/invoices#f",
		"/a@evil", "/a:b", `/a\b`, "/inv oices", "/\x00", "https:/evil",
	}
	s, srv := serve(t, step{status: 200})
	g := newGateway(t, testOptions(srv.URL, newFakeClock()))
	for _, p := range bad {
		_, err := g.Do(context.Background(), Request{Method: "GET", Path: p, CorrelationID: "c"})
		e := asAppErr(t, err)
		if e.Code != CodeInvalidRequest || e.Category != errmodel.Validation || e.CorrelationID != "c" {
			t.Errorf("path %q: got %+v", p, e)
		}
	}
	for _, r := range []Request{
		{Method: "TRACE", Path: "/invoices"},
		{Method: "GET", Path: "/invoices", Body: []byte(`{}`)},
		{Method: "POST", Path: "/invoices", Body: []byte(`{not json`)},
	} {
		if e := asAppErr(t, mustFail(g.Do(context.Background(), r))); e.Code != CodeInvalidRequest {
			t.Errorf("%+v: got %+v", r, e)
		}
	}
	if n := s.count.Load(); n != 0 {
		t.Fatalf("%d invalid requests reached upstream", n)
	}
	for _, p := range []string{"/invoices", "/invoices/GJj2Kr8vQ3mmuWn30VT5lw", "/contacts/709627-tUoUXF3Bfanvf", "/organization", "/zipcodes/us_80209", "/a.b~c"} {
		if _, err := g.Do(context.Background(), Request{Method: "GET", Path: p}); err != nil {
			t.Errorf("path %q rejected: %v", p, err)
		}
	}
}

func TestRedirectNotFollowed(t *testing.T) {
	evil, evilSrv := serve(t, step{status: 200})
	_, srv := serve(t, step{status: http.StatusFound, header: map[string]string{"Location": evilSrv.URL + "/steal"}})
	g := newGateway(t, testOptions(srv.URL, newFakeClock()))
	for _, r := range []Request{{Method: "GET", Path: "/invoices"}, {Method: "POST", Path: "/invoices", Body: []byte(`{}`)}} {
		if _, err := g.Do(context.Background(), r); err == nil {
			t.Errorf("%s: a redirect was treated as success", r.Method)
		}
	}
	if n := evil.count.Load(); n != 0 {
		t.Fatalf("the token was sent to the redirect target %d times", n)
	}
}

func TestNewChecksOptions(t *testing.T) {
	tok := func(context.Context, string) (string, error) { return "t", nil }
	for _, o := range []Options{
		{BaseURL: "https://api.billysbilling.com/v2"},
		{BaseURL: "", Token: tok},
		{BaseURL: "api.billysbilling.com/v2", Token: tok},
		{BaseURL: "ftp://x/v2", Token: tok},
		{BaseURL: "https://user:pw@x/v2", Token: tok},
		{BaseURL: "https://x/v2?a=1", Token: tok},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
	g, err := New(Options{BaseURL: "https://api.billysbilling.com/v2", Token: tok})
	if err != nil {
		t.Fatal(err)
	}
	want := RetryPolicy{MaxAttempts: 4, BaseDelay: 200 * time.Millisecond, MaxDelay: 5 * time.Second, MaxElapsed: 20 * time.Second}
	if diff := cmp.Diff(want, g.opts.Retry); diff != "" {
		t.Errorf("retry defaults (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(RateLimit{10, 20}, g.opts.RateLimit); diff != "" {
		t.Errorf("rate defaults (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(BreakerSettings{5, 30 * time.Second, 1}, g.opts.Breaker); diff != "" {
		t.Errorf("breaker defaults (-want +got):\n%s", diff)
	}
	tr, ok := g.client.Transport.(*http.Transport)
	if !ok || tr.MaxIdleConnsPerHost < 32 {
		t.Errorf("default transport not pooled: %#v", g.client.Transport)
	}
}

func TestTokenErrors(t *testing.T) {
	s, srv := serve(t, step{status: 200})
	opts := testOptions(srv.URL, newFakeClock())
	opts.Token = func(_ context.Context, org string) (string, error) {
		switch org {
		case "unknown":
			return "", errmodel.New(errmodel.Forbidden, "organization_not_configured", "no such organization")
		case "broken":
			return "", errors.New("vault: connection refused to secret store")
		}
		return "", nil
	}
	g := newGateway(t, opts)
	for org, code := range map[string]string{"unknown": "organization_not_configured", "broken": CodeCredentialsUnavailable, "empty": CodeCredentialsUnavailable} {
		e := asAppErr(t, mustFail(g.Do(context.Background(), Request{OrganizationID: org, Method: "GET", Path: "/invoices"})))
		if e.Code != code || strings.Contains(e.Message, "vault") {
			t.Errorf("org %s: got %+v", org, e)
		}
	}
	if n := s.count.Load(); n != 0 {
		t.Errorf("%d requests sent without a token", n)
	}
}

func TestLogsCarryNoSecrets(t *testing.T) {
	_, srv := serve(t, step{status: 503}, step{status: 200})
	var buf testkit.SyncBuffer
	opts := testOptions(srv.URL, newFakeClock())
	opts.Logger = hclog.New(&hclog.LoggerOptions{Output: &buf, Level: hclog.Trace})
	g := newGateway(t, opts)
	q := url.Values{"q": {"Jørgen Pagh"}}
	if _, err := g.Do(context.Background(), Request{OrganizationID: "o", Method: "GET", Path: "/contacts", Query: q, CorrelationID: "corr-log"}); err != nil {
		t.Fatal(err)
	}
	_, _ = g.Do(context.Background(), Request{OrganizationID: "o", Method: "POST", Path: "/contacts", Body: []byte(`{"contact":{"name":"Jørgen Pagh","email":"jp@example.dk"}}`)})
	logs := buf.String()
	for _, secret := range []string{testToken, "Jørgen", "J%C3%B8rgen", "jp@example.dk"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q:\n%s", secret, logs)
		}
	}
	for _, want := range []string{"retrying Billy read", "corr-log", "query_keys"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
}

func TestResponseTooLarge(t *testing.T) {
	_, srv := serve(t, step{status: 200, body: `{"invoices":[` + strings.Repeat(`{"id":"x"},`, 100) + `{}]}`})
	opts := testOptions(srv.URL, newFakeClock())
	opts.MaxResponseBytes = 100
	g := newGateway(t, opts)
	if e := asAppErr(t, mustFail(g.Do(context.Background(), get("/invoices")))); e.Code != CodeResponseTooLarge {
		t.Errorf("read: got %+v", e)
	}
	e := asAppErr(t, mustFail(g.Do(context.Background(), Request{Method: "POST", Path: "/invoices", Body: []byte(`{}`)})))
	if e.Code != CodeWriteOutcomeUnknown {
		t.Errorf("write: got %+v", e)
	}
}

func TestBackoffCapsWithoutOverflow(t *testing.T) {
	g := newGateway(t, Options{BaseURL: "http://127.0.0.1:1/v2", Token: func(context.Context, string) (string, error) { return "t", nil },
		Retry: RetryPolicy{BaseDelay: 200 * time.Millisecond, MaxDelay: 5 * time.Second}, Rand: rand.New(rand.NewPCG(9, 9))})
	for _, n := range []int{0, 1, 5, 40, 70, 1000} {
		for range 50 {
			if d := g.backoff(n); d < 0 || d > min(5*time.Second, 200*time.Millisecond<<min(n, 10)) {
				t.Fatalf("backoff(%d) = %s", n, d)
			}
		}
	}
}
