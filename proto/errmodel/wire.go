package errmodel

import (
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// ToWire encodes e for the plugin contract. The category goes both as the
// enum and as its name, so hosts built before the enum still read it.
func ToWire(e *Error) *pluginv1.ToolError {
	if e == nil {
		return nil
	}
	w := &pluginv1.ToolError{
		//lint:ignore SA1019 the deprecated category string is written for hosts built before the enum
		Code: e.Code, Category: string(e.Category), Kind: e.Category.toWire(), Message: e.Message,
		Retryable: e.Retryable, UpstreamCode: e.UpstreamCode, RetryAfterSeconds: int32(e.RetryAfterSeconds),
	}
	for _, f := range e.Fields {
		w.Fields = append(w.Fields, &pluginv1.FieldViolation{Field: f.Field, Message: f.Message})
	}
	return w
}

// FromWire decodes a ToolError; nil gives nil.
func FromWire(w *pluginv1.ToolError) *Error {
	if w == nil {
		return nil
	}
	//lint:ignore SA1019 the deprecated category string is what plugins built before the enum send
	e := &Error{Code: w.GetCode(), Category: categoryFromWire(w.GetKind(), w.GetCategory()), Message: w.GetMessage(),
		Retryable: w.GetRetryable(), UpstreamCode: w.GetUpstreamCode(), RetryAfterSeconds: int(w.GetRetryAfterSeconds())}
	for _, f := range w.GetFields() {
		e.Fields = append(e.Fields, FieldError{Field: f.GetField(), Message: f.GetMessage()})
	}
	if e.Code == "" {
		// The category's name is the best code a careless plugin leaves us.
		e.Code = string(e.Category)
	}
	return e
}

// grpcCodes maps categories to the gRPC codes of statuses that carry an
// error (Configure and the host services).
var grpcCodes = map[Category]codes.Code{
	Validation:          codes.InvalidArgument,
	NotFound:            codes.NotFound,
	Conflict:            codes.FailedPrecondition,
	Unauthorized:        codes.Unauthenticated,
	Forbidden:           codes.PermissionDenied,
	RateLimited:         codes.ResourceExhausted,
	UpstreamUnavailable: codes.Unavailable,
	Internal:            codes.Internal,
}

// ToStatus encodes e as a gRPC status with a ToolError detail, for the RPCs
// whose failures are statuses (Configure, the host services).
func ToStatus(e *Error) error {
	code, ok := grpcCodes[e.Category]
	if !ok {
		code = codes.Internal
	}
	st, err := status.New(code, e.Message).WithDetails(ToWire(e))
	if err != nil {
		return status.Error(code, e.Message)
	}
	return st.Err()
}

// FromStatus finds the ToolError detail of a gRPC status error. ok is false
// when err is not a status or carries no ToolError: a transport failure or a
// peer that crashed, which the caller classifies itself.
func FromStatus(err error) (e *Error, ok bool) {
	st, isStatus := status.FromError(err)
	if !isStatus {
		return nil, false
	}
	for _, d := range st.Details() {
		if te, isTE := d.(*pluginv1.ToolError); isTE {
			return FromWire(te), true
		}
	}
	return nil, false
}
