package mcpserver

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	"github.com/mark3labs/mcp-go/mcp"
)

// Clients of MCP 2026-07-28 are not asked mid-request: a tool that needs the
// user (a confirmation form) or the model answers "input required" with its
// questions and an opaque request state; the client asks, then repeats the
// call with the answers and the state (SEP-2322, multi round-trip requests).
//
// A plugin handler is ordinary code that calls Host.Elicit and waits. The
// bridge replays it: on the first run the question is recorded, the plugin
// gets ErrInputRequired and the client gets the question; on the repeat the
// same question, asked again at the same point, finds its answer and the
// handler carries on. Questions are numbered per kind in the order the
// handler asks them (elicit-1, elicit-2, sample-1), which is why a handler
// must ask in the same order on every run and write nothing before asking.
//
// The request state is signed by the host and bound to the tool, the
// arguments, the caller and an expiry; it carries the answers of earlier
// rounds, because a client sends only the latest round's. Nothing is kept
// between rounds, so any instance behind a load balancer can serve the
// repeat once instances share the key.

// roundTripTTL bounds how long a client may take to answer.
const roundTripTTL = 10 * time.Minute

// roundTrip is one modern tools/call's input: the answers at hand and the
// questions asked that have none yet.
type roundTrip struct {
	mu      sync.Mutex
	answers map[string]answer
	asked   map[string]mcp.InputRequest
	seq     map[string]int
}

type answer struct {
	Method string          `json:"m"`
	Result json.RawMessage `json:"r"`
}

// requestState is what the signed state says.
type requestState struct {
	Tool    string            `json:"t"`
	Args    string            `json:"a"` // SHA-256 of the canonical arguments
	Subject string            `json:"s"`
	Org     string            `json:"o"`
	Expires int64             `json:"e"` // Unix seconds
	Answers map[string]answer `json:"r,omitempty"`
	Asked   map[string]string `json:"q,omitempty"` // id → method, unanswered
}

// stateSigner signs and checks request states.
type stateSigner struct {
	key []byte
	now func() time.Time
}

func newStateSigner(key []byte) *stateSigner {
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			panic(fmt.Sprintf("mcpserver: drawing the request state key: %v", err))
		}
	}
	return &stateSigner{key: key, now: time.Now}
}

const statePrefix = "rs1."

func (s *stateSigner) sign(st requestState) (string, error) {
	b, err := json.Marshal(st)
	if err != nil {
		return "", err
	}
	payload := base64.RawURLEncoding.EncodeToString(b)
	mac := hmac.New(sha256.New, s.key)
	mac.Write([]byte(payload))
	return statePrefix + payload + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)), nil
}

func (s *stateSigner) open(token string) (requestState, bool) {
	var st requestState
	rest, ok := strings.CutPrefix(token, statePrefix)
	if !ok {
		return st, false
	}
	payload, sig, ok := strings.Cut(rest, ".")
	if !ok {
		return st, false
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return st, false
	}
	mac := hmac.New(sha256.New, s.key)
	mac.Write([]byte(payload))
	if !hmac.Equal(got, mac.Sum(nil)) {
		return st, false
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil || json.Unmarshal(b, &st) != nil {
		return st, false
	}
	return st, true
}

// canonicalArgs hashes arguments so that a repeat with the same arguments
// in another key order or spacing still matches.
func canonicalArgs(raw json.RawMessage) string {
	var v any
	if len(raw) > 0 && json.Unmarshal(raw, &v) == nil {
		raw, _ = json.Marshal(v)
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

func errBadState(why string) *errmodel.Error {
	return &errmodel.Error{Code: "invalid_request_state", Category: errmodel.Validation,
		Message: "requestState " + why + "; call the tool again without requestState and inputResponses",
		Fields:  []errmodel.FieldError{{Field: "requestState", Message: why}}}
}

// resume builds the round trip of a modern call from its request state and
// input responses. A call without state starts with no answers.
func (s *stateSigner) resume(op *dispatch.Op, params mcp.CallToolParams) (*roundTrip, *errmodel.Error) {
	rt := &roundTrip{answers: map[string]answer{}, asked: map[string]mcp.InputRequest{}, seq: map[string]int{}}
	if params.RequestState == "" {
		return rt, nil
	}
	st, ok := s.open(params.RequestState)
	switch {
	case !ok:
		return nil, errBadState("was not issued by this server or was altered")
	case st.Tool != op.Name || st.Args != canonicalArgs(op.Arguments):
		return nil, errBadState("belongs to another tool or other arguments")
	case st.Subject != op.Caller.Subject || st.Org != op.Caller.OrganizationID:
		return nil, errBadState("belongs to another caller")
	case s.now().Unix() > st.Expires:
		return nil, errBadState("has expired")
	}
	maps.Copy(rt.answers, st.Answers)
	for id, method := range st.Asked {
		resp, ok := params.InputResponses[id]
		if !ok {
			continue // unanswered: the handler asks again
		}
		raw, err := resp.MarshalJSON()
		if err != nil || !json.Valid(raw) {
			return nil, &errmodel.Error{Code: "invalid_input_response", Category: errmodel.Validation,
				Message: "the answer to " + id + " is not JSON", Fields: []errmodel.FieldError{{Field: "inputResponses." + id, Message: "must be a " + method + " result"}}}
		}
		rt.answers[id] = answer{Method: method, Result: raw}
	}
	return rt, nil
}

// next numbers the handler's next question of a kind.
func (rt *roundTrip) next(kind string) string {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.seq[kind]++
	return fmt.Sprintf("%s-%d", kind, rt.seq[kind])
}

// lookup returns the answer to a question, if the client gave one.
func (rt *roundTrip) lookup(id string) (json.RawMessage, bool) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	a, ok := rt.answers[id]
	return a.Result, ok
}

// ask records a question for the client.
func (rt *roundTrip) ask(id string, req mcp.InputRequest) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.asked[id] = req
}

// result is the input-required answer to the client, or nil when the handler
// asked nothing new.
func (s *stateSigner) result(rt *roundTrip, op *dispatch.Op) (*mcp.CallToolResult, error) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if len(rt.asked) == 0 {
		return nil, nil
	}
	st := requestState{Tool: op.Name, Args: canonicalArgs(op.Arguments), Subject: op.Caller.Subject,
		Org: op.Caller.OrganizationID, Expires: s.now().Add(roundTripTTL).Unix(),
		Answers: rt.answers, Asked: map[string]string{}}
	requests := mcp.InputRequests{}
	for id, req := range rt.asked {
		st.Asked[id] = string(req.Method)
		requests[id] = req
	}
	token, err := s.sign(st)
	if err != nil {
		return nil, err
	}
	return &mcp.CallToolResult{
		Result:               mcp.Result{ResultType: mcp.ResultTypeInputRequired},
		MultiRoundTripResult: mcp.MultiRoundTripResult{InputRequests: requests, RequestState: token},
	}, nil
}
