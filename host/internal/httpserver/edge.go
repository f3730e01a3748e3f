package httpserver

import (
	"container/list"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/httpjson"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
)

// Edge holds a listener's defences against clients that hold on to
// connections: timeouts for the headers, the whole request and each write,
// an idle timeout, and a connection cap that makes room by closing the
// connection idle (or silent) longest instead of refusing the newcomer, so
// that thousands of idle connections cannot lock out a health check or a
// real client.
type Edge struct {
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included. It is set
	// per request and lifted once the body is read, so a long answer (an
	// event stream, a slow tool) is not cut off by it, as http.Server's
	// own ReadTimeout would do.
	ReadTimeout time.Duration
	// WriteTimeout bounds each write of an answer, not the whole answer.
	WriteTimeout time.Duration
	IdleTimeout  time.Duration
	// MaxConnections caps the connections held at once; 0: no cap.
	MaxConnections int

	mu    sync.Mutex
	conns map[net.Conn]*list.Element // of *tracked
	// quiet are the connections not serving a request (new or idle), the
	// longest quiet first: the first to close when room is needed.
	quiet *list.List
	busy  int
}

type tracked struct {
	c     net.Conn
	quiet bool
}

// Server makes the http.Server for h, its timeouts and connection
// tracking set.
func (e *Edge) Server(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           e.deadlines(h),
		ReadHeaderTimeout: e.ReadHeaderTimeout,
		IdleTimeout:       e.IdleTimeout,
		ConnState:         e.connState,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(ctx, connKey{}, c)
		},
	}
}

type connKey struct{}

// setQuiet moves the connection of the request of ctx into or out of the
// quiet list: a request still sending its body counts as quiet (a slow
// body must not be able to hold its place against a newcomer), one being
// answered does not.
func (e *Edge) setQuiet(ctx context.Context, quiet bool) {
	c, ok := ctx.Value(connKey{}).(net.Conn)
	if !ok || e.conns == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	el, ok := e.conns[c]
	if !ok {
		return
	}
	t := el.Value.(*tracked)
	switch {
	case quiet && !t.quiet:
		e.busy--
		t.quiet = true
		e.conns[c] = e.quiet.PushBack(t)
	case !quiet && t.quiet:
		e.quiet.Remove(el)
		t.quiet = false
		e.busy++
		e.conns[c] = &list.Element{Value: t}
	}
}

// Listen wraps ln so that it holds at most MaxConnections connections.
func (e *Edge) Listen(ln net.Listener) net.Listener {
	if e.MaxConnections <= 0 {
		return ln
	}
	e.mu.Lock()
	if e.conns == nil {
		e.conns = map[net.Conn]*list.Element{}
		e.quiet = list.New()
	}
	e.mu.Unlock()
	return &cappedListener{Listener: ln, e: e}
}

type cappedListener struct {
	net.Listener
	e *Edge
}

// Accept admits a connection, closing the longest quiet one when the cap
// is reached; when every connection is busy serving a request, the
// newcomer is closed instead.
func (l *cappedListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.e.admit(c) {
			return c, nil
		}
		_ = c.Close()
	}
}

func (e *Edge) admit(c net.Conn) bool {
	e.mu.Lock()
	var victim net.Conn
	if len(e.conns) >= e.MaxConnections {
		front := e.quiet.Front()
		if front == nil {
			e.mu.Unlock()
			return false
		}
		victim = front.Value.(*tracked).c
		e.forget(victim)
	}
	e.conns[c] = e.quiet.PushBack(&tracked{c: c, quiet: true})
	e.mu.Unlock()
	if victim != nil {
		_ = victim.Close()
	}
	return true
}

// forget drops c from the tracking; e.mu is held.
func (e *Edge) forget(c net.Conn) {
	el, ok := e.conns[c]
	if !ok {
		return
	}
	if t := el.Value.(*tracked); t.quiet {
		e.quiet.Remove(el)
	} else {
		e.busy--
	}
	delete(e.conns, c)
}

