package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/logging"
	"github.com/billy-mcp/billy-mcp/host/internal/mcpcontent"
	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/billy-mcp/billy-mcp/host/internal/tasks"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	"github.com/hashicorp/go-hclog"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// Options configure the MCP server.
type Options struct {
	Name, Version string
	Instructions  string
	Registry      *registry.Registry
	Dispatcher    *dispatch.Dispatcher
	Logger        hclog.Logger
	// StateKey signs the request state of multi round-trip calls; instances
	// behind one load balancer need the same one. Empty: a random key per
	// process.
	StateKey []byte
	// Sessions shares the stateful revision's sessions between instances;
	// nil keeps them per instance.
	Sessions Sessions
	// SessionKey binds each session to its principal (binding.go);
	// instances behind one load balancer need the same one. Empty: a
	// random key per process.
	SessionKey []byte
	// SessionIdleTTL ends a session after this long without a request (0:
	// never); SessionMaxAge in any case (default 24 hours).
	SessionIdleTTL, SessionMaxAge time.Duration
	// Tasks keeps the tasks of tools that do long work (tasks.go), where
	// every instance sees them; nil serves no tasks (such tools run as
	// ordinary calls). TaskTTL is how long a task is kept (default one
	// hour), TaskTimeout how long one may run (default 30 minutes).
	Tasks       tasks.Store
	TaskTTL     time.Duration
	TaskTimeout time.Duration
	// Instance names this process among the deployment's instances, in
	// the tasks it runs.
	Instance string
	// CompactTools lists tools without their schemas (compact.go).
	CompactTools bool
}

// serverTitle is the server's name for people.
const serverTitle = "Billy MCP"

// Server is the MCP face of the host.
type Server struct {
	opts   Options
	mcp    *server.MCPServer
	states *stateSigner
	// tasks is nil when the host keeps no tasks.
	tasks       *tasks.Service
	taskTimeout time.Duration

	mu       sync.Mutex
	toolsSig string // fingerprint of the tools registered in mcp-go
	availSig string // the available tool names clients were last told about
	otherSig string // fingerprint of resources, templates and prompts
	pending  bool   // an availability announcement is scheduled

	// approvalWaits: which sessions wait for which MFA approval
	// (approval.go).
	approvalWaits approvalWaits
}

// announceDelay debounces tools/list_changed for availability changes: a
// plugin that flaps down and up within it does not make clients re-list,
// and the announcement leaves the request that noticed the failure (mcp-go
// can lose a notification sent just before a request's response).
const announceDelay = 100 * time.Millisecond

// New builds the MCP server and mirrors the registry into it, now and on
// every change.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	s := &Server{opts: opts, states: newStateSigner(opts.StateKey), taskTimeout: opts.TaskTimeout}
	if s.taskTimeout <= 0 {
		s.taskTimeout = defaultTaskTimeout
	}
	var extensions []server.ServerOption
	if opts.Tasks != nil {
		s.tasks = tasks.New(tasks.Options{Store: opts.Tasks, Instance: opts.Instance, TTL: opts.TaskTTL,
			Interrupted: interrupted, Logger: opts.Logger.Named("tasks")})
		extensions = append(extensions, server.WithExtensions(map[string]any{taskExtension: map[string]any{}}))
	}
	hooks := &server.Hooks{}
	// Each caller is listed the tools it may call (visible.go).
	hooks.AddAfterListTools(func(ctx context.Context, _ any, _ *mcp.ListToolsRequest, res *mcp.ListToolsResult) {
		res.Tools = visibleTools(ctx, opts.Registry, res.Tools)
		if opts.CompactTools {
			compactTools(res.Tools)
		}
	})
	hooks.AddAfterInitialize(s.saveClient)
	// Listings are requests too: each is audited (tool calls, resource
	// reads and prompts are, in the dispatcher).
	hooks.AddOnSuccess(func(ctx context.Context, _ any, method mcp.MCPMethod, _ any, _ any) {
		s.auditListing(ctx, method, nil)
	})
	hooks.AddOnError(func(ctx context.Context, _ any, method mcp.MCPMethod, _ any, err error) {
		s.auditListing(ctx, method, err)
	})
	// Tasks are served to 2026-07-28 requests only (tasks.go): the
	// handshake era's clients are not offered the extension.
	hooks.AddAfterInitialize(func(_ context.Context, _ any, _ *mcp.InitializeRequest, res *mcp.InitializeResult) {
		if res != nil && res.Capabilities.Extensions != nil {
			// A copy: the map is the server's own, which discover uses.
			ext := maps.Clone(res.Capabilities.Extensions)
			delete(ext, taskExtension)
			if len(ext) == 0 {
				ext = nil
			}
			res.Capabilities.Extensions = ext
		}
	})
	s.mcp = server.NewMCPServer(opts.Name, opts.Version, append(extensions,
		server.WithToolCapabilities(true),
		server.WithResourceCapabilities(true, true),
		server.WithPromptCapabilities(true),
		server.WithLogging(),
		server.WithCompletions(),
		// No WithElicitation and no EnableSampling: those are the client's
		// capabilities, and mcp-go would list them among the server's in
		// the initialize result. Asking the client works without them.
		server.WithRecovery(),
		server.WithHooks(hooks),
		server.WithInstructions(opts.Instructions),
		server.WithTitle(serverTitle),
	)...)
	s.sync()
	opts.Registry.OnChange(s.sync)
	return s
}

