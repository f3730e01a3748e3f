package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// Faults makes the sandbox misbehave the way a remote API does, so that the
// gateway's retries, backoff, circuit breaker and its handling of writes
// whose outcome is unknown can be tested. They apply to /v2 requests only,
// never to /_sandbox.
//
// In JSON (GET/PUT /_sandbox/faults) durations are Go duration strings such
// as "50ms" or "1.5s"; a bare number is read as milliseconds. Rates are
// shares from 0 to 1:
//
//	{"latency":"50ms","jitter":"10ms","errorRate":0.1,"rateLimitRate":0.05,
//	 "retryAfter":"2s","outage":false,"slowRate":0.01,"slowBy":"3s",
//	 "dropAfterCommitRate":0.05,"slowCommitRate":0.02,"slowCommitBy":"20s",
//	 "partialPageRate":0.05}
//
// The dice come from a source seeded with Options.Seed (and reseeded by
// Reset), so a test that sends requests one at a time sees the same faults
// on every run. The dice for the write and list faults are rolled only when
// their rate is above zero, so adding them leaves the older faults'
// sequence as it was.
//
// The write faults are the ones that make an outcome unknown to the client
// (billy-api.md §8: Billy has no idempotency keys, so a careful client
// reads back before it retries a write):
//
//   - DropAfterCommitRate: the write is committed, then the connection is
//     dropped without an answer: the client sees a transport error for a
//     write that was saved.
//   - SlowCommitRate/SlowCommitBy: the write is received, waits SlowCommitBy
//     and is then committed whether or not the client is still there: a
//     client whose deadline is shorter gives up on a write that is saved
//     later. (SlowRate/SlowBy, by contrast, delay a request before it is
//     read and drop it when the client leaves, so it never commits.)
//
// PartialPageRate cuts a list's body off half way, as when a connection
// dies mid-page. Stats counts every fault injected.
type Faults struct {
	// Latency is added to every request; Jitter adds a uniform random extra
	// of up to Jitter.
	Latency time.Duration
	Jitter  time.Duration
	// ErrorRate is the share of requests answered 500.
	ErrorRate float64
	// RateLimitRate is the share answered 429 with a Retry-After header.
	RateLimitRate float64
	// RetryAfter is the Retry-After sent with a 429, rounded up to whole
	// seconds (at least 1, the header's unit); zero means 1 s.
	RetryAfter time.Duration
	// Outage answers every request 503.
	Outage bool
	// SlowRate is the share of requests delayed by a further SlowBy before
	// they are served; a request whose client leaves meanwhile is dropped
	// and never committed.
	SlowRate float64
	SlowBy   time.Duration
	// DropAfterCommitRate is the share of writes (POST, PUT, PATCH, DELETE)
	// that are committed and then answered by closing the connection
	// without a response. It applies to writes that succeed; a refused
	// write committed nothing and is answered as usual.
	DropAfterCommitRate float64
	// SlowCommitRate is the share of writes that wait SlowCommitBy after
	// their body is read and then commit even if the client has gone away
	// (at most MaxSlowCommitBy). A restart cuts the wait short and the
	// write is lost, as in a crash; a graceful shutdown cuts it short and
	// commits at once.
	SlowCommitRate float64
	SlowCommitBy   time.Duration
	// PartialPageRate is the share of successful list GETs (GET on a
	// collection such as /v2/invoices) whose body is cut off: the headers
	// announce the full Content-Length, about half the body is sent, and
	// the connection is closed, so the client reads an unexpected EOF.
	PartialPageRate float64
}

// MaxSlowCommitBy bounds Faults.SlowCommitBy: the wait outlives its client
// on purpose, and must not outlive the test that asked for it.
const MaxSlowCommitBy = 10 * time.Minute

