package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/httpjson"
	"github.com/billy-mcp/billy-mcp/host/internal/mcpcontent"
	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/mark3labs/mcp-go/mcp"
)

// Options configure the REST API.
type Options struct {
	Registry   *registry.Registry
	Dispatcher *dispatch.Dispatcher
	// MaxBatch bounds the tools of one batch call (default 20).
	MaxBatch int
}

// Handler serves the API under /api/v1/. Authentication, the request's
// identity and correlation ID, and the body limit come from the HTTP
// middleware in front of it; the caller reaches the dispatcher through the
// request's context.
func Handler(o Options) http.Handler {
	if o.MaxBatch <= 0 {
		o.MaxBatch = 20
	}
	x := &rest{reg: o.Registry, d: o.Dispatcher, maxBatch: o.MaxBatch}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/tools", x.listTools)
	// The literal route wins over the wildcard, so "batch" is never taken
	// for a tool name (v1's bug).
	mux.HandleFunc("POST /api/v1/tools/batch", x.batch)
	mux.HandleFunc("POST /api/v1/tools/{name}", x.callTool)
	mux.HandleFunc("POST /api/v1/call", x.callV1)
	return mux
}

// rest serves v1's REST API from the same registry and dispatcher as MCP,
// so v1 integrations (RenOS and others) keep working. Envelopes follow v1:
// {success, data, executionTime}; errors add the error model.
type rest struct {
	reg      *registry.Registry
	d        *dispatch.Dispatcher
	maxBatch int
}

// listTools lists the tools the caller may call (as tools/list does).
func (x *rest) listTools(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	caller := dispatch.CallerFrom(r.Context())
	tools := dispatch.VisibleTools(caller, x.reg.Tools(true))
	x.d.AuditRequest(r.Context(), "tools/list", caller, start, nil)
	httpjson.Write(w, http.StatusOK, map[string]any{"success": true, "data": map[string]any{"tools": tools, "total": len(tools)}})
}

// arguments accepts v1's two body shapes: {"arguments": {...}} or the bare
// arguments object.
func arguments(body []byte) (json.RawMessage, *errmodel.Error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return json.RawMessage("{}"), nil
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(body, &probe); err != nil {
		return nil, errmodel.Invalid("the request body must be a JSON object: "+err.Error(), errmodel.FieldError{Field: "body", Message: "must be a JSON object"})
	}
	if a, ok := probe["arguments"]; ok && len(probe) == 1 {
		return a, nil
	}
	return body, nil
}

func readBody(r *http.Request) ([]byte, *errmodel.Error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, errmodel.New(errmodel.Validation, "body_too_large", "the request body exceeds %d bytes", tooBig.Limit)
		}
		return nil, errmodel.Invalid("the request body could not be read: " + err.Error())
	}
	return b, nil
}

// result is one tool call's REST answer.
type result struct {
	Success       bool            `json:"success"`
	Data          any             `json:"data,omitempty"`
	Content       []mcp.Content   `json:"content,omitempty"`
	Error         *errmodel.Error `json:"error,omitempty"`
	ExecutionTime int64           `json:"executionTime"`
	CorrelationID string          `json:"correlationId,omitempty"`
	// AvailableTools is v1's hint on an unknown tool name.
	AvailableTools []string `json:"availableTools,omitempty"`
	// Stale is set when the answer used data from the host's cache that is
	// past its time to live, because Billy could not answer.
	Stale *staleMark `json:"stale,omitempty"`
	// Replayed says this is the kept answer of an earlier call with the
	// same idempotency key (the Idempotency-Key header or the
	// idempotency_key argument): nothing was done again. The header
	// Idempotent-Replayed: true says the same.
	Replayed bool `json:"replayed,omitempty"`
}

// writeResult writes a tool call's answer.
func writeResult(w http.ResponseWriter, status int, res result) {
	if res.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	httpjson.Write(w, status, res)
}