// auditListing records a listing (tools, resources, resource templates,
// prompts) in the audit log; other methods are recorded where they are
// served.
func (s *Server) auditListing(ctx context.Context, method mcp.MCPMethod, err error) {
	switch method {
	case mcp.MethodToolsList, mcp.MethodResourcesList, mcp.MethodResourcesTemplatesList, mcp.MethodPromptsList:
		s.opts.Dispatcher.AuditRequest(ctx, string(method), dispatch.CallerFrom(ctx), time.Now(), err)
	}
}

// sync mirrors the registry into mcp-go. mcp-go announces list changes
// itself when it is given a new set; availability changes do not alter the
// set, so those are announced here.
func (s *Server) sync() {
	reg := s.opts.Registry
	s.mu.Lock()
	defer s.mu.Unlock()

	var all, avail []string
	var st []server.ServerTool
	for _, t := range reg.Tools(false) {
		tool := toolFor(t)
		// SEP-2243: a server must refuse a tool whose x-mcp-header
		// annotations break the rules (mcp-go panics on one).
		if err := mcp.ValidateParamHeaderAnnotations(&tool); err != nil {
			s.opts.Logger.Error("a tool is left out of MCP: its input schema's x-mcp-header annotations are invalid",
				"tool", t.Name, "plugin", t.Plugin, "error", err)
			continue
		}
		b, _ := json.Marshal(tool)
		all = append(all, string(b))
		st = append(st, server.ServerTool{Tool: tool, Handler: s.callTool})
		if reg.Available(t.Plugin) {
			avail = append(avail, t.Name)
		}
	}
	toolsSig, availSig := strings.Join(all, "\n"), strings.Join(avail, ",")
	if toolsSig != s.toolsSig {
		s.mcp.SetTools(st...) // announces the change itself
		s.toolsSig, s.availSig = toolsSig, availSig
	} else if availSig != s.availSig && !s.pending {
		s.pending = true
		time.AfterFunc(announceDelay, s.announceAvailability)
	}

	otherSig := s.syncOthers(reg)
	s.otherSig = otherSig
}

// announceAvailability tells clients the tool list changed if the set of
// available tools still differs from what they were last told.
func (s *Server) announceAvailability() {
	var avail []string
	for _, t := range s.opts.Registry.Tools(true) {
		avail = append(avail, t.Name)
	}
	sig := strings.Join(avail, ",")
	s.mu.Lock()
	s.pending = false
	changed := sig != s.availSig
	s.availSig = sig
	s.mu.Unlock()
	if changed {
		s.opts.Logger.Debug("tool availability changed; notifying clients", "available", len(avail))
		s.mcp.SendNotificationToAllClients(string(mcp.MethodNotificationToolsListChanged), nil)
	}
}

