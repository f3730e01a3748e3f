package hostsvc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/hostsvc"
	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/go-hclog"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/testing/protocmp"
)

type ctxKey struct{}

// fakeDispatcher knows a fixed set of calls in flight and records what it
// is asked.
type fakeDispatcher struct {
	mu      sync.Mutex
	calls   map[string]*dispatch.InFlight
	lookups []string // "plugin/id"
	ops     []dispatch.Op
	out     *dispatch.Outcome
	err     error
}

func (f *fakeDispatcher) Lookup(plugin, id string) (*dispatch.InFlight, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups = append(f.lookups, plugin+"/"+id)
	c, ok := f.calls[id]
	if !ok || c.Plugin != plugin {
		return nil, false
	}
	return c, true
}

func (f *fakeDispatcher) Do(_ context.Context, op *dispatch.Op) (*dispatch.Outcome, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ops = append(f.ops, *op)
	return f.out, f.err
}

type progressCall struct {
	Progress, Total float64
	Message         string
	CtxTagged       bool
}

type logCall struct {
	Level, Logger string
	Data          any
	CtxTagged     bool
}

// fakeClient records what reaches the MCP client.
type fakeClient struct {
	mu                sync.Mutex
	canElicit         bool
	canSample         bool
	failWith          error
	progress          []progressCall
	logs              []logCall
	elicitMsg, schema string
	sampled           *pluginv1.SampleRequest
	canListRoots      bool
	asked             []*pluginv1.Question
	startedTask       bool
}

func tagged(ctx context.Context) bool { return ctx.Value(ctxKey{}) == "call-ctx" }

func (c *fakeClient) Progress(ctx context.Context, progress, total float64, message string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.progress = append(c.progress, progressCall{progress, total, message, tagged(ctx)})
	return c.failWith
}

func (c *fakeClient) Log(ctx context.Context, level, logger string, data any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.logs = append(c.logs, logCall{level, logger, data, tagged(ctx)})
	return c.failWith
}

func (c *fakeClient) CanElicit() bool { return c.canElicit }

func (c *fakeClient) Elicit(ctx context.Context, message string, schema json.RawMessage) (string, json.RawMessage, error) {
	c.elicitMsg, c.schema = message, string(schema)
	if c.failWith != nil {
		return "", nil, c.failWith
	}
	if !tagged(ctx) {
		return "", nil, errors.New("not the call's context")
	}
	return "accept", json.RawMessage(`{"confirm":true}`), nil
}

func (c *fakeClient) CanSample() bool { return c.canSample }

func (c *fakeClient) Sample(ctx context.Context, req *pluginv1.SampleRequest) (*pluginv1.SampleResponse, error) {
	c.sampled = req
	if c.failWith != nil {
		return nil, c.failWith
	}
	if !tagged(ctx) {
		return nil, errors.New("not the call's context")
	}
	return &pluginv1.SampleResponse{Role: "assistant", Text: "Kære kunde", Model: "m", StopReason: "endTurn"}, nil
}

type billyCall struct {
	Org, Corr string
	Req       *pluginv1.BillyRequest
}

type fakeBilly struct {
	calls []billyCall
	resp  *pluginv1.BillyResponse
	err   error
}

func (b *fakeBilly) CallBilly(_ context.Context, org, corr string, req *pluginv1.BillyRequest) (*pluginv1.BillyResponse, error) {
	b.calls = append(b.calls, billyCall{org, corr, req})
	return b.resp, b.err
}

var parentCaller = dispatch.Caller{Subject: "key:1234", OrganizationID: "org-A", Scopes: []string{"invoices:write"}, Transport: "mcp-http"}

// setup returns a dispatcher with one call ("call-1") in flight for plugin
// "invoices" and one ("call-2") for plugin "moms".
func setup(client *fakeClient, token string) *fakeDispatcher {
	ctx := context.WithValue(context.Background(), ctxKey{}, "call-ctx")
	op := &dispatch.Op{Kind: dispatch.CallTool, Name: "create_invoice", Plugin: "invoices", Caller: parentCaller,
		CorrelationID: "corr-parent", Depth: 1, WritesMode: "confirm"}
	op.UseTool(&registry.Tool{Name: "create_invoice", Plugin: "invoices", Scopes: []string{"invoices:write"}})
	if token != "" {
		op.ProgressToken = json.RawMessage(token)
	}
	if client != nil {
		op.Client = client
	}
	return &fakeDispatcher{calls: map[string]*dispatch.InFlight{
		"call-1": {ID: "call-1", Plugin: "invoices", Op: op, Ctx: ctx},
		"call-2": {ID: "call-2", Plugin: "moms", Op: &dispatch.Op{Caller: dispatch.Caller{Subject: "other", OrganizationID: "org-B"}}, Ctx: ctx},
	}}
}

