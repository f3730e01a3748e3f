package sdktest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/internal/bridge"
	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Harness is a plugin running in-process behind a fake host.
type Harness struct {
	t      testing.TB
	client pluginv1.PluginClient
	opts   options

	mu       sync.Mutex
	progress []Progress
	logs     []Log
	seq      int
	once     map[string]bool // keys Host.ConsumeOnce used up
	// rounds are the question rounds of calls in flight, by call ID (see
	// WithRoundTrips); started counts the calls that called Host.StartTask.
	rounds  map[string]*round
	started int
	// note is the audit note of the last tool call (Call.AuditNote).
	note string
}

// Progress is one recorded Host.Progress call.
type Progress struct {
	Progress, Total float64
	Message         string
}

// Log is one recorded Host.Log call.
type Log struct {
	Level, Message string
	Fields         map[string]any
}

type options struct {
	config     json.RawMessage
	signingKey []byte
	// dataDir and databaseURL are the plugin's storage (sdk.Deployment).
	dataDir, databaseURL string
	caller               sdk.Caller
	writes               sdk.WritesMode
	billy                func(ctx context.Context, req sdk.BillyRequest) (*sdk.BillyResponse, error)
	callTool             func(ctx context.Context, name string, args json.RawMessage) (*sdk.ToolResult, error)
	elicit               func(ctx context.Context, message string, schema json.RawMessage) (*sdk.ElicitResult, error)
	sample               func(ctx context.Context, req sdk.SampleRequest) (*sdk.SampleResult, error)
	roots                func(ctx context.Context) ([]sdk.Root, error)
	// roundTrips answers questions as a client of MCP 2026-07-28 does (see
	// WithRoundTrips).
	roundTrips bool
	// consumeOnce answers Host.ConsumeOnce; nil answers as a host older
	// than the service does (oldHost), or from the harness's own memory.
	consumeOnce func(ctx context.Context, key string, until time.Time) (bool, error)
	oldHost     bool
	// uploads answer Host.ReadUpload, by handle (WithUpload).
	uploads map[string]*sdk.Upload
}

// Option configures a Harness.
type Option func(*options)

// WithConfig passes v, as JSON, to the plugin's Configure.
func WithConfig(v any) Option {
	return func(o *options) {
		b, err := json.Marshal(v)
		if err != nil {
			panic(fmt.Sprintf("sdktest.WithConfig: %v", err))
		}
		o.config = b
	}
}

// WithSigningKey sets the signing key the plugin is configured with
// (sdk.DeploymentFrom); without it the harness draws one. Give two harnesses
// the same key to test that what one process signed is good in the next.
func WithSigningKey(key []byte) Option { return func(o *options) { o.signingKey = key } }

// WithDataDir sets the plugin's DataDir (sdk.DeploymentFrom); without it
// the plugin gets none, as under a host without a data_dir. Give two
// harnesses the same directory to test what a plugin keeps across restarts.
func WithDataDir(dir string) Option { return func(o *options) { o.dataDir = dir } }

// WithDatabaseURL sets the plugin's DatabaseURL (sdk.DeploymentFrom), as a
// host does for a plugin granted the deployment's PostgreSQL database.
func WithDatabaseURL(url string) Option { return func(o *options) { o.databaseURL = url } }

// WithCaller sets the caller every call is made as.
func WithCaller(c sdk.Caller) Option { return func(o *options) { o.caller = c } }

// WithWritesMode sets the write policy calls carry (default direct).
func WithWritesMode(m sdk.WritesMode) Option { return func(o *options) { o.writes = m } }

// WithBilly answers Host.Billy.
func WithBilly(f func(ctx context.Context, req sdk.BillyRequest) (*sdk.BillyResponse, error)) Option {
	return func(o *options) { o.billy = f }
}

// WithToolCaller answers Host.CallTool.
func WithToolCaller(f func(ctx context.Context, name string, args json.RawMessage) (*sdk.ToolResult, error)) Option {
	return func(o *options) { o.callTool = f }
}

// WithElicitation makes the fake client support elicitation, answering with f.
func WithElicitation(f func(ctx context.Context, message string, schema json.RawMessage) (*sdk.ElicitResult, error)) Option {
	return func(o *options) { o.elicit = f }
}