// syncOthers mirrors resources, templates and prompts when they changed.
func (s *Server) syncOthers(reg *registry.Registry) string {
	resources, templates, prompts := reg.Resources(), reg.Templates(), reg.Prompts()
	b, _ := json.Marshal([]any{resources, templates, prompts})
	sig := string(b)
	if sig == s.otherSig {
		return sig
	}
	var sr []server.ServerResource
	for _, r := range resources {
		sr = append(sr, server.ServerResource{
			Resource: mcp.Resource{URI: r.URI, Name: r.Name, Title: r.Title, Description: r.Description, MIMEType: r.MIMEType},
			Handler:  s.readResource(""),
		})
	}
	s.mcp.SetResources(sr...)
	var st []server.ServerResourceTemplate
	for _, t := range templates {
		st = append(st, server.ServerResourceTemplate{
			Template: mcp.NewResourceTemplate(t.URITemplate, t.Name, mcp.WithTemplateDescription(t.Description), mcp.WithTemplateMIMEType(t.MIMEType)),
			Handler:  server.ResourceTemplateHandlerFunc(s.readResource(t.Plugin)),
		})
	}
	s.mcp.SetResourceTemplates(st...)
	var sp []server.ServerPrompt
	for _, p := range prompts {
		opts := []mcp.PromptOption{mcp.WithPromptDescription(p.Description)}
		if p.Title != "" {
			opts = append(opts, mcp.WithPromptTitle(p.Title))
		}
		for _, a := range p.Arguments {
			aopts := []mcp.ArgumentOption{mcp.ArgumentDescription(a.Description)}
			if a.Required {
				aopts = append(aopts, mcp.RequiredArgument())
			}
			opts = append(opts, mcp.WithArgument(a.Name, aopts...))
		}
		sp = append(sp, server.ServerPrompt{Prompt: mcp.NewPrompt(p.Name, opts...), Handler: s.getPrompt})
	}
	s.mcp.SetPrompts(sp...)
	return sig
}

func (s *Server) op(ctx context.Context, kind dispatch.Kind, name string) *dispatch.Op {
	return &dispatch.Op{Kind: kind, Name: name, Caller: dispatch.CallerFrom(ctx), CorrelationID: dispatch.CorrelationIDFrom(ctx),
		Client: &client{mcp: s.mcp, ctx: ctx}}
}

func (s *Server) callTool(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	op := s.op(ctx, dispatch.CallTool, req.Params.Name)
	switch {
	case string(bytes.TrimSpace(req.Params.RawArguments)) == "null":
		// "arguments": null is what the Go SDK sends for a call without
		// arguments (a nil map): no arguments, as if it had sent none.
	case len(req.Params.RawArguments) > 0:
		op.Arguments = req.Params.RawArguments
	case req.Params.Arguments != nil:
		b, err := json.Marshal(req.Params.Arguments)
		if err != nil {
			return errorResult(errmodel.Invalid("the arguments cannot be encoded as JSON")), nil
		}
		op.Arguments = b
	}
	cl := op.Client.(*client)
	op.Fresh, op.Cache = wantsFresh(req.Params.Meta), &dispatch.CacheNotes{}
	if m := req.Params.Meta; m != nil && m.ProgressToken != nil {
		op.ProgressToken, _ = json.Marshal(m.ProgressToken)
		cl.token = m.ProgressToken
	}
	if server.IsModernRequest(ctx) {
		rt, e := s.states.resume(subjectOf(op), req.Params.MultiRoundTripParams)
		if e != nil {
			return s.invalid(ctx, op, e), nil
		}
		cl.rt = rt
	}
	if tool, ok := s.opts.Registry.Tool(op.Name); ok && tool.Task != "" {
		if res, handled := s.callAsTask(ctx, op, tool); handled {
			return res, nil
		}
	}
	out, err := s.opts.Dispatcher.Do(ctx, op)
	cl.settle()
	if err != nil {
		if res, ok, herr := s.approvalAnswer(ctx, op, errmodel.From(err).WithCorrelation(op.CorrelationID)); ok {
			return res, herr
		}
	}
	return s.toolAnswer(ctx, op, out, err), nil
}

func subjectOf(op *dispatch.Op) subject {
	args := op.Arguments
	if op.Kind == dispatch.GetPrompt {
		args, _ = json.Marshal(op.PromptArguments)
	}
	return subject{Kind: op.Kind, Name: op.Name, Args: args, Caller: op.Caller}
}

