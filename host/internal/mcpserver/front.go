package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/tasks"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	"github.com/mark3labs/mcp-go/mcp"
)

// The Tasks extension's methods (tasks/get, tasks/update, tasks/cancel)
// are not mcp-go's: mcp-go v1.2.1 has only the experimental tasks of
// 2025-11-25, kept in one process's memory. front serves them itself,
// before mcp-go sees the request, with the checks 2026-07-28 makes of
// every request: the protocol version in the header and in _meta, the
// Mcp-Method and Mcp-Name headers (Mcp-Name carries the task ID), the
// client's capabilities (the extension must be declared on the request),
// and the caller, who must own the task. Everything else goes on to
// mcp-go unchanged, but a resources/read notes its URI, for mcp-go's error
// when there is no such resource (reply.go).

// taskMethods are the extension's methods front serves.
var taskMethods = map[string]bool{"tasks/get": true, "tasks/update": true, "tasks/cancel": true}

// envelope is the part of a JSON-RPC request front reads.
type envelope struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
}

func (s *Server) front(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "reading the request: "+err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		var env envelope
		if json.Unmarshal(body, &env) != nil {
			next.ServeHTTP(w, r)
			return
		}
		if env.Method == string(mcp.MethodResourcesRead) {
			var p struct {
				URI string `json:"uri"`
			}
			_ = json.Unmarshal(env.Params, &p)
			noteRead(r.Context(), p.URI)
		}
		if s.tasks == nil || !taskMethods[env.Method] || len(env.ID) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		var params struct {
			Meta *mcp.Meta `json:"_meta"`
		}
		_ = json.Unmarshal(env.Params, &params)
		metaVersion := params.Meta.ProtocolVersion()
		if !mcp.IsModernProtocol(metaVersion) && !mcp.IsModernProtocol(r.Header.Get(mcp.HeaderProtocolVersion)) {
			// A 2025-11-25 session: its tasks are not served (mcp-go
			// answers method not found).
			next.ServeHTTP(w, r)
			return
		}
		res, rerr := s.serveTask(r.Context(), r.Header, env, params.Meta)
		writeRPC(w, env.ID, res, rerr)
	})
}

