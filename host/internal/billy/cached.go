package billy

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/cache"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
)

// cachedRead answers a read from the cache when it holds it fresh, else
// from Billy (storing the answer), else, when Billy cannot answer, from an
// older answer marked stale.
func (g *Gateway) cachedRead(ctx context.Context, req Request, resource string) (*Response, error) {
	tok, err := g.token(ctx, req.OrganizationID)
	if err != nil {
		return nil, withCorrelation(err, req.CorrelationID)
	}
	c := g.opts.Cache
	plan := c.Plan(cache.Read{Org: req.OrganizationID, Credential: cache.CredentialID(tok), Path: req.Path, Query: req.Query})
	found := c.Lookup(ctx, plan, cache.LookupMode{Bypass: req.Fresh, Warming: req.Warming})
	if h := found.Fresh; h != nil {
		return &Response{Status: 200, Body: bytes.Clone(h.Body), Cache: &CacheInfo{Tier: h.Tier, Age: h.Age}}, nil
	}
	seen := found.Seen()
	fetch := func(fctx context.Context) (*Response, error) {
		res, err := g.execute(fctx, req, resource)
		if err == nil && res.Status == 200 {
			// Stored by the flight, not by a caller, so the answer is kept
			// even when every caller has stopped waiting (answered stale).
			c.Store(context.WithoutCancel(fctx), plan, seen, res.Body)
		}
		return res, err
	}
	// A read that saw newer generations (a write since) must not join a
	// read that started before it: the key carries what the read saw.
	key := flightKey(req) + "\x00" + seen.Key()
	stale := found.Stale
	if req.Fresh {
		stale = nil // asked for fresh data: a failure is reported, not papered over
	}
	if stale == nil || g.opts.StaleAfter <= 0 {
		res, err := g.sharedRead(ctx, req, key, resource, fetch)
		if err != nil && stale != nil {
			if reason, ok := staleReason(err); ok {
				return g.serveStale(req, plan, stale, reason), nil
			}
		}
		return res, err
	}
	// Billy gets StaleAfter to answer; after that the older answer is
	// served and the read goes on in the background, on a context of its
	// own bounded by one full retry budget, to refresh the cache.
	type result struct {
		res *Response
		err error
	}
	ch := make(chan result, 1)
	bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), g.opts.Timeout+g.opts.Retry.MaxElapsed)
	go func() {
		defer cancel()
		res, err := g.sharedRead(bg, req, key, resource, fetch)
		ch <- result{res, err}
	}()
	timer := time.NewTimer(g.opts.StaleAfter)
	defer timer.Stop()
	select {
	case r := <-ch:
		if r.err != nil {
			if reason, ok := staleReason(r.err); ok {
				return g.serveStale(req, plan, stale, reason), nil
			}
		}
		return r.res, r.err
	case <-timer.C:
		return g.serveStale(req, plan, stale, "slow"), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// staleReason says whether err is Billy being unable to answer (down,
// failing, timing out, rate limiting, the breaker open), when an older
// answer is better than none, and names it by the error's code.
func staleReason(err error) (string, bool) {
	var e *errmodel.Error
	if !errors.As(err, &e) {
		return "", false
	}
	switch e.Category {
	case errmodel.UpstreamUnavailable, errmodel.RateLimited:
		return e.Code, true
	}
	return "", false
}

func (g *Gateway) serveStale(req Request, plan *cache.Plan, h *cache.Hit, reason string) *Response {
	g.opts.Cache.NoteStale(plan, h, reason)
	g.log.Debug("served a stale answer", "org", orgLabel(req.OrganizationID), "path", req.Path,
		"age", h.Age.Round(time.Second), "reason", reason, "correlation_id", req.CorrelationID)
	return &Response{Status: 200, Body: bytes.Clone(h.Body),
		Cache: &CacheInfo{Tier: h.Tier, Age: h.Age, Stale: true, Reason: reason}}
}

// invalidate tells the cache of a write: what Billy's answer says changed
// when it succeeded; every record of the kind when its outcome is unknown;
// nothing when it certainly did not happen.
func (g *Gateway) invalidate(ctx context.Context, req Request, res *Response, err error) {
	c := g.opts.Cache
	if c == nil {
		return
	}
	var body []byte
	switch {
	case err == nil:
		body = res.Body
		if len(body) == 0 {
			body = []byte("{}")
		}
	case errmodel.From(err).Code == CodeWriteOutcomeUnknown:
		body = nil
	default:
		return
	}
	c.Invalidate(context.WithoutCancel(ctx), req.OrganizationID, req.Path, body)
}

// Warm is the cache's Fetch: one warming read through the gateway, which
// says whether it went to Billy (the cache did not hold it fresh).
func (g *Gateway) Warm(ctx context.Context, org, path string, query url.Values) (bool, error) {
	res, err := g.Do(ctx, Request{OrganizationID: org, Method: "GET", Path: path, Query: query, Warming: true,
		CorrelationID: "cache-warming"})
	if err != nil {
		return true, err
	}
	return res.Cache == nil, nil
}
