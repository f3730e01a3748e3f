package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
)

// shutdownGrace bounds how long ListenAndServe waits for requests in flight
// once its context is cancelled.
const shutdownGrace = 5 * time.Second

// MaxRestartDown bounds how long a restart keeps the sandbox down.
const MaxRestartDown = time.Minute

// DefaultRestartDown is how long POST /_sandbox/restart keeps the sandbox
// down when the body names no time.
const DefaultRestartDown = time.Second

// ErrNoListener is Restart's error when the sandbox is not serving on a
// listener of its own (it is an http.Handler in someone else's server,
// such as an httptest.Server): only what owns the listener can take it
// away and bring it back.
var ErrNoListener = errors.New("sandbox: not serving on a listener of its own (use Serve, Listen, Start or billy-sandbox to be able to restart)")

// ErrStopped is returned when an Instance that was shut down is asked to
// restart.
var ErrStopped = errors.New("sandbox: stopped")

// ListenAndServe runs a standalone sandbox on addr (e.g. "127.0.0.1:8081")
// until ctx is cancelled, then shuts down gracefully. It logs the address
// and the seeded organizations with their tokens, so that other clients and
// hosts know what to use. A nil Options.Logger logs to stderr.
func ListenAndServe(ctx context.Context, addr string, opts Options) error {
	if opts.Logger == nil {
		opts.Logger = hclog.New(&hclog.LoggerOptions{Name: "sandbox", Output: os.Stderr, Level: hclog.Info})
	}
	s, err := New(opts)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}

// Serve serves the sandbox on ln until ctx is cancelled, then shuts down
// gracefully (waiting up to 5 s for requests in flight) and, with
// Options.StateFile, saves the data. The sandbox owns ln, so it can be
// restarted (Restart, POST /_sandbox/restart) on ln's address meanwhile.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	base := "http://" + ln.Addr().String() + "/v2"
	s.log.Info("sandbox Billy API listening", "url", base, "token_required", s.opts.Token != "")
	for _, o := range s.Organizations() {
		// The company tokens are sandbox-only and do not reveal
		// Options.Token, which is never logged.
		args := []any{"id", o.ID, "name", o.Name, "business", o.Business, "default", o.IsDefault}
		if s.opts.LogTokens {
			args = append(args, "access_token", o.AccessToken)
		}
		s.log.Info("sandbox organization", args...)
	}
	inst := s.Start(ln)
	var err error
	select {
	case err = <-inst.fatal:
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if serr := inst.Shutdown(sctx); err == nil {
		err = serr
	}
	if s.opts.StateFile != "" {
		if serr := s.SaveState(s.opts.StateFile); serr != nil {
			s.log.Error("sandbox state not saved", "file", s.opts.StateFile, "error", serr)
			if err == nil {
				err = serr
			}
		} else {
			s.log.Info("sandbox state saved", "file", s.opts.StateFile)
		}
	}
	s.log.Info("sandbox stopped")
	return err
}

// Instance is a sandbox serving on a listener it owns, which is what a
// restart needs: Restart closes the listener and every connection as a
// crashed server would, and listens again on the same address with the
// data as it was. Tests start one on a loopback port with Listen or Start;
// Serve and billy-sandbox use one too.
type Instance struct {
	s    *Server
	addr string // the listener's address, listened on again after a restart

	mu         sync.Mutex
	cur        *life // nil while down
	stopped    bool
	restarting bool

	stop  chan struct{} // closed by Shutdown and Close
	fatal chan error    // the first error that ends serving (not a restart's close)
	wg    sync.WaitGroup

	// whileDown, set by tests before a restart, runs once the sandbox is
	// down and before the down time starts, so that a test can look at a
	// downed sandbox without racing the clock.
	whileDown func()
}

// life is one listen-to-close span of an Instance. Requests served in it
// carry it in their context, so that fault waits know when their server
// crashed (a restart) or is shutting down, and the admin surface knows
// which Instance to restart.
type life struct {
	inst     *Instance
	srv      *http.Server
	crashed  chan struct{} // closed when a restart ends this life
	stopping chan struct{} // the Instance's stop
}

type lifeKey struct{}

func lifeOf(ctx context.Context) *life {
	l, _ := ctx.Value(lifeKey{}).(*life)
	return l
}

// crashedC and stoppingC are nil (never ready) for a request that did not
// come through an Instance.
func (l *life) crashedC() <-chan struct{} {
	if l == nil {
		return nil
	}
	return l.crashed
}

func (l *life) stoppingC() <-chan struct{} {
	if l == nil {
		return nil
	}
	return l.stopping
}

// Listen listens on addr (such as "127.0.0.1:0") and serves the sandbox
// there in the background until Shutdown or Close.
func (s *Server) Listen(addr string) (*Instance, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return s.Start(ln), nil
}

// Start serves the sandbox on ln in the background until Shutdown or
// Close; the Instance owns ln from then on.
func (s *Server) Start(ln net.Listener) *Instance {
	i := &Instance{s: s, addr: ln.Addr().String(), stop: make(chan struct{}), fatal: make(chan error, 1)}
	i.mu.Lock()
	i.serve(ln)
	i.mu.Unlock()
	s.instMu.Lock()
	s.instances[i] = struct{}{}
	s.instMu.Unlock()
	return i
}

