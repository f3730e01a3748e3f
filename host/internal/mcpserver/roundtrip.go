package mcpserver

import (
	"encoding/json"
	"fmt"
	"maps"
	"sync"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/mark3labs/mcp-go/mcp"
)

// Clients of MCP 2026-07-28 are not asked mid-request: a tool (or prompt,
// or resource) that needs the user, the model or the client's roots answers
// "input required" with its questions and an opaque request state; the
// client asks, then repeats the request with the answers and the state
// (SEP-2322, multi round-trip requests). Tasks take the same path: a task
// that asks waits in input_required until tasks/update brings the answers.
//
// A plugin handler is ordinary code that calls Host.Ask (or Elicit,
// Sample) and waits. The bridge replays it: on the first run the questions
// are recorded, the plugin gets ErrInputRequired and the client gets the
// questions; on the repeat the same questions, asked again at the same
// point, find their answers and the handler carries on. A question is known
// by its key: the one the plugin gave it, or its number per kind in the
// order the handler asks (elicit-1, elicit-2, sample-1), which is why a
// handler must ask in the same order on every run and write nothing before
// asking. Questions asked in one Ask reach the client together.

// answer is a client's answer to one question: the MCP result, as JSON,
// and the method of the question it answers ("" until a question of that
// key is asked: a client may answer before being asked).
type answer struct {
	Method string          `json:"m,omitempty"`
	Result json.RawMessage `json:"r"`
}

// roundTrip is one run's questions: the answers at hand and the questions
// asked that have none yet.
type roundTrip struct {
	mu      sync.Mutex
	answers map[string]answer
	asked   map[string]mcp.InputRequest
	seq     map[string]int
	// bad is an answer the client got wrong: the request fails with it
	// whatever the handler makes of the error it got.
	bad *errmodel.Error
}

func newRoundTrip(answers map[string]answer) *roundTrip {
	rt := &roundTrip{answers: map[string]answer{}, asked: map[string]mcp.InputRequest{}, seq: map[string]int{}}
	maps.Copy(rt.answers, answers)
	return rt
}

// resume builds the round trip of a request from its request state and
// input responses. Answers of earlier rounds (in the state) are final; this
// round's come from the responses. A request without state starts with the
// answers it brings, which are checked when their questions are asked.
func (s *stateSigner) resume(sub subject, params mcp.MultiRoundTripParams) (*roundTrip, *errmodel.Error) {
	rt := newRoundTrip(nil)
	asked := map[string]string{}
	if params.RequestState != "" {
		st, e := s.check(params.RequestState, sub)
		if e != nil {
			return nil, e
		}
		maps.Copy(rt.answers, st.Answers)
		asked = st.Asked
	}
	for key, resp := range params.InputResponses {
		if _, final := rt.answers[key]; final {
			continue
		}
		raw, err := resp.MarshalJSON()
		if err != nil || !json.Valid(raw) || string(raw) == "null" {
			continue // no answer: the question is asked again
		}
		rt.answers[key] = answer{Method: asked[key], Result: raw}
	}
	return rt, nil
}

// ask answers questions from the round trip, in order, or records the ones
// without an answer and fails with input_required.
func (rt *roundTrip) ask(questions []*pluginv1.Question) ([]*pluginv1.Answer, error) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	out := make([]*pluginv1.Answer, len(questions))
	pending := false
	for i, q := range questions {
		req, kind, err := inputRequestFor(q)
		if err != nil {
			return nil, errmodel.InvalidField("questions", "%v", err)
		}
		key := q.Key
		if key == "" {
			rt.seq[kind]++
			key = fmt.Sprintf("%s-%d", kind, rt.seq[kind])
		}
		a, ok := rt.answers[key]
		if !ok {
			rt.asked[key] = req
			pending = true
			continue
		}
		if a.Method != "" && a.Method != string(req.Method) {
			rt.bad = badAnswer(key, fmt.Errorf("answers a %s request, but the question is a %s request", a.Method, req.Method))
			return nil, rt.bad
		}
		w, err := answerFor(key, req.Method, a.Result)
		if err != nil {
			rt.bad = badAnswer(key, err)
			return nil, rt.bad
		}
		rt.answers[key] = answer{Method: string(req.Method), Result: a.Result}
		out[i] = w
	}
	if pending {
		return nil, errmodel.InputRequired()
	}
	return out, nil
}

// failure is what the run's answers did wrong, if anything.
func (rt *roundTrip) failure() *errmodel.Error {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.bad
}

// pending returns the questions asked without an answer (nil when none)
// and the answers the handler used, which the next round needs again.
func (rt *roundTrip) pending() (mcp.InputRequests, map[string]answer) {
	if rt.mu.Lock(); len(rt.asked) == 0 {
		rt.mu.Unlock()
		return nil, nil
	}
	asked := maps.Clone(rt.asked)
	rt.mu.Unlock()
	return asked, rt.used()
}

// used returns the answers the handler used so far: those to questions it
// asked (an answer offered for a question never asked is not kept).
func (rt *roundTrip) used() map[string]answer {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	used := map[string]answer{}
	for k, a := range rt.answers {
		if a.Method != "" {
			used[k] = a
		}
	}
	return used
}

// inputRequired is what a request that asked gets back: its questions and
// a signed state; ok is false when nothing was asked.
func (s *stateSigner) inputRequired(rt *roundTrip, sub subject) (mcp.MultiRoundTripResult, bool, error) {
	asked, used := rt.pending()
	if asked == nil {
		return mcp.MultiRoundTripResult{}, false, nil
	}
	methods := map[string]string{}
	for k, r := range asked {
		methods[k] = string(r.Method)
	}
	token, err := s.issue(sub, used, methods)
	if err != nil {
		return mcp.MultiRoundTripResult{}, false, err
	}
	return mcp.MultiRoundTripResult{InputRequests: asked, RequestState: token}, true, nil
}
