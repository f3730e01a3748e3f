package sdktest

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/billy-mcp/billy-mcp/sdk"
)

// WithRoots makes the fake client able to list its roots, answering with f.
func WithRoots(f func(ctx context.Context) ([]sdk.Root, error)) Option {
	return func(o *options) { o.roots = f }
}

// WithRoundTrips makes the fake client answer questions as a client of MCP
// 2026-07-28 does: Host.Ask, Elicit and Sample fail with
// sdk.ErrInputRequired while their questions are unanswered; when the
// handler returns that error, the harness answers the questions it asked
// (with the WithElicitation, WithSampling and WithRoots functions) and
// calls the tool again with the same arguments, the answers at hand, up to
// maxRounds times. A handler that passes its tests so is one that asks in
// the same order on every run and writes nothing before its questions.
func WithRoundTrips() Option { return func(o *options) { o.roundTrips = true } }

// maxRounds bounds the round trips of one call, as clients do.
const maxRounds = 10

// round is one call's questions in round-trip mode: the answers of earlier
// rounds, by key, and what this run asked that has none yet.
type round struct {
	answers map[string]*pluginv1.Answer
	asked   []*pluginv1.Question
	seq     map[string]int
}

// TasksStarted counts the calls whose handler called Host.StartTask.
func (h *Harness) TasksStarted() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.started
}

// callWithRounds makes one call, or in round-trip mode as many as it takes
// to answer its questions.
func callWithRounds[T any](h *Harness, ctx context.Context, progress bool, do func(*pluginv1.CallContext) (T, error), failure func(T) *pluginv1.ToolError) (T, error) {
	answers := map[string]*pluginv1.Answer{}
	for n := 1; ; n++ {
		cc := h.callContext(progress)
		r := &round{answers: answers, seq: map[string]int{}}
		if h.opts.roundTrips {
			h.mu.Lock()
			if h.rounds == nil {
				h.rounds = map[string]*round{}
			}
			h.rounds[cc.CallId] = r
			h.mu.Unlock()
		}
		resp, err := do(cc)
		h.mu.Lock()
		delete(h.rounds, cc.CallId)
		h.mu.Unlock()
		if !h.opts.roundTrips || err != nil || len(r.asked) == 0 {
			return resp, err
		}
		if f := failure(resp); f == nil || f.Code != errmodel.CodeInputRequired {
			// The handler asked and went on without the answers (or
			// failed otherwise): its result stands.
			return resp, err
		}
		if n == maxRounds {
			var zero T
			return zero, fmt.Errorf("sdktest: the handler still asked questions after %d round trips", maxRounds)
		}
		for _, q := range r.asked {
			a, err := h.answer(ctx, q)
			if err != nil {
				var zero T
				return zero, err
			}
			answers[q.Key] = a
		}
	}
}

// ask answers a plugin's questions: from the client's functions at once, or
// in round-trip mode from the answers of earlier rounds, recording the rest.
func (h *Harness) ask(ctx context.Context, callID string, questions []*pluginv1.Question) ([]*pluginv1.Answer, error) {
	h.mu.Lock()
	r := h.rounds[callID]
	h.mu.Unlock()
	seq := map[string]int{}
	if r != nil {
		seq = r.seq
	}
	out := make([]*pluginv1.Answer, len(questions))
	pending := false
	for i, q := range questions {
		kind := kindOf(q)
		if q.Key == "" {
			h.mu.Lock()
			seq[kind]++
			q = &pluginv1.Question{Key: fmt.Sprintf("%s-%d", kind, seq[kind]), Kind: q.Kind}
			h.mu.Unlock()
		}
		if r == nil {
			a, err := h.answer(ctx, q)
			if err != nil {
				return nil, toStatus(err)
			}
			out[i] = a
			continue
		}
		h.mu.Lock()
		if a, ok := r.answers[q.Key]; ok {
			out[i] = a
		} else {
			r.asked = append(r.asked, q)
			pending = true
		}
		h.mu.Unlock()
	}
	if pending {
		return nil, toStatus(errmodel.InputRequired())
	}
	return out, nil
}

func kindOf(q *pluginv1.Question) string {
	switch q.Kind.(type) {
	case *pluginv1.Question_Elicit:
		return "elicit"
	case *pluginv1.Question_Sample:
		return "sample"
	default:
		return "roots"
	}
}

// answer asks the fake client's function for one question's answer.
func (h *Harness) answer(ctx context.Context, q *pluginv1.Question) (*pluginv1.Answer, error) {
	out := &pluginv1.Answer{Key: q.Key}
	switch k := q.Kind.(type) {
	case *pluginv1.Question_Elicit:
		if h.opts.elicit == nil {
			return nil, errmodel.ClientCapabilityMissing("elicitation")
		}
		res, err := h.opts.elicit(ctx, k.Elicit.Message, json.RawMessage(k.Elicit.RequestedSchemaJson))
		if err != nil {
			return nil, err
		}
		b, _ := json.Marshal(res.Content)
		out.Kind = &pluginv1.Answer_Elicit{Elicit: &pluginv1.ElicitResponse{Action: res.Action, ContentJson: string(b)}}
	case *pluginv1.Question_Sample:
		if h.opts.sample == nil {
			return nil, errmodel.ClientCapabilityMissing("sampling")
		}
		sr := sdk.SampleRequest{MaxTokens: int(k.Sample.MaxTokens), SystemPrompt: k.Sample.SystemPrompt, Temperature: k.Sample.Temperature}
		for _, m := range k.Sample.Messages {
			sr.Messages = append(sr.Messages, sdk.SamplingMessage{Role: m.Role, Text: m.Text})
		}
		res, err := h.opts.sample(ctx, sr)
		if err != nil {
			return nil, err
		}
		out.Kind = &pluginv1.Answer_Sample{Sample: &pluginv1.SampleResponse{Role: res.Role, Text: res.Text, Model: res.Model, StopReason: res.StopReason}}
	default:
		if h.opts.roots == nil {
			return nil, errmodel.ClientCapabilityMissing("roots")
		}
		roots, err := h.opts.roots(ctx)
		if err != nil {
			return nil, err
		}
		ra := &pluginv1.RootsAnswer{}
		for _, r := range roots {
			ra.Roots = append(ra.Roots, &pluginv1.Root{Uri: r.URI, Name: r.Name})
		}
		out.Kind = &pluginv1.Answer_Roots{Roots: ra}
	}
	return out, nil
}

func (f *fakeHost) Ask(ctx context.Context, req *pluginv1.AskRequest) (*pluginv1.AskResponse, error) {
	answers, err := f.h.ask(ctx, req.CallId, req.Questions)
	if err != nil {
		return nil, err
	}
	return &pluginv1.AskResponse{Answers: answers}, nil
}

func (f *fakeHost) StartTask(context.Context, *pluginv1.StartTaskRequest) (*pluginv1.StartTaskResponse, error) {
	f.h.mu.Lock()
	f.h.started++
	f.h.mu.Unlock()
	return &pluginv1.StartTaskResponse{}, nil
}
