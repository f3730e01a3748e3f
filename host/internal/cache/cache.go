package cache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// Defaults applied by New to zero Options.
const (
	DefaultLocalMaxBytes = 64 << 20
	DefaultTTL           = time.Minute
	DefaultRetryAfter    = time.Second
	DefaultUsageFlush    = 10 * time.Second
	// genMargin keeps generations a little longer than any answer lives,
	// so a PX rounding can never let an old answer outlive its generation.
	genMargin = time.Minute
	// maxPending bounds the tags remembered for Redis while it is down;
	// beyond it a whole organization is invalidated on recovery.
	maxPending = 10000
)

// Options configure a Cache.
type Options struct {
	// Redis is the shared tier; nil runs the in-process tier alone.
	Redis redis.UniversalClient
	// KeyPrefix starts every Redis key and the channel.
	KeyPrefix string
	// LocalMaxBytes bounds the in-process tier.
	LocalMaxBytes int64
	TTL           TTLs
	// StaleMaxAge is how far past its TTL an answer is kept as a fallback.
	StaleMaxAge time.Duration
	// RetryAfter is how long Redis is left alone after an error.
	RetryAfter time.Duration
	// InstanceID tells this instance's own invalidation messages apart;
	// empty draws a random one.
	InstanceID string
	Logger     hclog.Logger
	// Registerer receives the metrics; nil registers none.
	Registerer prometheus.Registerer
	// Now is the clock (tests); nil is time.Now.
	Now func() time.Time
}

// Cache is the read cache of the Billy gateway. Safe for concurrent use.
type Cache struct {
	opts   Options
	local  *local
	remote *remote // nil without Redis
	gens   *gens
	keep   time.Duration // how long a generation is remembered
	// ttls is the TTL table in force: Options.TTL, or what SetTTLs set.
	ttls  atomic.Pointer[TTLs]
	log   hclog.Logger
	m     *metrics
	usage *usage

	pmu     sync.Mutex
	pending map[string]map[string]bool // org → tags Redis has not been told of

	stop    context.CancelFunc
	stopped chan struct{}
}

// New builds a cache. Nothing runs in the background until Start.
func New(opts Options) (*Cache, error) {
	if opts.LocalMaxBytes <= 0 {
		opts.LocalMaxBytes = DefaultLocalMaxBytes
	}
	if opts.TTL.Default <= 0 {
		opts.TTL.Default = DefaultTTL
	}
	if opts.StaleMaxAge < 0 {
		opts.StaleMaxAge = 0
	}
	if opts.RetryAfter <= 0 {
		opts.RetryAfter = DefaultRetryAfter
	}
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = "billy-mcp"
	}
	if opts.InstanceID == "" {
		var b [8]byte
		_, _ = rand.Read(b[:])
		opts.InstanceID = hex.EncodeToString(b[:])
	}
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	l, err := newLocal(opts.LocalMaxBytes)
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	c := &Cache{opts: opts, local: l, log: opts.Logger, pending: map[string]map[string]bool{}}
	c.keep = opts.TTL.max() + opts.StaleMaxAge + genMargin
	c.ttls.Store(&opts.TTL)
	c.gens = newGens(c.keep)
	c.usage = newUsage()
	c.m = newMetrics(c)
	if opts.Redis != nil {
		c.remote = &remote{rdb: opts.Redis, prefix: opts.KeyPrefix, retryAfter: opts.RetryAfter,
			onDown: c.redisDown, onUp: c.redisUp}
		c.remote.up.Store(true)
	}
	if opts.Registerer != nil {
		if err := c.m.register(opts.Registerer); err != nil {
			return nil, fmt.Errorf("cache: registering metrics: %w", err)
		}
	}
	return c, nil
}

