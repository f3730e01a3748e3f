package httpserver

import (
	"net/http"
	"strings"
)

// CORS for browser clients (the MCP Inspector, web apps) on an origin the
// rebinding guard let through (the server's own, a local one on loopback,
// or http.allowed_origins): it runs outside authentication, so a 401 and
// its WWW-Authenticate reach the page too (a browser hides a header the
// answer does not expose, and the client could then never find the
// authorization server). A request whose Origin is not allowed never gets
// here: the guard answers it 403.

var (
	corsMethods = "GET, POST, DELETE, OPTIONS"
	corsHeaders = strings.Join([]string{"Authorization", "Content-Type", "Accept", "Last-Event-ID", "Mcp-Session-Id",
		"Mcp-Protocol-Version", "Mcp-Method", "Mcp-Name", "X-API-Key", "X-Correlation-ID", "Idempotency-Key"}, ", ")
	corsExposed = strings.Join([]string{"WWW-Authenticate", "Mcp-Session-Id", "Mcp-Protocol-Version", "Retry-After",
		"X-Correlation-ID"}, ", ")
)

func cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" || origin == "null" {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Add("Vary", "Origin")
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Expose-Headers", corsExposed)
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			// A preflight: answered here, before authentication (a
			// browser sends no credentials with it).
			h.Set("Access-Control-Allow-Methods", corsMethods)
			h.Set("Access-Control-Allow-Headers", corsHeaders)
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}
