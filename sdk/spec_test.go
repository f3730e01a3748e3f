package sdk_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
	"github.com/google/go-cmp/cmp"
)

// schema2020 uses what Go types cannot say: $defs, $ref, if/then/else.
const schema2020 = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "$defs": {"address": {"$anchor": "addressDef", "type": "object", "properties": {"city": {"type": "string"}}}},
  "properties": {"address": {"$ref": "#/$defs/address"}, "kind": {"type": "string"}},
  "if": {"properties": {"kind": {"const": "home"}}}, "then": {"required": ["address"]},
  "additionalProperties": false
}`

func TestVerbatimInputSchema(t *testing.T) {
	tool := sdk.NewTool(sdk.ToolSpec{Name: "raw", Description: "Takes its arguments as they are.", Effect: sdk.ReadOnly,
		InputSchema: json.RawMessage(schema2020)},
		func(_ context.Context, _ *sdk.Call, in json.RawMessage) (*sdk.Result, error) {
			return sdk.Text(string(in)), nil
		})
	h := sdktest.New(t, &sdk.Plugin{Name: "raw", Version: "1.0.0", Tools: []sdk.Tool{tool}})
	var got, want any
	if err := json.Unmarshal(h.Tools()[0].InputSchema, &got); err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal([]byte(schema2020), &want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("input schema changed (-want +got):\n%s", diff)
	}
	res, err := h.CallTool(context.Background(), "raw", map[string]any{"kind": "home", "address": map[string]any{"city": "Aarhus"}})
	if err != nil {
		t.Fatal(err)
	}
	if txt := res.Content[0].(*sdk.TextContent).Text; !strings.Contains(txt, "Aarhus") {
		t.Errorf("handler got %s", txt)
	}
}

func TestSpecDeclarationMistakes(t *testing.T) {
	tests := []struct {
		name string
		spec sdk.ToolSpec
		want string // in the error Serve reports; empty: no error
	}{
		{"schema not JSON", sdk.ToolSpec{InputSchema: json.RawMessage(`{`)}, "not a JSON object"},
		{"schema not an object", sdk.ToolSpec{InputSchema: json.RawMessage(`{"type":"string"}`)}, `"type": "object"`},
		{"another dialect", sdk.ToolSpec{InputSchema: json.RawMessage(`{"type":"object","$schema":"http://json-schema.org/draft-07/schema#"}`)}, "2020-12"},
		{"deferred without a task", sdk.ToolSpec{DeferTask: true}, "DeferTask needs Task"},
		{"unknown task support", sdk.ToolSpec{Task: 7}, "Task must be"},
		{"deferred task", sdk.ToolSpec{Task: sdk.TaskRequired, DeferTask: true, InputSchema: json.RawMessage(`{"type":"object"}`)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := tt.spec
			spec.Name, spec.Description, spec.Effect = "t", "A tool.", sdk.ReadOnly
			tool := sdk.NewTool(spec, func(context.Context, *sdk.Call, json.RawMessage) (*sdk.Result, error) { return sdk.Text(""), nil })
			_, err := sdktest.Start(t, &sdk.Plugin{Name: "p", Version: "1.0.0", Tools: []sdk.Tool{tool}})
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error = %v, want one saying %q", err, tt.want)
			}
		})
	}
}
