package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"image/png"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
	"github.com/google/go-cmp/cmp"
)

// The expected texts below are copied from the scenario descriptions of
// @modelcontextprotocol/conformance 0.1.16 on purpose, not taken from the
// plugin's constants, so a typo in the plugin fails here.

func TestFixedTools(t *testing.T) {
	tests := []struct {
		tool        string
		want        []sdk.Content
		wantIsError bool
	}{
		{tool: "test_simple_text", want: []sdk.Content{&sdk.TextContent{Text: "This is a simple text response for testing."}}},
		{tool: "test_image_content", want: []sdk.Content{&sdk.ImageContent{Data: pngPixel, MIMEType: "image/png"}}},
		{tool: "test_audio_content", want: []sdk.Content{&sdk.AudioContent{Data: wavSilence, MIMEType: "audio/wav"}}},
		{tool: "test_embedded_resource", want: []sdk.Content{&sdk.EmbeddedResource{Resource: sdk.ResourceContents{
			URI: "test://embedded-resource", MIMEType: "text/plain", Text: "This is an embedded resource content."}}}},
		{tool: "test_multiple_content_types", want: []sdk.Content{
			&sdk.TextContent{Text: "Multiple content types test:"},
			&sdk.ImageContent{Data: pngPixel, MIMEType: "image/png"},
			&sdk.EmbeddedResource{Resource: sdk.ResourceContents{
				URI: "test://mixed-content-resource", MIMEType: "application/json", Text: `{"test":"data","value":123}`}},
		}},
		{tool: "test_error_handling", wantIsError: true, want: []sdk.Content{
			&sdk.TextContent{Text: "This tool intentionally returns an error for testing"}}},
	}
	h := sdktest.New(t, New())
	for _, tt := range tests {
		t.Run(tt.tool, func(t *testing.T) {
			// The suite calls some of these with no arguments at all and
			// some with {}; both must work.
			for _, args := range []any{nil, struct{}{}} {
				res, err := h.CallTool(context.Background(), tt.tool, args)
				if err != nil {
					t.Fatalf("args %v: %v", args, err)
				}
				if res.IsError != tt.wantIsError {
					t.Errorf("args %v: IsError = %v, want %v", args, res.IsError, tt.wantIsError)
				}
				if diff := cmp.Diff(tt.want, res.Content); diff != "" {
					t.Errorf("args %v: content (-want +got):\n%s", args, diff)
				}
				if res.Structured != nil {
					t.Errorf("args %v: unexpected structured content %s", args, res.Structured)
				}
			}
		})
	}
}

func TestPayloadsAreValidMedia(t *testing.T) {
	cfg, err := png.DecodeConfig(bytes.NewReader(pngPixel))
	if err != nil {
		t.Fatalf("pngPixel: %v", err)
	}
	if cfg.Width != 1 || cfg.Height != 1 {
		t.Errorf("pngPixel is %dx%d, want 1x1", cfg.Width, cfg.Height)
	}
	if _, err := png.Decode(bytes.NewReader(pngPixel)); err != nil {
		t.Errorf("pngPixel does not decode: %v", err)
	}

	w := wavSilence
	le := binary.LittleEndian
	switch {
	case len(w) < 44:
		t.Fatalf("wavSilence is %d bytes, shorter than a WAV header", len(w))
	case string(w[0:4]) != "RIFF" || string(w[8:12]) != "WAVE" || string(w[12:16]) != "fmt " || string(w[36:40]) != "data":
		t.Errorf("wavSilence has the wrong chunk ids: % x", w[:44])
	case int(le.Uint32(w[4:8])) != len(w)-8:
		t.Errorf("RIFF size %d, want %d", le.Uint32(w[4:8]), len(w)-8)
	case int(le.Uint32(w[40:44])) != len(w)-44:
		t.Errorf("data size %d, want %d", le.Uint32(w[40:44]), len(w)-44)
	case le.Uint16(w[20:22]) != 1:
		t.Errorf("format %d, want 1 (PCM)", le.Uint16(w[20:22]))
	}
}