func (e *Edge) connState(c net.Conn, s http.ConnState) {
	if e.conns == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	el, ok := e.conns[c]
	if !ok {
		return // closed to make room, or never admitted
	}
	t := el.Value.(*tracked)
	switch s {
	case http.StateActive:
		if t.quiet {
			e.quiet.Remove(el)
			t.quiet = false
			e.busy++
			e.conns[c] = &list.Element{Value: t}
		}
	case http.StateIdle:
		if !t.quiet {
			e.busy--
			t.quiet = true
			e.conns[c] = e.quiet.PushBack(t)
		}
	case http.StateHijacked, http.StateClosed:
		e.forget(c)
	}
}

// Conns reports the connections held, for tests and metrics.
func (e *Edge) Conns() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.conns)
}

// deadlines sets the request's read deadline (lifted when the body has
// been read) and gives every write of the answer WriteTimeout.
func (e *Edge) deadlines(next http.Handler) http.Handler {
	if e.ReadTimeout <= 0 && e.WriteTimeout <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if e.ReadTimeout > 0 {
			if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
				_ = rc.SetReadDeadline(time.Time{})
			} else if rc.SetReadDeadline(time.Now().Add(e.ReadTimeout)) == nil {
				e.setQuiet(r.Context(), true)
				r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc, read: func() { e.setQuiet(r.Context(), false) }}
			}
		}
		if e.WriteTimeout > 0 {
			w = &deadlineWriter{ResponseWriter: w, rc: rc, d: e.WriteTimeout}
		}
		next.ServeHTTP(w, r)
	})
}

// deadlineBody lifts the read deadline once the body has been read: the
// connection's background read (which notices a client going away) must
// not time out during a long answer.
type deadlineBody struct {
	io.ReadCloser
	rc *http.ResponseController
	// read is called once the body is in.
	read func()
	done bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if errors.Is(err, io.EOF) && !b.done {
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
		b.read()
	}
	return n, err
}

// deadlineWriter gives each write its own deadline: a client that stops
// reading is cut off after WriteTimeout, one that reads a long stream is
// not.
type deadlineWriter struct {
	http.ResponseWriter
	rc *http.ResponseController
	d  time.Duration
}

func (w *deadlineWriter) Write(p []byte) (int, error) {
	_ = w.rc.SetWriteDeadline(time.Now().Add(w.d))
	return w.ResponseWriter.Write(p)
}

func (w *deadlineWriter) Flush() {
	_ = w.rc.SetWriteDeadline(time.Now().Add(w.d))
	_ = w.rc.Flush()
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ipLimit applies the per-address limit before anything else is done for
// the request. /health/live is exempt: it must answer the platform however
// busy the address is. So are loopback addresses: this machine's own
// tools, or a proxy on it, behind which every client has that one address
// (the principal limits still apply; failed logins still count).
func ipLimit(l *Limits, next http.Handler) http.Handler {
	if l == nil || l.current().IPRate <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ip := clientIP(r); r.URL.Path != "/health/live" && !isLoopbackHost(ip) {
			if wait := l.allowIP(r.Context(), ip); wait > 0 {
				tooMany(w, dispatch.CorrelationIDFrom(r.Context()), wait, "rate_limited", "too many requests from this address")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// hasControl reports whether s holds a control character: a newline or
// an escape in a name would forge or garble the log line it reaches.
func hasControl(s string) bool {
	for _, c := range s {
		if c < ' ' || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029' {
			return true
		}
	}
	return false
}

// refuseControl refuses a path with control characters (a REST tool name
// is a path segment) before it reaches a handler or a log line.
func refuseControl(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hasControl(r.URL.Path) {
			httpjson.Error(w, errmodel.New(errmodel.Validation, "invalid_path",
				"the path holds a control character; names are printable text").WithCorrelation(dispatch.CorrelationIDFrom(r.Context())))
			return
		}
		next.ServeHTTP(w, r)
	})
}
