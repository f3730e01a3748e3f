package main

import (
	"context"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// The diagnostic tools of the 2026-07-28 server-stateless scenario
// (SEP-2575). They do what any tool may do; what the suite checks is what
// the host makes of it on the wire: a request needing a capability the
// client did not declare is refused with -32021 naming it, a request's
// stream carries only that request's messages (its result last, no
// request of the server's own), and no log message reaches a request that
// did not ask for them with _meta's logLevel.

// The texts the diagnostic tools answer.
const (
	missingCapabilityDone = "The client declared sampling; its model said: "
	streamingDone         = "The user answered: "
	loggingToolDone       = "Logged one info message; it reaches the client only if the request asked for logs"
)

func statelessTools() []sdk.Tool {
	return []sdk.Tool{
		sdk.NewTool(spec("test_missing_capability",
			"Conformance fixture: needs the client's sampling capability (asks its model); a client without it is refused (MCP -32021)."),
			missingCapability),
		sdk.NewTool(spec("test_streaming_elicitation",
			"Conformance fixture: reports progress, logs, then asks the user: the request's stream carries notifications and its result, never a request."),
			streamingElicitation),
		sdk.NewTool(spec("test_logging_tool",
			"Conformance fixture: sends one info log message; the host drops it unless the request set a log level."),
			loggingTool),
	}
}

func missingCapability(ctx context.Context, call *sdk.Call, _ struct{}) (*sdk.Result, error) {
	res, err := call.Host.Sample(ctx, sdk.SampleRequest{
		Messages: []sdk.SamplingMessage{{Role: "user", Text: "Say hello."}}, MaxTokens: 20})
	if err != nil {
		return nil, err // without sampling: ErrNotSupported, naming it
	}
	return sdk.Text(missingCapabilityDone + res.Text), nil
}

func streamingElicitation(ctx context.Context, call *sdk.Call, _ struct{}) (*sdk.Result, error) {
	if err := call.Host.Progress(ctx, 1, 2, "asking the user"); err != nil {
		return nil, err
	}
	if err := call.Host.Log(ctx, sdk.LogInfo, "asking the user", nil); err != nil {
		return nil, err
	}
	answers, err := call.Host.Ask(ctx, sdk.Question{Key: "confirm", Elicit: &sdk.ElicitQuestion{
		Message: "Go on?", Schema: map[string]any{"type": "object", "properties": map[string]any{"ok": map[string]any{"type": "boolean"}}}}})
	if err != nil {
		return nil, err
	}
	return sdk.Text(streamingDone + answers[0].Elicit.Action), nil
}

func loggingTool(ctx context.Context, call *sdk.Call, _ struct{}) (*sdk.Result, error) {
	if err := call.Host.Log(ctx, sdk.LogInfo, "test_logging_tool executed", nil); err != nil {
		return nil, err
	}
	return sdk.Text(loggingToolDone), nil
}
