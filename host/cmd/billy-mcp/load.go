package main

import (
	"io"

	"github.com/billy-mcp/billy-mcp/host/internal/load"
)

// loadCmd is `billy-mcp load`: the load generator, in the host's binary so
// that whoever runs a host has it (see host/internal/load).
func loadCmd(args []string, stdout, stderr io.Writer) int {
	return load.Command(args, stdout, stderr)
}
