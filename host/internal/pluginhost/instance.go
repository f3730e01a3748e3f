package pluginhost

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime/debug"
	"sync"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// State is where a plugin is in its life.
type State string

// Plugin states.
const (
	StateStarting   State = "starting"
	StateReady      State = "ready"
	StateUnhealthy  State = "unhealthy"
	StateRestarting State = "restarting"
	StateFailed     State = "failed"
	StateStopped    State = "stopped"
)

const (
	// stableAfter is how long a plugin must run before its restart backoff
	// resets to the initial delay.
	stableAfter = time.Minute
	// exitPoll is how often the supervisor checks that the process is still
	// there; cheap (a flag read), and it bounds how long a crash goes
	// unnoticed when no call trips over it.
	exitPoll = 100 * time.Millisecond
	// unhealthyAfter consecutive failed health RPCs make the supervisor
	// restart a plugin whose process is still alive but wedged.
	unhealthyAfter = 3
)

// maxMessageSize matches the sdk's limit.
const maxMessageSize = 16 << 20

type instance struct {
	spec   Spec
	m      *Manager
	logger hclog.Logger
	wake   chan struct{}
	// stop ends the supervisor, which closes done when it has.
	stop context.CancelFunc
	done chan struct{}

	// regMu orders registering the catalog against retiring: once retired
	// the plugin never registers again, even if a start was under way.
	regMu    sync.Mutex
	retiring bool

	mu       sync.Mutex
	client   *goplugin.Client
	thread   *forkThread
	rpc      pluginv1.PluginClient
	state    State
	since    time.Time
	restarts int
	lastErr  string
	version  string
	pid      int
}

func newInstance(spec Spec, m *Manager) *instance {
	return &instance{spec: spec, m: m, logger: m.opts.Logger.Named("plugin." + spec.Name),
		wake: make(chan struct{}, 1), state: StateStarting, since: time.Now()}
}

func (in *instance) status() Status {
	in.mu.Lock()
	defer in.mu.Unlock()
	return Status{Name: in.spec.Name, State: in.state, Version: in.version, PID: in.pid, Restarts: in.restarts,
		Tools: in.m.opts.Registry.ToolCount(in.spec.Name), Since: in.since, LastError: in.lastErr}
}

func (in *instance) setState(s State, err error) {
	in.mu.Lock()
	if in.state != s {
		in.since = time.Now()
	}
	in.state = s
	if err != nil {
		in.lastErr = err.Error()
	}
	in.mu.Unlock()
}

func (in *instance) rpcClient() pluginv1.PluginClient {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.state != StateReady && in.state != StateUnhealthy {
		return nil
	}
	return in.rpc
}

// markDown records that a call found the plugin gone: readiness and the
// tool list reflect it at once, before the supervisor's next look, and the
// supervisor is woken to restart it.
func (in *instance) markDown() {
	in.mu.Lock()
	wasUp := in.state == StateReady || in.state == StateUnhealthy
	if wasUp {
		in.state, in.since, in.lastErr = StateRestarting, time.Now(), "the plugin stopped answering during a call"
	}
	in.mu.Unlock()
	if wasUp {
		in.m.opts.Registry.SetAvailable(in.spec.Name, false)
	}
	in.nudge()
}

// nudge makes the supervisor check the process now (a call just failed in a
// way that suggests it is gone).
func (in *instance) nudge() {
	select {
	case in.wake <- struct{}{}:
	default:
	}
}

// errRetired is a start after the plugin was disabled.
var errRetired = errors.New("the plugin was disabled")

func (in *instance) register(c *registry.Catalog) error {
	in.regMu.Lock()
	defer in.regMu.Unlock()
	if in.retiring {
		return errRetired
	}
	return in.m.opts.Registry.Register(in.spec.Name, c)
}

// retire takes the plugin's catalog out of the registry for good, so no
// new call reaches it; the calls already in it go on until the process
// is stopped.
func (in *instance) retire() {
	in.regMu.Lock()
	in.retiring = true
	in.regMu.Unlock()
	in.m.opts.Registry.Unregister(in.spec.Name)
}

// run supervises the plugin in its own goroutine until stopped.
func (in *instance) run(parent context.Context, first chan<- error) {
	ctx, stop := context.WithCancel(parent)
	in.stop, in.done = stop, make(chan struct{})
	in.m.wg.Add(1)
	go func() {
		defer in.m.wg.Done()
		defer close(in.done)
		in.supervise(ctx, first)
	}()
}

