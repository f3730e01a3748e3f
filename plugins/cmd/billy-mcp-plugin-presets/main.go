// Command billy-mcp-plugin-presets serves the presets plugin (package presets)
// as a plugin binary (the host starts it as a subprocess through
// go-plugin). The plugin itself lives in package presets, so other binaries
// can link it in too.
package main

import (
	"github.com/billy-mcp/billy-mcp/plugins/presets"
	"github.com/billy-mcp/billy-mcp/sdk"
)

func main() {
	sdk.Serve(presets.New())
}
