// Package e2e tests the host as users run it: the real billy-mcp binary,
// real plugin subprocesses, and real MCP clients over Streamable HTTP and
// stdio, plus the v1 REST API. TestMain builds every binary once.
//
// The client matrix (matrix*_test.go, client_*_test.go) runs MCP clients
// written by others (the official TypeScript and Go SDKs, the MCP
// Inspector's CLI, the Vercel AI SDK's client, mcp-go's) against the host
// over both transports, calling every tool listed in
// testdata/client-matrix.yaml; a tool the server lists and the file lacks
// fails the test. Golden wire transcripts (testdata/transcripts) pin what a
// session of each spec revision looks like; -update rewrites them.
//
// Multi round trips of 2026-07-28 run through the official TypeScript
// (v2, @modelcontextprotocol/client) and Go SDK clients
// (roundtrips_test.go); tasks and round trips cross the instances of one
// deployment, on SQLite and PostgreSQL (tasks_test.go).
package e2e
