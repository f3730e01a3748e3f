// Command hello is the example billy-mcp plugin for third-party authors: one
// read-only tool that needs nothing but its input, one that calls Billy
// through the host, and one that reports progress. docs/plugin-authors.md
// walks through it.
package main

import "github.com/billy-mcp/billy-mcp/sdk"

func main() {
	sdk.Serve(New())
}
