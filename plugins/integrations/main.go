package main

import "github.com/billy-mcp/billy-mcp/sdk"

func main() {
	sdk.Serve(New())
}
