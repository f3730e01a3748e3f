package dispatch_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/audit"
	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/billy-mcp/billy-mcp/host/internal/schema"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/go-hclog"
	"google.golang.org/protobuf/testing/protocmp"
)

// fakeInvoker records the requests it gets and answers with a function the
// test chooses (default: an ok tool result).
type fakeInvoker struct {
	mu     sync.Mutex
	calls  []*pluginv1.CallToolRequest
	plugin []string
	tool   func(ctx context.Context, plugin string, req *pluginv1.CallToolRequest) (*pluginv1.CallToolResponse, error)
}

func (f *fakeInvoker) CallTool(ctx context.Context, plugin string, req *pluginv1.CallToolRequest) (*pluginv1.CallToolResponse, error) {
	f.mu.Lock()
	f.calls = append(f.calls, req)
	f.plugin = append(f.plugin, plugin)
	fn := f.tool
	f.mu.Unlock()
	if fn != nil {
		return fn(ctx, plugin, req)
	}
	return &pluginv1.CallToolResponse{StructuredContentJson: `{"ok":true}`}, nil
}

func (f *fakeInvoker) ReadResource(_ context.Context, _ string, req *pluginv1.ReadResourceRequest) (*pluginv1.ReadResourceResponse, error) {
	return &pluginv1.ReadResourceResponse{Contents: []*pluginv1.ResourceContents{{Uri: req.Uri}}}, nil
}

func (f *fakeInvoker) GetPrompt(_ context.Context, _ string, req *pluginv1.GetPromptRequest) (*pluginv1.GetPromptResponse, error) {
	return &pluginv1.GetPromptResponse{Description: req.Name}, nil
}

func (f *fakeInvoker) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

func (f *fakeInvoker) last(t *testing.T) *pluginv1.CallToolRequest {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		t.Fatal("the invoker was not called")
	}
	return f.calls[len(f.calls)-1]
}

const inputSchema = `{"type":"object","properties":{"amount":{"type":"number"},"note":{"type":"string"}},"required":["amount"],"additionalProperties":false}`

// newRegistry registers two plugins: "books" (available) with tools "open",
// "scoped" (needs invoices:write) and "typed" (validated input), and
// "down" (registered, then marked unavailable) with tool "sleepy".
func newRegistry(t *testing.T) *registry.Registry {
	t.Helper()
	in, err := schema.Compile("typed", []byte(inputSchema))
	if err != nil {
		t.Fatal(err)
	}
	reg := registry.New()
	if err := reg.Register("books", &registry.Catalog{
		Tools: []*registry.Tool{
			{Name: "open", Description: "no scopes", InputSchema: json.RawMessage(`{"type":"object"}`)},
			{Name: "scoped", Description: "needs a scope", InputSchema: json.RawMessage(`{"type":"object"}`), Scopes: []string{"invoices:write", "invoices:read"}},
			{Name: "typed", Description: "validated", InputSchema: json.RawMessage(inputSchema), Input: in},
			{Name: "lookup", Description: "a read", InputSchema: json.RawMessage(`{"type":"object"}`), Annotations: registry.Annotations{ReadOnly: &readOnly}},
		},
		Resources: []*registry.Resource{{URI: "billy://books/readme", Name: "readme"}},
		Prompts:   []*registry.Prompt{{Name: "summary"}},
	}); err != nil {
		t.Fatal(err)
	}
	if err := reg.Register("down", &registry.Catalog{Tools: []*registry.Tool{{Name: "sleepy", Description: "x"}}}); err != nil {
		t.Fatal(err)
	}
	reg.SetAvailable("down", false)
	return reg
}

var readOnly = true

var local = dispatch.Caller{Subject: "local", OrganizationID: "org-1", Scopes: []string{"*"}, Transport: "rest"}

func newDispatcher(t *testing.T, inv *fakeInvoker, mod func(*dispatch.Options)) *dispatch.Dispatcher {
	t.Helper()
	o := dispatch.Options{Registry: newRegistry(t), Invoker: inv}
	if mod != nil {
		mod(&o)
	}
	return dispatch.New(o)
}

// errShape is the part of an *errmodel.Error the tests pin.
type errShape struct {
	Code, Category    string
	Retryable         bool
	RetryAfterSeconds int
	HasCorrelation    bool
}

func shapeOf(t *testing.T, err error) *errShape {
	t.Helper()
	if err == nil {
		return nil
	}
	e, ok := err.(*errmodel.Error)
	if !ok {
		t.Fatalf("error is %T, want *errmodel.Error: %v", err, err)
	}
	return &errShape{Code: e.Code, Category: string(e.Category), Retryable: e.Retryable,
		RetryAfterSeconds: e.RetryAfterSeconds, HasCorrelation: e.CorrelationID != ""}
}

