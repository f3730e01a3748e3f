package docspage

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/google/go-cmp/cmp"
)

func testRegistry(t *testing.T) *registry.Registry {
	yes := true
	reg := registry.New()
	if err := reg.Register("invoices", &registry.Catalog{Tools: []*registry.Tool{
		{Name: "list_invoices", Category: "invoices", Description: "Lists invoices.", InputSchema: json.RawMessage(`{"type":"object"}`),
			Annotations: registry.Annotations{ReadOnly: &yes}, Scopes: []string{"invoices:read"},
			Examples: []registry.Example{{Title: "One", Arguments: json.RawMessage(`{"limit":1}`)}}},
		{Name: "create_invoice", Category: "invoices", Description: "Creates a draft.", InputSchema: json.RawMessage(`{"type":"object"}`),
			Scopes: []string{"invoices:write"}},
	}}); err != nil {
		t.Fatal(err)
	}
	if err := reg.Register("down", &registry.Catalog{Tools: []*registry.Tool{{Name: "down_tool", Scopes: []string{"admin"}}}}); err != nil {
		t.Fatal(err)
	}
	reg.SetAvailable("down", false)
	return reg
}

func TestBuildCatalog(t *testing.T) {
	reg := testRegistry(t)
	tests := []struct {
		name   string
		mode   string
		caller dispatch.Caller
		tools  []string
		tryIt  bool
	}{
		{"reader with a key in production", "production", dispatch.Caller{Subject: "k", Scopes: []string{"invoices:read"}, Auth: "api_key"}, []string{"list_invoices"}, true},
		{"local operator in production: no try-it", "production", dispatch.Caller{Subject: "local", Scopes: []string{"admin"}, Auth: "local"}, []string{"create_invoice", "list_invoices"}, false},
		{"local operator in sandbox", "sandbox", dispatch.Caller{Subject: "local", Scopes: []string{"admin"}, Auth: "local"}, []string{"create_invoice", "list_invoices"}, true},
		{"nobody", "production", dispatch.Caller{}, []string{}, false},
	}
	for _, tt := range tests {
		c := BuildCatalog(Options{Registry: reg, Mode: tt.mode}, tt.caller)
		got := []string{}
		for _, tool := range c.Tools {
			got = append(got, tool.Name)
		}
		if diff := cmp.Diff(tt.tools, got); diff != "" || c.TryIt != tt.tryIt {
			t.Errorf("%s: tools (-want +got):\n%s try-it %v, want %v", tt.name, diff, c.TryIt, tt.tryIt)
		}
	}
}

func TestHandler(t *testing.T) {
	h := Handler(Options{Registry: testRegistry(t), Mode: "sandbox", Version: "test"})
	get := func(path string) (*http.Response, string) {
		r := httptest.NewRequest("GET", path, nil)
		r = r.WithContext(dispatch.WithCaller(context.Background(), dispatch.Caller{Subject: "k", Scopes: []string{"invoices:read"}, Auth: "api_key"}))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		b, _ := io.ReadAll(w.Result().Body)
		return w.Result(), string(b)
	}
	for _, tt := range []struct{ path, contains, ctype string }{
		{"/docs/", "<title>Billy MCP", "text/html"},
		{"/docs/app.js", "catalog.json", "javascript"},
		{"/docs/style.css", "body", "text/css"},
		{"/docs/catalog.json", `"list_invoices"`, "application/json"},
	} {
		res, body := get(tt.path)
		if res.StatusCode != 200 || !strings.Contains(body, tt.contains) || !strings.Contains(res.Header.Get("Content-Type"), tt.ctype) {
			t.Errorf("GET %s: %d %s, body without %q", tt.path, res.StatusCode, res.Header.Get("Content-Type"), tt.contains)
		}
	}
	if _, body := get("/docs/catalog.json"); strings.Contains(body, "create_invoice") {
		t.Error("catalog.json shows a reader create_invoice")
	}
	if res, _ := get("/docs"); res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "/docs/" {
		t.Errorf("GET /docs: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ := get("/docs/"); !strings.Contains(res.Header.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Error("the page has no content security policy")
	}
}
