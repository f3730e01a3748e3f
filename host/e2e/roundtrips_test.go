//lint:file-ignore SA1019 sampling and roots are deprecated by 2026-07-28 (SEP-2577) but served for at least twelve months more, and these tests prove they work through the Go SDK's client.

package e2e

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Multi round trips (MCP 2026-07-28) through the official TypeScript and Go
// SDK clients: each connects to a real host on 2026-07-28, declares
// elicitation, sampling and roots with handlers that answer as a user, a
// model and a workspace would, and calls the conformance plugin's tools and
// prompt that ask. The clients fulfil the host's input_required results
// themselves and repeat the calls with the answers and the signed request
// state; what the plugins made of the answers comes back in the results.

const conformanceOnly = "plugins:\n  conformance: {path: billy-mcp-plugin-conformance}\n"

// roundTripCase is one call and what it must answer.
type roundTripCase struct {
	tool, prompt string
	args         map[string]any
	want         string
}

var roundTripCases = []roundTripCase{
	{tool: "test_input_required_result_elicitation", want: "Hello, Alice!"},
	{tool: "test_input_required_result_sampling", want: "capital_question: Paris"},
	{tool: "test_input_required_result_list_roots", want: "client_roots: 1 roots (file:///srv/bilag)"},
	{tool: "test_input_required_result_multiple_inputs",
		want: "user_name: accept map[name:Alice]; greeting: Paris; client_roots: 1 roots (file:///srv/bilag)"},
	{tool: "test_input_required_result_multi_round", want: "Alice likes blue"},
	{tool: "test_input_required_result_request_state", want: "state-ok: the request state was the host's own; confirmed: true"},
	{prompt: "test_input_required_result_prompt", want: "Use this context: Alice"},
	// Plugins built before Host.Ask (Elicit and Sample, numbered keys).
	{tool: "test_elicitation", args: map[string]any{"message": "Who are you?"},
		want: `User response: action=accept, content={"email":"Alice","username":"Alice"}`},
	{tool: "test_sampling", args: map[string]any{"prompt": "The capital of France?"}, want: "LLM response: Paris"},
}

// roundTripAsked is what the clients are asked, in some order: every
// question once per round trip it is part of.
var roundTripAsked = []string{
	"elicitation/create: Step 1: What is your name?",
	"elicitation/create: Step 2: What is your favorite color?",
	"elicitation/create: What context should the prompt use?",
	"elicitation/create: What is your name?", "elicitation/create: What is your name?",
	"elicitation/create: Who are you?",
	"elicitation/create: Please confirm",
	"roots/list", "roots/list",
	"sampling/createMessage: Generate a greeting",
	"sampling/createMessage: The capital of France?",
	"sampling/createMessage: What is the capital of France?",
}

// formAnswer fills a form as the clients' users do: names are Alice,
// colours blue, yes/no fields yes.
func formAnswer(schema any) map[string]any {
	var s struct {
		Properties map[string]struct {
			Type string `json:"type"`
		} `json:"properties"`
	}
	b, _ := json.Marshal(schema)
	_ = json.Unmarshal(b, &s)
	content := map[string]any{}
	for field, p := range s.Properties {
		switch {
		case p.Type == "boolean":
			content[field] = true
		case field == "color":
			content[field] = "blue"
		default:
			content[field] = "Alice"
		}
	}
	return content
}

func TestRoundTripsTypeScriptClient(t *testing.T) {
	tools, err := nodeTools()
	if err != nil {
		t.Fatal(err)
	}
	h := startHost(t, conformanceOnly)
	h.waitReady(15 * time.Second)

	var calls []map[string]any
	for _, c := range roundTripCases {
		call := map[string]any{"arguments": c.args}
		if c.tool != "" {
			call["tool"] = c.tool
		} else {
			call["prompt"] = c.prompt
		}
		calls = append(calls, call)
	}
	spec, _ := json.Marshal(map[string]any{"nodeModules": nodeModules(tools), "url": h.url("/mcp"), "calls": calls})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, nodeBin(tools), filepath.Join("clients", "roundtrips.mjs"), string(spec))
	cmd.Env = nodeEnv(tools)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("roundtrips.mjs: %v\n%s", err, out)
	}
	var got struct {
		Fatal           string `json:"fatal"`
		ProtocolVersion string `json:"protocolVersion"`
		Results         []struct {
			Result json.RawMessage `json:"result"`
			Error  string          `json:"error"`
		} `json:"results"`
		Asked []struct {
			Method, Message string
		} `json:"asked"`
	}
	if err := json.Unmarshal(out, &got); err != nil || got.Fatal != "" {
		t.Fatalf("roundtrips.mjs said %s (%v)", out, err)
	}
	if got.ProtocolVersion != "2026-07-28" {
		t.Errorf("negotiated %q, want 2026-07-28", got.ProtocolVersion)
	}
	for i, c := range roundTripCases {
		r := got.Results[i]
		if r.Error != "" {
			t.Errorf("%s%s: the client threw %s", c.tool, c.prompt, r.Error)
			continue
		}
		if text := resultText(t, r.Result); text != c.want {
			t.Errorf("%s%s: %q, want %q", c.tool, c.prompt, text, c.want)
		}
	}
	var asked []string
	for _, a := range got.Asked {
		asked = append(asked, question(a.Method, a.Message))
	}
	compareAsked(t, asked)
}

