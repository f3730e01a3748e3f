// Package apperr is the host's one error model (see DESIGN.md, "Errors"): a
// stable code, a category, a message that says what to do, field details for
// validation, a retryable flag and the request's correlation ID.
//
// Every layer of the host returns *Error for failures a caller should see;
// the transports render it (an MCP tool result with isError, a REST JSON
// body, a gRPC status with a ToolError detail toward plugins).
package apperr
