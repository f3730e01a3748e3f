package mcpserver

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"sync"
)

// requestStream is the response of one MCP POST, shared by mcp-go (which
// writes the JSON-RPC response) and the request's own notifications
// (progress and log messages from the plugin serving it).
//
// Why it exists: mcp-go queues every notification of a 2025-11-25 session on
// one channel that both the POST being served and the session's standalone
// GET stream read, so a request's progress could leave on the GET stream and
// arrive after the response, where clients drop it. The spec wants messages
// on the GET stream to be unrelated to running requests. Writing a request's
// notifications straight onto its own POST response keeps them on the right
// stream, in order, before the response.
//
// The first notification turns the response into an SSE stream (headers
// 200, text/event-stream); when mcp-go then writes its JSON response, the
// body is re-framed as the stream's last event. If mcp-go has switched to
// SSE itself (a server request such as elicitation on the same POST), its
// events pass through and ours go between them: every write is one whole
// event, under one lock.
type requestStream struct {
	w       http.ResponseWriter
	flusher http.Flusher

	mu      sync.Mutex
	started bool // the status line and headers are sent
	sse     bool // the body is an SSE stream
	ours    bool // we made it SSE; mcp-go believes it is writing JSON
	closed  bool // the request is over
	unsent  http.Header
	// reply is what the handler answers instead of mcp-go (reply.go).
	reply replySlot
}

var (
	// errStreamClosed: the request is over; a late notification of it is
	// meaningless and dropped.
	errStreamClosed = errors.New("the request's stream is closed")
	// errStreamIsJSON: mcp-go already answered with a plain JSON body.
	errStreamIsJSON = errors.New("the request was answered as plain JSON")
)

func newRequestStream(w http.ResponseWriter) *requestStream {
	f, _ := w.(http.Flusher)
	return &requestStream{w: w, flusher: f}
}

// canStream mirrors mcp-go: without a flusher the response cannot be a
// stream, and notifications go the session's way.
func (s *requestStream) canStream() bool { return s.flusher != nil }

// Header is the response's header map until we have made the response a
// stream; after that the headers are sent, and what mcp-go sets for its JSON
// answer (Content-Type: application/json) goes to a map nobody reads.
func (s *requestStream) Header() http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ours {
		if s.unsent == nil {
			s.unsent = http.Header{}
		}
		return s.unsent
	}
	return s.w.Header()
}

func (s *requestStream) WriteHeader(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ours {
		// The status is sent already (200, the stream's); mcp-go's JSON
		// response becomes the stream's last event.
		return
	}
	if r := s.reply.get(); r != nil && r.err != nil && s.w.Header().Get("Content-Type") == "application/json" {
		code = r.err.httpStatus()
	}
	s.begin(code)
}

// begin sends the headers as they are set; callers hold mu.
func (s *requestStream) begin(code int) {
	s.started = true
	s.sse = s.w.Header().Get("Content-Type") == "text/event-stream"
	s.w.WriteHeader(code)
}

func (s *requestStream) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.started {
		s.begin(http.StatusOK)
	}
	if !s.ours {
		if out, ok := s.rewrite(p); ok {
			if _, err := s.w.Write(out); err != nil {
				return 0, err
			}
			return len(p), nil
		}
		return s.w.Write(p)
	}
	body := bytes.TrimSpace(p)
	if out, ok := s.rewrite(body); ok {
		body = bytes.TrimSpace(out)
	}
	if err := s.event(body); err != nil {
		return 0, err
	}
	return len(p), nil
}

// rewrite puts the handler's reply in place of mcp-go's response, or
// amends mcp-go's error (reply.go); ok is false when p goes as it is.
func (s *requestStream) rewrite(p []byte) ([]byte, bool) {
	if r := s.reply.get(); r != nil {
		return r.rewrite(p)
	}
	return s.reply.amend(p)
}

func (s *requestStream) Flush() {
	if s.flusher != nil {
		s.flusher.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (s *requestStream) Unwrap() http.ResponseWriter { return s.w }

// Notify writes one JSON-RPC notification as an event of the request's own
// stream, switching the response to SSE first if need be.
func (s *requestStream) Notify(msg []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return errStreamClosed
	case s.started && !s.sse:
		return errStreamIsJSON
	case !s.started:
		h := s.w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-cache")
		s.begin(http.StatusOK)
		s.ours = true
	}
	return s.event(msg)
}

// event writes data as one SSE event and flushes; callers hold mu.
func (s *requestStream) event(data []byte) error {
	buf := make([]byte, 0, len(data)+24)
	buf = append(buf, "event: message\ndata: "...)
	buf = append(buf, data...)
	buf = append(buf, "\n\n"...)
	if _, err := s.w.Write(buf); err != nil {
		return err
	}
	s.Flush()
	return nil
}

func (s *requestStream) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
}

type requestStreamKey struct{}

func withRequestStream(ctx context.Context, s *requestStream) context.Context {
	return context.WithValue(ctx, requestStreamKey{}, s)
}

func requestStreamFrom(ctx context.Context) *requestStream {
	s, _ := ctx.Value(requestStreamKey{}).(*requestStream)
	return s
}

// ownStreams gives every POST its requestStream.
func ownStreams(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		s := newRequestStream(w)
		defer s.close()
		ctx := withReplySlot(withRequestStream(r.Context(), s), &s.reply)
		next.ServeHTTP(s, r.WithContext(ctx))
	})
}
