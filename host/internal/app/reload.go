package app

import (
	"encoding/json"
	"sort"
	"strings"
	"sync"

	"github.com/billy-mcp/billy-mcp/host/internal/billy"
	"github.com/billy-mcp/billy-mcp/host/internal/config"
	"github.com/hashicorp/go-hclog"
)

// ReloadReport says what a configuration reload did: the keys it applied
// to the running host, and the keys that changed but take effect only at
// the next start (left as they were). Keys, never values: values may be
// secrets.
type ReloadReport struct {
	Applied     []string `json:"applied"`
	NeedRestart []string `json:"need_restart"`
}

// reloadable are the keys a running host applies (Reload).
var reloadable = map[string]bool{
	"log.level":                   true,
	"billy.rate_limit_per_second": true,
	"billy.rate_limit_burst":      true,
}

// reloading keeps the configuration in force across reloads: the one the
// host started with, with what reloads applied.
type reloading struct {
	mu      sync.Mutex
	current *config.Config
}

// Reload applies next, a freshly loaded and validated configuration (a
// SIGHUP), as far as a running host can without dropping anything: the log
// level, the cache's TTLs and Billy's rate limit change at once; sessions,
// calls in flight, plugins and connections are untouched. Every other
// changed key is reported as needing a restart, and a TTL raised past what
// the cache started with too (see cache.SetTTLs).
func (a *App) Reload(next *config.Config) ReloadReport {
	a.reload.mu.Lock()
	defer a.reload.mu.Unlock()
	if a.reload.current == nil {
		a.reload.current = a.Config
	}
	cur := *a.reload.current
	var r ReloadReport
	for _, key := range changedKeys(&cur, next) {
		switch {
		case reloadable[key]:
			r.Applied = append(r.Applied, key)
		case strings.HasPrefix(key, "cache.ttl."):
			if a.cache == nil {
				r.NeedRestart = append(r.NeedRestart, key)
				continue
			}
			r.Applied = append(r.Applied, key)
		default:
			r.NeedRestart = append(r.NeedRestart, key)
		}
	}
	applied := map[string]bool{}
	for _, k := range r.Applied {
		applied[k] = true
	}
	if applied["log.level"] {
		a.Logger.SetLevel(hclog.LevelFromString(next.Log.Level))
		cur.Log.Level = next.Log.Level
	}
	if applied["billy.rate_limit_per_second"] || applied["billy.rate_limit_burst"] {
		a.gateway.SetRateLimit(billy.RateLimit{RequestsPerSecond: float64(next.Billy.RateLimitPerSecond), Burst: next.Billy.RateLimitBurst})
		cur.Billy.RateLimitPerSecond, cur.Billy.RateLimitBurst = next.Billy.RateLimitPerSecond, next.Billy.RateLimitBurst
	}
	if a.cache != nil && cur.Cache.TTL != next.Cache.TTL {
		if err := a.cache.SetTTLs(cacheTTLs(next.Cache.TTL)); err != nil {
			a.Logger.Warn("reload: the cache keeps its TTLs", "reason", err.Error())
			var kept []string
			for _, k := range r.Applied {
				if strings.HasPrefix(k, "cache.ttl.") {
					r.NeedRestart = append(r.NeedRestart, k)
				} else {
					kept = append(kept, k)
				}
			}
			r.Applied = kept
		} else {
			cur.Cache.TTL = next.Cache.TTL
		}
	}
	a.reload.current = &cur
	sort.Strings(r.Applied)
	sort.Strings(r.NeedRestart)
	return r
}

// changedKeys lists the keys (dotted paths, as in the config file) whose
// values differ between a and b. A list counts as one key.
func changedKeys(a, b *config.Config) []string {
	var out []string
	diffValues("", asTree(a), asTree(b), &out)
	sort.Strings(out)
	return out
}

func asTree(c *config.Config) any {
	raw, _ := json.Marshal(c)
	var v any
	_ = json.Unmarshal(raw, &v)
	return v
}

func diffValues(path string, a, b any, out *[]string) {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		for k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			diffValues(p, am[k], bm[k], out)
		}
		return
	}
	ra, _ := json.Marshal(a)
	rb, _ := json.Marshal(b)
	if string(ra) != string(rb) {
		*out = append(*out, path)
	}
}