// faultsJSON is the wire form of Faults.
type faultsJSON struct {
	Latency             jsonDuration `json:"latency"`
	Jitter              jsonDuration `json:"jitter"`
	ErrorRate           float64      `json:"errorRate"`
	RateLimitRate       float64      `json:"rateLimitRate"`
	RetryAfter          jsonDuration `json:"retryAfter"`
	Outage              bool         `json:"outage"`
	SlowRate            float64      `json:"slowRate"`
	SlowBy              jsonDuration `json:"slowBy"`
	DropAfterCommitRate float64      `json:"dropAfterCommitRate"`
	SlowCommitRate      float64      `json:"slowCommitRate"`
	SlowCommitBy        jsonDuration `json:"slowCommitBy"`
	PartialPageRate     float64      `json:"partialPageRate"`
}

// MarshalJSON writes durations as strings such as "50ms".
func (f Faults) MarshalJSON() ([]byte, error) {
	return json.Marshal(faultsJSON{
		Latency: jsonDuration(f.Latency), Jitter: jsonDuration(f.Jitter), ErrorRate: f.ErrorRate,
		RateLimitRate: f.RateLimitRate, RetryAfter: jsonDuration(f.RetryAfter), Outage: f.Outage,
		SlowRate: f.SlowRate, SlowBy: jsonDuration(f.SlowBy), DropAfterCommitRate: f.DropAfterCommitRate,
		SlowCommitRate: f.SlowCommitRate, SlowCommitBy: jsonDuration(f.SlowCommitBy), PartialPageRate: f.PartialPageRate,
	})
}

// UnmarshalJSON reads durations as strings ("50ms") or milliseconds (50).
func (f *Faults) UnmarshalJSON(b []byte) error {
	var w faultsJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*f = Faults{
		Latency: time.Duration(w.Latency), Jitter: time.Duration(w.Jitter), ErrorRate: w.ErrorRate,
		RateLimitRate: w.RateLimitRate, RetryAfter: time.Duration(w.RetryAfter), Outage: w.Outage,
		SlowRate: w.SlowRate, SlowBy: time.Duration(w.SlowBy), DropAfterCommitRate: w.DropAfterCommitRate,
		SlowCommitRate: w.SlowCommitRate, SlowCommitBy: time.Duration(w.SlowCommitBy), PartialPageRate: w.PartialPageRate,
	}
	return nil
}

// Validate reports rates outside 0–1, rates adding up past 1, negative
// durations and a SlowCommitBy above MaxSlowCommitBy.
func (f Faults) Validate() error {
	for _, r := range []struct {
		name string
		v    float64
	}{{"errorRate", f.ErrorRate}, {"rateLimitRate", f.RateLimitRate}, {"slowRate", f.SlowRate},
		{"dropAfterCommitRate", f.DropAfterCommitRate}, {"slowCommitRate", f.SlowCommitRate}, {"partialPageRate", f.PartialPageRate}} {
		if r.v < 0 || r.v > 1 || math.IsNaN(r.v) {
			return fmt.Errorf("%s must be between 0 and 1", r.name)
		}
	}
	if f.ErrorRate+f.RateLimitRate > 1 {
		return fmt.Errorf("errorRate and rateLimitRate add up to more than 1")
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"latency", f.Latency}, {"jitter", f.Jitter}, {"retryAfter", f.RetryAfter}, {"slowBy", f.SlowBy}, {"slowCommitBy", f.SlowCommitBy}} {
		if d.v < 0 {
			return fmt.Errorf("%s must not be negative", d.name)
		}
	}
	if f.SlowCommitBy > MaxSlowCommitBy {
		return fmt.Errorf("slowCommitBy must be at most %v", MaxSlowCommitBy)
	}
	return nil
}

type jsonDuration time.Duration

func (d jsonDuration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

func (d *jsonDuration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("invalid duration %q", s)
		}
		*d = jsonDuration(v)
		return nil
	}
	var ms float64
	if err := json.Unmarshal(b, &ms); err != nil {
		return fmt.Errorf("a duration must be a string such as \"50ms\" or a number of milliseconds")
	}
	*d = jsonDuration(time.Duration(ms * float64(time.Millisecond)))
	return nil
}

