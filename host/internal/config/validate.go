package config

// Validate is the last word on a configuration, whoever built it: Load
// calls it on the merged layers, Check on what Load returns, and tests and
// tools on configurations they assemble in Go. What can be said about one
// key at a time (types, allowed values, ranges, patterns) is said once, in
// the schema; what needs Go or several keys at once is checked here.

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"net/netip"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// minAPIKeyLen keeps guessable keys out: 16 characters is the least a
// random key should have (openssl rand -hex 32 gives 64).
const minAPIKeyLen = 16

// Validate reports every problem in c, joined, each naming its key and
// what is allowed. It accepts both a freshly decoded Config (with mode,
// writes.mode and plugin_defaults.dir still empty) and one Load has
// completed.
func (c *Config) Validate() error {
	var errs []error
	for _, p := range root().check(toMap(reflect.ValueOf(c).Elem())) {
		errs = append(errs, p)
	}
	bad := func(key, format string, args ...any) {
		errs = append(errs, problem{path: key, msg: fmt.Sprintf(format, args...)})
	}

	host, addrOK := "", false
	if h, port, err := net.SplitHostPort(c.HTTP.Addr); err != nil {
		bad("http.addr", "%q is not host:port (e.g. 127.0.0.1:8080, or 0.0.0.0:8080 for all interfaces)", c.HTTP.Addr)
	} else if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		bad("http.addr", "%q has no numeric port 0-65535 (e.g. 127.0.0.1:8080)", c.HTTP.Addr)
	} else {
		host, addrOK = h, true
	}

	if a := c.Admin.Addr; a != "" {
		if h, _, err := net.SplitHostPort(a); err != nil || !isLoopback(h) {
			bad("admin.addr", "%q must be a loopback host:port (e.g. 127.0.0.1:6060): the profiler shows what the host holds in memory", a)
		}
	}
	if c.Mode == ModeProduction && c.Billy.APIKey == "" {
		bad("billy.api_key", "required in production mode (env BILLY_API_KEY); without it, leave mode unset to run the sandbox")
	}
	if b := c.PluginDefaults; b.RestartBackoffInitial > 0 && b.RestartBackoffMax > 0 && b.RestartBackoffInitial > b.RestartBackoffMax {
		bad("plugin_defaults.restart_backoff_initial", "%s is more than plugin_defaults.restart_backoff_max (%s); the initial backoff must not exceed the cap",
			formatDuration(b.RestartBackoffInitial), formatDuration(b.RestartBackoffMax))
	}
	if r := c.Redis; r.URL != "" && len(r.Addrs) > 0 {
		bad("redis.addrs", "set either redis.url or redis.addrs, not both (a Cluster's further nodes go in url as ?addr=host:port)")
	}
	if r := c.Redis; r.MasterName != "" && len(r.Addrs) == 0 {
		bad("redis.master_name", "needs the Sentinels' addresses in redis.addrs")
	}
	if r := c.Redis; r.MasterName != "" && r.Cluster {
		bad("redis.cluster", "cannot be set with redis.master_name: a deployment is either Sentinel or Cluster")
	}
	if k := c.Cache; k.StaleMaxAge > 0 && k.TTL.Default > 0 && k.StaleMaxAge < k.TTL.Default {
		bad("cache.stale_max_age", "%s is less than cache.ttl.default (%s): a stale answer is one older than its TTL",
			formatDuration(k.StaleMaxAge), formatDuration(k.TTL.Default))
	}
	for _, name := range slices.Sorted(maps.Keys(c.Plugins)) {
		if p := c.Plugins[name]; p.IsEnabled() && p.Path == "" {
			bad("plugins."+name+".path", "required for an enabled plugin (the binary, e.g. billy-mcp-plugin-%s; relative to plugin_defaults.dir), or set enabled: false", name)
		}
	}
	if addrOK && !c.Auth.Required() && !isLoopback(host) {
		errs = append(errs, fmt.Errorf("refusing to serve without authentication on non-loopback address %s: set auth.keys, auth.api_keys (env MCP_API_KEY), auth.oauth.issuer or auth.server, or bind to 127.0.0.1", c.HTTP.Addr))
	}
	if a := c.HTTP.HealthAddr; a != "" {
		if _, port, err := net.SplitHostPort(a); err != nil {
			bad("http.health_addr", "%q is not host:port (e.g. 0.0.0.0:8081)", a)
		} else if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			bad("http.health_addr", "%q has no numeric port 0-65535 (e.g. 0.0.0.0:8081)", a)
		} else if a == c.HTTP.Addr {
			bad("http.health_addr", "%q is http.addr itself; use another port", a)
		}
	}
	if h := c.HTTP; h.SessionIdleTTL > 0 && h.SessionMaxAge > 0 && h.SessionMaxAge < h.SessionIdleTTL {
		bad("http.session_max_age", "%s is less than http.session_idle_ttl (%s)", formatDuration(h.SessionMaxAge), formatDuration(h.SessionIdleTTL))
	}
	for i, p := range c.HTTP.TrustedProxies {
		if _, err := ParseProxy(p); err != nil {
			bad(fmt.Sprintf("http.trusted_proxies[%d]", i), "%q is neither an IP address nor a CIDR range (10.0.0.0/8)", p)
		}
	}
	if sv := c.Auth.Server; sv.Enabled {
		if c.Auth.OAuth.Audience == "" {
			bad("auth.oauth.audience", "required with auth.server.enabled: the MCP endpoint's canonical URL as clients type it (e.g. https://mcp.example.dk/mcp), every token's audience")
		}
		if iss := c.Auth.OAuth.Issuer; iss != "" && strings.TrimSuffix(iss, "/") != strings.TrimSuffix(sv.IssuerOr(c.Auth.OAuth.Audience), "/") {
			bad("auth.oauth.issuer", "is %s, but auth.server.enabled makes the host its own issuer (%s): leave auth.oauth.issuer unset", iss, sv.IssuerOr(c.Auth.OAuth.Audience))
		}
		// auth.server.users may list nobody: users can be kept in the
		// store instead (billy-mcp users add), which is not read here.
	}
	names := map[string]int{}
	for i, u := range c.Auth.Server.Users {
		key := fmt.Sprintf("auth.server.users[%d]", i)
		if u.Name == "" {
			bad(key+".name", "required: who logs in (e.g. anna@firm.dk)")
		} else if j, dup := names[u.Name]; dup {
			bad(key+".name", "%s is auth.server.users[%d] too", u.Name, j)
		} else {
			names[u.Name] = i
		}
		if u.PasswordBcrypt == "" {
			bad(key+".password_bcrypt", "required: a bcrypt hash of %s's password (`billy-mcp users hash-password`)", u.Name)
		}
		if len(u.Scopes) == 0 && len(u.Roles) == 0 {
			bad(key, "grants nothing: give %s roles or scopes (e.g. roles: [bookkeeper])", u.Name)
		}
	}
	if o := c.Auth.OAuth; o.Issuer != "" && !c.Auth.Server.Enabled {
		if o.JWKSURL == "" {
			bad("auth.oauth.jwks_url", "required with auth.oauth.issuer: where the issuer publishes its signing keys (often %s/.well-known/jwks.json; its /.well-known/openid-configuration names it as jwks_uri)", strings.TrimSuffix(o.Issuer, "/"))
		}
		if o.Audience == "" {
			bad("auth.oauth.audience", "required with auth.oauth.issuer: the MCP endpoint's canonical URL as clients type it (e.g. https://mcp.example.dk/mcp)")
		}
	}
	seen := map[string]int{}
	for i, k := range c.Auth.Keys {
		key := fmt.Sprintf("auth.keys[%d]", i)
		if k.Principal == "" {
			bad(key+".principal", "required: who holds the key (e.g. ci-bot)")
		}
		if k.SHA256 == "" {
			bad(key+".sha256", "required: the SHA-256 of %s's key (printf %%s \"$KEY\" | sha256sum)", k.Principal)
		} else if j, dup := seen[k.SHA256]; dup {
			bad(key+".sha256", "is the same as auth.keys[%d]'s: one key, two entries", j)
		} else {
			seen[k.SHA256] = i
		}
		if len(k.Scopes) == 0 && len(k.Roles) == 0 {
			bad(key, "grants nothing: give it scopes or roles (e.g. roles: [read-only])")
		}
	}
	return errors.Join(errs...)
}

// isLoopback reports whether host (from http.addr) only accepts
// connections from this machine. An empty host means all interfaces.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// ParseProxy reads an entry of http.trusted_proxies: a CIDR range, or an
// IP address (a range of one).
func ParseProxy(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}
