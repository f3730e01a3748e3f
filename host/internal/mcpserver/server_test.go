package mcpserver

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/google/go-cmp/cmp"
)

// recordingInvoker answers every tool call with its arguments and keeps the
// requests.
type recordingInvoker struct {
	mu   sync.Mutex
	reqs []*pluginv1.CallToolRequest
}

func (r *recordingInvoker) CallTool(_ context.Context, _ string, req *pluginv1.CallToolRequest) (*pluginv1.CallToolResponse, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
	return &pluginv1.CallToolResponse{StructuredContentJson: req.ArgumentsJson,
		Content: []*pluginv1.Content{{Kind: &pluginv1.Content_Text{Text: &pluginv1.TextContent{Text: req.ArgumentsJson}}}}}, nil
}

func (r *recordingInvoker) ReadResource(context.Context, string, *pluginv1.ReadResourceRequest) (*pluginv1.ReadResourceResponse, error) {
	return &pluginv1.ReadResourceResponse{}, nil
}

func (r *recordingInvoker) GetPrompt(context.Context, string, *pluginv1.GetPromptRequest) (*pluginv1.GetPromptResponse, error) {
	return &pluginv1.GetPromptResponse{}, nil
}

func newTestServer(t *testing.T, tools map[string][]*registry.Tool, down ...string) (*Server, *recordingInvoker) {
	t.Helper()
	reg := registry.New()
	for p, ts := range tools {
		if err := reg.Register(p, &registry.Catalog{Tools: ts}); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range down {
		reg.SetAvailable(p, false)
	}
	inv := &recordingInvoker{}
	d := dispatch.New(dispatch.Options{Registry: reg, Invoker: inv})
	return New(Options{Name: "test", Version: "0", Registry: reg, Dispatcher: d}), inv
}

// rpc sends one JSON-RPC request to the server and returns its result
// decoded generically.
func rpc(t *testing.T, s *Server, ctx context.Context, method string, params any) map[string]any {
	t.Helper()
	res, rpcErr := rpcRaw(t, s, ctx, method, params)
	if res == nil {
		t.Fatalf("%s: no result: %v", method, rpcErr)
	}
	return res
}

// rpcRaw returns the result or the JSON-RPC error object.
func rpcRaw(t *testing.T, s *Server, ctx context.Context, method string, params any) (map[string]any, map[string]any) {
	t.Helper()
	msg, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	resp := s.mcp.HandleMessage(ctx, msg)
	b, err := json.Marshal(resp)
	if err != nil {
		t.Fatalf("%s: response does not encode: %v", method, err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	res, _ := out["result"].(map[string]any)
	rpcErr, _ := out["error"].(map[string]any)
	return res, rpcErr
}

func tool(name string) *registry.Tool {
	return &registry.Tool{Name: name, Description: name, InputSchema: json.RawMessage(`{"type":"object"}`)}
}

func TestToolsListLeavesOutUnavailable(t *testing.T) {
	s, _ := newTestServer(t, map[string][]*registry.Tool{
		"books": {tool("b_one"), tool("a_two")},
		"down":  {tool("c_three")},
	}, "down")
	res := rpc(t, s, context.Background(), "tools/list", map[string]any{})
	var names []string
	for _, x := range res["tools"].([]any) {
		names = append(names, x.(map[string]any)["name"].(string))
	}
	if diff := cmp.Diff([]string{"a_two", "b_one"}, names); diff != "" {
		t.Errorf("tools (-want +got):\n%s", diff)
	}
}

func TestToolsCall(t *testing.T) {
	s, inv := newTestServer(t, map[string][]*registry.Tool{"books": {tool("echo")}, "down": {tool("sleepy")}}, "down")
	caller := dispatch.Caller{Subject: "key:1", OrganizationID: "org-1", Scopes: []string{"*"}, Transport: "mcp-http"}
	authed := dispatch.WithCorrelationID(dispatch.WithCaller(context.Background(), caller), "corr-7")

	tests := []struct {
		name   string
		ctx    context.Context
		params map[string]any
		want   map[string]any
	}{
		{"unauthenticated", context.Background(), map[string]any{"name": "echo"},
			map[string]any{"isError": true, "code": "unauthenticated"}},
		{"unavailable", authed, map[string]any{"name": "sleepy"},
			map[string]any{"isError": true, "code": "plugin_unavailable", "correlationId": "corr-7"}},
		{"ok", authed, map[string]any{"name": "echo", "arguments": map[string]any{"a": 1}},
			map[string]any{"structuredContent": map[string]any{"a": 1.0}}},
		{"ok without arguments", authed, map[string]any{"name": "echo"},
			map[string]any{"structuredContent": map[string]any{}}},
		{"null arguments are none (the Go SDK's nil map)", authed, map[string]any{"name": "echo", "arguments": nil},
			map[string]any{"structuredContent": map[string]any{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := rpc(t, s, tt.ctx, "tools/call", tt.params)
			got := map[string]any{}
			if res["isError"] == true {
				got["isError"] = true
				if res["structuredContent"] != nil {
					t.Errorf("an error result carries structured content, which clients validate against the output schema: %v", res["structuredContent"])
				}
				var body struct{ Error map[string]any }
				text := res["content"].([]any)[0].(map[string]any)["text"].(string)
				if err := json.Unmarshal([]byte(text), &body); err != nil || body.Error == nil {
					t.Fatalf("the error is not JSON in the text content: %q", text)
				}
				e := body.Error
				got["code"] = e["code"]
				if c, ok := e["correlationId"]; ok && tt.want["correlationId"] != nil {
					got["correlationId"] = c
				}
			} else {
				got["structuredContent"] = res["structuredContent"]
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	// mcp-go answers an unknown tool itself, as MCP asks: a JSON-RPC
	// invalid-params error, not a tool result.
	if res, rpcErr := rpcRaw(t, s, authed, "tools/call", map[string]any{"name": "nope"}); res != nil || rpcErr["code"] != -32602.0 {
		t.Errorf("unknown tool: result %v, error %v", res, rpcErr)
	}

	// The progress token and caller reach the plugin.
	inv.mu.Lock()
	inv.reqs = nil
	inv.mu.Unlock()
	rpc(t, s, authed, "tools/call", map[string]any{"name": "echo", "arguments": map[string]any{}, "_meta": map[string]any{"progressToken": "tok-1"}})
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if len(inv.reqs) != 1 {
		t.Fatalf("%d calls", len(inv.reqs))
	}
	c := inv.reqs[0].Context
	got := []string{c.ProgressTokenJson, c.CorrelationId, c.Caller.Subject, c.Caller.Transport}
	if diff := cmp.Diff([]string{`"tok-1"`, "corr-7", "key:1", "mcp-http"}, got); diff != "" {
		t.Errorf("call context (-want +got):\n%s", diff)
	}
}