func TestRoundTripsGoSDKClient(t *testing.T) {
	h := startHost(t, conformanceOnly)
	h.waitReady(15 * time.Second)
	// The SDK answers the questions of one round concurrently.
	var (
		mu    sync.Mutex
		asked []string
	)
	note := func(q string) {
		mu.Lock()
		asked = append(asked, q)
		mu.Unlock()
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "billy-mcp-e2e-roundtrips", Version: "1.0.0"}, &mcp.ClientOptions{
		ElicitationHandler: func(_ context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			note(question("elicitation/create", req.Params.Message))
			return &mcp.ElicitResult{Action: "accept", Content: formAnswer(req.Params.RequestedSchema)}, nil
		},
		CreateMessageHandler: func(_ context.Context, req *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
			text := ""
			if tc, ok := req.Params.Messages[len(req.Params.Messages)-1].Content.(*mcp.TextContent); ok {
				text = tc.Text
			}
			note(question("sampling/createMessage", text))
			return &mcp.CreateMessageResult{Model: "e2e-model", Role: "assistant", Content: &mcp.TextContent{Text: "Paris"}}, nil
		},
		Capabilities: &mcp.ClientCapabilities{RootsV2: &mcp.RootCapabilities{}},
	})
	client.AddRoots(&mcp.Root{URI: "file:///srv/bilag", Name: "bilag"})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	session, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: h.url("/mcp")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer session.Close()
	if v := session.InitializeResult().ProtocolVersion; v != "2026-07-28" {
		t.Errorf("negotiated %q, want 2026-07-28", v)
	}
	for _, c := range roundTripCases {
		var res any
		if c.tool != "" {
			res, err = session.CallTool(ctx, &mcp.CallToolParams{Name: c.tool, Arguments: c.args})
		} else {
			res, err = session.GetPrompt(ctx, &mcp.GetPromptParams{Name: c.prompt})
		}
		if err != nil {
			t.Errorf("%s%s: %v", c.tool, c.prompt, err)
			continue
		}
		b, _ := json.Marshal(res)
		if text := resultText(t, b); text != c.want {
			t.Errorf("%s%s: %q, want %q", c.tool, c.prompt, text, c.want)
		}
	}
	// The roots handler is the SDK's own (AddRoots); count its answers by
	// what the plugin reported instead.
	asked = append(asked, "roots/list", "roots/list")
	compareAsked(t, asked)
}

func question(method, message string) string {
	if message == "" {
		return method
	}
	return method + ": " + message
}

func compareAsked(t *testing.T, asked []string) {
	t.Helper()
	slices.Sort(asked)
	want := slices.Clone(roundTripAsked)
	slices.Sort(want)
	if diff := cmp.Diff(want, asked); diff != "" {
		t.Errorf("questions the client answered (-want +got):\n%s", diff)
	}
}

// resultText is the first text of a tool result or a prompt's first
// message, as JSON.
func resultText(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var r struct {
		IsError bool `json:"isError"`
		Content []struct {
			Text string `json:"text"`
		} `json:"content"`
		Messages []struct {
			Content struct {
				Text string `json:"text"`
			} `json:"content"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("result %s: %v", raw, err)
	}
	switch {
	case r.IsError:
		return "error: " + string(raw)
	case len(r.Content) > 0:
		return r.Content[0].Text
	case len(r.Messages) > 0:
		return r.Messages[0].Content.Text
	}
	return string(raw)
}
