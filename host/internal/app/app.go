package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"path/filepath"
	"sort"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/auth"
	"github.com/billy-mcp/billy-mcp/host/internal/billy"
	"github.com/billy-mcp/billy-mcp/host/internal/cache"
	"github.com/billy-mcp/billy-mcp/host/internal/config"
	"github.com/billy-mcp/billy-mcp/host/internal/credentials"
	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/hostsvc"
	"github.com/billy-mcp/billy-mcp/host/internal/httpserver"
	"github.com/billy-mcp/billy-mcp/host/internal/logging"
	"github.com/billy-mcp/billy-mcp/host/internal/mcpserver"
	"github.com/billy-mcp/billy-mcp/host/internal/mfa"
	"github.com/billy-mcp/billy-mcp/host/internal/oauthserver"
	"github.com/billy-mcp/billy-mcp/host/internal/pluginhost"
	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/billy-mcp/billy-mcp/host/internal/shared"
	"github.com/billy-mcp/billy-mcp/host/internal/tracing"
	"github.com/billy-mcp/billy-mcp/host/internal/uploads"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/billy-mcp/billy-mcp/sandbox"
	"github.com/hashicorp/go-hclog"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"
)

// Version is the host's version, set at build time with -ldflags.
var Version = "2.0.0-dev"

// App is a configured host.
type App struct {
	Config     *config.Config
	Logger     hclog.Logger
	Registry   *registry.Registry
	Plugins    *pluginhost.Manager
	Dispatcher *dispatch.Dispatcher
	MCP        *mcpserver.Server
	Metrics    *prometheus.Registry
	// Sandbox is the embedded fake Billy in sandbox mode, else nil.
	Sandbox *sandbox.Server
	// OrganizationID is the Billy organization requests act on.
	OrganizationID string
	gateway        *billy.Gateway
	closers        []func()
	store          *durable         // the durable store (store.go)
	uploads        *uploads.Service // POST /uploads (uploads.go)
	// The audit log's checkpoints and retention (audit.go).
	audit *auditTrail
	// The configuration in force (reload.go).
	reload reloading
	// With Redis: the client and what lives in it; nil without.
	redis    redis.UniversalClient
	limiter  *shared.Limiter
	sessions *shared.Sessions
	cache    *cache.Cache // nil when cache.enabled is false
	// keys is the key ring for the secrets in the store (credentials.go).
	keys *credentials.Ring
	// The HTTP edge's authentication and limits (security.go).
	security      *httpserver.Security
	authenticator *auth.Authenticator
	// authServer is the embedded authorization server (auth.server), nil
	// when off.
	authServer *oauthserver.Server
	// approvals are MFA approvals of sensitive calls (mfa.go), nil when
	// auth.mfa asks for none.
	approvals *mfa.Approvals
	// tracing exports spans; nil when tracing is off (tracing.go).
	tracing *tracing.Tracing
}

// NewLogger makes the host's logger: structured, on stderr (stdout belongs
// to the stdio transport), at the configured level.
func NewLogger(cfg *config.Config, out io.Writer) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{
		Name:       "billy-mcp",
		Level:      hclog.LevelFromString(cfg.Log.Level),
		Output:     logging.Bounded(out, logging.MaxLineBytes, cfg.Log.Format != "text"),
		JSONFormat: cfg.Log.Format != "text",
	})
}

