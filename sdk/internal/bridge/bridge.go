// Package bridge lets sdktest reuse the sdk's wire conversions without the
// sdk exporting protobuf types. Package sdk fills these in at init.
package bridge

import pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"

var (
	// ToolResultFromWire returns a *sdk.ToolResult.
	ToolResultFromWire func(*pluginv1.CallToolResponse) any
	// ContentFromWire returns an sdk.Content.
	ContentFromWire func(*pluginv1.Content) any
	// ResourceContentsFromWire returns an sdk.ResourceContents.
	ResourceContentsFromWire func(*pluginv1.ResourceContents) any
	// ErrorFromStatus turns a gRPC status error from a plugin into *sdk.Error.
	ErrorFromStatus func(error) error
)
