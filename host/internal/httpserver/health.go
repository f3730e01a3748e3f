package httpserver

import (
	"net/http"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/httpjson"
	"github.com/billy-mcp/billy-mcp/host/internal/pluginhost"
)

// Plugins is what health needs from the plugin manager.
type Plugins interface {
	Ready() bool
	Statuses() []pluginhost.Status
}

type health struct {
	plugins Plugins
	// draining reports a host that is shutting down (nil: never).
	draining func() bool
	version  string
	mode     string
	started  time.Time
}

// live answers as long as the process serves HTTP.
func (h *health) live(w http.ResponseWriter, _ *http.Request) {
	httpjson.Write(w, http.StatusOK, map[string]any{"status": "live"})
}

// ready is for load balancers: 503 until every enabled plugin is described
// and healthy, and again once the host starts draining.
func (h *health) ready(w http.ResponseWriter, _ *http.Request) {
	if h.draining != nil && h.draining() {
		// First thing on SIGTERM, so load balancers stop sending before
		// the host stops taking calls.
		httpjson.Write(w, http.StatusServiceUnavailable, map[string]any{"status": "draining"})
		return
	}
	if h.plugins.Ready() {
		httpjson.Write(w, http.StatusOK, map[string]any{"status": "ready"})
		return
	}
	var notReady []map[string]any
	for _, s := range h.plugins.Statuses() {
		if s.State != pluginhost.StateReady {
			// No lastError: this answer may be open to anyone (the
			// platform's checks); /health, behind credentials, has it.
			notReady = append(notReady, map[string]any{"name": s.Name, "state": s.State})
		}
	}
	httpjson.Write(w, http.StatusServiceUnavailable, map[string]any{"status": "not_ready", "plugins": notReady})
}

// detail is for operators: every plugin's state, restarts, tool count and
// last error.
func (h *health) detail(w http.ResponseWriter, _ *http.Request) {
	status := "ok"
	if !h.plugins.Ready() {
		status = "degraded"
	}
	tools := 0
	statuses := h.plugins.Statuses()
	for _, s := range statuses {
		tools += s.Tools
	}
	httpjson.Write(w, http.StatusOK, map[string]any{
		"status":        status,
		"version":       h.version,
		"mode":          h.mode,
		"uptimeSeconds": int64(time.Since(h.started).Seconds()),
		"tools":         tools,
		"plugins":       statuses,
	})
}
