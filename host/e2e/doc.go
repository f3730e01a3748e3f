// Package e2e tests the host as users run it: the real billy-mcp binary,
// real plugin subprocesses, and real MCP clients over Streamable HTTP and
// stdio, plus the v1 REST API. TestMain builds every binary once.
package e2e