func server(d hostsvc.Dispatcher, b hostsvc.Billy, plugin string) pluginv1.HostServicesServer {
	deps := hostsvc.Deps{Dispatcher: d}
	if b != nil {
		deps.Billy = b
	}
	return hostsvc.Factory(deps)(plugin)
}

func TestUnknownOrForeignCallIsDenied(t *testing.T) {
	client := &fakeClient{canElicit: true, canSample: true}
	billy := &fakeBilly{resp: &pluginv1.BillyResponse{Status: 200}}
	rpcs := map[string]func(s pluginv1.HostServicesServer, id string) error{
		"CallBilly": func(s pluginv1.HostServicesServer, id string) error {
			_, err := s.CallBilly(context.Background(), &pluginv1.BillyRequest{CallId: id, Method: "GET", Path: "/invoices"})
			return err
		},
		"CallTool": func(s pluginv1.HostServicesServer, id string) error {
			_, err := s.CallTool(context.Background(), &pluginv1.HostCallToolRequest{CallId: id, Name: "list_invoices"})
			return err
		},
		"ReportProgress": func(s pluginv1.HostServicesServer, id string) error {
			_, err := s.ReportProgress(context.Background(), &pluginv1.ProgressRequest{CallId: id, Progress: 1})
			return err
		},
		"Log": func(s pluginv1.HostServicesServer, id string) error {
			_, err := s.Log(context.Background(), &pluginv1.LogRequest{CallId: id, Level: "info", Message: "hi"})
			return err
		},
		"Elicit": func(s pluginv1.HostServicesServer, id string) error {
			_, err := s.Elicit(context.Background(), &pluginv1.ElicitRequest{CallId: id, RequestedSchemaJson: `{}`})
			return err
		},
		"Sample": func(s pluginv1.HostServicesServer, id string) error {
			_, err := s.Sample(context.Background(), &pluginv1.SampleRequest{CallId: id})
			return err
		},
	}
	for name, rpc := range rpcs {
		for _, id := range []string{"", "call-404", "call-2"} {
			t.Run(name+"/"+id, func(t *testing.T) {
				d := setup(client, `"tok"`)
				s := server(d, billy, "invoices")
				err := rpc(s, id)
				if status.Code(err) != codes.PermissionDenied {
					t.Errorf("code %v (%v), want PermissionDenied", status.Code(err), err)
				}
				if diff := cmp.Diff([]string{"invoices/" + id}, d.lookups); diff != "" {
					t.Errorf("lookups (-want +got):\n%s", diff)
				}
				if len(d.ops) != 0 || len(billy.calls) != 0 || len(client.progress)+len(client.logs) != 0 || client.sampled != nil {
					t.Error("a denied callback had an effect")
				}
			})
		}
	}
}

