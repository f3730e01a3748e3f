package load

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParseFlags(t *testing.T) {
	dir := t.TempDir()
	replay := filepath.Join(dir, "r.jsonl")
	workload := filepath.Join(dir, "w.yaml")
	if err := os.WriteFile(replay, []byte("{\"tool\":\"a\"}\n{\"tool\":\"b\"}\n{\"tool\":\"c\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(workload, []byte("calls: [{tool: a}]"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	defaults := Options{URL: "http://127.0.0.1:8080", Transport: "mcp", Protocol: "2025-11-25", MCPPath: "/mcp",
		Clients: 1, Duration: 10 * time.Second, Warmup: time.Second, Timeout: 30 * time.Second, Seed: 1}
	with := func(change func(*Options)) Options {
		o := defaults
		change(&o)
		return o
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want Options // Workload is checked by its description
		what string  // the workload's description
		err  string
	}{
		{name: "a tool, defaults", args: []string{"--tool", "calculate_vat"}, want: defaults, what: "calculate_vat"},
		{name: "REST, a count, a key from the environment", args: []string{"--transport", "rest", "--calls", "500", "--clients", "16", "--tool", "t", "--url", "http://h:1/"},
			env: map[string]string{APIKeyEnv: "k"},
			want: with(func(o *Options) {
				o.Transport, o.Calls, o.Clients, o.URL, o.APIKey = "rest", 500, 16, "http://h:1", "k"
			}), what: "t"},
		{name: "--api-key wins over the environment", args: []string{"--tool", "t", "--api-key", "flag"}, env: map[string]string{APIKeyEnv: "env"},
			want: with(func(o *Options) { o.APIKey = "flag" }), what: "t"},
		{name: "the default URL follows BILLY_MCP_HTTP_ADDR", args: []string{"--tool", "t"}, env: map[string]string{"BILLY_MCP_HTTP_ADDR": "127.0.0.1:9000"},
			want: with(func(o *Options) { o.URL = "http://127.0.0.1:9000" }), what: "t"},
		{name: "a replay plays once, without warm-up", args: []string{"--replay", replay, "--clients", "2"},
			want: with(func(o *Options) { o.Clients, o.Calls, o.Warmup = 2, 3, 0 }), what: "replay: " + replay + " (3 calls)"},
		{name: "a replay for a time, warmed up when asked", args: []string{"--replay", replay, "--duration", "5s", "--warmup", "2s"},
			want: with(func(o *Options) { o.Duration, o.Warmup = 5*time.Second, 2*time.Second }), what: "replay: " + replay + " (3 calls)"},
		{name: "a workload, CPU of processes and their children", args: []string{"--workload", workload, "--pids", "12, 34,12", "--children", "--protocol", "2026-07-28"},
			want: with(func(o *Options) { o.PIDs, o.Children, o.Protocol = []int{12, 34}, true, "2026-07-28" }), what: "mixed: " + workload + " (1 call)"},

		{name: "nothing to call", args: nil, err: "say what to call: --tool"},
		{name: "two things to call", args: []string{"--tool", "t", "--replay", replay}, err: "--tool and --replay exclude each other"},
		{name: "--args without --tool", args: []string{"--workload", workload, "--args", "{}"}, err: "--args goes with --tool"},
		{name: "--args not an object", args: []string{"--tool", "t", "--args", "[]"}, err: "--args: arguments must be a JSON object {...}, got an array"},
		{name: "--args not JSON", args: []string{"--tool", "t", "--args", "{"}, err: "--args: arguments are not valid JSON"},
		{name: "empty --tool", args: []string{"--tool", ""}, err: "--tool must name a tool"},
		{name: "missing workload file", args: []string{"--workload", filepath.Join(dir, "nope")}, err: "--workload: open"},
		{name: "bad replay file", args: []string{"--replay", workload}, err: "--replay: " + workload + ":1:"},
		{name: "unknown transport", args: []string{"--tool", "t", "--transport", "grpc"}, err: `--transport must be mcp or rest, got "grpc"`},
		{name: "unknown protocol", args: []string{"--tool", "t", "--protocol", "2025-03-26"}, err: `--protocol must be 2025-11-25 or 2026-07-28, got "2025-03-26"`},
		{name: "a protocol for REST", args: []string{"--tool", "t", "--transport", "rest", "--protocol", "2026-07-28"}, err: "--protocol and --mcp-path are for --transport mcp"},
		{name: "mcp path", args: []string{"--tool", "t", "--mcp-path", "mcp"}, err: "--mcp-path must start with /"},
		{name: "no clients", args: []string{"--tool", "t", "--clients", "0"}, err: "--clients must be 1 or more, got 0"},
		{name: "duration and calls", args: []string{"--tool", "t", "--calls", "5", "--duration", "1s"}, err: "--duration and --calls exclude each other"},
		{name: "zero calls", args: []string{"--tool", "t", "--calls", "0"}, err: "--calls must be 1 or more, got 0"},
		{name: "negative calls", args: []string{"--tool", "t", "--calls", "-3"}, err: "--calls must be 1 or more, got -3"},
		{name: "zero duration", args: []string{"--tool", "t", "--duration", "0s"}, err: "--duration must be more than 0"},
		{name: "negative warm-up", args: []string{"--tool", "t", "--warmup", "-1s"}, err: "--warmup must be 0 or more"},
		{name: "zero timeout", args: []string{"--tool", "t", "--timeout", "0s"}, err: "--timeout must be more than 0"},
		{name: "not a URL", args: []string{"--tool", "t", "--url", "127.0.0.1:8080"}, err: `--url must be an http:// or https:// URL, got "127.0.0.1:8080"`},
		{name: "bad PID", args: []string{"--tool", "t", "--pids", "12,x"}, err: `--pids: "x" is not a process ID`},
		{name: "children without PIDs", args: []string{"--tool", "t", "--children"}, err: "--children goes with --pids"},
		{name: "a stray argument", args: []string{"--tool", "t", "calculate_vat"}, err: `unexpected argument "calculate_vat"`},
		{name: "an unknown flag", args: []string{"--tool", "t", "--client", "3"}, err: "flag provided but not defined: -client"},
		{name: "a bad number", args: []string{"--clients", "many", "--tool", "t"}, err: `invalid value "many" for flag -clients`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env = tt.env
			c, err := parseFlags(tt.args, getenv, io.Discard)
			if tt.err != "" {
				if _, ok := err.(usageError); !ok || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v (%T), want a usage error with %q", err, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.what, c.opts.Workload.Describe); diff != "" {
				t.Errorf("workload (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, c.opts, cmpopts.IgnoreFields(Options{}, "Workload")); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}
