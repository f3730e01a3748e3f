package cache

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// remote is the Redis tier: answers, generations, the organizations'
// clocks, usage counts and the invalidation channel. Every key of an
// organization carries it as a Cluster hash tag ({org}), so a lookup and a
// compare-and-set are one script on one node.
type remote struct {
	rdb    redis.UniversalClient
	prefix string
	// retryAfter is how long Redis is left alone after an error.
	retryAfter time.Duration

	downUntil atomic.Int64 // unix ns; 0 when up
	up        atomic.Bool
	// onDown and onUp are told of state changes (metrics, logs, replaying
	// what was missed).
	onDown func(op string, err error)
	onUp   func()
	mu     sync.Mutex // serializes the up/down transitions
}

func (r *remote) orgTag(org string) string {
	if org == "" {
		org = "_"
	}
	return r.prefix + ":{" + org + "}"
}

func (r *remote) valueKey(p *Plan) string       { return r.orgTag(p.org) + ":v:" + p.cred + ":" + p.path }
func (r *remote) genKey(org, tag string) string { return r.orgTag(org) + ":g:" + tag }
func (r *remote) clockKey(org string) string    { return r.orgTag(org) + ":clock" }
func (r *remote) usageKey(org string) string    { return r.orgTag(org) + ":usage" }
func (r *remote) orgsKey() string               { return r.prefix + ":usage-orgs" }
func (r *remote) channel() string               { return r.prefix + ":invalidate" }

// usable reports whether Redis may be asked now.
func (r *remote) usable(now time.Time) bool {
	d := r.downUntil.Load()
	return d == 0 || now.UnixNano() >= d
}

// result records the outcome of one Redis operation: an error (other than
// a missing key) leaves Redis alone for retryAfter; a success after errors
// brings it back.
func (r *remote) result(op string, err error) error {
	if err == nil || errors.Is(err, redis.Nil) {
		if !r.up.Load() {
			r.mu.Lock()
			if !r.up.Load() {
				r.downUntil.Store(0)
				r.up.Store(true)
				r.mu.Unlock()
				r.onUp()
				return nil
			}
			r.mu.Unlock()
		}
		return nil
	}
	r.mu.Lock()
	r.downUntil.Store(time.Now().Add(r.retryAfter).UnixNano())
	wasUp := r.up.Swap(false)
	r.mu.Unlock()
	if cc, ok := r.rdb.(*redis.ClusterClient); ok {
		// A Cluster client learns that a replica took over a dead
		// primary's slots only from a MOVED answer or its periodic
		// reload; a dead node answers nothing, so ask for the map now.
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			cc.ReloadState(ctx)
		}()
	}
	if wasUp {
		r.onDown(op, err)
	}
	return err
}

// The scripts. Generations are compared as numbers; a missing one is 0.
var (
	// KEYS: value, gen..., clock; returns {value|false, gen..., clock}.
	lookupScript = redis.NewScript(`
local out = {redis.call('GET', KEYS[1]) or false}
for i = 2, #KEYS do out[i] = redis.call('GET', KEYS[i]) or '0' end
return out`)
	// KEYS: value, the plan's gens..., the answer's own gens...; ARGV: px,
	// payload, the number of plan gens, their captured values..., the
	// clock at the read's start. Stores only if no plan generation moved
	// past what the read captured and none of the answer's past the clock.
	storeScript = redis.NewScript(`
local n = tonumber(ARGV[3])
for i = 2, #KEYS do
  local limit
  if i - 1 <= n then limit = tonumber(ARGV[i+2]) else limit = tonumber(ARGV[n+4]) end
  if tonumber(redis.call('GET', KEYS[i]) or '0') > limit then return 0 end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[1])
return 1`)
	// KEYS: clock, gen...; ARGV: keep ms, floor; moves the clock past
	// floor (what this instance has seen) and every tag to it.
	bumpScript = redis.NewScript(`
local c = tonumber(redis.call('GET', KEYS[1]) or '0')
local floor = tonumber(ARGV[2])
if c < floor then c = floor end
c = c + 1
redis.call('SET', KEYS[1], string.format('%d', c))
for i = 2, #KEYS do redis.call('SET', KEYS[i], string.format('%d', c), 'PX', ARGV[1]) end
return c`)
)

// lookup returns the stored entry (nil if none), the current generations
// of the plan's tags and the organization's clock.
func (r *remote) lookup(ctx context.Context, p *Plan) (*entry, []uint64, uint64, error) {
	keys := make([]string, 0, len(p.tags)+2)
	keys = append(keys, r.valueKey(p))
	for _, t := range p.tags {
		keys = append(keys, r.genKey(p.org, t))
	}
	keys = append(keys, r.clockKey(p.org))
	res, err := lookupScript.Run(ctx, r.rdb, keys).Slice()
	if err = r.result("lookup", err); err != nil {
		return nil, nil, 0, err
	}
	if len(res) != len(keys) {
		return nil, nil, 0, r.result("lookup", fmt.Errorf("lookup script answered %d values for %d keys", len(res), len(keys)))
	}
	gens := make([]uint64, len(p.tags))
	for i := range p.tags {
		gens[i] = toUint(res[i+1])
	}
	var e *entry
	if s, ok := res[0].(string); ok {
		e = decodeEntry([]byte(s))
	}
	return e, gens, toUint(res[len(res)-1]), nil
}