// serveTask checks a Tasks request as 2026-07-28 asks and serves it.
func (s *Server) serveTask(ctx context.Context, h http.Header, env envelope, meta *mcp.Meta) (any, *rpcError) {
	version := meta.ProtocolVersion()
	switch header := h.Get(mcp.HeaderProtocolVersion); {
	case header == "":
		return nil, &rpcError{Code: mcp.HEADER_MISMATCH, Message: mcp.HeaderProtocolVersion + " header is required"}
	case version == "":
		return nil, &rpcError{Code: mcp.INVALID_PARAMS, Message: "missing or invalid _meta field " + mcp.MetaKeyProtocolVersion}
	case header != version:
		return nil, &rpcError{Code: mcp.HEADER_MISMATCH, Message: mcp.HeaderProtocolVersion + " header " + header +
			" does not match request " + mcp.MetaKeyProtocolVersion + " " + version}
	case version != mcp.ProtocolVersion20260728:
		e := mcp.UnsupportedProtocolVersionError{Version: version, Supported: []string{mcp.ProtocolVersion20260728}}.JSONRPCError().Error
		return nil, &rpcError{Code: e.Code, Message: e.Message, Data: e.Data}
	}
	if err := mcp.ValidateStandardHeaders(h.Get, version, mcp.MCPMethod(env.Method), env.Params); err != nil {
		return nil, &rpcError{Code: mcp.HEADER_MISMATCH, Message: err.Error()}
	}
	caps := meta.ClientCapabilities()
	if caps == nil {
		return nil, &rpcError{Code: mcp.INVALID_PARAMS, Message: "missing or invalid _meta field " + mcp.MetaKeyClientCapabilities}
	}
	var p struct {
		TaskID         string                     `json:"taskId"`
		InputResponses map[string]json.RawMessage `json:"inputResponses"`
	}
	if err := json.Unmarshal(env.Params, &p); err != nil || p.TaskID == "" {
		return nil, &rpcError{Code: mcp.INVALID_PARAMS, Message: "params.taskId is required"}
	}
	// Mcp-Name carries the task ID for the Tasks methods (SEP-2663).
	name, ok := mcp.DecodeHeaderValue(strings.TrimSpace(h.Get(mcp.HeaderName)))
	switch {
	case h.Get(mcp.HeaderName) == "":
		return nil, &rpcError{Code: mcp.HEADER_MISMATCH, Message: mcp.HeaderName + " header is required for " + env.Method}
	case !ok || name != p.TaskID:
		return nil, &rpcError{Code: mcp.HEADER_MISMATCH, Message: mcp.HeaderName + " header does not match params.taskId"}
	}
	if !declares(caps, taskExtension) {
		e := errmodel.ClientCapabilityMissing(taskExtension)
		e.Message = env.Method + " needs the " + taskExtension + " extension, which the request's client capabilities do not declare"
		return nil, missingCapabilities(e)
	}
	caller := dispatch.CallerFrom(ctx)
	if caller.Subject == "" {
		return nil, &rpcError{Code: mcp.INVALID_REQUEST, Message: "this request carries no credentials"}
	}
	owner := ownerOf(caller)
	var (
		t   *tasks.Task
		err error
	)
	switch env.Method {
	case "tasks/get":
		t, err = s.tasks.Get(ctx, p.TaskID, owner)
		if err == nil && t != nil {
			return s.detailedTask(t), nil
		}
	case "tasks/cancel":
		t, err = s.tasks.Cancel(ctx, p.TaskID, owner)
	case "tasks/update":
		if s.opts.Dispatcher.Draining() {
			// The answers would run the task here, which is stopping: the
			// client retries, and another instance runs it.
			e := errmodel.New(errmodel.UpstreamUnavailable, "host_draining",
				"this instance is shutting down; send tasks/update again: another instance, or this one restarted, will run the task")
			e.RetryAfterSeconds = 1
			return nil, &rpcError{Code: mcp.INTERNAL_ERROR, Message: e.Message, Data: map[string]any{"error": e}}
		}
		t, err = s.updateTask(ctx, p.TaskID, owner, p.InputResponses)
		var e *errmodel.Error
		if asModel(err, &e) {
			return nil, invalidParams(e)
		}
	}
	switch {
	case err != nil:
		e := s.storeFailed(env.Method, err)
		return nil, &rpcError{Code: mcp.INTERNAL_ERROR, Message: e.Message, Data: map[string]any{"error": e}}
	case t == nil:
		return nil, &rpcError{Code: mcp.INVALID_PARAMS, Message: "no task " + p.TaskID + " (it is unknown, expired, or another caller's)"}
	}
	// tasks/update and tasks/cancel answer an empty acknowledgement; the
	// task's state is for tasks/get.
	return map[string]any{"resultType": string(mcp.ResultTypeComplete), "_meta": s.serverMeta()}, nil
}

func asModel(err error, target **errmodel.Error) bool { return errors.As(err, target) }

// updateTask records the answers a client gives a task waiting for input,
// and runs it again here once it has them all. Answers to questions the
// task did not ask are ignored; a wrong answer to one it asked is invalid
// params.
func (s *Server) updateTask(ctx context.Context, id string, owner tasks.Owner, responses map[string]json.RawMessage) (*tasks.Task, error) {
	bg, cancel := context.WithCancel(context.Background())
	t, run, err := s.tasks.Answer(ctx, id, owner, func(t *tasks.Task) (bool, error) {
		var asked mcp.InputRequests
		var req taskRequest
		if err := json.Unmarshal(t.Input, &asked); err != nil {
			return false, err
		}
		if err := json.Unmarshal(t.Request, &req); err != nil {
			return false, err
		}
		if req.Answers == nil {
			req.Answers = map[string]answer{}
		}
		for key, raw := range responses {
			q, ok := asked[key]
			if !ok {
				continue
			}
			if _, err := answerFor(key, q.Method, raw); err != nil {
				return false, badAnswer(key, err)
			}
			req.Answers[key] = answer{Method: string(q.Method), Result: raw}
			delete(asked, key)
		}
		t.Input, t.Request = encodeInputRequests(asked), mustJSON(req)
		return len(asked) == 0, nil
	}, cancel)
	if run == nil {
		cancel()
		return t, err
	}
	go s.runTask(bg, run, t)
	return t, err
}

// writeRPC writes a JSON-RPC response with the status 2026-07-28 gives it.
func writeRPC(w http.ResponseWriter, id json.RawMessage, result any, rerr *rpcError) {
	resp := map[string]any{"jsonrpc": mcp.JSONRPC_VERSION, "id": id}
	status := http.StatusOK
	if rerr != nil {
		resp["error"] = rerr
		status = rerr.httpStatus()
	} else {
		resp["result"] = result
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(resp)
}