// WithSampling makes the fake client support sampling, answering with f.
func WithSampling(f func(ctx context.Context, req sdk.SampleRequest) (*sdk.SampleResult, error)) Option {
	return func(o *options) { o.sample = f }
}

// WithConsumeOnce answers Host.ConsumeOnce with f instead of the harness's
// own memory (where a key, once consumed, stays consumed for the harness's
// life whatever its expiry, because tests run on fake clocks). Give several
// harnesses one f to stand for a deployment's shared store, so that what
// one instance used up is used up on the others, or return an error to
// play a store that is down: an *sdk.Error reaches the plugin as it is.
func WithConsumeOnce(f func(ctx context.Context, key string, until time.Time) (first bool, err error)) Option {
	return func(o *options) { o.consumeOnce = f }
}

// WithoutConsumeOnce makes Host.ConsumeOnce (and Host.ReadUpload, which
// came later) fail as on a host built before the service existed
// (sdk.ErrHostFeatureMissing), to test the fallback.
func WithoutConsumeOnce() Option { return func(o *options) { o.oldHost = true } }

// WithUpload makes Host.ReadUpload answer u for handle, as if the
// harness's caller had uploaded it (POST /uploads); SHA256 is filled in
// from Data when empty. Any other handle fails with upload_not_found, as
// the host answers an unknown, expired or another principal's handle.
func WithUpload(handle string, u sdk.Upload) Option {
	return func(o *options) {
		if o.uploads == nil {
			o.uploads = map[string]*sdk.Upload{}
		}
		if u.SHA256 == "" {
			sum := sha256.Sum256(u.Data)
			u.SHA256 = hex.EncodeToString(sum[:])
		}
		o.uploads[handle] = &u
	}
}