// Stats counts the /v2 requests and the faults injected into them since
// the sandbox started (Reset does not clear them), so that a fault test can
// print what it went through and reconcile what clients saw with what the
// sandbox did. GET /_sandbox/stats serves it as JSON.
type Stats struct {
	// Requests is every /v2 request received, faults included.
	Requests int64 `json:"requests"`
	// Commits is every write (POST, PUT, PATCH, DELETE) that succeeded,
	// whether or not its client got the answer (an idempotent DELETE of a
	// record already gone counts too).
	Commits int64 `json:"commits"`
	// ServerErrors, RateLimited and Outages are the injected 500s, 429s
	// and 503s.
	ServerErrors int64 `json:"serverErrors"`
	RateLimited  int64 `json:"rateLimited"`
	Outages      int64 `json:"outages"`
	// Slow is the requests delayed by SlowBy.
	Slow int64 `json:"slow"`
	// DropAfterCommit is the writes committed whose connection was then
	// dropped without an answer.
	DropAfterCommit int64 `json:"dropAfterCommit"`
	// SlowCommit is the writes delayed by SlowCommitBy before committing;
	// SlowCommitLost is those of them a restart cut off before they
	// committed (they are not in Commits).
	SlowCommit     int64 `json:"slowCommit"`
	SlowCommitLost int64 `json:"slowCommitLost"`
	// PartialPage is the list answers cut off half way.
	PartialPage int64 `json:"partialPage"`
	// Restarts is the restarts done by Restart or POST /_sandbox/restart.
	Restarts int64 `json:"restarts"`
}

// faultStats are Stats's live counters.
type faultStats struct {
	requests, commits, serverErrors, rateLimited, outages, slow        atomic.Int64
	dropAfterCommit, slowCommit, slowCommitLost, partialPage, restarts atomic.Int64
}

func (c *faultStats) snapshot() Stats {
	return Stats{Requests: c.requests.Load(), Commits: c.commits.Load(), ServerErrors: c.serverErrors.Load(),
		RateLimited: c.rateLimited.Load(), Outages: c.outages.Load(), Slow: c.slow.Load(),
		DropAfterCommit: c.dropAfterCommit.Load(), SlowCommit: c.slowCommit.Load(), SlowCommitLost: c.slowCommitLost.Load(),
		PartialPage: c.partialPage.Load(), Restarts: c.restarts.Load()}
}

// faultPlan is what the dice decided for one request.
type faultPlan struct {
	delay      time.Duration
	slow       bool // delay includes SlowBy
	status     int  // 0: serve normally
	retryAfter int  // seconds, for 429

	// Decided for every write and every GET, applied only where they fit
	// (a write that succeeds, a list).
	dropAfterCommit bool
	slowCommit      time.Duration // > 0: wait this long before committing
	partialPage     bool
}

func isWriteMethod(m string) bool {
	return m == http.MethodPost || m == http.MethodPut || m == http.MethodPatch || m == http.MethodDelete
}

// planFaults rolls the dice for one request from the seeded source, so a
// test that sends requests one at a time sees the same faults every run.
func planFaults(f Faults, rng *rand.Rand, method string) faultPlan {
	p := faultPlan{delay: f.Latency}
	if f.Jitter > 0 {
		p.delay += time.Duration(rng.Int64N(int64(f.Jitter) + 1))
	}
	if f.SlowRate > 0 && rng.Float64() < f.SlowRate {
		p.delay += f.SlowBy
		p.slow = true
	}
	switch {
	case f.Outage:
		p.status = http.StatusServiceUnavailable
	default:
		u := rng.Float64()
		switch {
		case u < f.RateLimitRate:
			p.status = http.StatusTooManyRequests
			p.retryAfter = max(1, int(math.Ceil(f.RetryAfter.Seconds())))
		case u < f.RateLimitRate+f.ErrorRate:
			p.status = http.StatusInternalServerError
		}
	}
	// Rolled after the older dice and only when asked for, so that
	// configurations without them keep their sequence.
	if isWriteMethod(method) {
		if f.DropAfterCommitRate > 0 && rng.Float64() < f.DropAfterCommitRate {
			p.dropAfterCommit = true
		}
		if f.SlowCommitRate > 0 && rng.Float64() < f.SlowCommitRate {
			p.slowCommit = max(f.SlowCommitBy, time.Nanosecond)
		}
	}
	if method == http.MethodGet && f.PartialPageRate > 0 && rng.Float64() < f.PartialPageRate {
		p.partialPage = true
	}
	return p
}

