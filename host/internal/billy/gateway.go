package billy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/sony/gobreaker/v2"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/time/rate"

	"github.com/billy-mcp/billy-mcp/host/internal/tracing"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
)

// Gateway sends requests to Billy on behalf of organizations. It is safe for
// concurrent use; make one per process.
type Gateway struct {
	opts    Options
	base    *url.URL
	client  *http.Client
	log     hclog.Logger
	m       *metrics
	flights flightGroup

	randMu sync.Mutex

	mu   sync.Mutex
	orgs map[string]*orgState
	// limit is each organization's token bucket (under mu): Options'
	// RateLimit, or what SetRateLimit set.
	limit RateLimit
}

// orgState is what the gateway keeps per organization.
type orgState struct {
	id      string
	limiter *rate.Limiter
	breaker *gobreaker.TwoStepCircuitBreaker[struct{}]

	mu       sync.Mutex
	openedAt time.Time // wall clock, as gobreaker's timeout runs on it
}

// Outcomes reported to the breaker. Only errBreakerFailure counts against
// Billy; errBreakerIgnore (our caller gave up, local rate limit, 429) counts
// neither way.
var (
	errBreakerFailure = errors.New("billy upstream failure")
	errBreakerIgnore  = errors.New("not an upstream outcome")
)

// New checks opts, fills in defaults and builds the gateway. It fails when
// BaseURL is not an absolute http(s) URL or Token is nil, or when the
// metrics cannot be registered.
func New(opts Options) (*Gateway, error) {
	if opts.Token == nil {
		return nil, errors.New("billy: Options.Token is required")
	}
	base, err := url.Parse(opts.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("billy: BaseURL: %w", err)
	}
	if (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" || base.User != nil ||
		base.RawQuery != "" || base.Fragment != "" {
		return nil, fmt.Errorf("billy: BaseURL %q must be an absolute http(s) URL without credentials, query or fragment", opts.BaseURL)
	}
	opts.applyDefaults()
	transport := opts.Transport
	if transport == nil {
		transport = newTransport()
	}
	g := &Gateway{
		opts: opts,
		base: base,
		client: &http.Client{
			Transport: transport,
			// A redirect could carry X-Access-Token to another host (net/http
			// strips only Authorization and Cookie), and Billy does not
			// redirect API calls, so a 3xx is returned as it is.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		log:   opts.Logger.Named("billy"),
		orgs:  make(map[string]*orgState),
		limit: opts.RateLimit,
	}
	g.m = newMetrics(g)
	if opts.Registerer != nil {
		if err := g.m.register(opts.Registerer); err != nil {
			return nil, fmt.Errorf("billy: registering metrics: %w", err)
		}
	}
	return g, nil
}

// BreakerState is the organization's circuit breaker state: "closed",
// "half-open" or "open". An organization never called is "closed".
func (g *Gateway) BreakerState(organizationID string) string {
	g.mu.Lock()
	st := g.orgs[organizationID]
	g.mu.Unlock()
	if st == nil {
		return gobreaker.StateClosed.String()
	}
	return st.breaker.State().String()
}

// Do sends req to Billy and returns Billy's 2xx answer verbatim. Every
// failure is an *errmodel.Error carrying req.CorrelationID, except that a
// caller whose ctx ends gets ctx.Err() (for a write only while it had not
// been sent yet; after that the outcome is unknown and said so).
func (g *Gateway) Do(ctx context.Context, req Request) (*Response, error) {
	if g.opts.Tracer != nil {
		return g.traced(ctx, req)
	}
	return g.do(ctx, req)
}

// traced is Do inside a span: "billy GET invoices", with what the cache,
// the retries and Billy did. The query is left out: a search can carry a
// customer's name.
func (g *Gateway) traced(ctx context.Context, req Request) (*Response, error) {
	ctx, span := g.opts.Tracer.Start(ctx, "billy "+req.Method+" "+resourceOf(req.Path), trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("http.request.method", req.Method), attribute.String("url.path", req.Path),
			attribute.String("billy_mcp.organization", req.OrganizationID)))
	res, err := g.do(ctx, req)
	if res != nil {
		span.SetAttributes(attribute.Int("http.response.status_code", res.Status), attribute.Int("billy_mcp.attempts", res.Attempts),
			attribute.Bool("billy_mcp.shared", res.Shared))
		if c := res.Cache; c != nil {
			span.SetAttributes(attribute.String("billy_mcp.cache.tier", c.Tier), attribute.Bool("billy_mcp.cache.stale", c.Stale))
		}
	}
	tracing.End(span, err)
	return res, err
}

func (g *Gateway) do(ctx context.Context, req Request) (*Response, error) {
	req, verr := normalize(req)
	if verr != nil {
		return nil, verr.WithCorrelation(req.CorrelationID)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	resource := resourceOf(req.Path)
	if isWrite(req.Method) {
		// Never folded: two identical POSTs are two invoices. Never cached:
		// it goes to Billy or fails, and then tells the cache what it may
		// have changed.
		res, err := g.execute(ctx, req, resource)
		g.invalidate(ctx, req, res, err)
		return res, withCorrelation(err, req.CorrelationID)
	}
	if g.opts.Cache != nil {
		return g.cachedRead(ctx, req, resource)
	}
	return g.sharedRead(ctx, req, flightKey(req), resource, func(fctx context.Context) (*Response, error) {
		return g.execute(fctx, req, resource)
	})
}

// sharedRead runs fn once for all concurrent reads with the same key and
// gives each caller its own copy of the answer.
func (g *Gateway) sharedRead(ctx context.Context, req Request, key, resource string, fn func(context.Context) (*Response, error)) (*Response, error) {
	res, err, joined := g.flights.do(ctx, key, fn)
	if joined {
		g.m.dedup.WithLabelValues(resource).Inc()
		g.log.Debug("joined identical read in flight", "org", orgLabel(req.OrganizationID),
			"method", req.Method, "path", req.Path, "correlation_id", req.CorrelationID)
	}
	if err != nil {
		return nil, withCorrelation(err, req.CorrelationID)
	}
	// The flight's result is never handed out itself: each caller gets its
	// own copy, so one caller changing its Body cannot race with another.
	out := *res
	out.Body = bytes.Clone(res.Body)
	out.Header = res.Header.Clone()
	out.Shared = joined
	return &out, nil
}

func withCorrelation(err error, id string) error {
	if err == nil {
		return nil
	}
	var ae *errmodel.Error
	if errors.As(err, &ae) {
		return ae.WithCorrelation(id)
	}
	return err
}

// SetRateLimit changes every organization's token bucket, now and for
// organizations seen later (a configuration reload); tokens already
// saved up are kept, up to the new burst.
func (g *Gateway) SetRateLimit(l RateLimit) {
	if l.RequestsPerSecond <= 0 {
		l.RequestsPerSecond = DefaultRequestsPerSecond
	}
	if l.Burst <= 0 {
		l.Burst = DefaultBurst
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.limit = l
	for _, st := range g.orgs {
		st.limiter.SetLimit(rate.Limit(l.RequestsPerSecond))
		st.limiter.SetBurst(l.Burst)
	}
}

// rateLimit is the token bucket in force.
func (g *Gateway) rateLimit() RateLimit {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.limit
}

// org returns the organization's state, creating it on first use.
func (g *Gateway) org(id string) *orgState {
	g.mu.Lock()
	defer g.mu.Unlock()
	if st, ok := g.orgs[id]; ok {
		return st
	}
	st := &orgState{
		id:      id,
		limiter: rate.NewLimiter(rate.Limit(g.limit.RequestsPerSecond), g.limit.Burst),
	}
	threshold := uint32(g.opts.Breaker.ConsecutiveFailures)
	st.breaker = gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        id,
		MaxRequests: uint32(g.opts.Breaker.HalfOpenMaxRequests),
		Timeout:     g.opts.Breaker.OpenTimeout,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= threshold },
		IsExcluded:  func(err error) bool { return errors.Is(err, errBreakerIgnore) },
		OnStateChange: func(_ string, from, to gobreaker.State) {
			if to == gobreaker.StateOpen {
				st.mu.Lock()
				st.openedAt = time.Now()
				st.mu.Unlock()
			}
			g.m.transitions.WithLabelValues(to.String()).Inc()
			g.log.Warn("Billy circuit breaker changed state", "org", orgLabel(id),
				"from", from.String(), "to", to.String())
		},
	})
	g.orgs[id] = st
	return st
}

