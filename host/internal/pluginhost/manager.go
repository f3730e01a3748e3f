package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/billy-mcp/billy-mcp/host/internal/tracing"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/hashicorp/go-hclog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Spec is one enabled plugin.
type Spec struct {
	// Name is the deployment's name for the plugin (its config key).
	Name string
	// Path is the absolute path of the binary.
	Path string
	// SHA256 is the expected hex checksum; empty means "look it up in the
	// checksums file".
	SHA256 string
	// Config is the plugin's own config section.
	Config map[string]any
	// MaxProcs is the plugin's GOMAXPROCS; 0 leaves Go's default.
	MaxProcs int
	// DataDir is the plugin's own folder (sdk.Deployment.DataDir), made
	// with mode 0700 before each start; empty gives the plugin none.
	DataDir string
	// DatabaseURL is the PostgreSQL URL the plugin is granted
	// (sdk.Deployment.DatabaseURL); empty grants none.
	DatabaseURL string
}

// Options configure a Manager.
type Options struct {
	Specs []Spec
	// ChecksumsFile is a SHA256SUMS file consulted for specs without SHA256.
	ChecksumsFile string
	// Environment is told to plugins ("sandbox", "production", "test").
	Environment string
	// SigningKey gives each plugin its own key for signing what it hands
	// clients (see sdk.Deployment); nil gives none.
	SigningKey     func(plugin string) []byte
	StartTimeout   time.Duration
	HealthInterval time.Duration
	BackoffInitial time.Duration
	BackoffMax     time.Duration
	Registry       *registry.Registry
	// HostServices returns the host services a plugin may call back into.
	HostServices func(plugin string) pluginv1.HostServicesServer
	Logger       hclog.Logger
	// Tracer records a span for each call into a plugin and sends its
	// context along (package tracing); nil records none.
	Tracer trace.Tracer
}

// Manager supervises the enabled plugins and is the dispatcher's Invoker.
type Manager struct {
	opts Options
	// mu guards instances and order, which a reload changes (Enable,
	// Disable) while calls look plugins up.
	mu        sync.RWMutex
	instances map[string]*instance
	order     []string
	// supervised is the context every supervisor runs in; Stop cancels it.
	supervised context.Context
	cancel     context.CancelFunc
	ledger     *ledger
	wg         sync.WaitGroup
}

// New makes a manager; nothing starts until Start.
func New(opts Options) *Manager {
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = 10 * time.Second
	}
	if opts.HealthInterval <= 0 {
		opts.HealthInterval = 5 * time.Second
	}
	if opts.BackoffInitial <= 0 {
		opts.BackoffInitial = 200 * time.Millisecond
	}
	if opts.BackoffMax <= 0 {
		opts.BackoffMax = 30 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	m := &Manager{opts: opts, instances: map[string]*instance{}}
	for _, s := range opts.Specs {
		m.instances[s.Name] = newInstance(s, m)
		m.order = append(m.order, s.Name)
	}
	sort.Strings(m.order)
	return m
}

// Start launches every plugin concurrently and waits for each one's first
// attempt. A plugin that fails to start is logged and reported in Statuses;
// the host serves the others. The one failure Start returns is a name
// offered by two plugins, which is a deployment mistake the operator must
// fix before the host can serve a consistent tool list. ctx bounds only the
// wait: the plugins run until Stop.
func (m *Manager) Start(ctx context.Context) error {
	// First end what a killed host left running, so restarts do not pile
	// up plugin processes (reap.go).
	m.ledger = openLedger(defaultLedgerDir(), hostProcs, m.opts.Logger)
	m.ledger.reapStale()
	m.mu.Lock()
	m.supervised, m.cancel = context.WithCancel(context.Background())
	first := make(chan error, len(m.instances))
	for _, name := range m.order {
		m.instances[name].run(m.supervised, first)
	}
	n := len(m.instances)
	m.mu.Unlock()
	var dup error
	for range n {
		select {
		case err := <-first:
			var d *registry.DuplicateError
			if errors.As(err, &d) && dup == nil {
				dup = err
			}
		case <-ctx.Done():
			m.Stop()
			return ctx.Err()
		}
	}
	if dup != nil {
		m.Stop()
		return dup
	}
	return nil
}

// Stop stops every plugin (gracefully, then forcibly) and waits for the
// supervisors to end.
func (m *Manager) Stop() {
	if m.cancel != nil {
		m.cancel()
	}
	var wg sync.WaitGroup
	for _, in := range m.all() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in.kill()
		}()
	}
	wg.Wait()
	m.wg.Wait()
	m.ledger.close()
}

