package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/registry"
)

// memSessions is a Sessions two servers share, standing in for Redis.
type memSessions struct {
	mu      sync.Mutex
	ended   map[string]bool
	clients map[string]json.RawMessage
	n       int
}

func (m *memSessions) Generate() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.n++
	return "mcp-session-" + string(rune('a'+m.n)) + "0000000000000000"
}
func (m *memSessions) Validate(id string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(id) < 12 {
		return false, errors.New("invalid")
	}
	return m.ended[id], nil
}
func (m *memSessions) Terminate(id string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ended[id] = true
	return false, nil
}
func (m *memSessions) SaveClient(id string, c json.RawMessage) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.clients[id] = c
}
func (m *memSessions) LoadClient(id string) (json.RawMessage, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.clients[id]
	return c, ok
}

// instance serves one Server's Streamable HTTP handler as the local
// operator, sharing sessions (nil: its own).
func instance(t *testing.T, sessions Sessions) (string, *recordingInvoker) {
	t.Helper()
	reg := registry.New()
	if err := reg.Register("p", &registry.Catalog{Tools: []*registry.Tool{tool("echo")}}); err != nil {
		t.Fatal(err)
	}
	inv := &recordingInvoker{}
	d := dispatch.New(dispatch.Options{Registry: reg, Invoker: inv})
	s := New(Options{Name: "test", Version: "0", Registry: reg, Dispatcher: d, Sessions: sessions, SessionKey: []byte("one deployment's session key")})
	h := s.HTTPHandler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// X-Test-Principal stands in for the edge's authentication.
		sub := r.Header.Get("X-Test-Principal")
		if sub == "" {
			sub = "local"
		}
		h.ServeHTTP(w, r.WithContext(dispatch.WithCaller(r.Context(), dispatch.Caller{Subject: sub, Scopes: []string{"*"}})))
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/mcp", inv
}

func post(t *testing.T, method, url, session string, body any, principal ...string) (int, string) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, url, bytes.NewReader(b))
	if len(principal) > 0 {
		req.Header.Set("X-Test-Principal", principal[0])
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("MCP-Protocol-Version", "2025-11-25")
	if session != "" {
		req.Header.Set("Mcp-Session-Id", session)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Mcp-Session-Id")
}

// TestSessionsAcrossInstances: a session initialized on A is served on B
// with the client's capabilities (here: elicitation, which decides how a
// write is confirmed), and a session ended on A is ended on B. Without a
// shared store B knows neither.
func TestSessionsAcrossInstances(t *testing.T) {
	type seen struct {
		Elicit        bool
		AfterEndOnA   int
		InitializedOK bool
	}
	run := func(shared bool) seen {
		var sa, sb Sessions
		if shared {
			m := &memSessions{ended: map[string]bool{}, clients: map[string]json.RawMessage{}}
			sa, sb = m, m
		}
		a, _ := instance(t, sa)
		b, invB := instance(t, sb)
		status, id := post(t, http.MethodPost, a, "", map[string]any{"jsonrpc": "2.0", "id": 1, "method": "initialize",
			"params": map[string]any{"protocolVersion": "2025-11-25", "clientInfo": map[string]any{"name": "c", "version": "1"},
				"capabilities": map[string]any{"elicitation": map[string]any{}}}})
		var out seen
		out.InitializedOK = status == 200 && id != ""
		post(t, http.MethodPost, b, id, map[string]any{"jsonrpc": "2.0", "id": 2, "method": "tools/call",
			"params": map[string]any{"name": "echo", "arguments": map[string]any{}}})
		invB.mu.Lock()
		if len(invB.reqs) == 1 {
			out.Elicit = invB.reqs[0].GetContext().GetClientCapabilities().GetElicitation()
		}
		invB.mu.Unlock()
		post(t, http.MethodDelete, a, id, nil)
		out.AfterEndOnA, _ = post(t, http.MethodPost, b, id, map[string]any{"jsonrpc": "2.0", "id": 3, "method": "tools/call",
			"params": map[string]any{"name": "echo", "arguments": map[string]any{}}})
		return out
	}
	got := map[string]seen{"shared": run(true), "per instance": run(false)}
	want := map[string]seen{
		"shared":       {Elicit: true, AfterEndOnA: http.StatusNotFound, InitializedOK: true},
		"per instance": {Elicit: false, AfterEndOnA: http.StatusOK, InitializedOK: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestMarkStale: a result that used stale answers says so in _meta and in
// a last text item; one that did not is untouched.
func TestMarkStale(t *testing.T) {
	notes := &dispatch.CacheNotes{}
	notes.NoteStale(40*time.Second, "upstream_unavailable")
	notes.NoteStale(95*time.Second, "upstream_circuit_open")
	res := markStale(&mcp.CallToolResult{Content: []mcp.Content{mcp.NewTextContent("{}")}}, &dispatch.Op{Cache: notes})
	got := map[string]any{"meta": res.Meta.AdditionalFields[MetaStale], "items": len(res.Content),
		"note": res.Content[1].(mcp.TextContent).Text}
	want := map[string]any{
		"meta":  map[string]any{"stale": true, "age_seconds": int64(95), "reason": "upstream_circuit_open", "reads": 2},
		"items": 2,
		"note":  "Note: Billy could not be reached (upstream_circuit_open), so this answer uses data from the cache that is up to 2 minutes old; it may be out of date.",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	plain := markStale(&mcp.CallToolResult{Content: []mcp.Content{mcp.NewTextContent("{}")}}, &dispatch.Op{Cache: &dispatch.CacheNotes{}})
	if plain.Meta != nil || len(plain.Content) != 1 {
		t.Errorf("a result without stale answers was marked: %+v", plain)
	}
}