// supervise starts the plugin and keeps it running until ctx ends. The
// result of the first start attempt is sent on first.
func (in *instance) supervise(ctx context.Context, first chan<- error) {
	backoff := in.m.opts.BackoffInitial
	reported := false
	report := func(err error) {
		if !reported {
			reported = true
			first <- err
		}
	}
	for {
		err := in.start(ctx)
		if ctx.Err() != nil {
			report(ctx.Err())
			return
		}
		if err != nil {
			in.kill()
			if errors.Is(err, errRetired) {
				in.setState(StateStopped, nil)
				report(err)
				return
			}
			if IsPermanent(err) || isDuplicate(err) {
				in.logger.Error("plugin cannot start; not retrying until the host restarts", "error", err)
				in.setState(StateFailed, err)
				report(err)
				return
			}
			in.logger.Warn("plugin failed to start; retrying", "error", err, "backoff", backoff)
			in.setState(StateRestarting, err)
			report(err)
		} else {
			report(nil)
			started := time.Now()
			reason := in.watch(ctx)
			in.m.opts.Registry.SetAvailable(in.spec.Name, false)
			in.kill()
			if ctx.Err() != nil {
				in.setState(StateStopped, nil)
				return
			}
			in.mu.Lock()
			in.restarts++
			in.mu.Unlock()
			if time.Since(started) > stableAfter {
				backoff = in.m.opts.BackoffInitial
			}
			in.logger.Warn("plugin went down; restarting", "reason", reason, "backoff", backoff)
			in.setState(StateRestarting, fmt.Errorf("%s", reason))
		}
		select {
		case <-ctx.Done():
			in.setState(StateStopped, nil)
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, in.m.opts.BackoffMax)
	}
}

func isDuplicate(err error) bool {
	var d *registry.DuplicateError
	return errors.As(err, &d)
}

// start launches, describes, configures and registers the plugin.
func (in *instance) start(ctx context.Context) error {
	spec := in.spec
	in.setState(StateStarting, nil)
	sum, err := verifyBinary(spec, in.m.opts.ChecksumsFile)
	if err != nil {
		return err
	}
	cfgJSON, err := json.Marshal(spec.Config)
	if err != nil || spec.Config == nil {
		cfgJSON = []byte("{}")
	}
	if spec.DataDir != "" {
		// Made before every start, so a folder removed while the host ran
		// comes back; an existing folder keeps its mode and its files.
		if err := os.MkdirAll(spec.DataDir, 0o700); err != nil {
			return fmt.Errorf("plugin %s: making its data folder: %w", spec.Name, err)
		}
	}

	cmd := exec.Command(spec.Path)
	// No host environment: plugins get only what go-plugin itself sets
	// (handshake cookie, AutoMTLS certificate). Secrets stay in the host.
	cmd.Env = []string{}
	if n := spec.MaxProcs; n > 0 {
		cmd.Env = append(cmd.Env, fmt.Sprintf("GOMAXPROCS=%d", n))
	}
	dieWithHost(cmd)
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig: goplugin.HandshakeConfig{
			ProtocolVersion:  pluginv1.TransportVersion,
			MagicCookieKey:   pluginv1.MagicCookieKey,
			MagicCookieValue: pluginv1.MagicCookieValue,
		},
		VersionedPlugins: map[int]goplugin.PluginSet{pluginv1.TransportVersion: {pluginv1.PluginName: &hostSide{}}},
		Cmd:              cmd,
		SkipHostEnv:      true,
		SecureConfig:     &goplugin.SecureConfig{Checksum: sum, Hash: sha256.New()},
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		AutoMTLS:         true,
		StartTimeout:     in.m.opts.StartTimeout,
		Logger:           in.logger,
		SyncStdout:       in.logger.StandardWriter(&hclog.StandardLoggerOptions{ForceLevel: hclog.Debug}),
		GRPCDialOptions: []grpc.DialOption{grpc.WithDefaultCallOptions(
			grpc.MaxCallRecvMsgSize(maxMessageSize), grpc.MaxCallSendMsgSize(maxMessageSize))},
	})
	thread := newForkThread()
	in.mu.Lock()
	in.client, in.thread = client, thread
	in.mu.Unlock()

	var proto goplugin.ClientProtocol
	err = thread.run(func() (err error) { proto, err = client.Client(); return err })
	if err != nil {
		return fmt.Errorf("plugin %s: starting %s: %w", spec.Name, spec.Path, err)
	}
	in.m.ledger.add(spec.Name, cmd.Process.Pid)
	raw, err := proto.Dispense(pluginv1.PluginName)
	if err != nil {
		return fmt.Errorf("plugin %s: %w", spec.Name, err)
	}
	conn := raw.(*hostConn)
	rpc := pluginv1.NewPluginClient(conn.conn)

	sctx, cancel := context.WithTimeout(ctx, in.m.opts.StartTimeout)
	defer cancel()
	desc, err := rpc.Describe(sctx, &pluginv1.DescribeRequest{HostProtocolVersions: pluginv1.SupportedProtocolVersions})
	if err != nil {
		return fmt.Errorf("plugin %s: Describe: %w", spec.Name, err)
	}
	catalog, err := catalogFrom(spec.Name, desc)
	if err != nil {
		return err
	}
	if desc.Name != spec.Name {
		in.logger.Debug("plugin calls itself by another name", "described_as", desc.Name)
	}

	brokerID := conn.broker.NextId()
	hs := in.m.opts.HostServices
	go conn.broker.AcceptAndServe(brokerID, func(opts []grpc.ServerOption) *grpc.Server {
		s := grpc.NewServer(append(opts, grpc.MaxRecvMsgSize(maxMessageSize), grpc.MaxSendMsgSize(maxMessageSize),
			grpc.ChainUnaryInterceptor(recoverUnary(in.logger)))...)
		if hs != nil {
			pluginv1.RegisterHostServicesServer(s, hs(spec.Name))
		}
		return s
	})
	var key []byte
	if in.m.opts.SigningKey != nil {
		key = in.m.opts.SigningKey(spec.Name)
	}
	if _, err := rpc.Configure(sctx, &pluginv1.ConfigureRequest{ConfigJson: string(cfgJSON), HostServicesBrokerId: brokerID,
		Environment: in.m.opts.Environment, SigningKey: key, DataDir: spec.DataDir, DatabaseUrl: spec.DatabaseURL,
		HostFeatures: []string{pluginv1.HostFeatureTextFromStructured}}); err != nil {
		if te, ok := errmodel.FromStatus(err); ok {
			return permanent("plugin %s rejected its config (plugins.%s.config): %s", spec.Name, spec.Name, te.Error())
		}
		return fmt.Errorf("plugin %s: Configure: %w", spec.Name, err)
	}
	if err := in.register(catalog); err != nil {
		return err
	}
	in.mu.Lock()
	in.rpc = rpc
	in.version = desc.Version
	if rc := client.ReattachConfig(); rc != nil {
		in.pid = rc.Pid
	}
	in.mu.Unlock()
	in.setState(StateReady, nil)
	in.logger.Info("plugin ready", "version", desc.Version, "tools", len(catalog.Tools), "pid", in.pid)
	return nil
}

