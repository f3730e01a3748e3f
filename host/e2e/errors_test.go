package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestErrorModelRoundTrip sends an error of every category, with every
// field of the model set, from a plugin to a client over MCP Streamable
// HTTP, MCP stdio and REST, and expects the same error on all three; and a
// plugin's plain Go error masked everywhere, its text only in the log.
func TestErrorModelRoundTrip(t *testing.T) {
	const plugin = "plugins:\n  conformance: {path: billy-mcp-plugin-conformance}\n"
	h := startHost(t, plugin)
	h.waitReady(15 * time.Second)
	httpc := h.mcpHTTP()
	stdioc := mcpStdio(t, h.cfg)

	ignoreCorrelation := cmpopts.IgnoreMapEntries(func(k string, _ any) bool { return k == "correlationId" })
	for _, cat := range errmodel.Categories() {
		t.Run(string(cat), func(t *testing.T) {
			args := map[string]any{"category": string(cat), "code": "fixture_" + string(cat), "message": "what to do about " + string(cat),
				"fields":       []map[string]any{{"field": "lines[0].unitPrice", "message": "must be positive"}, {"field": "dueDate", "message": "is not a date"}},
				"upstreamCode": "BILLY_" + strings.ToUpper(string(cat)), "retryAfterSeconds": 3}
			want := map[string]any{"code": "fixture_" + string(cat), "category": string(cat), "message": "what to do about " + string(cat),
				"fields": []any{map[string]any{"field": "lines[0].unitPrice", "message": "must be positive"},
					map[string]any{"field": "dueDate", "message": "is not a date"}},
				"retryable": cat.Retryable(), "upstreamCode": "BILLY_" + strings.ToUpper(string(cat)), "retryAfterSeconds": 3.0}

			got := map[string]map[string]any{
				"mcp-http":  toolError(t, callTool(t, httpc, "fixture_error", args)),
				"mcp-stdio": toolError(t, callTool(t, stdioc, "fixture_error", args)),
			}
			status, body := h.post("/api/v1/tools/fixture_error", map[string]any{"arguments": args})
			if status != cat.HTTPStatus() {
				t.Errorf("REST status %d, want %d", status, cat.HTTPStatus())
			}
			got["rest"], _ = body["error"].(map[string]any)
			for transport, e := range got {
				if diff := cmp.Diff(want, e, ignoreCorrelation); diff != "" {
					t.Errorf("%s (-want +got):\n%s", transport, diff)
				}
				if id, _ := e["correlationId"].(string); id == "" {
					t.Errorf("%s: no correlation ID", transport)
				}
			}
		})
	}

	t.Run("a plain Go error is masked", func(t *testing.T) {
		const secret = "dial tcp 10.1.2.3:5432: secret-db refused"
		args := map[string]any{"category": "internal", "code": "x", "message": secret, "plain": true}
		seen := map[string]map[string]any{
			"mcp-http":  toolError(t, callTool(t, httpc, "fixture_error", args)),
			"mcp-stdio": toolError(t, callTool(t, stdioc, "fixture_error", args)),
		}
		status, body := h.post("/api/v1/tools/fixture_error", map[string]any{"arguments": args})
		if status != 500 {
			t.Errorf("REST status %d, want 500", status)
		}
		seen["rest"], _ = body["error"].(map[string]any)
		for transport, e := range seen {
			if e["category"] != "internal" || e["code"] != "internal" || strings.Contains(fmt.Sprint(e), "secret-db") {
				t.Errorf("%s: %v (must be a masked internal error)", transport, e)
			}
		}
		// The detail is in the host's log (the plugin's stderr, relayed),
		// under the call's correlation ID.
		id := seen["mcp-http"]["correlationId"].(string)
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(h.stderr.String(), secret) && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		var line string
		for _, l := range strings.Split(h.stderr.String(), "\n") {
			if strings.Contains(l, secret) && strings.Contains(l, id) {
				line = l
			}
		}
		if line == "" {
			t.Errorf("no log line with the error's text and correlation ID %s", id)
		}
	})
}
