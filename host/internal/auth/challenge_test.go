package auth_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/billy-mcp/billy-mcp/host/internal/auth"
)

func TestChallenge(t *testing.T) {
	prm := "https://mcp.example.dk/.well-known/oauth-protected-resource/mcp"
	tests := []struct {
		name string
		c    auth.Challenge
		want string
	}{
		{"no credential", auth.Challenge{ResourceMetadata: prm, Scopes: []string{"billy:read"}},
			`Bearer resource_metadata="` + prm + `", scope="billy:read"`},
		{"invalid token", auth.Challenge{ResourceMetadata: prm, Scopes: []string{"billy:read"}, Error: "invalid_token"},
			`Bearer error="invalid_token", resource_metadata="` + prm + `", scope="billy:read"`},
		{"insufficient scope, every scope at once", auth.Challenge{ResourceMetadata: prm, Scopes: []string{"invoices:write", "payments:write"},
			Error: "insufficient_scope", Description: `needs "invoices:write"`},
			`Bearer error="insufficient_scope", resource_metadata="` + prm + `", scope="invoices:write payments:write", error_description="needs \"invoices:write\""`},
		{"discovery off: no metadata", auth.Challenge{}, `Bearer realm="billy-mcp"`},
		{"control characters dropped", auth.Challenge{Error: "invalid_token", Description: "a\r\nb"}, `Bearer error="invalid_token", error_description="ab"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.c.String()
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			if _, ok := auth.ParseChallenge(got); !ok {
				t.Errorf("does not parse back: %s", got)
			}
		})
	}
}

func TestParseChallenge(t *testing.T) {
	got, ok := auth.ParseChallenge(`bearer  error=invalid_token,resource_metadata="https://a/x", scope="a b",error_description="say \"hi\""`)
	want := map[string]string{"error": "invalid_token", "resource_metadata": "https://a/x", "scope": "a b", "error_description": `say "hi"`}
	if diff := cmp.Diff(want, got); !ok || diff != "" {
		t.Errorf("ok %v (-want +got):\n%s", ok, diff)
	}
	for _, bad := range []string{`Basic realm="x"`, `Bearer scope="unterminated`, `Bearer a=1, a=2`, `Bearer =x`} {
		if _, ok := auth.ParseChallenge(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestMetadataHandler(t *testing.T) {
	h := auth.MetadataHandler(auth.Metadata{Resource: resource, AuthorizationServers: []string{"https://as.example"},
		ScopesSupported: []string{"billy:read"}, BearerMethodsSupported: []string{"header"}, ResourceName: "billy-mcp"})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, auth.MetadataPath, nil))
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	want := map[string]any{"resource": resource, "authorization_servers": []any{"https://as.example"},
		"scopes_supported": []any{"billy:read"}, "bearer_methods_supported": []any{"header"}, "resource_name": "billy-mcp"}
	if diff := cmp.Diff(want, doc); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if rec.Header().Get("Access-Control-Allow-Origin") != "*" {
		t.Error("no CORS")
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodOptions, auth.MetadataPath, nil))
	if rec.Code != http.StatusNoContent || rec.Header().Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("OPTIONS: %d %v", rec.Code, rec.Header())
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, auth.MetadataPath, nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", rec.Code)
	}
}
