package dispatch

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/billy-mcp/billy-mcp/host/internal/audit"
	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/billy-mcp/billy-mcp/host/internal/tracing"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/hashicorp/go-hclog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// Invoker reaches plugins; the plugin manager implements it. Errors are
// *errmodel.Error (a plugin that is down gives a retryable one; a plugin
// that died while handling a call gives errmodel.CodePluginStopped).
type Invoker interface {
	CallTool(ctx context.Context, plugin string, req *pluginv1.CallToolRequest) (*pluginv1.CallToolResponse, error)
	ReadResource(ctx context.Context, plugin string, req *pluginv1.ReadResourceRequest) (*pluginv1.ReadResourceResponse, error)
	GetPrompt(ctx context.Context, plugin string, req *pluginv1.GetPromptRequest) (*pluginv1.GetPromptResponse, error)
}

// Options configure a Dispatcher.
type Options struct {
	Registry *registry.Registry
	Invoker  Invoker
	Logger   hclog.Logger
	// Timeout bounds one op (default 60s).
	Timeout time.Duration
	// MaxDepth bounds tool calls nested through host services (default 4).
	MaxDepth int
	// MaxString bounds every text in a tool's arguments, in bytes (default
	// DefaultMaxString).
	MaxString int
	// WritesMode is the deployment's write policy, applied to ops that do
	// not carry their own.
	WritesMode string
	// Stages are extra middleware run after authorization and before the
	// plugin is called (caching, rate limits, safe-write policy).
	Stages []Middleware
	// Audit takes a record of every op, refusals included. Nil writes them
	// through Logger, synchronously (tests, tools); the host gives its
	// asynchronous writers.
	Audit audit.Sink
	// AuditKey keys the hash of each call's arguments in its audit record
	// (audit.ArgsHash) and in MFA approvals.
	AuditKey []byte
	// Idempotency keeps idempotency keys (the host's store). Nil refuses
	// calls that carry one.
	Idempotency IdempotencyStore
	// IdempotencyTTL is how long a key is kept (DefaultIdempotencyTTL).
	IdempotencyTTL time.Duration
	// WriteSettle is how long Billy may still finish a write whose outcome
	// was unknown (DefaultWriteSettle).
	WriteSettle time.Duration
	// Tracer records a span for each op (package tracing); nil records
	// none.
	Tracer trace.Tracer
}

// Dispatcher runs ops through the pipeline.
type Dispatcher struct {
	opts    Options
	handler Handler
	calls   callTable
	drain   drainer
}

// New builds the pipeline.
func New(opts Options) *Dispatcher {
	if opts.Timeout <= 0 {
		opts.Timeout = 60 * time.Second
	}
	if opts.MaxDepth <= 0 {
		opts.MaxDepth = 4
	}
	if opts.MaxString <= 0 {
		opts.MaxString = DefaultMaxString
	}
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	if opts.Audit == nil {
		opts.Audit = logSink{opts.Logger.Named("audit")}
	}
	if opts.IdempotencyTTL <= 0 {
		opts.IdempotencyTTL = DefaultIdempotencyTTL
	}
	if opts.WriteSettle <= 0 {
		opts.WriteSettle = DefaultWriteSettle
	}
	d := &Dispatcher{opts: opts}
	// audit wraps every later stage, so refusals (no credentials, unknown
	// tool, plugin down, missing scope, bad arguments) are recorded too.
	stages := []Middleware{d.correlate, d.audit, d.admit, d.identify, d.resolve, d.authorize, d.tenancy, d.validate}
	stages = append(stages, opts.Stages...)
	// Last before the plugin: a call refused by an earlier stage never
	// claims its idempotency key.
	stages = append(stages, d.guardWrites)
	h := d.invoke
	for i := len(stages) - 1; i >= 0; i-- {
		h = stages[i](h)
	}
	d.handler = h
	return d
}