// New starts p in-process and configures it. It fails the test if the plugin
// is declared wrongly or rejects its config.
func New(t testing.TB, p *sdk.Plugin, opts ...Option) *Harness {
	t.Helper()
	h, err := Start(t, p, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// Start is New, returning the error instead of failing the test; use it to
// test config validation.
func Start(t testing.TB, p *sdk.Plugin, opts ...Option) (*Harness, error) {
	t.Helper()
	gp, err := bridge.GoPlugin(p, hclog.New(&hclog.LoggerOptions{Name: p.Name, Output: testWriter{t}, Level: hclog.Debug}))
	if err != nil {
		return nil, err
	}
	h := &Harness{t: t, opts: options{caller: sdk.Caller{Subject: "sdktest", OrganizationID: "test-org", Transport: "mcp-stdio"}, writes: sdk.WritesDirect}}
	for _, o := range opts {
		o(&h.opts)
	}
	client, server := goplugin.TestPluginGRPCConn(t, false, goplugin.PluginSet{pluginv1.PluginName: gp})
	t.Cleanup(func() {
		// Server first: closing the client also stops the server from
		// another goroutine, and two concurrent Stops race in go-plugin.
		server.Stop()
		client.Close()
	})
	raw, err := client.Dispense(pluginv1.PluginName)
	if err != nil {
		return nil, err
	}
	conn := raw.(*bridge.Conn)
	h.client = pluginv1.NewPluginClient(conn.ClientConn)

	broker := conn.Broker
	id := broker.NextId()
	go broker.AcceptAndServe(id, func(o []grpc.ServerOption) *grpc.Server {
		s := grpc.NewServer(o...)
		pluginv1.RegisterHostServicesServer(s, &fakeHost{h: h})
		return s
	})
	cfg := h.opts.config
	if cfg == nil {
		cfg = json.RawMessage("{}")
	}
	key := h.opts.signingKey
	if key == nil {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
	}
	if _, err := h.client.Configure(context.Background(), &pluginv1.ConfigureRequest{
		ConfigJson: string(cfg), HostServicesBrokerId: id, Environment: "test", SigningKey: key,
		DataDir: h.opts.dataDir, DatabaseUrl: h.opts.databaseURL,
		// As the host does, so tests run the plugin as it runs in production.
		HostFeatures: []string{pluginv1.HostFeatureTextFromStructured}}); err != nil {
		return nil, bridge.ErrorFromStatus(err)
	}
	return h, nil
}

// Tool is a tool as the plugin describes it to the host.
type Tool struct {
	Name, Title, Description, Category string
	InputSchema, OutputSchema          json.RawMessage
	ReadOnly, Destructive, Idempotent  bool
	OpenWorld                          bool
	Scopes                             []string
	// Task and DeferTask are what the tool declared about running as a
	// task.
	Task      sdk.TaskSupport
	DeferTask bool
}

// Tools returns the plugin's tools as the host would register them.
func (h *Harness) Tools() []Tool {
	h.t.Helper()
	d, err := h.client.Describe(context.Background(), &pluginv1.DescribeRequest{HostProtocolVersions: pluginv1.SupportedProtocolVersions})
	if err != nil {
		h.t.Fatalf("Describe: %v", err)
	}
	var out []Tool
	for _, td := range d.Tools {
		a := td.Annotations
		t := Tool{Name: td.Name, Title: td.Title, Description: td.Description, Category: td.Category,
			InputSchema: json.RawMessage(td.InputSchemaJson), Scopes: td.RequiredScopes,
			ReadOnly: a.GetReadOnly(), Destructive: a.GetDestructive(), Idempotent: a.GetIdempotent(), OpenWorld: a.GetOpenWorld(),
			Task: sdk.TaskSupport(td.TaskSupport), DeferTask: td.DeferTask}
		if td.OutputSchemaJson != "" {
			t.OutputSchema = json.RawMessage(td.OutputSchemaJson)
		}
		out = append(out, t)
	}
	return out
}

func (h *Harness) callContext(progress bool) *pluginv1.CallContext {
	h.mu.Lock()
	h.seq++
	id := fmt.Sprintf("call-%d", h.seq)
	h.mu.Unlock()
	c := h.opts.caller
	cc := &pluginv1.CallContext{
		CallId: id, CorrelationId: "corr-" + id,
		Caller:             &pluginv1.Caller{Subject: c.Subject, OrganizationId: c.OrganizationID, Scopes: c.Scopes, Transport: c.Transport},
		ClientCapabilities: &pluginv1.ClientCapabilities{Elicitation: h.opts.elicit != nil, Sampling: h.opts.sample != nil, Roots: h.opts.roots != nil},
		WritesMode:         string(h.opts.writes),
	}
	if progress {
		cc.ProgressTokenJson = `"sdktest"`
	}
	return cc
}

// CallTool calls a tool with args (anything that marshals to a JSON object).
// A tool failure is returned as *sdk.Error, exactly as the host receives it
// (a plain Go error of the handler arrives masked as an internal error; its
// text is in the test log).
func (h *Harness) CallTool(ctx context.Context, name string, args any) (*sdk.ToolResult, error) {
	b, err := json.Marshal(args)
	if err != nil {
		return nil, err
	}
	resp, err := callWithRounds(h, ctx, true, func(cc *pluginv1.CallContext) (*pluginv1.CallToolResponse, error) {
		return h.client.CallTool(ctx, &pluginv1.CallToolRequest{Name: name, ArgumentsJson: string(b), Context: cc})
	}, (*pluginv1.CallToolResponse).GetError)
	if err != nil {
		return nil, bridge.ErrorFromStatus(err)
	}
	h.mu.Lock()
	h.note = resp.AuditNote
	h.mu.Unlock()
	res, err := bridge.ToolResultFromWire(resp)
	if err != nil {
		return nil, err
	}
	return res.(*sdk.ToolResult), nil
}

// AuditNote is what the last tool call asked the host to keep in its
// audit log (sdk.Call.AuditNote); "" for nothing.
func (h *Harness) AuditNote() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.note
}

// CallToolInto calls a tool and decodes its structured content into out.
func (h *Harness) CallToolInto(ctx context.Context, name string, args, out any) error {
	res, err := h.CallTool(ctx, name, args)
	if err != nil {
		return err
	}
	if res.IsError {
		return fmt.Errorf("tool %s returned an error result: %v", name, res.Content)
	}
	return json.Unmarshal(res.Structured, out)
}

// ReadResource reads a resource by URI.
func (h *Harness) ReadResource(ctx context.Context, uri string) ([]sdk.ResourceContents, error) {
	resp, err := h.client.ReadResource(ctx, &pluginv1.ReadResourceRequest{Uri: uri, Context: h.callContext(false)})
	if err != nil {
		return nil, bridge.ErrorFromStatus(err)
	}
	if resp.Error != nil {
		return nil, errmodel.FromWire(resp.Error)
	}
	var out []sdk.ResourceContents
	for _, c := range resp.Contents {
		out = append(out, bridge.ResourceContentsFromWire(c).(sdk.ResourceContents))
	}
	return out, nil
}

// GetPrompt renders a prompt.
func (h *Harness) GetPrompt(ctx context.Context, name string, args map[string]string) (*sdk.PromptResult, error) {
	resp, err := callWithRounds(h, ctx, false, func(cc *pluginv1.CallContext) (*pluginv1.GetPromptResponse, error) {
		return h.client.GetPrompt(ctx, &pluginv1.GetPromptRequest{Name: name, Arguments: args, Context: cc})
	}, (*pluginv1.GetPromptResponse).GetError)
	if err != nil {
		return nil, bridge.ErrorFromStatus(err)
	}
	if resp.Error != nil {
		return nil, errmodel.FromWire(resp.Error)
	}
	out := &sdk.PromptResult{Description: resp.Description}
	for _, m := range resp.Messages {
		out.Messages = append(out.Messages, sdk.PromptMessage{Role: m.Role, Content: bridge.ContentFromWire(m.Content).(sdk.Content)})
	}
	return out, nil
}

// Healthy calls the plugin's health check.
func (h *Harness) Healthy(ctx context.Context) (bool, string) {
	resp, err := h.client.Health(ctx, &pluginv1.HealthRequest{})
	if err != nil {
		return false, err.Error()
	}
	return resp.Healthy, resp.Message
}

// Progress returns the progress reported so far.
func (h *Harness) Progress() []Progress {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Progress(nil), h.progress...)
}

