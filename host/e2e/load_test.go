package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// loadReport is the part of `billy-mcp load --json` these tests read.
type loadReport struct {
	Transport      string  `json:"transport"`
	Protocol       string  `json:"protocol"`
	Clients        int     `json:"clients"`
	Calls          int     `json:"calls"`
	Successes      int     `json:"successes"`
	Errors         int     `json:"errors"`
	CallsPerSecond float64 `json:"calls_per_second"`
	Latency        struct {
		P50, P90, P99, Max float64
	} `json:"latency_ms"`
	ErrorsByCode []struct {
		Category, Code string
		Count          int
	} `json:"errors_by_code"`
	ServerCPU *struct {
		Seconds   float64 `json:"seconds"`
		PerCallUS float64 `json:"per_call_us"`
		Processes []struct {
			PID  int    `json:"pid"`
			Name string `json:"name"`
		} `json:"processes"`
	} `json:"server_cpu"`
}

const loadKey = "e2e-load-key-0123456789abcdef"

// runLoad runs `billy-mcp load` against h with the environment of a clean
// shell plus env, and returns its exit status, stdout and stderr.
func runLoad(t *testing.T, h *hostProc, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "billy-mcp"), append([]string{"load", "--url", h.url(""), "--quiet"}, args...)...)
	cmd.Env = append(baseEnv(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
}

func decodeLoad(t *testing.T, out string) loadReport {
	t.Helper()
	var r loadReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("load --json output does not parse: %v\n%s", err, out)
	}
	return r
}

