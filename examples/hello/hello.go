package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// Config is the plugin's config section in the host's config file:
//
//	plugins:
//	  hello:
//	    path: billy-mcp-plugin-hello
//	    config:
//	      greeting: Hej
type Config struct {
	Greeting string `json:"greeting,omitempty" jsonschema:"word to greet with (default Hej)"`
}

// New declares the plugin. Keeping it separate from main lets the sdktest
// tests run exactly what the binary serves.
func New() *sdk.Plugin {
	cfg := Config{Greeting: "Hej"}
	return &sdk.Plugin{
		Name:        "hello",
		Version:     "1.0.0",
		Description: "Example plugin: greetings, the organization's name from Billy, and a counter with progress.",
		Configure: func(_ context.Context, raw json.RawMessage) error {
			var c Config
			if err := json.Unmarshal(raw, &c); err != nil {
				return sdk.Invalid("config", "must be an object: %v", err)
			}
			if c.Greeting != "" {
				if len(c.Greeting) > 40 {
					return sdk.Invalid("greeting", "at most 40 characters, got %d", len(c.Greeting))
				}
				cfg.Greeting = c.Greeting
			}
			return nil
		},
		Tools: []sdk.Tool{
			sdk.NewTool(sdk.ToolSpec{
				Name:        "hello_greet",
				Title:       "Greet someone",
				Description: "Returns a greeting for the given name. Use it to check that plugins work end to end.",
				Effect:      sdk.ReadOnly,
				ClosedWorld: true,
				Category:    "examples",
				Examples:    []sdk.Example{{Title: "Greet Ada", Arguments: GreetInput{Name: "Ada"}}},
			}, func(_ context.Context, _ *sdk.Call, in GreetInput) (GreetOutput, error) {
				name := strings.TrimSpace(in.Name)
				if name == "" {
					return GreetOutput{}, sdk.Invalid("name", "must not be blank")
				}
				return GreetOutput{Greeting: fmt.Sprintf("%s, %s!", cfg.Greeting, name)}, nil
			}),
			sdk.NewTool(sdk.ToolSpec{
				Name:        "hello_organization",
				Title:       "Organization name",
				Description: "Returns the name of the caller's Billy organization, read through the host's Billy gateway.",
				Effect:      sdk.ReadOnly,
				Category:    "examples",
				Scopes:      []string{"organization:read"},
			}, organization),
			sdk.NewTool(sdk.ToolSpec{
				Name:        "hello_count",
				Title:       "Count with progress",
				Description: "Counts from 1 to n (at most 100), reporting progress at each step and pausing delay_ms between steps. It stops early if the client cancels.",
				Effect:      sdk.ReadOnly,
				ClosedWorld: true,
				Category:    "examples",
			}, count),
		},
	}
}

// GreetInput is the input of hello_greet.
type GreetInput struct {
	Name string `json:"name" jsonschema:"who to greet"`
}

// GreetOutput is the output of hello_greet.
type GreetOutput struct {
	Greeting string `json:"greeting"`
}

// OrganizationOutput is the output of hello_organization.
type OrganizationOutput struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func organization(ctx context.Context, call *sdk.Call, _ struct{}) (OrganizationOutput, error) {
	resp, err := call.Host.Billy(ctx, sdk.BillyRequest{Method: "GET", Path: "/organizations/" + call.Caller.OrganizationID})
	if err != nil {
		return OrganizationOutput{}, err
	}
	var body struct {
		Organization OrganizationOutput `json:"organization"`
	}
	if err := resp.Decode(&body); err != nil {
		return OrganizationOutput{}, fmt.Errorf("decoding Billy's answer: %w", err)
	}
	return body.Organization, nil
}

// CountInput is the input of hello_count.
type CountInput struct {
	N       int `json:"n" jsonschema:"count to this number (1-100)"`
	DelayMS int `json:"delay_ms,omitempty" jsonschema:"pause between steps in milliseconds (0-1000)"`
}

// CountOutput is the output of hello_count.
type CountOutput struct {
	Counted int `json:"counted"`
}

func count(ctx context.Context, call *sdk.Call, in CountInput) (CountOutput, error) {
	if in.N < 1 || in.N > 100 {
		return CountOutput{}, sdk.Invalid("n", "must be between 1 and 100, got %d", in.N)
	}
	if in.DelayMS < 0 || in.DelayMS > 1000 {
		return CountOutput{}, sdk.Invalid("delay_ms", "must be between 0 and 1000, got %d", in.DelayMS)
	}
	for i := 1; i <= in.N; i++ {
		if i > 1 && in.DelayMS > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(time.Duration(in.DelayMS) * time.Millisecond):
			}
		}
		// The host cancels ctx when the client cancels or disconnects.
		if err := ctx.Err(); err != nil {
			return CountOutput{}, err
		}
		if err := call.Host.Progress(ctx, float64(i), float64(in.N), fmt.Sprintf("counted %d", i)); err != nil {
			return CountOutput{}, err
		}
	}
	return CountOutput{Counted: in.N}, nil
}
