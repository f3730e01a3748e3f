// Package app wires the host together from its config: logger, registry,
// plugin manager, dispatcher, Billy gateway, MCP server and HTTP surface.
// The command in cmd/billy-mcp only parses flags and calls into here, so
// tests start the same host the binary does.
package app
