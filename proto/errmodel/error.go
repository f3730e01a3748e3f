package errmodel

import (
	"errors"
	"fmt"
	"strings"
)

// Error is the one error shape. Its JSON form is what clients see, in an MCP
// tool result's text content, a REST body and a JSON-RPC error.
type Error struct {
	// Code is stable and machine-readable, e.g. "invoice_not_found".
	Code     string   `json:"code"`
	Category Category `json:"category"`
	// Message says what went wrong and what to do about it.
	Message string `json:"message"`
	// Fields names the offending input fields of a validation error.
	Fields    []FieldError `json:"fields,omitempty"`
	Retryable bool         `json:"retryable"`
	// CorrelationID ties the error to the host's log lines for the request.
	CorrelationID string `json:"correlationId,omitempty"`
	// UpstreamCode is Billy's own errorCode, passed on verbatim.
	UpstreamCode string `json:"upstreamCode,omitempty"`
	// RetryAfterSeconds hints when a retryable error may be retried; 0 when
	// unknown.
	RetryAfterSeconds int `json:"retryAfterSeconds,omitempty"`
}

// FieldError names one invalid input field.
type FieldError struct {
	// Field is the path of the field, e.g. "lines[0].unitPrice".
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Codes every layer shares. Other codes belong to the layer that raises them.
const (
	// CodeInvalidArguments is the code of every validation error about a
	// call's own arguments.
	CodeInvalidArguments = "invalid_arguments"
	// CodeInternal is the code of an error whose cause the caller must not
	// see (it may name hosts, files or data).
	CodeInternal = "internal"
	// CodeWriteOutcomeUnknown says a write may or may not have happened:
	// never retryable as it is; the message says how to check.
	CodeWriteOutcomeUnknown = "write_outcome_unknown"
	// CodePluginStopped is a plugin that died while handling a call:
	// retryable for a read, an unknown outcome for a write.
	CodePluginStopped = "plugin_stopped"
	// CodeInputRequired is what the host answers a plugin's request for
	// user or model input when the client takes input as a multi round-trip
	// (MCP 2026-07-28): the plugin returns it from its handler, the client
	// answers, and the call runs again with the answer at hand.
	CodeInputRequired = "input_required"
	// CodeClientCapabilityMissing is a request for something the MCP client
	// did not declare it can do (elicitation, sampling, roots, tasks). Its
	// fields name the capabilities, each as "clientCapabilities.<name>", so
	// that the host can tell a 2026-07-28 client which (MCP error -32021).
	CodeClientCapabilityMissing = "client_capability_missing"
)

// ClientCapabilityMissing is the error of CodeClientCapabilityMissing for
// the named capabilities ("elicitation", "sampling", "roots", or an
// extension's identifier).
func ClientCapabilityMissing(capabilities ...string) *Error {
	e := &Error{Code: CodeClientCapabilityMissing, Category: Validation,
		Message: "the MCP client does not support this feature"}
	if len(capabilities) > 0 {
		e.Message = "the MCP client does not support " + strings.Join(capabilities, ", ") + ", which this needs"
	}
	for _, c := range capabilities {
		e.Fields = append(e.Fields, FieldError{Field: capabilityField + c, Message: "not declared by the client"})
	}
	return e
}

const capabilityField = "clientCapabilities."

// MissingCapabilities returns the capabilities an error of
// CodeClientCapabilityMissing names; nil for any other error.
func (e *Error) MissingCapabilities() []string {
	if e == nil || e.Code != CodeClientCapabilityMissing {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		if c, ok := strings.CutPrefix(f.Field, capabilityField); ok && c != "" {
			out = append(out, c)
		}
	}
	return out
}

// InputRequired is the error of CodeInputRequired.
func InputRequired() *Error {
	return &Error{Code: CodeInputRequired, Category: Conflict,
		Message: "the client has to ask its user or model first; return this error from the handler and the call is repeated with the answer"}
}

// Is reports whether target is an *Error of the same code, so that
// errors.Is(err, sentinel) holds for every error of the sentinel's kind
// whatever it says besides (which capability is missing, say).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t != nil && e != nil && t.Code != "" && t.Code == e.Code
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
	return &Error{Code: CodeInvalidArguments, Category: Validation, Message: message, Fields: fields}
}

// InvalidField is a validation error about one field; the message names it.
func InvalidField(field, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return Invalid(fmt.Sprintf("invalid value for %s: %s", field, msg), FieldError{Field: field, Message: msg})
}

// From returns err as an *Error: itself if it is or wraps one, otherwise an
// internal error whose message does not carry err's text (which may name
// hosts, files or data). Whoever calls From on a foreign error logs it.
func From(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Masked()
}

// Masked is the internal error a caller sees in place of a cause that stays
// in the logs.
func Masked() *Error {
	return &Error{Code: CodeInternal, Category: Internal,
		Message: "internal error; the log has the details under this request's correlation ID"}
}

// WithCorrelation returns a copy of e carrying the correlation ID.
func (e *Error) WithCorrelation(id string) *Error {
	c := *e
	c.CorrelationID = id
	return &c
}
