// Command conformance is the fixture plugin for the official MCP conformance
// suite (@modelcontextprotocol/conformance 0.1.16). It exists only so that
// suite can run against billy-mcp: it serves the tools, resources and prompts
// whose names and texts the suite's server scenarios fix (test_simple_text,
// test://static-text, test_simple_prompt and so on), and nothing else. It
// touches neither Billy nor anything outside the process.
//
// It is enabled only by configs/conformance.yaml, never by default: a
// production deployment must not list these tools.
package main

import "github.com/billy-mcp/billy-mcp/sdk"

func main() {
	sdk.Serve(New())
}
