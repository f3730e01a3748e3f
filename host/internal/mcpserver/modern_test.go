package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/billy-mcp/billy-mcp/host/internal/tasks"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/google/go-cmp/cmp"
)

// These tests speak MCP 2026-07-28 over HTTP to the real handler, with
// tools scripted in place of plugins: a script gets the call's client as
// host services do (through the dispatcher) and asks, reports and answers
// as a plugin would.

type script func(ctx context.Context, c dispatch.Client, args json.RawMessage) (*pluginv1.CallToolResponse, error)

type scriptedInvoker struct {
	d       *dispatch.Dispatcher
	scripts map[string]script
}

func (i *scriptedInvoker) CallTool(ctx context.Context, plugin string, req *pluginv1.CallToolRequest) (*pluginv1.CallToolResponse, error) {
	call, ok := i.d.Lookup(plugin, req.Context.CallId)
	if !ok {
		return nil, errmodel.New(errmodel.Internal, "not_in_flight", "the call is not in flight")
	}
	return i.scripts[req.Name](ctx, call.Op.Client, json.RawMessage(req.ArgumentsJson))
}

func (*scriptedInvoker) ReadResource(context.Context, string, *pluginv1.ReadResourceRequest) (*pluginv1.ReadResourceResponse, error) {
	return &pluginv1.ReadResourceResponse{}, nil
}

func (*scriptedInvoker) GetPrompt(context.Context, string, *pluginv1.GetPromptRequest) (*pluginv1.GetPromptResponse, error) {
	return &pluginv1.GetPromptResponse{}, nil
}

func textResponse(s string) *pluginv1.CallToolResponse {
	return &pluginv1.CallToolResponse{Content: []*pluginv1.Content{{Kind: &pluginv1.Content_Text{Text: &pluginv1.TextContent{Text: s}}}}}
}

// ask asks as hostsvc.Ask does: capabilities first.
func ask(ctx context.Context, c dispatch.Client, q *pluginv1.Question) (*pluginv1.Answer, error) {
	switch q.Kind.(type) {
	case *pluginv1.Question_Elicit:
		if !c.CanElicit() {
			return nil, errmodel.ClientCapabilityMissing("elicitation")
		}
	case *pluginv1.Question_Sample:
		if !c.CanSample() {
			return nil, errmodel.ClientCapabilityMissing("sampling")
		}
	}
	answers, err := c.Ask(ctx, []*pluginv1.Question{q})
	if err != nil {
		return nil, err
	}
	return answers[0], nil
}

var confirmQ = &pluginv1.Question{Key: "confirm", Kind: &pluginv1.Question_Elicit{Elicit: &pluginv1.ElicitQuestion{
	Message: "Go on?", RequestedSchemaJson: `{"type":"object"}`}}}

// rig is one host instance's MCP handler over a task store it may share.
type rig struct {
	srv     *httptest.Server
	d       *dispatch.Dispatcher
	release chan struct{} // lets "long" finish
	mu      sync.Mutex
	stopped int // "long" runs that saw their context end
}

