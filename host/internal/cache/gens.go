package cache

import (
	"sync"
	"time"
)

// gens is this instance's view of the organizations' tag generations. For
// the in-process tier it is the truth; Redis holds the deployment's, and
// this view follows it through lookups and pub/sub messages (never moving
// backwards).
type gens struct {
	mu sync.Mutex
	m  map[string]genVal // org "\x00" tag
	// clock is this process's own organization clock, used while Redis
	// cannot be asked: always past every generation seen, so a local move
	// invalidates whatever was captured before it.
	clock map[string]uint64
	// keep is how long a generation is remembered after its last move
	// (longer than any answer lives; see the package doc).
	keep  time.Duration
	swept time.Time
}

type genVal struct {
	v  uint64
	at time.Time
}

func newGens(keep time.Duration) *gens {
	return &gens{m: map[string]genVal{}, clock: map[string]uint64{}, keep: keep}
}

func gk(org, tag string) string { return org + "\x00" + tag }

// get returns the current generations of tags (0 for never moved).
func (g *gens) get(org string, tags []string) []uint64 {
	out := make([]uint64, len(tags))
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, t := range tags {
		out[i] = g.m[gk(org, t)].v
	}
	return out
}

// valid reports whether an answer captured at captured is still valid: no
// tag has moved past what it saw.
func (g *gens) valid(org string, tags []string, captured []uint64) bool {
	if len(captured) != len(tags) {
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, t := range tags {
		if g.m[gk(org, t)].v > captured[i] {
			return false
		}
	}
	return true
}

// observe raises tags to the values seen elsewhere (Redis, a message).
func (g *gens) observe(org string, tags []string, vals []uint64, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, t := range tags {
		if i >= len(vals) || vals[i] == 0 {
			continue
		}
		k := gk(org, t)
		if cur := g.m[k]; vals[i] > cur.v {
			g.m[k] = genVal{vals[i], now}
		}
		if vals[i] > g.clock[org] {
			g.clock[org] = vals[i]
		}
	}
}

// bump moves tags to a value past everything this process has seen of
// org, for writes Redis could not be told of (or when there is no Redis).
func (g *gens) bump(org string, tags []string, now time.Time) uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.clock[org]++
	v := g.clock[org]
	for _, t := range tags {
		g.m[gk(org, t)] = genVal{v, now}
	}
	g.sweepLocked(now)
	return v
}

// sweepLocked forgets generations that have not moved for keep, at most
// once a minute.
func (g *gens) sweepLocked(now time.Time) {
	if now.Sub(g.swept) < time.Minute {
		return
	}
	g.swept = now
	for k, v := range g.m {
		if now.Sub(v.at) > g.keep {
			delete(g.m, k)
		}
	}
}

// size is how many generations are remembered (for stats).
func (g *gens) size() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.m)
}

// clockOf is the organization's clock as this instance knows it.
func (g *gens) clockOf(org string) uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.clock[org]
}

// observeClock raises the organization's clock to what Redis says.
func (g *gens) observeClock(org string, v uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if v > g.clock[org] {
		g.clock[org] = v
	}
}
