package sdk

import (
	"context"
	"encoding/json"
	"net/url"
	"sync"
	"time"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
)

// Call describes the request a handler is serving.
type Call struct {
	// CorrelationID identifies the request end to end; put it in your logs.
	CorrelationID string
	Caller        Caller
	// Host is bound to this call: progress, logs and questions go to the
	// client that made it, and Billy is called on its caller's behalf.
	Host Host
	// ClientCanElicit and ClientCanSample say whether Host.Elicit and
	// Host.Sample can reach the user or model of this call's client.
	ClientCanElicit bool
	ClientCanSample bool
	// ClientCanListRoots says whether a roots question (Host.Ask) can reach
	// this call's client.
	ClientCanListRoots bool
	// WritesMode is the deployment's write policy for this call: WritesOff
	// (refuse every write), WritesConfirm (preview first, execute only with
	// a confirmation) or WritesDirect. Write tools must honour it.
	WritesMode WritesMode

	noteMu sync.Mutex
	note   string
}

// MaxAuditNote is the longest audit note the host keeps, in bytes; a
// longer one is cut there.
const MaxAuditNote = 1024

// AuditNote asks the host to keep text with this call's record in its
// durable audit log: why the user did something (cancel_invoice's reason),
// which Billy has no field for. It is the user's own words, so the host
// keeps it only there, with the personal fields that the deployment's
// retention anonymizes, never in a log line or the answer. A later call
// replaces an earlier one; it is kept whether the tool succeeds or fails.
func (c *Call) AuditNote(text string) {
	c.noteMu.Lock()
	defer c.noteMu.Unlock()
	c.note = text
}

// auditNote is the note the handler asked for.
func (c *Call) auditNote() string {
	if c == nil {
		return ""
	}
	c.noteMu.Lock()
	defer c.noteMu.Unlock()
	return c.note
}

// WritesMode is a deployment's write policy.
type WritesMode string

// The write policies.
const (
	WritesOff     WritesMode = "off"
	WritesConfirm WritesMode = "confirm"
	WritesDirect  WritesMode = "direct"
)

// Caller is who made the request, as the host authenticated it.
type Caller struct {
	Subject        string
	OrganizationID string
	Scopes         []string
	// Transport is "mcp-http", "mcp-stdio" or "rest".
	Transport string
}

// Host is what the host offers a handler. Every method acts within the call
// the Host was handed for.
type Host interface {
	// Billy sends one request to Billy's API through the host's gateway,
	// which holds the credentials, retries safe reads and rate-limits.
	Billy(ctx context.Context, req BillyRequest) (*BillyResponse, error)
	// CallTool calls another registered tool on behalf of the same caller.
	// When the tool fails (or the host refuses the call) the error is the
	// tool's *Error, with its category, code and fields.
	CallTool(ctx context.Context, name string, arguments any) (*ToolResult, error)
	// Progress reports progress to the client if it asked for it; otherwise
	// it does nothing.
	Progress(ctx context.Context, progress, total float64, message string) error
	// Log writes a structured log line in the host and forwards it to the
	// client if the client asked for log messages.
	Log(ctx context.Context, level LogLevel, message string, fields map[string]any) error
	// Elicit asks the user to fill in a form described by schema (a flat JSON
	// Schema object). It fails with ErrNotSupported when the client cannot,
	// and with ErrInputRequired when the answer comes in a round trip.
	Elicit(ctx context.Context, message string, schema any) (*ElicitResult, error)
	// Sample asks the client's model for a completion. It fails with
	// ErrNotSupported when the client cannot, and with ErrInputRequired when
	// the answer comes in a round trip.
	Sample(ctx context.Context, req SampleRequest) (*SampleResult, error)
	// ConsumeOnce uses key up, for this plugin, until until: first is true
	// only the first time, on any instance of the deployment and across
	// restarts (the host keeps keys in its durable store). It is what makes
	// something single-use, such as a confirmation token's nonce. A key is
	// at most 200 bytes; until must be in the future, at most 30 days on.
	// When the host's store cannot be reached the error is an *Error with
	// code store_unavailable (retryable): do not go ahead as if the key were
	// unused. A host older than the service fails with ErrHostFeatureMissing.
	ConsumeOnce(ctx context.Context, key string, until time.Time) (first bool, err error)
	// ReadUpload returns a file the call's caller uploaded to the host
	// (POST /uploads on its HTTP listener) by the handle it got there, so
	// that a client can send a file out of band and name it in a tool's
	// arguments. The host reads it for the call's principal only: an
	// unknown handle, an expired one and another principal's all fail with
	// an *Error of category not_found and code upload_not_found. A handle
	// can be read as often as the call needs until it expires. A host older
	// than the service fails with ErrHostFeatureMissing.
	ReadUpload(ctx context.Context, handle string) (*Upload, error)
	// Ask puts questions to the client at once (forms for the user,
	// completions of its model, its roots) and returns one answer per
	// question, in order. Every question needs the client's capability
	// (Call.ClientCanElicit, ClientCanSample, ClientCanListRoots): ask only
	// what it can answer, else Ask fails with an error that errors.Is
	// ErrNotSupported and names the capabilities missing. With a client of
	// MCP 2026-07-28 it fails with ErrInputRequired until the client has
	// answered, as Elicit does; all of one Ask's questions reach the client
	// together. A host older than Ask fails with ErrHostFeatureMissing.
	Ask(ctx context.Context, questions ...Question) ([]Answer, error)
	// StartTask marks where the long work of a tool declared with
	// ToolSpec.DeferTask starts: a client that runs tools as tasks holds a
	// task from here on while the handler goes on in the background; for
	// every other call (and on hosts older than it) it does nothing. Ask
	// the questions the work needs before it: they are answered at once,
	// while a question after it leaves the task waiting for input.
	StartTask(ctx context.Context) error
}

