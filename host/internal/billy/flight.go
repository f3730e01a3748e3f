package billy

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
)

// flightGroup folds concurrent identical reads into one upstream call.
//
// It is a small singleflight with one difference that x/sync/singleflight
// cannot offer: the shared call runs on a context of its own (it keeps the
// starter's values but not its cancellation), counts its waiters, and is
// cancelled only when the last waiter has gone. So one caller giving up
// never fails the others, and an upstream call nobody waits for any more
// does not go on using the organization's rate budget.
type flightGroup struct {
	mu sync.Mutex
	m  map[string]*flight
}

type flight struct {
	done    chan struct{}
	res     *Response
	err     error
	waiters int
	cancel  context.CancelFunc
	// The waiters' deadlines: unbounded counts those without one. The
	// flight's context has no deadline of its own (one waiter's deadline
	// must not end the others' call), but the retry loop and the token
	// bucket ask for the latest one so as not to wait past every waiter.
	unbounded int
	deadlines []time.Time
}

func (f *flight) join(ctx context.Context) {
	f.waiters++
	if dl, ok := ctx.Deadline(); ok {
		f.deadlines = append(f.deadlines, dl)
	} else {
		f.unbounded++
	}
}

func (f *flight) leave(ctx context.Context) {
	f.waiters--
	dl, ok := ctx.Deadline()
	if !ok {
		f.unbounded--
		return
	}
	for i, d := range f.deadlines {
		if d.Equal(dl) {
			f.deadlines = append(f.deadlines[:i], f.deadlines[i+1:]...)
			return
		}
	}
}

// softDeadlineKey holds, in a flight's context, a func reporting the latest
// deadline of its current waiters (false when one of them has none).
type softDeadlineKey struct{}

// deadline is ctx's own deadline or, inside a flight, its waiters' latest.
func deadline(ctx context.Context) (time.Time, bool) {
	if dl, ok := ctx.Deadline(); ok {
		return dl, true
	}
	if f, ok := ctx.Value(softDeadlineKey{}).(func() (time.Time, bool)); ok {
		return f()
	}
	return time.Time{}, false
}

func (g *flightGroup) latestDeadline(f *flight) (time.Time, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if f.unbounded > 0 || len(f.deadlines) == 0 {
		return time.Time{}, false
	}
	latest := f.deadlines[0]
	for _, d := range f.deadlines[1:] {
		if d.After(latest) {
			latest = d
		}
	}
	return latest, true
}

// do runs fn once for all concurrent callers with the same key. joined is
// true for callers that found the call already running. A caller whose ctx
// ends first gets ctx.Err() and leaves the call to the others.
func (g *flightGroup) do(ctx context.Context, key string, fn func(context.Context) (*Response, error)) (res *Response, err error, joined bool) {
	g.mu.Lock()
	if g.m == nil {
		g.m = make(map[string]*flight)
	}
	f, joined := g.m[key]
	if !joined {
		fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		f = &flight{done: make(chan struct{}), cancel: cancel}
		fctx = context.WithValue(fctx, softDeadlineKey{}, func() (time.Time, bool) { return g.latestDeadline(f) })
		g.m[key] = f
		go g.run(fctx, key, f, fn)
	}
	f.join(ctx)
	g.mu.Unlock()

	select {
	case <-f.done:
		return f.res, f.err, joined
	case <-ctx.Done():
		g.mu.Lock()
		f.leave(ctx)
		if f.waiters == 0 {
			f.cancel()
			// A caller arriving now must start afresh, not join a call
			// that is being cancelled.
			if g.m[key] == f {
				delete(g.m, key)
			}
		}
		g.mu.Unlock()
		return nil, ctx.Err(), joined
	}
}

func (g *flightGroup) run(ctx context.Context, key string, f *flight, fn func(context.Context) (*Response, error)) {
	defer f.cancel()
	defer func() {
		if p := recover(); p != nil {
			f.res, f.err = nil, errmodel.New(errmodel.Internal, "internal", "billy gateway panic: %v", fmt.Sprint(p))
		}
		g.mu.Lock()
		if g.m[key] == f {
			delete(g.m, key)
		}
		g.mu.Unlock()
		close(f.done)
	}()
	f.res, f.err = fn(ctx)
}

// waiters reports how many callers wait on key (for tests).
func (g *flightGroup) waiters(key string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if f, ok := g.m[key]; ok {
		return f.waiters
	}
	return 0
}