// toolAnswer is a tools/call's answer. A question the handler asked wins
// over whatever it returned after being told the answer comes later; an
// answer the client got wrong fails the request; a capability the client
// lacks is named to a 2026-07-28 client as -32021.
func (s *Server) toolAnswer(ctx context.Context, op *dispatch.Op, out *dispatch.Outcome, err error) *mcp.CallToolResult {
	cl := op.Client.(*client)
	if cl.rt != nil {
		if bad := cl.rt.failure(); bad != nil {
			return s.invalid(ctx, op, bad)
		}
		mrt, asked, ierr := s.states.inputRequired(cl.rt, subjectOf(op))
		if ierr != nil {
			return errorResult(errmodel.From(ierr).WithCorrelation(op.CorrelationID))
		}
		if asked {
			if replyResult(ctx, s.inputRequiredResult(mrt)) {
				return &mcp.CallToolResult{}
			}
			return &mcp.CallToolResult{Result: mcp.Result{ResultType: mcp.ResultTypeInputRequired}, MultiRoundTripResult: mrt}
		}
	}
	if err != nil {
		e := errmodel.From(err).WithCorrelation(op.CorrelationID)
		if len(e.MissingCapabilities()) > 0 && cl.modern() && replyError(ctx, missingCapabilities(e)) {
			return &mcp.CallToolResult{}
		}
		return errorResult(e)
	}
	return markStale(toolResult(out.Tool), op)
}

// inputRequiredResult is the answer of a request that asked: its questions
// (encoded for every client, see encodeInputRequests) and the signed state.
// Where the transport sends replies it goes as one; mcp-go's own rendering
// is the fallback.
func (s *Server) inputRequiredResult(mrt mcp.MultiRoundTripResult) map[string]any {
	return map[string]any{"resultType": mcp.ResultTypeInputRequired, "inputRequests": encodeInputRequests(mrt.InputRequests),
		"requestState": mrt.RequestState, "_meta": s.serverMeta()}
}

// invalid answers a request whose parameters are wrong (its request state
// or answers): invalid params where the transport can say so, else a tool
// error.
func (s *Server) invalid(ctx context.Context, op *dispatch.Op, e *errmodel.Error) *mcp.CallToolResult {
	e = e.WithCorrelation(op.CorrelationID)
	if replyError(ctx, invalidParams(e)) {
		return &mcp.CallToolResult{}
	}
	return errorResult(e)
}

// readResource serves a resource read; plugin is set for template reads
// (mcp-go matched the template, so we know whose it is).
func (s *Server) readResource(plugin string) server.ResourceHandlerFunc {
	return func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
		op := s.op(ctx, dispatch.ReadResource, req.Params.URI)
		op.Plugin = plugin
		cl := op.Client.(*client)
		// mcp-go takes contents from a resource handler, never an
		// input_required result: a modern read that asks is answered with
		// a reply, so only where the transport sends replies may it ask.
		if server.IsModernRequest(ctx) && canReply(ctx) {
			rt, e := s.states.resume(subjectOf(op), req.Params.MultiRoundTripParams)
			if e != nil {
				return nil, s.protocolInvalid(ctx, op, e)
			}
			cl.rt = rt
		}
		out, err := s.opts.Dispatcher.Do(ctx, op)
		if cl.rt != nil {
			if bad := cl.rt.failure(); bad != nil {
				return nil, s.protocolInvalid(ctx, op, bad)
			}
			if mrt, asked, ierr := s.states.inputRequired(cl.rt, subjectOf(op)); ierr == nil && asked {
				replyResult(ctx, s.inputRequiredResult(mrt))
				return []mcp.ResourceContents{}, nil
			}
		}
		if err != nil {
			if e := errmodel.From(err); e.Category == errmodel.NotFound {
				replyError(ctx, resourceNotFound(cl.modern(), req.Params.URI, e.WithCorrelation(op.CorrelationID)))
			}
			return nil, protocolError(err)
		}
		var res []mcp.ResourceContents
		for _, c := range out.Resource.Contents {
			res = append(res, mcpcontent.ResourceFromWire(c))
		}
		return res, nil
	}
}