// staleMark is the REST form of MCP's io.billy-mcp/stale.
type staleMark struct {
	Stale      bool   `json:"stale"`
	AgeSeconds int64  `json:"age_seconds"`
	Reason     string `json:"reason"`
	Reads      int    `json:"reads"`
}

// wantsFresh: "Cache-Control: no-cache" (or no-store), or X-Billy-Fresh:
// true, asks that this call's Billy reads skip the host's cache.
func wantsFresh(r *http.Request) bool {
	for _, v := range r.Header.Values("Cache-Control") {
		for _, d := range strings.Split(v, ",") {
			if d = strings.ToLower(strings.TrimSpace(d)); d == "no-cache" || d == "no-store" {
				return true
			}
		}
	}
	ok, _ := strconv.ParseBool(r.Header.Get("X-Billy-Fresh"))
	return ok
}

func (x *rest) call(r *http.Request, name string, args json.RawMessage) (int, result) {
	start := time.Now()
	op := &dispatch.Op{Kind: dispatch.CallTool, Name: name, Arguments: args,
		Caller: dispatch.CallerFrom(r.Context()), CorrelationID: dispatch.CorrelationIDFrom(r.Context()),
		Fresh: wantsFresh(r), Cache: &dispatch.CacheNotes{}, IdempotencyKey: r.Header.Get("Idempotency-Key")}
	out, err := x.d.Do(r.Context(), op)
	res := result{CorrelationID: op.CorrelationID}
	if st, ok := op.Cache.Stale(); ok {
		res.Stale = &staleMark{Stale: true, AgeSeconds: int64(math.Round(st.Age.Seconds())), Reason: st.Reason, Reads: st.Reads}
	}
	status := http.StatusOK
	if err != nil {
		e := errmodel.From(err)
		res.Error = e
		status = e.Category.HTTPStatus()
		if e.Code == "tool_not_found" {
			for _, t := range dispatch.VisibleTools(op.Caller, x.reg.Tools(true)) {
				res.AvailableTools = append(res.AvailableTools, t.Name)
			}
		}
	} else {
		res.Replayed = out.Replayed
		res.Success, res.Data, res.Content = restData(out.Tool)
		if !res.Success {
			// A tool that failed in the error model arrives as err above;
			// this is a result the tool itself marked as an error.
			status = http.StatusUnprocessableEntity
		}
	}
	res.ExecutionTime = time.Since(start).Milliseconds()
	return status, res
}

// restData picks v1's "data": the structured content when the tool has it,
// else the text parsed as JSON when it is JSON, else the content items.
func restData(resp *pluginv1.CallToolResponse) (bool, any, []mcp.Content) {
	var content []mcp.Content
	for _, c := range resp.Content {
		content = append(content, mcpcontent.FromWire(c))
	}
	if resp.StructuredContentJson != "" {
		return !resp.IsError, json.RawMessage(resp.StructuredContentJson), nil
	}
	if len(resp.Content) == 1 {
		if t := resp.Content[0].GetText(); t != nil && json.Valid([]byte(t.Text)) {
			return !resp.IsError, json.RawMessage(t.Text), nil
		}
	}
	return !resp.IsError, nil, content
}

func (x *rest) callTool(w http.ResponseWriter, r *http.Request) {
	body, e := readBody(r)
	if e != nil {
		httpjson.Error(w, e)
		return
	}
	args, e := arguments(body)
	if e != nil {
		httpjson.Error(w, e)
		return
	}
	status, res := x.call(r, r.PathValue("name"), args)
	writeResult(w, status, res)
}

