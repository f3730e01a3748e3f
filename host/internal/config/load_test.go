package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// exeDir stands in for the running executable's directory, which under
// `go test` is a temporary build directory.
var exeDir = filepath.Join(string(filepath.Separator), "opt", "billy-mcp", "bin")

// load runs Load on yamlText (none when empty) with exactly env as the
// environment.
func load(t *testing.T, yamlText string, env ...string) (*Config, error) {
	t.Helper()
	opts := Options{Environ: append([]string{}, env...), ExecutableDir: exeDir}
	if yamlText != "" {
		opts.File = writeFile(t, yamlText)
	}
	return Load(opts)
}

func writeFile(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "billy-mcp.yaml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// loaded is Default as Load completes it with no file and no environment.
func loaded() *Config {
	c := Default()
	c.Mode = ModeSandbox
	c.Writes.Mode = WritesDirect
	c.PluginDefaults.Dir = exeDir
	c.Plugins = map[string]PluginConfig{
		"invoices":     {Path: filepath.Join(exeDir, "billy-mcp-plugin-invoices")},
		"moms":         {Path: filepath.Join(exeDir, "billy-mcp-plugin-moms")},
		"analytics":    {Path: filepath.Join(exeDir, "billy-mcp-plugin-analytics"), Database: true},
		"presets":      {Path: filepath.Join(exeDir, "billy-mcp-plugin-presets"), Database: true},
		"integrations": {Path: filepath.Join(exeDir, "billy-mcp-plugin-integrations")},
	}
	return c
}

func ptr[T any](v T) *T { return &v }

const validKey = "0123456789abcdef0123456789abcdef"

func TestDefault(t *testing.T) {
	d := Default()
	if _, ok := d.Plugins["conformance"]; ok {
		t.Error("the conformance fixtures plugin must never be a default")
	}
	// The raw defaults, before derivation, must already be valid: a bare
	// `billy-mcp` on a laptop has to start.
	if err := d.Validate(); err != nil {
		t.Errorf("Default().Validate() = %v", err)
	}
	if d.Mode != "" || d.Writes.Mode != "" || d.PluginDefaults.Dir != "" {
		t.Errorf("derived fields set in Default: mode %q, writes.mode %q, plugin_defaults.dir %q", d.Mode, d.Writes.Mode, d.PluginDefaults.Dir)
	}
}

func TestLoad(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		env  []string
		want func(c *Config) // edits loaded() into the expected result
	}{
		{
			name: "defaults",
			want: func(c *Config) {},
		},
		{
			name: "file overrides defaults",
			yaml: `
http:
  addr: 127.0.0.1:9090
  allowed_hosts: [mcp.local]
  shutdown_timeout: 2s
  max_body_bytes: 1024
log: {level: debug, format: text}
billy: {organization_id: org1, timeout: 5s}
calls: {timeout: 2m, max_batch: 50}
plugin_defaults: {checksums_file: SUMS, start_timeout: 3s}
writes: {mode: "off"}
`,
			want: func(c *Config) {
				c.HTTP.Addr = "127.0.0.1:9090"
				c.HTTP.AllowedHosts = []string{"mcp.local"}
				c.HTTP.ShutdownTimeout = 2 * time.Second
				c.HTTP.MaxBodyBytes = 1024
				c.Log = LogConfig{Level: "debug", Format: "text"}
				c.Billy.OrganizationID = "org1"
				c.Billy.Timeout = 5 * time.Second
				c.Calls = CallsConfig{Timeout: 2 * time.Minute, MaxBatch: 50, MaxStringBytes: 64 << 10}
				c.PluginDefaults.ChecksumsFile = "SUMS"
				c.PluginDefaults.StartTimeout = 3 * time.Second
				c.Writes.Mode = WritesOff
			},
		},
		{
			name: "whole numbers YAML reads as floats",
			yaml: "calls: {max_batch: 1e2}\nhttp: {max_body_bytes: 2048.0}\n",
			want: func(c *Config) {
				c.Calls.MaxBatch = 100
				c.HTTP.MaxBodyBytes = 2048
			},
		},
		{
			name: "environment overrides file",
			yaml: "http: {addr: 127.0.0.1:9090}\nlog: {level: debug}\ncalls: {timeout: 2m, max_batch: 50}\n",
			env: []string{
				"BILLY_MCP_HTTP_ADDR=127.0.0.1:7070",
				"BILLY_MCP_LOG_LEVEL=warn",
				"BILLY_MCP_CALLS_TIMEOUT=90s",
				"BILLY_MCP_CALLS_MAX_BATCH=7",
				"BILLY_MCP_HTTP_MAX_BODY_BYTES=2048",
				"BILLY_MCP_HTTP_ALLOWED_ORIGINS=https://claude.ai, https://chatgpt.com,",
				"BILLY_MCP_PLUGIN_DEFAULTS_DIR=/srv/plugins",
				"BILLY_MCP_PLUGIN_DEFAULTS_RESTART_BACKOFF_MAX=1m",
				"BILLY_MCP_WRITES=confirm",
			},
			want: func(c *Config) {
				c.HTTP.Addr = "127.0.0.1:7070"
				c.HTTP.MaxBodyBytes = 2048
				c.HTTP.AllowedOrigins = []string{"https://claude.ai", "https://chatgpt.com"}
				c.Log.Level = "warn"
				c.Calls = CallsConfig{Timeout: 90 * time.Second, MaxBatch: 7, MaxStringBytes: 64 << 10}
				c.PluginDefaults.Dir = "/srv/plugins"
				c.PluginDefaults.RestartBackoffMax = time.Minute
				c.Plugins = map[string]PluginConfig{
					"invoices":     {Path: "/srv/plugins/billy-mcp-plugin-invoices"},
					"moms":         {Path: "/srv/plugins/billy-mcp-plugin-moms"},
					"analytics":    {Path: "/srv/plugins/billy-mcp-plugin-analytics", Database: true},
					"presets":      {Path: "/srv/plugins/billy-mcp-plugin-presets", Database: true},
					"integrations": {Path: "/srv/plugins/billy-mcp-plugin-integrations"},
				}
				c.Writes.Mode = WritesConfirm
			},
		},
		{
			name: "v1 environment names",
			env: []string{
				"BILLY_API_KEY=billy-token",
				"BILLY_ORG_ID=org-short",
				"BILLY_API_BASE=http://localhost:4010/v2",
				"MCP_API_KEY=" + validKey + ",not-split",
				"LOG_LEVEL=error",
			},
			want: func(c *Config) {
				c.Mode = ModeProduction
				c.Writes.Mode = WritesConfirm
				c.Billy.APIKey = "billy-token"
				c.Billy.OrganizationID = "org-short"
				c.Billy.APIBase = "http://localhost:4010/v2"
				c.Auth.APIKeys = []string{validKey + ",not-split"}
				c.Log.Level = "error"
			},
		},
		{
			name: "BILLY_MCP_ names beat v1 names, BILLY_ORGANIZATION_ID beats BILLY_ORG_ID",
			yaml: "log: {level: trace}\n",
			env: []string{
				"BILLY_MCP_LOG_LEVEL=debug",
				"LOG_LEVEL=error",
				"BILLY_ORGANIZATION_ID=org-long",
				"BILLY_ORG_ID=org-short",
				"BILLY_API_KEY=v1-token",
				"BILLY_MCP_BILLY_API_KEY=v2-token",
				"MCP_API_KEY=" + validKey,
				"BILLY_MCP_AUTH_API_KEYS=" + validKey + "-a," + validKey + "-b",
			},
			want: func(c *Config) {
				c.Mode = ModeProduction
				c.Writes.Mode = WritesConfirm
				c.Log.Level = "debug"
				c.Billy.OrganizationID = "org-long"
				c.Billy.APIKey = "v2-token"
				c.Auth.APIKeys = []string{validKey + "-a", validKey + "-b"}
			},
		},
		{
			name: "a v1 value that a BILLY_MCP_ name overrides is not checked",
			env:  []string{"LOG_LEVEL=loud", "BILLY_MCP_LOG_LEVEL=debug", "MCP_API_KEY=short", "BILLY_MCP_AUTH_API_KEYS=" + validKey},
			want: func(c *Config) {
				c.Log.Level = "debug"
				c.Auth.APIKeys = []string{validKey}
			},
		},
		{
			name: "file value survives environment variables set to empty",
			yaml: "log: {level: debug}\nauth: {api_keys: [" + validKey + "]}\n",
			env:  []string{"LOG_LEVEL=", "BILLY_MCP_LOG_LEVEL=", "MCP_API_KEY=", "BILLY_MCP_NOT_A_KEY="},
			want: func(c *Config) {
				c.Log.Level = "debug"
				c.Auth.APIKeys = []string{validKey}
			},
		},
		{
			name: "reserved BILLY_MCP_ variables are ignored",
			env:  []string{"BILLY_MCP_PLUGIN=cookie", "BILLY_MCP_CONFIG=/etc/billy-mcp.yaml"},
			want: func(c *Config) {},
		},
		{
			name: "file plugins are added to the built-in set and override it by name",
			yaml: `
plugins:
  moms:
    path: /usr/libexec/moms
    sha256: ` + strings.Repeat("ab", 32) + `
  reports:
    path: billy-mcp-plugin-reports
  drafts:
    path: billy-mcp-plugin-drafts
    enabled: false
`,
			want: func(c *Config) {
				c.Plugins["moms"] = PluginConfig{Path: "/usr/libexec/moms", SHA256: strings.Repeat("ab", 32)}
				c.Plugins["reports"] = PluginConfig{Path: filepath.Join(exeDir, "billy-mcp-plugin-reports")}
				// Disabled plugins are not started, so their paths are left as written.
				c.Plugins["drafts"] = PluginConfig{Path: "billy-mcp-plugin-drafts", Enabled: ptr(false)}
			},
		},
		{
			name: "a built-in plugin is switched off by name",
			yaml: "plugins:\n  invoices: {enabled: false}\n",
			want: func(c *Config) {
				c.Plugins["invoices"] = PluginConfig{Path: "billy-mcp-plugin-invoices", Enabled: ptr(false)}
			},
		},
		{
			name: "a built-in plugin's entry changes key by key",
			yaml: "plugins:\n  invoices: {config: {region: dk}}\n  moms:\n",
			want: func(c *Config) {
				c.Plugins["invoices"] = PluginConfig{Path: filepath.Join(exeDir, "billy-mcp-plugin-invoices"), Config: map[string]any{"region": "dk"}}
			},
		},
		{
			name: "plugin_set: replace starts only the file's plugins",
			yaml: `
plugin_set: replace
plugins:
  moms: {path: /usr/libexec/moms}
  reports: {path: billy-mcp-plugin-reports, enabled: false}
`,
			want: func(c *Config) {
				c.PluginSet = PluginSetReplace
				c.Plugins = map[string]PluginConfig{
					"moms":    {Path: "/usr/libexec/moms"},
					"reports": {Path: "billy-mcp-plugin-reports", Enabled: ptr(false)},
				}
			},
		},
		{
			name: "plugin_set: replace from the environment",
			yaml: "plugins:\n  moms: {path: /usr/libexec/moms}\n",
			env:  []string{"BILLY_MCP_PLUGIN_SET=replace"},
			want: func(c *Config) {
				c.PluginSet = PluginSetReplace
				c.Plugins = map[string]PluginConfig{"moms": {Path: "/usr/libexec/moms"}}
			},
		},
		{
			name: "the environment's plugin_set: add beats the file's replace",
			yaml: "plugin_set: replace\nplugins:\n  reports: {path: /usr/libexec/reports}\n",
			env:  []string{"BILLY_MCP_PLUGIN_SET=add"},
			want: func(c *Config) {
				c.Plugins["reports"] = PluginConfig{Path: "/usr/libexec/reports"}
			},
		},
		{
			name: "plugin_set: replace with no plugins starts none",
			yaml: "plugin_set: replace\nplugins:\n#  invoices: {path: billy-mcp-plugin-invoices}\n",
			want: func(c *Config) {
				c.PluginSet = PluginSetReplace
				c.Plugins = map[string]PluginConfig{}
			},
		},
		{
			name: "an empty plugins section keeps the built-in set",
			yaml: "plugins:\n#  acme: {path: billy-mcp-plugin-acme}\n",
			want: func(c *Config) {},
		},
		{
			name: "plugin config is free-form",
			yaml: `
plugins:
  invoices:
    config:
      anything: goes
      nested: {deeper: [1, two, {three: 3}, null], "dotted.key": true}
      1: numeric key
      since: 2024-01-02
      ratio: 1.5
`,
			want: func(c *Config) {
				c.Plugins["invoices"] = PluginConfig{
					Path: filepath.Join(exeDir, "billy-mcp-plugin-invoices"),
					Config: map[string]any{
						"anything": "goes",
						"nested": map[string]any{
							"deeper":     []any{1, "two", map[string]any{"three": 3}, nil},
							"dotted.key": true,
						},
						"1": "numeric key",
						// As JSON would carry it to the plugin.
						"since": "2024-01-02T00:00:00Z",
						"ratio": 1.5,
					},
				}
			},
		},
		{
			name: "null sections and values keep their defaults",
			yaml: "http:\nlog:\n  level:\n  format: text\nbilly:\nplugin_set:\n",
			want: func(c *Config) { c.Log.Format = "text" },
		},
		{
			name: "empty file",
			yaml: "# nothing here\n",
			want: func(c *Config) {},
		},
		{
			name: "production is derived from a Billy token",
			env:  []string{"BILLY_API_KEY=token"},
			want: func(c *Config) {
				c.Mode = ModeProduction
				c.Writes.Mode = WritesConfirm
				c.Billy.APIKey = "token"
			},
		},
		{
			name: "explicit sandbox with a token keeps sandbox and direct writes",
			yaml: "mode: sandbox\nbilly: {api_key: token}\n",
			want: func(c *Config) { c.Billy.APIKey = "token" },
		},
		{
			name: "explicit writes mode is kept in production",
			yaml: "mode: production\nwrites: {mode: direct}\n",
			env:  []string{"BILLY_API_KEY=token"},
			want: func(c *Config) {
				c.Mode = ModeProduction
				c.Billy.APIKey = "token"
			},
		},
		{
			name: "public address with authentication",
			yaml: "http: {addr: 0.0.0.0:8080}\n",
			env:  []string{"MCP_API_KEY=" + validKey},
			want: func(c *Config) {
				c.HTTP.Addr = "0.0.0.0:8080"
				c.Auth.APIKeys = []string{validKey}
			},
		},
		{
			name: "loopback names need no authentication",
			yaml: "http: {addr: 'localhost:0'}\n",
			want: func(c *Config) { c.HTTP.Addr = "localhost:0" },
		},
		{
			name: "IPv6 loopback needs no authentication",
			env:  []string{"BILLY_MCP_HTTP_ADDR=[::1]:8080"},
			want: func(c *Config) { c.HTTP.Addr = "[::1]:8080" },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := load(t, tt.yaml, tt.env...)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			want := loaded()
			tt.want(want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Load mismatch (-want +got):\n%s", diff)
			}
			// Whatever Load returns must still pass Validate: Check relies on it.
			if err := got.Validate(); err != nil {
				t.Errorf("Validate after Load: %v", err)
			}
		})
	}
}

