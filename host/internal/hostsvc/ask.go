package hostsvc

import (
	"context"
	"errors"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// maxQuestions bounds one Ask: a client shows them together, and a plugin
// asking more has a loop, not a form.
const maxQuestions = 16

// Ask puts a plugin's questions to the call's client. Elicit and Sample
// answer plugins built before it; this is the same path with several
// questions, their keys and roots.
func (s *server) Ask(ctx context.Context, req *pluginv1.AskRequest) (*pluginv1.AskResponse, error) {
	c, err := s.call(req.CallId)
	if err != nil {
		return nil, err
	}
	if len(req.Questions) == 0 || len(req.Questions) > maxQuestions {
		return nil, toStatus(errmodel.InvalidField("questions", "ask 1 to %d questions at once, not %d", maxQuestions, len(req.Questions)))
	}
	// Capabilities first, for every question: a client is never shown
	// half of a set of questions that belong together.
	var missing []string
	note := func(capability string) {
		for _, m := range missing {
			if m == capability {
				return
			}
		}
		missing = append(missing, capability)
	}
	client := c.Op.Client
	for _, q := range req.Questions {
		switch q.Kind.(type) {
		case *pluginv1.Question_Elicit:
			if client == nil || !client.CanElicit() {
				note("elicitation")
			}
		case *pluginv1.Question_Sample:
			if client == nil || !client.CanSample() {
				note("sampling")
			}
		case *pluginv1.Question_Roots:
			if client == nil || !client.CanListRoots() {
				note("roots")
			}
		default:
			return nil, toStatus(errmodel.InvalidField("questions", "a question of no kind: set elicit, sample or roots"))
		}
	}
	if len(missing) > 0 {
		e := errmodel.ClientCapabilityMissing(missing...)
		st, err := status.New(codes.FailedPrecondition, e.Message).WithDetails(errmodel.ToWire(e))
		if err != nil {
			return nil, toStatus(e)
		}
		return nil, st.Err()
	}
	answers, err := client.Ask(c.Ctx, req.Questions)
	if e := (*errmodel.Error)(nil); errors.As(err, &e) {
		return nil, toStatus(e) // input_required, or an answer the client got wrong
	}
	if err != nil {
		return nil, toStatus(errmodel.New(errmodel.UpstreamUnavailable, "asking_failed", "asking the client failed: %v", err))
	}
	return &pluginv1.AskResponse{Answers: answers}, nil
}

// StartTask passes on where a deferred task tool's long work starts.
func (s *server) StartTask(ctx context.Context, req *pluginv1.StartTaskRequest) (*pluginv1.StartTaskResponse, error) {
	c, err := s.call(req.CallId)
	if err != nil {
		return nil, err
	}
	if c.Op.Client != nil {
		if err := c.Op.Client.StartTask(c.Ctx); err != nil {
			return nil, toStatus(err)
		}
	}
	return &pluginv1.StartTaskResponse{}, nil
}
