package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// The texts the conformance suite's scenarios expect, verbatim.
const (
	simpleText        = "This is a simple text response for testing."
	embeddedURI       = "test://embedded-resource"
	embeddedText      = "This is an embedded resource content."
	mixedText         = "Multiple content types test:"
	mixedURI          = "test://mixed-content-resource"
	mixedJSON         = `{"test":"data","value":123}`
	errorText         = "This tool intentionally returns an error for testing"
	loggingDone       = "Tool with logging executed successfully"
	progressDone      = "Tool with progress executed successfully"
	sampleMaxTokens   = 100
	stepDelay         = 50 * time.Millisecond
	category          = "conformance"
	sep1034Message    = "Please review and update the form fields with defaults"
	sep1330Message    = "Please select options from the enum fields"
	samplingPrefix    = "LLM response: "
	elicitationPrefix = "User response: "
)

// logMessages are sent by test_tool_with_logging, in this order.
var logMessages = []string{"Tool execution started", "Tool processing data", "Tool execution completed"}

// progressSteps are reported by test_tool_with_progress, out of progressTotal.
var progressSteps = []float64{0, 50, 100}

const progressTotal = 100

// New declares the plugin. Keeping it separate from main lets the sdktest
// tests run exactly what the binary serves.
func New() *sdk.Plugin {
	return &sdk.Plugin{
		Name:    "conformance",
		Version: "1.0.0",
		Description: "Fixtures for the official MCP conformance suite (@modelcontextprotocol/conformance 0.1.16 and " +
			"0.2.0-alpha.12) and the end-to-end tests. Enabled only by configs/conformance.yaml and the tests; never in production.",
		Tools:             tools(),
		Resources:         resources(),
		ResourceTemplates: resourceTemplates(),
		Prompts:           prompts(),
	}
}

// spec fills in what every fixture tool shares: it changes nothing and
// touches nothing outside the process.
func spec(name, description string) sdk.ToolSpec {
	return sdk.ToolSpec{Name: name, Description: description, Effect: sdk.ReadOnly, ClosedWorld: true, Category: category}
}

// fixed declares a no-argument tool that always returns result.
func fixed(name, description string, result func() *sdk.Result) sdk.Tool {
	return sdk.NewTool(spec(name, description), func(context.Context, *sdk.Call, struct{}) (*sdk.Result, error) {
		return result(), nil
	})
}

func tools() []sdk.Tool {
	tools := []sdk.Tool{
		fixed("test_simple_text", "Conformance fixture: returns a fixed text response.", func() *sdk.Result {
			return sdk.Text(simpleText)
		}),
		fixed("test_image_content", "Conformance fixture: returns a 1x1 PNG image.", func() *sdk.Result {
			return &sdk.Result{Content: []sdk.Content{&sdk.ImageContent{Data: pngPixel, MIMEType: "image/png"}}}
		}),
		fixed("test_audio_content", "Conformance fixture: returns a minimal WAV audio clip.", func() *sdk.Result {
			return &sdk.Result{Content: []sdk.Content{&sdk.AudioContent{Data: wavSilence, MIMEType: "audio/wav"}}}
		}),
		fixed("test_embedded_resource", "Conformance fixture: returns an embedded text resource.", func() *sdk.Result {
			return &sdk.Result{Content: []sdk.Content{&sdk.EmbeddedResource{Resource: sdk.ResourceContents{
				URI: embeddedURI, MIMEType: "text/plain", Text: embeddedText}}}}
		}),
		fixed("test_multiple_content_types", "Conformance fixture: returns text, an image and an embedded JSON resource.", func() *sdk.Result {
			return &sdk.Result{Content: []sdk.Content{
				&sdk.TextContent{Text: mixedText},
				&sdk.ImageContent{Data: pngPixel, MIMEType: "image/png"},
				&sdk.EmbeddedResource{Resource: sdk.ResourceContents{URI: mixedURI, MIMEType: "application/json", Text: mixedJSON}},
			}}
		}),
		fixed("test_error_handling", "Conformance fixture: always returns a tool error result (isError true).", func() *sdk.Result {
			return &sdk.Result{IsError: true, Content: []sdk.Content{&sdk.TextContent{Text: errorText}}}
		}),
		sdk.NewTool(spec("test_tool_with_logging",
			"Conformance fixture: sends three info log messages about 50 ms apart, then returns."), withLogging),
		sdk.NewTool(spec("test_tool_with_progress",
			"Conformance fixture: reports progress 0, 50 and 100 of 100 about 50 ms apart, then returns."), withProgress),
		sdk.NewTool(spec("test_sampling",
			"Conformance fixture: asks the client's model to complete the prompt and returns its answer."), sampling),
		sdk.NewTool(spec("test_elicitation",
			"Conformance fixture: asks the user for a username and an email address and returns the answer."), elicitation),
		sdk.NewTool(spec("test_elicitation_sep1034_defaults",
			"Conformance fixture: elicitation whose fields carry default values (SEP-1034)."), elicitationDefaults),
		sdk.NewTool(spec("test_elicitation_sep1330_enums",
			"Conformance fixture: elicitation with the five enum forms of SEP-1330."), elicitationEnums),
		fixtureError(),
	}
	tools = append(tools, statelessTools()...)
	tools = append(tools, roundTripTools()...)
	tools = append(tools, schemaTools()...)
	return append(tools, taskTools()...)
}

