// Command billy-mcp-plugin-integrations serves the integrations plugin (package integrations)
// as a plugin binary (the host starts it as a subprocess through
// go-plugin). The plugin itself lives in package integrations, so other binaries
// can link it in too.
package main

import (
	"github.com/billy-mcp/billy-mcp/plugins/integrations"
	"github.com/billy-mcp/billy-mcp/sdk"
)

func main() {
	sdk.Serve(integrations.New())
}