// serve starts a new life on ln; i.mu is held.
func (i *Instance) serve(ln net.Listener) {
	l := &life{inst: i, crashed: make(chan struct{}), stopping: i.stop}
	l.srv = &http.Server{Handler: i.s, ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return context.WithValue(context.Background(), lifeKey{}, l) }}
	i.cur = l
	i.wg.Add(1)
	go func() {
		defer i.wg.Done()
		if err := l.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			i.fail(err)
		}
	}()
}

func (i *Instance) fail(err error) {
	select {
	case i.fatal <- err:
	default:
	}
}

// Addr is the address the sandbox listens on, such as "127.0.0.1:39315";
// it stays the same across restarts.
func (i *Instance) Addr() string { return i.addr }

// URL is the base URL of the API, such as "http://127.0.0.1:39315/v2".
func (i *Instance) URL() string { return "http://" + i.addr + "/v2" }

// Server is the sandbox served.
func (i *Instance) Server() *Server { return i.s }

// Restart takes the sandbox down like a crashed server, for down (0 to
// MaxRestartDown), and brings it back on the same address with all its
// data, tokens and faults as they were. Going down closes the listener and
// every open connection at once: requests in flight are cut off (a write
// already committed stays committed, a slow commit still waiting is lost)
// and new connections are refused until it listens again. Restart returns
// once it listens again; ErrStopped when the Instance was shut down
// meanwhile. One restart runs at a time.
func (i *Instance) Restart(down time.Duration) error {
	if down < 0 || down > MaxRestartDown {
		return fmt.Errorf("sandbox: a restart's down time must be between 0 and %v", MaxRestartDown)
	}
	i.mu.Lock()
	switch {
	case i.stopped:
		i.mu.Unlock()
		return ErrStopped
	case i.restarting:
		i.mu.Unlock()
		return errors.New("sandbox: a restart is already in progress")
	}
	i.restarting = true
	l := i.cur
	i.cur = nil
	i.mu.Unlock()
	defer func() {
		i.mu.Lock()
		i.restarting = false
		i.mu.Unlock()
	}()

	// The connections go first, then the waits learn of the crash: the
	// other way round a waiting handler could still answer.
	_ = l.srv.Close() // the listener and every connection, at once
	close(l.crashed)
	i.s.stats.restarts.Add(1)
	i.s.log.Info("sandbox restarting: down like a crashed server", "addr", i.addr, "down", down)
	if i.whileDown != nil {
		i.whileDown()
	}

	t := time.NewTimer(down)
	defer t.Stop()
	select {
	case <-t.C:
	case <-i.stop:
		return ErrStopped
	}
	ln, err := listenAgain(i.addr, i.stop)
	if err != nil {
		err = fmt.Errorf("sandbox: listening again on %s after a restart: %w", i.addr, err)
		i.fail(err)
		return err
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.stopped {
		_ = ln.Close()
		return ErrStopped
	}
	i.serve(ln)
	i.s.log.Info("sandbox back after a restart", "addr", i.addr)
	return nil
}

// listenAgain listens on addr, retrying for a few seconds: the port was
// ours a moment ago, but the kernel may take a little while to let go of
// it.
func listenAgain(addr string, stop <-chan struct{}) (net.Listener, error) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		ln, err := net.Listen("tcp", addr)
		if err == nil || time.Now().After(deadline) {
			return ln, err
		}
		select {
		case <-time.After(50 * time.Millisecond):
		case <-stop:
			return nil, ErrStopped
		}
	}
}

// Shutdown stops the sandbox gracefully: it stops listening, cuts short
// injected waits (a slow commit commits at once), and waits for requests
// in flight until ctx ends, then closes what is left.
func (i *Instance) Shutdown(ctx context.Context) error {
	l := i.halt()
	var err error
	if l != nil {
		if err = l.srv.Shutdown(ctx); err != nil {
			_ = l.srv.Close()
		}
	}
	i.wg.Wait()
	return err
}

// Close stops the sandbox at once, closing every connection.
func (i *Instance) Close() error {
	l := i.halt()
	var err error
	if l != nil {
		err = l.srv.Close()
	}
	i.wg.Wait()
	return err
}

// halt marks the Instance stopped and returns its current life, if any.
func (i *Instance) halt() *life {
	i.mu.Lock()
	if !i.stopped {
		i.stopped = true
		close(i.stop)
	}
	l := i.cur
	i.cur = nil
	i.mu.Unlock()
	i.s.instMu.Lock()
	delete(i.s.instances, i)
	i.s.instMu.Unlock()
	return l
}

// Restart restarts every Instance serving the sandbox (see
// Instance.Restart), concurrently, and returns when all listen again.
// ErrNoListener when there is none: the sandbox is only an http.Handler in
// someone else's server.
func (s *Server) Restart(down time.Duration) error {
	s.instMu.Lock()
	insts := make([]*Instance, 0, len(s.instances))
	for i := range s.instances {
		insts = append(insts, i)
	}
	s.instMu.Unlock()
	if len(insts) == 0 {
		return ErrNoListener
	}
	errs := make([]error, len(insts))
	var wg sync.WaitGroup
	for n, i := range insts {
		wg.Go(func() { errs[n] = i.Restart(down) })
	}
	wg.Wait()
	return errors.Join(errs...)
}
