package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
	"github.com/google/go-cmp/cmp"
)

// The 2026-07-28 fixtures, run as a 2026-07-28 client runs them: in round
// trips (sdktest.WithRoundTrips), answering what they ask. Keys and
// messages are the ones @modelcontextprotocol/conformance 0.2.0-alpha.12
// describes, copied here on purpose.

// fakeClient answers and records every question it is asked.
type fakeClient struct {
	asked []string
}

func (c *fakeClient) options(elicit, sample, roots bool) []sdktest.Option {
	opts := []sdktest.Option{sdktest.WithRoundTrips()}
	if elicit {
		opts = append(opts, sdktest.WithElicitation(func(_ context.Context, message string, schema json.RawMessage) (*sdk.ElicitResult, error) {
			c.asked = append(c.asked, message)
			var s struct {
				Properties map[string]struct {
					Type string `json:"type"`
				} `json:"properties"`
			}
			_ = json.Unmarshal(schema, &s)
			content := map[string]any{}
			for name, p := range s.Properties {
				if p.Type == "boolean" {
					content[name] = true
				} else {
					content[name] = "Alice"
				}
			}
			return &sdk.ElicitResult{Action: "accept", Content: content}, nil
		}))
	}
	if sample {
		opts = append(opts, sdktest.WithSampling(func(_ context.Context, req sdk.SampleRequest) (*sdk.SampleResult, error) {
			c.asked = append(c.asked, req.Messages[0].Text)
			return &sdk.SampleResult{Role: "assistant", Text: "Paris"}, nil
		}))
	}
	if roots {
		opts = append(opts, sdktest.WithRoots(func(context.Context) ([]sdk.Root, error) {
			c.asked = append(c.asked, "roots")
			return []sdk.Root{{URI: "file:///home/user/project", Name: "project"}}, nil
		}))
	}
	return opts
}

