package mcpserver

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestSessionBoundToPrincipal: a session opened by one principal is not
// there for another (404 on a call, 405 on DELETE), and stays its
// owner's.
func TestSessionBoundToPrincipal(t *testing.T) {
	url, _ := instance(t, nil)
	initialize := map[string]any{"jsonrpc": "2.0", "id": 1, "method": "initialize",
		"params": map[string]any{"protocolVersion": "2025-11-25", "clientInfo": map[string]any{"name": "c", "version": "1"}, "capabilities": map[string]any{}}}
	call := map[string]any{"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": map[string]any{"name": "echo", "arguments": map[string]any{}}}
	status, id := post(t, http.MethodPost, url, "", initialize, "alice")
	if status != 200 || id == "" {
		t.Fatalf("initialize: %d %q", status, id)
	}
	var got []int
	for _, step := range []struct{ method, principal string }{
		{http.MethodPost, "mallory"}, {http.MethodDelete, "mallory"}, {http.MethodPost, "alice"}, {http.MethodDelete, "alice"}, {http.MethodPost, "alice"},
	} {
		body := any(call)
		if step.method == http.MethodDelete {
			body = nil
		}
		code, _ := post(t, step.method, url, id, body, step.principal)
		got = append(got, code)
	}
	want := []int{http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusOK, http.StatusOK, http.StatusNotFound}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
}

// TestSessionExpiry: a session idle past its TTL, or older than its
// maximum age, is gone; one in use stays.
func TestSessionExpiry(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	b := newBoundSessions([]byte("k"), 30*time.Minute, 2*time.Hour, nil)
	b.now = func() time.Time { return now }
	m := b.ResolveSessionIdManager(nil)
	alice := &sessionManager{b: b, subject: "alice", request: true}
	busy, idle := alice.Generate(), alice.Generate()
	if _, err := m.Validate(busy); err == nil {
		t.Error("a session validated for no principal")
	}
	var got []bool
	check := func(id string) {
		gone, err := alice.Validate(id)
		if err != nil {
			t.Fatalf("Validate(%s): %v", id, err)
		}
		got = append(got, gone)
	}
	for range 3 { // busy is used every 20 minutes, idle not
		now = now.Add(20 * time.Minute)
		check(busy)
	}
	check(idle)
	now = now.Add(90 * time.Minute) // past the maximum age
	check(busy)
	if diff := cmp.Diff([]bool{false, false, false, true, true}, got); diff != "" {
		t.Errorf("gone (-want +got):\n%s", diff)
	}
	if _, err := alice.Validate("mcp-session-00000000aaaaaaaaaaaaaaaaaaaaaaaa-bbbbbbbbbbbbbbbbbbbbbbbb"); err == nil {
		t.Error("a forged ID validated")
	}
}
