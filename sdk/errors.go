package sdk

import (
	"errors"
	"fmt"
	"strings"
)

// Category classifies an error the way the host's error model does. Clients
// use it to decide whether to fix their input, retry, or give up.
type Category string

// The categories of the host's error model.
const (
	CategoryValidation          Category = "validation"
	CategoryNotFound            Category = "not_found"
	CategoryConflict            Category = "conflict"
	CategoryUnauthorized        Category = "unauthorized"
	CategoryForbidden           Category = "forbidden"
	CategoryRateLimited         Category = "rate_limited"
	CategoryUpstreamUnavailable Category = "upstream_unavailable"
	CategoryInternal            Category = "internal"
)

// Retryable reports whether errors of this category are worth retrying
// unchanged.
func (c Category) Retryable() bool {
	return c == CategoryRateLimited || c == CategoryUpstreamUnavailable
}

// Error is a tool failure the caller should see. Return one (or wrap one) from
// a handler; any other error is reported as an internal error.
type Error struct {
	// Code is stable and machine-readable, e.g. "invoice_not_found".
	Code     string
	Category Category
	// Message says what went wrong and what to do about it.
	Message   string
	Retryable bool
	// Fields names the offending input fields for validation errors.
	Fields []FieldError
	// UpstreamCode is Billy's own errorCode, passed on verbatim.
	UpstreamCode string
	// RetryAfterSeconds hints when a retryable error may be retried.
	RetryAfterSeconds int
}

// FieldError is one invalid input field.
type FieldError struct {
	// Field is the path of the field, e.g. "lines[0].unitPrice".
	Field   string
	Message string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Message)
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s: %s", f.Field, f.Message)
	}
	return b.String()
}

// NewError returns an error of the given category. Retryable follows the
// category.
func NewError(category Category, code, format string, args ...any) *Error {
	return &Error{Code: code, Category: category, Message: fmt.Sprintf(format, args...), Retryable: category.Retryable()}
}

// NotFound reports that the named record does not exist.
func NotFound(code, format string, args ...any) *Error {
	return NewError(CategoryNotFound, code, format, args...)
}

// Invalid reports one invalid input field.
func Invalid(field, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{
		Code:     "invalid_argument",
		Category: CategoryValidation,
		Message:  fmt.Sprintf("invalid value for %s: %s", field, msg),
		Fields:   []FieldError{{Field: field, Message: msg}},
	}
}

// AsError returns err as an *Error: itself if it is (or wraps) one, otherwise
// an internal error carrying err's message.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: "internal", Category: CategoryInternal, Message: err.Error()}
}