// Do runs op through the pipeline. The error, if any, is an *errmodel.Error
// carrying op's correlation ID.
func (d *Dispatcher) Do(ctx context.Context, op *Op) (*Outcome, error) {
	if d.opts.Tracer != nil {
		return d.traced(ctx, op)
	}
	out, err := d.handler(ctx, op)
	if err != nil {
		return nil, errmodel.From(err).WithCorrelation(op.CorrelationID)
	}
	return out, nil
}

// traced is Do inside a span named after the op: "tools/call get_invoice".
// A resource's URI carries record IDs, so it is an attribute, not part of
// the name. Nothing from the arguments goes on the span.
func (d *Dispatcher) traced(ctx context.Context, op *Op) (*Outcome, error) {
	name, kind := string(op.Kind), trace.SpanKindServer
	if op.Kind != ReadResource {
		name += " " + op.Name
	}
	if op.Depth > 0 {
		kind = trace.SpanKindInternal
	}
	ctx, span := d.opts.Tracer.Start(ctx, name, trace.WithSpanKind(kind))
	out, err := d.handler(ctx, op)
	// After the pipeline: the stages fill in the correlation ID, the
	// plugin and the organization.
	span.SetAttributes(attribute.String("mcp.method.name", string(op.Kind)),
		attribute.String("billy_mcp.plugin", op.Plugin), attribute.String("billy_mcp.correlation_id", op.CorrelationID),
		attribute.String("billy_mcp.transport", op.Caller.Transport), attribute.String("billy_mcp.organization", op.Caller.OrganizationID))
	switch op.Kind {
	case CallTool:
		span.SetAttributes(attribute.String("gen_ai.tool.name", op.Name))
	case ReadResource:
		span.SetAttributes(attribute.String("mcp.resource.uri", op.Name))
	case GetPrompt:
		span.SetAttributes(attribute.String("gen_ai.prompt.name", op.Name))
	}
	if err != nil {
		e := errmodel.From(err).WithCorrelation(op.CorrelationID)
		tracing.End(span, e)
		return nil, e
	}
	tracing.End(span, nil)
	return out, nil
}

// Serving counts the calls in flight in plugin: a plugin being disabled
// is stopped once it serves none.
func (d *Dispatcher) Serving(plugin string) int { return d.calls.serving(plugin) }

// Lookup finds a call in flight for host services; see InFlight.
func (d *Dispatcher) Lookup(plugin, callID string) (*InFlight, bool) {
	return d.calls.Lookup(plugin, callID)
}

// correlate assigns the correlation ID, the write policy and the deadline.
func (d *Dispatcher) correlate(next Handler) Handler {
	return func(ctx context.Context, op *Op) (*Outcome, error) {
		if op.CorrelationID == "" {
			op.CorrelationID = newCallID()[:16]
		}
		if op.WritesMode == "" {
			op.WritesMode = d.opts.WritesMode
		}
		timeout := d.opts.Timeout
		if op.Timeout > 0 {
			timeout = op.Timeout
		}
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		return next(ctx, op)
	}
}

// identify requires an authenticated caller (transports authenticate; this
// stage makes sure none of them forgot) and bounds nested calls.
func (d *Dispatcher) identify(next Handler) Handler {
	return func(ctx context.Context, op *Op) (*Outcome, error) {
		if op.Depth > d.opts.MaxDepth {
			return nil, errmodel.New(errmodel.Conflict, "call_depth_exceeded",
				"tool calls nested %d deep (limit %d): a plugin is probably calling tools in a loop", op.Depth, d.opts.MaxDepth)
		}
		if op.Caller.Subject == "" {
			return nil, errmodel.New(errmodel.Unauthorized, "unauthenticated", "this request carries no credentials: send an API key as 'Authorization: Bearer <key>'")
		}
		return next(ctx, op)
	}
}