func newRig(t *testing.T, store tasks.Store) *rig {
	t.Helper()
	r := &rig{release: make(chan struct{})}
	readOnly := true
	taskTool := func(name, support string) *registry.Tool {
		tl := tool(name)
		tl.Task, tl.Annotations.ReadOnly = support, &readOnly
		return tl
	}
	reg := registry.New()
	if err := reg.Register("p", &registry.Catalog{Tools: []*registry.Tool{
		tool("ask"), tool("sample"), taskTool("long", registry.TaskOptional), taskTool("confirm", registry.TaskOptional),
		taskTool("required", registry.TaskRequired),
	}}); err != nil {
		t.Fatal(err)
	}
	inv := &scriptedInvoker{scripts: map[string]script{
		"ask": func(ctx context.Context, c dispatch.Client, _ json.RawMessage) (*pluginv1.CallToolResponse, error) {
			a, err := ask(ctx, c, confirmQ)
			if err != nil {
				return nil, err
			}
			return textResponse("answered " + a.GetElicit().Action), nil
		},
		"sample": func(ctx context.Context, c dispatch.Client, _ json.RawMessage) (*pluginv1.CallToolResponse, error) {
			a, err := ask(ctx, c, &pluginv1.Question{Kind: &pluginv1.Question_Sample{Sample: &pluginv1.SampleQuestion{MaxTokens: 5}}})
			if err != nil {
				return nil, err
			}
			return textResponse(a.GetSample().Text), nil
		},
		"long": func(ctx context.Context, c dispatch.Client, _ json.RawMessage) (*pluginv1.CallToolResponse, error) {
			_ = c.Progress(ctx, 1, 2, "halfway")
			select {
			case <-r.release:
				return textResponse("long work done"), nil
			case <-ctx.Done():
				r.mu.Lock()
				r.stopped++
				r.mu.Unlock()
				return nil, ctx.Err()
			}
		},
		"confirm": func(ctx context.Context, c dispatch.Client, _ json.RawMessage) (*pluginv1.CallToolResponse, error) {
			a, err := ask(ctx, c, confirmQ)
			if err != nil {
				return nil, err
			}
			return textResponse("confirmed: " + a.GetElicit().ContentJson), nil
		},
		"required": func(context.Context, dispatch.Client, json.RawMessage) (*pluginv1.CallToolResponse, error) {
			return textResponse("ran"), nil
		},
	}}
	d := dispatch.New(dispatch.Options{Registry: reg, Invoker: inv})
	inv.d, r.d = d, d
	s := New(Options{Name: "test", Version: "0", Registry: reg, Dispatcher: d, Tasks: store,
		StateKey: []byte("0123456789abcdef0123456789abcdef")})
	t.Cleanup(s.Close)
	h := s.HTTPHandler()
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		caller := dispatch.Caller{Subject: req.Header.Get("X-Test-Subject"), OrganizationID: "org-1", Scopes: []string{"*"}, Transport: "mcp-http"}
		if caller.Subject == "" {
			caller.Subject = "key:alice"
		}
		h.ServeHTTP(w, req.WithContext(dispatch.WithCaller(req.Context(), caller)))
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// call is one 2026-07-28 request.
type call struct {
	method  string
	params  map[string]any
	caps    map[string]any // the request's client capabilities
	headers map[string]string
	legacy  bool // no 2026-07-28 _meta (a handshake-era request)
}

var withTasks = map[string]any{"elicitation": map[string]any{}, "extensions": map[string]any{taskExtension: map[string]any{}}}

func (r *rig) do(t *testing.T, c call) (int, map[string]any) {
	t.Helper()
	params := map[string]any{}
	for k, v := range c.params {
		params[k] = v
	}
	caps := c.caps
	if caps == nil {
		caps = map[string]any{}
	}
	if !c.legacy {
		params["_meta"] = map[string]any{"io.modelcontextprotocol/protocolVersion": "2026-07-28",
			"io.modelcontextprotocol/clientCapabilities": caps}
	}
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 9, "method": c.method, "params": params})
	req, _ := http.NewRequest(http.MethodPost, r.srv.URL+"/mcp", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("MCP-Protocol-Version", "2026-07-28")
	req.Header.Set("Mcp-Method", c.method)
	for _, k := range []string{"name", "taskId"} {
		if v, ok := c.params[k].(string); ok {
			req.Header.Set("Mcp-Name", v)
		}
	}
	for k, v := range c.headers {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw bytes.Buffer
	_, _ = raw.ReadFrom(resp.Body)
	text := raw.String()
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		// The response is the stream's last event.
		i := strings.LastIndex(text, "data: ")
		text = strings.TrimSpace(text[i+len("data: "):])
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(text), &out); err != nil {
		t.Fatalf("%s: not JSON: %q", c.method, raw.String())
	}
	if out["id"] != 9.0 {
		t.Errorf("%s: response id %v", c.method, out["id"])
	}
	return resp.StatusCode, out
}

// ok makes a request that must succeed and returns its result.
func (r *rig) ok(t *testing.T, c call) map[string]any {
	t.Helper()
	status, out := r.do(t, c)
	res, ok := out["result"].(map[string]any)
	if status != http.StatusOK || !ok {
		t.Fatalf("status %d, response %v", status, out)
	}
	return res
}

func rpcErrorOf(out map[string]any) (float64, map[string]any) {
	e, _ := out["error"].(map[string]any)
	code, _ := e["code"].(float64)
	data, _ := e["data"].(map[string]any)
	return code, data
}

