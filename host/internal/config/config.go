package config

import "time"

// Config is the host's whole configuration. Field tags name the keys used in
// YAML files and (upper-cased, "." → "_", prefixed BILLY_MCP_) in the
// environment; v1's variable names are read too (see Load). Defaults live in
// Default; Load layers a file and the environment on top and Validate says
// what is allowed.
type Config struct {
	// Mode is "sandbox" (embedded fake Billy, the default when no Billy
	// token is configured) or "production". Derived at load time when empty.
	Mode string     `koanf:"mode"`
	HTTP HTTPConfig `koanf:"http"`
	Log  LogConfig  `koanf:"log"`
	// Billy is how the host reaches Billy's API.
	Billy BillyConfig `koanf:"billy"`
	Auth  AuthConfig  `koanf:"auth"`
	// Calls bounds tool calls.
	Calls CallsConfig `koanf:"calls"`
	// Plugins maps a plugin's name to its entry.
	Plugins map[string]PluginConfig `koanf:"plugins"`
	// PluginDefaults apply to every plugin.
	PluginDefaults PluginDefaults `koanf:"plugin_defaults"`
	Writes         WritesConfig   `koanf:"writes"`
	// Sandbox configures the embedded fake Billy used in sandbox mode.
	Sandbox SandboxConfig `koanf:"sandbox"`
}

// SandboxConfig is the embedded fake Billy that serves sandbox mode.
type SandboxConfig struct {
	// Seed makes the demo data reproducible: the same seed gives the same
	// organizations, contacts and invoices. Default 1.
	Seed int64 `koanf:"seed"`
	// Business is freelancer, retail, service, or "" for all three as
	// separate organizations (the default; freelancer is the default one).
	Business string `koanf:"business"`
}

// HTTPConfig is the HTTP listener (MCP Streamable HTTP, REST, health, metrics).
type HTTPConfig struct {
	// Addr is host:port; env BILLY_MCP_HTTP_ADDR. Default 127.0.0.1:8080.
	// Any host but loopback requires auth.api_keys.
	Addr string `koanf:"addr"`
	// AllowedHosts are extra Host header values accepted when bound to
	// loopback (DNS-rebinding protection always accepts localhost names).
	AllowedHosts []string `koanf:"allowed_hosts"`
	// AllowedOrigins are extra Origin values accepted (exact match).
	AllowedOrigins  []string      `koanf:"allowed_origins"`
	ShutdownTimeout time.Duration `koanf:"shutdown_timeout"`
	// MaxBodyBytes bounds request bodies. Default 10 MiB (v1's limit).
	MaxBodyBytes int64 `koanf:"max_body_bytes"`
}

// LogConfig controls the host's structured logs (always on stderr).
type LogConfig struct {
	// Level is trace, debug, info, warn or error.
	Level string `koanf:"level"`
	// Format is json or text.
	Format string `koanf:"format"`
}

// BillyConfig is the Billy gateway's configuration.
type BillyConfig struct {
	// APIKey is the Billy access token; env BILLY_API_KEY. Empty selects
	// sandbox mode.
	APIKey string `koanf:"api_key"`
	// OrganizationID; env BILLY_ORGANIZATION_ID or BILLY_ORG_ID.
	OrganizationID string `koanf:"organization_id"`
	// APIBase; env BILLY_API_BASE. Default https://api.billysbilling.com/v2.
	APIBase string        `koanf:"api_base"`
	Timeout time.Duration `koanf:"timeout"`
	// RateLimitPerSecond and RateLimitBurst are the per-organization token
	// bucket toward Billy. Billy documents no limit; the defaults (10/s,
	// burst 20) are deliberately polite.
	RateLimitPerSecond int `koanf:"rate_limit_per_second"`
	RateLimitBurst     int `koanf:"rate_limit_burst"`
}

// AuthConfig is how MCP and REST callers authenticate.
type AuthConfig struct {
	// APIKeys accepted as "Authorization: Bearer" or "X-API-Key"; env
	// MCP_API_KEY (one key). Empty means no authentication, which is only
	// allowed on a loopback address.
	APIKeys []string `koanf:"api_keys"`
}

// CallsConfig bounds tool calls.
type CallsConfig struct {
	// Timeout is the longest a tool call may run. Default 60s.
	Timeout time.Duration `koanf:"timeout"`
	// MaxBatch is the most tools one REST batch may call. Default 20.
	MaxBatch int `koanf:"max_batch"`
}

// PluginConfig enables one plugin.
type PluginConfig struct {
	// Enabled defaults to true; set false to keep an entry but not start it.
	Enabled *bool `koanf:"enabled"`
	// Path of the binary; relative paths are resolved against
	// plugin_defaults.dir.
	Path string `koanf:"path"`
	// SHA256 is the hex checksum the binary must have. When empty, the
	// checksum is looked up in plugin_defaults.checksums_file.
	SHA256 string `koanf:"sha256"`
	// Config is the plugin's own section, passed to it as JSON and
	// validated by the plugin.
	Config map[string]any `koanf:"config"`
}

// IsEnabled reports whether the plugin should be started.
func (p PluginConfig) IsEnabled() bool { return p.Enabled == nil || *p.Enabled }

// PluginDefaults apply to every plugin.
type PluginDefaults struct {
	// Dir is where relative plugin paths are resolved. Empty (the default)
	// means the directory of the running executable, because `make build`
	// puts bin/billy-mcp and the plugin binaries side by side; Load makes
	// it absolute.
	Dir string `koanf:"dir"`
	// ChecksumsFile is a SHA256SUMS-format file (written by `make build`);
	// relative to Dir. Default "SHA256SUMS".
	ChecksumsFile string `koanf:"checksums_file"`
	// StartTimeout bounds one plugin start (handshake, Describe, Configure).
	StartTimeout time.Duration `koanf:"start_timeout"`
	// HealthInterval is how often plugins are health-checked.
	HealthInterval time.Duration `koanf:"health_interval"`
	// RestartBackoffInitial and RestartBackoffMax bound the capped
	// exponential backoff between restarts of a crashed plugin.
	RestartBackoffInitial time.Duration `koanf:"restart_backoff_initial"`
	RestartBackoffMax     time.Duration `koanf:"restart_backoff_max"`
}

// WritesConfig is the write policy (issue: safe writes).
type WritesConfig struct {
	// Mode is off, confirm or direct; env BILLY_MCP_WRITES. Default confirm
	// outside the sandbox, direct inside it.
	Mode string `koanf:"mode"`
}
