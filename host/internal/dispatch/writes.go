package dispatch

import (
	"context"
	"fmt"
	"strings"

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
//   - when the plugin dies or the deadline passes while it runs, the host
//     answers from the call's journal (journal.go), which saw every write
//     the plugin sent to Billy: nothing sent is safe to retry, everything
//     saved is done (and not to be repeated), and only a write whose answer
//     was lost is write_outcome_unknown, naming its marker.

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

// CodeWriteDoneUnanswered is a write tool whose writes all landed in Billy
// but whose plugin stopped (or ran out of time) before answering: done,
// not to be repeated.
const CodeWriteDoneUnanswered = "write_done_unanswered"

// cutOff is the answer for a write tool call that ended without the
// plugin's answer (why says how; code is the error's code when nothing was
// written), from what its journal saw.
func cutOff(op *Op, s writeSummary, code, why string) *errmodel.Error {
	switch {
	case len(s.unknown) > 0:
		e := outcomeUnknown(op, why+" while Billy had not answered "+describe(s.unknown))
		if markers := markersOf(s.unknown); markers != "" {
			e.Message += "; look for " + markers
		}
		return e
	case len(s.done) > 0:
		return &errmodel.Error{Code: CodeWriteDoneUnanswered, Category: errmodel.Conflict,
			Message: fmt.Sprintf("%s %s, but Billy had already saved its writes (%s): it is done; do not repeat it, read the record with the matching get or list tool", op.Name, why, describe(s.done))}
	}
	e := errmodel.New(errmodel.UpstreamUnavailable, code,
		"%s %s before it sent anything to Billy: nothing was written, so it is safe to retry", op.Name, why)
	e.RetryAfterSeconds = 2
	return e
}

// markersOf names the markers unknown writes carried, for the client to
// look them up: "the invoice whose externalId is bmcp-…".
func markersOf(entries []*WriteEntry) string {
	var out []string
	for _, e := range entries {
		if e.marker != "" {
			out = append(out, fmt.Sprintf("the record with marker %s (%s %s)", e.marker, e.Method, e.Path))
		}
	}
	return strings.Join(out, ", ")
}