// Status is a plugin's state for /health.
type Status struct {
	Name      string    `json:"name"`
	State     State     `json:"state"`
	Version   string    `json:"version,omitempty"`
	PID       int       `json:"pid,omitempty"`
	Restarts  int       `json:"restarts"`
	Tools     int       `json:"tools"`
	Since     time.Time `json:"since"`
	LastError string    `json:"lastError,omitempty"`
}

// Statuses returns every plugin's status, sorted by name.
func (m *Manager) Statuses() []Status {
	all := m.all()
	out := make([]Status, 0, len(all))
	for _, in := range all {
		out = append(out, in.status())
	}
	return out
}

// Ready reports whether every enabled plugin is described and healthy.
func (m *Manager) Ready() bool {
	for _, in := range m.all() {
		if in.status().State != StateReady {
			return false
		}
	}
	return true
}

// PID returns the process ID of a running plugin (0 when it is not
// running), for diagnostics and for tests that kill it.
func (m *Manager) PID(plugin string) int {
	if in, ok := m.get(plugin); ok {
		return in.status().PID
	}
	return 0
}

// Specs are the plugins the manager runs, in name order.
func (m *Manager) Specs() []Spec {
	var out []Spec
	for _, in := range m.all() {
		out = append(out, in.spec)
	}
	return out
}

// Enable starts a plugin the manager does not run (a reload enabled it)
// and waits for its first start attempt, whose failure it returns; a
// plugin that failed goes on being retried as at start, unless its
// failure is permanent or one of its names is taken (it is then removed).
func (m *Manager) Enable(ctx context.Context, spec Spec) error {
	m.mu.Lock()
	if _, ok := m.instances[spec.Name]; ok {
		m.mu.Unlock()
		return fmt.Errorf("plugin %s is already running", spec.Name)
	}
	if m.supervised == nil {
		m.mu.Unlock()
		return fmt.Errorf("plugin %s: the plugin manager has not started", spec.Name)
	}
	in := newInstance(spec, m)
	m.instances[spec.Name] = in
	m.order = append(m.order, spec.Name)
	sort.Strings(m.order)
	first := make(chan error, 1)
	in.run(m.supervised, first)
	m.mu.Unlock()
	select {
	case err := <-first:
		if isDuplicate(err) {
			_ = m.Disable(ctx, spec.Name, nil)
		}
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Disable stops a plugin for good (a reload disabled or changed it). Its
// tools leave the registry first, so no new call reaches it; drained, if
// given, then waits for the calls already in it (bounded by its ctx);
// then the plugin's process is stopped and forgotten.
func (m *Manager) Disable(ctx context.Context, name string, drained func(context.Context)) error {
	in, ok := m.get(name)
	if !ok {
		return fmt.Errorf("no plugin named %q is running", name)
	}
	in.retire()
	if drained != nil {
		drained(ctx)
	}
	if in.stop != nil { // nil before Start
		in.stop()
		<-in.done
	}
	in.kill()
	m.mu.Lock()
	delete(m.instances, name)
	m.order = slices.DeleteFunc(m.order, func(n string) bool { return n == name })
	m.mu.Unlock()
	in.logger.Info("plugin disabled")
	return nil
}

func (m *Manager) get(plugin string) (*instance, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	in, ok := m.instances[plugin]
	return in, ok
}

// all are the instances in name order.
func (m *Manager) all() []*instance {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]*instance, 0, len(m.order))
	for _, n := range m.order {
		out = append(out, m.instances[n])
	}
	return out
}

func (m *Manager) client(plugin string) (*instance, pluginv1.PluginClient, error) {
	in, ok := m.get(plugin)
	if !ok {
		return nil, nil, errmodel.New(errmodel.NotFound, "plugin_not_found", "no plugin named %q is enabled", plugin)
	}
	rpc := in.rpcClient()
	if rpc == nil {
		return nil, nil, unavailable(plugin, in.status())
	}
	return in, rpc, nil
}

func unavailable(plugin string, st Status) *errmodel.Error {
	msg := fmt.Sprintf("the %s plugin is not running (%s); ", plugin, st.State)
	if st.State == StateFailed {
		e := errmodel.New(errmodel.Internal, "plugin_failed", "%sit cannot start: %s. An operator must fix this", msg, st.LastError)
		return e
	}
	e := errmodel.New(errmodel.UpstreamUnavailable, "plugin_unavailable", "%sit is being restarted: retry in a few seconds", msg)
	e.RetryAfterSeconds = 2
	return e
}