func TestDoRefusals(t *testing.T) {
	tests := []struct {
		name        string
		op          dispatch.Op
		want        *errShape
		msgContains []string
		invoked     bool
	}{
		{
			name:        "unauthenticated caller",
			op:          dispatch.Op{Kind: dispatch.CallTool, Name: "open"},
			want:        &errShape{Code: "unauthenticated", Category: "unauthorized", HasCorrelation: true},
			msgContains: []string{"Authorization: Bearer"},
		},
		{
			name:        "unknown tool",
			op:          dispatch.Op{Kind: dispatch.CallTool, Name: "nope", Caller: local},
			want:        &errShape{Code: "tool_not_found", Category: "not_found", HasCorrelation: true},
			msgContains: []string{`"nope"`},
		},
		{
			name: "unknown prompt",
			op:   dispatch.Op{Kind: dispatch.GetPrompt, Name: "nope", Caller: local},
			want: &errShape{Code: "prompt_not_found", Category: "not_found", HasCorrelation: true},
		},
		{
			name: "unknown resource",
			op:   dispatch.Op{Kind: dispatch.ReadResource, Name: "billy://nope", Caller: local},
			want: &errShape{Code: "resource_not_found", Category: "not_found", HasCorrelation: true},
		},
		{
			name: "unknown kind",
			op:   dispatch.Op{Kind: "tools/frobnicate", Name: "open", Caller: local},
			want: &errShape{Code: "unknown_op", Category: "internal", HasCorrelation: true},
		},
		{
			name:        "tool of an unavailable plugin",
			op:          dispatch.Op{Kind: dispatch.CallTool, Name: "sleepy", Caller: local},
			want:        &errShape{Code: "plugin_unavailable", Category: "upstream_unavailable", Retryable: true, RetryAfterSeconds: 2, HasCorrelation: true},
			msgContains: []string{"down plugin"},
		},
		{
			name: "missing scope",
			op: dispatch.Op{Kind: dispatch.CallTool, Name: "scoped",
				Caller: dispatch.Caller{Subject: "key:1", Scopes: []string{"invoices:read"}}},
			want:        &errShape{Code: "missing_scope", Category: "forbidden", HasCorrelation: true},
			msgContains: []string{"invoices:write"},
		},
		{
			name:        "no scopes at all",
			op:          dispatch.Op{Kind: dispatch.CallTool, Name: "scoped", Caller: dispatch.Caller{Subject: "key:1"}},
			want:        &errShape{Code: "missing_scope", Category: "forbidden", HasCorrelation: true},
			msgContains: []string{"invoices:write, invoices:read"},
		},
		{
			name: "exact scopes",
			op: dispatch.Op{Kind: dispatch.CallTool, Name: "scoped",
				Caller: dispatch.Caller{Subject: "key:1", Scopes: []string{"invoices:read", "invoices:write"}}},
			invoked: true,
		},
		{
			name:    "wildcard scope",
			op:      dispatch.Op{Kind: dispatch.CallTool, Name: "scoped", Caller: dispatch.Caller{Subject: "key:1", Scopes: []string{"*"}}},
			invoked: true,
		},
		{
			name:        "schema violation",
			op:          dispatch.Op{Kind: dispatch.CallTool, Name: "typed", Caller: local, Arguments: json.RawMessage(`{"amount":"ten"}`)},
			want:        &errShape{Code: "invalid_arguments", Category: "validation", HasCorrelation: true},
			msgContains: []string{"typed: ", "amount"},
		},
		{
			name:    "empty arguments validate as {}",
			op:      dispatch.Op{Kind: dispatch.CallTool, Name: "open", Caller: local},
			invoked: true,
		},
		{
			name:    "depth at the limit",
			op:      dispatch.Op{Kind: dispatch.CallTool, Name: "open", Caller: local, Depth: 4},
			invoked: true,
		},
		{
			name:        "depth over the limit",
			op:          dispatch.Op{Kind: dispatch.CallTool, Name: "open", Caller: local, Depth: 5},
			want:        &errShape{Code: "call_depth_exceeded", Category: "conflict", HasCorrelation: true},
			msgContains: []string{"limit 4"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvoker{}
			d := newDispatcher(t, inv, nil)
			op := tt.op
			out, err := d.Do(context.Background(), &op)
			if diff := cmp.Diff(tt.want, shapeOf(t, err)); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if err == nil && out == nil {
				t.Error("no outcome and no error")
			}
			for _, s := range tt.msgContains {
				if err == nil || !strings.Contains(err.(*errmodel.Error).Message, s) {
					t.Errorf("message %v does not contain %q", err, s)
				}
			}
			if got := inv.count() > 0; got != tt.invoked {
				t.Errorf("invoker called = %v, want %v", got, tt.invoked)
			}
		})
	}
}

func TestValidationListsFields(t *testing.T) {
	inv := &fakeInvoker{}
	d := newDispatcher(t, inv, nil)
	_, err := d.Do(context.Background(), &dispatch.Op{Kind: dispatch.CallTool, Name: "typed", Caller: local,
		Arguments: json.RawMessage(`{"note":7,"extra":1}`)})
	e, ok := err.(*errmodel.Error)
	if !ok {
		t.Fatalf("err = %v, want *errmodel.Error", err)
	}
	var fields []string
	for _, f := range e.Fields {
		fields = append(fields, f.Field)
	}
	if diff := cmp.Diff([]string{"amount", "extra", "note"}, fields); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	if inv.count() != 0 {
		t.Error("the invoker saw invalid arguments")
	}
}