// resolve finds the plugin that serves op.
func (d *Dispatcher) resolve(next Handler) Handler {
	return func(ctx context.Context, op *Op) (*Outcome, error) {
		reg := d.opts.Registry
		switch op.Kind {
		case CallTool:
			t, ok := reg.Tool(op.Name)
			if !ok {
				return nil, errmodel.New(errmodel.NotFound, "tool_not_found", "there is no tool named %q; list the tools to see what is available", op.Name)
			}
			op.Plugin, op.tool = t.Plugin, t
		case GetPrompt:
			p, ok := reg.Prompt(op.Name)
			if !ok {
				return nil, errmodel.New(errmodel.NotFound, "prompt_not_found", "there is no prompt named %q", op.Name)
			}
			op.Plugin = p.Plugin
		case ReadResource:
			// A read through a resource template arrives with Plugin set by
			// the transport, which matched the template.
			for _, r := range reg.Resources() {
				if op.Plugin == "" && r.URI == op.Name {
					op.Plugin = r.Plugin
				}
			}
			if op.Plugin == "" {
				return nil, errmodel.New(errmodel.NotFound, "resource_not_found", "there is no resource %q", op.Name)
			}
		default:
			return nil, errmodel.New(errmodel.Internal, "unknown_op", "unknown operation %q", op.Kind)
		}
		if !reg.Available(op.Plugin) {
			return nil, unavailable(op.Plugin)
		}
		return next(ctx, op)
	}
}

func unavailable(plugin string) *errmodel.Error {
	e := errmodel.New(errmodel.UpstreamUnavailable, "plugin_unavailable",
		"the %s plugin is restarting; retry in a few seconds", plugin)
	e.RetryAfterSeconds = 2
	return e
}

// audit records every op with its outcome, refusals included. Arguments
// are not recorded: they carry personal data. The cause of an internal
// error, which clients do not see, is.
func (d *Dispatcher) audit(next Handler) Handler {
	return func(ctx context.Context, op *Op) (*Outcome, error) {
		start := time.Now()
		out, err := next(ctx, op)
		r := d.record(op.Caller, start)
		r.Op, r.Name, r.Plugin, r.CorrelationID = string(op.Kind), op.Name, op.Plugin, op.CorrelationID
		if op.Kind == CallTool {
			r.ArgsHash = audit.ArgsHash(d.opts.AuditKey, op.Arguments)
		}
		if err != nil {
			e := errmodel.From(err)
			r.Outcome, r.Category, r.Code = e.Code, string(e.Category), e.Code
			if e.Category == errmodel.Internal {
				r.Cause = err.Error()
			}
		} else if out.Tool != nil && out.Tool.IsError {
			// Judged by the result: a tool that answered with an error
			// failed, whatever the transport made of it.
			r.Outcome = "tool_error"
			if te := out.Tool.GetError(); te != nil {
				e := errmodel.FromWire(te)
				r.Code, r.Category = e.Code, string(e.Category)
			}
		}
		r.Writes = op.writes.audited()
		r.Replayed = out != nil && out.Replayed
		r.Note, r.Approval = op.auditNote, op.approval
		d.opts.Audit.Record(r)
		return out, err
	}
}

// record starts an audit record of a request by c that started at start.
func (d *Dispatcher) record(c Caller, start time.Time) audit.Record {
	return audit.Record{Time: start, Subject: c.Subject, Organization: c.OrganizationID, Transport: c.Transport,
		Auth: c.Auth, ClientAddr: c.ClientAddr, Outcome: "ok", Duration: time.Since(start)}
}

// AuditRequest records a request that does not go through Do: a listing
// (op "tools/list", "resources/list", "resources/templates/list",
// "prompts/list") or anything else a transport serves itself, by caller,
// started at start, failed with err if not nil.
func (d *Dispatcher) AuditRequest(ctx context.Context, op string, caller Caller, start time.Time, err error) {
	r := d.record(caller, start)
	r.Op, r.CorrelationID = op, CorrelationIDFrom(ctx)
	if err != nil {
		e := errmodel.From(err)
		r.Outcome, r.Category, r.Code = e.Code, string(e.Category), e.Code
	}
	d.opts.Audit.Record(r)
}

