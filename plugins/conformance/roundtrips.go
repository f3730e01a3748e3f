package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// The fixtures of the 2026-07-28 input-required-result scenarios
// (SEP-2322, multi round-trip requests). Each asks through Host.Ask as any
// plugin does, under the keys the suite expects; the host turns the
// questions into an input_required result with a signed request state and
// runs the handler again when the client answers. With a 2025-11-25 client
// the same handlers ask through server-to-client requests.

// object is a flat form schema with one required field of a type.
func object(field, typ string) map[string]any {
	return map[string]any{"type": "object", "properties": map[string]any{field: map[string]any{"type": typ}}, "required": []string{field}}
}

// The suite's questions, as it describes them.
var (
	askUserName = sdk.Question{Key: "user_name", Elicit: &sdk.ElicitQuestion{Message: "What is your name?", Schema: object("name", "string")}}
	askCapital  = sdk.Question{Key: "capital_question", Sample: &sdk.SampleRequest{
		Messages: []sdk.SamplingMessage{{Role: "user", Text: "What is the capital of France?"}}, MaxTokens: 100}}
	askRoots    = sdk.Question{Key: "client_roots", Roots: true}
	askConfirm  = sdk.Question{Key: "confirm", Elicit: &sdk.ElicitQuestion{Message: "Please confirm", Schema: object("ok", "boolean")}}
	askGreeting = sdk.Question{Key: "greeting", Sample: &sdk.SampleRequest{
		Messages: []sdk.SamplingMessage{{Role: "user", Text: "Generate a greeting"}}, MaxTokens: 50}}
	askStep1   = sdk.Question{Key: "step1", Elicit: &sdk.ElicitQuestion{Message: "Step 1: What is your name?", Schema: object("name", "string")}}
	askStep2   = sdk.Question{Key: "step2", Elicit: &sdk.ElicitQuestion{Message: "Step 2: What is your favorite color?", Schema: object("color", "string")}}
	askContext = sdk.Question{Key: "user_context", Elicit: &sdk.ElicitQuestion{Message: "What context should the prompt use?", Schema: object("context", "string")}}
)

func roundTripTools() []sdk.Tool {
	ask := func(name, description string, questions ...sdk.Question) sdk.Tool {
		return sdk.NewTool(spec(name, description), func(ctx context.Context, call *sdk.Call, _ struct{}) (*sdk.Result, error) {
			answers, err := call.Host.Ask(ctx, questions...)
			if err != nil {
				return nil, err
			}
			return sdk.Text(describe(answers)), nil
		})
	}
	return []sdk.Tool{
		sdk.NewTool(spec("test_input_required_result_elicitation",
			"Conformance fixture: asks the user's name (input request user_name) and greets them."), greetByName),
		ask("test_input_required_result_sampling",
			"Conformance fixture: asks the client's model the capital of France (input request capital_question).", askCapital),
		ask("test_input_required_result_list_roots",
			"Conformance fixture: asks for the client's roots (input request client_roots) and names them.", askRoots),
		sdk.NewTool(spec("test_input_required_result_request_state",
			"Conformance fixture: asks for a confirmation; the host checks the request state the client sends back."), confirmState),
		ask("test_input_required_result_multiple_inputs",
			"Conformance fixture: asks the user, the model and the roots at once (user_name, greeting, client_roots).",
			askUserName, askGreeting, askRoots),
		sdk.NewTool(spec("test_input_required_result_multi_round",
			"Conformance fixture: asks two questions in turn (step1, then step2), a round trip each."), multiRound),
		sdk.NewTool(spec("test_input_required_result_capabilities",
			"Conformance fixture: asks only what the client declared it can answer (elicitation, sampling, roots)."), askWhatTheClientCan),
		sdk.NewTool(spec("test_input_required_result_tampered_state",
			"Conformance fixture: asks for a confirmation; a request state altered by the client is refused."), confirmState),
	}
}

func greetByName(ctx context.Context, call *sdk.Call, _ struct{}) (*sdk.Result, error) {
	answers, err := call.Host.Ask(ctx, askUserName)
	if err != nil {
		return nil, err
	}
	return sdk.Text(fmt.Sprintf("Hello, %v!", answers[0].Elicit.Content["name"])), nil
}

// confirmState answers only once the host has checked the request state
// that came back with the answer (a state it did not sign never gets here).
func confirmState(ctx context.Context, call *sdk.Call, _ struct{}) (*sdk.Result, error) {
	answers, err := call.Host.Ask(ctx, askConfirm)
	if err != nil {
		return nil, err
	}
	return sdk.Text(fmt.Sprintf("state-ok: the request state was the host's own; confirmed: %v", answers[0].Elicit.Content["ok"])), nil
}

func multiRound(ctx context.Context, call *sdk.Call, _ struct{}) (*sdk.Result, error) {
	first, err := call.Host.Ask(ctx, askStep1)
	if err != nil {
		return nil, err
	}
	second, err := call.Host.Ask(ctx, askStep2)
	if err != nil {
		return nil, err
	}
	return sdk.Text(fmt.Sprintf("%v likes %v", first[0].Elicit.Content["name"], second[0].Elicit.Content["color"])), nil
}

func askWhatTheClientCan(ctx context.Context, call *sdk.Call, _ struct{}) (*sdk.Result, error) {
	var questions []sdk.Question
	if call.ClientCanElicit {
		questions = append(questions, askUserName)
	}
	if call.ClientCanSample {
		questions = append(questions, askCapital)
	}
	if call.ClientCanListRoots {
		questions = append(questions, askRoots)
	}
	if len(questions) == 0 {
		return sdk.Text("The client declared nothing to ask with."), nil
	}
	answers, err := call.Host.Ask(ctx, questions...)
	if err != nil {
		return nil, err
	}
	return sdk.Text(describe(answers)), nil
}

// describe reports answers as "key: answer; ...".
func describe(answers []sdk.Answer) string {
	var parts []string
	for _, a := range answers {
		switch {
		case a.Elicit != nil:
			parts = append(parts, fmt.Sprintf("%s: %s %v", a.Key, a.Elicit.Action, a.Elicit.Content))
		case a.Sample != nil:
			parts = append(parts, fmt.Sprintf("%s: %s", a.Key, a.Sample.Text))
		default:
			var uris []string
			for _, r := range a.Roots {
				uris = append(uris, r.URI)
			}
			parts = append(parts, fmt.Sprintf("%s: %d roots (%s)", a.Key, len(a.Roots), strings.Join(uris, ", ")))
		}
	}
	return strings.Join(parts, "; ")
}

// roundTripPrompt is the input-required-result-non-tool-request fixture: a
// prompt that asks before it renders.
func roundTripPrompt() sdk.Prompt {
	return sdk.Prompt{
		Name: "test_input_required_result_prompt", Title: "Prompt That Asks",
		Description: "Conformance fixture: asks the user what context to use (input request user_context), then renders with it.",
		Get: func(ctx context.Context, call *sdk.Call, _ map[string]string) (*sdk.PromptResult, error) {
			answers, err := call.Host.Ask(ctx, askContext)
			if err != nil {
				return nil, err
			}
			return &sdk.PromptResult{Messages: []sdk.PromptMessage{
				userText(fmt.Sprintf("Use this context: %v", answers[0].Elicit.Content["context"]))}}, nil
		},
	}
}
