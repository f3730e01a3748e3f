package billy

import (
	"context"
	"time"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
)

// waitSharedToken takes the token from the bucket every instance shares.
// ok is false when the shared bucket could not be asked: the caller then
// uses this instance's own bucket, so Redis trouble never fails a call (the
// deployment is then polite per instance rather than in total).
func (g *Gateway) waitSharedToken(ctx context.Context, st *orgState) (err error, ok bool) {
	maxWait := time.Duration(1<<63 - 1)
	if dl, has := deadline(ctx); has {
		maxWait = time.Until(dl)
	}
	limit := g.rateLimit()
	d, lerr := g.opts.SharedLimiter.Reserve(ctx, st.id, limit.RequestsPerSecond, limit.Burst, maxWait)
	if lerr != nil {
		if ctx.Err() != nil {
			return ctx.Err(), true
		}
		g.m.sharedLimitFallbacks.Inc()
		return nil, false
	}
	g.m.rateWait.Observe(d.Seconds())
	if d <= 0 {
		return nil, true
	}
	if d > maxWait {
		e := errmodel.New(errmodel.RateLimited, CodeLocalRateLimited,
			"too many Billy requests for this organization right now; retry in %s", d.Round(time.Millisecond))
		e.RetryAfterSeconds = ceilSeconds(d)
		return e, true
	}
	return g.opts.Sleep(ctx, d), true
}
