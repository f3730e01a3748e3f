package main

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
	"github.com/google/jsonschema-go/jsonschema"
)

// FuzzToolResults calls the plugin's tools with fuzzed arguments and checks
// every answer the way a strict client does: a result's structured content
// must validate against the output schema the tool publishes (the official
// TypeScript SDK throws otherwise), and a failure must be an *sdk.Error of
// the model, a validation error naming a field for bad input.
func FuzzToolResults(f *testing.F) {
	f.Add("Ada", 3)
	f.Add("  ", 0)
	f.Add("Æble \"ø\" \x00", 101)
	f.Add("", -7)
	h := sdktest.New(f, New())
	schemas := map[string]*jsonschema.Resolved{}
	for _, tool := range h.Tools() {
		if len(tool.OutputSchema) == 0 {
			continue
		}
		var s jsonschema.Schema
		if err := json.Unmarshal(tool.OutputSchema, &s); err != nil {
			f.Fatalf("%s: %v", tool.Name, err)
		}
		r, err := s.Resolve(nil)
		if err != nil {
			f.Fatalf("%s: %v", tool.Name, err)
		}
		schemas[tool.Name] = r
	}
	f.Fuzz(func(t *testing.T, name string, n int) {
		for tool, args := range map[string]any{
			"hello_greet": GreetInput{Name: name},
			"hello_count": CountInput{N: n % 200},
		} {
			res, err := h.CallTool(context.Background(), tool, args)
			if err != nil {
				var e *sdk.Error
				if !errors.As(err, &e) || e.Category != sdk.CategoryValidation || len(e.Fields) == 0 {
					t.Fatalf("%s(%+v): a failure outside the error model: %#v", tool, args, err)
				}
				continue
			}
			var instance any
			if err := json.Unmarshal(res.Structured, &instance); err != nil {
				t.Fatalf("%s: structured content is not JSON: %s", tool, res.Structured)
			}
			if err := schemas[tool].Validate(instance); err != nil {
				t.Fatalf("%s(%+v): %s does not match the published output schema: %v", tool, args, res.Structured, err)
			}
		}
	})
}
