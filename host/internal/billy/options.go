package billy

import (
	"context"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"github.com/billy-mcp/billy-mcp/host/internal/cache"
)

// Defaults applied by New to zero fields of Options.
const (
	DefaultTimeout               = 30 * time.Second
	DefaultMaxAttempts           = 4
	DefaultBaseDelay             = 200 * time.Millisecond
	DefaultMaxDelay              = 5 * time.Second
	DefaultMaxElapsed            = 20 * time.Second
	DefaultRequestsPerSecond     = 10
	DefaultBurst                 = 20
	DefaultConsecutiveFailures   = 5
	DefaultOpenTimeout           = 30 * time.Second
	DefaultHalfOpenMaxRequests   = 1
	DefaultMaxResponseBytes      = 64 << 20
	DefaultMaxOrganizationSeries = 100
	DefaultUserAgent             = "billy-mcp/2 (+https://github.com/billy-mcp/billy-mcp)"
)

// Options configures a Gateway. Only BaseURL and Token are required.
type Options struct {
	// BaseURL is Billy's API root including the version, e.g.
	// https://api.billysbilling.com/v2, or the sandbox's http://127.0.0.1:PORT/v2.
	BaseURL string
	// Token returns the access token for an organization. It is called once
	// per upstream call (not per attempt). An *errmodel.Error it returns is
	// passed on; any other error becomes "billy_credentials_unavailable".
	Token func(ctx context.Context, organizationID string) (string, error)
	// Timeout bounds one attempt, from sending to reading the whole body.
	Timeout time.Duration
	// Retry bounds the automatic retries of reads.
	Retry RetryPolicy
	// RateLimit is the token bucket each organization gets.
	RateLimit RateLimit
	// Breaker configures the circuit breaker each organization gets.
	Breaker BreakerSettings
	// Registerer receives the gateway's metrics; nil registers none.
	Registerer prometheus.Registerer
	// Logger gets one debug line per attempt and warnings on retries and
	// breaker changes; nil discards.
	Logger hclog.Logger
	// Transport sends the requests; nil builds a pooled transport tuned for
	// one upstream host (see newTransport).
	Transport http.RoundTripper
	// UserAgent is sent upstream; empty means DefaultUserAgent.
	UserAgent string
	// MaxResponseBytes caps how much of a response body is read; a larger
	// answer fails with "upstream_response_too_large".
	MaxResponseBytes int64
	// MaxOrganizationSeries caps the organizations reported one by one on
	// billy_upstream_breaker_state.
	MaxOrganizationSeries int
	// Cache, when set, answers reads it holds fresh, stores Billy's answers
	// and is told of every write; nil sends every read to Billy.
	Cache *cache.Cache
	// StaleAfter: a read Billy has not answered after this long is answered
	// from an older cached answer, marked stale, when the cache has one
	// (the read goes on and refreshes the cache). 0 waits for Billy.
	StaleAfter time.Duration
	// SharedLimiter, when set, holds the organizations' token buckets where
	// every instance shares them (Redis); the gateway's own buckets are the
	// fallback when it fails.
	SharedLimiter Limiter
	// Tracer records a span for each request (package tracing); nil
	// records none.
	Tracer trace.Tracer

	// Now, Sleep and Rand make retries and rate limiting deterministic in
	// tests. Now (default time.Now) measures MaxElapsed and Retry-After
	// dates and drives the token buckets; Sleep (default: a timer that
	// stops early with ctx.Err()) waits for backoff and tokens; Rand
	// (default: the global source) draws the jitter. The circuit breaker's
	// OpenTimeout always runs on the wall clock (gobreaker has no clock hook).
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	Rand  *rand.Rand
}

// RetryPolicy bounds the automatic retries of reads. Writes are never retried.
type RetryPolicy struct {
	// MaxAttempts counts the first attempt too; 1 disables retries.
	MaxAttempts int
	// BaseDelay and MaxDelay shape the backoff: before retry n (0-based) the
	// gateway sleeps a uniformly random duration in
	// [0, min(MaxDelay, BaseDelay*2^n)] ("full jitter"), or Retry-After when
	// Billy sent a longer one.
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// MaxElapsed is the retry budget from the first attempt: no retry is
	// started whose backoff would end later than that.
	MaxElapsed time.Duration
}

// RateLimit is the token bucket of one organization.
type RateLimit struct {
	RequestsPerSecond float64
	Burst             int
}

// BreakerSettings configures the circuit breaker of one organization.
type BreakerSettings struct {
	// ConsecutiveFailures of upstream attempts (network error, timeout, 5xx)
	// open the breaker.
	ConsecutiveFailures int
	// OpenTimeout is how long an open breaker fails fast before letting
	// HalfOpenMaxRequests probes through.
	OpenTimeout time.Duration
	// HalfOpenMaxRequests probes must all succeed to close the breaker.
	HalfOpenMaxRequests int
}

func (o *Options) applyDefaults() {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Retry.MaxAttempts <= 0 {
		o.Retry.MaxAttempts = DefaultMaxAttempts
	}
	if o.Retry.BaseDelay <= 0 {
		o.Retry.BaseDelay = DefaultBaseDelay
	}
	if o.Retry.MaxDelay <= 0 {
		o.Retry.MaxDelay = DefaultMaxDelay
	}
	if o.Retry.MaxElapsed <= 0 {
		o.Retry.MaxElapsed = DefaultMaxElapsed
	}
	if o.RateLimit.RequestsPerSecond <= 0 {
		o.RateLimit.RequestsPerSecond = DefaultRequestsPerSecond
	}
	if o.RateLimit.Burst <= 0 {
		o.RateLimit.Burst = DefaultBurst
	}
	if o.Breaker.ConsecutiveFailures <= 0 {
		o.Breaker.ConsecutiveFailures = DefaultConsecutiveFailures
	}
	if o.Breaker.OpenTimeout <= 0 {
		o.Breaker.OpenTimeout = DefaultOpenTimeout
	}
	if o.Breaker.HalfOpenMaxRequests <= 0 {
		o.Breaker.HalfOpenMaxRequests = DefaultHalfOpenMaxRequests
	}
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	if o.UserAgent == "" {
		o.UserAgent = DefaultUserAgent
	}
	if o.MaxResponseBytes <= 0 {
		o.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if o.MaxOrganizationSeries <= 0 {
		o.MaxOrganizationSeries = DefaultMaxOrganizationSeries
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = sleepCtx
	}
}

// sleepCtx waits d or until ctx ends, whichever is first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// randInt64N draws jitter when Options.Rand is nil; the global source is
// safe for concurrent use.
var randInt64N = rand.Int64N

// Limiter is a token bucket per organization shared by several instances.
type Limiter interface {
	// Reserve takes one token of org's bucket (rate per second, burst) and
	// returns how long to wait before using it. When the wait would be
	// longer than maxWait it takes nothing and returns the wait. An error
	// means the shared bucket could not be asked.
	Reserve(ctx context.Context, org string, rate float64, burst int, maxWait time.Duration) (time.Duration, error)
}
