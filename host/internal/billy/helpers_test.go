package billy

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
)

const testToken = "tok-3f9c1e-secret"

// fakeClock drives Now and Sleep: sleeping advances the clock at once and
// is recorded, so backoff and rate limiting are tested without waiting.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// step is one scripted answer. hangup closes the connection without an
// answer; block waits for the request's context to end (a timeout).
type step struct {
	status int
	header map[string]string
	body   string
	hangup bool
	block  bool
}

// recorded is what the fake Billy saw of one request.
type recorded struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   string
}

// scripted is a fake Billy answering with steps in order; the last step
// repeats.
type scripted struct {
	mu    sync.Mutex
	steps []step
	seen  []recorded
	count atomic.Int64
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	n := int(s.count.Add(1)) - 1
	s.seen = append(s.seen, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), string(body)})
	st := s.steps[min(n, len(s.steps)-1)]
	s.mu.Unlock()
	switch {
	case st.hangup:
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close()
		}
		return
	case st.block:
		<-r.Context().Done()
		return
	}
	for k, v := range st.header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	status := st.status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	b := st.body
	if b == "" {
		b = `{"meta":{"statusCode":` + strconv.Itoa(status) + `,"success":` + strconv.FormatBool(status < 300) + `}}`
	}
	_, _ = io.WriteString(w, b)
}

func (s *scripted) Seen() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recorded(nil), s.seen...)
}

func serve(t *testing.T, steps ...step) (*scripted, *httptest.Server) {
	t.Helper()
	s := &scripted{steps: steps}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv
}

// testOptions are fast and deterministic: fake clock, seeded jitter, a
// breaker and bucket that stay out of the way unless a test tunes them.
func testOptions(baseURL string, clock *fakeClock) Options {
	return Options{
		BaseURL:   baseURL + "/v2",
		Token:     func(context.Context, string) (string, error) { return testToken, nil },
		Timeout:   5 * time.Second,
		Retry:     RetryPolicy{MaxAttempts: 4, BaseDelay: 200 * time.Millisecond, MaxDelay: 5 * time.Second, MaxElapsed: 20 * time.Second},
		RateLimit: RateLimit{RequestsPerSecond: 1e6, Burst: 1e6},
		Breaker:   BreakerSettings{ConsecutiveFailures: 1000, OpenTimeout: time.Minute},
		Logger:    hclog.New(&hclog.LoggerOptions{Output: io.Discard, Level: hclog.Trace}),
		Now:       clock.Now,
		Sleep:     clock.Sleep,
	}
}

func newGateway(t *testing.T, opts Options) *Gateway {
	t.Helper()
	g, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return g
}

func asAppErr(t *testing.T, err error) *errmodel.Error {
	t.Helper()
	var ae *errmodel.Error
	if !errors.As(err, &ae) {
		t.Fatalf("error %v (%T) is not an *errmodel.Error", err, err)
	}
	return ae
}

// eventually polls cond for up to 5 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func get(path string) Request {
	return Request{OrganizationID: "org1", Method: http.MethodGet, Path: path, CorrelationID: "corr-1"}
}

func serveHandler(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}