func TestLoggingBeforeResult(t *testing.T) {
	h := sdktest.New(t, New())
	start := time.Now()
	res, err := h.CallTool(context.Background(), "test_tool_with_logging", struct{}{})
	if err != nil {
		t.Fatal(err)
	}
	// The harness records each log when the plugin sends it, and the plugin
	// waits for each to be accepted, so all three are here once the call has
	// returned.
	want := []sdktest.Log{
		{Level: "info", Message: "Tool execution started"},
		{Level: "info", Message: "Tool processing data"},
		{Level: "info", Message: "Tool execution completed"},
	}
	if diff := cmp.Diff(want, h.Logs()); diff != "" {
		t.Errorf("logs (-want +got):\n%s", diff)
	}
	if elapsed := time.Since(start); elapsed < 100*time.Millisecond {
		t.Errorf("took %v; the logs should be about 50 ms apart", elapsed)
	}
	if diff := cmp.Diff([]sdk.Content{&sdk.TextContent{Text: "Tool with logging executed successfully"}}, res.Content); diff != "" {
		t.Errorf("content (-want +got):\n%s", diff)
	}
}

func TestProgress(t *testing.T) {
	h := sdktest.New(t, New())
	start := time.Now()
	res, err := h.CallTool(context.Background(), "test_tool_with_progress", struct{}{})
	if err != nil {
		t.Fatal(err)
	}
	want := []sdktest.Progress{{Progress: 0, Total: 100}, {Progress: 50, Total: 100}, {Progress: 100, Total: 100}}
	if diff := cmp.Diff(want, h.Progress()); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
	if elapsed := time.Since(start); elapsed < 100*time.Millisecond {
		t.Errorf("took %v; the progress reports should be about 50 ms apart", elapsed)
	}
	if res.IsError || len(res.Content) != 1 {
		t.Errorf("want one text item confirming execution, got %#v", res)
	}
}

func TestSampling(t *testing.T) {
	var (
		mu    sync.Mutex
		asked []sdk.SampleRequest
	)
	h := sdktest.New(t, New(), sdktest.WithSampling(func(_ context.Context, req sdk.SampleRequest) (*sdk.SampleResult, error) {
		mu.Lock()
		defer mu.Unlock()
		asked = append(asked, req)
		return &sdk.SampleResult{Role: "assistant", Text: "This is a test response from the client", Model: "test-model", StopReason: "endTurn"}, nil
	}))
	res, err := h.CallTool(context.Background(), "test_sampling", SamplingInput{Prompt: "Test prompt for sampling"})
	if err != nil {
		t.Fatal(err)
	}
	wantAsked := []sdk.SampleRequest{{
		Messages:  []sdk.SamplingMessage{{Role: "user", Text: "Test prompt for sampling"}},
		MaxTokens: 100,
	}}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff(wantAsked, asked); diff != "" {
		t.Errorf("sampling request (-want +got):\n%s", diff)
	}
	want := []sdk.Content{&sdk.TextContent{Text: "LLM response: This is a test response from the client"}}
	if diff := cmp.Diff(want, res.Content); diff != "" {
		t.Errorf("content (-want +got):\n%s", diff)
	}
}

func TestSamplingAndElicitationNeedTheClient(t *testing.T) {
	h := sdktest.New(t, New()) // a client that can do neither
	for tool, args := range map[string]any{
		"test_sampling":                     SamplingInput{Prompt: "p"},
		"test_elicitation":                  ElicitationInput{Message: "m"},
		"test_elicitation_sep1034_defaults": struct{}{},
		"test_elicitation_sep1330_enums":    struct{}{},
	} {
		_, err := h.CallTool(context.Background(), tool, args)
		var e *sdk.Error
		if !errors.As(err, &e) || e.Code != sdk.ErrNotSupported.Code {
			t.Errorf("%s: want %q, got %v", tool, sdk.ErrNotSupported.Code, err)
		}
	}
}

type askedForm struct {
	Message string
	Schema  any
}

// elicitHarness answers every elicitation with answer; the function it
// returns reports what was asked so far.
func elicitHarness(t *testing.T, answer map[string]any) (*sdktest.Harness, func() []askedForm) {
	var (
		mu    sync.Mutex
		asked []askedForm
	)
	h := sdktest.New(t, New(), sdktest.WithElicitation(func(_ context.Context, message string, schema json.RawMessage) (*sdk.ElicitResult, error) {
		var s any
		if err := json.Unmarshal(schema, &s); err != nil {
			t.Errorf("schema is not JSON: %v", err)
		}
		mu.Lock()
		defer mu.Unlock()
		asked = append(asked, askedForm{Message: message, Schema: s})
		return &sdk.ElicitResult{Action: "accept", Content: answer}, nil
	}))
	return h, func() []askedForm {
		mu.Lock()
		defer mu.Unlock()
		return append([]askedForm(nil), asked...)
	}
}

