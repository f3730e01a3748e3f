// Command billy-mcp-plugin-moms serves the moms plugin (package moms)
// as a plugin binary (the host starts it as a subprocess through
// go-plugin). The plugin itself lives in package moms, so other binaries
// can link it in too.
package main

import (
	"github.com/billy-mcp/billy-mcp/plugins/moms"
	"github.com/billy-mcp/billy-mcp/sdk"
)

func main() {
	sdk.Serve(moms.New())
}
