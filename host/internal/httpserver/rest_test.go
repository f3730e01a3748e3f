package httpserver

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/mcpserver"
	"github.com/billy-mcp/billy-mcp/host/internal/pluginhost"
	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/billy-mcp/billy-mcp/host/internal/schema"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/go-hclog"
)

// toolInvoker serves the test tools in-process:
//   - echo: returns its arguments as structured content
//   - fail: an isError result with the error model embedded
//   - text: one text item holding JSON
//   - plain: one text item that is not JSON
type toolInvoker struct{}

func (toolInvoker) CallTool(_ context.Context, _ string, req *pluginv1.CallToolRequest) (*pluginv1.CallToolResponse, error) {
	text := func(s string) []*pluginv1.Content {
		return []*pluginv1.Content{{Kind: &pluginv1.Content_Text{Text: &pluginv1.TextContent{Text: s}}}}
	}
	switch req.Name {
	case "echo":
		return &pluginv1.CallToolResponse{StructuredContentJson: req.ArgumentsJson, Content: text(req.ArgumentsJson)}, nil
	case "fail":
		// A tool's failure, as the plugin manager hands it over.
		return nil, errmodel.New(errmodel.Conflict, "already_paid", "the invoice is paid")
	case "text":
		return &pluginv1.CallToolResponse{Content: text(`{"n":1}`)}, nil
	case "plain":
		return &pluginv1.CallToolResponse{IsError: strings.Contains(req.ArgumentsJson, "oops"), Content: text("hello")}, nil
	}
	return nil, nil
}

func (toolInvoker) ReadResource(context.Context, string, *pluginv1.ReadResourceRequest) (*pluginv1.ReadResourceResponse, error) {
	return &pluginv1.ReadResourceResponse{}, nil
}

func (toolInvoker) GetPrompt(context.Context, string, *pluginv1.GetPromptRequest) (*pluginv1.GetPromptResponse, error) {
	return &pluginv1.GetPromptResponse{}, nil
}

type fakePlugins struct {
	ready    bool
	statuses []pluginhost.Status
}

func (f fakePlugins) Ready() bool                   { return f.ready }
func (f fakePlugins) Statuses() []pluginhost.Status { return f.statuses }

const echoSchema = `{"type":"object","properties":{"name":{"type":"string"}},"additionalProperties":false}`

func testRegistry(t *testing.T) *registry.Registry {
	t.Helper()
	compile := func(name, doc string) *schema.Schema {
		s, err := schema.Compile(name, []byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	obj := `{"type":"object"}`
	reg := registry.New()
	tool := func(name, doc string) *registry.Tool {
		return &registry.Tool{Name: name, Description: name + " tool", Category: "test", InputSchema: json.RawMessage(doc), Input: compile(name, doc)}
	}
	if err := reg.Register("books", &registry.Catalog{Tools: []*registry.Tool{
		tool("echo", echoSchema), tool("fail", obj), tool("text", obj), tool("plain", obj),
	}}); err != nil {
		t.Fatal(err)
	}
	if err := reg.Register("down", &registry.Catalog{Tools: []*registry.Tool{tool("sleepy", obj)}}); err != nil {
		t.Fatal(err)
	}
	reg.SetAvailable("down", false)
	return reg
}

func testHandler(t *testing.T, mod func(*Options)) http.Handler {
	t.Helper()
	reg := testRegistry(t)
	d := dispatch.New(dispatch.Options{Registry: reg, Invoker: toolInvoker{}})
	m := mcpserver.New(mcpserver.Options{Name: "test", Version: "0", Registry: reg, Dispatcher: d})
	o := Options{Addr: "127.0.0.1:0", MaxBatch: 3, MaxBodyBytes: 4096, MCP: m, Registry: reg, Dispatcher: d,
		Plugins: fakePlugins{ready: true}, Logger: hclog.NewNullLogger(), Version: "1.2.3", Mode: "sandbox"}
	if mod != nil {
		mod(&o)
	}
	return Handler(o)
}

// do sends a request to h and decodes the JSON answer.
func do(t *testing.T, h http.Handler, method, path, body string, hdr ...string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, "http://localhost:8080"+path, strings.NewReader(body))
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("%s %s: body is not a JSON object: %q", method, path, rec.Body.String())
	}
	if rec.Header().Get("X-Correlation-ID") == "" {
		t.Errorf("%s %s: no X-Correlation-ID echoed", method, path)
	}
	return rec.Code, m
}