// pause waits d, or until ctx ends.
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func withLogging(ctx context.Context, call *sdk.Call, _ struct{}) (*sdk.Result, error) {
	for i, msg := range logMessages {
		if i > 0 {
			if err := pause(ctx, stepDelay); err != nil {
				return nil, err
			}
		}
		if err := call.Host.Log(ctx, sdk.LogInfo, msg, nil); err != nil {
			return nil, err
		}
	}
	return sdk.Text(loggingDone), nil
}

func withProgress(ctx context.Context, call *sdk.Call, _ struct{}) (*sdk.Result, error) {
	for i, p := range progressSteps {
		if i > 0 {
			if err := pause(ctx, stepDelay); err != nil {
				return nil, err
			}
		}
		if err := call.Host.Progress(ctx, p, progressTotal, ""); err != nil {
			return nil, err
		}
	}
	return sdk.Text(progressDone), nil
}

// SamplingInput is the input of test_sampling.
type SamplingInput struct {
	Prompt string `json:"prompt" jsonschema:"The prompt to send to the LLM"`
}

func sampling(ctx context.Context, call *sdk.Call, in SamplingInput) (*sdk.Result, error) {
	res, err := call.Host.Sample(ctx, sdk.SampleRequest{
		Messages:  []sdk.SamplingMessage{{Role: "user", Text: in.Prompt}},
		MaxTokens: sampleMaxTokens,
	})
	if err != nil {
		return nil, err
	}
	return sdk.Text(samplingPrefix + res.Text), nil
}

// ElicitationInput is the input of test_elicitation.
type ElicitationInput struct {
	Message string `json:"message" jsonschema:"The message to show the user"`
}

// userSchema is the form test_elicitation asks the user to fill in.
var userSchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"username": map[string]any{"type": "string", "description": "User's response"},
		"email":    map[string]any{"type": "string", "description": "User's email address"},
	},
	"required": []string{"username", "email"},
}

// defaultsSchema has a default for every primitive type (SEP-1034).
var defaultsSchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"name":     map[string]any{"type": "string", "description": "User name", "default": "John Doe"},
		"age":      map[string]any{"type": "integer", "description": "User age", "default": 30},
		"score":    map[string]any{"type": "number", "description": "User score", "default": 95.5},
		"status":   map[string]any{"type": "string", "description": "User status", "enum": []string{"active", "inactive", "pending"}, "default": "active"},
		"verified": map[string]any{"type": "boolean", "description": "Verification status", "default": true},
	},
}

// enumsSchema has the five enum forms of SEP-1330.
var enumsSchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		// Untitled single-select.
		"untitledSingle": map[string]any{"type": "string", "enum": []string{"option1", "option2", "option3"}},
		// Titled single-select.
		"titledSingle": map[string]any{"type": "string", "oneOf": []map[string]any{
			{"const": "value1", "title": "First Option"},
			{"const": "value2", "title": "Second Option"},
			{"const": "value3", "title": "Third Option"},
		}},
		// Legacy titled single-select (deprecated enumNames).
		"legacyEnum": map[string]any{"type": "string", "enum": []string{"opt1", "opt2", "opt3"},
			"enumNames": []string{"Option One", "Option Two", "Option Three"}},
		// Untitled multi-select.
		"untitledMulti": map[string]any{"type": "array", "items": map[string]any{
			"type": "string", "enum": []string{"option1", "option2", "option3"}}},
		// Titled multi-select.
		"titledMulti": map[string]any{"type": "array", "items": map[string]any{"anyOf": []map[string]any{
			{"const": "value1", "title": "First Choice"},
			{"const": "value2", "title": "Second Choice"},
			{"const": "value3", "title": "Third Choice"},
		}}},
	},
}

func elicitation(ctx context.Context, call *sdk.Call, in ElicitationInput) (*sdk.Result, error) {
	return elicit(ctx, call, in.Message, userSchema, elicitationPrefix)
}

func elicitationDefaults(ctx context.Context, call *sdk.Call, _ struct{}) (*sdk.Result, error) {
	return elicit(ctx, call, sep1034Message, defaultsSchema, "Elicitation completed: ")
}

func elicitationEnums(ctx context.Context, call *sdk.Call, _ struct{}) (*sdk.Result, error) {
	return elicit(ctx, call, sep1330Message, enumsSchema, "Elicitation completed: ")
}

// elicit asks the user and reports the answer as
// "<prefix>action=<action>, content=<JSON>".
func elicit(ctx context.Context, call *sdk.Call, message string, schema map[string]any, prefix string) (*sdk.Result, error) {
	res, err := call.Host.Elicit(ctx, message, schema)
	if err != nil {
		return nil, err
	}
	content := res.Content
	if content == nil {
		content = map[string]any{}
	}
	b, err := json.Marshal(content)
	if err != nil {
		return nil, fmt.Errorf("encoding the user's answer: %w", err)
	}
	return sdk.Text(fmt.Sprintf("%saction=%s, content=%s", prefix, res.Action, b)), nil
}