func TestHasScope(t *testing.T) {
	tests := []struct {
		scopes []string
		scope  string
		want   bool
	}{
		{nil, "a", false},
		{[]string{}, "", false},
		{[]string{"a"}, "a", true},
		{[]string{"a"}, "b", false},
		{[]string{"a", "*"}, "b", true},
		{[]string{"invoices:*"}, "invoices:read", false}, // no prefix wildcards
		{[]string{"A"}, "a", false},
	}
	for _, tt := range tests {
		if got := (dispatch.Caller{Scopes: tt.scopes}).HasScope(tt.scope); got != tt.want {
			t.Errorf("HasScope(%v, %q) = %v, want %v", tt.scopes, tt.scope, got, tt.want)
		}
	}
}

func TestCorrelationAndWritesMode(t *testing.T) {
	tests := []struct {
		name, corr, mode    string
		wantCorr, wantMode  string
		generatedCorr       bool
		failWithCorrelation bool
	}{
		{name: "assigned when empty", generatedCorr: true, wantMode: "confirm"},
		{name: "kept when given", corr: "abc-123", wantCorr: "abc-123", wantMode: "confirm"},
		{name: "op's own writes mode kept", corr: "x", wantCorr: "x", mode: "off", wantMode: "off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvoker{}
			d := newDispatcher(t, inv, func(o *dispatch.Options) { o.WritesMode = "confirm" })
			op := &dispatch.Op{Kind: dispatch.CallTool, Name: "open", Caller: local, CorrelationID: tt.corr, WritesMode: tt.mode}
			if _, err := d.Do(context.Background(), op); err != nil {
				t.Fatal(err)
			}
			req := inv.last(t)
			if tt.generatedCorr {
				if len(op.CorrelationID) != 16 {
					t.Errorf("generated correlation ID %q, want 16 hex characters", op.CorrelationID)
				}
				tt.wantCorr = op.CorrelationID
			}
			got := struct{ OpCorr, WireCorr, OpMode, WireMode string }{op.CorrelationID, req.Context.CorrelationId, op.WritesMode, req.Context.WritesMode}
			want := struct{ OpCorr, WireCorr, OpMode, WireMode string }{tt.wantCorr, tt.wantCorr, tt.wantMode, tt.wantMode}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	t.Run("on errors", func(t *testing.T) {
		d := newDispatcher(t, &fakeInvoker{}, nil)
		for _, corr := range []string{"", "given-1"} {
			op := &dispatch.Op{Kind: dispatch.CallTool, Name: "nope", Caller: local, CorrelationID: corr}
			_, err := d.Do(context.Background(), op)
			e := err.(*errmodel.Error)
			if e.CorrelationID == "" || e.CorrelationID != op.CorrelationID || (corr != "" && e.CorrelationID != corr) {
				t.Errorf("correlation %q: error carries %q, op %q", corr, e.CorrelationID, op.CorrelationID)
			}
		}
	})

	t.Run("generated IDs differ", func(t *testing.T) {
		d := newDispatcher(t, &fakeInvoker{}, nil)
		a, b := &dispatch.Op{Kind: dispatch.CallTool, Name: "open", Caller: local}, &dispatch.Op{Kind: dispatch.CallTool, Name: "open", Caller: local}
		_, _ = d.Do(context.Background(), a)
		_, _ = d.Do(context.Background(), b)
		if a.CorrelationID == b.CorrelationID {
			t.Errorf("two ops got the same correlation ID %q", a.CorrelationID)
		}
	})
}

// A call past its deadline: a read is retryable; a write may have happened,
// so it is an unknown outcome, not retryable.
func TestTimeout(t *testing.T) {
	inv := &fakeInvoker{tool: func(ctx context.Context, _ string, _ *pluginv1.CallToolRequest) (*pluginv1.CallToolResponse, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}}
	d := newDispatcher(t, inv, func(o *dispatch.Options) { o.Timeout = 20 * time.Millisecond })
	for _, tt := range []struct {
		tool string
		want *errShape
		says string
	}{
		{"lookup", &errShape{Code: "timeout", Category: "upstream_unavailable", Retryable: true, HasCorrelation: true}, "safe to retry"},
		// A write that timed out before sending anything (its journal is
		// empty) wrote nothing; writes_test.go has those that did send.
		{"open", &errShape{Code: "timeout", Category: "upstream_unavailable", Retryable: true, RetryAfterSeconds: 2, HasCorrelation: true}, "nothing was written"},
	} {
		start := time.Now()
		_, err := d.Do(context.Background(), &dispatch.Op{Kind: dispatch.CallTool, Name: tt.tool, Caller: local})
		if diff := cmp.Diff(tt.want, shapeOf(t, err)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.tool, diff)
		}
		if el := time.Since(start); el > 2*time.Second {
			t.Errorf("%s took %s", tt.tool, el)
		}
		if !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%s: %v", tt.tool, err)
		}
	}
}