// callV1 serves v1's POST /api/v1/call {tool, arguments}, which v1 routed
// through an Express internal that no longer exists.
func (x *rest) callV1(w http.ResponseWriter, r *http.Request) {
	body, e := readBody(r)
	if e != nil {
		httpjson.Error(w, e)
		return
	}
	var req struct {
		Tool      string          `json:"tool"`
		Arguments json.RawMessage `json:"arguments"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Tool == "" {
		httpjson.Error(w, errmodel.Invalid("the body must be {\"tool\": \"<name>\", \"arguments\": {...}}", errmodel.FieldError{Field: "tool", Message: "is required"}))
		return
	}
	status, res := x.call(r, req.Tool, req.Arguments)
	writeResult(w, status, res)
}

// Batch modes: independent (v1's: each tool on its own) or all or
// nothing.
const (
	ModeIndependent  = "independent"
	ModeAllOrNothing = "all_or_nothing"
)

type batchRequest struct {
	// Mode is ModeIndependent (default) or ModeAllOrNothing.
	Mode string `json:"mode"`
	// DryRun, with ModeAllOrNothing, validates every item and writes
	// nothing.
	DryRun bool `json:"dry_run"`
	Tools  []struct {
		Tool      string          `json:"tool"`
		Arguments json.RawMessage `json:"arguments"`
	} `json:"tools"`
}

type batchResult struct {
	Tool string `json:"tool"`
	result
}

// batch runs v1's POST /api/v1/tools/batch: the tools in order, each on its
// own (one failing does not stop the rest; nothing is rolled back), or,
// with "mode": "all_or_nothing", all or nothing (allornothing.go).
func (x *rest) batch(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	body, e := readBody(r)
	if e != nil {
		httpjson.Error(w, e)
		return
	}
	var req batchRequest
	if err := json.Unmarshal(body, &req); err != nil {
		httpjson.Error(w, errmodel.Invalid("the body must be {\"tools\": [{\"tool\": \"<name>\", \"arguments\": {...}}]}: "+err.Error(),
			errmodel.FieldError{Field: "tools", Message: "must be an array of {tool, arguments}"}))
		return
	}
	if len(req.Tools) == 0 || len(req.Tools) > x.maxBatch {
		httpjson.Error(w, errmodel.Invalid("a batch needs 1 to N tools", errmodel.FieldError{Field: "tools",
			Message: "must hold between 1 and " + strconv.Itoa(x.maxBatch) + " entries, got " + strconv.Itoa(len(req.Tools))}))
		return
	}
	var fields []errmodel.FieldError
	for i, t := range req.Tools {
		if t.Tool == "" {
			fields = append(fields, errmodel.FieldError{Field: "tools[" + strconv.Itoa(i) + "].tool", Message: "is required"})
		}
	}
	switch req.Mode {
	case "", ModeIndependent:
		if req.DryRun {
			fields = append(fields, errmodel.FieldError{Field: "dry_run", Message: "goes with mode " + ModeAllOrNothing + " (each tool takes its own dry_run argument otherwise)"})
		}
	case ModeAllOrNothing:
	default:
		fields = append(fields, errmodel.FieldError{Field: "mode", Message: "must be " + ModeIndependent + " (the default) or " + ModeAllOrNothing + ", got " + strconv.Quote(req.Mode)})
	}
	if len(fields) > 0 {
		httpjson.Error(w, errmodel.Invalid("the batch is not right: "+fields[0].Field+" "+fields[0].Message, fields...))
		return
	}
	if req.Mode == ModeAllOrNothing {
		x.allOrNothing(w, r, start, req)
		return
	}
	results := make([]batchResult, 0, len(req.Tools))
	ok := 0
	for _, t := range req.Tools {
		args := t.Arguments
		if len(args) == 0 {
			args = json.RawMessage("{}")
		}
		_, res := x.call(r, t.Tool, args)
		if res.Success {
			ok++
		}
		results = append(results, batchResult{Tool: t.Tool, result: res})
	}
	httpjson.Write(w, http.StatusOK, map[string]any{
		"success":       ok == len(results),
		"data":          map[string]any{"results": results, "total": len(results), "successful": ok, "failed": len(results) - ok},
		"executionTime": time.Since(start).Milliseconds(),
	})
}
