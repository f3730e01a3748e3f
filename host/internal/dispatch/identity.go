package dispatch

import "context"

type callerKey struct{}
type correlationKey struct{}

// A request's identity travels in its context from the transport that
// authenticated it (the HTTP middleware, the stdio command) to whatever
// builds its Op (the MCP handlers, REST).

// WithCaller returns ctx carrying the authenticated caller of a request.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller stored in ctx (zero if none: the dispatcher
// then refuses the request as unauthenticated).
func CallerFrom(ctx context.Context) Caller {
	c, _ := ctx.Value(callerKey{}).(Caller)
	return c
}

// WithCorrelationID returns ctx carrying the request's correlation ID.
func WithCorrelationID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, correlationKey{}, id)
}

// CorrelationIDFrom returns the correlation ID stored in ctx, or "".
func CorrelationIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(correlationKey{}).(string)
	return id
}