// New builds the host from cfg. Nothing runs until Start.
func New(cfg *config.Config, logger hclog.Logger) (*App, error) {
	a := &App{Config: cfg, Logger: logger, Registry: registry.New(), Metrics: prometheus.NewRegistry()}
	a.Metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	var err error
	if a.tracing, err = a.newTracing(); err != nil {
		return nil, err
	}
	auditLog, err := a.openAudit()
	if err != nil {
		return nil, err
	}

	if err := a.setUpShared(); err != nil {
		return nil, err
	}
	if a.cache, err = a.newCache(); err != nil {
		return nil, err
	}
	if err := a.setUpBilly(); err != nil {
		return nil, err
	}
	if a.security, err = a.newSecurity(); err != nil {
		return nil, err
	}
	if err := a.registerHostTools(); err != nil {
		return nil, err
	}
	tools := newToolMetrics(a.Metrics)
	specs := pluginSpecs(cfg)
	checksums := cfg.PluginDefaults.ChecksumsFile
	if checksums != "" && !filepath.IsAbs(checksums) {
		checksums = filepath.Join(cfg.PluginDefaults.Dir, checksums)
	}

	master, persistent, err := loadSigningKey(cfg)
	if err != nil {
		logger.Warn("no lasting signing key: confirmation tokens and multi round-trip states are good only in this process",
			"error", err.Error(), "fix", "set signing_key (BILLY_MCP_SIGNING_KEY) or a writable data_dir (BILLY_MCP_DATA_DIR)")
	} else if !persistent {
		logger.Warn("the signing key is this process's own")
	}

	var hs func(string) pluginv1.HostServicesServer
	a.Plugins = pluginhost.New(pluginhost.Options{
		Specs:          specs,
		ChecksumsFile:  checksums,
		Environment:    cfg.Mode,
		SigningKey:     func(plugin string) []byte { return deriveKey(master, "plugin "+plugin) },
		StartTimeout:   cfg.PluginDefaults.StartTimeout,
		HealthInterval: cfg.PluginDefaults.HealthInterval,
		BackoffInitial: cfg.PluginDefaults.RestartBackoffInitial,
		BackoffMax:     cfg.PluginDefaults.RestartBackoffMax,
		Registry:       a.Registry,
		HostServices:   func(p string) pluginv1.HostServicesServer { return hs(p) },
		Logger:         logger.Named("plugins"),
		Tracer:         a.tracing.Tracer(),
	})
	a.Metrics.MustRegister(newPluginCollector(a.Plugins.Statuses))
	a.store = newDurable(cfg, logger.Named("store"))
	stages := []dispatch.Middleware{tools.middleware}
	if a.approvals = a.newApprovals(master); a.approvals != nil {
		stages = append(stages, a.mfaStage(deriveKey(master, "audit arguments")))
	}
	a.Dispatcher = dispatch.New(dispatch.Options{
		Registry:       a.Registry,
		Invoker:        hostTools{Invoker: a.Plugins, cache: a.cache, audit: a.durableStore, reg: a.Registry, ops: a.opsCheck},
		Logger:         logger,
		Timeout:        cfg.Calls.Timeout,
		MaxString:      cfg.Calls.MaxStringBytes,
		WritesMode:     cfg.Writes.Mode,
		Stages:         stages,
		Audit:          auditLog,
		AuditKey:       deriveKey(master, "audit arguments"),
		Idempotency:    a.store,
		IdempotencyTTL: cfg.Writes.IdempotencyTTL,
		WriteSettle:    cfg.Writes.SettleAfter,
		Tracer:         a.tracing.Tracer(),
	})
	a.Metrics.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "billy_mcp_draining",
		Help: "1 once the host has begun to drain (SIGTERM): readiness answers 503 and new calls are refused."},
		func() float64 {
			if a.Dispatcher.Draining() {
				return 1
			}
			return 0
		}))
	a.uploads = uploads.New(uploads.Options{Store: a.store, MaxBytes: cfg.Uploads.MaxBytes, TTL: cfg.Uploads.TTL,
		MaxConcurrent: cfg.Uploads.MaxConcurrent, MaxBytesPerPrincipal: cfg.Uploads.MaxBytesPerPrincipal,
		Logger: logger.Named("uploads")})
	deps := hostsvc.Deps{Dispatcher: a.Dispatcher, Logger: logger, Billy: billyAdapter{a.gateway}, Once: a.store,
		Uploads: uploadReader{a.uploads}}
	hs = hostsvc.Factory(deps)
	// mcp.tools_list: compact lists tools without their arguments; the
	// instructions tell the model where they are.
	compact := cfg.MCP.ToolsList == config.ToolsListCompact
	instructions := mcpInstructions
	if compact {
		instructions += " Tools are listed without their arguments: before calling one, get its inputSchema from search_tools (schemas: true)."
	}
	a.MCP = mcpserver.New(mcpserver.Options{
		Name: "billy-mcp", Version: Version,
		Instructions: instructions,
		Registry:     a.Registry, Dispatcher: a.Dispatcher, Logger: logger.Named("mcp"),
		StateKey:   deriveKey(master, "request state"),
		Sessions:   mcpSessions(a.sessions),
		SessionKey: deriveKey(master, "mcp sessions"), SessionIdleTTL: cfg.HTTP.SessionIdleTTL, SessionMaxAge: cfg.HTTP.SessionMaxAge,
		Tasks: taskStore{a.store}, Instance: instanceName(),
		CompactTools: compact,
	})
	if a.approvals != nil {
		// An approval given on the page completes the URL elicitation
		// of the MCP session that asked for it.
		a.approvals.OnApproved = a.MCP.ApprovalGiven
		a.approvals.Audit = a.auditApprovalAttempt
	}
	return a, nil
}