// mustJSON decodes a JSON literal, so expectations compare as decoded JSON.
func mustJSON(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad JSON in test: %v", err)
	}
	return v
}

func textOf(t *testing.T, res *sdk.ToolResult) string {
	t.Helper()
	if res.IsError || len(res.Content) != 1 {
		t.Fatalf("want one text item, got %#v", res)
	}
	tc, ok := res.Content[0].(*sdk.TextContent)
	if !ok {
		t.Fatalf("want text content, got %T", res.Content[0])
	}
	return tc.Text
}

func TestElicitation(t *testing.T) {
	h, asked := elicitHarness(t, map[string]any{"username": "testuser", "email": "test@example.com"})
	res, err := h.CallTool(context.Background(), "test_elicitation", ElicitationInput{Message: "Please provide your information"})
	if err != nil {
		t.Fatal(err)
	}
	want := []askedForm{{Message: "Please provide your information", Schema: mustJSON(t, `{
		"type": "object",
		"properties": {
			"username": {"type": "string", "description": "User's response"},
			"email": {"type": "string", "description": "User's email address"}
		},
		"required": ["username", "email"]
	}`)}}
	if diff := cmp.Diff(want, asked()); diff != "" {
		t.Errorf("elicitation (-want +got):\n%s", diff)
	}
	if got, want := textOf(t, res), `User response: action=accept, content={"email":"test@example.com","username":"testuser"}`; got != want {
		t.Errorf("text = %q, want %q", got, want)
	}
}

