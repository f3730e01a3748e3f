package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// mcp-go renders what a handler returns as one shape per method, and every
// error a handler returns as an internal error (-32603). MCP 2026-07-28
// asks for more: a request whose state or answers are wrong is invalid
// params (-32602), one that needs a capability the client did not declare
// is -32021 with the capabilities named in its data, and a tool that runs
// as a task answers a CreateTaskResult, not a tool result.
//
// A reply is such an answer. The handler sets it on the request's reply
// slot and returns any result to mcp-go; when mcp-go writes its JSON-RPC
// response, the request's stream (stream.go) writes the reply's result or
// error in its place, under the same id. Notifications the request sends
// pass unchanged. Transports without a slot (stdio) get no replies: the
// handler falls back to what mcp-go can say.

// rpcError is a JSON-RPC error with its data.
type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data,omitempty"`
}

// invalidParams is the error of a request whose parameters are wrong; its
// data carries the error model's object.
func invalidParams(e *errmodel.Error) *rpcError {
	return &rpcError{Code: mcp.INVALID_PARAMS, Message: e.Message, Data: map[string]any{"error": e}}
}

// missingCapabilities is -32021: the request needs capabilities the client
// did not declare. requiredCapabilities is a ClientCapabilities object, as
// the schema defines it; extensions go under "extensions".
func missingCapabilities(e *errmodel.Error) *rpcError {
	required := map[string]any{}
	for _, c := range e.MissingCapabilities() {
		switch c {
		case "elicitation", "sampling", "roots":
			required[c] = map[string]any{}
		default:
			ext, _ := required["extensions"].(map[string]any)
			if ext == nil {
				ext = map[string]any{}
				required["extensions"] = ext
			}
			ext[c] = map[string]any{}
		}
	}
	return &rpcError{Code: mcp.MISSING_REQUIRED_CLIENT_CAPABILITY, Message: e.Message,
		Data: map[string]any{"requiredCapabilities": required, "error": e}}
}

// httpStatus is the status 2026-07-28 gives a JSON-RPC error code.
func (e *rpcError) httpStatus() int {
	switch e.Code {
	case mcp.METHOD_NOT_FOUND:
		return http.StatusNotFound
	case mcp.HEADER_MISMATCH, mcp.MISSING_REQUIRED_CLIENT_CAPABILITY, mcp.UNSUPPORTED_PROTOCOL_VERSION,
		mcp.INVALID_REQUEST, mcp.INVALID_PARAMS, mcp.PARSE_ERROR:
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// reply is a handler's own answer: a result or an error.
type reply struct {
	result json.RawMessage
	err    *rpcError
}

// replySlot holds a request's reply, once its handler sets one.
type replySlot struct {
	mu sync.Mutex
	r  *reply
	// readURI is the URI a resources/read asks for (front.go): when
	// mcp-go finds no handler for it, its error gets the URI as data, as
	// the spec asks (mcp-go says only that it found none).
	readURI string
}

// resourceNotFound is the error of a resource that is not there: -32602 for
// 2026-07-28, MCP's own -32002 before; its data names the URI.
func resourceNotFound(modern bool, uri string, e *errmodel.Error) *rpcError {
	code := mcp.RESOURCE_NOT_FOUND
	if modern {
		code = mcp.INVALID_PARAMS
	}
	data := map[string]any{"uri": uri}
	if e != nil {
		data["error"] = e
	}
	msg := "resource not found: " + uri
	if e != nil {
		msg = e.Message
	}
	return &rpcError{Code: code, Message: msg, Data: data}
}

// amend gives mcp-go's resource-not-found error of a read its URI; ok is
// false when p is no such error.
func (s *replySlot) amend(p []byte) ([]byte, bool) {
	s.mu.Lock()
	uri := s.readURI
	s.mu.Unlock()
	if uri == "" {
		return nil, false
	}
	body, sse := p, false
	if data, found := sseData(p); found {
		body, sse = data, true
	}
	var msg struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Error   *rpcError       `json:"error"`
	}
	if json.Unmarshal(body, &msg) != nil || msg.Error == nil || msg.Error.Data != nil ||
		(msg.Error.Code != mcp.RESOURCE_NOT_FOUND && msg.Error.Code != mcp.INVALID_PARAMS) ||
		!strings.HasSuffix(msg.Error.Message, server.ErrResourceNotFound.Error()) {
		return nil, false
	}
	msg.Error.Data = map[string]any{"uri": uri}
	b, err := json.Marshal(msg)
	if err != nil {
		return nil, false
	}
	if sse {
		return append(append([]byte("event: message\ndata: "), b...), "\n\n"...), true
	}
	return append(b, '\n'), true
}

func (s *replySlot) get() *reply {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.r
}

type replySlotKey struct{}

func withReplySlot(ctx context.Context, s *replySlot) context.Context {
	return context.WithValue(ctx, replySlotKey{}, s)
}

// canReply reports whether the request's transport sends replies.
func canReply(ctx context.Context) bool {
	_, ok := ctx.Value(replySlotKey{}).(*replySlot)
	return ok
}

// replyWith sets the request's reply; false when its transport sends none.
func replyWith(ctx context.Context, r *reply) bool {
	s, ok := ctx.Value(replySlotKey{}).(*replySlot)
	if !ok {
		return false
	}
	s.mu.Lock()
	s.r = r
	s.mu.Unlock()
	return true
}

// noteRead records the URI a resources/read asks for (see replySlot).
func noteRead(ctx context.Context, uri string) {
	if s, ok := ctx.Value(replySlotKey{}).(*replySlot); ok {
		s.mu.Lock()
		s.readURI = uri
		s.mu.Unlock()
	}
}

// replyResult sets a result reply, marshalled.
func replyResult(ctx context.Context, v any) bool {
	b, err := json.Marshal(v)
	if err != nil {
		return false
	}
	return replyWith(ctx, &reply{result: b})
}

// replyError sets an error reply.
func replyError(ctx context.Context, e *rpcError) bool { return replyWith(ctx, &reply{err: e}) }

// rewrite replaces the JSON-RPC response in p, a whole JSON body or one SSE
// event, by the reply; ok is false when p holds no response (a
// notification), which then goes as it is.
func (r *reply) rewrite(p []byte) (out []byte, ok bool) {
	body, sse := p, false
	if data, found := sseData(p); found {
		body, sse = data, true
	}
	var msg struct {
		ID     json.RawMessage `json:"id"`
		Result json.RawMessage `json:"result"`
		Error  json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &msg) != nil || len(msg.ID) == 0 || (msg.Result == nil && msg.Error == nil) {
		return nil, false
	}
	resp := map[string]any{"jsonrpc": mcp.JSONRPC_VERSION, "id": msg.ID}
	if r.err != nil {
		resp["error"] = r.err
	} else {
		resp["result"] = r.result
	}
	b, err := json.Marshal(resp)
	if err != nil {
		return nil, false
	}
	if sse {
		return append(append([]byte("event: message\ndata: "), b...), "\n\n"...), true
	}
	return append(b, '\n'), true
}

// sseData returns the data of one SSE event as mcp-go writes it.
func sseData(p []byte) ([]byte, bool) {
	for _, line := range bytes.Split(p, []byte("\n")) {
		if d, ok := bytes.CutPrefix(line, []byte("data: ")); ok {
			return d, true
		}
	}
	return nil, false
}
