package dispatch

import (
	"context"
	"sync"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
)

// Draining is how a stopping host lets the calls it has accepted finish:
// once Drain starts, readiness reports it (so load balancers stop sending),
// new calls from clients are refused with a retryable error (another
// instance, or this one restarted, will take them), and Drain returns when
// the calls in flight have finished or its context ends. Calls a plugin
// makes within a call it serves (nested tool calls) are part of that call
// and are admitted.
type drainer struct {
	mu       sync.Mutex
	active   int
	draining bool
	// unready: the host is stopping but still admits calls (StopReadiness).
	unready bool
	idle    chan struct{} // closed when active drops to 0 while draining
}

// admit is the pipeline stage that counts calls in flight and refuses new
// ones while draining. It runs after audit, so refusals are recorded.
func (d *Dispatcher) admit(next Handler) Handler {
	return func(ctx context.Context, op *Op) (*Outcome, error) {
		if op.Depth > 0 {
			return next(ctx, op)
		}
		dr := &d.drain
		dr.mu.Lock()
		if dr.draining {
			dr.mu.Unlock()
			e := errmodel.New(errmodel.UpstreamUnavailable, "host_draining",
				"this instance is shutting down and takes no new calls; retry: another instance, or this one restarted, will serve it")
			e.RetryAfterSeconds = 1
			return nil, e
		}
		dr.active++
		dr.mu.Unlock()
		defer func() {
			dr.mu.Lock()
			dr.active--
			if dr.active == 0 && dr.draining && dr.idle != nil {
				close(dr.idle)
				dr.idle = nil
			}
			dr.mu.Unlock()
		}()
		return next(ctx, op)
	}
}

// Drain stops admitting new calls and waits until the calls in flight have
// finished or ctx ends; it returns how many were still running then.
func (d *Dispatcher) Drain(ctx context.Context) int {
	dr := &d.drain
	dr.mu.Lock()
	dr.draining = true
	if dr.active == 0 {
		dr.mu.Unlock()
		return 0
	}
	if dr.idle == nil {
		dr.idle = make(chan struct{})
	}
	idle := dr.idle
	dr.mu.Unlock()
	select {
	case <-idle:
		return 0
	case <-ctx.Done():
		dr.mu.Lock()
		defer dr.mu.Unlock()
		return dr.active
	}
}

// StopReadiness is the step before Drain when the host gives its load
// balancer time to notice: readiness reports the host stopping while calls
// are still admitted.
func (d *Dispatcher) StopReadiness() {
	d.drain.mu.Lock()
	defer d.drain.mu.Unlock()
	d.drain.unready = true
}

// Draining reports whether the host has begun to stop: StopReadiness or
// Drain was called. Readiness answers 503 from then on.
func (d *Dispatcher) Draining() bool {
	d.drain.mu.Lock()
	defer d.drain.mu.Unlock()
	return d.drain.draining || d.drain.unready
}