// AuditApproval records an attempt on an MFA approval page (op
// "mfa/approve"): caller is the approval's principal, approval its ID, err
// why the code was refused (nil: approved). Failed codes are recorded
// like failed logins, independent of the log level.
func (d *Dispatcher) AuditApproval(ctx context.Context, caller Caller, approval string, start time.Time, err error) {
	r := d.record(caller, start)
	r.Op, r.CorrelationID, r.Approval = "mfa/approve", CorrelationIDFrom(ctx), approval
	if err != nil {
		e := errmodel.From(err)
		r.Outcome, r.Category, r.Code = e.Code, string(e.Category), e.Code
	}
	d.opts.Audit.Record(r)
}

// FailedLogin is a request refused before it had a caller: credentials
// missing, unknown, expired or revoked.
type FailedLogin struct {
	// Transport is "mcp-http" or "rest"; ClientAddr the client's address.
	Transport, ClientAddr string
	// Code says why (the error code the client got: "unauthenticated",
	// "invalid_token", ...).
	Code string
	// Principal is whom the credentials claimed to be, when that is known
	// without trusting them (an API key's ID); else empty.
	Principal string
	// Auth is the kind of credentials presented ("api_key", "oauth"; empty
	// for none).
	Auth          string
	CorrelationID string
	Start         time.Time
}

// AuditFailedLogin records a failed login (op "auth"), independent of the
// log level, for the edge to call on every refusal.
func (d *Dispatcher) AuditFailedLogin(f FailedLogin) {
	if f.Start.IsZero() {
		f.Start = time.Now()
	}
	r := d.record(Caller{Subject: f.Principal, Transport: f.Transport, Auth: f.Auth, ClientAddr: f.ClientAddr}, f.Start)
	r.Op, r.CorrelationID = "auth", f.CorrelationID
	code := f.Code
	if code == "" {
		code = "unauthenticated"
	}
	r.Outcome, r.Code, r.Category = code, code, string(errmodel.Unauthorized)
	d.opts.Audit.Record(r)
}

// maxAuditNote bounds a plugin's audit note (sdk.MaxAuditNote): it is
// kept in every record's row for years.
const maxAuditNote = 1024

