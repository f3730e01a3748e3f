package config

// The built-in defaults are the bottom layer of every configuration: with
// no file and no environment, they must give a host that starts on a
// newcomer's laptop (sandbox mode, loopback, the built-in plugins). They
// are also each key's "default" in the published schema.

import "time"

// Modes, write modes and plugin set modes, as written in the configuration.
const (
	ModeSandbox    = "sandbox"
	ModeProduction = "production"

	WritesOff     = "off"
	WritesConfirm = "confirm"
	WritesDirect  = "direct"

	// PluginSetAdd adds the file's plugins to the built-in set.
	PluginSetAdd = "add"
	// PluginSetReplace starts only the file's plugins.
	PluginSetReplace = "replace"

	// ToolsListFull and ToolsListCompact are mcp.tools_list's values.
	ToolsListFull    = "full"
	ToolsListCompact = "compact"
)

// Default returns the built-in defaults, the bottom layer of Load. Mode,
// writes.mode and plugin_defaults.dir are empty: Load derives them after
// the other layers are applied (see Load). The conformance fixtures plugin
// is deliberately not here: it only ever runs when a config names it.
func Default() *Config {
	return &Config{
		HTTP: HTTPConfig{
			Addr:            "127.0.0.1:8080",
			ShutdownTimeout: 10 * time.Second,
			MaxBodyBytes:    10 << 20,
			// A header in 10 s, a whole request in 30 s, a write stalled
			// 30 s, an idle keep-alive 2 min: generous for real clients,
			// short for a slow-loris.
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      30 * time.Second,
			IdleTimeout:       2 * time.Minute,
			MaxConnections:    4096,
			SessionIdleTTL:    30 * time.Minute,
			SessionMaxAge:     24 * time.Hour,
		},
		Auth: AuthConfig{
			OAuth: OAuthConfig{
				Algorithms:         []string{"RS256", "ES256", "EdDSA"},
				OrganizationsClaim: "billy_orgs",
				BaselineScopes:     []string{"billy:read"},
			},
			MFA: MFAConfig{ApprovalTTL: 5 * time.Minute},
			Server: AuthServerConfig{
				AccessTokenTTL:  time.Hour,
				RefreshTokenTTL: 30 * 24 * time.Hour,
				ClientMetadata:  AuthClientMetadataConfig{Timeout: 5 * time.Second, MaxAge: 24 * time.Hour},
			},
			// Per principal 20/s (burst 100) is far above what an AI
			// client's conversation makes; per address 100/s before
			// authentication; 10 refused credentials a minute per address
			// make guessing hopeless.
			PrincipalRatePerSecond:    20,
			PrincipalBurst:            100,
			OrganizationRatePerSecond: 50,
			OrganizationBurst:         200,
			IPRatePerSecond:           100,
			IPBurst:                   200,
			FailedLoginsPerMinute:     10,
		},
		Log: LogConfig{Level: "info", Format: "json"},
		Billy: BillyConfig{
			APIBase:            "https://api.billysbilling.com/v2",
			Timeout:            30 * time.Second,
			RateLimitPerSecond: 10,
			RateLimitBurst:     20,
			BreakerFailures:    5,
			BreakerOpenTimeout: 30 * time.Second,
		},
		Calls: CallsConfig{Timeout: 60 * time.Second, MaxBatch: 20, MaxStringBytes: 64 << 10},
		MCP:   MCPConfig{ToolsList: ToolsListFull},
		// 15 MiB: the most the integrations plugin attaches to a voucher.
		Uploads: UploadsConfig{MaxBytes: 15 << 20, TTL: time.Hour, MaxConcurrent: 4, MaxBytesPerPrincipal: 100 << 20},
		// Traces are off (no endpoint); once on, every request is traced.
		Tracing: TracingConfig{SamplePercent: 100, ServiceName: "billy-mcp"},
		// Writes.Mode is derived from the mode (load.go).
		Writes: WritesConfig{SettleAfter: 2 * time.Minute, IdempotencyTTL: 24 * time.Hour},
		Plugins: map[string]PluginConfig{
			"invoices": {Path: "billy-mcp-plugin-invoices"},
			"moms":     {Path: "billy-mcp-plugin-moms"},
			// analytics keeps its working set (a SQLite copy of the books,
			// rebuilt from Billy when lost) in its data_dir folder, or in
			// a temporary one, per instance; its saved custom metrics must
			// be the same on every instance, so it gets the database.
			"analytics": {Path: "billy-mcp-plugin-analytics", Database: true},
			// presets keeps its runs and custom presets in the database
			// when it has one (every instance then shares them, and a
			// run's lease keeps two from executing it at once), else in
			// its data_dir folder, else in memory.
			"presets": {Path: "billy-mcp-plugin-presets", Database: true},
			// integrations keeps a small ledger of recorded bank lines in
			// its data_dir folder; it needs no database.
			"integrations": {Path: "billy-mcp-plugin-integrations"},
		},
		PluginSet: PluginSetAdd,
		PluginDefaults: PluginDefaults{
			ChecksumsFile:         "SHA256SUMS",
			StartTimeout:          10 * time.Second,
			HealthInterval:        5 * time.Second,
			RestartBackoffInitial: 200 * time.Millisecond,
			RestartBackoffMax:     30 * time.Second,
			MaxProcs:              1,
		},
		Sandbox: SandboxConfig{Seed: 1},
		Audit: AuditConfig{Buffer: 4096, Retention: 5 * 365 * 24 * time.Hour,
			Checkpoints: AuditCheckpointsConfig{Origin: "billy-mcp", Interval: 5 * time.Minute, Every: 1000}},
		Redis: RedisConfig{Timeout: 250 * time.Millisecond, KeyPrefix: "billy-mcp"},
		Cache: CacheConfig{
			Enabled:       boolPtr(true),
			LocalMaxBytes: 64 << 20,
			TTL: CacheTTLConfig{
				Default: time.Minute, Invoices: 2 * time.Minute, Contacts: 5 * time.Minute,
				Products: 5 * time.Minute, Payments: 2 * time.Minute, Accounts: 6 * time.Hour,
				TaxRates: 6 * time.Hour, Currencies: 12 * time.Hour, Countries: 24 * time.Hour,
				Organization: time.Hour,
			},
			StaleMaxAge: 6 * time.Hour,
			StaleAfter:  5 * time.Second,
			Warm:        CacheWarmConfig{Interval: 5 * time.Minute, Budget: 50},
		},
	}
}

// boolPtr is a fresh pointer for a *bool key (false must be tellable from
// unset), never shared between configurations.
func boolPtr(b bool) *bool { return &b }
