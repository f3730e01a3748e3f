package cache

import (
	"context"
	"sort"
	"sync"
)

// usage counts reads per organization and path?query, for warming. Counts
// gather here and, with Redis, are added to a sorted set per organization
// every DefaultUsageFlush, so that what the deployment reads most is known
// to every instance, including one that has just started.
type usage struct {
	mu sync.Mutex
	// unflushed are counts not yet in Redis; totals are this instance's
	// own, for a deployment without Redis.
	unflushed map[string]map[string]float64
	totals    map[string]map[string]float64
}

// usageKeep bounds what is counted per organization.
const usageKeep = 500

func newUsage() *usage {
	return &usage{unflushed: map[string]map[string]float64{}, totals: map[string]map[string]float64{}}
}

func (u *usage) note(org, path string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	add := func(m map[string]map[string]float64) {
		byPath := m[org]
		if byPath == nil {
			byPath = map[string]float64{}
			m[org] = byPath
		}
		byPath[path]++
		if len(byPath) > 2*usageKeep {
			prune(byPath, usageKeep)
		}
	}
	add(u.unflushed)
	add(u.totals)
}

// prune keeps the n most counted paths.
func prune(m map[string]float64, n int) {
	for _, p := range topOf(m, len(m))[n:] {
		delete(m, p.Path)
	}
}

// Used is a path?query and how often it was read.
type Used struct {
	Path  string
	Count float64
}

func topOf(m map[string]float64, n int) []Used {
	out := make([]Used, 0, len(m))
	for p, c := range m {
		out = append(out, Used{p, c})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Path < out[j].Path
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

func (u *usage) take() map[string]map[string]float64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := u.unflushed
	u.unflushed = map[string]map[string]float64{}
	return out
}

func (u *usage) local(org string, n int) []Used {
	u.mu.Lock()
	defer u.mu.Unlock()
	return topOf(u.totals[org], n)
}

func (u *usage) orgs() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := make([]string, 0, len(u.totals))
	for o := range u.totals {
		out = append(out, o)
	}
	sort.Strings(out)
	return out
}

// flushUsage adds the counts gathered since the last flush to Redis.
func (c *Cache) flushUsage(ctx context.Context) {
	if c.remote == nil || !c.remote.usable(c.opts.Now()) {
		return
	}
	counts := c.usage.take()
	if len(counts) == 0 {
		return
	}
	r := c.remote
	_, err := r.rdb.Pipelined(ctx, func(p redisPipe) error {
		for org, byPath := range counts {
			key := r.usageKey(org)
			for path, n := range byPath {
				p.ZIncrBy(ctx, key, n, path)
			}
			p.ZRemRangeByRank(ctx, key, 0, -usageKeep-1)
			p.SAdd(ctx, r.orgsKey(), org)
		}
		return nil
	})
	if r.result("usage", err) != nil {
		c.m.fallbacks.WithLabelValues("usage").Inc()
	}
}

// mostUsed lists what org reads most: the deployment's counts from Redis,
// else this instance's.
func (c *Cache) mostUsed(ctx context.Context, org string, n int) []Used {
	if c.remote != nil && c.remote.usable(c.opts.Now()) {
		zs, err := c.remote.rdb.ZRevRangeWithScores(ctx, c.remote.usageKey(org), 0, int64(n-1)).Result()
		if c.remote.result("usage", err) == nil {
			out := make([]Used, 0, len(zs))
			for _, z := range zs {
				if p, ok := z.Member.(string); ok {
					out = append(out, Used{p, z.Score})
				}
			}
			return out
		}
	}
	return c.usage.local(org, n)
}

// usedOrgs lists the organizations with counted reads.
func (c *Cache) usedOrgs(ctx context.Context) []string {
	orgs := c.usage.orgs()
	if c.remote != nil && c.remote.usable(c.opts.Now()) {
		shared, err := c.remote.rdb.SMembers(ctx, c.remote.orgsKey()).Result()
		if c.remote.result("usage", err) == nil {
			orgs = append(orgs, shared...)
		}
	}
	sort.Strings(orgs)
	out := orgs[:0]
	for i, o := range orgs {
		if i == 0 || o != orgs[i-1] {
			out = append(out, o)
		}
	}
	return out
}
