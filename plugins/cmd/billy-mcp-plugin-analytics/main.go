// Command billy-mcp-plugin-analytics serves the analytics plugin (package analytics)
// as a plugin binary (the host starts it as a subprocess through
// go-plugin). The plugin itself lives in package analytics, so other binaries
// can link it in too.
package main

import (
	"github.com/billy-mcp/billy-mcp/plugins/analytics"
	"github.com/billy-mcp/billy-mcp/sdk"
)

func main() {
	sdk.Serve(analytics.New())
}
