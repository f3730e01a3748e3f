package mcpserver

import (
	"context"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
)

type callerKey struct{}
type correlationKey struct{}

// WithCaller returns ctx carrying the authenticated caller of a request.
// The HTTP layer and the stdio command set it; the MCP handlers read it.
func WithCaller(ctx context.Context, c dispatch.Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller stored in ctx (zero if none: the dispatcher
// then refuses the request as unauthenticated).
func CallerFrom(ctx context.Context) dispatch.Caller {
	c, _ := ctx.Value(callerKey{}).(dispatch.Caller)
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