func TestCallBilly(t *testing.T) {
	req := &pluginv1.BillyRequest{CallId: "call-1", Method: "POST", Path: "/invoices", BodyJson: `{"invoice":{"organizationId":"org-EVIL"}}`,
		Query: []*pluginv1.QueryParam{{Key: "organizationId", Value: "org-EVIL"}}}
	t.Run("acts for the call's organization", func(t *testing.T) {
		billy := &fakeBilly{resp: &pluginv1.BillyResponse{Status: 201, BodyJson: `{"invoices":[]}`}}
		s := server(setup(nil, ""), billy, "invoices")
		resp, err := s.CallBilly(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(billy.resp, resp, protocmp.Transform()); diff != "" {
			t.Errorf("response (-want +got):\n%s", diff)
		}
		want := []billyCall{{Org: "org-A", Corr: "corr-parent", Req: req}}
		if diff := cmp.Diff(want, billy.calls, protocmp.Transform()); diff != "" {
			t.Errorf("Billy calls (-want +got):\n%s", diff)
		}
	})

	errUpstream := errmodel.Invalid("Billy refused the invoice", errmodel.FieldError{Field: "contactId", Message: "is required"})
	errUpstream.UpstreamCode = "VALIDATION_ERROR"
	errLimited := errmodel.New(errmodel.RateLimited, "billy_rate_limited", "slow down")
	errLimited.RetryAfterSeconds = 3
	tests := []struct {
		name  string
		billy hostsvc.Billy
		code  codes.Code
		want  *errmodel.Error
	}{
		{"no Billy", nil, codes.Unavailable, &errmodel.Error{Code: "billy_not_configured", Category: errmodel.UpstreamUnavailable, Retryable: true,
			Message: "this host has no Billy gateway configured"}},
		{"Billy validation error", &fakeBilly{err: errUpstream}, codes.InvalidArgument, &errmodel.Error{Code: "invalid_arguments", Category: errmodel.Validation,
			Message: "Billy refused the invoice", UpstreamCode: "VALIDATION_ERROR",
			Fields: []errmodel.FieldError{{Field: "contactId", Message: "is required"}}}},
		{"rate limited", &fakeBilly{err: errLimited}, codes.ResourceExhausted, &errmodel.Error{Code: "billy_rate_limited", Category: errmodel.RateLimited,
			Message: "slow down", Retryable: true, RetryAfterSeconds: 3}},
		{"plain error", &fakeBilly{err: errors.New("dial tcp: refused")}, codes.Internal, errmodel.Masked()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			deps := hostsvc.Deps{Dispatcher: setup(nil, "")}
			if tt.billy != nil {
				deps.Billy = tt.billy
			}
			_, err := hostsvc.Factory(deps)("invoices").CallBilly(context.Background(), req)
			if code := status.Code(err); code != tt.code {
				t.Errorf("code %v, want %v", code, tt.code)
			}
			got, _ := errmodel.FromStatus(err)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("detail (-want +got):\n%s", diff)
			}
			if st, _ := status.FromError(err); st.Message() != tt.want.Message {
				t.Errorf("status message %q", st.Message())
			}
		})
	}
}

func TestCallTool(t *testing.T) {
	client := &fakeClient{}
	d := setup(client, `"tok"`)
	d.out = &dispatch.Outcome{Tool: &pluginv1.CallToolResponse{StructuredContentJson: `{"vat":25}`}}
	s := server(d, nil, "invoices")
	resp, err := s.CallTool(context.Background(), &pluginv1.HostCallToolRequest{CallId: "call-1", Name: "moms_rate", ArgumentsJson: `{"country":"DK"}`})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(d.out.Tool, resp, protocmp.Transform()); diff != "" {
		t.Errorf("response (-want +got):\n%s", diff)
	}
	if len(d.ops) != 1 {
		t.Fatalf("%d ops", len(d.ops))
	}
	got := d.ops[0]
	if got.Client != dispatch.Client(client) {
		t.Error("the nested op does not reach the parent's client")
	}
	got.Client = nil
	if got.Parent == nil || got.Parent.CorrelationID != "corr-parent" {
		t.Errorf("the nested op's Parent = %+v, want the calling op (its writes are the parent's too)", got.Parent)
	}
	got.Parent = nil
	want := dispatch.Op{Kind: dispatch.CallTool, Name: "moms_rate", Arguments: json.RawMessage(`{"country":"DK"}`),
		Caller: parentCaller, CorrelationID: "corr-parent", Depth: 2, WritesMode: "confirm"}
	// The nested op starts fresh otherwise: no plugin, no progress token,
	// and the deployment's writes mode (the dispatcher applies it).
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(dispatch.Op{})); diff != "" {
		t.Errorf("op (-want +got):\n%s", diff)
	}

	t.Run("error", func(t *testing.T) {
		d := setup(nil, "")
		d.err = errmodel.New(errmodel.Forbidden, "missing_scope", "needs moms:read").WithCorrelation("corr-parent")
		resp, err := server(d, nil, "invoices").CallTool(context.Background(), &pluginv1.HostCallToolRequest{CallId: "call-1", Name: "moms_rate"})
		if err != nil {
			t.Fatalf("the called tool's failure came back as a status, not as data: %v", err)
		}
		want := &errmodel.Error{Code: "missing_scope", Category: errmodel.Forbidden, Message: "needs moms:read"}
		if diff := cmp.Diff(want, errmodel.FromWire(resp.Error)); diff != "" || !resp.IsError {
			t.Errorf("isError %v, error (-want +got):\n%s", resp.IsError, diff)
		}
	})
}