// Question is one thing Host.Ask puts to the client: set exactly one of
// Elicit, Sample and Roots.
type Question struct {
	// Key names the question within the call, and for a 2026-07-28 client
	// (the key of its input request; the MCP conformance suite expects
	// particular ones): 1 to 64 letters, digits, '_', '-' or '.'. Empty: the
	// host numbers the question by kind in the order asked ("elicit-1").
	// Asked again in the same call, a key is the same question.
	Key    string
	Elicit *ElicitQuestion
	Sample *SampleRequest
	// Roots asks for the client's roots: the folders and files it exposes.
	Roots bool
}

// ElicitQuestion asks the user to fill in a form described by Schema (a
// flat JSON Schema object).
type ElicitQuestion struct {
	Message string
	Schema  any
}

// Answer is the client's answer to one Question; the field of the
// question's kind is set.
type Answer struct {
	Key    string
	Elicit *ElicitResult
	Sample *SampleResult
	Roots  []Root
}

// Root is one of the client's roots.
type Root struct {
	URI  string
	Name string
}

// Upload is a file a client uploaded to the host (Host.ReadUpload).
type Upload struct {
	// Data is the file, exactly as uploaded.
	Data []byte
	// MIME is the type the host sniffed from the bytes, not the client's
	// word for it.
	MIME string
	// SHA256 is Data's SHA-256, lower-case hex.
	SHA256 string
	// FileName is the name the client gave with the upload, if any.
	FileName string
	// Expires is when the handle stops working.
	Expires time.Time
}

// ErrHostFeatureMissing is returned by a Host method the host does not
// offer, because it was built before the method existed. Fall back to what
// the plugin can do alone, or refuse, whichever is safe.
var ErrHostFeatureMissing = &Error{Code: "host_feature_missing", Category: CategoryInternal,
	Message: "the host is older than this plugin and does not offer this service; upgrade the billy-mcp host"}

// ErrNotSupported is what Host.Elicit, Host.Sample and Host.Ask fail with
// when the client of the call does not support the feature: errors.Is
// matches every such error, and the one returned names the capabilities
// missing. Returned from a handler, it tells a 2026-07-28 client which
// capability the call needs (MCP error -32021).
var ErrNotSupported = errmodel.ClientCapabilityMissing()

// ErrInputRequired is returned by Host.Elicit and Host.Sample when the
// client answers such questions as a multi round trip (MCP 2026-07-28): it
// cannot answer while the handler waits. Return it from the handler (as it
// is, or wrapped); the client asks its user or model, and the host runs the
// call again with the same arguments, where the same Elicit or Sample call
// returns the answer at once. A handler that asks must therefore reach its
// questions in the same order on every run, and write nothing before them.
var ErrInputRequired = errmodel.InputRequired()

// LogLevel is an MCP log level.
type LogLevel string

// Log levels, as MCP names them.
const (
	LogDebug   LogLevel = "debug"
	LogInfo    LogLevel = "info"
	LogNotice  LogLevel = "notice"
	LogWarning LogLevel = "warning"
	LogError   LogLevel = "error"
)

// BillyRequest is one call to Billy's API v2.
type BillyRequest struct {
	// Method is GET, POST, PUT, PATCH or DELETE.
	Method string
	// Path is below the API base, e.g. "/invoices" or "/invoices/abc".
	Path  string
	Query url.Values
	// Body is marshalled to JSON for writes.
	Body any
	// Upload, instead of Body, sends a file to Billy's files endpoint
	// (POST /files) as the raw request body, with its type and name in
	// headers, as Billy takes files (billy-api.md § 7.8). The host refuses
	// an upload to any other path, or of a type other than PDF, JPEG, PNG
	// or HEIC.
	Upload *BillyUpload
}

// BillyUpload is a file for Billy's files endpoint.
type BillyUpload struct {
	// ContentType is the file's MIME type, e.g. application/pdf.
	ContentType string
	// FileName is sent as X-Filename: what Billy shows the file as.
	FileName string
	Data     []byte
}

// BillyResponse is Billy's answer, envelope and all.
type BillyResponse struct {
	Status int
	Body   json.RawMessage
	// Cache is set when the host answered from its cache rather than from
	// Billy. The host marks a tool result that used a stale answer itself
	// (its _meta, and a note in its text), so a plugin need do nothing; it
	// may use Cache to say more.
	Cache *BillyCache
}

// BillyCache describes an answer the host served from its cache.
type BillyCache struct {
	// Tier is "local" (the host's memory) or "redis" (shared by instances).
	Tier string
	// Age is how long ago Billy gave the answer.
	Age time.Duration
	// Stale is true when the answer is past its time to live, served
	// because Billy could not answer; Reason says why (an error code such
	// as upstream_unavailable or upstream_circuit_open, or "slow").
	Stale  bool
	Reason string
}

// Decode unmarshals the body into v.
func (r *BillyResponse) Decode(v any) error { return json.Unmarshal(r.Body, v) }

// ToolResult is what another tool returned through Host.CallTool.
type ToolResult struct {
	Content    []Content
	Structured json.RawMessage
	IsError    bool
}

// ElicitResult is the user's answer to Host.Elicit.
type ElicitResult struct {
	// Action is "accept", "decline" or "cancel".
	Action  string
	Content map[string]any
}

// SampleRequest asks the client's model for one completion.
type SampleRequest struct {
	Messages     []SamplingMessage
	MaxTokens    int
	SystemPrompt string
	Temperature  float64
}

// SamplingMessage is one turn of a sampling conversation.
type SamplingMessage struct {
	Role string // "user" or "assistant"
	Text string
}

// SampleResult is the model's answer.
type SampleResult struct {
	Role, Text, Model, StopReason string
}
