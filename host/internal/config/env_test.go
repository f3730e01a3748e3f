package config

import (
	"strings"
	"testing"
)

func TestEnvErrors(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want []string // each must appear in the error
		not  []string // none may appear (secrets)
	}{
		{
			name: "unknown BILLY_MCP_ variable with a suggestion",
			env:  []string{"BILLY_MCP_HTTP_ADR=127.0.0.1:1"},
			want: []string{"BILLY_MCP_HTTP_ADR: unknown environment variable; did you mean BILLY_MCP_HTTP_ADDR?"},
		},
		{
			name: "unknown BILLY_MCP_ variable far from any",
			env:  []string{"BILLY_MCP_COMPLETELY_DIFFERENT=1"},
			want: []string{"BILLY_MCP_COMPLETELY_DIFFERENT: unknown environment variable; known: ", "BILLY_MCP_HTTP_ADDR", "BILLY_MCP_PLUGIN_SET"},
		},
		{
			name: "plugins are not configurable from the environment",
			env:  []string{"BILLY_MCP_PLUGINS_INVOICES_PATH=x"},
			want: []string{"BILLY_MCP_PLUGINS_INVOICES_PATH: unknown environment variable; plugins can only be configured in the config file"},
		},
		{
			name: "bad duration",
			env:  []string{"BILLY_MCP_CALLS_TIMEOUT=soon", "BILLY_MCP_BILLY_TIMEOUT=0s"},
			want: []string{
				`BILLY_MCP_CALLS_TIMEOUT (calls.timeout): "soon" is not a duration (use e.g. 30s, 2m)`,
				`BILLY_MCP_BILLY_TIMEOUT (billy.timeout): "0s" is not allowed; use a duration > 0`,
			},
		},
		{
			name: "bad integer",
			env:  []string{"BILLY_MCP_CALLS_MAX_BATCH=20x"},
			want: []string{`BILLY_MCP_CALLS_MAX_BATCH (calls.max_batch): "20x" is not an integer`},
		},
		{
			name: "integer out of range",
			env:  []string{"BILLY_MCP_CALLS_MAX_BATCH=5000"},
			want: []string{`BILLY_MCP_CALLS_MAX_BATCH (calls.max_batch): 5000 is not allowed; use 1 to 1000 (default 20)`},
		},
		{
			name: "value not in the allowed set",
			env:  []string{"BILLY_MCP_WRITES=sometimes", "BILLY_MCP_PLUGIN_SET=all"},
			want: []string{
				`BILLY_MCP_WRITES (writes.mode): "sometimes" is not allowed; use one of "off", "confirm", "direct", or leave it unset to derive it`,
				`BILLY_MCP_PLUGIN_SET (plugin_set): "all" is not allowed; use one of "add", "replace"`,
			},
		},
		{
			name: "list element that breaks a pattern",
			env:  []string{"BILLY_MCP_HTTP_ALLOWED_ORIGINS=https://claude.ai,https://chatgpt.com/"},
			want: []string{`BILLY_MCP_HTTP_ALLOWED_ORIGINS (http.allowed_origins[1]): "https://chatgpt.com/" is not allowed; use an origin`},
		},
		{
			name: "v1 names are checked too",
			env:  []string{"LOG_LEVEL=loud", "BILLY_API_BASE=billy.example"},
			want: []string{
				`LOG_LEVEL (log.level): "loud" is not allowed; use one of "trace"`,
				`BILLY_API_BASE (billy.api_base): "billy.example" is not allowed; use an absolute http(s) URL`,
			},
		},
		{
			name: "short API keys are not echoed",
			env:  []string{"MCP_API_KEY=hunter2"},
			want: []string{"MCP_API_KEY (auth.api_keys[0]): too short (7 characters); use at least 16 characters"},
			not:  []string{"hunter2"},
		},
		{
			name: "two names for one key",
			env:  []string{"BILLY_MCP_WRITES_MODE=direct", "BILLY_MCP_WRITES=off"},
			want: []string{"BILLY_MCP_WRITES and BILLY_MCP_WRITES_MODE both set writes.mode; set only one"},
		},
		{
			name: "values the merged configuration rejects",
			env:  []string{"BILLY_MCP_HTTP_ADDR=nowhere"},
			want: []string{`http.addr: "nowhere" is not host:port`},
		},
		{
			name: "all interfaces without authentication",
			env:  []string{"BILLY_MCP_HTTP_ADDR=:8080"},
			want: []string{"refusing to serve without authentication on non-loopback address :8080"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := load(t, "", tt.env...)
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

// TestEnvKeys checks the environment table derived from the schema: every
// settable key has its BILLY_MCP_ name, and plugins have none.
func TestEnvKeys(t *testing.T) {
	for name, key := range map[string]string{
		"HTTP_ADDR":                      "http.addr",
		"HTTP_ALLOWED_HOSTS":             "http.allowed_hosts",
		"LOG_LEVEL":                      "log.level",
		"CALLS_TIMEOUT":                  "calls.timeout",
		"CALLS_MAX_BATCH":                "calls.max_batch",
		"PLUGIN_SET":                     "plugin_set",
		"PLUGIN_DEFAULTS_DIR":            "plugin_defaults.dir",
		"PLUGIN_DEFAULTS_CHECKSUMS_FILE": "plugin_defaults.checksums_file",
		"PLUGIN_DEFAULTS_RESTART_BACKOFF_INITIAL": "plugin_defaults.restart_backoff_initial",
		"BILLY_API_KEY": "billy.api_key",
		"AUTH_API_KEYS": "auth.api_keys",
		"MODE":          "mode",
		"WRITES":        "writes.mode",
		"WRITES_MODE":   "writes.mode",
		"SANDBOX_SEED":  "sandbox.seed",
	} {
		if got := envKeys()[name].path; got != key {
			t.Errorf("%s%s → %q, want %q", EnvPrefix, name, got, key)
		}
	}
	for name := range envKeys() {
		if strings.HasPrefix(name, "PLUGINS") {
			t.Errorf("%s%s: plugins must not be settable from the environment", EnvPrefix, name)
		}
	}
}

func TestEnvNames(t *testing.T) {
	for key, want := range map[string]string{
		"http.addr":             "BILLY_MCP_HTTP_ADDR",
		"writes.mode":           "BILLY_MCP_WRITES_MODE or BILLY_MCP_WRITES",
		"billy.organization_id": "BILLY_MCP_BILLY_ORGANIZATION_ID, or v1's BILLY_ORGANIZATION_ID or BILLY_ORG_ID",
		"auth.api_keys":         "BILLY_MCP_AUTH_API_KEYS (comma-separated), or v1's MCP_API_KEY",
		"plugins.*.path":        "",
	} {
		if got := envNames(key, key == "auth.api_keys"); got != want {
			t.Errorf("envNames(%s) = %q, want %q", key, got, want)
		}
	}
}
