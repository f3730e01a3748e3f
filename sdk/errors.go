package sdk

import (
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
)

// Error is a tool failure the caller should see: a stable Code, a Category,
// a Message that says what to do, Fields for validation errors. Return one
// (or wrap one) from a handler. Any other error is reported to the caller as
// an internal error carrying the request's correlation ID, and its text goes
// only to the plugin's log (it may name hosts, files or data).
//
// It is the host's own error model (package errmodel of the wire contract),
// so every field reaches MCP, REST and stdio clients unchanged.
type Error = errmodel.Error

// FieldError is one invalid input field of a validation Error.
type FieldError = errmodel.FieldError

// Category classifies an error the way the host's error model does. Clients
// use it to decide whether to fix their input, retry, or give up.
type Category = errmodel.Category

// The categories of the host's error model.
const (
	CategoryValidation          = errmodel.Validation
	CategoryNotFound            = errmodel.NotFound
	CategoryConflict            = errmodel.Conflict
	CategoryUnauthorized        = errmodel.Unauthorized
	CategoryForbidden           = errmodel.Forbidden
	CategoryRateLimited         = errmodel.RateLimited
	CategoryUpstreamUnavailable = errmodel.UpstreamUnavailable
	CategoryInternal            = errmodel.Internal
)

// CodeInvalidArguments is the code of a validation error about a call's
// arguments; Invalid uses it.
const CodeInvalidArguments = errmodel.CodeInvalidArguments

// NewError returns an error of the given category. Retryable follows the
// category.
func NewError(category Category, code, format string, args ...any) *Error {
	return errmodel.New(category, code, format, args...)
}

// NotFound reports that the named record does not exist.
func NotFound(code, format string, args ...any) *Error {
	return errmodel.New(CategoryNotFound, code, format, args...)
}

// Invalid reports one invalid input field.
func Invalid(field, format string, args ...any) *Error {
	return errmodel.InvalidField(field, format, args...)
}

// AsError returns err as an *Error if it is (or wraps) one; any other error
// becomes the internal error the caller sees instead (without err's text).
func AsError(err error) *Error {
	return errmodel.From(err)
}
