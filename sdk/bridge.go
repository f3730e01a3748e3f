package sdk

import (
	"encoding/json"

	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/billy-mcp/billy-mcp/sdk/internal/bridge"
)

func init() {
	bridge.ToolResultFromWire = func(r *pluginv1.CallToolResponse) any { return toolResultFromWire(r) }
	bridge.ContentFromWire = func(c *pluginv1.Content) any { return contentFromWire(c) }
	bridge.ResourceContentsFromWire = func(c *pluginv1.ResourceContents) any { return resourceContentsFromWire(c) }
	bridge.ErrorFromStatus = errorFromStatus
}

func toolResultFromWire(resp *pluginv1.CallToolResponse) *ToolResult {
	out := &ToolResult{IsError: resp.IsError}
	for _, c := range resp.Content {
		out.Content = append(out.Content, contentFromWire(c))
	}
	if resp.StructuredContentJson != "" {
		out.Structured = json.RawMessage(resp.StructuredContentJson)
	}
	return out
}