func (g *Gateway) orgSnapshot() []*orgState {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]*orgState, 0, len(g.orgs))
	for _, st := range g.orgs {
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

func (g *Gateway) token(ctx context.Context, org string) (string, error) {
	tok, err := g.opts.Token(ctx, org)
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		var ae *errmodel.Error
		if errors.As(err, &ae) {
			return "", ae
		}
		// The token source's error text may name secrets or stores; it is
		// logged, not returned.
		g.log.Error("no Billy access token for organization", "org", orgLabel(org), "error", err)
		return "", errmodel.New(errmodel.Internal, CodeCredentialsUnavailable,
			"no Billy access token is available for this organization; an operator must configure one")
	}
	if tok == "" {
		return "", errmodel.New(errmodel.Internal, CodeCredentialsUnavailable,
			"no Billy access token is configured for this organization; an operator must configure one")
	}
	return tok, nil
}

// execute runs the attempts of one call: breaker, token bucket, request,
// classification, and for reads backoff and retry.
func (g *Gateway) execute(ctx context.Context, req Request, resource string) (*Response, error) {
	start := g.opts.Now()
	tok, err := g.token(ctx, req.OrganizationID)
	if err != nil {
		return nil, err
	}
	st := g.org(req.OrganizationID)
	write := isWrite(req.Method)
	maxAttempts := g.opts.Retry.MaxAttempts
	if write {
		maxAttempts = 1
	}
	for attempt := 1; ; attempt++ {
		done, berr := st.breaker.Allow()
		if berr != nil {
			return nil, g.circuitOpen(st, berr)
		}
		if err := g.waitToken(ctx, st); err != nil {
			done(errBreakerIgnore)
			return nil, err
		}
		out := g.attempt(ctx, req, tok, resource, attempt)
		done(out.breakerOutcome())
		if out.res != nil {
			out.res.Attempts = attempt
			return out.res, nil
		}
		if out.callerErr != nil && !(write && out.sent) {
			return nil, out.callerErr
		}
		if write || !out.retryable() || attempt >= maxAttempts {
			return nil, g.errorFor(out, req, attempt)
		}
		delay := g.backoff(attempt - 1)
		if out.hasRetryAfter && out.retryAfter > delay {
			delay = out.retryAfter
		}
		if elapsed := g.opts.Now().Sub(start); elapsed+delay > g.opts.Retry.MaxElapsed {
			g.log.Warn("giving up on Billy read: retry budget spent", "org", orgLabel(req.OrganizationID),
				"path", req.Path, "attempts", attempt, "elapsed", elapsed, "next_delay", delay,
				"correlation_id", req.CorrelationID)
			return nil, g.errorFor(out, req, attempt)
		}
		if dl, ok := deadline(ctx); ok && time.Until(dl) < delay {
			return nil, g.errorFor(out, req, attempt)
		}
		g.m.retries.WithLabelValues(resource).Inc()
		g.log.Warn("retrying Billy read", "org", orgLabel(req.OrganizationID), "method", req.Method,
			"path", req.Path, "attempt", attempt, "reason", out.reason(), "delay", delay,
			"correlation_id", req.CorrelationID)
		if err := g.opts.Sleep(ctx, delay); err != nil {
			return nil, err
		}
	}
}