// setUpBilly creates the Billy gateway: toward Billy when a token is
// configured, else toward an embedded sandbox (a fake Billy with demo data)
// started on a loopback port, so the gateway, its retries and its metrics
// work exactly as in production.
func (a *App) setUpBilly() error {
	cfg := a.Config
	a.OrganizationID = cfg.Billy.OrganizationID
	base := cfg.Billy.APIBase
	apiKey := cfg.Billy.APIKey
	if err := a.setUpKeys(); err != nil {
		return err
	}
	token := a.billyToken(apiKey)
	if cfg.Mode == config.ModeSandbox {
		sb, addr, err := a.startSandbox()
		if err != nil {
			return err
		}
		base = "http://" + addr + "/v2"
		tokens := map[string]string{}
		for _, o := range sb.Organizations() {
			tokens[o.ID] = o.AccessToken
		}
		token = func(_ context.Context, org string) (string, error) {
			if t, ok := tokens[org]; ok {
				return t, nil
			}
			return "", errmodel.New(errmodel.NotFound, "organization_not_found",
				"the sandbox has no organization %q; GET %s/../_sandbox/organizations lists them", org, base)
		}
		if a.OrganizationID == "" {
			a.OrganizationID = sb.DefaultOrganizationID()
		}
	}
	g, err := billy.New(billy.Options{
		BaseURL:    base,
		Token:      token,
		Timeout:    cfg.Billy.Timeout,
		RateLimit:  billy.RateLimit{RequestsPerSecond: float64(cfg.Billy.RateLimitPerSecond), Burst: cfg.Billy.RateLimitBurst},
		Breaker:    billy.BreakerSettings{ConsecutiveFailures: cfg.Billy.BreakerFailures, OpenTimeout: cfg.Billy.BreakerOpenTimeout},
		Registerer: a.Metrics,
		Logger:     a.Logger.Named("billy"),
		Cache:      a.cache,
		StaleAfter: cfg.Cache.StaleAfter,

		SharedLimiter: gatewayLimiter(a.limiter),
		Tracer:        a.tracing.Tracer(),
	})
	if err != nil {
		return fmt.Errorf("billy gateway: %w", err)
	}
	a.gateway = g
	return nil
}

// startSandbox serves an embedded sandbox on a loopback port until Stop.
func (a *App) startSandbox() (*sandbox.Server, string, error) {
	cfg := a.Config
	// The token never leaves the process: the gateway is the only client.
	var secret [16]byte
	_, _ = rand.Read(secret[:])
	var today time.Time
	if cfg.Sandbox.Today != "" {
		var err error
		if today, err = time.Parse(time.DateOnly, cfg.Sandbox.Today); err != nil {
			return nil, "", fmt.Errorf("sandbox.today: %q is not a date; use YYYY-MM-DD", cfg.Sandbox.Today)
		}
	}
	sb, err := sandbox.New(sandbox.Options{Token: hex.EncodeToString(secret[:]), Seed: cfg.Sandbox.Seed,
		Business: cfg.Sandbox.Business, Today: today, Logger: a.Logger.Named("sandbox")})
	if err != nil {
		return nil, "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", fmt.Errorf("sandbox: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := sb.Serve(ctx, ln); err != nil {
			a.Logger.Error("sandbox stopped", "error", err)
		}
	}()
	a.closers = append(a.closers, func() { cancel(); <-done })
	a.Sandbox = sb
	orgs := sb.Organizations()
	a.Logger.Info("sandbox mode: Billy is the embedded fake with demo data", "addr", ln.Addr().String(),
		"organizations", len(orgs), "default_organization", sb.DefaultOrganizationID())
	return sb, ln.Addr().String(), nil
}

