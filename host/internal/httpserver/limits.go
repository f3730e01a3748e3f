package httpserver

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"golang.org/x/time/rate"
)

// Bucket is a token bucket every instance shares (host/internal/shared's
// Limiter over Redis): Reserve takes one token of key's bucket, or, when
// that would mean waiting longer than maxWait, takes none and returns the
// wait.
type Bucket interface {
	Reserve(ctx context.Context, key string, rate float64, burst int, maxWait time.Duration) (time.Duration, error)
}

// Limits are the edge's rate limits: per client address before
// authentication (requests, and refused credentials), per principal and
// per organization after it. A zero rate turns one off.
type Limits struct {
	// Shared keeps the buckets in Redis; nil, or when it fails, each
	// instance counts alone.
	Shared Bucket

	// The rates a second and bursts the limits start with; SetRates
	// changes them later (a reload).
	Rates

	// rates is what is in force: Rates until SetRates.
	rates   atomic.Pointer[Rates]
	once    sync.Once
	mu      sync.Mutex
	local   map[string]*rate.Limiter
	blocked map[string]time.Time
	now     func() time.Time
}

// Rates are the edge's limits. A zero rate turns one off.
type Rates struct {
	IPRate, PrincipalRate, OrganizationRate    float64
	IPBurst, PrincipalBurst, OrganizationBurst int
	// FailedLoginsPerMinute is the refused credentials an address may
	// send per minute (and at once).
	FailedLoginsPerMinute int
}

// current is the rates in force.
func (l *Limits) current() *Rates {
	if r := l.rates.Load(); r != nil {
		return r
	}
	return &l.Rates
}

// SetRates puts new limits in force at once (a configuration reload).
// The buckets this instance keeps start again full at the new sizes;
// those in Redis take the new rate and burst with their next request.
// Addresses blocked for failed logins stay blocked until their time.
func (l *Limits) SetRates(r Rates) {
	l.init()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rates.Store(&r)
	clear(l.local)
}

// maxLocalBuckets bounds the buckets kept in memory: beyond it, full
// buckets (keys that have been quiet) are dropped, which forgets nothing
// a full bucket would remember.
const maxLocalBuckets = 20000

func (l *Limits) init() {
	l.once.Do(func() {
		l.local = map[string]*rate.Limiter{}
		l.blocked = map[string]time.Time{}
		if l.now == nil {
			l.now = time.Now
		}
	})
}

// take takes a token from key's bucket, or returns how long until one is
// there (taking none).
func (l *Limits) take(ctx context.Context, key string, r float64, burst int) time.Duration {
	if r <= 0 {
		return 0
	}
	burst = max(burst, 1)
	if l.Shared != nil {
		wait, err := l.Shared.Reserve(ctx, key, r, burst, 0)
		if err == nil {
			return wait
		}
	}
	l.init()
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.local[key]
	if !ok {
		if len(l.local) >= maxLocalBuckets {
			for k, b := range l.local {
				if b.TokensAt(l.now()) >= float64(b.Burst()) {
					delete(l.local, k)
				}
			}
		}
		lim = rate.NewLimiter(rate.Limit(r), burst)
		l.local[key] = lim
	}
	res := lim.ReserveN(l.now(), 1)
	if d := res.DelayFrom(l.now()); d > 0 {
		res.CancelAt(l.now())
		return d
	}
	return 0
}

// allowIP counts a request from ip before authentication.
func (l *Limits) allowIP(ctx context.Context, ip string) time.Duration {
	if l == nil {
		return 0
	}
	r := l.current()
	return l.take(ctx, "ip/"+ip, r.IPRate, r.IPBurst)
}

// failedLogin counts a refused credential from ip; once the address's
// budget is spent it is blocked until the budget refills, and the wait is
// returned.
func (l *Limits) failedLogin(ctx context.Context, ip string) time.Duration {
	if l == nil {
		return 0
	}
	perMinute := l.current().FailedLoginsPerMinute
	if perMinute <= 0 {
		return 0
	}
	wait := l.take(ctx, "login/"+ip, float64(perMinute)/60, perMinute)
	if wait > 0 {
		l.init()
		l.mu.Lock()
		if len(l.blocked) >= maxLocalBuckets {
			for k, until := range l.blocked {
				if !until.After(l.now()) {
					delete(l.blocked, k)
				}
			}
		}
		l.blocked[ip] = l.now().Add(wait)
		l.mu.Unlock()
	}
	return wait
}

// loginBlocked is how long ip is still refused for its failed logins: its
// credentials are then not even looked at, so a guess that happens to be
// right tells the guesser nothing.
func (l *Limits) loginBlocked(ip string) time.Duration {
	if l == nil {
		return 0
	}
	l.init()
	l.mu.Lock()
	defer l.mu.Unlock()
	until, ok := l.blocked[ip]
	if !ok {
		return 0
	}
	if d := until.Sub(l.now()); d > 0 {
		return d
	}
	delete(l.blocked, ip)
	return 0
}

// allowCaller counts an authenticated request against its principal and
// its organization; what names the limit that refused it.
func (l *Limits) allowCaller(ctx context.Context, c dispatch.Caller) (wait time.Duration, what string) {
	if l == nil {
		return 0, ""
	}
	r := l.current()
	if w := l.take(ctx, "principal/"+c.Auth+"/"+c.Subject, r.PrincipalRate, r.PrincipalBurst); w > 0 {
		return w, "principal"
	}
	if c.OrganizationID != "" {
		if w := l.take(ctx, "org/"+c.OrganizationID, r.OrganizationRate, r.OrganizationBurst); w > 0 {
			return w, "organization"
		}
	}
	return 0, ""
}

// Take takes a token of key's bucket (rate a second, burst), or returns
// how long until one is there: for the authorization server's login and
// registration limits, which share the edge's buckets (and Redis).
func (l *Limits) Take(ctx context.Context, key string, rate float64, burst int) time.Duration {
	if l == nil {
		return 0
	}
	return l.take(ctx, key, rate, burst)
}

// FailedLogin counts a refused password or code from ip in the same
// budget as refused keys and tokens, and says how long ip is now blocked.
func (l *Limits) FailedLogin(ctx context.Context, ip string) time.Duration {
	return l.failedLogin(ctx, ip)
}

// LoginBlocked says how long ip is still refused for its failed logins.
func (l *Limits) LoginBlocked(ip string) time.Duration { return l.loginBlocked(ip) }
