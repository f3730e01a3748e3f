package shared

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// Limiter is the per-organization token bucket every instance shares: a
// GCRA in a Lua script, on Redis's clock (the instances' clocks may
// differ). It implements billy.Limiter.
type Limiter struct {
	rdb    redis.UniversalClient
	prefix string
	errs   prometheus.Counter
	pause  pause
}

// NewLimiter returns a limiter keeping its buckets under prefix.
func NewLimiter(rdb redis.UniversalClient, prefix string, m *Metrics) *Limiter {
	return &Limiter{rdb: rdb, prefix: prefix, errs: m.fallbacks.WithLabelValues("rate_limit"), pause: pause{d: pauseAfterFailure}}
}

// gcra: KEYS[1] the bucket (its theoretical arrival time, µs); ARGV: the
// emission interval (µs), the burst tolerance (µs), the longest wait to
// reserve (µs). Returns the wait in µs; a wait above the longest is not
// reserved.
var gcra = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local new = tat + tonumber(ARGV[1])
local wait = new - tonumber(ARGV[2]) - now
if wait < 0 then wait = 0 end
if wait > tonumber(ARGV[3]) then return wait end
redis.call('SET', KEYS[1], string.format('%d', new), 'PX', math.ceil((new - now) / 1000) + 1000)
return wait`)

// Reserve takes one token of org's bucket; see billy.Limiter.
func (l *Limiter) Reserve(ctx context.Context, org string, rate float64, burst int, maxWait time.Duration) (time.Duration, error) {
	if rate <= 0 {
		return 0, nil
	}
	if !l.pause.ok() {
		l.errs.Inc()
		return 0, errPaused
	}
	if org == "" {
		org = "_"
	}
	interval := int64(1e6 / rate)
	maxUS := maxWait.Microseconds()
	if maxUS < 0 {
		maxUS = 0
	}
	us, err := gcra.Run(ctx, l.rdb, []string{l.prefix + ":{" + org + "}:ratelimit"}, interval, interval*int64(burst), maxUS).Int64()
	if err != nil {
		l.errs.Inc()
		if ctx.Err() == nil {
			l.pause.failed()
		}
		return 0, err
	}
	return time.Duration(us) * time.Microsecond, nil
}
