// Package errmodel is billy-mcp's one error model (DESIGN.md, "Errors"): a
// stable code, a category, a message that says what to do, field details for
// validation, a retryable flag and the request's correlation ID.
//
// The host and the sdk both use it, so a plugin's error reaches MCP, REST and
// stdio clients with every category, code and field intact, and the two sides
// cannot drift apart: the sdk re-exports Error and Category under its own
// names, the host uses them directly, and the conversion to and from the wire
// (ToolError, ErrorCategory) lives here and nowhere else.
package errmodel