// Start launches the plugins. A duplicate tool name across plugins is
// returned as an error; other plugin failures are logged and shown in
// /health.
func (a *App) Start(ctx context.Context) error {
	start := time.Now()
	// Before the plugins: a confirmed write may come as soon as they are
	// up. A store that cannot be opened does not stop the start.
	a.store.open(ctx)
	a.audit.start()
	if err := a.startAdmin(); err != nil {
		return fmt.Errorf("admin.addr %s: %w", a.Config.Admin.Addr, err)
	}
	// One line naming every plugin the configuration enables: a file's
	// plugins are added to the built-in set unless plugin_set is replace,
	// and this is where an operator sees the result.
	enabled, disabled := []string{}, []string{} // [] rather than null in JSON logs
	for name, p := range a.Config.Plugins {
		if p.IsEnabled() {
			enabled = append(enabled, name)
		} else {
			disabled = append(disabled, name)
		}
	}
	sort.Strings(enabled)
	sort.Strings(disabled)
	a.Logger.Info("starting plugins", "enabled", enabled, "disabled", disabled, "plugin_set", a.Config.PluginSet)
	if err := a.checkCredentials(ctx); err != nil {
		return err
	}
	if err := a.Plugins.Start(ctx); err != nil {
		return err
	}
	a.startCache()
	ready := 0
	for _, s := range a.Plugins.Statuses() {
		if s.State == pluginhost.StateReady {
			ready++
		}
	}
	a.Logger.Info("plugins started", "ready", ready, "enabled", len(a.Plugins.Statuses()),
		"tools", len(a.Registry.Tools(true)), "duration_ms", time.Since(start).Milliseconds())
	return nil
}

// Stop stops the plugins and anything else the app started.
func (a *App) Stop() {
	a.Plugins.Stop()
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	a.MCP.Close()
	// Last: whatever stopped above may still have written to it.
	a.store.close()
}

// Handler returns the HTTP surface.
func (a *App) Handler() http.Handler {
	cfg := a.Config
	return httpserver.Handler(httpserver.Options{
		Addr:           cfg.HTTP.Addr,
		AllowedHosts:   cfg.HTTP.AllowedHosts,
		AllowedOrigins: cfg.HTTP.AllowedOrigins,
		MaxBodyBytes:   cfg.HTTP.MaxBodyBytes,
		MaxBatch:       cfg.Calls.MaxBatch,
		Security:       a.security,
		MCP:            a.MCP,
		Registry:       a.Registry,
		Dispatcher:     a.Dispatcher,
		Plugins:        a.Plugins,
		Gatherer:       a.Metrics,
		Version:        Version,
		Mode:           cfg.Mode,
		Logger:         a.Logger,
		AuthServer:     a.authServerHandler(),
		Tracing:        a.tracing != nil,
		TrustedProxies: trustedProxies(cfg.HTTP.TrustedProxies),
		Approvals:      a.approvalsHandler(),
		Uploads:        a.uploadsHandler(),
	})
}

func (a *App) approvalsHandler() http.Handler {
	if a.approvals == nil {
		return nil
	}
	return a.approvals.Handler()
}

