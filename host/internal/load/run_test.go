package load

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// mcpServer is an MCP server with a tool that succeeds and one that fails
// the way the host's tools do; it wants the API key "k".
func mcpServer(t *testing.T) string {
	s := server.NewMCPServer("test", "1", server.WithToolCapabilities(false))
	s.AddTool(mcp.NewTool("ok_tool"), func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return mcp.NewToolResultStructured(map[string]any{"x": 1}, `{"x":1}`), nil
	})
	s.AddTool(mcp.NewTool("fail_tool"), func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return mcp.NewToolResultError(`{"error":{"code":"already_paid","category":"conflict","message":"paid"}}`), nil
	})
	h := server.NewStreamableHTTPServer(s)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer k" {
			http.Error(w, "no key", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// restServer answers the v1 REST API's envelopes for the same tools.
func restServer(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Arguments map[string]any `json:"arguments"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Arguments == nil || r.Header.Get("Authorization") != "Bearer k" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		switch strings.TrimPrefix(r.URL.Path, "/api/v1/tools/") {
		case "ok_tool":
			io.WriteString(w, `{"success":true,"data":{"x":1}}`)
		case "fail_tool":
			w.WriteHeader(http.StatusConflict)
			io.WriteString(w, `{"success":false,"error":{"code":"already_paid","category":"conflict","message":"paid"}}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"success":false,"error":{"code":"tool_not_found","category":"not_found","message":"no"}}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func replayOf(t *testing.T, lines string) *Workload {
	t.Helper()
	w, err := ParseReplay("r.jsonl", []byte(lines))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// TestRunCounts: every call is counted once, as a success or under its
// category and code, on every transport.
func TestRunCounts(t *testing.T) {
	const records = "{\"tool\":\"ok_tool\",\"arguments\":{\"a\":1}}\n{\"tool\":\"fail_tool\"}\n{\"tool\":\"no_such_tool\"}\n"
	mcpURL, restURL := mcpServer(t), restServer(t)
	tests := []struct {
		name           string
		transport, url string
		protocol       string
		unknown        ErrorCount
	}{
		{"MCP 2025-11-25", TransportMCP, mcpURL, "2025-11-25", ErrorCount{Category: "protocol", Code: "invalid_params", Count: 10}},
		{"MCP 2026-07-28", TransportMCP, mcpURL, "2026-07-28", ErrorCount{Category: "protocol", Code: "invalid_params", Count: 10}},
		{"REST", TransportREST, restURL, "", ErrorCount{Category: "not_found", Code: "tool_not_found", Count: 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Run(context.Background(), Options{
				Transport: tt.transport, Protocol: tt.protocol, URL: tt.url, MCPPath: "/mcp", APIKey: "k",
				Clients: 3, Calls: 30, Timeout: 10 * time.Second, Workload: replayOf(t, records),
				PIDs: []int{os.Getpid()}, // the servers run in this process
			})
			if err != nil {
				t.Fatal(err)
			}
			got := struct{ Calls, Successes, Errors int }{r.Calls, r.Successes, r.Errors}
			if diff := cmp.Diff(struct{ Calls, Successes, Errors int }{30, 10, 20}, got); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
			for i := range r.ErrorsByCode {
				r.ErrorsByCode[i].Example = ""
			}
			want := []ErrorCount{{Category: "conflict", Code: "already_paid", Count: 10}, tt.unknown}
			if diff := cmp.Diff(want, r.ErrorsByCode, sortErrors); diff != "" {
				t.Errorf("errors by code (-want +got):\n%s", diff)
			}
			if r.ServerCPU == nil || len(r.ServerCPU.Processes) != 1 || r.ServerCPU.Processes[0].PID != os.Getpid() {
				t.Errorf("server CPU of this process: %+v", r.ServerCPU)
			}
			if r.MachineCPU == nil || r.MachineCPU.OtherCores == nil {
				t.Errorf("machine CPU: %+v", r.MachineCPU)
			}
			if len(r.Tools) != 3 {
				t.Errorf("per-tool figures for %d tools, want 3: %+v", len(r.Tools), r.Tools)
			}
		})
	}
}

var sortErrors = cmp.Transformer("sorted", func(in []ErrorCount) map[string]int {
	out := map[string]int{}
	for _, e := range in {
		out[e.Category+"/"+e.Code] = e.Count
	}
	return out
})

// TestRunForATime: a timed run measures after its warm-up, and reports what
// it made.
func TestRunForATime(t *testing.T) {
	r, err := Run(context.Background(), Options{
		Transport: TransportMCP, Protocol: "2025-11-25", URL: mcpServer(t), MCPPath: "/mcp", APIKey: "k",
		Clients: 2, Duration: 300 * time.Millisecond, Warmup: 100 * time.Millisecond, Timeout: 10 * time.Second,
		Workload: Fixed(call("ok_tool", "{}")),
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Calls == 0 || r.Calls != r.Successes+r.Errors || r.Errors != 0 {
		t.Errorf("calls %d = %d ok + %d errors", r.Calls, r.Successes, r.Errors)
	}
	if r.ElapsedSeconds < 0.3 || r.CallsPerSecond <= 0 || r.Latency.P50 <= 0 || r.Latency.Max < r.Latency.P99 {
		t.Errorf("figures: %+v", r)
	}
}

func TestRunRefusedKey(t *testing.T) {
	_, err := Run(context.Background(), Options{
		Transport: TransportMCP, Protocol: "2025-11-25", URL: mcpServer(t), MCPPath: "/mcp",
		Clients: 2, Calls: 1, Timeout: 10 * time.Second, Workload: Fixed(call("ok_tool", "{}")),
	})
	if err == nil || !strings.Contains(err.Error(), "--api-key or BILLY_LOAD_API_KEY") || !strings.Contains(err.Error(), "and 1 more clients") {
		t.Errorf("error %v, want one that asks for the API key once", err)
	}
}

// TestCommand: the command's output, JSON or text, and its exit status.
func TestCommand(t *testing.T) {
	url := mcpServer(t)
	run := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := Command(append([]string{"--url", url, "--api-key", "k", "--quiet", "--warmup", "0"}, args...), &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}

	code, out, errs := run("--tool", "ok_tool", "--calls", "20", "--clients", "2", "--json", "--label", "bare")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var r Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("--json output does not parse: %v\n%s", err, out)
	}
	if r.Calls != 20 || r.Successes != 20 || r.Label != "bare" || r.Workload != "ok_tool" || r.Protocol != "2025-11-25" {
		t.Errorf("report: %+v", r)
	}
	for _, field := range []string{`"calls_per_second"`, `"latency_ms"`, `"p50"`, `"p90"`, `"p99"`, `"max"`, `"errors_by_code"`, `"machine_cores"`} {
		if !strings.Contains(out, field) {
			t.Errorf("--json output lacks %s:\n%s", field, out)
		}
	}

	code, out, errs = run("--tool", "fail_tool", "--calls", "3")
	if code != 1 || !strings.Contains(errs, "no call succeeded") {
		t.Errorf("nothing succeeded: exit %d, stderr %q; want 1 and a message", code, errs)
	}
	for _, want := range []string{"calls/s", "latency p50", "errors by category and code", "conflict", "already_paid"} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}

	code, _, errs = run("--tool", "ok_tool", "--clients", "-1")
	if code != 2 || !strings.Contains(errs, "--clients") {
		t.Errorf("a wrong flag: exit %d, stderr %q; want 2 and the flag named", code, errs)
	}
}
