package cache

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

type redisPipe = redis.Pipeliner

// Fetch reads path?query for org through the gateway, as a warming read;
// upstream reports whether it went to Billy (false: the cache was fresh).
type Fetch func(ctx context.Context, org, path string, query url.Values) (upstream bool, err error)

// Warming configures reading ahead.
type Warming struct {
	// Interval between rounds; the first runs at start.
	Interval time.Duration
	// Budget is the most Billy reads per organization and round; 0 turns
	// warming off.
	Budget int
	Fetch  Fetch
}

// Start runs the background work until Close: the invalidation
// subscription and usage counts (with Redis) and warming.
func (c *Cache) Start(w Warming) {
	ctx, cancel := context.WithCancel(context.Background())
	c.stop = cancel
	var wg sync.WaitGroup
	run := func(f func(context.Context)) {
		wg.Add(1)
		go func() { defer wg.Done(); f(ctx) }()
	}
	if c.remote != nil {
		run(c.subscribe)
		run(func(ctx context.Context) {
			t := time.NewTicker(DefaultUsageFlush)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					c.flushUsage(ctx)
				}
			}
		})
	}
	if w.Budget > 0 && w.Fetch != nil && w.Interval > 0 {
		run(func(ctx context.Context) {
			for {
				c.warmAll(ctx, w)
				select {
				case <-ctx.Done():
					return
				case <-time.After(w.Interval):
				}
			}
		})
	}
	c.stopped = make(chan struct{})
	go func() { wg.Wait(); close(c.stopped) }()
}

// Close stops the background work.
func (c *Cache) Close() {
	if c.stop != nil {
		c.stop()
		<-c.stopped
	}
}

// subscribe listens for other instances' invalidations. go-redis
// re-establishes a lost subscription itself; each time it does (a
// *redis.Subscription after the first), messages may have been missed, so
// the in-process tier is emptied.
func (c *Cache) subscribe(ctx context.Context) {
	ps := c.remote.rdb.Subscribe(ctx, c.remote.channel())
	// Receive waits on the socket whatever its context says: closing the
	// subscription is what ends it.
	go func() { <-ctx.Done(); _ = ps.Close() }()
	subscribed := false
	for {
		msg, err := ps.Receive(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			c.remote.result("subscribe", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(c.opts.RetryAfter):
			}
			continue
		}
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind != "subscribe" {
				continue
			}
			if subscribed {
				c.local.clear()
				c.m.localFlushes.Inc()
				c.log.Info("invalidation subscription re-established: in-process cache emptied, as messages may have been missed")
			}
			subscribed = true
			c.remote.result("subscribe", nil)
		case *redis.Message:
			c.received(m.Payload)
		}
	}
}

// received applies another instance's invalidation.
func (c *Cache) received(payload string) {
	var m message
	if json.Unmarshal([]byte(payload), &m) != nil || m.Instance == c.opts.InstanceID {
		return
	}
	now := c.opts.Now()
	vals := make([]uint64, len(m.Tags))
	for i := range vals {
		vals[i] = m.Gen
	}
	c.gens.observe(m.Org, m.Tags, vals, now)
	c.m.invalidations.WithLabelValues("received").Inc()
	if m.At > 0 {
		c.m.delay.Observe(now.Sub(time.Unix(0, m.At)).Seconds())
	}
}

// warmAll runs one warming round for every organization with usage.
func (c *Cache) warmAll(ctx context.Context, w Warming) {
	for _, org := range c.usedOrgs(ctx) {
		if ctx.Err() != nil {
			return
		}
		n, err := c.Warm(ctx, org, w.Budget, w.Fetch)
		if err != nil {
			c.log.Debug("warming stopped early", "org", org, "reads", n, "error", err)
		} else if n > 0 {
			c.log.Debug("warmed the cache", "org", org, "reads", n)
		}
	}
}

// Warm reads ahead, for org, what it reads most and the cache no longer
// holds fresh, making at most budget Billy reads. It returns how many it
// made.
func (c *Cache) Warm(ctx context.Context, org string, budget int, fetch Fetch) (int, error) {
	made := 0
	for _, u := range c.mostUsed(ctx, org, 4*budget) {
		if made >= budget {
			break
		}
		path, raw, _ := strings.Cut(u.Path, "?")
		q, err := url.ParseQuery(raw)
		if err != nil {
			continue
		}
		upstream, err := fetch(ctx, org, path, q)
		if upstream {
			made++
			c.m.warmReads.Inc()
		}
		if err != nil && ctx.Err() != nil {
			return made, err
		}
	}
	return made, nil
}