// pick reads a dotted path ("error.code", "data.results.0.tool") from a
// decoded body.
func pick(m any, path string) any {
	for _, k := range strings.Split(path, ".") {
		switch v := m.(type) {
		case map[string]any:
			m = v[k]
		case []any:
			i := 0
			for _, c := range k {
				i = i*10 + int(c-'0')
			}
			if i >= len(v) {
				return nil
			}
			m = v[i]
		default:
			return nil
		}
	}
	return m
}

var ignoreVolatile = cmpopts.IgnoreMapEntries(func(k string, _ any) bool {
	return k == "executionTime" || k == "correlationId"
})

func TestCallToolBodies(t *testing.T) {
	h := testHandler(t, nil)
	tests := []struct {
		name, path, body string
		status           int
		want             map[string]any
	}{
		{name: "wrapped arguments", path: "/api/v1/tools/echo", body: `{"arguments":{"name":"Ada"}}`, status: 200,
			want: map[string]any{"success": true, "data": map[string]any{"name": "Ada"}}},
		{name: "bare arguments", path: "/api/v1/tools/echo", body: `{"name":"Ada"}`, status: 200,
			want: map[string]any{"success": true, "data": map[string]any{"name": "Ada"}}},
		{name: "empty body", path: "/api/v1/tools/echo", body: ``, status: 200,
			want: map[string]any{"success": true, "data": map[string]any{}}},
		{name: "JSON text becomes data", path: "/api/v1/tools/text", body: `{}`, status: 200,
			want: map[string]any{"success": true, "data": map[string]any{"n": 1.0}}},
		{name: "plain text becomes content", path: "/api/v1/tools/plain", body: `{}`, status: 200,
			want: map[string]any{"success": true, "content": []any{map[string]any{"type": "text", "text": "hello"}}}},
		{name: "isError without the error model", path: "/api/v1/tools/plain", body: `{"oops":1}`, status: 422,
			want: map[string]any{"success": false, "content": []any{map[string]any{"type": "text", "text": "hello"}}}},
		{name: "a tool failure in the error model", path: "/api/v1/tools/fail", body: `{}`, status: 409,
			want: map[string]any{"success": false,
				"error": map[string]any{"code": "already_paid", "category": "conflict", "message": "the invoice is paid", "retryable": false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, got := do(t, h, http.MethodPost, tt.path, tt.body)
			if status != tt.status {
				t.Errorf("status %d, want %d", status, tt.status)
			}
			if _, ok := got["executionTime"]; !ok {
				t.Error("no executionTime")
			}
			if diff := cmp.Diff(tt.want, got, ignoreVolatile); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCallToolErrors(t *testing.T) {
	h := testHandler(t, func(o *Options) { o.MaxBodyBytes = 64 })
	type res struct {
		Status   int
		Code     string
		Category string
		Fields   any
	}
	tests := []struct {
		name, path, body string
		want             res
	}{
		{"invalid JSON", "/api/v1/tools/echo", `{"name":`, res{400, "invalid_arguments", "validation",
			[]any{map[string]any{"field": "body", "message": "must be a JSON object"}}}},
		{"array body", "/api/v1/tools/echo", `[1]`, res{400, "invalid_arguments", "validation",
			[]any{map[string]any{"field": "body", "message": "must be a JSON object"}}}},
		{"null body", "/api/v1/tools/echo", `null`, res{400, "invalid_arguments", "validation",
			[]any{map[string]any{"field": "arguments", "message": "must be a JSON object, got null"}}}},
		{"wrapped non-object", "/api/v1/tools/echo", `{"arguments":[1]}`, res{400, "invalid_arguments", "validation",
			[]any{map[string]any{"field": "arguments", "message": "must be a JSON object, got an array"}}}},
		{"schema violation", "/api/v1/tools/echo", `{"name":5}`, res{400, "invalid_arguments", "validation",
			[]any{map[string]any{"field": "name", "message": "got number, want string"}}}},
		{"too large", "/api/v1/tools/echo", `{"name":"` + strings.Repeat("x", 100) + `"}`, res{400, "body_too_large", "validation", nil}},
		{"unknown tool", "/api/v1/tools/nope", `{}`, res{404, "tool_not_found", "not_found", nil}},
		{"unavailable plugin", "/api/v1/tools/sleepy", `{}`, res{503, "plugin_unavailable", "upstream_unavailable", nil}},
		{"v1 call without tool", "/api/v1/call", `{"arguments":{}}`, res{400, "invalid_arguments", "validation",
			[]any{map[string]any{"field": "tool", "message": "is required"}}}},
		{"v1 call not JSON", "/api/v1/call", `tool=echo`, res{400, "invalid_arguments", "validation",
			[]any{map[string]any{"field": "tool", "message": "is required"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := do(t, h, http.MethodPost, tt.path, tt.body)
			got := res{Status: status, Code: str(pick(body, "error.code")), Category: str(pick(body, "error.category")), Fields: pick(body, "error.fields")}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s\nbody: %v", diff, body)
			}
			if body["success"] != false {
				t.Errorf("success = %v", body["success"])
			}
		})
	}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func TestUnknownToolListsAvailable(t *testing.T) {
	h := testHandler(t, nil)
	_, body := do(t, h, http.MethodPost, "/api/v1/tools/nope", `{}`)
	// The unavailable plugin's tool is left out.
	if diff := cmp.Diff([]any{"echo", "fail", "plain", "text"}, body["availableTools"]); diff != "" {
		t.Errorf("availableTools (-want +got):\n%s", diff)
	}
	if pick(body, "error.correlationId") == nil || body["correlationId"] != pick(body, "error.correlationId") {
		t.Errorf("correlation IDs: %v / %v", body["correlationId"], pick(body, "error.correlationId"))
	}
}

func TestCallV1(t *testing.T) {
	h := testHandler(t, nil)
	status, body := do(t, h, http.MethodPost, "/api/v1/call", `{"tool":"echo","arguments":{"name":"Bo"}}`)
	if diff := cmp.Diff(map[string]any{"success": true, "data": map[string]any{"name": "Bo"}}, body, ignoreVolatile); status != 200 || diff != "" {
		t.Errorf("status %d (-want +got):\n%s", status, diff)
	}
	// arguments may be left out.
	status, body = do(t, h, http.MethodPost, "/api/v1/call", `{"tool":"echo"}`)
	if diff := cmp.Diff(map[string]any{"success": true, "data": map[string]any{}}, body, ignoreVolatile); status != 200 || diff != "" {
		t.Errorf("status %d (-want +got):\n%s", status, diff)
	}
}

func TestBatchValidation(t *testing.T) {
	h := testHandler(t, nil)
	tests := []struct {
		name, body string
		fields     any
	}{
		{"no tools", `{"tools":[]}`, []any{map[string]any{"field": "tools", "message": "must hold between 1 and 3 entries, got 0"}}},
		{"tools missing", `{}`, []any{map[string]any{"field": "tools", "message": "must hold between 1 and 3 entries, got 0"}}},
		{"too many", `{"tools":[{"tool":"echo"},{"tool":"echo"},{"tool":"echo"},{"tool":"echo"}]}`,
			[]any{map[string]any{"field": "tools", "message": "must hold between 1 and 3 entries, got 4"}}},
		{"entries without a tool", `{"tools":[{"tool":"echo"},{"arguments":{}},{"tool":""}]}`, []any{
			map[string]any{"field": "tools[1].tool", "message": "is required"},
			map[string]any{"field": "tools[2].tool", "message": "is required"}}},
		{"not JSON", `{"tools":`, []any{map[string]any{"field": "tools", "message": "must be an array of {tool, arguments}"}}},
		{"tools not an array", `{"tools":{"tool":"echo"}}`, []any{map[string]any{"field": "tools", "message": "must be an array of {tool, arguments}"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := do(t, h, http.MethodPost, "/api/v1/tools/batch", tt.body)
			if status != 400 || pick(body, "error.code") != "invalid_arguments" {
				t.Errorf("status %d, body %v", status, body)
			}
			if diff := cmp.Diff(tt.fields, pick(body, "error.fields")); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBatchRuns(t *testing.T) {
	h := testHandler(t, nil)
	status, body := do(t, h, http.MethodPost, "/api/v1/tools/batch",
		`{"tools":[{"tool":"echo","arguments":{"name":"A"}},{"tool":"nope"},{"tool":"echo"}]}`, "X-Correlation-ID", "batch-1")
	if status != 200 {
		t.Fatalf("status %d: %v", status, body)
	}
	type row struct {
		Tool    string
		Success bool
		Code    string
	}
	var rows []row
	results, _ := pick(body, "data.results").([]any)
	for _, r := range results {
		rows = append(rows, row{Tool: str(pick(r, "tool")), Success: pick(r, "success") == true, Code: str(pick(r, "error.code"))})
		if pick(r, "correlationId") != "batch-1" {
			t.Errorf("entry correlation %v", pick(r, "correlationId"))
		}
	}
	want := []row{{"echo", true, ""}, {"nope", false, "tool_not_found"}, {"echo", true, ""}}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	counts := []any{body["success"], pick(body, "data.total"), pick(body, "data.successful"), pick(body, "data.failed")}
	if diff := cmp.Diff([]any{false, 3.0, 2.0, 1.0}, counts); diff != "" {
		t.Errorf("success/total/successful/failed (-want +got):\n%s", diff)
	}
	if pick(body, "data.results.2.data") == nil {
		t.Error("an entry without arguments did not run with {}")
	}
}

func TestListTools(t *testing.T) {
	h := testHandler(t, nil)
	status, body := do(t, h, http.MethodGet, "/api/v1/tools", "")
	var names []string
	tools, _ := pick(body, "data.tools").([]any)
	for _, x := range tools {
		names = append(names, str(pick(x, "name")))
	}
	if diff := cmp.Diff([]string{"echo", "fail", "plain", "text"}, names); status != 200 || diff != "" {
		t.Errorf("status %d; names (-want +got):\n%s", status, diff)
	}
	want := map[string]any{"name": "echo", "description": "echo tool", "category": "test",
		"inputSchema": map[string]any{"type": "object", "properties": map[string]any{"name": map[string]any{"type": "string"}}, "additionalProperties": false},
		"annotations": map[string]any{"ReadOnly": nil, "Destructive": nil, "Idempotent": nil, "OpenWorld": nil}}
	if diff := cmp.Diff(want, tools[0]); diff != "" {
		t.Errorf("echo (-want +got):\n%s", diff)
	}
	if pick(body, "data.total") != 4.0 || body["success"] != true {
		t.Errorf("body %v", body)
	}
}

func TestAuthOnRoutes(t *testing.T) {
	h := testHandler(t, func(o *Options) { o.Auth = Authenticator{Keys: []string{"k"}} })
	tests := []struct {
		method, path string
		hdr          []string
		status       int
	}{
		{"GET", "/api/v1/tools", nil, 401},
		{"POST", "/api/v1/tools/echo", nil, 401},
		{"POST", "/api/v1/tools/batch", nil, 401},
		{"GET", "/api/v1/tools", []string{"Authorization", "Bearer k"}, 200},
		{"GET", "/api/v1/tools?apiKey=k", nil, 200},
		{"GET", "/health/live", nil, 200},
		{"GET", "/health/ready", nil, 200},
		{"GET", "/health", nil, 200},
	}
	for _, tt := range tests {
		status, body := do(t, h, tt.method, tt.path, "", tt.hdr...)
		if status != tt.status {
			t.Errorf("%s %s: status %d, want %d: %v", tt.method, tt.path, status, tt.status, body)
		}
	}
	// MCP is refused before mcp-go sees the request.
	req := httptest.NewRequest("POST", "http://localhost:8080/mcp", strings.NewReader(`{}`))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 401 || rec.Header().Get("WWW-Authenticate") == "" {
		t.Errorf("/mcp without a key: %d %q", rec.Code, rec.Body.String())
	}
}

func TestHandlerHostGuard(t *testing.T) {
	h := testHandler(t, nil)
	req := httptest.NewRequest("GET", "http://evil.example/health/live", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 403 || !strings.Contains(rec.Body.String(), "host_not_allowed") {
		t.Errorf("%d %s", rec.Code, rec.Body.String())
	}
}

func TestHealth(t *testing.T) {
	since := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	statuses := []pluginhost.Status{
		{Name: "hello", State: pluginhost.StateReady, Version: "1.0.0", PID: 42, Tools: 2, Since: since},
		{Name: "invoices", State: pluginhost.StateRestarting, Restarts: 3, Tools: 5, Since: since, LastError: "exit status 2"},
		{Name: "moms", State: pluginhost.StateFailed, Since: since, LastError: "checksum mismatch"},
	}
	ignore := cmpopts.IgnoreMapEntries(func(k string, _ any) bool { return k == "uptimeSeconds" })
	plugin := func(name, state, version string, pid, restarts, tools float64, lastErr string) map[string]any {
		m := map[string]any{"name": name, "state": state, "restarts": restarts, "tools": tools, "since": "2026-01-02T03:04:05Z"}
		if version != "" {
			m["version"] = version
		}
		if pid != 0 {
			m["pid"] = pid
		}
		if lastErr != "" {
			m["lastError"] = lastErr
		}
		return m
	}
	tests := []struct {
		name   string
		p      fakePlugins
		path   string
		status int
		want   map[string]any
	}{
		{"live", fakePlugins{}, "/health/live", 200, map[string]any{"status": "live"}},
		{"ready", fakePlugins{ready: true, statuses: statuses[:1]}, "/health/ready", 200, map[string]any{"status": "ready"}},
		{"not ready", fakePlugins{statuses: statuses}, "/health/ready", 503, map[string]any{"status": "not_ready", "plugins": []any{
			map[string]any{"name": "invoices", "state": "restarting", "lastError": "exit status 2"},
			map[string]any{"name": "moms", "state": "failed", "lastError": "checksum mismatch"},
		}}},
		{"detail ok", fakePlugins{ready: true, statuses: statuses[:1]}, "/health", 200, map[string]any{
			"status": "ok", "version": "1.2.3", "mode": "sandbox", "tools": 2.0,
			"plugins": []any{plugin("hello", "ready", "1.0.0", 42, 0, 2, "")}}},
		{"detail degraded", fakePlugins{statuses: statuses}, "/health", 200, map[string]any{
			"status": "degraded", "version": "1.2.3", "mode": "sandbox", "tools": 7.0,
			"plugins": []any{
				plugin("hello", "ready", "1.0.0", 42, 0, 2, ""),
				plugin("invoices", "restarting", "", 0, 3, 5, "exit status 2"),
				plugin("moms", "failed", "", 0, 0, 0, "checksum mismatch"),
			}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := testHandler(t, func(o *Options) { o.Plugins = tt.p })
			status, body := do(t, h, http.MethodGet, tt.path, "")
			if status != tt.status {
				t.Errorf("status %d, want %d", status, tt.status)
			}
			if diff := cmp.Diff(tt.want, body, ignore); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}
