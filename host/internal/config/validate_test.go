package config

import (
	"strings"
	"testing"
	"time"
)

// TestValidate checks configurations built in Go, as tools and tests build
// them: the schema applies to them as it does to files.
func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *Config)
		want   string
	}{
		{"addr without port", func(c *Config) { c.HTTP.Addr = "localhost" }, `http.addr: "localhost" is not host:port`},
		{"addr with named port", func(c *Config) { c.HTTP.Addr = "localhost:http" }, `http.addr: "localhost:http" has no numeric port`},
		{"log level", func(c *Config) { c.Log.Level = "INFO" }, `log.level: "INFO" is not allowed; use one of "trace", "debug", "info", "warn", "error"`},
		{"log format", func(c *Config) { c.Log.Format = "xml" }, `log.format: "xml" is not allowed; use one of "json", "text"`},
		{"mode", func(c *Config) { c.Mode = "staging" }, `mode: "staging" is not allowed; use one of "sandbox", "production", or leave it unset`},
		{"writes mode", func(c *Config) { c.Writes.Mode = "yes" }, `writes.mode: "yes" is not allowed`},
		{"plugin set", func(c *Config) { c.PluginSet = "" }, `plugin_set: "" is not allowed; use one of "add", "replace"`},
		{"api base not absolute", func(c *Config) { c.Billy.APIBase = "/v2" }, `billy.api_base: "/v2" is not allowed; use an absolute http(s) URL`},
		{"api base wrong scheme", func(c *Config) { c.Billy.APIBase = "ftp://billy/v2" }, `billy.api_base: "ftp://billy/v2" is not allowed; use an absolute http(s) URL`},
		{"zero timeout", func(c *Config) { c.Calls.Timeout = 0 }, `calls.timeout: "0s" is not allowed; use a duration > 0`},
		{"negative timeout", func(c *Config) { c.Billy.Timeout = -time.Second }, `billy.timeout: "-1s" is not allowed; use a duration > 0`},
		{"zero shutdown", func(c *Config) { c.HTTP.ShutdownTimeout = 0 }, `http.shutdown_timeout: "0s"`},
		{"zero start timeout", func(c *Config) { c.PluginDefaults.StartTimeout = 0 }, `plugin_defaults.start_timeout: "0s"`},
		{"zero health interval", func(c *Config) { c.PluginDefaults.HealthInterval = 0 }, `plugin_defaults.health_interval: "0s"`},
		{"backoff inverted", func(c *Config) { c.PluginDefaults.RestartBackoffInitial = time.Minute }, `plugin_defaults.restart_backoff_initial: 1m is more than plugin_defaults.restart_backoff_max (30s)`},
		{"batch too big", func(c *Config) { c.Calls.MaxBatch = 1001 }, `calls.max_batch: 1001 is not allowed; use 1 to 1000`},
		{"body size", func(c *Config) { c.HTTP.MaxBodyBytes = 0 }, `http.max_body_bytes: 0 is not allowed; use 1 or more`},
		{"rate limit", func(c *Config) { c.Billy.RateLimitPerSecond = 0 }, `billy.rate_limit_per_second: 0 is not allowed; use 1 to 10000 (default 10)`},
		{"sandbox business", func(c *Config) { c.Sandbox.Business = "bakery" }, `sandbox.business: "bakery" is not allowed`},
		{"plugin name", func(c *Config) { c.Plugins["Invoices"] = PluginConfig{Path: "x"} }, `plugins.Invoices: the name "Invoices" is not allowed; use 1 to 40`},
		{"plugin name too long", func(c *Config) { c.Plugins["a"+strings.Repeat("b", 40)] = PluginConfig{Path: "x"} }, `is not allowed; use 1 to 40`},
		{"plugin sha256", func(c *Config) { c.Plugins["moms"] = PluginConfig{Path: "x", SHA256: "abc"} }, `plugins.moms.sha256: "abc" is not allowed; use 64 hex characters`},
		{"plugin path", func(c *Config) { c.Plugins["moms"] = PluginConfig{} }, `plugins.moms.path: required for an enabled plugin`},
		{"short api key", func(c *Config) { c.Auth.APIKeys = []string{validKey, "short"} }, `auth.api_keys[1]: too short (5 characters); use at least 16`},
		{"allowed origin with path", func(c *Config) { c.HTTP.AllowedOrigins = []string{"https://claude.ai/chat"} }, `http.allowed_origins[0]: "https://claude.ai/chat" is not allowed; use an origin`},
		{"allowed origin with slash", func(c *Config) { c.HTTP.AllowedOrigins = []string{"https://claude.ai/"} }, `http.allowed_origins[0]: "https://claude.ai/" is not allowed; use an origin: scheme://host[:port], with no path and no trailing /`},
		{"allowed host as URL", func(c *Config) { c.HTTP.AllowedHosts = []string{"https://mcp.example.dk"} }, `http.allowed_hosts[0]: "https://mcp.example.dk" is not allowed; use a Host header value`},
		{"production without token", func(c *Config) { c.Mode = ModeProduction }, `billy.api_key: required in production mode`},
		{"non-loopback", func(c *Config) { c.HTTP.Addr = "10.0.0.5:8080" }, `refusing to serve without authentication on non-loopback address 10.0.0.5:8080`},
		{"oauth without jwks", func(c *Config) {
			c.Auth.OAuth.Issuer = "https://id.example.dk"
			c.Auth.OAuth.Audience = "https://mcp.example.dk/mcp"
		}, `auth.oauth.jwks_url: required with auth.oauth.issuer`},
		{"oauth without audience", func(c *Config) {
			c.Auth.OAuth.Issuer = "https://id.example.dk"
			c.Auth.OAuth.JWKSURL = "https://id.example.dk/jwks"
		}, `auth.oauth.audience: required with auth.oauth.issuer`},
		{"oauth alg", func(c *Config) { c.Auth.OAuth.Algorithms = []string{"HS256"} }, `auth.oauth.algorithms[0]: "HS256" is not allowed`},
		{"key without hash", func(c *Config) { c.Auth.Keys = []APIKeyConfig{{Principal: "ci", Roles: []string{"read-only"}}} }, `auth.keys[0].sha256: required`},
		{"key hash form", func(c *Config) {
			c.Auth.Keys = []APIKeyConfig{{Principal: "ci", SHA256: "ABC", Roles: []string{"read-only"}}}
		}, `auth.keys[0].sha256: "ABC" is not allowed`},
		{"key grants nothing", func(c *Config) { c.Auth.Keys = []APIKeyConfig{{Principal: "ci", SHA256: strings.Repeat("a", 64)}} }, `auth.keys[0]: grants nothing`},
		{"key principal", func(c *Config) {
			c.Auth.Keys = []APIKeyConfig{{Principal: "a\nb", SHA256: strings.Repeat("a", 64), Roles: []string{"admin"}}}
		}, `auth.keys[0].principal: "a\nb" is not allowed`},
		{"key scope", func(c *Config) {
			c.Auth.Keys = []APIKeyConfig{{Principal: "ci", SHA256: strings.Repeat("a", 64), Scopes: []string{"everything"}}}
		}, `auth.keys[0].scopes[0]: "everything" is not allowed`},
		{"key expiry", func(c *Config) {
			c.Auth.Keys = []APIKeyConfig{{Principal: "ci", SHA256: strings.Repeat("a", 64), Scopes: []string{"admin"}, Expires: "next year"}}
		}, `auth.keys[0].expires: "next year" is not allowed`},
		{"same key twice", func(c *Config) {
			k := APIKeyConfig{Principal: "ci", SHA256: strings.Repeat("a", 64), Scopes: []string{"admin"}}
			c.Auth.Keys = []APIKeyConfig{k, k}
		}, `auth.keys[1].sha256: is the same as auth.keys[0]'s`},
		{"health addr", func(c *Config) { c.HTTP.HealthAddr = "8081" }, `http.health_addr: "8081" is not host:port`},
		{"session max age", func(c *Config) { c.HTTP.SessionMaxAge = time.Minute }, `http.session_max_age: 1m is less than http.session_idle_ttl (30m)`},
		{"connection cap", func(c *Config) { c.HTTP.MaxConnections = 1 }, `http.max_connections: 1 is not allowed`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.mutate(c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want an error containing %q", err, tt.want)
			}
		})
	}

	t.Run("every problem is reported once", func(t *testing.T) {
		c := Default()
		c.Log.Level = "x"
		c.Calls.MaxBatch = 0
		c.HTTP.Addr = "nope"
		c.Billy.Timeout = -time.Second // breaks both the pattern and the format
		err := c.Validate()
		if err == nil {
			t.Fatal("Validate() = nil")
		}
		if n := len(strings.Split(err.Error(), "\n")); n != 4 {
			t.Errorf("Validate() reported %d problems, want 4:\n%v", n, err)
		}
	})

	t.Run("short api keys are not echoed", func(t *testing.T) {
		c := Default()
		c.Auth.APIKeys = []string{"hunter2"}
		if err := c.Validate(); err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Validate() = %v, want an error that does not contain the key", err)
		}
	})
}
