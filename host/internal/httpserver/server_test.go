package httpserver

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/auth"
	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/mcpserver"
	"github.com/billy-mcp/billy-mcp/host/internal/pluginhost"
	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/go-hclog"
	"github.com/prometheus/client_golang/prometheus"
)

type fakePlugins struct {
	ready    bool
	statuses []pluginhost.Status
}

func (f fakePlugins) Ready() bool                   { return f.ready }
func (f fakePlugins) Statuses() []pluginhost.Status { return f.statuses }

// testHandler is the whole HTTP surface over an empty registry: these
// tests are about routes, authentication, guards and health (rest has the
// REST API's own tests).
func testHandler(t *testing.T, mod func(*Options)) http.Handler {
	t.Helper()
	reg := registry.New()
	d := dispatch.New(dispatch.Options{Registry: reg})
	m := mcpserver.New(mcpserver.Options{Name: "test", Version: "0", Registry: reg, Dispatcher: d})
	o := Options{Addr: "127.0.0.1:0", MaxBatch: 3, MaxBodyBytes: 4096, MCP: m, Registry: reg, Dispatcher: d,
		Plugins: fakePlugins{ready: true}, Logger: hclog.NewNullLogger(), Version: "1.2.3", Mode: "sandbox",
		Gatherer: prometheus.NewRegistry()}
	if mod != nil {
		mod(&o)
	}
	return Handler(o)
}

// do is testkit.Do, checking that the HTTP surface echoes every answer's
// correlation ID.
func do(t *testing.T, h http.Handler, method, path, body string, hdr ...string) (int, map[string]any) {
	t.Helper()
	rec := testkit.Serve(h, method, path, body, hdr...)
	if rec.Header().Get("X-Correlation-ID") == "" {
		t.Errorf("%s %s: no X-Correlation-ID echoed", method, path)
	}
	return rec.Code, testkit.Decode(t, rec)
}

func TestAuthOnRoutes(t *testing.T) {
	legacy := "v1-key-0123456789abcdef"
	h := testHandler(t, func(o *Options) { o.Security = newSecurity(t, nil, auth.LegacyKey(legacy)) })
	tests := []struct {
		method, path string
		hdr          []string
		status       int
	}{
		{"GET", "/api/v1/tools", nil, 401},
		{"POST", "/api/v1/tools/echo", nil, 401},
		{"POST", "/api/v1/tools/batch", nil, 401},
		{"GET", "/api/v1/tools", []string{"Authorization", "Bearer " + legacy}, 200},
		{"GET", "/api/v1/tools", []string{"X-API-Key", legacy}, 200},
		// v1 took ?apiKey=; a key in a URL is refused, even beside a good
		// header, so the client learns its key is in logs.
		{"GET", "/api/v1/tools?apiKey=" + legacy, nil, 401},
		{"GET", "/api/v1/tools?apiKey=" + legacy, []string{"Authorization", "Bearer " + legacy}, 401},
		{"GET", "/health/live", nil, 200},
		{"GET", "/health/ready", nil, 200},
		{"GET", "/health", nil, 401},
		{"GET", "/health", []string{"Authorization", "Bearer " + legacy}, 200},
		{"GET", "/metrics", nil, 401},
		{"GET", "/metrics", []string{"Authorization", "Bearer " + legacy}, 200},
	}
	for _, tt := range tests {
		rec := testkit.Serve(h, tt.method, tt.path, "", tt.hdr...)
		if rec.Code != tt.status {
			t.Errorf("%s %s %v: status %d, want %d: %s", tt.method, tt.path, tt.hdr, rec.Code, tt.status, rec.Body)
		}
	}
	// MCP is refused before mcp-go sees the request.
	req := httptest.NewRequest("POST", "http://localhost:8080/mcp", strings.NewReader(`{}`))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 401 || rec.Header().Get("WWW-Authenticate") == "" {
		t.Errorf("/mcp without a key: %d %q", rec.Code, rec.Body.String())
	}
}

func TestHandlerHostGuard(t *testing.T) {
	h := testHandler(t, nil)
	req := httptest.NewRequest("GET", "http://evil.example/health/live", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 403 || !strings.Contains(rec.Body.String(), "host_not_allowed") {
		t.Errorf("%d %s", rec.Code, rec.Body.String())
	}
}

func TestHealth(t *testing.T) {
	since := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	statuses := []pluginhost.Status{
		{Name: "hello", State: pluginhost.StateReady, Version: "1.0.0", PID: 42, Tools: 2, Since: since},
		{Name: "invoices", State: pluginhost.StateRestarting, Restarts: 3, Tools: 5, Since: since, LastError: "exit status 2"},
		{Name: "moms", State: pluginhost.StateFailed, Since: since, LastError: "checksum mismatch"},
	}
	ignore := cmpopts.IgnoreMapEntries(func(k string, _ any) bool { return k == "uptimeSeconds" })
	plugin := func(name, state, version string, pid, restarts, tools float64, lastErr string) map[string]any {
		m := map[string]any{"name": name, "state": state, "restarts": restarts, "tools": tools, "since": "2026-01-02T03:04:05Z"}
		if version != "" {
			m["version"] = version
		}
		if pid != 0 {
			m["pid"] = pid
		}
		if lastErr != "" {
			m["lastError"] = lastErr
		}
		return m
	}
	tests := []struct {
		name   string
		p      fakePlugins
		path   string
		status int
		want   map[string]any
	}{
		{"live", fakePlugins{}, "/health/live", 200, map[string]any{"status": "live"}},
		{"ready", fakePlugins{ready: true, statuses: statuses[:1]}, "/health/ready", 200, map[string]any{"status": "ready"}},
		{"not ready", fakePlugins{statuses: statuses}, "/health/ready", 503, map[string]any{"status": "not_ready", "plugins": []any{
			map[string]any{"name": "invoices", "state": "restarting"},
			map[string]any{"name": "moms", "state": "failed"},
		}}},
		{"detail ok", fakePlugins{ready: true, statuses: statuses[:1]}, "/health", 200, map[string]any{
			"status": "ok", "version": "1.2.3", "mode": "sandbox", "tools": 2.0,
			"plugins": []any{plugin("hello", "ready", "1.0.0", 42, 0, 2, "")}}},
		{"detail degraded", fakePlugins{statuses: statuses}, "/health", 200, map[string]any{
			"status": "degraded", "version": "1.2.3", "mode": "sandbox", "tools": 7.0,
			"plugins": []any{
				plugin("hello", "ready", "1.0.0", 42, 0, 2, ""),
				plugin("invoices", "restarting", "", 0, 3, 5, "exit status 2"),
				plugin("moms", "failed", "", 0, 0, 0, "checksum mismatch"),
			}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := testHandler(t, func(o *Options) { o.Plugins = tt.p })
			status, body := do(t, h, http.MethodGet, tt.path, "")
			if status != tt.status {
				t.Errorf("status %d, want %d", status, tt.status)
			}
			if diff := cmp.Diff(tt.want, body, ignore); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}
