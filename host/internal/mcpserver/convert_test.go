package mcpserver

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/google/go-cmp/cmp"
)

// TestHints: only what differs from the spec's defaults is listed, except
// that a destructive tool always says so.
func TestHints(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name string
		in   registry.Annotations
		want map[string]any
	}{
		{"read-only, open world", registry.Annotations{ReadOnly: &yes, Destructive: &no, Idempotent: &yes, OpenWorld: &yes},
			map[string]any{"readOnlyHint": true}},
		{"read-only, closed world", registry.Annotations{ReadOnly: &yes, Destructive: &no, Idempotent: &yes, OpenWorld: &no},
			map[string]any{"readOnlyHint": true, "openWorldHint": false}},
		{"additive, not idempotent", registry.Annotations{ReadOnly: &no, Destructive: &no, Idempotent: &no, OpenWorld: &yes},
			map[string]any{"destructiveHint": false}},
		{"additive, idempotent", registry.Annotations{ReadOnly: &no, Destructive: &no, Idempotent: &yes, OpenWorld: &yes},
			map[string]any{"destructiveHint": false, "idempotentHint": true}},
		{"destructive", registry.Annotations{ReadOnly: &no, Destructive: &yes, Idempotent: &no, OpenWorld: &yes},
			map[string]any{"destructiveHint": true}},
		{"unstated", registry.Annotations{}, map[string]any{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(any(tt.want), testkit.AsJSON(t, hints(tt.in))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestToolFor(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name string
		tool *registry.Tool
		want map[string]any
	}{
		{
			name: "everything",
			tool: &registry.Tool{
				Plugin: "invoices", Name: "create_invoice", Title: "Create invoice", Description: "Creates a draft",
				Category:     "invoices",
				InputSchema:  json.RawMessage(`{"type":"object","properties":{"contactId":{"type":"string"}},"required":["contactId"]}`),
				OutputSchema: json.RawMessage(`{"type":"object","properties":{"id":{"type":"string"}}}`),
				Annotations:  registry.Annotations{ReadOnly: &no, Destructive: &yes, Idempotent: &no, OpenWorld: &yes},
				Examples:     []registry.Example{{Title: "a draft", Arguments: json.RawMessage(`{"contactId":"c1"}`)}},
				Scopes:       []string{"invoices:write"},
			},
			want: map[string]any{
				"name": "create_invoice", "title": "Create invoice", "description": "Creates a draft",
				"inputSchema": map[string]any{"type": "object", "properties": map[string]any{"contactId": map[string]any{"type": "string"}},
					"required": []any{"contactId"}},
				"outputSchema": map[string]any{"type": "object", "properties": map[string]any{"id": map[string]any{"type": "string"}}},
				// The title once; category, scopes and examples only in REST.
				"annotations": map[string]any{"destructiveHint": true},
			},
		},
		{
			name: "minimal: no output schema, hints unstated, no _meta",
			tool: &registry.Tool{Name: "ping", Description: "Pings", InputSchema: json.RawMessage(`{"type":"object"}`)},
			want: map[string]any{"name": "ping", "description": "Pings", "inputSchema": map[string]any{"type": "object"},
				"annotations": map[string]any{}},
		},
		{
			name: "a category and an empty output schema",
			tool: &registry.Tool{Name: "ping", Description: "Pings", Category: "diagnostics", InputSchema: json.RawMessage(`{"type":"object"}`),
				OutputSchema: json.RawMessage{}},
			want: map[string]any{"name": "ping", "description": "Pings", "inputSchema": map[string]any{"type": "object"},
				"annotations": map[string]any{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := testkit.AsJSON(t, toolFor(tt.tool))
			if diff := cmp.Diff(any(tt.want), got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// The input schema is sent byte for byte as the plugin declared it, so
// keywords mcp-go does not model (e.g. $defs, oneOf) survive.
func TestToolForKeepsRawSchema(t *testing.T) {
	schema := `{"type":"object","$defs":{"line":{"type":"object"}},"properties":{"lines":{"type":"array","items":{"$ref":"#/$defs/line"}}},"oneOf":[{"required":["lines"]}]}`
	tool := toolFor(&registry.Tool{Name: "x", Description: "x", InputSchema: json.RawMessage(schema)})
	if string(tool.RawInputSchema) != schema {
		t.Errorf("RawInputSchema = %s", tool.RawInputSchema)
	}
}

func TestToolResult(t *testing.T) {
	tests := []struct {
		name string
		in   *pluginv1.CallToolResponse
		want map[string]any
	}{
		{"empty content is an empty list", &pluginv1.CallToolResponse{},
			map[string]any{"content": []any{}}},
		{"structured and text", &pluginv1.CallToolResponse{StructuredContentJson: `{"total":1250.5}`,
			Content: []*pluginv1.Content{{Kind: &pluginv1.Content_Text{Text: &pluginv1.TextContent{Text: "1.250,50 kr."}}}}},
			map[string]any{"content": []any{map[string]any{"type": "text", "text": "1.250,50 kr."}}, "structuredContent": map[string]any{"total": 1250.5}}},
		{"text put back from the structured content", &pluginv1.CallToolResponse{StructuredContentJson: `{"total":1}`, TextFromStructured: true,
			Content: []*pluginv1.Content{{Kind: &pluginv1.Content_Text{Text: &pluginv1.TextContent{Text: "more"}}}}},
			map[string]any{"content": []any{map[string]any{"type": "text", "text": `{"total":1}`}, map[string]any{"type": "text", "text": "more"}},
				"structuredContent": map[string]any{"total": 1.0}}},
		{"tool error", &pluginv1.CallToolResponse{IsError: true,
			Content: []*pluginv1.Content{{Kind: &pluginv1.Content_Text{Text: &pluginv1.TextContent{Text: "nope"}}}}},
			map[string]any{"isError": true, "content": []any{map[string]any{"type": "text", "text": "nope"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(any(tt.want), testkit.AsJSON(t, toolResult(tt.in))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestErrorResult(t *testing.T) {
	e := errmodel.Invalid("create_invoice: the arguments do not match", errmodel.FieldError{Field: "lines[0].unitPrice", Message: "must be >= 0"})
	e = e.WithCorrelation("corr-1")
	wantErr := map[string]any{"code": "invalid_arguments", "category": "validation", "message": "create_invoice: the arguments do not match",
		"fields": []any{map[string]any{"field": "lines[0].unitPrice", "message": "must be >= 0"}}, "retryable": false, "correlationId": "corr-1"}

	res := errorResult(e)
	got := testkit.AsJSON(t, res).(map[string]any)
	if got["isError"] != true {
		t.Errorf("isError = %v", got["isError"])
	}
	if sc, ok := got["structuredContent"]; ok {
		t.Errorf("an error result carries structured content (clients validate it against the output schema): %v", sc)
	}
	content, _ := got["content"].([]any)
	if len(content) != 1 {
		t.Fatalf("content %v", got["content"])
	}
	var text any
	if err := json.Unmarshal([]byte(content[0].(map[string]any)["text"].(string)), &text); err != nil {
		t.Fatalf("text is not the JSON error: %v", err)
	}
	if diff := cmp.Diff(map[string]any{"error": wantErr}, text); diff != "" {
		t.Errorf("text (-want +got):\n%s", diff)
	}

	retry := errmodel.New(errmodel.UpstreamUnavailable, "plugin_unavailable", "restarting")
	retry.RetryAfterSeconds = 2
	var body any
	retryText := testkit.AsJSON(t, errorResult(retry)).(map[string]any)["content"].([]any)[0].(map[string]any)["text"].(string)
	if err := json.Unmarshal([]byte(retryText), &body); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"error": map[string]any{"code": "plugin_unavailable", "category": "upstream_unavailable",
		"message": "restarting", "retryable": true, "retryAfterSeconds": 2.0}}
	if diff := cmp.Diff(any(want), body); diff != "" {
		t.Errorf("retryable (-want +got):\n%s", diff)
	}
}

func TestProtocolError(t *testing.T) {
	e := errmodel.New(errmodel.NotFound, "resource_not_found", "there is no resource %q", "billy://x").WithCorrelation("c-9")
	msg := protocolError(e).Error()
	for _, s := range []string{`resource_not_found: there is no resource "billy://x"`, `"category":"not_found"`, `"correlationId":"c-9"`} {
		if !strings.Contains(msg, s) {
			t.Errorf("%q does not contain %q", msg, s)
		}
	}
}

// Without an MCP session in the context (REST, tests), the client bridge
// reports no capabilities and does nothing for progress without a token.
func TestClientWithoutSession(t *testing.T) {
	c := &client{ctx: context.Background()}
	if c.CanElicit() || c.CanSample() || c.modern() {
		t.Errorf("elicit %v sample %v modern %v", c.CanElicit(), c.CanSample(), c.modern())
	}
	if err := c.Progress(context.Background(), 1, 2, "x"); err != nil {
		t.Errorf("Progress without a token: %v", err)
	}
	if _, _, err := c.Elicit(context.Background(), "?", json.RawMessage(`{`)); err == nil {
		t.Error("Elicit accepted a schema that is not JSON")
	}
}