// TestLoad drives the real host (moms plugin, an API key required) with
// `billy-mcp load` over REST and both MCP revisions: every call is counted
// once, failures by the host's category and code, and the host's and its
// plugin's CPU is read when their PIDs are given.
func TestLoad(t *testing.T) {
	// A benchmark turns the per-principal and per-organization rate
	// limits off: it is meant to find the host's own limits.
	h := startHost(t, "plugins:\n  moms: {path: billy-mcp-plugin-moms}\nauth: {principal_rate_per_second: 0, organization_rate_per_second: 0}\n",
		"MCP_API_KEY="+loadKey)
	h.waitReady(20 * time.Second)
	// A valid call, one the schema refuses, one the plugin refuses and an
	// unknown tool, played round-robin: 15 of each in 60 calls.
	replay := filepath.Join(t.TempDir(), "calls.jsonl")
	if err := os.WriteFile(replay, []byte(`{"tool":"calculate_vat","arguments":{"amount":1000,"direction":"net_to_gross"}}
{"tool":"calculate_vat","arguments":{"amount":"1000","direction":"net_to_gross"}}
{"tool":"calculate_vat","arguments":{"amount":1000,"direction":"sideways"}}
{"tool":"no_such_tool","arguments":{}}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	hostPID := strconv.Itoa(h.cmd.Process.Pid)
	type count struct {
		Category, Code string
		Count          int
	}
	for _, tc := range []struct {
		name    string
		args    []string
		unknown count // how the transport answers an unknown tool
	}{
		{"rest", []string{"--transport", "rest"}, count{"not_found", "tool_not_found", 15}},
		{"mcp 2025-11-25", []string{"--protocol", "2025-11-25"}, count{"protocol", "invalid_params", 15}},
		{"mcp 2026-07-28", []string{"--protocol", "2026-07-28"}, count{"protocol", "invalid_params", 15}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"--replay", replay, "--calls", "60", "--clients", "4", "--json", "--pids", hostPID, "--children"}, tc.args...)
			code, out, errs := runLoad(t, h, []string{"BILLY_LOAD_API_KEY=" + loadKey}, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			r := decodeLoad(t, out)
			if r.Calls != 60 || r.Successes+r.Errors != r.Calls || r.Successes != 15 {
				t.Errorf("calls %d = %d ok + %d errors; want 60 = 15 + 45", r.Calls, r.Successes, r.Errors)
			}
			var got []count
			for _, e := range r.ErrorsByCode {
				got = append(got, count{e.Category, e.Code, e.Count})
			}
			want := []count{{"validation", "invalid_arguments", 30}, tc.unknown}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("errors by code (-want +got):\n%s", diff)
			}
			if r.Latency.P50 <= 0 || r.Latency.P50 > r.Latency.P90 || r.Latency.P90 > r.Latency.P99 || r.Latency.P99 > r.Latency.Max {
				t.Errorf("latency percentiles out of order: %+v", r.Latency)
			}
			if r.ServerCPU == nil {
				t.Fatal("no server CPU with --pids")
			}
			var names []string
			for _, p := range r.ServerCPU.Processes {
				names = append(names, p.Name)
			}
			if diff := cmp.Diff([]string{"billy-mcp", "billy-mcp-plugin-moms"}, names); diff != "" || r.ServerCPU.Processes[0].PID != h.cmd.Process.Pid {
				t.Errorf("measured processes (-want +got):\n%s\n%+v", diff, r.ServerCPU.Processes)
			}
		})
	}

	// Found by the port it listens on, for a time: two seconds of calls
	// cost the host CPU time that /proc counts.
	t.Run("pid-of-host, text", func(t *testing.T) {
		code, out, errs := runLoad(t, h, nil, "--api-key", loadKey, "--pid-of-host", "--duration", "2s", "--warmup", "200ms", "--clients", "2",
			"--tool", "calculate_vat", "--args", `{"amount":1249,"direction":"gross_to_net"}`)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		for _, want := range []string{"mcp 2025-11-25", "calls/s", "latency p50", "server CPU", "billy-mcp[" + hostPID + "]", "billy-mcp-plugin-moms["} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "errors by category") {
			t.Errorf("errors in a run of valid calls:\n%s", out)
		}
	})
	t.Run("pid-of-host, JSON", func(t *testing.T) {
		code, out, errs := runLoad(t, h, nil, "--api-key", loadKey, "--pid-of-host", "--duration", "2s", "--warmup", "0", "--json",
			"--tool", "calculate_vat", "--args", `{"amount":1000,"direction":"net_to_gross"}`)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		r := decodeLoad(t, out)
		if r.ServerCPU == nil || r.ServerCPU.Seconds <= 0 || r.ServerCPU.PerCallUS <= 0 || len(r.ServerCPU.Processes) != 2 {
			t.Errorf("server CPU: %+v", r.ServerCPU)
		}
		if r.Calls == 0 || r.Errors != 0 || r.CallsPerSecond <= 0 {
			t.Errorf("calls %d, errors %d, %v/s", r.Calls, r.Errors, r.CallsPerSecond)
		}
	})

	t.Run("nothing succeeds", func(t *testing.T) {
		code, out, errs := runLoad(t, h, nil, "--api-key", loadKey, "--transport", "rest", "--calls", "5", "--warmup", "0", "--json", "--tool", "no_such_tool")
		if code != 1 || !strings.Contains(errs, "no call succeeded") {
			t.Errorf("exit %d, stderr %q; want 1 and why", code, errs)
		}
		if r := decodeLoad(t, out); r.Errors != 5 {
			t.Errorf("errors %d, want 5", r.Errors)
		}
	})
	t.Run("no API key", func(t *testing.T) {
		code, _, errs := runLoad(t, h, nil, "--calls", "5", "--tool", "calculate_vat")
		if code != 1 || !strings.Contains(errs, "--api-key or BILLY_LOAD_API_KEY") {
			t.Errorf("exit %d, stderr %q; want 1 and a hint at the key", code, errs)
		}
	})
	t.Run("a wrong flag", func(t *testing.T) {
		code, _, errs := runLoad(t, h, nil, "--tool", "calculate_vat", "--protocol", "2024-11-05")
		if code != 2 || !strings.Contains(errs, "--protocol must be 2025-11-25 or 2026-07-28") {
			t.Errorf("exit %d, stderr %q; want 2 and the flag named", code, errs)
		}
	})
}
