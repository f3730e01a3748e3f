package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// A call that needs an MFA approval (the dispatcher's MFA stage refused it
// with mfa_required, op.PendingApproval) is answered the way the client
// can take it. The code is never collected through the client: the URL is
// the host's own approval page, which takes the code from the principal's
// authenticator app (MCP: form elicitation MUST NOT ask for secrets that
// authorise transactions; URL mode MUST be used).
//
//   - 2025-11-25 clients that declared URL-mode elicitation
//     (capabilities.elicitation.url) get URLElicitationRequiredError
//     (-32042) carrying one URL elicitation whose elicitationId is the
//     approval's ID. The spec's error handling says a server MUST answer
//     -32042 "when a request cannot be processed until an elicitation is
//     completed", which is this case: the call must not run before the
//     approval, and the approval is bound to this exact call, so its retry
//     is what runs. An elicitation/create request inside the call would
//     hold the call open while the user finds the app, and its "accept"
//     means only that the user agreed to open the page, not that the code
//     was given: the call would still have to wait, or fail, for the
//     approval. When the page approves, the session that got the error is
//     sent notifications/elicitation/complete for that elicitationId
//     (ApprovalGiven), so the client can retry by itself.
//   - 2026-07-28 requests of clients that declared URL elicitation get
//     input_required with one URL elicitation (the revision replaces
//     -32042 and the completion notification by multi round trips); the
//     client opens the page and repeats the call with its answer and the
//     request state, and the repeat runs if the approval was given, or is
//     asked again if not. A declined or cancelled elicitation ends in the
//     tool error below.
//   - Every other client gets a tool error (isError), mfa_required, with
//     the link in the message and as "approvalUrl" beside the error
//     object: a result every client shows, where a JSON-RPC error is not
//     always shown to the user or the model.

// approvalKey is the input request key of a 2026-07-28 approval.
const approvalKey = "mfa-approval"

// approvalWaitTTL bounds how long the host remembers which sessions wait
// for an approval; approvals expire sooner (auth.mfa.approval_ttl).
const approvalWaitTTL = time.Hour

// maxApprovalWaits bounds the sessions remembered (oldest forgotten
// first): a flood of refused calls cannot grow the map without end.
const maxApprovalWaits = 10000

// approvalWaits remembers which sessions got a URL elicitation for which
// approval, for notifications/elicitation/complete.
type approvalWaits struct {
	mu    sync.Mutex
	waits map[string]approvalWait
}

type approvalWait struct {
	sessions []string
	since    time.Time
}

func (w *approvalWaits) add(id, session string, now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.waits == nil {
		w.waits = map[string]approvalWait{}
	}
	oldest, oldestID := now, ""
	for k, v := range w.waits {
		if now.Sub(v.since) > approvalWaitTTL {
			delete(w.waits, k)
		} else if v.since.Before(oldest) {
			oldest, oldestID = v.since, k
		}
	}
	if _, ok := w.waits[id]; !ok && len(w.waits) >= maxApprovalWaits {
		delete(w.waits, oldestID)
	}
	v := w.waits[id]
	if v.since.IsZero() {
		v.since = now
	}
	for _, s := range v.sessions {
		if s == session {
			w.waits[id] = v
			return
		}
	}
	v.sessions = append(v.sessions, session)
	w.waits[id] = v
}

// take returns and forgets the sessions that wait for id.
func (w *approvalWaits) take(id string) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	v := w.waits[id]
	delete(w.waits, id)
	return v.sessions
}

// ApprovalGiven is told (by the approval page) that approval id was given:
// each session of this instance that got it as a URL elicitation is sent
// notifications/elicitation/complete, and only those (the spec: only to
// the client that initiated the elicitation). A session held by another
// instance is not told; its client retries when the user says so.
func (s *Server) ApprovalGiven(id string) {
	for _, sess := range s.approvalWaits.take(id) {
		err := s.mcp.SendNotificationToSpecificClient(sess, string(mcp.MethodNotificationElicitationComplete), map[string]any{"elicitationId": id})
		if err != nil {
			s.opts.Logger.Debug("an approval's completion could not be sent to its session", "error", err.Error())
		}
	}
}