func TestElicitationDeclined(t *testing.T) {
	h := sdktest.New(t, New(), sdktest.WithElicitation(func(context.Context, string, json.RawMessage) (*sdk.ElicitResult, error) {
		return &sdk.ElicitResult{Action: "decline"}, nil
	}))
	res, err := h.CallTool(context.Background(), "test_elicitation", ElicitationInput{Message: "m"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := textOf(t, res), "User response: action=decline, content={}"; got != want {
		t.Errorf("text = %q, want %q", got, want)
	}
}

func TestElicitationSEP1034Defaults(t *testing.T) {
	h, asked := elicitHarness(t, map[string]any{"name": "Jane Smith", "age": 25, "score": 88, "status": "inactive", "verified": false})
	res, err := h.CallTool(context.Background(), "test_elicitation_sep1034_defaults", struct{}{})
	if err != nil {
		t.Fatal(err)
	}
	want := []askedForm{{Message: "Please review and update the form fields with defaults", Schema: mustJSON(t, `{
		"type": "object",
		"properties": {
			"name": {"type": "string", "description": "User name", "default": "John Doe"},
			"age": {"type": "integer", "description": "User age", "default": 30},
			"score": {"type": "number", "description": "User score", "default": 95.5},
			"status": {"type": "string", "description": "User status", "enum": ["active", "inactive", "pending"], "default": "active"},
			"verified": {"type": "boolean", "description": "Verification status", "default": true}
		}
	}`)}}
	if diff := cmp.Diff(want, asked()); diff != "" {
		t.Errorf("elicitation (-want +got):\n%s", diff)
	}
	wantText := `Elicitation completed: action=accept, content={"age":25,"name":"Jane Smith","score":88,"status":"inactive","verified":false}`
	if got := textOf(t, res); got != wantText {
		t.Errorf("text = %q, want %q", got, wantText)
	}
}

func TestElicitationSEP1330Enums(t *testing.T) {
	h, asked := elicitHarness(t, map[string]any{"untitledSingle": "option1", "titledSingle": "value1", "legacyEnum": "opt1",
		"untitledMulti": []string{"option1", "option2"}, "titledMulti": []string{"value1", "value2"}})
	res, err := h.CallTool(context.Background(), "test_elicitation_sep1330_enums", struct{}{})
	if err != nil {
		t.Fatal(err)
	}
	want := []askedForm{{Message: "Please select options from the enum fields", Schema: mustJSON(t, `{
		"type": "object",
		"properties": {
			"untitledSingle": {"type": "string", "enum": ["option1", "option2", "option3"]},
			"titledSingle": {"type": "string", "oneOf": [
				{"const": "value1", "title": "First Option"},
				{"const": "value2", "title": "Second Option"},
				{"const": "value3", "title": "Third Option"}
			]},
			"legacyEnum": {"type": "string", "enum": ["opt1", "opt2", "opt3"], "enumNames": ["Option One", "Option Two", "Option Three"]},
			"untitledMulti": {"type": "array", "items": {"type": "string", "enum": ["option1", "option2", "option3"]}},
			"titledMulti": {"type": "array", "items": {"anyOf": [
				{"const": "value1", "title": "First Choice"},
				{"const": "value2", "title": "Second Choice"},
				{"const": "value3", "title": "Third Choice"}
			]}}
		}
	}`)}}
	if diff := cmp.Diff(want, asked()); diff != "" {
		t.Errorf("elicitation (-want +got):\n%s", diff)
	}
	wantText := `Elicitation completed: action=accept, content={"legacyEnum":"opt1","titledMulti":["value1","value2"],"titledSingle":"value1","untitledMulti":["option1","option2"],"untitledSingle":"option1"}`
	if got := textOf(t, res); got != wantText {
		t.Errorf("text = %q, want %q", got, wantText)
	}
}

func TestToolsList(t *testing.T) {
	h := sdktest.New(t, New())
	var names []string
	for _, tool := range h.Tools() {
		names = append(names, tool.Name)
		if tool.Description == "" {
			t.Errorf("%s: no description", tool.Name)
		}
		var schema struct {
			Type       string         `json:"type"`
			Properties map[string]any `json:"properties"`
		}
		if err := json.Unmarshal(tool.InputSchema, &schema); err != nil {
			t.Errorf("%s: input schema: %v", tool.Name, err)
		}
		if schema.Type != "object" || schema.Properties == nil {
			t.Errorf("%s: input schema must be an object with properties, got %s", tool.Name, tool.InputSchema)
		}
		if !tool.ReadOnly || tool.Destructive || tool.OpenWorld {
			t.Errorf("%s: every fixture is read-only, not destructive and closed-world", tool.Name)
		}
		if tool.Category != "conformance" {
			t.Errorf("%s: category %q, want conformance", tool.Name, tool.Category)
		}
		if len(tool.OutputSchema) != 0 {
			t.Errorf("%s: fixtures shape their content by hand and declare no output schema", tool.Name)
		}
	}
	sort.Strings(names)
	want := []string{
		"confirm_delete", "failing_job", "fixture_error", "greet", "json_schema_2020_12_tool", "multi_input", "protocol_error_job", "slow_compute",
		"test_audio_content", "test_elicitation", "test_elicitation_sep1034_defaults", "test_elicitation_sep1330_enums",
		"test_embedded_resource", "test_error_handling", "test_image_content",
		"test_input_required_result_capabilities", "test_input_required_result_elicitation", "test_input_required_result_list_roots",
		"test_input_required_result_multi_round", "test_input_required_result_multiple_inputs", "test_input_required_result_request_state",
		"test_input_required_result_sampling", "test_input_required_result_tampered_state",
		"test_logging_tool", "test_missing_capability", "test_multiple_content_types",
		"test_sampling", "test_simple_text", "test_streaming_elicitation", "test_tool_with_logging", "test_tool_with_progress",
		"test_tool_with_task", "test_x_mcp_header",
	}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("tools (-want +got):\n%s", diff)
	}
}

func TestToolArguments(t *testing.T) {
	h := sdktest.New(t, New())
	want := map[string]string{
		"test_sampling":    `{"type":"object","required":["prompt"],"properties":{"prompt":{"type":"string","description":"The prompt to send to the LLM"}},"additionalProperties":false}`,
		"test_elicitation": `{"type":"object","required":["message"],"properties":{"message":{"type":"string","description":"The message to show the user"}},"additionalProperties":false}`,
	}
	for _, tool := range h.Tools() {
		w, ok := want[tool.Name]
		if !ok {
			continue
		}
		var got any
		if err := json.Unmarshal(tool.InputSchema, &got); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(mustJSON(t, w), got); diff != "" {
			t.Errorf("%s input schema (-want +got):\n%s", tool.Name, diff)
		}
	}
}

func TestResources(t *testing.T) {
	h := sdktest.New(t, New())
	tests := []struct {
		uri  string
		want []sdk.ResourceContents
	}{
		{uri: "test://static-text", want: []sdk.ResourceContents{{URI: "test://static-text", MIMEType: "text/plain",
			Text: "This is the content of the static text resource."}}},
		{uri: "test://static-binary", want: []sdk.ResourceContents{{URI: "test://static-binary", MIMEType: "image/png", Blob: pngPixel}}},
		{uri: "test://watched-resource", want: []sdk.ResourceContents{{URI: "test://watched-resource", MIMEType: "text/plain",
			Text: "Watched resource content"}}},
		{uri: "test://template/123/data", want: []sdk.ResourceContents{{URI: "test://template/123/data", MIMEType: "application/json",
			Text: `{"id":"123","templateTest":true,"data":"Data for ID: 123"}`}}},
		{uri: "test://template/abc-9/data", want: []sdk.ResourceContents{{URI: "test://template/abc-9/data", MIMEType: "application/json",
			Text: `{"id":"abc-9","templateTest":true,"data":"Data for ID: abc-9"}`}}},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			got, err := h.ReadResource(context.Background(), tt.uri)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("contents (-want +got):\n%s", diff)
			}
		})
	}
	_, err := h.ReadResource(context.Background(), "test://nonexistent")
	var e *sdk.Error
	if !errors.As(err, &e) || e.Category != sdk.CategoryNotFound {
		t.Errorf("unknown resource: want a not-found error, got %v", err)
	}
}