// gens returns the current generations of tags of org.
func (r *remote) gens(ctx context.Context, org string, tags []string) ([]uint64, error) {
	keys := make([]string, len(tags))
	for i, t := range tags {
		keys[i] = r.genKey(org, t)
	}
	vals, err := r.rdb.MGet(ctx, keys...).Result()
	if err = r.result("lookup", err); err != nil {
		return nil, err
	}
	out := make([]uint64, len(tags))
	for i := range out {
		if i < len(vals) {
			out[i] = toUint(vals[i])
		}
	}
	return out, nil
}

// store writes e unless one of its tags moved on (see storeScript); stored
// says which.
func (r *remote) store(ctx context.Context, p *Plan, e *entry) (bool, error) {
	keys := make([]string, 0, len(p.tags)+len(e.extra)+1)
	keys = append(keys, r.valueKey(p))
	args := make([]any, 0, len(p.tags)+4)
	args = append(args, e.life.Milliseconds(), encodeEntry(e), len(p.tags))
	for i, t := range p.tags {
		keys = append(keys, r.genKey(p.org, t))
		args = append(args, e.gens[i])
	}
	for _, t := range e.extra {
		keys = append(keys, r.genKey(p.org, t))
	}
	clock := uint64(0)
	if len(e.extra) > 0 {
		clock = e.gens[len(p.tags)]
	}
	args = append(args, clock)
	n, err := storeScript.Run(ctx, r.rdb, keys, args...).Int()
	if err = r.result("store", err); err != nil {
		return false, err
	}
	return n == 1, nil
}

// bump moves tags of org to a new clock value past floor and returns it.
func (r *remote) bump(ctx context.Context, org string, tags []string, keep time.Duration, floor uint64) (uint64, error) {
	keys := make([]string, 0, len(tags)+1)
	keys = append(keys, r.clockKey(org))
	for _, t := range tags {
		keys = append(keys, r.genKey(org, t))
	}
	v, err := bumpScript.Run(ctx, r.rdb, keys, keep.Milliseconds(), floor).Int64()
	if err = r.result("invalidate", err); err != nil {
		return 0, err
	}
	return uint64(v), nil
}

func (r *remote) publish(ctx context.Context, msg []byte) error {
	return r.result("publish", r.rdb.Publish(ctx, r.channel(), msg).Err())
}

func toUint(v any) uint64 {
	switch v := v.(type) {
	case string:
		n, _ := strconv.ParseFloat(v, 64)
		return uint64(n)
	case int64:
		return uint64(v)
	}
	return 0
}

// An entry in Redis: version 2, stored-at (Unix ms), life (ms), the number
// of generations, the generations, the number of the answer's own tags,
// each as a 2-byte length and its bytes, then the body.
const entryVersion = 2

func encodeEntry(e *entry) []byte {
	b := make([]byte, 0, 1+8+8+2+8*len(e.gens)+2+34*len(e.extra)+len(e.body))
	b = append(b, entryVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(e.storedAt.UnixMilli()))
	b = binary.BigEndian.AppendUint64(b, uint64(e.life.Milliseconds()))
	b = binary.BigEndian.AppendUint16(b, uint16(len(e.gens)))
	for _, g := range e.gens {
		b = binary.BigEndian.AppendUint64(b, g)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(e.extra)))
	for _, t := range e.extra {
		b = binary.BigEndian.AppendUint16(b, uint16(len(t)))
		b = append(b, t...)
	}
	return append(b, e.body...)
}

// decodeEntry reads an entry; anything malformed (another version, a
// truncated value) is nil, a miss.
func decodeEntry(b []byte) *entry {
	if len(b) < 19 || b[0] != entryVersion {
		return nil
	}
	e := &entry{storedAt: time.UnixMilli(int64(binary.BigEndian.Uint64(b[1:]))),
		life: time.Duration(binary.BigEndian.Uint64(b[9:])) * time.Millisecond}
	n := int(binary.BigEndian.Uint16(b[17:]))
	b = b[19:]
	if len(b) < 8*n {
		return nil
	}
	e.gens = make([]uint64, n)
	for i := range e.gens {
		e.gens[i] = binary.BigEndian.Uint64(b[8*i:])
	}
	b = b[8*n:]
	if len(b) < 2 {
		return nil
	}
	m := int(binary.BigEndian.Uint16(b))
	b = b[2:]
	for range m {
		if len(b) < 2 || len(b) < 2+int(binary.BigEndian.Uint16(b)) {
			return nil
		}
		l := int(binary.BigEndian.Uint16(b))
		e.extra = append(e.extra, string(b[2:2+l]))
		b = b[2+l:]
	}
	if len(e.extra) > len(e.gens) {
		return nil
	}
	e.body = b
	return e
}
