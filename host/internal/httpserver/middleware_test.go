package httpserver

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	"github.com/google/go-cmp/cmp"
)

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })

// errorCode decodes the error model's code from a response body ("" when
// the body holds none).
func errorCode(t *testing.T, body []byte) string {
	t.Helper()
	var env struct {
		Success *bool           `json:"success"`
		Error   *errmodel.Error `json:"error"`
	}
	if len(body) == 0 {
		return ""
	}
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("body is not JSON: %q", body)
	}
	if env.Error == nil {
		return ""
	}
	if env.Success == nil || *env.Success {
		t.Errorf("error envelope without success:false: %s", body)
	}
	return env.Error.Code
}

func TestRebindingGuard(t *testing.T) {
	type res struct {
		Status int
		Code   string
	}
	ok := res{Status: http.StatusNoContent}
	badHost := res{Status: http.StatusForbidden, Code: "host_not_allowed"}
	badOrigin := res{Status: http.StatusForbidden, Code: "origin_not_allowed"}
	allowedHosts := []string{"Billy.Internal", "proxy.example:8443"}
	allowedOrigins := []string{"https://claude.ai/", "HTTPS://Chat.Example"}
	tests := []struct {
		name     string
		loopback bool
		host     string
		origin   string
		want     res
	}{
		{"localhost", true, "localhost:8080", "", ok},
		{"localhost without port", true, "localhost", "", ok},
		{"LOCALHOST upper case", true, "LOCALHOST:8080", "", ok},
		{"127.0.0.1", true, "127.0.0.1:8080", "", ok},
		{"other 127/8 address", true, "127.0.0.2:8080", "", ok},
		{"[::1] with port", true, "[::1]:8080", "", ok},
		{"[::1] without port", true, "[::1]", "", ok},
		{"evil host", true, "evil.example:8080", "", badHost},
		{"evil host without port", true, "evil.example", "", badHost},
		{"localhost as a subdomain", true, "localhost.evil.example", "", badHost},
		{"LAN address", true, "192.168.1.10:8080", "", badHost},
		{"allowed host, any case and port", true, "billy.internal:9999", "", ok},
		{"allowed host:port", true, "proxy.example:8443", "", ok},
		{"allowed host:port, other port", true, "proxy.example:9000", "", badHost},
		{"local origin", true, "localhost:8080", "http://localhost:3000", ok},
		{"local origin by IP", true, "localhost:8080", "http://127.0.0.1:5173", ok},
		{"local origin IPv6", true, "localhost:8080", "http://[::1]:5173", ok},
		{"evil origin", true, "localhost:8080", "http://evil.example", badOrigin},
		{"origin naming localhost as a subdomain", true, "localhost:8080", "http://localhost.evil.example", badOrigin},
		{"null origin", true, "localhost:8080", "null", ok},
		{"allowed origin (configured with a slash)", true, "localhost:8080", "https://claude.ai", ok},
		{"allowed origin, other case", true, "localhost:8080", "https://chat.example", ok},
		{"allowed origin with a path", true, "localhost:8080", "https://claude.ai/x", badOrigin},
		{"unparsable origin", true, "localhost:8080", "http://[::1", badOrigin},
		{"evil host, local origin", true, "evil.example", "http://localhost", badHost},
		{"not loopback: any host", false, "billy.example.com", "", ok},
		{"not loopback: evil origin", false, "billy.example.com", "http://evil.example", badOrigin},
		{"not loopback: same origin", false, "billy.example.com", "https://billy.example.com", ok},
		{"not loopback: same name, other port", false, "billy.example.com", "https://billy.example.com:8443", badOrigin},
		{"not loopback: local origin is not special", false, "billy.example.com", "http://localhost:3000", badOrigin},
		{"not loopback: allowed origin", false, "billy.example.com", "https://claude.ai", ok},
		{"not loopback: null origin", false, "billy.example.com", "null", ok},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := rebindingGuard(tt.loopback, allowedHosts, allowedOrigins, okHandler)
			req := httptest.NewRequest(http.MethodGet, "/mcp", nil)
			req.Host = tt.host
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			got := res{Status: rec.Code, Code: errorCode(t, rec.Body.Bytes())}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestIsLoopbackAddr(t *testing.T) {
	tests := map[string]bool{
		"127.0.0.1:8080": true,
		"localhost:8080": true,
		"[::1]:8080":     true,
		"127.1.2.3:1":    true,
		":8080":          false, // all interfaces
		"0.0.0.0:8080":   false,
		"[::]:8080":      false,
		"10.0.0.1:8080":  false,
		"example.com:80": false,
		"127.0.0.1":      false, // no port: not a listen address
		"":               false,
	}
	for addr, want := range tests {
		if got := IsLoopbackAddr(addr); got != want {
			t.Errorf("IsLoopbackAddr(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestCorrelate(t *testing.T) {
	generated := regexp.MustCompile(`^[0-9a-f]{16}$`)
	tests := []struct {
		name, header string
		keep         bool
	}{
		{"valid kept", "req-42_a.B", true},
		{"64 characters kept", strings.Repeat("a", 64), true},
		{"missing replaced", "", false},
		{"65 characters replaced", strings.Repeat("a", 65), false},
		{"spaces replaced", "a b", false},
		{"header injection replaced", "x\r\nSet-Cookie: a=b", false},
		{"unicode replaced", "æøå", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var inCtx string
			h := correlate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				inCtx = dispatch.CorrelationIDFrom(r.Context())
			}))
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.header != "" {
				req.Header["X-Correlation-Id"] = []string{tt.header}
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			echoed := rec.Header().Get("X-Correlation-ID")
			if echoed != inCtx {
				t.Errorf("echoed %q, context has %q", echoed, inCtx)
			}
			if tt.keep {
				if echoed != tt.header {
					t.Errorf("got %q, want the caller's %q", echoed, tt.header)
				}
			} else if !generated.MatchString(echoed) {
				t.Errorf("got %q, want a generated ID", echoed)
			}
		})
	}
}

func TestLimitBody(t *testing.T) {
	tests := []struct {
		name    string
		max     int64
		body    string
		wantLen int
		refused bool
	}{
		{"under the limit", 10, "0123456789", 10, false},
		{"over the limit", 10, "0123456789A", 10, true},
		{"no limit", 0, strings.Repeat("x", 1<<16), 1 << 16, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n int
			var tooBig *http.MaxBytesError
			h := limitBody(tt.max, false, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, err := io.ReadAll(r.Body)
				n = len(b)
				errors.As(err, &tooBig)
			}))
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tt.body)))
			if refused := tooBig != nil; refused != tt.refused || refused && tooBig.Limit != tt.max {
				t.Errorf("refused %v (%v), want %v", refused, tooBig, tt.refused)
			}
			if n != tt.wantLen {
				t.Errorf("read %d bytes, want %d", n, tt.wantLen)
			}
		})
	}
}
