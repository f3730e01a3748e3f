package rest

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/billy-mcp/billy-mcp/host/internal/schema"
	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
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

// testHandler is the REST API as the HTTP middleware hands requests to it:
// with an authenticated caller and a correlation ID in the context, and
// bodies limited to maxBody bytes.
func testHandler(t *testing.T, maxBody int64) http.Handler {
	t.Helper()
	reg := testRegistry(t)
	d := dispatch.New(dispatch.Options{Registry: reg, Invoker: toolInvoker{}})
	h := Handler(Options{Registry: reg, Dispatcher: d, MaxBatch: 3})
	caller := dispatch.Caller{Subject: "key:test", OrganizationID: "org-1", Scopes: []string{"*"}, Transport: "rest"}
	return http.MaxBytesHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Correlation-ID") // as the middleware takes it
		if id == "" {
			id = "corr-test"
		}
		ctx := dispatch.WithCorrelationID(dispatch.WithCaller(r.Context(), caller), id)
		h.ServeHTTP(w, r.WithContext(ctx))
	}), maxBody)
}

var ignoreVolatile = cmpopts.IgnoreMapEntries(func(k string, _ any) bool {
	return k == "executionTime" || k == "correlationId"
})

func TestCallToolBodies(t *testing.T) {
	h := testHandler(t, 4096)
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
			status, got := testkit.Do(t, h, http.MethodPost, tt.path, tt.body)
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
	h := testHandler(t, 64)
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
			status, body := testkit.Do(t, h, http.MethodPost, tt.path, tt.body)
			got := res{Status: status, Code: str(testkit.Pick(body, "error.code")), Category: str(testkit.Pick(body, "error.category")), Fields: testkit.Pick(body, "error.fields")}
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
	h := testHandler(t, 4096)
	_, body := testkit.Do(t, h, http.MethodPost, "/api/v1/tools/nope", `{}`)
	// The unavailable plugin's tool is left out.
	if diff := cmp.Diff([]any{"echo", "fail", "plain", "text"}, body["availableTools"]); diff != "" {
		t.Errorf("availableTools (-want +got):\n%s", diff)
	}
	if testkit.Pick(body, "error.correlationId") == nil || body["correlationId"] != testkit.Pick(body, "error.correlationId") {
		t.Errorf("correlation IDs: %v / %v", body["correlationId"], testkit.Pick(body, "error.correlationId"))
	}
}

func TestCallV1(t *testing.T) {
	h := testHandler(t, 4096)
	status, body := testkit.Do(t, h, http.MethodPost, "/api/v1/call", `{"tool":"echo","arguments":{"name":"Bo"}}`)
	if diff := cmp.Diff(map[string]any{"success": true, "data": map[string]any{"name": "Bo"}}, body, ignoreVolatile); status != 200 || diff != "" {
		t.Errorf("status %d (-want +got):\n%s", status, diff)
	}
	// arguments may be left out.
	status, body = testkit.Do(t, h, http.MethodPost, "/api/v1/call", `{"tool":"echo"}`)
	if diff := cmp.Diff(map[string]any{"success": true, "data": map[string]any{}}, body, ignoreVolatile); status != 200 || diff != "" {
		t.Errorf("status %d (-want +got):\n%s", status, diff)
	}
}

func TestBatchValidation(t *testing.T) {
	h := testHandler(t, 4096)
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
			status, body := testkit.Do(t, h, http.MethodPost, "/api/v1/tools/batch", tt.body)
			if status != 400 || testkit.Pick(body, "error.code") != "invalid_arguments" {
				t.Errorf("status %d, body %v", status, body)
			}
			if diff := cmp.Diff(tt.fields, testkit.Pick(body, "error.fields")); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBatchRuns(t *testing.T) {
	h := testHandler(t, 4096)
	status, body := testkit.Do(t, h, http.MethodPost, "/api/v1/tools/batch",
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
	results, _ := testkit.Pick(body, "data.results").([]any)
	for _, r := range results {
		rows = append(rows, row{Tool: str(testkit.Pick(r, "tool")), Success: testkit.Pick(r, "success") == true, Code: str(testkit.Pick(r, "error.code"))})
		if testkit.Pick(r, "correlationId") != "batch-1" {
			t.Errorf("entry correlation %v", testkit.Pick(r, "correlationId"))
		}
	}
	want := []row{{"echo", true, ""}, {"nope", false, "tool_not_found"}, {"echo", true, ""}}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	counts := []any{body["success"], testkit.Pick(body, "data.total"), testkit.Pick(body, "data.successful"), testkit.Pick(body, "data.failed")}
	if diff := cmp.Diff([]any{false, 3.0, 2.0, 1.0}, counts); diff != "" {
		t.Errorf("success/total/successful/failed (-want +got):\n%s", diff)
	}
	if testkit.Pick(body, "data.results.2.data") == nil {
		t.Error("an entry without arguments did not run with {}")
	}
}

func TestListTools(t *testing.T) {
	h := testHandler(t, 4096)
	status, body := testkit.Do(t, h, http.MethodGet, "/api/v1/tools", "")
	var names []string
	tools, _ := testkit.Pick(body, "data.tools").([]any)
	for _, x := range tools {
		names = append(names, str(testkit.Pick(x, "name")))
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
	if testkit.Pick(body, "data.total") != 4.0 || body["success"] != true {
		t.Errorf("body %v", body)
	}
}

func TestArguments(t *testing.T) {
	tests := []struct {
		name, body, want string
		invalid          bool
	}{
		{name: "empty", body: "", want: "{}"},
		{name: "whitespace", body: " \n\t", want: "{}"},
		{name: "wrapped", body: `{"arguments":{"a":1}}`, want: `{"a":1}`},
		{name: "wrapped, spaced", body: ` { "arguments" : { "a" : 1 } } `, want: `{ "a" : 1 }`},
		{name: "bare", body: `{"a":1,"b":"x"}`, want: `{"a":1,"b":"x"}`},
		{name: "bare empty", body: `{}`, want: `{}`},
		{name: "arguments with a sibling is bare", body: `{"arguments":{"a":1},"b":2}`, want: `{"arguments":{"a":1},"b":2}`},
		{name: "wrapped non-object is passed on for validation", body: `{"arguments":[1]}`, want: `[1]`},
		{name: "invalid JSON", body: `{"a":`, invalid: true},
		{name: "array", body: `[1,2]`, invalid: true},
		{name: "string", body: `"x"`, invalid: true},
		{name: "number", body: `12`, invalid: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, e := arguments([]byte(tt.body))
			if tt.invalid {
				if e == nil || e.Category != errmodel.Validation || len(e.Fields) != 1 || e.Fields[0].Field != "body" {
					t.Errorf("got %s, %+v; want a validation error naming body", got, e)
				}
				return
			}
			if e != nil {
				t.Fatalf("error %v", e)
			}
			if string(got) != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// A body of JSON null is neither an object nor refused here; the
// dispatcher's schema validation refuses it later (see rest_test.go).
func TestArgumentsNull(t *testing.T) {
	got, e := arguments([]byte("null"))
	if e != nil || string(got) != "null" {
		t.Errorf("got %s, %v", got, e)
	}
}