// SetTTLs changes the TTLs of reads planned from now on (a configuration
// reload). An invalidation is remembered only as long as the longest TTL
// the cache started with allows (plus the stale window), so TTLs may be
// lowered, or raised up to that; beyond it a cached answer could outlive
// the record of a write that invalidated it, and SetTTLs refuses: that
// needs a restart.
func (c *Cache) SetTTLs(t TTLs) error {
	if t.Default <= 0 {
		t.Default = DefaultTTL
	}
	if limit := c.keep - c.opts.StaleMaxAge - genMargin; t.max() > limit {
		return fmt.Errorf("a TTL of %s is longer than the %s the cache started with; raising it that far needs a restart", t.max(), limit)
	}
	c.ttls.Store(&t)
	return nil
}

// Plan prepares a read for Lookup and Store.
func (c *Cache) Plan(r Read) *Plan {
	kind, id, _ := splitPath(r.Path)
	q := r.Query.Encode()
	path := r.Path
	if q != "" {
		path += "?" + q
	}
	p := &Plan{
		org: r.Org, cred: r.Credential, path: path,
		key:      r.Org + "\x00" + r.Credential + "\x00" + path,
		resource: resourceLabel(kind),
		ttl:      c.ttls.Load().ttlOf(kind),
	}
	p.tags, p.derive = readTags(kind, id, r.Query)
	return p
}

// Hit is an answer from the cache.
type Hit struct {
	Body []byte
	// Tier is "local" or "redis".
	Tier string
	// Age is how long ago Billy gave the answer.
	Age time.Duration
}

// Found is what Lookup found.
type Found struct {
	// Fresh is a valid answer within its TTL, to serve; nil if none.
	Fresh *Hit
	// Stale is a valid answer past its TTL but within the stale window, to
	// serve only when Billy cannot answer; nil if none.
	Stale *Hit
	// gens are the generations the read saw, for Store.
	gens []uint64
	// clock is the organization's clock when the read started: a tag
	// found only in the answer (derivedTags) must not have moved past it.
	clock uint64
}

// LookupMode says how a read uses the cache.
type LookupMode struct {
	// Bypass ignores stored answers (a caller asked for fresh data); the
	// answer Billy gives is still stored.
	Bypass bool
	// Warming reads are not counted as usage.
	Warming bool
}

// Lookup finds the answer to p: in-process, then in Redis.
func (c *Cache) Lookup(ctx context.Context, p *Plan, mode LookupMode) Found {
	now := c.opts.Now()
	if !mode.Warming {
		c.usage.note(p.org, p.path)
	}
	var f Found
	if mode.Bypass {
		c.m.count(p.resource, "none", "bypass")
	} else if e, ok := c.local.get(p.key); ok && c.gens.valid(p.org, e.tags(p), e.gens) {
		age := now.Sub(e.storedAt)
		if age <= p.ttl {
			c.m.count(p.resource, "local", "hit")
			return Found{Fresh: &Hit{Body: e.body, Tier: "local", Age: age}}
		}
		f.Stale = &Hit{Body: e.body, Tier: "local", Age: age}
		c.m.count(p.resource, "local", "miss")
	} else {
		c.m.count(p.resource, "local", "miss")
	}
	if c.remote == nil || !c.remote.usable(now) {
		if c.remote != nil {
			c.m.fallbacks.WithLabelValues("lookup").Inc()
		}
		f.gens, f.clock = c.gens.get(p.org, p.tags), c.gens.clockOf(p.org)
		return f
	}
	e, gens, clock, err := c.remote.lookup(ctx, p)
	if err != nil {
		c.m.fallbacks.WithLabelValues("lookup").Inc()
		f.gens, f.clock = c.gens.get(p.org, p.tags), c.gens.clockOf(p.org)
		return f
	}
	c.gens.observe(p.org, p.tags, gens, now)
	c.gens.observeClock(p.org, clock)
	// The read captures the later of what Redis and this instance know, so
	// a write this instance saw but Redis missed still counts.
	f.gens, f.clock = maxGens(gens, c.gens.get(p.org, p.tags)), c.gens.clockOf(p.org)
	current := f.gens
	if e != nil && len(e.extra) > 0 {
		extra, err := c.remote.gens(ctx, p.org, e.extra)
		if err != nil {
			c.m.fallbacks.WithLabelValues("lookup").Inc()
			return f
		}
		c.gens.observe(p.org, e.extra, extra, now)
		current = append(append([]uint64{}, f.gens...), maxGens(extra, c.gens.get(p.org, e.extra))...)
	}
	if e == nil || !genValid(current, e.gens) {
		if !mode.Bypass {
			c.m.count(p.resource, "redis", "miss")
		}
		return f
	}
	age := now.Sub(e.storedAt)
	if mode.Bypass {
		return f
	}
	if age <= p.ttl {
		c.m.count(p.resource, "redis", "hit")
		if rest := e.life - age; rest > 0 {
			e.life = rest
			c.local.set(p.key, e)
		}
		return Found{Fresh: &Hit{Body: e.body, Tier: "redis", Age: age}}
	}
	c.m.count(p.resource, "redis", "miss")
	if age <= p.ttl+c.opts.StaleMaxAge && (f.Stale == nil || age < f.Stale.Age) {
		f.Stale = &Hit{Body: e.body, Tier: "redis", Age: age}
	}
	return f
}

