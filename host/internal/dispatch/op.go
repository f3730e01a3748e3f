package dispatch

import (
	"context"
	"encoding/json"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/billy-mcp/billy-mcp/host/internal/scopes"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
)

// Kind is what an Op asks for.
type Kind string

// The kinds of Op.
const (
	CallTool     Kind = "tools/call"
	ReadResource Kind = "resources/read"
	GetPrompt    Kind = "prompts/get"
)

// Caller is who makes a request, as the transport authenticated them: the
// principal, what it may do, and for which organizations.
type Caller struct {
	// Subject is the principal, stable per caller (an API key's ID, an
	// OAuth token's subject, "local" for an unauthenticated loopback
	// deployment). Empty means unauthenticated.
	Subject string
	// OrganizationID is the Billy organization the request acts on: the
	// principal's only organization, or the one the call names (checked
	// against Organizations by the tenancy stage).
	OrganizationID string
	// Organizations are the Billy organizations the principal may act on.
	// Empty means the deployment's own organization only (a key without
	// memberships, the local operator).
	Organizations []string
	// Scopes the caller holds (see package scopes: a broader scope
	// satisfies a narrower one; "admin" and v1's "*" satisfy all).
	Scopes []string
	// Transport is "mcp-http", "mcp-stdio", "rest" or "plugin".
	Transport string
	// Auth is how the principal was authenticated: "api_key", "oauth",
	// "local" (loopback without keys, stdio) or "" (not at all).
	Auth string
	// ClientAddr is the client's IP address as the edge saw it, for the
	// audit log and per-IP limits; empty over stdio.
	ClientAddr string
}

// HasScope reports whether the caller holds a scope that satisfies scope.
func (c Caller) HasScope(scope string) bool { return scopes.Has(c.Scopes, scope) }

// Client is the MCP client behind a request, as far as plugins can reach it:
// progress, log messages, and asking the user or the model. Transports
// without a client (REST) pass nil.
type Client interface {
	Progress(ctx context.Context, progress, total float64, message string) error
	Log(ctx context.Context, level, logger string, data any) error
	CanElicit() bool
	Elicit(ctx context.Context, message string, schema json.RawMessage) (action string, content json.RawMessage, err error)
	CanSample() bool
	Sample(ctx context.Context, req *pluginv1.SampleRequest) (*pluginv1.SampleResponse, error)
	CanListRoots() bool
	// Ask puts a plugin's questions to the client together, answers in
	// order (see HostServices.Ask).
	Ask(ctx context.Context, questions []*pluginv1.Question) ([]*pluginv1.Answer, error)
	// StartTask marks where a deferred task tool's long work starts (see
	// HostServices.StartTask); clients that hold no task ignore it.
	StartTask(ctx context.Context) error
}

// Op is one request travelling through the pipeline.
type Op struct {
	Kind Kind
	// Name is the tool or prompt name, or the resource URI.
	Name string
	// Plugin serves the op; the registry stage fills it in.
	Plugin string
	// Arguments of a tool call (a JSON object).
	Arguments json.RawMessage
	// PromptArguments of a prompt.
	PromptArguments map[string]string
	Caller          Caller
	// CorrelationID is assigned by the first stage if the transport did not
	// bring one (e.g. from an X-Correlation-ID header).
	CorrelationID string
	// ProgressToken is the client's progress token as JSON, or empty.
	ProgressToken json.RawMessage
	Client        Client
	// Depth counts nested tool calls (a plugin calling a tool); bounded to
	// stop loops.
	Depth int
	// WritesMode is the write policy ("off", "confirm", "direct") the
	// plugin must apply to this op.
	WritesMode string
	// Fresh asks that Billy reads made for this op skip the host's cache
	// (the client's io.billy-mcp/fresh, REST's Cache-Control: no-cache).
	Fresh bool
	// Timeout bounds the op instead of the dispatcher's timeout when set:
	// a task's run is long work the client does not wait for.
	Timeout time.Duration
	// Cache gathers what the host's cache did for this op (stale answers
	// served), for the transport to tell the client; nil when the
	// transport does not ask. Nested tool calls share their parent's.
	Cache *CacheNotes
	// IdempotencyKey is the caller's key for a retried create (REST's
	// Idempotency-Key header, MCP's _meta); the validate stage also takes
	// it out of the tool's arguments. See guardWrites.
	IdempotencyKey string
	// Parent is the call a nested tool call is made from (host services'
	// CallTool), whose writes include the nested call's.
	Parent *Op
	// tool is the registered tool a tools/call names, found once by the
	// resolve stage for the stages after it (scopes, validation).
	tool *registry.Tool
	// writes is the call's write journal, started by guardWrites.
	writes *Journal
	// auditNote is what the plugin asked to keep with the call's audit
	// record (its result's audit_note), bounded.
	auditNote string
	// approval is the MFA approval the call ran under, if any.
	approval string
	// pendingApproval is the approval the call waits for (ID, URL),
	// when it was refused for want of one.
	pendingApproval [2]string
}

// Outcome is the answer to an Op; exactly one of Tool, Resource and
// Prompt is set.
type Outcome struct {
	Tool     *pluginv1.CallToolResponse
	Resource *pluginv1.ReadResourceResponse
	Prompt   *pluginv1.GetPromptResponse
	// Replayed says Tool is the kept answer of an earlier call with the
	// same idempotency key: nothing ran this time.
	Replayed bool
}

// Handler serves an Op. Failures are *errmodel.Error.
type Handler func(ctx context.Context, op *Op) (*Outcome, error)

// Middleware wraps a Handler with one stage of the pipeline.
type Middleware func(next Handler) Handler