// callError turns a failed RPC into the host's error model. A status means
// the plugin failed, not the tool (tools answer failures as data); only
// plugins built before that contract send a ToolError detail, which is read
// as the tool's answer.
func (m *Manager) callError(ctx context.Context, in *instance, err error) error {
	if e, ok := errmodel.FromStatus(err); ok {
		return e
	}
	st, _ := status.FromError(err)
	if ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			return errmodel.New(errmodel.Conflict, "cancelled", "the request was cancelled by the client")
		}
		return ctx.Err()
	}
	if st.Code() == codes.Internal || st.Code() == codes.Unknown {
		// The plugin answered but without our error detail (e.g. a panic
		// caught by gRPC itself): it is alive, so this is not retryable.
		// Its text may carry data; it goes to the log only.
		in.logger.Error("plugin call failed", "code", st.Code().String(), "error", st.Message())
		return errmodel.New(errmodel.Internal, "plugin_error",
			"the %s plugin failed; the host's log has the details under this request's correlation ID", in.spec.Name)
	}
	in.markDown()
	// The call had been sent: the dispatcher turns this into an unknown
	// outcome when the tool writes.
	e := errmodel.New(errmodel.UpstreamUnavailable, errmodel.CodePluginStopped,
		"the %s plugin stopped while handling the request (%s); it is being restarted: a read can be retried in a few seconds", in.spec.Name, st.Code())
	e.RetryAfterSeconds = 2
	return e
}

// answer is what a plugin answers a call with: its result, or its failure as
// data (CallToolResponse, ReadResourceResponse, GetPromptResponse).
type answer interface{ GetError() *pluginv1.ToolError }

// call sends one call to a plugin and reads its answer: a failure the
// plugin answered is the plugin's error; a failed RPC is the plugin failing
// (callError).
func call[A answer](ctx context.Context, m *Manager, plugin, method string, send func(context.Context, pluginv1.PluginClient) (A, error)) (resp A, err error) {
	if t := m.opts.Tracer; t != nil {
		// The plugin's side of the call: its span goes to the plugin with
		// the call, and comes back with its Billy requests (see tracing).
		var span trace.Span
		ctx, span = t.Start(ctx, "billy.plugin.v1.Plugin/"+method, trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(attribute.String("rpc.system", "grpc"), attribute.String("rpc.service", "billy.plugin.v1.Plugin"),
				attribute.String("rpc.method", method), attribute.String("billy_mcp.plugin", plugin)))
		ctx = tracing.ToPlugin(ctx)
		defer func() { tracing.End(span, err) }()
	}
	var none A
	in, rpc, err := m.client(plugin)
	if err != nil {
		return none, err
	}
	resp, err = send(ctx, rpc)
	if err != nil {
		return none, m.callError(ctx, in, err)
	}
	if e := resp.GetError(); e != nil {
		return none, errmodel.FromWire(e)
	}
	return resp, nil
}

// CallTool implements dispatch.Invoker.
func (m *Manager) CallTool(ctx context.Context, plugin string, req *pluginv1.CallToolRequest) (*pluginv1.CallToolResponse, error) {
	return call(ctx, m, plugin, "CallTool", func(ctx context.Context, c pluginv1.PluginClient) (*pluginv1.CallToolResponse, error) {
		return c.CallTool(ctx, req)
	})
}

// ReadResource implements dispatch.Invoker.
func (m *Manager) ReadResource(ctx context.Context, plugin string, req *pluginv1.ReadResourceRequest) (*pluginv1.ReadResourceResponse, error) {
	return call(ctx, m, plugin, "ReadResource", func(ctx context.Context, c pluginv1.PluginClient) (*pluginv1.ReadResourceResponse, error) {
		return c.ReadResource(ctx, req)
	})
}

// GetPrompt implements dispatch.Invoker.
func (m *Manager) GetPrompt(ctx context.Context, plugin string, req *pluginv1.GetPromptRequest) (*pluginv1.GetPromptResponse, error) {
	return call(ctx, m, plugin, "GetPrompt", func(ctx context.Context, c pluginv1.PluginClient) (*pluginv1.GetPromptResponse, error) {
		return c.GetPrompt(ctx, req)
	})
}