func maxGens(a, b []uint64) []uint64 {
	out := make([]uint64, len(a))
	for i := range a {
		out[i] = max(a[i], b[i])
	}
	return out
}

func genValid(current, captured []uint64) bool {
	if len(current) != len(captured) {
		return false
	}
	for i := range current {
		if current[i] > captured[i] {
			return false
		}
	}
	return true
}

// Seen is what a read saw of the generations before it went to Billy, for
// Store.
type Seen struct {
	gens  []uint64
	clock uint64
}

// Seen returns what f's read saw, to hand to Store.
func (f Found) Seen() Seen { return Seen{f.gens, f.clock} }

// Key identifies what the read saw, so that a read that saw a later write
// never joins one that did not.
func (s Seen) Key() string {
	var b strings.Builder
	for _, v := range s.gens {
		b.WriteString(strconv.FormatUint(v, 36))
		b.WriteByte('.')
	}
	return b.String()
}

// Store keeps body as the answer to p, unless a write moved one of its
// tags since the read started (it would store the pre-write answer): the
// plan's tags past what the read saw, or the records found in the answer
// past the organization's clock at the start.
func (c *Cache) Store(ctx context.Context, p *Plan, seen Seen, body []byte) {
	if len(seen.gens) != len(p.tags) {
		return
	}
	now := c.opts.Now()
	extra := derivedTags(body, p.derive)
	gens := append([]uint64{}, seen.gens...)
	for range extra {
		gens = append(gens, seen.clock)
	}
	e := &entry{body: body, storedAt: now, gens: gens, extra: extra, life: p.ttl + c.opts.StaleMaxAge}
	if !c.gens.valid(p.org, e.tags(p), gens) {
		c.m.stores.WithLabelValues("local", "raced").Inc()
		return
	}
	c.local.set(p.key, e)
	c.m.stores.WithLabelValues("local", "stored").Inc()
	if c.remote == nil || !c.remote.usable(now) {
		return
	}
	ok, err := c.remote.store(ctx, p, e)
	switch {
	case err != nil:
		c.m.fallbacks.WithLabelValues("store").Inc()
	case ok:
		c.m.stores.WithLabelValues("redis", "stored").Inc()
	default:
		c.m.stores.WithLabelValues("redis", "raced").Inc()
	}
}

// NoteStale counts a stale answer served, by the reason Billy could not
// answer.
func (c *Cache) NoteStale(p *Plan, h *Hit, reason string) {
	c.m.count(p.resource, h.Tier, "stale")
	c.m.staleReasons.WithLabelValues(reason).Inc()
}