// backoff draws the full-jitter delay before retry n (0-based):
// uniform in [0, min(MaxDelay, BaseDelay*2^n)].
func (g *Gateway) backoff(n int) time.Duration {
	// Doubling step by step (rather than BaseDelay<<n) cannot overflow.
	limit := g.opts.Retry.BaseDelay
	for i := 0; i < n && limit < g.opts.Retry.MaxDelay; i++ {
		limit *= 2
	}
	limit = min(limit, g.opts.Retry.MaxDelay)
	if g.opts.Rand != nil {
		g.randMu.Lock()
		defer g.randMu.Unlock()
		return time.Duration(g.opts.Rand.Int64N(int64(limit) + 1))
	}
	return time.Duration(randInt64N(int64(limit) + 1))
}

// waitToken takes one token from the organization's bucket, sleeping until
// it is available. When ctx's deadline comes before the token, it fails at
// once instead of sleeping in vain.
func (g *Gateway) waitToken(ctx context.Context, st *orgState) error {
	if g.opts.SharedLimiter != nil {
		if err, ok := g.waitSharedToken(ctx, st); ok {
			return err
		}
	}
	now := g.opts.Now()
	r := st.limiter.ReserveN(now, 1)
	if !r.OK() {
		return errmodel.New(errmodel.Internal, "internal", "billy rate limiter misconfigured")
	}
	d := r.DelayFrom(now)
	g.m.rateWait.Observe(d.Seconds())
	if d <= 0 {
		return nil
	}
	if dl, ok := deadline(ctx); ok && time.Until(dl) < d {
		r.CancelAt(now)
		e := errmodel.New(errmodel.RateLimited, CodeLocalRateLimited,
			"too many Billy requests for this organization right now; retry in %s", d.Round(time.Millisecond))
		e.RetryAfterSeconds = ceilSeconds(d)
		return e
	}
	if err := g.opts.Sleep(ctx, d); err != nil {
		r.CancelAt(g.opts.Now())
		return err
	}
	return nil
}