// Logs returns the log messages sent so far.
func (h *Harness) Logs() []Log {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Log(nil), h.logs...)
}

// fakeHost serves HostServices from the harness's options.
type fakeHost struct {
	pluginv1.UnimplementedHostServicesServer
	h *Harness
}

// toStatus answers a host service the way the host does: an *sdk.Error with
// its detail, anything else as an internal error without its text.
func toStatus(err error) error { return errmodel.ToStatus(errmodel.From(err)) }

// testWriter sends the plugin's log (internal errors' details among it) to
// the test's log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func (f *fakeHost) CallBilly(ctx context.Context, req *pluginv1.BillyRequest) (*pluginv1.BillyResponse, error) {
	if f.h.opts.billy == nil {
		return nil, toStatus(&sdk.Error{Code: "billy_not_configured", Category: sdk.CategoryUpstreamUnavailable,
			Message: "sdktest: no Billy fake configured (use sdktest.WithBilly)"})
	}
	br := sdk.BillyRequest{Method: req.Method, Path: req.Path, Query: map[string][]string{}}
	for _, q := range req.Query {
		br.Query[q.Key] = append(br.Query[q.Key], q.Value)
	}
	if req.BodyJson != "" {
		br.Body = json.RawMessage(req.BodyJson)
	}
	if u := req.GetUpload(); u != nil {
		br.Upload = &sdk.BillyUpload{ContentType: u.ContentType, FileName: u.Filename, Data: u.Data}
	}
	resp, err := f.h.opts.billy(ctx, br)
	if err != nil {
		return nil, toStatus(err)
	}
	return &pluginv1.BillyResponse{Status: int32(resp.Status), BodyJson: string(resp.Body)}, nil
}

func (f *fakeHost) CallTool(ctx context.Context, req *pluginv1.HostCallToolRequest) (*pluginv1.CallToolResponse, error) {
	if f.h.opts.callTool == nil {
		return &pluginv1.CallToolResponse{IsError: true, Error: errmodel.ToWire(
			sdk.NotFound("tool_not_found", "sdktest: no tool caller configured (use sdktest.WithToolCaller)"))}, nil
	}
	res, err := f.h.opts.callTool(ctx, req.Name, json.RawMessage(req.ArgumentsJson))
	if err != nil {
		// The called tool's failure is data, as the host sends it.
		return &pluginv1.CallToolResponse{IsError: true, Error: errmodel.ToWire(errmodel.From(err))}, nil
	}
	out := &pluginv1.CallToolResponse{IsError: res.IsError, StructuredContentJson: string(res.Structured)}
	for _, c := range res.Content {
		if t, ok := c.(*sdk.TextContent); ok {
			out.Content = append(out.Content, &pluginv1.Content{Kind: &pluginv1.Content_Text{Text: &pluginv1.TextContent{Text: t.Text}}})
		}
	}
	return out, nil
}

