package httpserver

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/billy-mcp/billy-mcp/host/internal/auth"
	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
)

// /uploads is behind the same guard as /mcp (the caller reaches the
// handler), and its body is not cut at http.max_body_bytes (the handler
// caps it with uploads.max_bytes), while /mcp's still is.
func TestUploadsRoute(t *testing.T) {
	legacy := "v1-key-0123456789abcdef"
	var got struct {
		subject string
		n       int
		err     error
	}
	uploads := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.subject = dispatch.CallerFrom(r.Context()).Subject
		b, err := io.ReadAll(r.Body)
		got.n, got.err = len(b), err
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte("{}"))
	})
	h := testHandler(t, func(o *Options) {
		o.Security = newSecurity(t, nil, auth.LegacyKey(legacy))
		o.Uploads = uploads
	})
	big := strings.Repeat("x", 10000) // MaxBodyBytes is 4096
	if status, _ := do(t, h, "POST", "/uploads", big); status != http.StatusUnauthorized {
		t.Errorf("without credentials: %d", status)
	}
	if got.subject != "" {
		t.Fatal("the handler ran without credentials")
	}
	if status, _ := do(t, h, "POST", "/uploads", big, "X-API-Key", legacy); status != http.StatusCreated {
		t.Errorf("with a key: %d", status)
	}
	if got.subject == "" || got.n != len(big) || got.err != nil {
		t.Errorf("the handler saw %q, %d bytes, %v", got.subject, got.n, got.err)
	}
	rec := testkit.Serve(h, "POST", "/mcp", big, "X-API-Key", legacy, "Content-Type", "application/json")
	if rec.Code == http.StatusOK || !strings.Contains(rec.Body.String(), "too large") {
		t.Errorf("/mcp with a body over max_body_bytes: %d %s", rec.Code, rec.Body)
	}
}