// trustedProxies parses http.trusted_proxies (Validate checked them).
func trustedProxies(list []string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range list {
		if p, err := config.ParseProxy(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}

func (a *App) authServerHandler() http.Handler {
	if a.authServer == nil {
		return nil
	}
	return a.authServer.Handler()
}

// ServeHTTP listens on the configured address and serves until ctx ends,
// then shuts down gracefully. ready, if not nil, receives the bound address.
func (a *App) ServeHTTP(ctx context.Context, ready func(addr string)) error {
	ln, err := net.Listen("tcp", a.Config.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s (http.addr / BILLY_MCP_HTTP_ADDR): %w", a.Config.HTTP.Addr, err)
	}
	// Request contexts derive from base, which is cancelled only once the
	// calls in flight have drained: long-lived streams (MCP's GET stream)
	// end then, and no call is cut off by the host's own shutdown.
	base, cancelBase := context.WithCancel(context.Background())
	defer cancelBase()
	h := a.Config.HTTP
	edge := &httpserver.Edge{ReadHeaderTimeout: h.ReadHeaderTimeout, ReadTimeout: h.ReadTimeout, WriteTimeout: h.WriteTimeout,
		IdleTimeout: h.IdleTimeout, MaxConnections: h.MaxConnections}
	srv := edge.Server(closeWhileStopping(a.Handler(), a.Dispatcher.Draining))
	srv.BaseContext = func(net.Listener) context.Context { return base }
	ln = edge.Listen(ln)
	if h.HealthAddr != "" {
		stop, err := a.serveHealth(h.HealthAddr)
		if err != nil {
			return err
		}
		defer stop()
	}
	a.Logger.Info("serving", "addr", ln.Addr().String(), "mcp", "http://"+ln.Addr().String()+"/mcp", "mode", a.Config.Mode)
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	if d := a.Config.HTTP.DrainDelay; d > 0 {
		a.Dispatcher.StopReadiness()
		a.Logger.Info("stopping: readiness 503, still serving while the load balancer notices", "drain_delay", d.String())
		time.Sleep(d)
	}
	a.drain()
	cancelBase()
	sctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// drain is the first step of stopping: readiness turns 503 at once, new
// calls are refused (retryable), and the calls in flight get up to
// http.shutdown_timeout to finish. A write still running then is cut off
// when its plugin stops, and its client is told the outcome is unknown.
func (a *App) drain() {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), a.Config.HTTP.ShutdownTimeout)
	defer cancel()
	a.Logger.Info("draining: no new calls; waiting for the calls in flight", "timeout", a.Config.HTTP.ShutdownTimeout.String())
	if left := a.Dispatcher.Drain(ctx); left > 0 {
		a.Logger.Warn("drain timed out; stopping with calls in flight", "calls", left, "waited", time.Since(start).String())
		return
	}
	a.Logger.Info("drained", "duration_ms", time.Since(start).Milliseconds())
}

// ServeStdio serves MCP on in/out as the local operator. ready, when not
// nil, is closed once the plugins are up (Start ran): until then the
// client's handshake is answered and anything else waits
// (mcpserver.HoldUntil), so a client is not kept waiting for its first
// answer while the plugins start; the list_changed notifications sent
// before the client was given any list are dropped (mcpserver.QuietUntil).
func (a *App) ServeStdio(ctx context.Context, in io.Reader, out io.Writer, ready <-chan struct{}) error {
	caller := dispatch.Caller{Subject: "local", OrganizationID: a.OrganizationID, Scopes: []string{"*"}, Transport: "mcp-stdio"}
	if ready != nil {
		in = mcpserver.HoldUntil(ctx, in, ready)
	}
	out = mcpserver.QuietUntil(out)
	err := a.MCP.ServeStdio(ctx, caller, in, out)
	// Writes the client started run to their end (and are audited) before
	// the plugins stop.
	a.drain()
	return err
}

// billyAdapter lets host services reach the gateway.
type billyAdapter struct{ g *billy.Gateway }

func (b billyAdapter) CallBilly(ctx context.Context, org, corr string, req *pluginv1.BillyRequest) (*pluginv1.BillyResponse, error) {
	q := url.Values{}
	for _, p := range req.Query {
		q.Add(p.Key, p.Value)
	}
	var body []byte
	if req.BodyJson != "" {
		body = []byte(req.BodyJson)
	}
	var upType, upName string
	if u := req.GetUpload(); u != nil {
		if body != nil {
			return nil, errmodel.New(errmodel.Validation, "invalid_billy_request", "a Billy request has either a JSON body or a file upload, not both")
		}
		body, upType, upName = u.Data, u.ContentType, u.Filename
	}
	resp, err := b.g.Do(ctx, billy.Request{OrganizationID: org, Method: req.Method, Path: req.Path, Query: q, Body: body,
		UploadType: upType, UploadName: upName, CorrelationID: corr, Fresh: dispatch.FreshFrom(ctx)})
	if err != nil {
		return nil, err
	}
	out := &pluginv1.BillyResponse{Status: int32(resp.Status), BodyJson: string(resp.Body)}
	if c := resp.Cache; c != nil {
		out.Cache = &pluginv1.BillyCache{Tier: c.Tier, AgeMs: c.Age.Milliseconds(), Stale: c.Stale, Reason: c.Reason}
	}
	return out, nil
}

// closeWhileStopping answers with Connection: close once the host has begun
// to stop, so a client (or load balancer) opens a new connection for its
// next request, to another instance, instead of reusing one this host is
// about to close: closing an idle keep-alive connection races with a
// request sent on it, which then fails without an answer.
func closeWhileStopping(next http.Handler, stopping func() bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if stopping() {
			w.Header().Set("Connection", "close")
		}
		next.ServeHTTP(w, r)
	})
}