// A write is not cut off when its client goes away: it runs to its own
// outcome. A read is cancelled with its client.
func TestWritesOutliveTheirClient(t *testing.T) {
	finished := make(chan string, 2)
	inv := &fakeInvoker{tool: func(ctx context.Context, _ string, req *pluginv1.CallToolRequest) (*pluginv1.CallToolResponse, error) {
		select {
		case <-ctx.Done():
			finished <- req.Name + ": cancelled"
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
			finished <- req.Name + ": done"
			return &pluginv1.CallToolResponse{}, nil
		}
	}}
	d := newDispatcher(t, inv, nil)
	for _, tool := range []string{"open", "lookup"} {
		ctx, cancel := context.WithCancel(context.Background())
		go func() { time.Sleep(10 * time.Millisecond); cancel() }()
		_, _ = d.Do(ctx, &dispatch.Op{Kind: dispatch.CallTool, Name: tool, Caller: local})
	}
	got := []string{<-finished, <-finished}
	if diff := cmp.Diff([]string{"open: done", "lookup: cancelled"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// A plugin that dies is retryable for a read, and for a write that had sent
// nothing to Billy yet; writes_test.go has writes that had.
func TestPluginStoppedDuringCall(t *testing.T) {
	inv := &fakeInvoker{tool: func(context.Context, string, *pluginv1.CallToolRequest) (*pluginv1.CallToolResponse, error) {
		return nil, errmodel.New(errmodel.UpstreamUnavailable, errmodel.CodePluginStopped, "the books plugin stopped")
	}}
	d := newDispatcher(t, inv, nil)
	for tool, want := range map[string]*errShape{
		"lookup": {Code: "plugin_stopped", Category: "upstream_unavailable", Retryable: true, HasCorrelation: true},
		"open":   {Code: "plugin_stopped", Category: "upstream_unavailable", Retryable: true, RetryAfterSeconds: 2, HasCorrelation: true},
	} {
		_, err := d.Do(context.Background(), &dispatch.Op{Kind: dispatch.CallTool, Name: tool, Caller: local})
		if diff := cmp.Diff(want, shapeOf(t, err)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tool, diff)
		}
	}
}

// Drain: new client calls are refused (retryable) while the call in flight
// finishes; Drain returns when it has.
func TestDrain(t *testing.T) {
	release := make(chan struct{})
	inv := &fakeInvoker{tool: func(_ context.Context, _ string, req *pluginv1.CallToolRequest) (*pluginv1.CallToolResponse, error) {
		if req.Name == "open" {
			<-release
		}
		return &pluginv1.CallToolResponse{}, nil
	}}
	d := newDispatcher(t, inv, nil)
	inFlight := make(chan error, 1)
	go func() {
		_, err := d.Do(context.Background(), &dispatch.Op{Kind: dispatch.CallTool, Name: "open", Caller: local})
		inFlight <- err
	}()
	time.Sleep(20 * time.Millisecond)
	drained := make(chan int, 1)
	go func() { drained <- d.Drain(context.Background()) }()
	time.Sleep(20 * time.Millisecond)
	if !d.Draining() {
		t.Fatal("not draining")
	}
	_, err := d.Do(context.Background(), &dispatch.Op{Kind: dispatch.CallTool, Name: "open", Caller: local})
	if diff := cmp.Diff(&errShape{Code: "host_draining", Category: "upstream_unavailable", Retryable: true, RetryAfterSeconds: 1, HasCorrelation: true}, shapeOf(t, err)); diff != "" {
		t.Errorf("a new call while draining (-want +got):\n%s", diff)
	}
	// A nested call of the call in flight is part of it.
	if _, err := d.Do(context.Background(), &dispatch.Op{Kind: dispatch.CallTool, Name: "lookup", Caller: local, Depth: 1}); err != nil {
		t.Errorf("a nested call was refused: %v", err)
	}
	select {
	case <-drained:
		t.Fatal("Drain returned with a call in flight")
	default:
	}
	close(release)
	if err := <-inFlight; err != nil {
		t.Errorf("the call in flight: %v", err)
	}
	if left := <-drained; left != 0 {
		t.Errorf("%d calls left", left)
	}
}

// A plugin error that is not a timeout passes through unchanged (plus the
// correlation ID); a plain error becomes internal.
func TestInvokerErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want *errShape
	}{
		{"an error of the model passes", errmodel.New(errmodel.Conflict, "already_paid", "paid"), &errShape{Code: "already_paid", Category: "conflict", HasCorrelation: true}},
		{"plain error is internal", context.Canceled, &errShape{Code: "internal", Category: "internal", HasCorrelation: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvoker{tool: func(context.Context, string, *pluginv1.CallToolRequest) (*pluginv1.CallToolResponse, error) {
				return nil, tt.err
			}}
			d := newDispatcher(t, inv, nil)
			_, err := d.Do(context.Background(), &dispatch.Op{Kind: dispatch.CallTool, Name: "open", Caller: local})
			if diff := cmp.Diff(tt.want, shapeOf(t, err)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

type fakeClient struct{ elicit, sample, roots bool }

func (fakeClient) Progress(context.Context, float64, float64, string) error { return nil }
func (fakeClient) Log(context.Context, string, string, any) error           { return nil }
func (c fakeClient) CanElicit() bool                                        { return c.elicit }
func (fakeClient) Elicit(context.Context, string, json.RawMessage) (string, json.RawMessage, error) {
	return "", nil, nil
}
func (c fakeClient) CanSample() bool { return c.sample }
func (fakeClient) Sample(context.Context, *pluginv1.SampleRequest) (*pluginv1.SampleResponse, error) {
	return nil, nil
}
func (c fakeClient) CanListRoots() bool { return c.roots }
func (fakeClient) Ask(context.Context, []*pluginv1.Question) ([]*pluginv1.Answer, error) {
	return nil, nil
}
func (fakeClient) StartTask(context.Context) error { return nil }

func TestCallContext(t *testing.T) {
	caller := dispatch.Caller{Subject: "key:abcd", OrganizationID: "org-7", Scopes: []string{"invoices:read", "invoices:write"}, Transport: "mcp-http"}
	tests := []struct {
		name   string
		token  json.RawMessage
		client dispatch.Client
		caps   *pluginv1.ClientCapabilities
	}{
		{name: "no client", caps: &pluginv1.ClientCapabilities{}},
		{name: "client that can elicit", token: json.RawMessage(`"tok-1"`), client: fakeClient{elicit: true},
			caps: &pluginv1.ClientCapabilities{Elicitation: true}},
		{name: "client that can sample", token: json.RawMessage(`42`), client: fakeClient{sample: true},
			caps: &pluginv1.ClientCapabilities{Sampling: true}},
		{name: "client that can list roots", client: fakeClient{roots: true},
			caps: &pluginv1.ClientCapabilities{Roots: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvoker{}
			d := newDispatcher(t, inv, func(o *dispatch.Options) { o.WritesMode = "direct"; o.Timeout = time.Minute })
			before := time.Now()
			_, err := d.Do(context.Background(), &dispatch.Op{Kind: dispatch.CallTool, Name: "scoped", Caller: caller,
				CorrelationID: "corr-1", ProgressToken: tt.token, Client: tt.client, Arguments: json.RawMessage(`{"a":1}`)})
			if err != nil {
				t.Fatal(err)
			}
			req := inv.last(t)
			if len(req.Context.CallId) != 32 {
				t.Errorf("call ID %q, want 32 hex characters", req.Context.CallId)
			}
			dl := time.UnixMilli(req.Context.DeadlineUnixMs)
			if dl.Before(before.Add(59*time.Second)) || dl.After(time.Now().Add(61*time.Second)) {
				t.Errorf("deadline %s is not about a minute from now", dl)
			}
			want := &pluginv1.CallToolRequest{Name: "scoped", ArgumentsJson: `{"a":1}`, Context: &pluginv1.CallContext{
				CorrelationId: "corr-1",
				Caller: &pluginv1.Caller{Subject: "key:abcd", OrganizationId: "org-7",
					Scopes: []string{"invoices:read", "invoices:write"}, Transport: "mcp-http"},
				ProgressTokenJson:  string(tt.token),
				WritesMode:         "direct",
				ClientCapabilities: tt.caps,
			}}
			if diff := cmp.Diff(want, req, protocmp.Transform(),
				protocmp.IgnoreFields(&pluginv1.CallContext{}, "call_id", "deadline_unix_ms")); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
			if inv.plugin[0] != "books" {
				t.Errorf("plugin = %q", inv.plugin[0])
			}
		})
	}
}

func TestResourceAndPromptRouting(t *testing.T) {
	inv := &fakeInvoker{}
	d := newDispatcher(t, inv, nil)
	out, err := d.Do(context.Background(), &dispatch.Op{Kind: dispatch.ReadResource, Name: "billy://books/readme", Caller: local})
	if err != nil || out.Resource == nil || out.Resource.Contents[0].Uri != "billy://books/readme" {
		t.Errorf("resource: %v %v", out, err)
	}
	// A template read arrives with its plugin already chosen.
	op := &dispatch.Op{Kind: dispatch.ReadResource, Name: "billy://books/invoice/1", Plugin: "books", Caller: local}
	if out, err := d.Do(context.Background(), op); err != nil || out.Resource == nil {
		t.Errorf("template resource: %v %v", out, err)
	}
	out, err = d.Do(context.Background(), &dispatch.Op{Kind: dispatch.GetPrompt, Name: "summary", Caller: local})
	if err != nil || out.Prompt == nil || out.Prompt.Description != "summary" {
		t.Errorf("prompt: %v %v", out, err)
	}
}

func TestLookup(t *testing.T) {
	type seen struct {
		Found, OtherPlugin, UnknownID bool
		Plugin, Subject, Corr         string
		CtxAlive                      bool
	}
	var got seen
	var callID string
	inv := &fakeInvoker{}
	d := newDispatcher(t, inv, nil)
	inv.tool = func(ctx context.Context, plugin string, req *pluginv1.CallToolRequest) (*pluginv1.CallToolResponse, error) {
		callID = req.Context.CallId
		c, ok := d.Lookup(plugin, callID)
		_, other := d.Lookup("down", callID)
		_, unknown := d.Lookup(plugin, "not-a-call")
		got = seen{Found: ok, OtherPlugin: other, UnknownID: unknown}
		if ok {
			got.Plugin, got.Subject, got.Corr = c.Plugin, c.Op.Caller.Subject, c.Op.CorrelationID
			got.CtxAlive = c.Ctx.Err() == nil && c.ID == callID
		}
		return &pluginv1.CallToolResponse{}, nil
	}
	if _, err := d.Do(context.Background(), &dispatch.Op{Kind: dispatch.CallTool, Name: "open", Caller: local, CorrelationID: "c-1"}); err != nil {
		t.Fatal(err)
	}
	want := seen{Found: true, Plugin: "books", Subject: "local", Corr: "c-1", CtxAlive: true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("during the call (-want +got):\n%s", diff)
	}
	if _, ok := d.Lookup("books", callID); ok {
		t.Error("the call is still found after it returned")
	}
}

// Concurrent calls each find only their own entry.
func TestLookupConcurrent(t *testing.T) {
	inv := &fakeInvoker{}
	d := newDispatcher(t, inv, nil)
	inv.tool = func(_ context.Context, plugin string, req *pluginv1.CallToolRequest) (*pluginv1.CallToolResponse, error) {
		c, ok := d.Lookup(plugin, req.Context.CallId)
		if !ok || c.Op.CorrelationID != req.Context.CorrelationId {
			return nil, errmodel.New(errmodel.Internal, "wrong_call", "lookup gave %v", c)
		}
		return &pluginv1.CallToolResponse{}, nil
	}
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			op := &dispatch.Op{Kind: dispatch.CallTool, Name: "open", Caller: local, CorrelationID: fmt.Sprintf("c-%d", i)}
			if _, err := d.Do(context.Background(), op); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

func TestStages(t *testing.T) {
	var mu sync.Mutex
	var reached []string
	stage := func(tag string) dispatch.Middleware {
		return func(next dispatch.Handler) dispatch.Handler {
			return func(ctx context.Context, op *dispatch.Op) (*dispatch.Outcome, error) {
				mu.Lock()
				reached = append(reached, tag+":"+op.Name+"@"+op.Plugin)
				mu.Unlock()
				if op.Name == "typed" && tag == "first" {
					return nil, errmodel.New(errmodel.RateLimited, "slow_down", "too fast")
				}
				return next(ctx, op)
			}
		}
	}
	inv := &fakeInvoker{}
	d := newDispatcher(t, inv, func(o *dispatch.Options) { o.Stages = []dispatch.Middleware{stage("first"), stage("second")} })
	denied := dispatch.Caller{Subject: "key:1"}
	ops := []*dispatch.Op{
		{Kind: dispatch.CallTool, Name: "scoped", Caller: denied},                                           // forbidden: never reaches stages
		{Kind: dispatch.CallTool, Name: "open"},                                                             // unauthenticated
		{Kind: dispatch.CallTool, Name: "typed", Caller: local, Arguments: json.RawMessage(`{}`)},           // invalid: stopped by validation
		{Kind: dispatch.CallTool, Name: "open", Caller: local},                                              // reaches both stages
		{Kind: dispatch.CallTool, Name: "typed", Caller: local, Arguments: json.RawMessage(`{"amount":1}`)}, // short-circuited by first
	}
	var codes []string
	for _, op := range ops {
		_, err := d.Do(context.Background(), op)
		code := "ok"
		if err != nil {
			code = err.(*errmodel.Error).Code
		}
		codes = append(codes, code)
	}
	if diff := cmp.Diff([]string{"missing_scope", "unauthenticated", "invalid_arguments", "ok", "slow_down"}, codes); diff != "" {
		t.Errorf("codes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"first:open@books", "second:open@books", "first:typed@books"}, reached); diff != "" {
		t.Errorf("stages reached (-want +got):\n%s", diff)
	}
	if inv.count() != 1 {
		t.Errorf("invoker called %d times, want 1", inv.count())
	}
}

func TestAudit(t *testing.T) {
	var buf bytes.Buffer
	logger := hclog.New(&hclog.LoggerOptions{Output: &buf, JSONFormat: true, Level: hclog.Info})
	inv := &fakeInvoker{tool: func(_ context.Context, _ string, req *pluginv1.CallToolRequest) (*pluginv1.CallToolResponse, error) {
		if strings.Contains(req.ArgumentsJson, "fail") {
			return &pluginv1.CallToolResponse{IsError: true}, nil
		}
		return &pluginv1.CallToolResponse{}, nil
	}}
	d := newDispatcher(t, inv, func(o *dispatch.Options) { o.Logger = logger })
	const secret = "0101901234" // a CPR number in the arguments must never be logged
	caller := dispatch.Caller{Subject: "key:ab12", OrganizationID: "org-9", Scopes: []string{"invoices:read"}, Transport: "mcp-http"}
	ops := []*dispatch.Op{
		{Kind: dispatch.CallTool, Name: "open", Caller: caller, CorrelationID: "c1", Arguments: json.RawMessage(`{"cpr":"` + secret + `"}`)},
		{Kind: dispatch.CallTool, Name: "open", Caller: caller, CorrelationID: "c2", Arguments: json.RawMessage(`{"fail":"` + secret + `"}`)},
		{Kind: dispatch.CallTool, Name: "scoped", Caller: caller, CorrelationID: "c3", Arguments: json.RawMessage(`{"cpr":"` + secret + `"}`)},
		{Kind: dispatch.CallTool, Name: "typed", Caller: caller, CorrelationID: "c4", Arguments: json.RawMessage(`{"amount":"` + secret + `"}`)},
		{Kind: dispatch.GetPrompt, Name: "summary", Caller: caller, CorrelationID: "c5", PromptArguments: map[string]string{"cpr": secret}},
	}
	for _, op := range ops {
		_, _ = d.Do(context.Background(), op)
	}
	if strings.Contains(buf.String(), secret) {
		t.Errorf("the audit log contains argument data:\n%s", buf.String())
	}
	var got []map[string]any
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("not JSON: %q", sc.Text())
		}
		if d, ok := m["duration_ms"].(float64); !ok || d < 0 {
			t.Errorf("duration_ms = %v", m["duration_ms"])
		}
		got = append(got, m)
	}
	line := func(op, name, corr, outcome, category string) map[string]any {
		m := map[string]any{"@level": "info", "@module": "audit", "@message": "request", "op": op, "name": name,
			"plugin": "books", "subject": "key:ab12", "organization": "org-9", "transport": "mcp-http",
			"correlation_id": corr, "outcome": outcome}
		if category != "" {
			m["category"] = category
		}
		return m
	}
	want := []map[string]any{
		line("tools/call", "open", "c1", "ok", ""),
		line("tools/call", "open", "c2", "tool_error", ""),
		line("tools/call", "scoped", "c3", "missing_scope", "forbidden"),
		line("tools/call", "typed", "c4", "invalid_arguments", "validation"),
		line("prompts/get", "summary", "c5", "ok", ""),
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreMapEntries(func(k string, _ any) bool {
		return k == "@timestamp" || k == "duration_ms"
	})); diff != "" {
		t.Errorf("audit lines (-want +got):\n%s", diff)
	}
}

// Refusals before the plugin is known are audited too: who tried what, and
// why it was refused.
func TestAuditRecordsRefusals(t *testing.T) {
	var buf bytes.Buffer
	logger := hclog.New(&hclog.LoggerOptions{Output: &buf, JSONFormat: true, Level: hclog.Info})
	d := newDispatcher(t, &fakeInvoker{}, func(o *dispatch.Options) { o.Logger = logger })
	ops := []*dispatch.Op{
		{Kind: dispatch.CallTool, Name: "open"},
		{Kind: dispatch.CallTool, Name: "nope", Caller: local},
		{Kind: dispatch.CallTool, Name: "sleepy", Caller: local},
		{Kind: dispatch.CallTool, Name: "open", Caller: local, Depth: 9},
	}
	for _, op := range ops {
		if _, err := d.Do(context.Background(), op); err == nil {
			t.Fatalf("%s: no error", op.Name)
		}
	}
	var outcomes []string
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("audit line is not JSON: %s", line)
		}
		outcomes = append(outcomes, rec["outcome"].(string))
	}
	want := []string{"unauthenticated", "tool_not_found", "plugin_unavailable", "call_depth_exceeded"}
	if diff := cmp.Diff(want, outcomes); diff != "" {
		t.Errorf("audited outcomes (-want +got):\n%s", diff)
	}
}

// collector is an audit sink that keeps the records.
type collector struct {
	mu      sync.Mutex
	records []audit.Record
}

func (c *collector) Record(r audit.Record) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.records = append(c.records, r)
}

// With a sink, every op is one record, refusals included, and an internal
// error's cause is recorded (its text never reaches the caller).
func TestAuditSink(t *testing.T) {
	sink := &collector{}
	inv := &fakeInvoker{tool: func(context.Context, string, *pluginv1.CallToolRequest) (*pluginv1.CallToolResponse, error) {
		return nil, errors.New("dial tcp 10.0.0.1: refused")
	}}
	key := []byte("audit key")
	d := newDispatcher(t, inv, func(o *dispatch.Options) { o.Audit, o.AuditKey = sink, key })
	_, _ = d.Do(context.Background(), &dispatch.Op{Kind: dispatch.CallTool, Name: "open", Caller: local, CorrelationID: "c1"})
	_, _ = d.Do(context.Background(), &dispatch.Op{Kind: dispatch.CallTool, Name: "nope", Caller: local, CorrelationID: "c2",
		Arguments: json.RawMessage(`{"b": 2, "a": "x"}`)})
	var got []audit.Record
	for _, r := range sink.records {
		if r.Time.IsZero() {
			t.Error("a record without a time")
		}
		r.Time, r.Duration = time.Time{}, 0
		got = append(got, r)
	}
	want := []audit.Record{
		{Op: "tools/call", Name: "open", Plugin: "books", Subject: local.Subject, Organization: local.OrganizationID, Transport: local.Transport,
			CorrelationID: "c1", Outcome: "internal", Category: "internal", Code: "internal", Cause: "dial tcp 10.0.0.1: refused",
			ArgsHash: audit.ArgsHash(key, nil)},
		{Op: "tools/call", Name: "nope", Subject: local.Subject, Organization: local.OrganizationID, Transport: local.Transport,
			CorrelationID: "c2", Outcome: "tool_not_found", Category: "not_found", Code: "tool_not_found",
			// Canonical JSON: the same arguments in another order or spacing hash alike.
			ArgsHash: audit.ArgsHash(key, json.RawMessage(`{"a":"x","b":2}`))},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}

// A call is judged by its result: a tool that answered with an error is a
// tool_error whose record carries the tool's own error code; listings and
// failed logins, which do not go through Do, are recorded as well.
func TestAuditOutsideDo(t *testing.T) {
	sink := &collector{}
	inv := &fakeInvoker{tool: func(context.Context, string, *pluginv1.CallToolRequest) (*pluginv1.CallToolResponse, error) {
		return &pluginv1.CallToolResponse{IsError: true, Error: errmodel.ToWire(errmodel.New(errmodel.Conflict, "invoice_is_draft", "a draft"))}, nil
	}}
	d := newDispatcher(t, inv, func(o *dispatch.Options) { o.Audit = sink })
	caller := dispatch.Caller{Subject: "key:ab12", OrganizationID: "org-9", Scopes: []string{"*"}, Transport: "mcp-http",
		Auth: "api_key", ClientAddr: "192.0.2.7"}
	_, _ = d.Do(context.Background(), &dispatch.Op{Kind: dispatch.CallTool, Name: "open", Caller: caller, CorrelationID: "c1"})
	ctx := dispatch.WithCorrelationID(context.Background(), "c2")
	d.AuditRequest(ctx, "tools/list", caller, time.Now(), nil)
	d.AuditRequest(ctx, "resources/list", caller, time.Now(), errmodel.New(errmodel.Forbidden, "insufficient_scope", "no"))
	d.AuditFailedLogin(dispatch.FailedLogin{Transport: "rest", ClientAddr: "198.51.100.1", Code: "invalid_token", Auth: "oauth",
		CorrelationID: "c3"})
	d.AuditFailedLogin(dispatch.FailedLogin{Transport: "mcp-http", ClientAddr: "198.51.100.2", Principal: "key:zz99", Auth: "api_key"})
	var got []audit.Record
	for _, r := range sink.records {
		if r.Time.IsZero() {
			t.Error("a record without a time")
		}
		r.Time, r.Duration, r.ArgsHash = time.Time{}, 0, ""
		got = append(got, r)
	}
	who := func(r audit.Record) audit.Record {
		r.Subject, r.Organization, r.Transport, r.Auth, r.ClientAddr = caller.Subject, caller.OrganizationID, caller.Transport, caller.Auth, caller.ClientAddr
		return r
	}
	want := []audit.Record{
		who(audit.Record{Op: "tools/call", Name: "open", Plugin: "books", CorrelationID: "c1", Outcome: "tool_error", Code: "invoice_is_draft", Category: "conflict"}),
		who(audit.Record{Op: "tools/list", CorrelationID: "c2", Outcome: "ok"}),
		who(audit.Record{Op: "resources/list", CorrelationID: "c2", Outcome: "insufficient_scope", Code: "insufficient_scope", Category: "forbidden"}),
		{Op: "auth", Transport: "rest", Auth: "oauth", ClientAddr: "198.51.100.1", CorrelationID: "c3", Outcome: "invalid_token",
			Code: "invalid_token", Category: "unauthorized"},
		{Op: "auth", Subject: "key:zz99", Transport: "mcp-http", Auth: "api_key", ClientAddr: "198.51.100.2", Outcome: "unauthenticated",
			Code: "unauthenticated", Category: "unauthorized"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}

// A plugin's audit note (cancel_invoice's reason) is kept in the call's
// record, bounded, whether the tool succeeded or not.
func TestAuditNote(t *testing.T) {
	long := strings.Repeat("æ", 600) // 1,200 bytes
	for _, c := range []struct {
		name, note, want string
		isError          bool
	}{
		{"kept", "reason: oprettet to gange", "reason: oprettet to gange", false},
		{"kept on a tool error", "reason: igen", "reason: igen", true},
		{"bounded on a rune", long, strings.Repeat("æ", 512) + "…", false},
		{"none", "", "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			sink := &collector{}
			inv := &fakeInvoker{tool: func(context.Context, string, *pluginv1.CallToolRequest) (*pluginv1.CallToolResponse, error) {
				return &pluginv1.CallToolResponse{IsError: c.isError, AuditNote: c.note}, nil
			}}
			d := newDispatcher(t, inv, func(o *dispatch.Options) { o.Audit = sink })
			_, _ = d.Do(context.Background(), &dispatch.Op{Kind: dispatch.CallTool, Name: "open", Caller: local})
			if len(sink.records) != 1 || sink.records[0].Note != c.want {
				t.Errorf("records %+v, want one with note %q", sink.records, c.want)
			}
		})
	}
}
