package main

import (
	"io"

	"github.com/billy-mcp/billy-mcp/sandbox"
)

// sandboxCmd is `billy-mcp sandbox`: the sandbox's own command, kept in the
// host's binary for deployments that ship only it.
func sandboxCmd(args []string, stderr io.Writer) int {
	return sandbox.Command("billy-mcp sandbox", args, stderr)
}
