package docspage

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/registry"
)

//go:embed static
var static embed.FS

// Options configure the docs page.
type Options struct {
	Registry *registry.Registry
	// Mode is the deployment's mode (sandbox or production): the try-it
	// form is offered to anyone the edge let in only in sandbox mode.
	Mode    string
	Version string
}

// Tool is a tool as the page shows it.
type Tool struct {
	Name         string             `json:"name"`
	Title        string             `json:"title,omitempty"`
	Category     string             `json:"category,omitempty"`
	Description  string             `json:"description"`
	Effect       string             `json:"effect"`
	Annotations  map[string]bool    `json:"annotations,omitempty"`
	Scopes       []string           `json:"scopes,omitempty"`
	InputSchema  json.RawMessage    `json:"inputSchema"`
	OutputSchema json.RawMessage    `json:"outputSchema,omitempty"`
	Examples     []registry.Example `json:"examples,omitempty"`
}

// Catalog is /docs/catalog.json.
type Catalog struct {
	Version string `json:"version"`
	Mode    string `json:"mode"`
	// TryIt says whether the page offers the try-it form to this caller.
	TryIt bool   `json:"tryIt"`
	Tools []Tool `json:"tools"`
}

// Handler serves /docs/ (the page) and /docs/catalog.json; mount it under
// /docs/ behind the edge's authentication.
func Handler(o Options) http.Handler {
	sub, _ := fs.Sub(static, "static")
	files := http.StripPrefix("/docs/", http.FileServerFS(sub))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /docs/catalog.json", func(w http.ResponseWriter, r *http.Request) {
		caller := dispatch.CallerFrom(r.Context())
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(BuildCatalog(o, caller))
	})
	mux.Handle("GET /docs/", securityHeaders(files))
	mux.Handle("GET /docs", http.RedirectHandler("/docs/", http.StatusMovedPermanently))
	return mux
}

// securityHeaders keep the page to its own files: no script, style or
// connection elsewhere, and no framing.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}

// BuildCatalog lists the tools caller may call whose plugins are up, as
// caller sees them (dispatch.VisibleTools: the organization argument for a
// principal of several organizations).
func BuildCatalog(o Options, caller dispatch.Caller) Catalog {
	c := Catalog{Version: o.Version, Mode: o.Mode, Tools: []Tool{},
		TryIt: o.Mode == "sandbox" || (caller.Auth != "" && caller.Auth != "local")}
	for _, t := range dispatch.VisibleTools(caller, o.Registry.Tools(true)) {
		c.Tools = append(c.Tools, Tool{Name: t.Name, Title: t.Title, Category: t.Category, Description: t.Description,
			Effect: t.Effect(), Annotations: annotations(t.Annotations), Scopes: t.Scopes,
			InputSchema: t.InputSchema, OutputSchema: t.OutputSchema, Examples: t.Examples})
	}
	return c
}

func annotations(a registry.Annotations) map[string]bool {
	m := map[string]bool{}
	for name, v := range map[string]*bool{"readOnlyHint": a.ReadOnly, "destructiveHint": a.Destructive,
		"idempotentHint": a.Idempotent, "openWorldHint": a.OpenWorld} {
		if v != nil {
			m[name] = *v
		}
	}
	return m
}
