// Command billy-sandbox serves the sandbox Billy API (a faithful fake of
// Billy.dk's API v2 with Danish demo data) on its own; see package sandbox.
package main

import (
	"os"

	"github.com/billy-mcp/billy-mcp/sandbox"
)

func main() {
	os.Exit(sandbox.Command("billy-sandbox", os.Args[1:], os.Stderr))
}