// takesURLElicitation reports whether the request's client declared
// URL-mode elicitation.
func (c *client) takesURLElicitation() bool {
	caps := c.capabilities()
	return caps != nil && caps.Elicitation != nil && caps.Elicitation.URL != nil
}

// approvalMessage is what the client shows next to the URL.
func approvalMessage(op *dispatch.Op) string {
	return fmt.Sprintf("%s needs a fresh one-time code from %s's authenticator app. Open this page of the Billy MCP host and enter the code there (never in the chat); the call can then run once.",
		op.Name, op.Caller.Subject)
}

// approvalAnswer answers a call the MFA stage refused (see above); handled
// is false when op was not refused for an approval. err is what a tool
// handler returns to mcp-go (stdio's -32042), nil otherwise.
func (s *Server) approvalAnswer(ctx context.Context, op *dispatch.Op, e *errmodel.Error) (res *mcp.CallToolResult, handled bool, err error) {
	id, url, ok := op.PendingApproval()
	if !ok {
		return nil, false, nil
	}
	cl := op.Client.(*client)
	if cl.takesURLElicitation() {
		el := mcp.ElicitationParams{Mode: mcp.ElicitationModeURL, Message: approvalMessage(op), URL: url}
		if cl.modern() {
			if cl.rt != nil && !declined(cl.rt, approvalKey) {
				// 2026-07-28 has no elicitationId: the repeat, not a
				// notification, says the page was visited.
				// The answer to the page is never final: each repeat
				// brings its own (accept, or decline to stop asking).
				used := cl.rt.used()
				delete(used, approvalKey)
				token, ierr := s.states.issue(subjectOf(op), used, map[string]string{approvalKey: string(mcp.MethodElicitationCreate)})
				if ierr == nil {
					mrt := mcp.MultiRoundTripResult{InputRequests: mcp.InputRequests{approvalKey: mcp.NewElicitationInputRequest(el)}, RequestState: token}
					if replyResult(ctx, s.inputRequiredResult(mrt)) {
						return &mcp.CallToolResult{}, true, nil
					}
					return &mcp.CallToolResult{Result: mcp.Result{ResultType: mcp.ResultTypeInputRequired}, MultiRoundTripResult: mrt}, true, nil
				}
			}
		} else {
			el.ElicitationID = id
			if sess := server.ClientSessionFromContext(ctx); sess != nil && sess.SessionID() != "" {
				s.approvalWaits.add(id, sess.SessionID(), time.Now())
			}
			required := mcp.URLElicitationRequiredError{Elicitations: []mcp.ElicitationParams{el}}
			if replyError(ctx, &rpcError{Code: mcp.URL_ELICITATION_REQUIRED, Message: e.Message,
				Data: map[string]any{"elicitations": required.Elicitations, "error": e}}) {
				return &mcp.CallToolResult{}, true, nil
			}
			// stdio: mcp-go renders the error as -32042 itself.
			return nil, true, required
		}
	}
	b, _ := json.Marshal(map[string]any{"error": e, "approvalUrl": url})
	return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{mcp.NewTextContent(string(b))}}, true, nil
}

// declined reports whether the client answered key's elicitation with
// decline or cancel: the user does not want the page, so the call ends.
func declined(rt *roundTrip, key string) bool {
	rt.mu.Lock()
	a, ok := rt.answers[key]
	rt.mu.Unlock()
	if !ok {
		return false
	}
	var r struct {
		Action mcp.ElicitationResponseAction `json:"action"`
	}
	return json.Unmarshal(a.Result, &r) == nil && r.Action != mcp.ElicitationResponseActionAccept
}
