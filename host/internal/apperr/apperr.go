package apperr

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Category is the coarse class of an error.
type Category string

// The categories of the error model.
const (
	Validation          Category = "validation"
	NotFound            Category = "not_found"
	Conflict            Category = "conflict"
	Unauthorized        Category = "unauthorized"
	Forbidden           Category = "forbidden"
	RateLimited         Category = "rate_limited"
	UpstreamUnavailable Category = "upstream_unavailable"
	Internal            Category = "internal"
)

// Retryable reports whether errors of this category are worth retrying as is.
func (c Category) Retryable() bool { return c == RateLimited || c == UpstreamUnavailable }

// HTTPStatus is the status code the REST API answers with for the category.
func (c Category) HTTPStatus() int {
	switch c {
	case Validation:
		return http.StatusBadRequest
	case NotFound:
		return http.StatusNotFound
	case Conflict:
		return http.StatusConflict
	case Unauthorized:
		return http.StatusUnauthorized
	case Forbidden:
		return http.StatusForbidden
	case RateLimited:
		return http.StatusTooManyRequests
	case UpstreamUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// Known reports whether c is one of the model's categories.
func (c Category) Known() bool {
	switch c {
	case Validation, NotFound, Conflict, Unauthorized, Forbidden, RateLimited, UpstreamUnavailable, Internal:
		return true
	}
	return false
}

// Error is the one error shape of the host. Its JSON form is what clients see.
type Error struct {
	Code          string       `json:"code"`
	Category      Category     `json:"category"`
	Message       string       `json:"message"`
	Fields        []FieldError `json:"fields,omitempty"`
	Retryable     bool         `json:"retryable"`
	CorrelationID string       `json:"correlationId,omitempty"`
	// UpstreamCode is Billy's own errorCode, passed on verbatim.
	UpstreamCode string `json:"upstreamCode,omitempty"`
	// RetryAfterSeconds hints when a rate-limited or unavailable call may be
	// retried; 0 when unknown.
	RetryAfterSeconds int `json:"retryAfterSeconds,omitempty"`
}

// FieldError names one invalid input field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", e.Code, e.Message)
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s: %s", f.Field, f.Message)
	}
	return b.String()
}

// New makes an error; Retryable follows the category.
func New(category Category, code, format string, args ...any) *Error {
	return &Error{Code: code, Category: category, Message: fmt.Sprintf(format, args...), Retryable: category.Retryable()}
}

// Invalid is a validation error listing the offending fields.
func Invalid(message string, fields ...FieldError) *Error {
	return &Error{Code: "invalid_arguments", Category: Validation, Message: message, Fields: fields}
}

// From returns err as an *Error: itself if it is or wraps one, otherwise an
// internal error whose message does not carry err's text (which may name
// hosts, files or data); the dispatcher's audit line logs it instead.
func From(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: "internal", Category: Internal,
		Message: "internal error; the host's log has the details under this request's correlation ID"}
}

// WithCorrelation returns a copy of e carrying the correlation ID.
func (e *Error) WithCorrelation(id string) *Error {
	c := *e
	c.CorrelationID = id
	return &c
}
