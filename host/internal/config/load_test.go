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
		"invoices": {Path: filepath.Join(exeDir, "billy-mcp-plugin-invoices")},
		"moms":     {Path: filepath.Join(exeDir, "billy-mcp-plugin-moms")},
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
				c.Calls = CallsConfig{Timeout: 2 * time.Minute, MaxBatch: 50}
				c.PluginDefaults.ChecksumsFile = "SUMS"
				c.PluginDefaults.StartTimeout = 3 * time.Second
				c.Writes.Mode = WritesOff
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
				c.Calls = CallsConfig{Timeout: 90 * time.Second, MaxBatch: 7}
				c.PluginDefaults.Dir = "/srv/plugins"
				c.PluginDefaults.RestartBackoffMax = time.Minute
				c.Plugins = map[string]PluginConfig{
					"invoices": {Path: "/srv/plugins/billy-mcp-plugin-invoices"},
					"moms":     {Path: "/srv/plugins/billy-mcp-plugin-moms"},
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
			name: "file plugins replace the defaults",
			yaml: `
plugins:
  moms:
    path: /usr/libexec/moms
    sha256: ` + strings.Repeat("ab", 32) + `
  reports:
    path: billy-mcp-plugin-reports
    enabled: false
`,
			want: func(c *Config) {
				c.Plugins = map[string]PluginConfig{
					"moms": {Path: "/usr/libexec/moms", SHA256: strings.Repeat("ab", 32)},
					// Disabled plugins are not started, so their paths are left as written.
					"reports": {Path: "billy-mcp-plugin-reports", Enabled: ptr(false)},
				}
			},
		},
		{
			name: "empty plugins section means no plugins",
			yaml: "plugins:\n#  invoices: {path: billy-mcp-plugin-invoices}\n",
			want: func(c *Config) { c.Plugins = map[string]PluginConfig{} },
		},
		{
			name: "no plugins section keeps the defaults",
			yaml: "log: {format: text}\n",
			want: func(c *Config) { c.Log.Format = "text" },
		},
		{
			name: "plugin config is free-form",
			yaml: `
plugins:
  invoices:
    path: billy-mcp-plugin-invoices
    config:
      anything: goes
      nested: {deeper: [1, two, {three: 3}], "dotted.key": true}
      1: numeric key
`,
			want: func(c *Config) {
				c.Plugins = map[string]PluginConfig{"invoices": {
					Path: filepath.Join(exeDir, "billy-mcp-plugin-invoices"),
					Config: map[string]any{
						"anything": "goes",
						"nested": map[string]any{
							"deeper":     []any{1, "two", map[string]any{"three": 3}},
							"dotted.key": true,
						},
						"1": "numeric key",
					},
				}}
			},
		},
		{
			name: "null sections and values keep their defaults",
			yaml: "http:\nlog:\n  level:\n  format: text\nbilly:\n",
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
			want: []string{"htpp: unknown key; allowed keys here: mode, http, log, billy, auth, calls, plugins, plugin_defaults, writes"},
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
			yaml: "http: {max_body_bytes: 18446744073709551615}\n",
			want: []string{`http.max_body_bytes: 18446744073709551615 is too large`},
		},
		{
			name: "list that is a string",
			yaml: "http: {allowed_hosts: example.com}\n",
			want: []string{`http.allowed_hosts: "example.com" is not a list of strings (use e.g. [a, b])`},
		},
		{
			name: "list with a non-string element",
			yaml: "http: {allowed_hosts: [ok, 5]}\n",
			want: []string{`http.allowed_hosts[1]: 5 is not a string (quote it)`},
		},
		{
			name: "string that is a number",
			yaml: "billy: {organization_id: 12345}\n",
			want: []string{`billy.organization_id: 12345 is not a string (quote it)`},
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
			want: []string{`plugins: a list is not a section`},
		},
		{
			name: "plugin config that is a scalar",
			yaml: "plugins: {x: {path: x, config: on}}\n",
			want: []string{`plugins.x.config: "on" is not a section`},
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
			name: "unknown BILLY_MCP_ variable with a suggestion",
			env:  []string{"BILLY_MCP_HTTP_ADR=127.0.0.1:1"},
			want: []string{"BILLY_MCP_HTTP_ADR: unknown environment variable; did you mean BILLY_MCP_HTTP_ADDR?"},
		},
		{
			name: "unknown BILLY_MCP_ variable far from any",
			env:  []string{"BILLY_MCP_COMPLETELY_DIFFERENT=1"},
			want: []string{"BILLY_MCP_COMPLETELY_DIFFERENT: unknown environment variable; known: ", "BILLY_MCP_HTTP_ADDR"},
		},
		{
			name: "plugins are not configurable from the environment",
			env:  []string{"BILLY_MCP_PLUGINS_INVOICES_PATH=x"},
			want: []string{"BILLY_MCP_PLUGINS_INVOICES_PATH: unknown environment variable; plugins can only be configured in the config file"},
		},
		{
			name: "bad duration from the environment",
			env:  []string{"BILLY_MCP_CALLS_TIMEOUT=soon"},
			want: []string{`BILLY_MCP_CALLS_TIMEOUT (calls.timeout): "soon" is not a duration (use e.g. 30s, 2m)`},
		},
		{
			name: "bad integer from the environment",
			env:  []string{"BILLY_MCP_CALLS_MAX_BATCH=20x"},
			want: []string{`BILLY_MCP_CALLS_MAX_BATCH (calls.max_batch): "20x" is not an integer`},
		},
		{
			name: "two names for one key",
			env:  []string{"BILLY_MCP_WRITES=off", "BILLY_MCP_WRITES_MODE=direct"},
			want: []string{"BILLY_MCP_WRITES and BILLY_MCP_WRITES_MODE both set writes.mode; set only one"},
		},
		{
			name: "file and environment problems are reported together",
			yaml: "calls: {timeout: soon}\n",
			env:  []string{"BILLY_MCP_NOPE=1"},
			want: []string{"calls.timeout:", "BILLY_MCP_NOPE:"},
		},
		{
			name: "values are validated after loading",
			yaml: "log: {level: loud}\ncalls: {max_batch: 0}\n",
			env:  []string{"BILLY_MCP_WRITES=sometimes"},
			want: []string{
				`log.level: "loud" is not allowed; use one of "trace", "debug", "info", "warn", "error"`,
				`calls.max_batch: 0 is not allowed; use 1 to 1000`,
				`writes.mode: "sometimes" is not allowed; use one of "off", "confirm", "direct", or leave it unset to derive it`,
			},
		},
		{
			name: "non-loopback without authentication",
			yaml: "http: {addr: 0.0.0.0:8080}\n",
			want: []string{"refusing to serve without authentication on non-loopback address 0.0.0.0:8080: set auth.api_keys (env MCP_API_KEY) or bind to 127.0.0.1"},
		},
		{
			name: "all interfaces without authentication",
			env:  []string{"BILLY_MCP_HTTP_ADDR=:8080"},
			want: []string{"refusing to serve without authentication on non-loopback address :8080"},
		},
		{
			name: "production without a Billy token",
			yaml: "mode: production\n",
			want: []string{"billy.api_key: required in production mode (env BILLY_API_KEY)"},
		},
		{
			name: "plugin without a path",
			yaml: "plugins:\n  invoices:\n",
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

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *Config)
		want   string
	}{
		{"addr without port", func(c *Config) { c.HTTP.Addr = "localhost" }, `http.addr: "localhost" is not host:port`},
		{"addr with named port", func(c *Config) { c.HTTP.Addr = "localhost:http" }, `http.addr: "localhost:http" has no numeric port`},
		{"log level", func(c *Config) { c.Log.Level = "INFO" }, `log.level: "INFO" is not allowed`},
		{"log format", func(c *Config) { c.Log.Format = "xml" }, `log.format: "xml" is not allowed; use one of "json", "text"`},
		{"mode", func(c *Config) { c.Mode = "staging" }, `mode: "staging" is not allowed; use one of "sandbox", "production", or leave it unset`},
		{"writes mode", func(c *Config) { c.Writes.Mode = "yes" }, `writes.mode: "yes" is not allowed`},
		{"api base not absolute", func(c *Config) { c.Billy.APIBase = "/v2" }, `billy.api_base: "/v2" is not an absolute http(s) URL`},
		{"api base wrong scheme", func(c *Config) { c.Billy.APIBase = "ftp://billy/v2" }, `billy.api_base: "ftp://billy/v2" is not an absolute http(s) URL`},
		{"zero timeout", func(c *Config) { c.Calls.Timeout = 0 }, `calls.timeout: 0s is not allowed; use a duration > 0`},
		{"negative timeout", func(c *Config) { c.Billy.Timeout = -time.Second }, `billy.timeout: -1s is not allowed`},
		{"zero shutdown", func(c *Config) { c.HTTP.ShutdownTimeout = 0 }, `http.shutdown_timeout: 0s`},
		{"zero start timeout", func(c *Config) { c.PluginDefaults.StartTimeout = 0 }, `plugin_defaults.start_timeout: 0s`},
		{"zero health interval", func(c *Config) { c.PluginDefaults.HealthInterval = 0 }, `plugin_defaults.health_interval: 0s`},
		{"backoff inverted", func(c *Config) { c.PluginDefaults.RestartBackoffInitial = time.Minute }, `plugin_defaults.restart_backoff_initial: 1m0s is more than plugin_defaults.restart_backoff_max (30s)`},
		{"batch too big", func(c *Config) { c.Calls.MaxBatch = 1001 }, `calls.max_batch: 1001 is not allowed; use 1 to 1000`},
		{"body size", func(c *Config) { c.HTTP.MaxBodyBytes = 0 }, `http.max_body_bytes: 0 is not allowed`},
		{"plugin name", func(c *Config) { c.Plugins["Invoices"] = PluginConfig{Path: "x"} }, `plugins.Invoices: "Invoices" is not a plugin name`},
		{"plugin name too long", func(c *Config) { c.Plugins["a"+strings.Repeat("b", 40)] = PluginConfig{Path: "x"} }, `is not a plugin name; use 1 to 40`},
		{"plugin sha256", func(c *Config) { c.Plugins["moms"] = PluginConfig{Path: "x", SHA256: "abc"} }, `plugins.moms.sha256: "abc" is not a SHA-256 checksum; use 64 hex characters`},
		{"plugin path", func(c *Config) { c.Plugins["moms"] = PluginConfig{} }, `plugins.moms.path: required for an enabled plugin`},
		{"short api key", func(c *Config) { c.Auth.APIKeys = []string{validKey, "short"} }, `auth.api_keys[1]: too short (5 characters); use at least 16`},
		{"allowed origin with path", func(c *Config) { c.HTTP.AllowedOrigins = []string{"https://claude.ai/chat"} }, `http.allowed_origins[0]: "https://claude.ai/chat" is not an origin`},
		{"allowed origin with slash", func(c *Config) { c.HTTP.AllowedOrigins = []string{"https://claude.ai/"} }, `http.allowed_origins[0]: "https://claude.ai/" ends in /`},
		{"allowed host as URL", func(c *Config) { c.HTTP.AllowedHosts = []string{"https://mcp.example.dk"} }, `http.allowed_hosts[0]: "https://mcp.example.dk" is not a Host header value`},
		{"production without token", func(c *Config) { c.Mode = ModeProduction }, `billy.api_key: required in production mode`},
		{"non-loopback", func(c *Config) { c.HTTP.Addr = "10.0.0.5:8080" }, `refusing to serve without authentication on non-loopback address 10.0.0.5:8080`},
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

	t.Run("every problem is reported", func(t *testing.T) {
		c := Default()
		c.Log.Level = "x"
		c.Calls.MaxBatch = 0
		c.HTTP.Addr = "nope"
		err := c.Validate()
		if err == nil {
			t.Fatal("Validate() = nil")
		}
		if n := len(strings.Split(err.Error(), "\n")); n != 3 {
			t.Errorf("Validate() reported %d problems, want 3:\n%v", n, err)
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

func TestRedacted(t *testing.T) {
	c := loaded()
	c.Billy.APIKey = "billy-secret"
	c.Auth.APIKeys = []string{validKey, validKey + "2"}
	c.Plugins["invoices"] = PluginConfig{
		Path:    "x",
		Enabled: ptr(true),
		Config: map[string]any{
			"region":  "dk",
			"token":   "plugin-secret",
			"nested":  map[string]any{"apiKey": "nested-secret", "list": []any{map[string]any{"password": "in-list"}}},
			"api_key": nil,
		},
	}

	r := c.Redacted()

	want := loaded()
	want.Billy.APIKey = Redaction
	want.Auth.APIKeys = []string{Redaction, Redaction}
	want.Plugins["invoices"] = PluginConfig{
		Path:    "x",
		Enabled: ptr(true),
		Config: map[string]any{
			"region":  "dk",
			"token":   Redaction,
			"nested":  map[string]any{"apiKey": Redaction, "list": []any{map[string]any{"password": Redaction}}},
			"api_key": nil,
		},
	}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("Redacted mismatch (-want +got):\n%s", diff)
	}

	// The original is untouched: Redacted is for logging, not a mutation.
	if c.Billy.APIKey != "billy-secret" || c.Auth.APIKeys[0] != validKey || c.Plugins["invoices"].Config["token"] != "plugin-secret" {
		t.Errorf("Redacted changed the original: %+v", c)
	}
	*r.Plugins["invoices"].Enabled = false
	if !c.Plugins["invoices"].IsEnabled() {
		t.Error("Redacted shares the Enabled pointer with the original")
	}

	// An unset secret stays visibly unset.
	if got := Default().Redacted().Billy.APIKey; got != "" {
		t.Errorf("Redacted empty api_key = %q, want empty", got)
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

// TestExampleConfigs keeps the shipped configs loadable: they are what
// operators copy.
func TestExampleConfigs(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "configs")
	tests := []struct {
		file  string
		env   []string
		check func(t *testing.T, c *Config)
	}{
		{
			file: "production.example.yaml",
			// The example keeps secrets out of the file, as it tells operators to.
			env: []string{"BILLY_API_KEY=billy-token", "MCP_API_KEY=" + validKey},
			check: func(t *testing.T, c *Config) {
				if c.Mode != ModeProduction || c.Writes.Mode != WritesConfirm {
					t.Errorf("mode %q, writes.mode %q; want production, confirm", c.Mode, c.Writes.Mode)
				}
				if _, ok := c.Plugins["conformance"]; ok {
					t.Error("the production example enables the conformance plugin")
				}
			},
		},
		{
			file: "conformance.yaml",
			check: func(t *testing.T, c *Config) {
				if c.Mode != ModeSandbox {
					t.Errorf("mode %q, want sandbox", c.Mode)
				}
				want := map[string]PluginConfig{"conformance": {Path: filepath.Join(exeDir, "billy-mcp-plugin-conformance")}}
				if diff := cmp.Diff(want, c.Plugins); diff != "" {
					t.Errorf("plugins (-want +got):\n%s", diff)
				}
			},
		},
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(tests) {
		t.Errorf("configs/ has %d YAML files %v; this test knows %d: add the new ones here", len(files), files, len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			c, err := Load(Options{File: filepath.Join(dir, tt.file), Environ: append([]string{}, tt.env...), ExecutableDir: exeDir})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if err := c.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
			tt.check(t, c)
		})
	}
}

// TestEnvKeys checks the environment table against the schema: every
// settable key has its BILLY_MCP_ name.
func TestEnvKeys(t *testing.T) {
	for name, key := range map[string]string{
		"HTTP_ADDR":                               "http.addr",
		"HTTP_ALLOWED_HOSTS":                      "http.allowed_hosts",
		"LOG_LEVEL":                               "log.level",
		"CALLS_TIMEOUT":                           "calls.timeout",
		"CALLS_MAX_BATCH":                         "calls.max_batch",
		"PLUGIN_DEFAULTS_DIR":                     "plugin_defaults.dir",
		"PLUGIN_DEFAULTS_CHECKSUMS_FILE":          "plugin_defaults.checksums_file",
		"PLUGIN_DEFAULTS_RESTART_BACKOFF_INITIAL": "plugin_defaults.restart_backoff_initial",
		"BILLY_API_KEY":                           "billy.api_key",
		"AUTH_API_KEYS":                           "auth.api_keys",
		"MODE":                                    "mode",
		"WRITES":                                  "writes.mode",
		"WRITES_MODE":                             "writes.mode",
	} {
		if got := envKeys[name].key; got != key {
			t.Errorf("%s%s → %q, want %q", EnvPrefix, name, got, key)
		}
	}
	for name := range envKeys {
		if strings.HasPrefix(name, "PLUGINS") {
			t.Errorf("%s%s: plugins must not be settable from the environment", EnvPrefix, name)
		}
	}
}

// FuzzLoad feeds arbitrary bytes to Load as the config file. Load must
// never panic, and whatever it accepts must be valid and redactable.
func FuzzLoad(f *testing.F) {
	for _, seed := range []string{
		"",
		"http: {addr: 127.0.0.1:1}\n",
		"plugins:\n  a: {path: x, config: {k: [1, {b: c}], 1: 2}}\n",
		"plugins:\n  a:\n",
		"plugins:\n",
		"calls: {timeout: soon, max_batch: 1e3}\n",
		"http: 5\nlog: [a]\n",
		"a: &x {b: *x}\n",
		"billy: {timeout: !!binary aGVsbG8=}\n",
		"? [a, b]\n: c\n",
		"mode: production\nbilly: {api_key: k}\nauth: {api_keys: [0123456789abcdef]}\nhttp: {addr: ':1'}\n",
	} {
		f.Add([]byte(seed))
	}
	for _, p := range []string{"production.example.yaml", "conformance.yaml"} {
		if b, err := os.ReadFile(filepath.Join("..", "..", "..", "configs", p)); err == nil {
			f.Add(b)
		}
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "fuzz.yaml")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load(Options{File: p, Environ: []string{}, ExecutableDir: exeDir})
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Errorf("Load accepted a config that Validate rejects: %v", err)
		}
		if c.Mode == "" || c.Writes.Mode == "" || !filepath.IsAbs(c.PluginDefaults.Dir) {
			t.Errorf("Load left derived fields unset: mode %q, writes.mode %q, dir %q", c.Mode, c.Writes.Mode, c.PluginDefaults.Dir)
		}
		_ = c.Redacted()
	})
}
