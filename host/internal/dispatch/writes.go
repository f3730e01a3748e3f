package dispatch

import (
	"context"
	"fmt"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
)

// A write that may have reached Billy is never reported as retryable or as
// "nothing happened": that is how a client that obeys the advice creates a
// duplicate invoice. The dispatcher knows which tools write (their read-only
// annotation) and treats their calls accordingly:
//
//   - once handed to the plugin, a write is not cut off by the client going
//     away or cancelling: it runs to its own outcome within the call's
//     deadline, so what happened is known and audited;
//   - when the plugin dies or the deadline passes while it runs, the answer
//     is write_outcome_unknown, not retryable, saying how to check.

// isWrite reports whether op calls a tool that may change data.
func isWrite(op *Op) bool {
	if op.Kind != CallTool || op.tool == nil {
		return false
	}
	ro := op.tool.Annotations.ReadOnly
	return ro == nil || !*ro
}

// detach keeps a write running when its client cancels: the call keeps the
// request's values and deadline but not its cancellation.
func detach(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	ctx = context.WithoutCancel(ctx)
	if ok {
		return context.WithDeadline(ctx, deadline)
	}
	return context.WithCancel(ctx)
}

// outcomeUnknown is the answer for a write whose fate the host cannot tell.
func outcomeUnknown(op *Op, why string) *errmodel.Error {
	return &errmodel.Error{Code: errmodel.CodeWriteOutcomeUnknown, Category: errmodel.UpstreamUnavailable, Retryable: false,
		Message: fmt.Sprintf("%s %s, so it may or may not have been done in Billy; check with the matching get or list tool before trying again, or retry with the same idempotency_key where the tool takes one", op.Name, why)}
}