func toolCall(name string) map[string]any {
	return map[string]any{"name": name, "arguments": map[string]any{}}
}

func taskCall(method, id string) call {
	return call{method: method, params: map[string]any{"taskId": id}, caps: withTasks}
}

// waitFor polls tasks/get until the task's status is want.
func (r *rig) waitFor(t *testing.T, id, want string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := r.ok(t, taskCall("tasks/get", id))
		if got["status"] == want || time.Now().After(deadline) {
			if got["status"] != want {
				t.Fatalf("task %s is %v, want %s: %v", id, got["status"], want, got)
			}
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRoundTripOverHTTP(t *testing.T) {
	r := newRig(t, tasks.NewMemory())
	elicit := map[string]any{"elicitation": map[string]any{}}
	first := r.ok(t, call{method: "tools/call", params: toolCall("ask"), caps: elicit})
	if first["resultType"] != "input_required" || first["inputRequests"].(map[string]any)["confirm"] == nil {
		t.Fatalf("first round: %v", first)
	}
	state := first["requestState"].(string)
	answered := toolCall("ask")
	answered["requestState"] = state
	answered["inputResponses"] = map[string]any{"confirm": map[string]any{"action": "accept"}}
	second := r.ok(t, call{method: "tools/call", params: answered, caps: elicit})
	if second["resultType"] != "complete" || second["content"].([]any)[0].(map[string]any)["text"] != "answered accept" {
		t.Errorf("second round: %v", second)
	}

	tests := []struct {
		name       string
		c          call
		wantStatus int
		wantCode   float64
		wantData   string // a JSON member of the error's data
	}{
		{"a tampered state is invalid params", call{method: "tools/call", caps: elicit, params: map[string]any{
			"name": "ask", "arguments": map[string]any{}, "requestState": state + "-TAMPERED",
			"inputResponses": map[string]any{"confirm": map[string]any{"action": "accept"}}}}, 400, -32602, `"requestState"`},
		{"another caller's state is invalid params", call{method: "tools/call", caps: elicit, headers: map[string]string{"X-Test-Subject": "key:bob"},
			params: answered}, 400, -32602, `another caller`},
		{"a malformed answer is invalid params", call{method: "tools/call", caps: elicit, params: map[string]any{
			"name": "ask", "arguments": map[string]any{}, "inputResponses": map[string]any{"confirm": 12345}}}, 400, -32602, `inputResponses.confirm`},
		{"a capability the client lacks is -32021, named", call{method: "tools/call", params: toolCall("sample")},
			400, -32021, `"requiredCapabilities":{"sampling":{}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := r.do(t, tt.c)
			code, data := rpcErrorOf(out)
			b, _ := json.Marshal(data)
			if status != tt.wantStatus || code != tt.wantCode || !strings.Contains(string(b), tt.wantData) {
				t.Errorf("status %d, code %v, data %s; want %d, %v, data with %s", status, code, b, tt.wantStatus, tt.wantCode, tt.wantData)
			}
		})
	}
}

func TestTaskLifecycleOverHTTP(t *testing.T) {
	r := newRig(t, tasks.NewMemory())
	created := r.ok(t, call{method: "tools/call", params: toolCall("long"), caps: withTasks})
	id, _ := created["taskId"].(string)
	for _, k := range []string{"content", "requestState", "result", "task"} {
		if _, ok := created[k]; ok {
			t.Errorf("CreateTaskResult carries %s: %v", k, created)
		}
	}
	if created["resultType"] != "task" || id == "" || created["status"] != "working" || created["ttlMs"] != 3600000.0 {
		t.Fatalf("create: %v", created)
	}
	working := r.waitFor(t, id, "working")
	if working["resultType"] != "complete" {
		t.Errorf("tasks/get: %v", working)
	}
	close(r.release)
	done := r.waitFor(t, id, "completed")
	content := done["result"].(map[string]any)["content"].([]any)
	if content[0].(map[string]any)["text"] != "long work done" {
		t.Errorf("result: %v", done["result"])
	}

	// Without the extension on the request, the same tool answers at once.
	sync := r.ok(t, call{method: "tools/call", params: toolCall("long")})
	if sync["resultType"] != "complete" || sync["taskId"] != nil {
		t.Errorf("without the extension: %v", sync)
	}
	// A tool that runs only as a task refuses such a client.
	status, out := r.do(t, call{method: "tools/call", params: toolCall("required")})
	code, data := rpcErrorOf(out)
	b, _ := json.Marshal(data["requiredCapabilities"])
	if status != 400 || code != -32021 || string(b) != `{"extensions":{"io.modelcontextprotocol/tasks":{}}}` {
		t.Errorf("required task without the extension: %d %v %s", status, code, b)
	}
}

func TestTaskCancelOverHTTP(t *testing.T) {
	r := newRig(t, tasks.NewMemory())
	id := r.ok(t, call{method: "tools/call", params: toolCall("long"), caps: withTasks})["taskId"].(string)
	ack := r.ok(t, taskCall("tasks/cancel", id))
	if diff := cmp.Diff([]string{"_meta", "resultType"}, keysOfMap(ack)); diff != "" {
		t.Errorf("cancel ack members (-want +got):\n%s", diff)
	}
	got := r.waitFor(t, id, "cancelled")
	if got["result"] != nil || got["error"] != nil {
		t.Errorf("a cancelled task: %v", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		r.mu.Lock()
		stopped := r.stopped
		r.mu.Unlock()
		if stopped == 1 || time.Now().After(deadline) {
			if stopped != 1 {
				t.Error("the run did not stop")
			}
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Cancelling an ended task is acknowledged all the same.
	r.ok(t, taskCall("tasks/cancel", id))
}

func TestTaskInputOverHTTP(t *testing.T) {
	r := newRig(t, tasks.NewMemory())
	id := r.ok(t, call{method: "tools/call", params: toolCall("confirm"), caps: withTasks})["taskId"].(string)
	waiting := r.waitFor(t, id, "input_required")
	if waiting["inputRequests"].(map[string]any)["confirm"].(map[string]any)["method"] != "elicitation/create" {
		t.Fatalf("input_required task: %v", waiting)
	}
	// An answer to nothing asked is acknowledged and changes nothing.
	update := taskCall("tasks/update", id)
	update.params["inputResponses"] = map[string]any{"unknown-key": map[string]any{"ignored": true}}
	r.ok(t, update)
	r.waitFor(t, id, "input_required")
	// A wrong answer to what was asked is invalid params.
	update.params["inputResponses"] = map[string]any{"confirm": map[string]any{"action": "perhaps"}}
	if status, out := r.do(t, update); status != 400 {
		t.Errorf("a wrong answer: %d %v", status, out)
	}
	update.params["inputResponses"] = map[string]any{"confirm": map[string]any{"action": "accept", "content": map[string]any{"ok": true}}}
	r.ok(t, update)
	done := r.waitFor(t, id, "completed")
	if text := done["result"].(map[string]any)["content"].([]any)[0].(map[string]any)["text"]; text != `confirmed: {"ok":true}` {
		t.Errorf("result text %v", text)
	}
}

// TestTaskAcrossInstances: two instances share the store. A task started
// on one is seen, answered and collected on the other, and a caller who
// does not own it finds nothing.
func TestTaskAcrossInstances(t *testing.T) {
	store := tasks.NewMemory()
	a, b := newRig(t, store), newRig(t, store)
	id := a.ok(t, call{method: "tools/call", params: toolCall("confirm"), caps: withTasks})["taskId"].(string)
	b.waitFor(t, id, "input_required")
	update := taskCall("tasks/update", id)
	update.params["inputResponses"] = map[string]any{"confirm": map[string]any{"action": "accept", "content": map[string]any{"n": 1}}}
	b.ok(t, update)
	if text := a.waitFor(t, id, "completed")["result"].(map[string]any)["content"].([]any)[0].(map[string]any)["text"]; text != `confirmed: {"n":1}` {
		t.Errorf("result text %v", text)
	}
	bob := taskCall("tasks/get", id)
	bob.headers = map[string]string{"X-Test-Subject": "key:bob"}
	if status, out := b.do(t, bob); status != 400 {
		t.Errorf("another caller's task: %d %v", status, out)
	}
}

func TestTaskRequestsAreChecked(t *testing.T) {
	r := newRig(t, tasks.NewMemory())
	id := r.ok(t, call{method: "tools/call", params: toolCall("confirm"), caps: withTasks})["taskId"].(string)
	with := func(f func(*call)) call { c := taskCall("tasks/get", id); f(&c); return c }
	tests := []struct {
		name       string
		c          call
		wantStatus int
		wantCode   float64
	}{
		{"ok", with(func(*call) {}), 200, 0},
		{"no Mcp-Name", with(func(c *call) { c.headers = map[string]string{"Mcp-Name": ""} }), 400, -32020},
		{"another Mcp-Name", with(func(c *call) { c.headers = map[string]string{"Mcp-Name": "other"} }), 400, -32020},
		{"another Mcp-Method", with(func(c *call) { c.headers = map[string]string{"Mcp-Method": "tasks/cancel"} }), 400, -32020},
		{"another protocol version header", with(func(c *call) { c.headers = map[string]string{"MCP-Protocol-Version": "2025-11-25"} }), 400, -32020},
		{"no extension declared", with(func(c *call) { c.caps = map[string]any{} }), 400, -32021},
		{"an unknown task", taskCall("tasks/get", "nope"), 400, -32602},
		{"tasks/result is gone", with(func(c *call) { c.method = "tasks/result" }), 404, -32601},
		{"tasks/list is gone", call{method: "tasks/list", params: map[string]any{}, caps: withTasks}, 404, -32601},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := r.do(t, tt.c)
			code, _ := rpcErrorOf(out)
			if status != tt.wantStatus || code != tt.wantCode {
				t.Errorf("status %d code %v, want %d %v: %v", status, code, tt.wantStatus, tt.wantCode, out)
			}
		})
	}
}

func keysOfMap(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// The Tasks extension is offered to 2026-07-28 requests (server/discover),
// not in the handshake of 2025-11-25, whose sessions get no tasks.
func TestTasksExtensionIsOfferedToModernClients(t *testing.T) {
	r := newRig(t, tasks.NewMemory())
	extensions := func(res map[string]any) map[string]any {
		caps, _ := res["capabilities"].(map[string]any)
		ext, _ := caps["extensions"].(map[string]any)
		return ext
	}
	for round := 1; round <= 2; round++ {
		init := r.ok(t, call{method: "initialize", params: map[string]any{"protocolVersion": "2025-11-25",
			"capabilities": map[string]any{}, "clientInfo": map[string]any{"name": "old", "version": "1"}},
			headers: map[string]string{"MCP-Protocol-Version": "", "Mcp-Method": ""}, legacy: true})
		if ext := extensions(init); ext[taskExtension] != nil {
			t.Errorf("round %d: initialize offers the extension: %v", round, ext)
		}
		discover := r.ok(t, call{method: "server/discover", params: map[string]any{}})
		if ext := extensions(discover); ext[taskExtension] == nil {
			t.Errorf("round %d: server/discover does not offer the extension: %v", round, discover["capabilities"])
		}
	}
}

// A stopping instance starts no task and runs none again: a call is
// refused as any call is (retryably), and answers are sent back for the
// client to send to another instance; the task keeps waiting for them.
func TestDrainingInstanceTakesNoTask(t *testing.T) {
	r := newRig(t, tasks.NewMemory())
	id := r.ok(t, call{method: "tools/call", params: toolCall("confirm"), caps: withTasks})["taskId"].(string)
	r.waitFor(t, id, "input_required")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r.d.Drain(ctx)

	res := r.ok(t, call{method: "tools/call", params: toolCall("long"), caps: withTasks})
	if res["taskId"] != nil || res["isError"] != true || !strings.Contains(fmt.Sprint(res["content"]), "host_draining") {
		t.Errorf("a task call while draining: %v", res)
	}
	update := taskCall("tasks/update", id)
	update.params["inputResponses"] = map[string]any{"confirm": map[string]any{"action": "accept"}}
	_, out := r.do(t, update)
	if code, data := rpcErrorOf(out); code != -32603 || !strings.Contains(fmt.Sprint(data), "host_draining") {
		t.Errorf("tasks/update while draining: %v", out)
	}
	r.waitFor(t, id, "input_required")
}