// mcpInstructions are the MCP server's instructions to the model: the
// conventions every tool shares.
const mcpInstructions = "Tools for a Danish company's books in Billy.dk: invoices, contacts, products, payments and VAT (MOMS). " +
	"Read tools are safe to call; write tools change the company's books. " +
	"IDs are Billy IDs from the list and get tools (a customer is a contact: contactId), never invoice numbers. " +
	"Dates are YYYY-MM-DD, ranges inclusive. Amounts are plain numbers in their record's currency; a payment's amount is in the invoices' currency " +
	"and is converted to the bank account's (cashExchangeRate: account units per invoice unit, default Billy's rate). Unit prices take up to 4 decimals " +
	"and exclude VAT unless an invoice's taxMode is incl. Credit notes' amounts and balances are negative (owed back), so sums over a list are net; " +
	"unpaid, overdue and paid list invoices only. paymentTermsDays alone means net days after the invoice date. " +
	"Results are machine formats; their message and preview texts are for people, in Danish formats (1.250,00 kr., 16. november 2026). " +
	"Lists take limit (1-100, default 25) and return next_cursor: pass it as cursor, with the same filters, for the next page (v1's offset also works). " +
	"Writes follow the deployment's write policy and may be turned off. On any write, dry_run: true returns the exact Billy requests and writes nothing. " +
	"Drafts, customers, products and contact persons are written at once. Writes that cannot be undone (approve, send, void, credit, payments) " +
	"may first return status confirmation_required with a preview: show it to the user and, only if they agree, repeat the identical call " +
	"with its confirmation_token (single use, 5 minutes). Never approve, send, void or pay unless the user asks."

// pluginSpecs are the enabled plugins, in name order, with what each is
// handed: its own folder under data_dir and, when granted, the database.
func pluginSpecs(cfg *config.Config) []pluginhost.Spec {
	names := make([]string, 0, len(cfg.Plugins))
	for n := range cfg.Plugins {
		names = append(names, n)
	}
	sort.Strings(names)
	var specs []pluginhost.Spec
	for _, n := range names {
		p := cfg.Plugins[n]
		if !p.IsEnabled() {
			continue
		}
		procs := p.MaxProcs
		if procs == 0 {
			procs = cfg.PluginDefaults.MaxProcs
		}
		spec := pluginhost.Spec{Name: n, Path: p.Path, SHA256: p.SHA256, Config: p.Config, MaxProcs: procs}
		if cfg.DataDir != "" {
			spec.DataDir = filepath.Join(cfg.DataDir, "plugins", n)
		}
		if p.Database {
			spec.DatabaseURL = cfg.Database.URL
		}
		specs = append(specs, spec)
	}
	return specs
}