// injectFaults delays the request and answers it with the planned failure.
// It returns the plan, for the faults applied later, and whether the
// request was answered (or dropped) already.
func (s *Server) injectFaults(w http.ResponseWriter, r *http.Request) (faultPlan, bool) {
	s.faultMu.Lock()
	f := s.faults
	p := planFaults(f, s.faultRng, r.Method)
	s.faultMu.Unlock()
	if p.slow {
		s.stats.slow.Add(1)
	}
	if p.delay > 0 {
		// net/http notices that a client has gone only once the request
		// body is consumed (it watches the connection from then on), so
		// the body is read first: a delayed write whose client gives up
		// is then dropped, never committed.
		if r.Body != nil && r.Body != http.NoBody {
			b, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
			if err != nil {
				return p, true // the client went away mid-body
			}
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		if !s.sleep(r, p.delay) {
			// The client gave up, or the server crashed in a restart:
			// nobody reads an answer, and none may be sent.
			abortConnection(w)
			return p, true
		}
	}
	switch p.status {
	case 0:
		return p, false
	case http.StatusTooManyRequests:
		s.stats.rateLimited.Add(1)
		w.Header().Set("Retry-After", strconv.Itoa(p.retryAfter))
		writeError(w, &apiError{status: p.status, code: codeRateLimited,
			message: "Too many requests. Try again later."}, s.now())
	case http.StatusServiceUnavailable:
		s.stats.outages.Add(1)
		w.Header().Set("Retry-After", "1")
		writeError(w, &apiError{status: p.status, code: codeUnavailable,
			message: "The API is temporarily unavailable (sandbox outage)."}, s.now())
	default:
		s.stats.serverErrors.Add(1)
		writeError(w, &apiError{status: p.status, code: codeInternal,
			message: "An internal error occurred (sandbox fault injection)."}, s.now())
	}
	return p, true
}

// sleep waits d before a request is served. It gives up (false) when the
// client leaves or the listener it came through crashes in a restart, and
// ends early (true) when that listener shuts down gracefully, so that a
// shutdown never waits for injected latency.
func (s *Server) sleep(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	l := lifeOf(r.Context())
	select {
	case <-t.C:
	case <-r.Context().Done():
	case <-l.crashedC():
		return false
	case <-l.stoppingC():
	}
	// When several were ready at once, a client that has gone wins.
	return r.Context().Err() == nil
}

// waitSlowCommit is the slow-commit fault's wait, on purpose not tied to
// the request's context: the write commits after its client has gone. It
// reports whether to commit: a restart (a crash) loses the write, and a
// graceful shutdown commits it at once rather than keep the shutdown
// waiting.
func (s *Server) waitSlowCommit(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	l := lifeOf(ctx)
	select {
	case <-t.C:
		return true
	case <-l.crashedC():
		s.stats.slowCommitLost.Add(1)
		return false
	case <-l.stoppingC():
		return true
	}
}

// abortConnection closes the request's connection without (the rest of)
// an answer: the connection is hijacked and closed. It flushes nothing
// itself (a flush would send a status line the drop must not send); a
// caller that wrote part of an answer flushes it first. Where the
// connection cannot be hijacked (HTTP/2), the handler panics with
// http.ErrAbortHandler, net/http's way to abort a response (the stream is
// reset and nothing is logged); the panic unwinds through serveAPI, whose
// deferred unlock still runs.
func abortConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