func (s *Server) getPrompt(ctx context.Context, req mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	op := s.op(ctx, dispatch.GetPrompt, req.Params.Name)
	op.PromptArguments = req.Params.Arguments
	cl := op.Client.(*client)
	if server.IsModernRequest(ctx) {
		rt, e := s.states.resume(subjectOf(op), req.Params.MultiRoundTripParams)
		if e != nil {
			return nil, s.protocolInvalid(ctx, op, e)
		}
		cl.rt = rt
	}
	out, err := s.opts.Dispatcher.Do(ctx, op)
	if cl.rt != nil {
		if bad := cl.rt.failure(); bad != nil {
			return nil, s.protocolInvalid(ctx, op, bad)
		}
		mrt, asked, ierr := s.states.inputRequired(cl.rt, subjectOf(op))
		if ierr != nil {
			return nil, protocolError(ierr)
		}
		if asked {
			if replyResult(ctx, s.inputRequiredResult(mrt)) {
				return &mcp.GetPromptResult{}, nil
			}
			return &mcp.GetPromptResult{Result: mcp.Result{ResultType: mcp.ResultTypeInputRequired}, MultiRoundTripResult: mrt}, nil
		}
	}
	if err != nil {
		return nil, protocolError(err)
	}
	res := &mcp.GetPromptResult{Description: out.Prompt.Description}
	for _, m := range out.Prompt.Messages {
		res.Messages = append(res.Messages, mcp.PromptMessage{Role: mcp.Role(m.Role), Content: mcpcontent.FromWire(m.Content)})
	}
	return res, nil
}

// protocolInvalid fails a resource read or prompt whose parameters (request
// state, answers) are wrong: invalid params where the transport can say so.
func (s *Server) protocolInvalid(ctx context.Context, op *dispatch.Op, e *errmodel.Error) error {
	e = e.WithCorrelation(op.CorrelationID)
	replyError(ctx, invalidParams(e))
	return protocolError(e)
}

// protocolError renders a failure of a resource read or prompt, which MCP
// reports as JSON-RPC errors rather than results.
func protocolError(err error) error {
	e := errmodel.From(err)
	b, _ := json.Marshal(e)
	return fmt.Errorf("%s: %s (details: %s)", e.Code, e.Message, b)
}

// HTTPHandler returns the Streamable HTTP handler for /mcp. The request's
// caller and correlation ID, set by the HTTP middleware, reach the handlers
// through the request's context, which mcp-go builds on.
func (s *Server) HTTPHandler() http.Handler {
	opts := []server.StreamableHTTPOption{
		server.WithEndpointPath("/mcp"),
		server.WithStreamableHTTPLogger(logging.Slog(s.opts.Logger.Named("http"))),
	}
	// Sessions are bound to their principal and expire (binding.go); the
	// idle sweep frees what mcp-go keeps per session.
	opts = append(opts, server.WithSessionIdManagerResolver(newBoundSessions(s.opts.SessionKey, s.opts.SessionIdleTTL, s.opts.SessionMaxAge, s.opts.Sessions)))
	if s.opts.SessionIdleTTL > 0 {
		opts = append(opts, server.WithSessionIdleTTL(s.opts.SessionIdleTTL))
	}
	if s.opts.Sessions != nil {
		opts = append(opts, server.WithHTTPContextFunc(s.restoreClient))
	}
	return ownStreams(s.front(server.NewStreamableHTTPServer(s.mcp, opts...)))
}

// Close stops the host's share of task bookkeeping (heartbeats, cleanup).
func (s *Server) Close() {
	if s.tasks != nil {
		s.tasks.Close()
	}
}

// ServeStdio serves MCP on in/out until ctx ends or in is closed. Nothing
// else may write to out.
func (s *Server) ServeStdio(ctx context.Context, caller dispatch.Caller, in io.Reader, out io.Writer) error {
	stdio := server.NewStdioServer(s.mcp)
	stdio.SetErrorLogger(s.opts.Logger.Named("stdio").StandardLogger(&hclog.StandardLoggerOptions{ForceLevel: hclog.Error}))
	stdio.SetContextFunc(func(ctx context.Context) context.Context { return dispatch.WithCaller(ctx, caller) })
	return stdio.Listen(ctx, in, out)
}