func (g *Gateway) circuitOpen(st *orgState, berr error) *errmodel.Error {
	retry := 1
	if errors.Is(berr, gobreaker.ErrOpenState) {
		st.mu.Lock()
		opened := st.openedAt
		st.mu.Unlock()
		retry = ceilSeconds(g.opts.Breaker.OpenTimeout - time.Since(opened))
	}
	e := errmodel.New(errmodel.UpstreamUnavailable, CodeCircuitOpen,
		"Billy has been failing for this organization, so calls are paused; try again in %d s", retry)
	e.RetryAfterSeconds = retry
	return e
}

// outcome is what one attempt produced.
type outcome struct {
	res      *Response // set on 2xx
	status   int       // 0 when no response
	header   http.Header
	body     []byte
	netErr   error // transport error or failure reading the body
	timeout  bool  // the attempt's own Timeout expired
	tooLarge bool
	// sent is true once the request headers were written: from then on a
	// write may have reached Billy.
	sent bool
	// callerErr is the caller's ctx error when it ended during the attempt.
	callerErr     error
	retryAfter    time.Duration
	hasRetryAfter bool
}

func (o *outcome) retryable() bool {
	if o.callerErr != nil || o.tooLarge {
		return false
	}
	return o.netErr != nil || o.timeout || o.status == http.StatusTooManyRequests || o.status >= 500
}

func (o *outcome) breakerOutcome() error {
	switch {
	case o.callerErr != nil || o.status == http.StatusTooManyRequests:
		return errBreakerIgnore
	case o.netErr != nil && !o.tooLarge, o.timeout, o.status >= 500:
		return errBreakerFailure
	}
	return nil
}

func (o *outcome) reason() string {
	switch {
	case o.callerErr != nil:
		return "caller gave up: " + o.callerErr.Error()
	case o.timeout:
		return "timeout"
	case o.netErr != nil:
		return "network error: " + o.netErr.Error()
	}
	return fmt.Sprintf("HTTP %d", o.status)
}

func (g *Gateway) attempt(ctx context.Context, req Request, tok, resource string, n int) *outcome {
	out := &outcome{}
	actx, cancel := context.WithTimeout(ctx, g.opts.Timeout)
	defer cancel()
	var sent atomic.Bool
	actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
		WroteHeaders: func() { sent.Store(true) },
	})
	var body io.Reader
	if len(req.Body) > 0 {
		body = bytes.NewReader(req.Body)
	}
	hreq, err := http.NewRequestWithContext(actx, req.Method, buildURL(g.base, req), body)
	if err != nil {
		out.netErr = err
		return out
	}
	hreq.Header.Set("X-Access-Token", tok)
	hreq.Header.Set("Accept", "application/json")
	hreq.Header.Set("User-Agent", g.opts.UserAgent)
	switch {
	case req.UploadType != "":
		hreq.Header.Set("Content-Type", req.UploadType)
		hreq.Header.Set("X-Filename", req.UploadName)
	case isWrite(req.Method):
		hreq.Header.Set("Content-Type", "application/json")
	}
	if req.CorrelationID != "" {
		hreq.Header.Set(HeaderCorrelationID, req.CorrelationID)
	}

	began := time.Now()
	resp, err := g.client.Do(hreq)
	if err == nil {
		out.status = resp.StatusCode
		out.header = resp.Header
		out.body, err = io.ReadAll(io.LimitReader(resp.Body, g.opts.MaxResponseBytes+1))
		_ = resp.Body.Close()
		if err == nil && int64(len(out.body)) > g.opts.MaxResponseBytes {
			out.tooLarge = true
			err = fmt.Errorf("response body larger than %d bytes", g.opts.MaxResponseBytes)
		}
	}
	elapsed := time.Since(began)
	out.sent = sent.Load()
	if err != nil {
		switch {
		case ctx.Err() != nil:
			out.callerErr = ctx.Err()
		case errors.Is(actx.Err(), context.DeadlineExceeded):
			out.timeout = true
		default:
			out.netErr = unwrapURLError(err)
		}
	}
	statusLabel := "error"
	if out.status != 0 && err == nil {
		statusLabel = fmt.Sprint(out.status)
	}
	g.m.requests.WithLabelValues(resource, req.Method, statusLabel).Inc()
	g.m.duration.WithLabelValues(resource, req.Method).Observe(elapsed.Seconds())

	fields := []any{"org", orgLabel(req.OrganizationID), "method", req.Method, "path", req.Path,
		"query_keys", queryKeys(req.Query), "attempt", n, "status", statusLabel,
		"duration", elapsed, "correlation_id", req.CorrelationID}
	if err != nil {
		fields = append(fields, "error", out.reason())
	}
	g.log.Debug("Billy request", fields...)

	if err != nil {
		return out
	}
	out.retryAfter, out.hasRetryAfter = parseRetryAfter(out.header, g.opts.Now())
	if out.status >= 200 && out.status < 300 {
		out.res = &Response{Status: out.status, Body: out.body, Header: out.header}
	}
	return out
}