func (f *fakeHost) ReportProgress(_ context.Context, req *pluginv1.ProgressRequest) (*pluginv1.ProgressResponse, error) {
	f.h.mu.Lock()
	f.h.progress = append(f.h.progress, Progress{Progress: req.Progress, Total: req.Total, Message: req.Message})
	f.h.mu.Unlock()
	return &pluginv1.ProgressResponse{}, nil
}

func (f *fakeHost) Log(_ context.Context, req *pluginv1.LogRequest) (*pluginv1.LogResponse, error) {
	l := Log{Level: req.Level, Message: req.Message}
	if req.DataJson != "" {
		_ = json.Unmarshal([]byte(req.DataJson), &l.Fields)
	}
	f.h.mu.Lock()
	f.h.logs = append(f.h.logs, l)
	f.h.mu.Unlock()
	return &pluginv1.LogResponse{}, nil
}

func (f *fakeHost) Elicit(ctx context.Context, req *pluginv1.ElicitRequest) (*pluginv1.ElicitResponse, error) {
	if f.h.opts.elicit == nil {
		return nil, status.Error(codes.FailedPrecondition, "client does not support elicitation")
	}
	answers, err := f.h.ask(ctx, req.CallId, []*pluginv1.Question{{Kind: &pluginv1.Question_Elicit{Elicit: &pluginv1.ElicitQuestion{
		Message: req.Message, RequestedSchemaJson: req.RequestedSchemaJson}}}})
	if err != nil {
		return nil, err
	}
	return answers[0].GetElicit(), nil
}

func (f *fakeHost) Sample(ctx context.Context, req *pluginv1.SampleRequest) (*pluginv1.SampleResponse, error) {
	if f.h.opts.sample == nil {
		return nil, status.Error(codes.FailedPrecondition, "client does not support sampling")
	}
	answers, err := f.h.ask(ctx, req.CallId, []*pluginv1.Question{{Kind: &pluginv1.Question_Sample{Sample: &pluginv1.SampleQuestion{
		Messages: req.Messages, MaxTokens: req.MaxTokens, SystemPrompt: req.SystemPrompt, Temperature: req.Temperature}}}})
	if err != nil {
		return nil, err
	}
	return answers[0].GetSample(), nil
}

func (f *fakeHost) ReadUpload(_ context.Context, req *pluginv1.ReadUploadRequest) (*pluginv1.ReadUploadResponse, error) {
	if f.h.opts.oldHost {
		return nil, status.Error(codes.Unimplemented, "method ReadUpload not implemented")
	}
	u := f.h.opts.uploads[req.Handle]
	if u == nil {
		return nil, toStatus(sdk.NotFound("upload_not_found", "upload: there is no upload %q for you", req.Handle))
	}
	return &pluginv1.ReadUploadResponse{Data: u.Data, Mime: u.MIME, Sha256: u.SHA256, FileName: u.FileName,
		ExpiresUnix: u.Expires.Unix()}, nil
}

// maxOnceKey is the host's limit on a ConsumeOnce key, checked here too so
// that a plugin that breaks it fails in its tests, not in production.
const maxOnceKey = 200

func (f *fakeHost) ConsumeOnce(ctx context.Context, req *pluginv1.ConsumeOnceRequest) (*pluginv1.ConsumeOnceResponse, error) {
	if f.h.opts.oldHost {
		return nil, status.Error(codes.Unimplemented, "method ConsumeOnce not implemented")
	}
	if req.Key == "" || len(req.Key) > maxOnceKey {
		return nil, toStatus(sdk.Invalid("key", "a ConsumeOnce key is 1 to %d bytes, not %d", maxOnceKey, len(req.Key)))
	}
	if f.h.opts.consumeOnce != nil {
		first, err := f.h.opts.consumeOnce(ctx, req.Key, time.Unix(req.ExpiresUnix, 0))
		if err != nil {
			return nil, toStatus(err)
		}
		return &pluginv1.ConsumeOnceResponse{First: first}, nil
	}
	f.h.mu.Lock()
	defer f.h.mu.Unlock()
	if f.h.once == nil {
		f.h.once = map[string]bool{}
	}
	first := !f.h.once[req.Key]
	f.h.once[req.Key] = true
	return &pluginv1.ConsumeOnceResponse{First: first}, nil
}
