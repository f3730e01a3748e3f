package sdk

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The client capabilities questions need, as MCP names them.
const (
	capElicitation = "elicitation"
	capSampling    = "sampling"
	capRoots       = "roots"
)

// questionKey is the rule for a question's key: what MCP allows in an input
// request's key and a header-safe identifier, short enough to read in logs.
var questionKey = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

func (h *hostClient) Ask(ctx context.Context, questions ...Question) ([]Answer, error) {
	if h.client == nil {
		return nil, errNoHost
	}
	if len(questions) == 0 {
		return nil, nil
	}
	req := &pluginv1.AskRequest{CallId: h.callID}
	var missing []string
	need := func(capability string, can bool) {
		if !can {
			for _, m := range missing {
				if m == capability {
					return
				}
			}
			missing = append(missing, capability)
		}
	}
	for i, q := range questions {
		wq, err := questionToWire(q)
		if err != nil {
			return nil, fmt.Errorf("question %d: %w", i+1, err)
		}
		switch {
		case q.Elicit != nil:
			need(capElicitation, h.call.ClientCanElicit)
		case q.Sample != nil:
			need(capSampling, h.call.ClientCanSample)
		default:
			need(capRoots, h.call.ClientCanListRoots)
		}
		req.Questions = append(req.Questions, wq)
	}
	if len(missing) > 0 {
		// Asking nothing at all: a client is never shown half of a set of
		// questions that belong together.
		return nil, errmodel.ClientCapabilityMissing(missing...)
	}
	resp, err := h.client.Ask(ctx, req)
	if err != nil {
		return nil, errorFromStatus(err)
	}
	if len(resp.Answers) != len(questions) {
		return nil, fmt.Errorf("the host answered %d of %d questions", len(resp.Answers), len(questions))
	}
	out := make([]Answer, len(resp.Answers))
	for i, a := range resp.Answers {
		if out[i], err = answerFromWire(a); err != nil {
			return nil, fmt.Errorf("answer to %s: %w", a.Key, err)
		}
	}
	return out, nil
}

func (h *hostClient) StartTask(ctx context.Context) error {
	if h.client == nil {
		return nil
	}
	_, err := h.client.StartTask(ctx, &pluginv1.StartTaskRequest{CallId: h.callID})
	if status.Code(err) == codes.Unimplemented {
		return nil // an older host: the call runs as an ordinary one
	}
	if err != nil {
		return errorFromStatus(err)
	}
	return nil
}

// questionToWire checks a question and encodes it.
func questionToWire(q Question) (*pluginv1.Question, error) {
	if q.Key != "" && !questionKey.MatchString(q.Key) {
		return nil, fmt.Errorf("key %q must be 1 to 64 letters, digits, '_', '-' or '.'", q.Key)
	}
	set := 0
	for _, b := range []bool{q.Elicit != nil, q.Sample != nil, q.Roots} {
		if b {
			set++
		}
	}
	if set != 1 {
		return nil, fmt.Errorf("set exactly one of Elicit, Sample and Roots (got %d)", set)
	}
	w := &pluginv1.Question{Key: q.Key}
	switch {
	case q.Elicit != nil:
		b, err := json.Marshal(q.Elicit.Schema)
		if err != nil {
			return nil, fmt.Errorf("encoding the form's schema: %w", err)
		}
		w.Kind = &pluginv1.Question_Elicit{Elicit: &pluginv1.ElicitQuestion{Message: q.Elicit.Message, RequestedSchemaJson: string(b)}}
	case q.Sample != nil:
		s := &pluginv1.SampleQuestion{MaxTokens: int32(q.Sample.MaxTokens), SystemPrompt: q.Sample.SystemPrompt, Temperature: q.Sample.Temperature}
		for _, m := range q.Sample.Messages {
			s.Messages = append(s.Messages, &pluginv1.SamplingMessage{Role: m.Role, Text: m.Text})
		}
		w.Kind = &pluginv1.Question_Sample{Sample: s}
	default:
		w.Kind = &pluginv1.Question_Roots{Roots: &pluginv1.RootsQuestion{}}
	}
	return w, nil
}

func answerFromWire(a *pluginv1.Answer) (Answer, error) {
	out := Answer{Key: a.Key}
	switch k := a.Kind.(type) {
	case *pluginv1.Answer_Elicit:
		out.Elicit = &ElicitResult{Action: k.Elicit.Action}
		if k.Elicit.ContentJson != "" {
			if err := json.Unmarshal([]byte(k.Elicit.ContentJson), &out.Elicit.Content); err != nil {
				return out, fmt.Errorf("decoding the form's content: %w", err)
			}
		}
	case *pluginv1.Answer_Sample:
		out.Sample = &SampleResult{Role: k.Sample.Role, Text: k.Sample.Text, Model: k.Sample.Model, StopReason: k.Sample.StopReason}
	case *pluginv1.Answer_Roots:
		out.Roots = []Root{}
		for _, r := range k.Roots.Roots {
			out.Roots = append(out.Roots, Root{URI: r.Uri, Name: r.Name})
		}
	default:
		return out, fmt.Errorf("the host sent an answer of no kind")
	}
	return out, nil
}
