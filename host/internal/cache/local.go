package cache

import (
	"time"

	"github.com/maypok86/otter/v2"
)

// entry is one stored answer.
type entry struct {
	body     []byte
	storedAt time.Time
	// gens are the generations of the plan's tags when the read that
	// produced body started; the answer is valid while none has moved on.
	gens []uint64
	// life is how long the entry is kept: its TTL plus the stale window.
	life time.Duration
	// extra are the tags found in the answer (derivedTags), after the
	// plan's in gens.
	extra []string
}

// tags are all the tags e depends on: p's, then its own.
func (e *entry) tags(p *Plan) []string {
	if len(e.extra) == 0 {
		return p.tags
	}
	return append(append([]string{}, p.tags...), e.extra...)
}

// entryOverhead approximates what an entry costs besides its body (key,
// generations, otter's node), for the size bound.
const entryOverhead = 256

// local is the in-process tier: otter, bounded by the bytes it holds,
// each entry expiring after its own life (TTL + stale window).
type local struct {
	c *otter.Cache[string, *entry]
}

func newLocal(maxBytes int64) (*local, error) {
	c, err := otter.New(&otter.Options[string, *entry]{
		MaximumWeight: uint64(maxBytes),
		Weigher: func(k string, e *entry) uint32 {
			w := len(k) + len(e.body) + 8*len(e.gens) + 32*len(e.extra) + entryOverhead
			return uint32(min(w, 1<<31))
		},
		ExpiryCalculator: otter.ExpiryWritingFunc(func(e otter.Entry[string, *entry]) time.Duration {
			return e.Value.life
		}),
	})
	if err != nil {
		return nil, err
	}
	return &local{c: c}, nil
}

func (l *local) get(key string) (*entry, bool) { return l.c.GetIfPresent(key) }

func (l *local) set(key string, e *entry) { l.c.Set(key, e) }

func (l *local) clear() { l.c.InvalidateAll() }

func (l *local) bytes() uint64 { return l.c.WeightedSize() }

func (l *local) len() int { return l.c.EstimatedSize() }
