package httpserver

import (
	"net/http"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/mcpserver"
	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/billy-mcp/billy-mcp/host/internal/rest"
	"github.com/hashicorp/go-hclog"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Options assemble the HTTP handler.
type Options struct {
	// Addr is the listen address; loopback addresses turn on the Host check.
	Addr           string
	AllowedHosts   []string
	AllowedOrigins []string
	MaxBodyBytes   int64
	MaxBatch       int
	Auth           Authenticator
	MCP            *mcpserver.Server
	Registry       *registry.Registry
	Dispatcher     *dispatch.Dispatcher
	Plugins        Plugins
	Gatherer       prometheus.Gatherer
	Version, Mode  string
	Logger         hclog.Logger
}

// Handler returns the host's whole HTTP surface.
func Handler(o Options) http.Handler {
	if o.MaxBatch <= 0 {
		o.MaxBatch = 20
	}
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	mux := http.NewServeMux()
	h := &health{plugins: o.Plugins, version: o.Version, mode: o.Mode, started: time.Now()}
	if o.Dispatcher != nil {
		h.draining = o.Dispatcher.Draining
	}
	mux.HandleFunc("GET /health/live", h.live)
	mux.HandleFunc("GET /health/ready", h.ready)
	mux.HandleFunc("GET /health", h.detail)
	if o.Gatherer != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(o.Gatherer, promhttp.HandlerOpts{}))
	}

	mcpHandler := o.MCP.HTTPHandler()
	mux.Handle("/mcp", authenticate(o.Auth, "mcp-http", mcpHandler))

	api := rest.Handler(rest.Options{Registry: o.Registry, Dispatcher: o.Dispatcher, MaxBatch: o.MaxBatch})
	mux.Handle("/api/v1/", authenticate(o.Auth, "rest", api))

	var handler http.Handler = mux
	handler = limitBody(o.MaxBodyBytes, handler)
	handler = rebindingGuard(IsLoopbackAddr(o.Addr), o.AllowedHosts, o.AllowedOrigins, handler)
	handler = correlate(handler)
	handler = accessLog(o.Logger.Named("http"), handler)
	return handler
}