// watch blocks until the plugin exits, stops answering health checks, or
// ctx ends, and says why.
func (in *instance) watch(ctx context.Context) string {
	poll := time.NewTicker(exitPoll)
	defer poll.Stop()
	health := time.NewTicker(in.m.opts.HealthInterval)
	defer health.Stop()
	failures := 0
	for {
		select {
		case <-ctx.Done():
			return "host stopping"
		case <-poll.C:
		case <-in.wake:
		case <-health.C:
			if reason := in.checkHealth(ctx, &failures); reason != "" {
				return reason
			}
			continue
		}
		in.mu.Lock()
		c := in.client
		in.mu.Unlock()
		if c == nil || c.Exited() {
			return "process exited"
		}
	}
}

// checkHealth calls the plugin's Health RPC. A plugin that says it is
// unhealthy keeps running (its tools stay listed) but /health/ready reports
// it; one that does not answer several times in a row is restarted.
func (in *instance) checkHealth(ctx context.Context, failures *int) string {
	in.mu.Lock()
	rpc := in.rpc
	in.mu.Unlock()
	hctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	resp, err := rpc.Health(hctx, &pluginv1.HealthRequest{})
	if err != nil {
		*failures++
		if *failures >= unhealthyAfter {
			return fmt.Sprintf("no answer to %d health checks: %v", *failures, err)
		}
		return ""
	}
	*failures = 0
	switch {
	case !resp.Healthy && in.status().State == StateReady:
		in.logger.Warn("plugin reports unhealthy", "message", resp.Message)
		in.setState(StateUnhealthy, fmt.Errorf("unhealthy: %s", resp.Message))
	case resp.Healthy && in.status().State == StateUnhealthy:
		in.logger.Info("plugin healthy again")
		in.setState(StateReady, nil)
	}
	return ""
}

// kill stops the plugin process: a graceful shutdown RPC first, then SIGKILL
// after go-plugin's grace period.
func (in *instance) kill() {
	in.mu.Lock()
	c, thread := in.client, in.thread
	in.client, in.thread, in.rpc, in.pid = nil, nil, nil, 0
	in.mu.Unlock()
	if c != nil {
		c.Kill()
	}
	// Only now that the process is gone may the thread it was forked
	// from end (forkthread.go).
	thread.release()
	in.m.ledger.remove(in.spec.Name)
}

// hostSide is the host's half of the go-plugin plugin: it only dials.
type hostSide struct {
	goplugin.NetRPCUnsupportedPlugin
}

type hostConn struct {
	conn   *grpc.ClientConn
	broker *goplugin.GRPCBroker
}

func (hostSide) GRPCServer(*goplugin.GRPCBroker, *grpc.Server) error {
	return fmt.Errorf("the host does not serve the plugin side")
}

func (hostSide) GRPCClient(_ context.Context, broker *goplugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return &hostConn{conn: conn, broker: broker}, nil
}

// recoverUnary keeps a panic in a host-services handler (a plugin sending
// something unexpected) from taking the host down: the plugin gets an
// Internal status and the host logs the stack.
func recoverUnary(logger hclog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if r := recover(); r != nil {
				logger.Error("host services panicked", "method", info.FullMethod, "panic", r, "stack", string(debug.Stack()))
				err = status.Errorf(codes.Internal, "the host failed handling %s", info.FullMethod)
			}
		}()
		return handler(ctx, req)
	}
}
