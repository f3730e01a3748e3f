package sdk

import (
	"encoding/json"
	"fmt"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/billy-mcp/billy-mcp/sdk/internal/bridge"
	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
)

func init() {
	bridge.GoPlugin = func(p any, logger hclog.Logger) (goplugin.Plugin, error) {
		plugin, ok := p.(*Plugin)
		if !ok {
			return nil, fmt.Errorf("sdktest: %T is not a *sdk.Plugin", p)
		}
		return plugin.goPlugin(logger)
	}
	bridge.ToolResultFromWire = func(r *pluginv1.CallToolResponse) (any, error) { return toolResultFromWire(r) }
	bridge.ContentFromWire = func(c *pluginv1.Content) any { return contentFromWire(c) }
	bridge.ResourceContentsFromWire = func(c *pluginv1.ResourceContents) any { return resourceContentsFromWire(c) }
	bridge.ErrorFromStatus = errorFromStatus
}

// toolResultFromWire reads a tool's answer; a failed tool gives its *Error.
func toolResultFromWire(resp *pluginv1.CallToolResponse) (*ToolResult, error) {
	if resp.Error != nil {
		return nil, errmodel.FromWire(resp.Error)
	}
	out := &ToolResult{IsError: resp.IsError}
	if resp.TextFromStructured {
		out.Content = append(out.Content, &TextContent{Text: resp.StructuredContentJson})
	}
	for _, c := range resp.Content {
		out.Content = append(out.Content, contentFromWire(c))
	}
	if resp.StructuredContentJson != "" {
		out.Structured = json.RawMessage(resp.StructuredContentJson)
	}
	return out, nil
}