// Invalidate is told of a write to path for org, after it was sent. body
// is Billy's answer when the write succeeded (it names what changed), nil
// when its outcome is unknown (then every record of the kind is dropped).
// It returns once this instance and Redis know; other instances' in-process
// tiers learn it from the message it publishes.
func (c *Cache) Invalidate(ctx context.Context, org, path string, body []byte) {
	c.m.invalidations.WithLabelValues("sent").Inc()
	c.invalidateTags(ctx, org, writeTags(path, body))
}

// invalidateTags moves tags: in Redis (and tells the other instances) when
// it can be asked, else here, remembering them for Redis.
func (c *Cache) invalidateTags(ctx context.Context, org string, tags []string) {
	now := c.opts.Now()
	if c.remote != nil && c.remote.usable(now) {
		c.gens.mu.Lock()
		floor := c.gens.clock[org]
		c.gens.mu.Unlock()
		v, err := c.remote.bump(ctx, org, tags, c.keep, floor)
		if err == nil {
			vals := make([]uint64, len(tags))
			for i := range vals {
				vals[i] = v
			}
			c.gens.observe(org, tags, vals, now)
			c.publish(ctx, org, tags, v, now)
			return
		}
	}
	c.gens.bump(org, tags, now)
	if c.remote != nil {
		c.m.fallbacks.WithLabelValues("invalidate").Inc()
		c.remember(org, tags)
	}
}

// message is an invalidation on the channel.
type message struct {
	Org      string   `json:"o"`
	Tags     []string `json:"t"`
	Gen      uint64   `json:"g"`
	Instance string   `json:"i"`
	// At is when it was sent (Unix ns), to measure the propagation delay.
	At int64 `json:"at"`
}

func (c *Cache) publish(ctx context.Context, org string, tags []string, gen uint64, now time.Time) {
	b, _ := json.Marshal(message{Org: org, Tags: tags, Gen: gen, Instance: c.opts.InstanceID, At: now.UnixNano()})
	if err := c.remote.publish(ctx, b); err != nil {
		c.m.fallbacks.WithLabelValues("publish").Inc()
		// The generations are in Redis; only other instances' in-process
		// tiers miss the news, so tell them again on recovery.
		c.remember(org, tags)
	}
}

// remember keeps tags to tell Redis of when it is back.
func (c *Cache) remember(org string, tags []string) {
	c.pmu.Lock()
	defer c.pmu.Unlock()
	set := c.pending[org]
	if set == nil {
		set = map[string]bool{}
		c.pending[org] = set
	}
	if set[tagOrg] {
		return
	}
	for _, t := range tags {
		set[t] = true
	}
	if len(set) > maxPending {
		c.pending[org] = map[string]bool{tagOrg: true}
	}
}

func (c *Cache) redisDown(op string, err error) {
	c.m.redisUp.Set(0)
	c.m.redisErrors.WithLabelValues(op).Inc()
	c.log.Warn("Redis unavailable: the cache carries on in-process", "op", op, "error", redisError(err),
		"retry_after", c.opts.RetryAfter)
}

// redisUp replays the invalidations Redis missed, in the background (it
// is called from inside a Redis operation).
func (c *Cache) redisUp() {
	c.m.redisUp.Set(1)
	c.log.Info("Redis is back: the shared cache tier is in use again")
	go c.replay()
}

func (c *Cache) replay() {
	c.pmu.Lock()
	pending := c.pending
	c.pending = map[string]map[string]bool{}
	c.pmu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for org, set := range pending {
		tags := make([]string, 0, len(set))
		for t := range set {
			tags = append(tags, t)
		}
		slices.Sort(tags)
		c.invalidateTags(ctx, org, tags)
	}
}

// redisError keeps an error's text short and free of addresses' secrets
// (go-redis errors name the address, never the password).
func redisError(err error) string {
	if err == nil {
		return ""
	}
	var re redis.Error
	if errors.As(err, &re) {
		return "redis: " + re.Error()
	}
	return err.Error()
}
