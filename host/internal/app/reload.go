package app

import (
	"context"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/billy"
	"github.com/billy-mcp/billy-mcp/host/internal/config"
	"github.com/billy-mcp/billy-mcp/host/internal/pluginhost"
	"github.com/hashicorp/go-hclog"
)

// ReloadReport says what a configuration reload did: the keys it applied
// to the running host, and the keys that changed but take effect only at
// the next start (left as they were). Keys, never values: values may be
// secrets.
type ReloadReport struct {
	Applied     []string `json:"applied"`
	NeedRestart []string `json:"need_restart"`
	// Plugins started, stopped or restarted by the reload.
	Plugins []PluginChange `json:"plugins,omitempty"`
}

// PluginChange is what a reload did to one plugin.
type PluginChange struct {
	Name string `json:"name"`
	// Action is "started" (newly enabled), "stopped" (disabled or
	// removed) or "restarted" (its entry changed).
	Action string `json:"action"`
	// Error says why a plugin did not start; it is retried as at start
	// unless the failure is permanent (a bad binary or checksum).
	Error string `json:"error,omitempty"`
}

// pluginKey reports whether key belongs to the plugin set, which a reload
// applies by starting, stopping and restarting plugins.
func pluginKey(key string) bool {
	return key == "plugins" || strings.HasPrefix(key, "plugins.") || key == "plugin_set" || key == "plugin_defaults.max_procs"
}

// reloadable are the keys a running host applies (Reload).
var reloadable = map[string]bool{
	"log.level":                   true,
	"billy.rate_limit_per_second": true,
	"billy.rate_limit_burst":      true,
}

// edgeRateKeys are the edge's rate limits (auth.*), applied at once by
// a reload (httpserver.Limits.SetRates).
var edgeRateKeys = map[string]bool{
	"auth.ip_rate_per_second":           true,
	"auth.ip_burst":                     true,
	"auth.principal_rate_per_second":    true,
	"auth.principal_burst":              true,
	"auth.organization_rate_per_second": true,
	"auth.organization_burst":           true,
	"auth.failed_logins_per_minute":     true,
}

// reloading keeps the configuration in force across reloads: the one the
// host started with, with what reloads applied.
type reloading struct {
	mu      sync.Mutex
	current *config.Config
}

// Reload applies next, a freshly loaded and validated configuration (a
// SIGHUP), as far as a running host can without dropping anything: the log
// level, the cache's TTLs, Billy's rate limit and the edge's rate limits
// (auth.*_rate_per_second, *_burst, failed_logins_per_minute) change at
// once; plugins
// are started, stopped or restarted as the plugin set changed
// (reloadPlugins), each stopped only once the calls in it have ended;
// sessions and connections are untouched. Every other changed key is
// reported as needing a restart, and a TTL raised past what the cache
// started with too (see cache.SetTTLs).
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
		case pluginKey(key):
			r.Applied = append(r.Applied, key)
		case edgeRateKeys[key] && a.security != nil && a.security.Limits != nil:
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
	if slices.ContainsFunc(r.Applied, func(k string) bool { return edgeRateKeys[k] }) {
		a.security.Limits.SetRates(edgeRates(next.Auth))
		cur.Auth.IPRatePerSecond, cur.Auth.IPBurst = next.Auth.IPRatePerSecond, next.Auth.IPBurst
		cur.Auth.PrincipalRatePerSecond, cur.Auth.PrincipalBurst = next.Auth.PrincipalRatePerSecond, next.Auth.PrincipalBurst
		cur.Auth.OrganizationRatePerSecond, cur.Auth.OrganizationBurst = next.Auth.OrganizationRatePerSecond, next.Auth.OrganizationBurst
		cur.Auth.FailedLoginsPerMinute = next.Auth.FailedLoginsPerMinute
	}
	if slices.ContainsFunc(r.Applied, pluginKey) {
		r.Plugins = a.reloadPlugins(&cur, next)
		cur.Plugins, cur.PluginSet, cur.PluginDefaults.MaxProcs = next.Plugins, next.PluginSet, next.PluginDefaults.MaxProcs
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

// reloadPlugins makes the running plugins those next enables: a plugin no
// longer enabled is stopped, a new one started, one whose entry changed
// (binary, checksum, its config, cores, the database grant) restarted.
// A plugin is stopped only after the calls already in it have ended
// (within calls.timeout; its tools are gone from the registry at once, so
// no new call reaches it). Everything else about the plugins (data_dir,
// database.url, plugin_defaults) stays as the host started.
func (a *App) reloadPlugins(cur, next *config.Config) []PluginChange {
	mix := *cur
	mix.Plugins, mix.PluginSet, mix.PluginDefaults.MaxProcs = next.Plugins, next.PluginSet, next.PluginDefaults.MaxProcs
	want := map[string]pluginhost.Spec{}
	for _, s := range pluginSpecs(&mix) {
		want[s.Name] = s
	}
	have := map[string]pluginhost.Spec{}
	for _, s := range a.Plugins.Specs() {
		have[s.Name] = s
	}
	drained := func(name string) func(context.Context) {
		return func(ctx context.Context) {
			for a.Dispatcher.Serving(name) > 0 {
				select {
				case <-ctx.Done():
					a.Logger.Warn("reload: stopping a plugin with calls still in it", "plugin", name)
					return
				case <-time.After(20 * time.Millisecond):
				}
			}
		}
	}
	var changes []PluginChange
	action := map[string]string{}
	// Stop first: a tool moving from one plugin to another must be free
	// before its new plugin registers it.
	for _, name := range slices.Sorted(maps.Keys(have)) {
		w, keep := want[name]
		if keep && reflect.DeepEqual(w, have[name]) {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), a.Config.Calls.Timeout)
		err := a.Plugins.Disable(ctx, name, drained(name))
		cancel()
		if err != nil {
			changes = append(changes, PluginChange{Name: name, Action: "stopped", Error: err.Error()})
			continue
		}
		action[name] = "stopped"
		if keep {
			action[name] = "restarted"
		}
	}
	for _, name := range slices.Sorted(maps.Keys(want)) {
		if _, running := have[name]; running && action[name] == "" {
			continue
		}
		ch := PluginChange{Name: name, Action: "started"}
		if action[name] == "restarted" {
			ch.Action = "restarted"
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*a.Config.PluginDefaults.StartTimeout)
		if err := a.Plugins.Enable(ctx, want[name]); err != nil {
			ch.Error = err.Error()
		}
		cancel()
		changes = append(changes, ch)
		delete(action, name)
	}
	for _, name := range slices.Sorted(maps.Keys(action)) {
		changes = append(changes, PluginChange{Name: name, Action: action[name]})
	}
	for _, c := range changes {
		if c.Error != "" {
			a.Logger.Warn("reload: plugin", "plugin", c.Name, "action", c.Action, "error", c.Error)
		} else {
			a.Logger.Info("reload: plugin", "plugin", c.Name, "action", c.Action)
		}
	}
	return changes
}