func TestRoundTripFixtures(t *testing.T) {
	tests := []struct {
		tool                 string
		elicit, sample, root bool
		want                 string
		asked                []string
	}{
		{tool: "test_input_required_result_elicitation", elicit: true, want: "Hello, Alice!", asked: []string{"What is your name?"}},
		{tool: "test_input_required_result_sampling", sample: true, want: "capital_question: Paris", asked: []string{"What is the capital of France?"}},
		{tool: "test_input_required_result_list_roots", root: true, want: "client_roots: 1 roots (file:///home/user/project)", asked: []string{"roots"}},
		{tool: "test_input_required_result_request_state", elicit: true, want: "state-ok: the request state was the host's own; confirmed: true",
			asked: []string{"Please confirm"}},
		{tool: "test_input_required_result_tampered_state", elicit: true, want: "state-ok: the request state was the host's own; confirmed: true",
			asked: []string{"Please confirm"}},
		{tool: "test_input_required_result_multiple_inputs", elicit: true, sample: true, root: true,
			want:  "user_name: accept map[name:Alice]; greeting: Paris; client_roots: 1 roots (file:///home/user/project)",
			asked: []string{"What is your name?", "Generate a greeting", "roots"}},
		{tool: "test_input_required_result_multi_round", elicit: true, want: "Alice likes Alice",
			asked: []string{"Step 1: What is your name?", "Step 2: What is your favorite color?"}},
		{tool: "test_input_required_result_capabilities", sample: true, want: "capital_question: Paris", asked: []string{"What is the capital of France?"}},
		{tool: "test_input_required_result_capabilities", want: "The client declared nothing to ask with."},
		{tool: "test_streaming_elicitation", elicit: true, want: "The user answered: accept", asked: []string{"Go on?"}},
		{tool: "test_missing_capability", sample: true, want: "The client declared sampling; its model said: Paris", asked: []string{"Say hello."}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%v%v%v", tt.tool, tt.elicit, tt.sample, tt.root), func(t *testing.T) {
			c := &fakeClient{}
			h := sdktest.New(t, New(), c.options(tt.elicit, tt.sample, tt.root)...)
			res, err := h.CallTool(context.Background(), tt.tool, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := textOf(t, res); got != tt.want {
				t.Errorf("text = %q, want %q", got, tt.want)
			}
			if diff := cmp.Diff(tt.asked, c.asked); diff != "" {
				t.Errorf("asked (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMissingCapabilityNamesSampling(t *testing.T) {
	c := &fakeClient{}
	h := sdktest.New(t, New(), c.options(true, false, false)...)
	_, err := h.CallTool(context.Background(), "test_missing_capability", nil)
	var e *sdk.Error
	if !errors.As(err, &e) || !errors.Is(e, sdk.ErrNotSupported) {
		t.Fatalf("err = %v, want ErrNotSupported", err)
	}
	if diff := cmp.Diff([]string{"sampling"}, e.MissingCapabilities()); diff != "" {
		t.Errorf("missing (-want +got):\n%s", diff)
	}
}

func TestLoggingTool(t *testing.T) {
	h := sdktest.New(t, New())
	res, err := h.CallTool(context.Background(), "test_logging_tool", nil)
	if err != nil {
		t.Fatal(err)
	}
	textOf(t, res)
	if diff := cmp.Diff([]sdktest.Log{{Level: "info", Message: "test_logging_tool executed"}}, h.Logs()); diff != "" {
		t.Errorf("logs (-want +got):\n%s", diff)
	}
}

func TestRoundTripPrompt(t *testing.T) {
	c := &fakeClient{}
	h := sdktest.New(t, New(), c.options(true, false, false)...)
	res, err := h.GetPrompt(context.Background(), "test_input_required_result_prompt", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []sdk.PromptMessage{{Role: "user", Content: &sdk.TextContent{Text: "Use this context: Alice"}}}
	if diff := cmp.Diff(want, res.Messages); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"What context should the prompt use?"}, c.asked); diff != "" {
		t.Errorf("asked (-want +got):\n%s", diff)
	}
}

func TestSchemaFixtures(t *testing.T) {
	h := sdktest.New(t, New())
	listed := map[string]json.RawMessage{}
	for _, tool := range h.Tools() {
		listed[tool.Name] = tool.InputSchema
	}
	for name, want := range map[string]string{"json_schema_2020_12_tool": json2020Schema, "test_x_mcp_header": xMCPHeaderSchema} {
		if diff := cmp.Diff(mustJSON(t, want), mustJSON(t, string(listed[name]))); diff != "" {
			t.Errorf("%s is not listed as written (-want +got):\n%s", name, diff)
		}
	}
	res, err := h.CallTool(context.Background(), "test_x_mcp_header", map[string]any{"region": "eu-north", "level": 2})
	if err != nil || textOf(t, res) != "region=eu-north" {
		t.Errorf("test_x_mcp_header: %v %v", res, err)
	}
	res, err = h.CallTool(context.Background(), "json_schema_2020_12_tool", map[string]any{"name": "Ann", "email": "ann@example.dk"})
	if err != nil || !strings.Contains(textOf(t, res), `"email":"ann@example.dk"`) {
		t.Errorf("json_schema_2020_12_tool: %v %v", res, err)
	}
}

func TestTaskFixtures(t *testing.T) {
	c := &fakeClient{}
	h := sdktest.New(t, New(), c.options(true, false, false)...)
	type decl struct {
		Task     sdk.TaskSupport
		Deferred bool
	}
	got := map[string]decl{}
	for _, tool := range h.Tools() {
		if tool.Task != sdk.TaskNone || tool.Name == "greet" {
			got[tool.Name] = decl{tool.Task, tool.DeferTask}
		}
	}
	want := map[string]decl{
		"greet": {}, "slow_compute": {Task: sdk.TaskOptional}, "failing_job": {Task: sdk.TaskRequired},
		"protocol_error_job": {Task: sdk.TaskOptional}, "confirm_delete": {Task: sdk.TaskOptional},
		"multi_input": {Task: sdk.TaskOptional}, "test_tool_with_task": {Task: sdk.TaskRequired, Deferred: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("task declarations (-want +got):\n%s", diff)
	}

	texts := []struct {
		tool string
		args any
		want string
	}{
		{"greet", map[string]any{"name": "World"}, "Hello, World!"},
		{"slow_compute", map[string]any{"seconds": 0, "label": "instant"}, `Computed "instant" in 0 seconds`},
		{"slow_compute", map[string]any{"seconds": 1, "label": "short"}, `Computed "short" in 1 seconds`},
		{"confirm_delete", map[string]any{"filename": "a.txt"}, "Deleted a.txt (a fixture: nothing was touched)"},
		{"multi_input", nil, "first: accept map[name:Alice]; second: accept map[name:Alice]"},
		{"test_tool_with_task", nil, "Hello, Alice! (greeted from a task)"},
	}
	for _, tt := range texts {
		res, err := h.CallTool(context.Background(), tt.tool, tt.args)
		if err != nil {
			t.Fatalf("%s: %v", tt.tool, err)
		}
		if got := textOf(t, res); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.tool, got, tt.want)
		}
	}
	if h.TasksStarted() != 1 {
		t.Errorf("test_tool_with_task started %d tasks, want 1", h.TasksStarted())
	}
	if p := h.Progress(); len(p) != 1 || p[0].Progress != 1 || p[0].Total != 1 {
		t.Errorf("slow_compute progress: %+v", p)
	}

	failures := []struct{ tool, code string }{
		{"failing_job", "job_failed"},
		{"protocol_error_job", "plugin_panic"},
	}
	for _, f := range failures {
		_, err := h.CallTool(context.Background(), f.tool, nil)
		var e *sdk.Error
		if !errors.As(err, &e) || e.Code != f.code {
			t.Errorf("%s: %v, want code %s", f.tool, err, f.code)
		}
	}
}
