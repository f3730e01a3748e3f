package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
)

// Tasks (MCP's Tasks extension) and multi round trips across the instances
// of one deployment: two hosts share one Billy (a standalone sandbox) and
// one store, SQLite or PostgreSQL. A task started on one instance is
// followed, answered, cancelled and collected on the other, and still
// collected after the first restarts; a multi round trip begun on one is
// finished on the other. Nothing of it lives in an instance's memory.

// modern speaks MCP 2026-07-28 to one host over plain HTTP: no session,
// every request carries its protocol version, client capabilities and
// routing headers.
type modern struct {
	t   *testing.T
	url string
}

// withTasksCaps declares elicitation and the Tasks extension.
var withTasksCaps = map[string]any{"elicitation": map[string]any{}, "extensions": map[string]any{"io.modelcontextprotocol/tasks": map[string]any{}}}

// do sends one request and returns its HTTP status and JSON-RPC response.
func (m modern) do(method string, params map[string]any) (int, map[string]any) {
	m.t.Helper()
	p := map[string]any{"_meta": map[string]any{"io.modelcontextprotocol/protocolVersion": "2026-07-28",
		"io.modelcontextprotocol/clientCapabilities": withTasksCaps}}
	for k, v := range params {
		p[k] = v
	}
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": p})
	req, _ := http.NewRequest(http.MethodPost, m.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("MCP-Protocol-Version", "2026-07-28")
	req.Header.Set("Mcp-Method", method)
	for _, k := range []string{"name", "taskId"} {
		if v, ok := params[k].(string); ok {
			req.Header.Set("Mcp-Name", v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		m.t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw bytes.Buffer
	_, _ = raw.ReadFrom(resp.Body)
	text := raw.String()
	if i := strings.LastIndex(text, "data: "); strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") && i >= 0 {
		text = strings.TrimSpace(text[i+len("data: "):]) // the response is the stream's last event
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(text), &out); err != nil {
		m.t.Fatalf("%s: not JSON-RPC: %q", method, raw.String())
	}
	return resp.StatusCode, out
}

// ok sends a request that must succeed and returns its result.
func (m modern) ok(method string, params map[string]any) map[string]any {
	m.t.Helper()
	status, out := m.do(method, params)
	res, ok := out["result"].(map[string]any)
	if status != http.StatusOK || !ok {
		m.t.Fatalf("%s %v: HTTP %d, %v", method, params, status, out)
	}
	return res
}

// start calls a task tool and returns its task's ID.
func (m modern) start(tool string, args map[string]any) string {
	m.t.Helper()
	res := m.ok("tools/call", map[string]any{"name": tool, "arguments": args})
	id, _ := res["taskId"].(string)
	if res["resultType"] != "task" || id == "" {
		m.t.Fatalf("%s did not start a task: %v", tool, res)
	}
	return id
}

// until polls tasks/get until the task is in status (at most 20 s).
func (m modern) until(id, status string) map[string]any {
	m.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := m.ok("tasks/get", map[string]any{"taskId": id})
		if got["status"] == status {
			return got
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("task %s is %v, want %s: %v", id, got["status"], status, got)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// taskText is the first text of a completed task's result.
func taskText(t *testing.T, task map[string]any) string {
	t.Helper()
	res, _ := task["result"].(map[string]any)
	content, _ := res["content"].([]any)
	if len(content) == 0 {
		t.Fatalf("no content in %v", task)
	}
	text, _ := content[0].(map[string]any)["text"].(string)
	return text
}

func TestTasksAcrossInstances(t *testing.T) {
	billy := standaloneSandbox(t)
	backends := []struct {
		name string
		env  func(t *testing.T) []string
	}{
		// One data_dir: one store.db, one signing key.
		{"sqlite", func(t *testing.T) []string {
			return []string{"BILLY_MCP_DATA_DIR=" + filepath.Join(t.TempDir(), "state")}
		}},
		// Each instance its own data_dir, as on two machines: the database
		// and the signing key are what they share.
		{"postgres", func(t *testing.T) []string {
			return []string{"BILLY_MCP_DATABASE_URL=" + testkit.PostgresURL(t), "BILLY_MCP_SIGNING_KEY=the deployment's signing key, 32+ chars"}
		}},
	}
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			env := append(append([]string{}, billy...), be.env(t)...)
			a, b := startHost(t, conformanceOnly, env...), startHost(t, conformanceOnly, env...)
			a.waitReady(15 * time.Second)
			b.waitReady(15 * time.Second)
			onA, onB := modern{t, a.url("/mcp")}, modern{t, b.url("/mcp")}

			// Started on A, followed and collected on B.
			slow := onA.start("slow_compute", map[string]any{"seconds": 2, "label": "e2e"})
			if got := onB.ok("tasks/get", map[string]any{"taskId": slow}); got["status"] != "working" {
				t.Errorf("B sees the task as %v at once, want working", got["status"])
			}
			if text := taskText(t, onB.until(slow, "completed")); text != `Computed "e2e" in 2 seconds` {
				t.Errorf("collected on B: %q", text)
			}

			// Waits for input on A; answered on B, which runs it again.
			confirm := onA.start("confirm_delete", map[string]any{"filename": "bilag.pdf"})
			waiting := onB.until(confirm, "input_required")
			if _, ok := waiting["inputRequests"].(map[string]any)["confirm"]; !ok {
				t.Fatalf("input_required without the question: %v", waiting)
			}
			onB.ok("tasks/update", map[string]any{"taskId": confirm,
				"inputResponses": map[string]any{"confirm": map[string]any{"action": "accept", "content": map[string]any{"confirm": true}}}})
			if text := taskText(t, onA.until(confirm, "completed")); text != "Deleted bilag.pdf (a fixture: nothing was touched)" {
				t.Errorf("collected on A: %q", text)
			}

			// Running on A, cancelled on B: A's run stops and the task stays
			// cancelled.
			long := onA.start("slow_compute", map[string]any{"seconds": 60, "label": "cancelled"})
			onB.ok("tasks/cancel", map[string]any{"taskId": long})
			onA.until(long, "cancelled")
			time.Sleep(2 * time.Second) // past A's next heartbeat, which stops the run
			if got := onA.ok("tasks/get", map[string]any{"taskId": long}); got["status"] != "cancelled" {
				t.Errorf("after A's heartbeat: %v", got["status"])
			}

			// A multi round trip begun on A is finished on B.
			first := onA.ok("tools/call", map[string]any{"name": "test_input_required_result_elicitation", "arguments": map[string]any{}})
			if first["resultType"] != "input_required" {
				t.Fatalf("first round on A: %v", first)
			}
			second := onB.ok("tools/call", map[string]any{"name": "test_input_required_result_elicitation", "arguments": map[string]any{},
				"requestState": first["requestState"], "inputResponses": map[string]any{"user_name": map[string]any{"action": "accept", "content": map[string]any{"name": "Mette"}}}})
			if text := taskText(t, map[string]any{"result": second}); text != "Hello, Mette!" {
				t.Errorf("second round on B: %q", text)
			}

			// A restarts; what its tasks came to is still there.
			a.stop()
			a2 := startHost(t, conformanceOnly, env...)
			a2.waitReady(15 * time.Second)
			onA2 := modern{t, a2.url("/mcp")}
			if text := taskText(t, onA2.until(slow, "completed")); text != `Computed "e2e" in 2 seconds` {
				t.Errorf("after A restarted: %q", text)
			}
		})
	}
}
