package dispatch

import (
	"context"
	"sync"
	"time"
)

// CacheNotes gathers, for one request, the stale answers the host's cache
// served it, so the transport can mark the result (every plugin's, with no
// plugin code). Safe for concurrent use: a plugin may read Billy in
// parallel.
type CacheNotes struct {
	mu    sync.Mutex
	stale StaleReads
}

// StaleReads summarizes the stale answers a request used.
type StaleReads struct {
	// Reads is how many Billy reads were answered stale.
	Reads int
	// Age is the oldest of them.
	Age time.Duration
	// Reason is why the oldest was served (an error code such as
	// upstream_unavailable or upstream_circuit_open, or "slow").
	Reason string
}

// NoteStale records one stale answer of age, served for reason.
func (n *CacheNotes) NoteStale(age time.Duration, reason string) {
	if n == nil {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.stale.Reads++
	if age >= n.stale.Age {
		n.stale.Age, n.stale.Reason = age, reason
	}
}

// Stale returns the stale answers noted, and whether there were any.
func (n *CacheNotes) Stale() (StaleReads, bool) {
	if n == nil {
		return StaleReads{}, false
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.stale, n.stale.Reads > 0
}

type freshKey struct{}

// WithFresh marks ctx as carrying a request that asked for fresh data, for
// the Billy gateway behind host services.
func WithFresh(ctx context.Context) context.Context { return context.WithValue(ctx, freshKey{}, true) }

// FreshFrom reports whether ctx carries such a request.
func FreshFrom(ctx context.Context) bool { v, _ := ctx.Value(freshKey{}).(bool); return v }