func TestReportProgress(t *testing.T) {
	tests := []struct {
		name   string
		token  string
		client bool
		fail   error
		want   []progressCall
	}{
		{name: "forwarded with a token", token: `"tok"`, client: true, want: []progressCall{{2, 5, "2 of 5", true}}},
		{name: "numeric token", token: `7`, client: true, want: []progressCall{{2, 5, "2 of 5", true}}},
		{name: "no token", client: true},
		{name: "token but no client", token: `"tok"`},
		{name: "client failure is not the plugin's problem", token: `"tok"`, client: true, fail: errors.New("gone"),
			want: []progressCall{{2, 5, "2 of 5", true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c *fakeClient
			if tt.client {
				c = &fakeClient{failWith: tt.fail}
			}
			s := server(setup(c, tt.token), nil, "invoices")
			if _, err := s.ReportProgress(context.Background(), &pluginv1.ProgressRequest{CallId: "call-1", Progress: 2, Total: 5, Message: "2 of 5"}); err != nil {
				t.Fatal(err)
			}
			var got []progressCall
			if c != nil {
				got = c.progress
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestLog(t *testing.T) {
	tests := []struct {
		name     string
		req      *pluginv1.LogRequest
		code     codes.Code
		want     []logCall
		hostLine string // the host log's level, "" for none
	}{
		{name: "info, default logger", req: &pluginv1.LogRequest{Level: "info", Message: "fetched 3 invoices"},
			want: []logCall{{"info", "invoices", "fetched 3 invoices", true}}, hostLine: "info"},
		{name: "named logger", req: &pluginv1.LogRequest{Level: "debug", Logger: "invoices.cache", Message: "miss"},
			want: []logCall{{"debug", "invoices.cache", "miss", true}}, hostLine: "debug"},
		{name: "notice", req: &pluginv1.LogRequest{Level: "notice", Message: "n"}, want: []logCall{{"notice", "invoices", "n", true}}, hostLine: "info"},
		{name: "warning", req: &pluginv1.LogRequest{Level: "warning", Message: "w"}, want: []logCall{{"warning", "invoices", "w", true}}, hostLine: "warn"},
		{name: "error", req: &pluginv1.LogRequest{Level: "error", Message: "e"}, want: []logCall{{"error", "invoices", "e", true}}, hostLine: "error"},
		{name: "data object gets the message", req: &pluginv1.LogRequest{Level: "info", Message: "sent", DataJson: `{"invoiceNo":"1001","cpr":"0101901234"}`},
			want: []logCall{{"info", "invoices", map[string]any{"invoiceNo": "1001", "cpr": "0101901234", "message": "sent"}, true}}, hostLine: "info"},
		{name: "data not an object", req: &pluginv1.LogRequest{Level: "info", Message: "sent", DataJson: `[1,2]`},
			want: []logCall{{"info", "invoices", "sent", true}}, hostLine: "info"},
		{name: "data not JSON", req: &pluginv1.LogRequest{Level: "info", Message: "sent", DataJson: `{`},
			want: []logCall{{"info", "invoices", "sent", true}}, hostLine: "info"},
		{name: "unknown level", req: &pluginv1.LogRequest{Level: "verbose", Message: "x"}, code: codes.InvalidArgument},
		{name: "empty level", req: &pluginv1.LogRequest{Message: "x"}, code: codes.InvalidArgument},
		{name: "upper-case level", req: &pluginv1.LogRequest{Level: "INFO", Message: "x"}, code: codes.InvalidArgument},
		{name: "MCP's critical level", req: &pluginv1.LogRequest{Level: "critical", Message: "x"}, code: codes.InvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			logger := hclog.New(&hclog.LoggerOptions{Output: &buf, JSONFormat: true, Level: hclog.Trace})
			c := &fakeClient{}
			s := hostsvc.Factory(hostsvc.Deps{Dispatcher: setup(c, ""), Logger: logger})("invoices")
			tt.req.CallId = "call-1"
			_, err := s.Log(context.Background(), tt.req)
			if status.Code(err) != tt.code {
				t.Fatalf("code %v (%v), want %v", status.Code(err), err, tt.code)
			}
			if diff := cmp.Diff(tt.want, c.logs); diff != "" {
				t.Errorf("client logs (-want +got):\n%s", diff)
			}
			if tt.hostLine == "" {
				if buf.Len() != 0 {
					t.Errorf("host log: %s", buf.String())
				}
				return
			}
			var line map[string]any
			if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
				t.Fatalf("host log %q: %v", buf.String(), err)
			}
			got := []any{line["@level"], line["@module"], line["@message"], line["correlation_id"]}
			if diff := cmp.Diff([]any{tt.hostLine, "plugin.invoices", tt.req.Message, "corr-parent"}, got); diff != "" {
				t.Errorf("host log line (-want +got):\n%s", diff)
			}
			if strings.Contains(buf.String(), "0101901234") {
				t.Error("the host log has the plugin's data")
			}
		})
	}

	t.Run("no client", func(t *testing.T) {
		s := server(setup(nil, ""), nil, "invoices")
		if _, err := s.Log(context.Background(), &pluginv1.LogRequest{CallId: "call-1", Level: "info", Message: "x", DataJson: `{"a":1}`}); err != nil {
			t.Fatal(err)
		}
	})
}

// data_json "null" unmarshals into a nil map, and setting its "message"
// panics. gRPC servers do not recover handler panics, so one Log call from a
// plugin would take the whole host down.
func TestLogNullData(t *testing.T) {
	s := server(setup(&fakeClient{}, ""), nil, "invoices")
	panicked := func() (p any) {
		defer func() { p = recover() }()
		_, _ = s.Log(context.Background(), &pluginv1.LogRequest{CallId: "call-1", Level: "info", Message: "x", DataJson: "null"})
		return nil
	}()
	if panicked != nil {
		t.Errorf("Log panicked on data_json \"null\": %v", panicked)
	}
}

func TestElicit(t *testing.T) {
	schema := `{"type":"object","properties":{"confirm":{"type":"boolean"}}}`
	tests := []struct {
		name   string
		client *fakeClient
		code   codes.Code
		detail *errmodel.Error
		want   *pluginv1.ElicitResponse
	}{
		{name: "no client", code: codes.FailedPrecondition},
		{name: "client cannot", client: &fakeClient{}, code: codes.FailedPrecondition},
		{name: "client can", client: &fakeClient{canElicit: true}, want: &pluginv1.ElicitResponse{Action: "accept", ContentJson: `{"confirm":true}`}},
		{name: "client fails", client: &fakeClient{canElicit: true, failWith: errors.New("session closed")}, code: codes.Unavailable,
			detail: &errmodel.Error{Code: "elicitation_failed", Category: errmodel.UpstreamUnavailable, Retryable: true,
				Message: "asking the user failed: session closed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := server(setup(tt.client, ""), nil, "invoices")
			resp, err := s.Elicit(context.Background(), &pluginv1.ElicitRequest{CallId: "call-1", Message: "Send invoice 1001?", RequestedSchemaJson: schema})
			if status.Code(err) != tt.code {
				t.Fatalf("code %v (%v), want %v", status.Code(err), err, tt.code)
			}
			if tt.detail != nil {
				got, _ := errmodel.FromStatus(err)
				if diff := cmp.Diff(tt.detail, got); diff != "" {
					t.Errorf("detail (-want +got):\n%s", diff)
				}
			}
			if diff := cmp.Diff(tt.want, resp, protocmp.Transform()); diff != "" {
				t.Errorf("response (-want +got):\n%s", diff)
			}
			if tt.client != nil && tt.client.canElicit && (tt.client.elicitMsg != "Send invoice 1001?" || tt.client.schema != schema) {
				t.Errorf("client asked %q with %s", tt.client.elicitMsg, tt.client.schema)
			}
		})
	}
}

func TestSample(t *testing.T) {
	req := &pluginv1.SampleRequest{CallId: "call-1", MaxTokens: 200, SystemPrompt: "Be polite", Temperature: 0.2,
		Messages: []*pluginv1.SamplingMessage{{Role: "user", Text: "Write a reminder"}}}
	tests := []struct {
		name   string
		client *fakeClient
		code   codes.Code
		detail *errmodel.Error
		want   *pluginv1.SampleResponse
	}{
		{name: "no client", code: codes.FailedPrecondition},
		{name: "client cannot", client: &fakeClient{canElicit: true}, code: codes.FailedPrecondition},
		{name: "client can", client: &fakeClient{canSample: true},
			want: &pluginv1.SampleResponse{Role: "assistant", Text: "Kære kunde", Model: "m", StopReason: "endTurn"}},
		{name: "client fails", client: &fakeClient{canSample: true, failWith: errors.New("declined")}, code: codes.Unavailable,
			detail: &errmodel.Error{Code: "sampling_failed", Category: errmodel.UpstreamUnavailable, Retryable: true,
				Message: "asking the client's model failed: declined"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := server(setup(tt.client, ""), nil, "invoices")
			resp, err := s.Sample(context.Background(), req)
			if status.Code(err) != tt.code {
				t.Fatalf("code %v (%v), want %v", status.Code(err), err, tt.code)
			}
			if tt.detail != nil {
				got, _ := errmodel.FromStatus(err)
				if diff := cmp.Diff(tt.detail, got); diff != "" {
					t.Errorf("detail (-want +got):\n%s", diff)
				}
			}
			if diff := cmp.Diff(tt.want, resp, protocmp.Transform()); diff != "" {
				t.Errorf("response (-want +got):\n%s", diff)
			}
			if tt.client != nil && tt.client.canSample {
				if diff := cmp.Diff(req, tt.client.sampled, protocmp.Transform()); diff != "" {
					t.Errorf("request to the client (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// loopInvoker serves tool "loop" of plugin "a" by calling "loop" again
// through host services, as a buggy plugin would, recording each depth.
type loopInvoker struct {
	d      *dispatch.Dispatcher
	hs     func(plugin string) pluginv1.HostServicesServer
	mu     sync.Mutex
	depths []int
	last   error
	ids    []string
}

func (l *loopInvoker) CallTool(ctx context.Context, plugin string, req *pluginv1.CallToolRequest) (*pluginv1.CallToolResponse, error) {
	c, ok := l.d.Lookup(plugin, req.Context.CallId)
	if !ok {
		return nil, errors.New("call not in flight")
	}
	l.mu.Lock()
	l.depths = append(l.depths, c.Op.Depth)
	l.ids = append(l.ids, req.Context.CallId)
	l.mu.Unlock()
	// Another plugin cannot act within this call.
	if _, err := l.hs("b").Log(ctx, &pluginv1.LogRequest{CallId: req.Context.CallId, Level: "info", Message: "x"}); status.Code(err) != codes.PermissionDenied {
		return nil, errors.New("plugin b could log within plugin a's call")
	}
	resp, err := l.hs(plugin).CallTool(ctx, &pluginv1.HostCallToolRequest{CallId: req.Context.CallId, Name: "loop"})
	if err == nil && resp.Error != nil {
		err = errmodel.FromWire(resp.Error)
	}
	if err != nil {
		l.mu.Lock()
		if l.last == nil {
			l.last = err
		}
		l.mu.Unlock()
		return &pluginv1.CallToolResponse{IsError: true}, nil
	}
	return resp, nil
}

func (l *loopInvoker) ReadResource(context.Context, string, *pluginv1.ReadResourceRequest) (*pluginv1.ReadResourceResponse, error) {
	return nil, errors.New("no")
}

func (l *loopInvoker) GetPrompt(context.Context, string, *pluginv1.GetPromptRequest) (*pluginv1.GetPromptResponse, error) {
	return nil, errors.New("no")
}

// With the real dispatcher: nested calls run one level deeper each time
// until the dispatcher's depth bound stops them, and a call ID is useless
// to another plugin and after the call.
func TestWithRealDispatcher(t *testing.T) {
	reg := registry.New()
	for p, tool := range map[string]string{"a": "loop", "b": "other"} {
		if err := reg.Register(p, &registry.Catalog{Tools: []*registry.Tool{{Name: tool, Description: "x"}}}); err != nil {
			t.Fatal(err)
		}
	}
	inv := &loopInvoker{}
	d := dispatch.New(dispatch.Options{Registry: reg, Invoker: inv, MaxDepth: 3})
	inv.d = d
	inv.hs = hostsvc.Factory(hostsvc.Deps{Dispatcher: d})
	out, err := d.Do(context.Background(), &dispatch.Op{Kind: dispatch.CallTool, Name: "loop", Caller: parentCaller})
	if err != nil {
		t.Fatal(err)
	}
	if out.Tool == nil || !out.Tool.IsError {
		t.Errorf("outcome %v", out)
	}
	if diff := cmp.Diff([]int{0, 1, 2, 3}, inv.depths); diff != "" {
		t.Errorf("depths (-want +got):\n%s", diff)
	}
	te, _ := inv.last.(*errmodel.Error)
	if te == nil || te.Code != "call_depth_exceeded" || te.Category != errmodel.Conflict {
		t.Errorf("innermost error: %v", inv.last)
	}
	for _, id := range inv.ids {
		_, err := inv.hs("a").Log(context.Background(), &pluginv1.LogRequest{CallId: id, Level: "info", Message: "late"})
		if status.Code(err) != codes.PermissionDenied {
			t.Errorf("call %s still usable after it returned: %v", id, err)
		}
	}
}
