package e2e

import (
	"context"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// TestReloadStartsStopsAndRestartsPlugins: a SIGHUP whose file disables a
// plugin, enables another and changes a third starts, stops and restarts
// exactly those. The disabled plugin's tools leave the list at once, yet a
// call already in it runs to its end before its process is stopped; the
// session opened before the reload is told the list changed and keeps
// working; the plugins the file left alone keep their processes.
func TestReloadStartsStopsAndRestartsPlugins(t *testing.T) {
	h := startHost(t, "plugins:\n  hello: {path: billy-mcp-plugin-hello}\n  conformance: {path: billy-mcp-plugin-conformance}\n  invoices: {path: billy-mcp-plugin-invoices}\n")
	h.waitReady(20 * time.Second)
	//lint:ignore SA1019 the GET stream is where this session hears tools/list_changed.
	c := h.mcpHTTP(transport.WithContinuousListening())
	var listChanged atomic.Int32
	c.OnNotification(func(n mcp.JSONRPCNotification) {
		if n.Method == string(mcp.MethodNotificationToolsListChanged) {
			listChanged.Add(1)
		}
	})
	pid := func(name string) int {
		st := h.pluginStatus(name)
		if st == nil {
			return 0
		}
		return int(st["pid"].(float64))
	}
	helloPID, conformancePID, invoicesPID := pid("hello"), pid("conformance"), pid("invoices")

	// A call that takes three seconds, in the hello plugin when the reload
	// disables it.
	counted := make(chan *mcp.CallToolResult, 1)
	go func() { counted <- callTool(t, c, "hello_count", map[string]any{"n": 30, "delay_ms": 100}) }()
	waitInFlight(t, h, "hello")

	original, err := os.ReadFile(h.cfg)
	if err != nil {
		t.Fatal(err)
	}
	edit := strings.NewReplacer(
		"hello: {path: billy-mcp-plugin-hello}", "hello: {path: billy-mcp-plugin-hello, enabled: false}",
		"conformance: {path: billy-mcp-plugin-conformance}", "conformance: {path: billy-mcp-plugin-conformance, max_procs: 2}\n  moms: {path: billy-mcp-plugin-moms}",
	).Replace(string(original))
	if err := os.WriteFile(h.cfg, []byte(edit), 0o644); err != nil {
		t.Fatal(err)
	}
	reloads := countLines(h, func(l logLine) bool { return l.Message == "configuration reloaded" })
	if err := h.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	// hello's tools go at once, while its call is still running.
	waitFor(t, "hello's tools to leave the list", func() bool { return !hasTool(t, c, "hello_greet") })

	res := <-counted
	if res.IsError {
		t.Fatalf("the call in the plugin being disabled failed: %v", res.Content)
	}
	if got := structured(t, res).(map[string]any)["counted"]; got != float64(30) {
		t.Errorf("hello_count counted to %v, want 30", got)
	}

	var r logLine
	waitFor(t, "the reload to finish", func() bool {
		var n int
		for _, l := range hostLines(h) {
			if l.Message == "configuration reloaded" {
				if n++; n > reloads {
					r = l
					return true
				}
			}
		}
		return false
	})
	want := []pluginChange{{Name: "conformance", Action: "restarted"}, {Name: "moms", Action: "started"}, {Name: "hello", Action: "stopped"}}
	if diff := cmp.Diff(want, r.Plugins); diff != "" {
		t.Errorf("the reload's plugins (-want +got):\n%s", diff)
	}

	if err := syscall.Kill(helloPID, 0); err == nil {
		t.Errorf("the disabled plugin's process %d is still there", helloPID)
	}
	if h.pluginStatus("hello") != nil {
		t.Errorf("/health still lists the disabled plugin: %v", h.pluginStatus("hello"))
	}
	if p := pid("conformance"); p == conformancePID || p == 0 {
		t.Errorf("conformance's process: %d before, %d after; want a new one", conformancePID, p)
	}
	if p := pid("invoices"); p != invoicesPID {
		t.Errorf("invoices, which the file left alone, changed process: %d before, %d after", invoicesPID, p)
	}
	// A tool no plugin offers: MCP's "unknown tool" (invalid params).
	greet := mcp.CallToolRequest{}
	greet.Params.Name, greet.Params.Arguments = "hello_greet", map[string]any{"name": "Ada"}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if res, err := c.CallTool(ctx, greet); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("hello_greet after hello was disabled: %v, %v; want the unknown-tool error", res, err)
	}
	for _, tool := range []string{"calculate_vat", "test_simple_text", "list_invoices"} {
		if !hasTool(t, c, tool) {
			t.Errorf("%s is not listed after the reload", tool)
		}
	}
	if res := callTool(t, c, "test_simple_text", map[string]any{}); res.IsError {
		t.Errorf("the restarted plugin's tool: %v", res.Content)
	}
	waitFor(t, "tools/list_changed on the session opened before the reload", func() bool { return listChanged.Load() > 0 })
	h.waitReady(10 * time.Second)
}

type pluginChange struct {
	Name   string `json:"name"`
	Action string `json:"action"`
	Error  string `json:"error,omitempty"`
}

func hasTool(t *testing.T, c *client.Client, name string) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range res.Tools {
		if tool.Name == name {
			return true
		}
	}
	return false
}

// waitInFlight waits until the host reports a call running in plugin.
func waitInFlight(t *testing.T, h *hostProc, plugin string) {
	t.Helper()
	line := regexp.MustCompile(`(?m)^billy_mcp_requests_in_flight\{plugin="` + plugin + `"\} ([1-9][0-9]*)$`)
	waitFor(t, "a call in flight in "+plugin, func() bool {
		resp, err := http.Get(h.url("/metrics"))
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return line.Match(body)
	})
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
