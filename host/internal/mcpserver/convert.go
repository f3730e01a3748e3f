package mcpserver

import (
	"encoding/json"

	"github.com/billy-mcp/billy-mcp/host/internal/mcpcontent"
	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/mark3labs/mcp-go/mcp"
)

// toolFor is a tool as MCP clients list it. Only what a model needs to pick
// and call the tool is listed: every byte is in every conversation's context.
// The title is said once (not again in the annotations); category, scopes
// and examples stay in the registry and the REST listing.
func toolFor(t *registry.Tool) mcp.Tool {
	tool := mcp.Tool{
		Name:           t.Name,
		Title:          t.Title,
		Description:    t.Description,
		RawInputSchema: t.InputSchema,
		Annotations:    hints(t.Annotations),
	}
	if len(t.OutputSchema) > 0 {
		tool.RawOutputSchema = t.OutputSchema
	}
	return tool
}

// hints lists the annotations a client needs to know, leaving out what the
// spec's defaults already say (readOnlyHint false, destructiveHint true,
// idempotentHint false, openWorldHint true) and the write hints of a
// read-only tool, which the spec says mean nothing there. A destructive
// tool says so anyway: it costs a few bytes, and a client that forgets the
// default must not take it for harmless.
func hints(a registry.Annotations) mcp.ToolAnnotation {
	var h mcp.ToolAnnotation
	isTrue := func(b *bool) bool { return b != nil && *b }
	isFalse := func(b *bool) bool { return b != nil && !*b }
	if isTrue(a.ReadOnly) {
		h.ReadOnlyHint = a.ReadOnly
	} else {
		h.DestructiveHint = a.Destructive
		if isTrue(a.Idempotent) {
			h.IdempotentHint = a.Idempotent
		}
	}
	if isFalse(a.OpenWorld) {
		h.OpenWorldHint = a.OpenWorld
	}
	return h
}

func toolResult(resp *pluginv1.CallToolResponse) *mcp.CallToolResult {
	res := &mcp.CallToolResult{IsError: resp.IsError, Content: []mcp.Content{}}
	if resp.TextFromStructured {
		// The plugin left out the text item that repeats the structured
		// content; clients that read only text get it back here.
		res.Content = append(res.Content, mcp.NewTextContent(resp.StructuredContentJson))
	}
	for _, c := range resp.Content {
		res.Content = append(res.Content, mcpcontent.FromWire(c))
	}
	if resp.StructuredContentJson != "" {
		res.StructuredContent = json.RawMessage(resp.StructuredContentJson)
	}
	return res
}

// errorResult renders a failure as a tool result with isError and the error
// object, as JSON, in its text content: models read it and correct their
// call. It carries no structured content: a client validates structured
// content against the tool's output schema even on errors (the official
// TypeScript SDK throws when it does not match), and an error never has the
// shape of a tool's output.
func errorResult(e *errmodel.Error) *mcp.CallToolResult {
	b, _ := json.Marshal(map[string]any{"error": e})
	return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{mcp.NewTextContent(string(b))}}
}
