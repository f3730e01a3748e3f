package httpserver

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A preflight from an allowed origin is answered before authentication;
// the 401 of a request from it carries CORS headers that expose
// WWW-Authenticate; an origin not allowed gets 403 and no CORS headers.
func TestCORS(t *testing.T) {
	_, k := key(t, "alice", "admin")
	h := testHandler(t, func(o *Options) {
		o.Addr, o.AllowedOrigins, o.Security = "0.0.0.0:8080", []string{"https://inspector.example"}, newSecurity(t, nil, k)
	})
	pre := httptest.NewRequest("OPTIONS", "/mcp", nil)
	pre.Header.Set("Origin", "https://inspector.example")
	pre.Header.Set("Access-Control-Request-Method", "POST")
	pre.Header.Set("Access-Control-Request-Headers", "authorization, content-type, mcp-protocol-version")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, pre)
	if rec.Code != http.StatusNoContent || rec.Header().Get("Access-Control-Allow-Origin") != "https://inspector.example" ||
		!strings.Contains(rec.Header().Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("preflight: %d %v", rec.Code, rec.Header())
	}

	req := httptest.NewRequest("POST", "/mcp", strings.NewReader(`{}`))
	req.Header.Set("Origin", "https://inspector.example")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized || rec.Header().Get("WWW-Authenticate") == "" ||
		rec.Header().Get("Access-Control-Allow-Origin") != "https://inspector.example" ||
		!strings.Contains(rec.Header().Get("Access-Control-Expose-Headers"), "WWW-Authenticate") {
		t.Errorf("401 to an allowed origin: %d %v", rec.Code, rec.Header())
	}

	req = httptest.NewRequest("POST", "/mcp", strings.NewReader(`{}`))
	req.Header.Set("Origin", "https://evil.example")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden || rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("another origin: %d %v", rec.Code, rec.Header())
	}
}