func TestResourceDeclarations(t *testing.T) {
	p := New()
	var uris []string
	for _, r := range p.Resources {
		uris = append(uris, r.URI)
		if r.Name == "" || r.Description == "" || r.MIMEType == "" {
			t.Errorf("%s: name, description and MIME type are required by resources-list", r.URI)
		}
	}
	if diff := cmp.Diff([]string{"test://static-text", "test://static-binary", "test://watched-resource"}, uris); diff != "" {
		t.Errorf("resources (-want +got):\n%s", diff)
	}
	if len(p.ResourceTemplates) != 1 || p.ResourceTemplates[0].URITemplate != "test://template/{id}/data" ||
		p.ResourceTemplates[0].MIMEType != "application/json" || p.ResourceTemplates[0].Description == "" {
		t.Errorf("want the one template test://template/{id}/data (application/json), got %+v", p.ResourceTemplates)
	}
	for _, pr := range p.Prompts {
		if pr.Description == "" {
			t.Errorf("prompt %s: prompts-list requires a description", pr.Name)
		}
	}
}

func TestPrompts(t *testing.T) {
	h := sdktest.New(t, New())
	tests := []struct {
		name string
		args map[string]string
		want []sdk.PromptMessage
	}{
		{name: "test_simple_prompt", want: []sdk.PromptMessage{
			{Role: "user", Content: &sdk.TextContent{Text: "This is a simple prompt for testing."}}}},
		{name: "test_prompt_with_arguments", args: map[string]string{"arg1": "hello", "arg2": "world"}, want: []sdk.PromptMessage{
			{Role: "user", Content: &sdk.TextContent{Text: "Prompt with arguments: arg1='hello', arg2='world'"}}}},
		{name: "test_prompt_with_embedded_resource", args: map[string]string{"resourceUri": "test://example-resource"}, want: []sdk.PromptMessage{
			{Role: "user", Content: &sdk.EmbeddedResource{Resource: sdk.ResourceContents{
				URI: "test://example-resource", MIMEType: "text/plain", Text: "Embedded resource content for testing."}}},
			{Role: "user", Content: &sdk.TextContent{Text: "Please process the embedded resource above."}}}},
		{name: "test_prompt_with_image", want: []sdk.PromptMessage{
			{Role: "user", Content: &sdk.ImageContent{Data: pngPixel, MIMEType: "image/png"}},
			{Role: "user", Content: &sdk.TextContent{Text: "Please analyze the image above."}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := h.GetPrompt(context.Background(), tt.name, tt.args)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got.Messages); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPromptArgumentsRequired(t *testing.T) {
	h := sdktest.New(t, New())
	for _, tt := range []struct {
		prompt string
		args   map[string]string
		field  string
	}{
		{"test_prompt_with_arguments", map[string]string{"arg1": "hello"}, "arg2"},
		{"test_prompt_with_embedded_resource", nil, "resourceUri"},
	} {
		_, err := h.GetPrompt(context.Background(), tt.prompt, tt.args)
		var e *sdk.Error
		if !errors.As(err, &e) || e.Category != sdk.CategoryValidation || len(e.Fields) == 0 || e.Fields[0].Field != tt.field {
			t.Errorf("%s: want a validation error naming %s, got %v", tt.prompt, tt.field, err)
		}
	}
}
