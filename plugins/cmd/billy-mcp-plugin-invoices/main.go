// Command billy-mcp-plugin-invoices serves the invoices plugin (package invoices)
// as a plugin binary (the host starts it as a subprocess through
// go-plugin). The plugin itself lives in package invoices, so other binaries
// can link it in too.
package main

import (
	"github.com/billy-mcp/billy-mcp/plugins/invoices"
	"github.com/billy-mcp/billy-mcp/sdk"
)

func main() {
	sdk.Serve(invoices.New())
}