func TestLoadRelativePluginDir(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	got, err := load(t, "plugin_defaults: {dir: bin}\nplugins: {x: {path: ./x}}\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(wd, "bin"); got.PluginDefaults.Dir != want {
		t.Errorf("plugin_defaults.dir = %q, want %q (relative to the working directory)", got.PluginDefaults.Dir, want)
	}
	if want := filepath.Join(wd, "bin", "x"); got.Plugins["x"].Path != want {
		t.Errorf("plugins.x.path = %q, want %q", got.Plugins["x"].Path, want)
	}
}

func TestLoadExecutableDir(t *testing.T) {
	// Without ExecutableDir, the default dir is where the test binary is.
	got, err := Load(Options{Environ: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	exe, _ = filepath.EvalSymlinks(exe)
	if want := filepath.Dir(exe); got.PluginDefaults.Dir != want {
		t.Errorf("plugin_defaults.dir = %q, want the executable's directory %q", got.PluginDefaults.Dir, want)
	}
}

// TestLoadErrors covers problems in the file and those only the merged
// configuration shows; env_test.go covers the environment's.
func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		env  []string
		want []string // each must appear in the error
		not  []string // none may appear (secrets)
	}{
		{
			name: "unknown top-level key",
			yaml: "htpp: {addr: 127.0.0.1:1}\n",
			want: []string{"htpp: unknown key; allowed keys here: mode, http, log, billy, auth, calls, plugins, plugin_set, plugin_defaults, writes, sandbox"},
		},
		{
			name: "unknown nested key",
			yaml: "http: {adr: 127.0.0.1:1}\n",
			want: []string{"http.adr: unknown key; allowed keys here: addr, allowed_hosts, allowed_origins, shutdown_timeout, max_body_bytes"},
		},
		{
			name: "unknown plugin key",
			yaml: "plugins: {invoices: {pathh: x}}\n",
			want: []string{"plugins.invoices.pathh: unknown key; allowed keys here: enabled, path, sha256, config"},
		},
		{
			name: "keys are case-sensitive",
			yaml: "HTTP: {addr: 127.0.0.1:1}\n",
			want: []string{"HTTP: unknown key"},
		},
		{
			name: "every unknown key is reported",
			yaml: "a: 1\nb: 2\nlog: {c: 3}\n",
			want: []string{"a: unknown key", "b: unknown key", "log.c: unknown key"},
		},
		{
			name: "duration that is not one",
			yaml: "calls: {timeout: soon}\n",
			want: []string{`calls.timeout: "soon" is not a duration (use e.g. 30s, 2m)`},
		},
		{
			name: "duration without a unit",
			yaml: "billy: {timeout: 30}\n",
			want: []string{`billy.timeout: 30 is not a duration (use e.g. 30s, 2m)`},
		},
		{
			name: "duration that is not positive",
			yaml: "billy: {timeout: -5s}\nplugin_defaults: {health_interval: 0s}\n",
			want: []string{
				`billy.timeout: "-5s" is not allowed; use a duration > 0 (e.g. 30s, 2m)`,
				`plugin_defaults.health_interval: "0s" is not allowed; use a duration > 0`,
			},
		},
		{
			name: "integer that is a string",
			yaml: "calls: {max_batch: many}\n",
			want: []string{`calls.max_batch: "many" is not an integer`},
		},
		{
			name: "integer that is a fraction",
			yaml: "http: {max_body_bytes: 1.5}\n",
			want: []string{`http.max_body_bytes: 1.5 is not an integer`},
		},
		{
			name: "integer too large",
			yaml: "http: {max_body_bytes: 18446744073709551615}\nsandbox: {seed: 1e300}\n",
			want: []string{
				`http.max_body_bytes: 18446744073709551615 is too large (at most 9223372036854775807)`,
				`sandbox.seed: 1e+300 is out of range for a 64-bit integer`,
			},
		},
		{
			name: "integer out of range",
			yaml: "calls: {max_batch: 0}\nbilly: {rate_limit_burst: 20000}\nhttp: {max_body_bytes: -1}\n",
			want: []string{
				`calls.max_batch: 0 is not allowed; use 1 to 1000 (default 20)`,
				`billy.rate_limit_burst: 20000 is not allowed; use 1 to 10000 (default 20)`,
				`http.max_body_bytes: -1 is not allowed; use 1 or more (default 10485760)`,
			},
		},
		{
			name: "value not in the allowed set",
			yaml: "log: {level: loud}\nmode: staging\nplugin_set: merge\nsandbox: {business: farm}\n",
			want: []string{
				`log.level: "loud" is not allowed; use one of "trace", "debug", "info", "warn", "error"`,
				`mode: "staging" is not allowed; use one of "sandbox", "production", or leave it unset to derive it`,
				`plugin_set: "merge" is not allowed; use one of "add", "replace"`,
				`sandbox.business: "farm" is not allowed; use one of "freelancer", "retail", "service", or leave it unset for all three`,
			},
		},
		{
			name: "value that breaks a pattern",
			yaml: "http: {allowed_origins: [https://claude.ai/]}\nbilly: {api_base: /v2}\nplugins: {moms: {sha256: abc}}\n",
			want: []string{
				`http.allowed_origins[0]: "https://claude.ai/" is not allowed; use an origin: scheme://host[:port], with no path and no trailing /`,
				`billy.api_base: "/v2" is not allowed; use an absolute http(s) URL`,
				`plugins.moms.sha256: "abc" is not allowed; use 64 hex characters`,
			},
		},
		{
			name: "plugin name",
			yaml: "plugins: {Acme: {path: x}}\n",
			want: []string{`plugins.Acme: the name "Acme" is not allowed; use 1 to 40 of a-z, 0-9, _ and -, starting with a letter`},
		},
		{
			name: "list that is a string",
			yaml: "http: {allowed_hosts: example.com}\n",
			want: []string{`http.allowed_hosts: "example.com" is not a list of strings (use e.g. [a, b])`},
		},
		{
			name: "list with a non-string element",
			yaml: "http: {allowed_hosts: [ok, 5, null]}\n",
			want: []string{`http.allowed_hosts[1]: 5 is not a string (quote it)`, `http.allowed_hosts[2]: null is not a string (quote it)`},
		},
		{
			name: "string that is a number",
			yaml: "billy: {organization_id: 12345}\n",
			want: []string{`billy.organization_id: 12345 is not a string (quote it)`},
		},
		{
			name: "string that YAML reads as a timestamp",
			yaml: "billy: {organization_id: 2024-05-01}\n",
			want: []string{`billy.organization_id: 2024-05-01T00:00:00Z (YAML reads it as a timestamp) is not a string (quote it)`},
		},
		{
			name: "boolean that is a word",
			yaml: "plugins: {x: {path: x, enabled: yes}}\n",
			want: []string{`plugins.x.enabled: "yes" is not a boolean (use true or false)`},
		},
		{
			name: "section that is a scalar",
			yaml: "http: 8080\n",
			want: []string{`http: 8080 is not a section; allowed keys here: addr,`},
		},
		{
			name: "plugins that is a list",
			yaml: "plugins: [invoices]\n",
			want: []string{`plugins: a list is not a section; write one entry per plugin name`},
		},
		{
			name: "plugin config that is a scalar",
			yaml: "plugins: {x: {path: x, config: on}}\n",
			want: []string{`plugins.x.config: "on" is not a section; the plugin's own settings are key: value pairs`},
		},
		{
			name: "plugin config that JSON cannot carry",
			yaml: "plugins: {x: {path: x, config: {ratio: .nan}}}\n",
			want: []string{`plugins.x.config.ratio: NaN cannot be passed to the plugin`},
		},
		{
			name: "secrets of the wrong type are not echoed",
			yaml: "billy: {api_key: 123456789012345678}\nauth: {api_keys: s3cr3t-s3cr3t-s3cr3t}\n",
			want: []string{"billy.api_key: a number (value hidden", "auth.api_keys: a string (value hidden"},
			not:  []string{"123456789012345678", "s3cr3t"},
		},
		{
			name: "short api keys in the file are not echoed",
			yaml: "auth: {api_keys: [hunter2]}\n",
			want: []string{"auth.api_keys[0]: too short (7 characters); use at least 16 characters"},
			not:  []string{"hunter2"},
		},
		{
			name: "problems name the file",
			yaml: "nope: 1\n",
			want: []string{"config file ", "billy-mcp.yaml: nope: unknown key"},
		},
		{
			name: "not YAML",
			yaml: "http: [unclosed\n",
			want: []string{"not valid YAML"},
		},
		{
			name: "not a mapping",
			yaml: "- just\n- a list\n",
			want: []string{"not valid YAML"},
		},
		{
			name: "file and environment problems are reported together",
			yaml: "calls: {timeout: soon}\n",
			env:  []string{"BILLY_MCP_NOPE=1"},
			want: []string{"calls.timeout:", "BILLY_MCP_NOPE:"},
		},
		{
			name: "non-loopback without authentication",
			yaml: "http: {addr: 0.0.0.0:8080}\n",
			want: []string{"refusing to serve without authentication on non-loopback address 0.0.0.0:8080: set auth.keys, auth.api_keys (env MCP_API_KEY), auth.oauth.issuer or auth.server, or bind to 127.0.0.1"},
		},
		{
			name: "a trusted proxy that is no range",
			yaml: "http: {trusted_proxies: [10.1.1.1, 10.0.0.0/33]}\n",
			want: []string{"http.trusted_proxies[1]: \"10.0.0.0/33\" is neither an IP address nor a CIDR range"},
			not:  []string{"http.trusted_proxies[0]"},
		},
		{
			name: "the authorization server without an audience (and with users in the store only)",
			yaml: "auth: {server: {enabled: true}}\n",
			want: []string{"auth.oauth.audience: required with auth.server.enabled"},
			not:  []string{"auth.server.users"},
		},
		{
			name: "the authorization server beside another issuer",
			yaml: "auth:\n  oauth: {issuer: https://login.example.dk, audience: https://mcp.example.dk/mcp}\n  server:\n    enabled: true\n    users: [{name: anna, password_bcrypt: $2b$10$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234, roles: [admin]}]\n",
			want: []string{"auth.oauth.issuer: is https://login.example.dk, but auth.server.enabled makes the host its own issuer (https://mcp.example.dk)"},
			not:  []string{"jwks_url"},
		},
		{
			name: "an authorization server user with a plaintext password",
			yaml: "auth:\n  server:\n    users: [{name: anna, password_bcrypt: hunter2}]\n",
			want: []string{"auth.server.users[0].password_bcrypt: \"hunter2\" is not allowed; use a bcrypt hash"},
		},
		{
			name: "authorization server users twice, without a password or grants",
			yaml: "auth:\n  server:\n    users: [{name: anna, roles: [admin]}, {name: anna}]\n",
			want: []string{"auth.server.users[1].name: anna is auth.server.users[0] too", "auth.server.users[0].password_bcrypt: required", "auth.server.users[1]: grants nothing"},
		},
		{
			name: "an authorization server issuer with a path",
			yaml: "auth: {server: {issuer: https://mcp.example.dk/auth}}\n",
			want: []string{"auth.server.issuer: "},
		},
		{
			name: "production without a Billy token",
			yaml: "mode: production\n",
			want: []string{"billy.api_key: required in production mode (env BILLY_API_KEY)"},
		},
		{
			name: "a new plugin without a path",
			yaml: "plugins:\n  ghost:\n",
			want: []string{"plugins.ghost.path: required for an enabled plugin"},
		},
		{
			name: "plugin_set: replace leaves built-in plugins without a path",
			yaml: "plugin_set: replace\nplugins:\n  invoices: {config: {region: dk}}\n",
			want: []string{"plugins.invoices.path: required for an enabled plugin"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := load(t, tt.yaml, tt.env...)
			if err == nil {
				t.Fatalf("Load succeeded, want an error containing %q; got config %+v", tt.want, cfg)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q; error:\n%v", w, err)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(err.Error(), n) {
					t.Errorf("error contains %q, which it must not; error:\n%v", n, err)
				}
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(Options{File: filepath.Join(t.TempDir(), "nope.yaml"), Environ: []string{}})
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing file) = %v, want an error wrapping os.ErrNotExist", err)
	}
}

func TestCheck(t *testing.T) {
	if err := Check(writeFile(t, "log: {level: debug}\n"), []string{}); err != nil {
		t.Errorf("Check(valid) = %v", err)
	}
	// Check does not look for plugin binaries: none of these exist.
	if err := Check(writeFile(t, "plugins: {ghost: {path: /does/not/exist}}\n"), []string{}); err != nil {
		t.Errorf("Check(missing binary) = %v, want nil", err)
	}
	if err := Check(writeFile(t, "log: {level: debug}\n"), []string{"BILLY_MCP_HTTP_ADDR=0.0.0.0:1"}); err == nil {
		t.Error("Check ignored the environment")
	}
	if err := Check(writeFile(t, "nope: 1\n"), []string{}); err == nil {
		t.Error("Check(unknown key) = nil")
	}
}
