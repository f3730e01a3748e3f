// Package bridge lets sdktest run a plugin in-process and reuse the sdk's
// wire conversions without the sdk exporting go-plugin, gRPC or protobuf
// types. Package sdk fills the functions in at init.
package bridge

import (
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// Conn is what dispensing a plugin in-process yields: the gRPC connection to
// the plugin and the broker on which the fake host serves host services.
type Conn struct {
	ClientConn *grpc.ClientConn
	Broker     *goplugin.GRPCBroker
}

var (
	// GoPlugin returns the go-plugin implementation of a *sdk.Plugin.
	GoPlugin func(plugin any, logger hclog.Logger) (goplugin.Plugin, error)
	// ToolResultFromWire returns a *sdk.ToolResult, or the tool's failure.
	ToolResultFromWire func(*pluginv1.CallToolResponse) (any, error)
	// ContentFromWire returns an sdk.Content.
	ContentFromWire func(*pluginv1.Content) any
	// ResourceContentsFromWire returns an sdk.ResourceContents.
	ResourceContentsFromWire func(*pluginv1.ResourceContents) any
	// ErrorFromStatus turns a gRPC status error into *sdk.Error.
	ErrorFromStatus func(error) error
)
