package httpserver

import (
	"net/http"
	"net/netip"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/auth"
	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/docspage"
	"github.com/billy-mcp/billy-mcp/host/internal/mcpserver"
	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/billy-mcp/billy-mcp/host/internal/rest"
	"github.com/billy-mcp/billy-mcp/host/internal/scopes"
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
	// Security authenticates and limits requests; the zero value lets
	// every request in as the local operator (tests).
	Security   *Security
	MCP        *mcpserver.Server
	Registry   *registry.Registry
	Dispatcher *dispatch.Dispatcher
	Plugins    Plugins
	Gatherer   prometheus.Gatherer
	Version    string
	Mode       string
	Logger     hclog.Logger
	// TrustedProxies are the proxies whose X-Forwarded-For names the
	// client (http.trusted_proxies); empty: none.
	TrustedProxies []netip.Prefix
	// Approvals serves the MFA approval pages at /mfa/approve/ (open: the
	// page checks the principal's one-time code). nil: none.
	Approvals http.Handler
	// AuthServer is the embedded OAuth authorization server (its
	// metadata and everything under /oauth/), open to all: it does its
	// own authentication of users and clients. nil: none.
	AuthServer http.Handler
	// Uploads serves POST /uploads (package uploads), behind the same
	// authentication and limits as /mcp and with its own body cap
	// (uploads.max_bytes) instead of http.max_body_bytes. nil: none.
	Uploads http.Handler
	// Tracing continues a client's trace (its W3C traceparent header) in
	// the spans of its requests; off, the header is ignored.
	Tracing bool
}

// Handler returns the host's whole HTTP surface. Only /health/live, the
// protected resource metadata and (without a separate health listener)
// /health/ready answer without credentials; /health and /metrics need
// the metrics or admin scope.
func Handler(o Options) http.Handler {
	if o.MaxBatch <= 0 {
		o.MaxBatch = 20
	}
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	sec := o.Security
	if sec == nil {
		sec = &Security{}
	}
	authLog := o.Logger.Named("auth")
	mux := http.NewServeMux()
	h := newHealth(o)
	mux.HandleFunc("GET /health/live", h.live)
	ops := []string{scopes.Metrics}
	if sec.HealthListener {
		mux.Handle("GET /health/ready", sec.guard("admin", authLog, ops, http.HandlerFunc(h.ready)))
	} else {
		mux.HandleFunc("GET /health/ready", h.ready)
	}
	mux.Handle("GET /health", sec.guard("admin", authLog, ops, http.HandlerFunc(h.detail)))
	if o.Gatherer != nil {
		mux.Handle("GET /metrics", sec.guard("admin", authLog, ops, promhttp.HandlerFor(o.Gatherer, promhttp.HandlerOpts{})))
	}
	if sec.Metadata != nil {
		md := auth.MetadataHandler(*sec.Metadata)
		mux.Handle(auth.MetadataPath, md)
		mux.Handle(auth.MetadataRootPath, md)
	}

	if o.Approvals != nil {
		mux.Handle("/mfa/approve/", o.Approvals)
	}
	if o.AuthServer != nil {
		mux.Handle("/oauth/", o.AuthServer)
		mux.Handle("/.well-known/oauth-authorization-server", o.AuthServer)
		mux.Handle("/.well-known/openid-configuration", o.AuthServer)
	}

	mcpHandler := o.MCP.HTTPHandler()
	mux.Handle("/mcp", sec.guard("mcp-http", authLog, nil, mcpHandler))

	if o.Uploads != nil {
		mux.Handle(UploadsPath, sec.guard("uploads", authLog, nil, o.Uploads))
	}

	api := rest.Handler(rest.Options{Registry: o.Registry, Dispatcher: o.Dispatcher, MaxBatch: o.MaxBatch})
	mux.Handle("/api/v1/", sec.guard("rest", authLog, nil, api))

	// The interactive docs: behind the same authentication as the rest,
	// except for a sandbox on loopback, where the books are made up and
	// only this machine can reach the page (its try-it form still calls
	// the REST API, which asks for a key when keys are configured).
	if o.Registry != nil {
		docs := docspage.Handler(docspage.Options{Registry: o.Registry, Mode: o.Mode, Version: o.Version})
		if o.Mode == "sandbox" && IsLoopbackAddr(o.Addr) {
			docs = asLocal(docs)
		} else {
			docs = sec.guard("docs", authLog, nil, docs)
		}
		mux.Handle("/docs", docs)
		mux.Handle("/docs/", docs)
	}

	var handler http.Handler = mux
	handler = limitBody(o.MaxBodyBytes, o.Uploads != nil, handler)
	handler = refuseControl(handler)
	handler = ipLimit(sec.Limits, handler)
	handler = cors(handler)
	handler = rebindingGuard(IsLoopbackAddr(o.Addr), o.AllowedHosts, o.AllowedOrigins, handler)
	if o.Tracing {
		handler = continueTrace(handler)
	}
	handler = correlate(handler)
	handler = accessLog(o.Logger.Named("http"), handler)
	handler = withClientAddr(o.TrustedProxies, handler)
	return handler
}

// HealthHandler is the separate health listener's surface: /health/live
// and /health/ready, open, for the platform's checks.
func HealthHandler(o Options) http.Handler {
	h := newHealth(o)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health/live", h.live)
	mux.HandleFunc("GET /health/ready", h.ready)
	return correlate(mux)
}

func newHealth(o Options) *health {
	h := &health{plugins: o.Plugins, version: o.Version, mode: o.Mode, started: time.Now()}
	if o.Dispatcher != nil {
		h.draining = o.Dispatcher.Draining
	}
	return h
}

// asLocal serves next as the guard serves a deployment without keys: to
// the local operator.
func asLocal(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := dispatch.Caller{Subject: "local", Scopes: []string{"admin"}, Auth: auth.MethodLocal}
		next.ServeHTTP(w, r.WithContext(dispatch.WithCaller(r.Context(), c)))
	})
}