// boundNote cuts a plugin's audit note to maxAuditNote bytes, on a rune
// boundary, and drops invalid UTF-8.
func boundNote(s string) string {
	s = strings.ToValidUTF8(s, "")
	if len(s) <= maxAuditNote {
		return s
	}
	cut := maxAuditNote
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// logSink writes audit records as log lines, when no writer is given.
type logSink struct{ logger hclog.Logger }

func (s logSink) Record(r audit.Record) {
	args := []any{"op", r.Op, "name", r.Name, "plugin", r.Plugin, "subject", r.Subject, "organization", r.Organization,
		"transport", r.Transport, "correlation_id", r.CorrelationID, "duration_ms", float64(r.Duration.Microseconds()) / 1000}
	if r.Category != "" {
		args = append(args, "category", r.Category)
	}
	if r.Cause != "" {
		args = append(args, "error", r.Cause)
	}
	if len(r.Writes) > 0 {
		args = append(args, "billy_writes", len(r.Writes))
	}
	if r.Replayed {
		args = append(args, "replayed", true)
	}
	s.logger.Info("request", append(args, "outcome", r.Outcome)...)
}

// authorize checks the tool's required scopes against the caller's.
func (d *Dispatcher) authorize(next Handler) Handler {
	return func(ctx context.Context, op *Op) (*Outcome, error) {
		var missing []string
		var required []string
		if op.tool != nil {
			required = op.tool.Scopes
		}
		for _, s := range required {
			if !op.Caller.HasScope(s) {
				missing = append(missing, s)
			}
		}
		if len(missing) > 0 {
			return nil, errmodel.New(errmodel.Forbidden, "missing_scope",
				"calling %s needs the scope(s) %s, which your credentials do not grant", op.Name, strings.Join(missing, ", "))
		}
		return next(ctx, op)
	}
}

// validate checks tool arguments against the tool's input schema, so the
// plugin only sees well-formed input and the caller learns every bad field
// at once.
func (d *Dispatcher) validate(next Handler) Handler {
	return func(ctx context.Context, op *Op) (*Outcome, error) {
		if op.Kind == CallTool {
			if len(op.Arguments) == 0 {
				op.Arguments = []byte("{}")
			}
			if e := checkText(op.Arguments, d.opts.MaxString); e != nil {
				e.Message = fmt.Sprintf("%s: %s", op.Name, e.Message)
				return nil, e
			}
			if e := takeIdempotencyKey(op); e != nil {
				e.Message = fmt.Sprintf("%s: %s", op.Name, e.Message)
				return nil, e
			}
			if t := op.tool; t != nil && t.Input != nil {
				if e := t.Input.Validate(op.Arguments); e != nil {
					e.Message = fmt.Sprintf("%s: %s", op.Name, e.Message)
					return nil, e
				}
			}
		}
		return next(ctx, op)
	}
}

// invoke calls the plugin, with the call registered for host services.
func (d *Dispatcher) invoke(ctx context.Context, op *Op) (*Outcome, error) {
	write := isWrite(op)
	if write {
		var cancel context.CancelFunc
		ctx, cancel = detach(ctx)
		defer cancel()
	}
	if op.writes == nil {
		op.writes = newJournal(nil) // an op that skipped guardWrites (not a tool call)
	}
	call := d.calls.add(ctx, op)
	defer d.calls.remove(call.ID)
	cc := &pluginv1.CallContext{
		CallId:        call.ID,
		CorrelationId: op.CorrelationID,
		Caller: &pluginv1.Caller{Subject: op.Caller.Subject, OrganizationId: op.Caller.OrganizationID,
			Scopes: op.Caller.Scopes, Transport: op.Caller.Transport},
		ProgressTokenJson:  string(op.ProgressToken),
		WritesMode:         op.WritesMode,
		ClientCapabilities: &pluginv1.ClientCapabilities{},
	}
	if dl, ok := ctx.Deadline(); ok {
		cc.DeadlineUnixMs = dl.UnixMilli()
	}
	if op.Client != nil {
		cc.ClientCapabilities.Elicitation = op.Client.CanElicit()
		cc.ClientCapabilities.Sampling = op.Client.CanSample()
		cc.ClientCapabilities.Roots = op.Client.CanListRoots()
	}
	var (
		out Outcome
		err error
	)
	inv := d.opts.Invoker
	switch op.Kind {
	case CallTool:
		out.Tool, err = inv.CallTool(ctx, op.Plugin, &pluginv1.CallToolRequest{Name: op.Name, ArgumentsJson: string(op.Arguments), Context: cc})
		if out.Tool != nil {
			op.auditNote = boundNote(out.Tool.AuditNote)
		}
	case ReadResource:
		out.Resource, err = inv.ReadResource(ctx, op.Plugin, &pluginv1.ReadResourceRequest{Uri: op.Name, Context: cc})
	case GetPrompt:
		out.Prompt, err = inv.GetPrompt(ctx, op.Plugin, &pluginv1.GetPromptRequest{Name: op.Name, Arguments: op.PromptArguments, Context: cc})
	}
	if err != nil {
		timedOut := errors.Is(ctx.Err(), context.DeadlineExceeded)
		switch {
		case write && timedOut:
			return nil, cutOff(op, op.writes.close(), "timeout", fmt.Sprintf("did not finish within %s", d.opts.Timeout))
		case write && errmodel.From(err).Code == errmodel.CodePluginStopped:
			return nil, cutOff(op, op.writes.close(), errmodel.CodePluginStopped, fmt.Sprintf("was cut off: the %s plugin stopped while handling it", op.Plugin))
		case timedOut:
			return nil, errmodel.New(errmodel.UpstreamUnavailable, "timeout",
				"%s did not finish within %s; it is a read, so it is safe to retry", op.Name, d.opts.Timeout)
		}
		return nil, err
	}
	return &out, nil
}
