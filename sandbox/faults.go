package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// Faults makes the sandbox misbehave the way a remote API does, so that the
// gateway's retries, backoff and circuit breaker can be tested. They apply
// to /v2 requests only, never to /_sandbox.
//
// In JSON (GET/PUT /_sandbox/faults) durations are Go duration strings such
// as "50ms" or "1.5s"; a bare number is read as milliseconds. Rates are
// shares from 0 to 1:
//
//	{"latency":"50ms","jitter":"10ms","errorRate":0.1,"rateLimitRate":0.05,
//	 "retryAfter":"2s","outage":false,"slowRate":0.01,"slowBy":"3s"}
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
	// SlowRate is the share of requests delayed by a further SlowBy.
	SlowRate float64
	SlowBy   time.Duration
}

// faultsJSON is the wire form of Faults.
type faultsJSON struct {
	Latency       jsonDuration `json:"latency"`
	Jitter        jsonDuration `json:"jitter"`
	ErrorRate     float64      `json:"errorRate"`
	RateLimitRate float64      `json:"rateLimitRate"`
	RetryAfter    jsonDuration `json:"retryAfter"`
	Outage        bool         `json:"outage"`
	SlowRate      float64      `json:"slowRate"`
	SlowBy        jsonDuration `json:"slowBy"`
}

// MarshalJSON writes durations as strings such as "50ms".
func (f Faults) MarshalJSON() ([]byte, error) {
	return json.Marshal(faultsJSON{jsonDuration(f.Latency), jsonDuration(f.Jitter), f.ErrorRate,
		f.RateLimitRate, jsonDuration(f.RetryAfter), f.Outage, f.SlowRate, jsonDuration(f.SlowBy)})
}

// UnmarshalJSON reads durations as strings ("50ms") or milliseconds (50).
func (f *Faults) UnmarshalJSON(b []byte) error {
	var w faultsJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*f = Faults{time.Duration(w.Latency), time.Duration(w.Jitter), w.ErrorRate, w.RateLimitRate,
		time.Duration(w.RetryAfter), w.Outage, w.SlowRate, time.Duration(w.SlowBy)}
	return nil
}

// Validate reports rates outside 0–1, rates adding up past 1 and negative
// durations.
func (f Faults) Validate() error {
	for name, r := range map[string]float64{"errorRate": f.ErrorRate, "rateLimitRate": f.RateLimitRate, "slowRate": f.SlowRate} {
		if r < 0 || r > 1 || math.IsNaN(r) {
			return fmt.Errorf("%s must be between 0 and 1", name)
		}
	}
	if f.ErrorRate+f.RateLimitRate > 1 {
		return fmt.Errorf("errorRate and rateLimitRate add up to more than 1")
	}
	for name, d := range map[string]time.Duration{"latency": f.Latency, "jitter": f.Jitter, "retryAfter": f.RetryAfter, "slowBy": f.SlowBy} {
		if d < 0 {
			return fmt.Errorf("%s must not be negative", name)
		}
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

// faultPlan is what the dice decided for one request.
type faultPlan struct {
	delay      time.Duration
	status     int // 0: serve normally
	retryAfter int // seconds, for 429
}

// planFaults rolls the dice for one request from the seeded source, so a
// test that sends requests one at a time sees the same faults every run.
func planFaults(f Faults, rng *rand.Rand) faultPlan {
	p := faultPlan{delay: f.Latency}
	if f.Jitter > 0 {
		p.delay += time.Duration(rng.Int64N(int64(f.Jitter) + 1))
	}
	if f.SlowRate > 0 && rng.Float64() < f.SlowRate {
		p.delay += f.SlowBy
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
	return p
}

// injectFaults delays the request and answers it with the planned failure.
// It reports whether the request was answered.
func (s *Server) injectFaults(w http.ResponseWriter, r *http.Request) bool {
	s.faultMu.Lock()
	f := s.faults
	p := planFaults(f, s.faultRng)
	s.faultMu.Unlock()
	if p.delay > 0 && !sleepCtx(r.Context(), p.delay) {
		return true // the client gave up; nobody reads an answer
	}
	switch p.status {
	case 0:
		return false
	case http.StatusTooManyRequests:
		w.Header().Set("Retry-After", strconv.Itoa(p.retryAfter))
		writeError(w, &apiError{status: p.status, code: codeRateLimited,
			message: "Too many requests. Try again later."}, s.now())
	case http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", "1")
		writeError(w, &apiError{status: p.status, code: codeUnavailable,
			message: "The API is temporarily unavailable (sandbox outage)."}, s.now())
	default:
		writeError(w, &apiError{status: p.status, code: codeInternal,
			message: "An internal error occurred (sandbox fault injection)."}, s.now())
	}
	return true
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
