package httpserver

import (
	"testing"

	"github.com/billy-mcp/billy-mcp/host/internal/auth"
	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
)

// TestDocsAuth: /docs asks for credentials like every other path, except
// for a sandbox on loopback.
func TestDocsAuth(t *testing.T) {
	legacy := "v1-key-0123456789abcdef"
	tests := []struct {
		name, mode, addr string
		key              bool
		status           int
	}{
		{"sandbox on loopback: open", "sandbox", "127.0.0.1:0", false, 200},
		{"sandbox on every address: closed", "sandbox", "0.0.0.0:8080", false, 401},
		{"sandbox on every address with a key", "sandbox", "0.0.0.0:8080", true, 200},
		{"production on loopback: closed", "production", "127.0.0.1:0", false, 401},
		{"production with a key", "production", "127.0.0.1:0", true, 200},
	}
	for _, tt := range tests {
		h := testHandler(t, func(o *Options) {
			o.Security = newSecurity(t, nil, auth.LegacyKey(legacy))
			o.Mode, o.Addr = tt.mode, tt.addr
		})
		for _, path := range []string{"/docs/", "/docs/catalog.json", "/docs/app.js"} {
			var hdr []string
			if tt.key {
				hdr = []string{"X-API-Key", legacy}
			}
			if rec := testkit.Serve(h, "GET", path, "", hdr...); rec.Code != tt.status {
				t.Errorf("%s: GET %s: %d, want %d", tt.name, path, rec.Code, tt.status)
			}
		}
	}
}