// unwrapURLError drops *url.Error's "Get \"https://...?q=...\"" prefix: the
// URL's query may carry personal data, and the error text reaches logs.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// errorFor maps the last attempt's failure to the error model.
func (g *Gateway) errorFor(out *outcome, req Request, attempts int) *errmodel.Error {
	write := isWrite(req.Method)
	op := req.Method + " " + req.Path
	after := ""
	if attempts > 1 {
		after = fmt.Sprintf(" after %d attempts", attempts)
	}
	withRetryAfter := func(e *errmodel.Error) *errmodel.Error {
		if out.hasRetryAfter {
			e.RetryAfterSeconds = ceilSeconds(out.retryAfter)
		}
		return e
	}
	switch {
	case write && out.callerErr != nil:
		return outcomeUnknown(op, "the call was cancelled or timed out after the request was sent")
	case write && (out.netErr != nil || out.timeout) && !out.sent:
		return errmodel.New(errmodel.UpstreamUnavailable, CodeUpstreamUnreachable,
			"could not reach Billy (%s); the request was not sent, so nothing changed; it is safe to retry", out.reason())
	case write && out.tooLarge:
		return outcomeUnknown(op, "Billy answered, but the answer was too large to read")
	case write && (out.netErr != nil || out.timeout):
		return outcomeUnknown(op, "the connection failed or timed out ("+out.reason()+") before Billy answered")
	case out.tooLarge:
		return errmodel.New(errmodel.Internal, CodeResponseTooLarge,
			"Billy's answer was larger than %d bytes; narrow the request (filters, pageSize)", g.opts.MaxResponseBytes)
	case out.timeout:
		return errmodel.New(errmodel.UpstreamUnavailable, CodeUpstreamTimeout,
			"Billy did not answer within %s%s; try again shortly", g.opts.Timeout, after)
	case out.netErr != nil:
		return errmodel.New(errmodel.UpstreamUnavailable, CodeUpstreamUnreachable,
			"could not reach Billy%s (%s); try again shortly", after, out.reason())
	case out.status == http.StatusTooManyRequests:
		be := parseBillyError(out.body)
		e := errmodel.New(errmodel.RateLimited, CodeRateLimited,
			"Billy is rate limiting this organization%s; wait and retry", after)
		e.UpstreamCode = be.Code
		e.RetryAfterSeconds = 1
		if out.hasRetryAfter {
			e.RetryAfterSeconds = ceilSeconds(out.retryAfter)
		}
		return e
	case write && out.status == http.StatusServiceUnavailable:
		// 503 is what servers and their proxies answer when they did not
		// take the request in; the write did not happen.
		e := errmodel.New(errmodel.UpstreamUnavailable, CodeUpstreamUnavailable,
			"Billy is unavailable (HTTP 503) and did not process the request, so nothing changed; retry later")
		e.UpstreamCode = parseBillyError(out.body).Code
		return withRetryAfter(e)
	case write && (out.status >= 500 || out.status < 200 || (out.status >= 300 && out.status < 400)):
		e := outcomeUnknown(op, fmt.Sprintf("Billy answered HTTP %d, which does not say whether the change was saved", out.status))
		e.UpstreamCode = parseBillyError(out.body).Code
		return e
	case out.status >= 500:
		e := errmodel.New(errmodel.UpstreamUnavailable, CodeUpstreamUnavailable,
			"Billy is failing (HTTP %d)%s; try again shortly", out.status, after)
		e.UpstreamCode = parseBillyError(out.body).Code
		return withRetryAfter(e)
	case out.status >= 400:
		return clientError(out.status, out.body)
	default:
		e := errmodel.New(errmodel.UpstreamUnavailable, CodeUnexpectedResponse,
			"Billy answered with an unexpected HTTP %d", out.status)
		e.Retryable = false
		return e
	}
}

// outcomeUnknown is the error for a write that may or may not have been
// carried out. It is not retryable: Billy has no idempotency keys, so a
// blind retry can create a second invoice or payment.
func outcomeUnknown(op, why string) *errmodel.Error {
	e := errmodel.New(errmodel.UpstreamUnavailable, CodeWriteOutcomeUnknown,
		"the write %s may or may not have happened in Billy: %s. Do not retry blindly: check first (list or get the records it would have changed) and retry only if it did not happen", op, why)
	e.Retryable = false
	return e
}
