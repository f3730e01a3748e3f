package mcpserver

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/google/go-cmp/cmp"
	"github.com/mark3labs/mcp-go/mcp"
	"google.golang.org/protobuf/testing/protocmp"
)

var rtCaller = dispatch.Caller{Subject: "key:1", OrganizationID: "org-1"}

func rtSubject(args string) subject {
	return subject{Kind: dispatch.CallTool, Name: "approve_invoice", Args: json.RawMessage(args), Caller: rtCaller}
}

func elicitQ(key, message string) *pluginv1.Question {
	return &pluginv1.Question{Key: key, Kind: &pluginv1.Question_Elicit{Elicit: &pluginv1.ElicitQuestion{
		Message: message, RequestedSchemaJson: `{"type":"object"}`}}}
}

var (
	sampleQ = &pluginv1.Question{Kind: &pluginv1.Question_Sample{Sample: &pluginv1.SampleQuestion{
		Messages: []*pluginv1.SamplingMessage{{Role: "user", Text: "Greet"}}, MaxTokens: 50}}}
	rootsQ = &pluginv1.Question{Key: "client_roots", Kind: &pluginv1.Question_Roots{Roots: &pluginv1.RootsQuestion{}}}
)

// round runs one round of a handler that asks qs: its answers if all were
// there, else the client's input-required result.
func round(t *testing.T, s *stateSigner, sub subject, params mcp.MultiRoundTripParams, qs ...*pluginv1.Question) ([]*pluginv1.Answer, mcp.MultiRoundTripResult) {
	t.Helper()
	rt, e := s.resume(sub, params)
	if e != nil {
		t.Fatal(e)
	}
	answers, err := rt.ask(qs)
	mrt, asked, ierr := s.inputRequired(rt, sub)
	if ierr != nil {
		t.Fatal(ierr)
	}
	if asked != (err != nil) || (err != nil && !errorsIsInputRequired(err)) {
		t.Fatalf("ask: %v, asked %v", err, asked)
	}
	return answers, mrt
}

func errorsIsInputRequired(err error) bool {
	return errmodel.From(err).Code == errmodel.CodeInputRequired
}

func responses(state string, m map[string]string) mcp.MultiRoundTripParams {
	p := mcp.MultiRoundTripParams{RequestState: state, InputResponses: mcp.InputResponses{}}
	for k, raw := range m {
		var r mcp.InputResponse
		_ = json.Unmarshal([]byte(raw), &r)
		p.InputResponses[k] = r
	}
	return p
}

func keysOf(m mcp.InputRequests) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestRoundTripsAskTogetherAndInTurn: questions of one Ask reach the client
// together, under their keys or numbers; a later question is a new round
// whose state still carries the first answers.
func TestRoundTripsAskTogetherAndInTurn(t *testing.T) {
	s := newStateSigner([]byte("0123456789abcdef0123456789abcdef"))
	sub := rtSubject(`{"invoiceId":"inv-1"}`)
	all := []*pluginv1.Question{elicitQ("user_name", "Your name?"), sampleQ, rootsQ}

	_, first := round(t, s, sub, mcp.MultiRoundTripParams{}, all...)
	if diff := cmp.Diff([]string{"client_roots", "sample-1", "user_name"}, keysOf(first.InputRequests)); diff != "" {
		t.Fatalf("first round asks (-want +got):\n%s", diff)
	}
	if first.InputRequests["client_roots"].Method != mcp.MethodListRoots || first.InputRequests["sample-1"].Sampling.MaxTokens != 50 {
		t.Errorf("first round: %+v", first.InputRequests)
	}

	// The repeat, with the arguments in another order and spacing, answers
	// all three; the handler then asks one more.
	sub2 := rtSubject(`{ "invoiceId" : "inv-1" }`)
	answered := responses(first.RequestState, map[string]string{
		"user_name":    `{"action":"accept","content":{"name":"Alice"}}`,
		"sample-1":     `{"role":"assistant","content":{"type":"text","text":"Hej!"},"model":"m"}`,
		"client_roots": `{"roots":[{"uri":"file:///bilag","name":"bilag"}]}`,
	})
	rt, e := s.resume(sub2, answered)
	if e != nil {
		t.Fatal(e)
	}
	got, err := rt.ask(all)
	if err != nil {
		t.Fatal(err)
	}
	want := []*pluginv1.Answer{
		{Key: "user_name", Kind: &pluginv1.Answer_Elicit{Elicit: &pluginv1.ElicitResponse{Action: "accept", ContentJson: `{"name":"Alice"}`}}},
		{Key: "sample-1", Kind: &pluginv1.Answer_Sample{Sample: &pluginv1.SampleResponse{Role: "assistant", Text: "Hej!", Model: "m"}}},
		{Key: "client_roots", Kind: &pluginv1.Answer_Roots{Roots: &pluginv1.RootsAnswer{Roots: []*pluginv1.Root{{Uri: "file:///bilag", Name: "bilag"}}}}},
	}
	if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
	if _, err := rt.ask([]*pluginv1.Question{elicitQ("step2", "Colour?")}); !errorsIsInputRequired(err) {
		t.Fatalf("the second question: %v", err)
	}
	second, asked, _ := s.inputRequired(rt, sub2)
	if !asked || second.RequestState == first.RequestState {
		t.Fatalf("second round: asked %v, state changed %v", asked, second.RequestState != first.RequestState)
	}
	// Round three answers only step2: the first three come from the state.
	got3, _ := round(t, s, sub, responses(second.RequestState, map[string]string{"step2": `{"action":"accept","content":{"colour":"blue"}}`}),
		append(all, elicitQ("step2", "Colour?"))...)
	if len(got3) != 4 || got3[3].GetElicit().ContentJson != `{"colour":"blue"}` || got3[0].GetElicit().ContentJson != `{"name":"Alice"}` {
		t.Errorf("round three: %v", got3)
	}
}

func TestRoundTripRefusesForeignState(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	s := newStateSigner(key)
	sub := rtSubject(`{"invoiceId":"inv-1"}`)
	_, first := round(t, s, sub, mcp.MultiRoundTripParams{}, elicitQ("", "Approve?"))
	state := first.RequestState
	answer := map[string]string{"elicit-1": `{"action":"accept","content":{"confirm":true}}`}

	payload, sig, _ := strings.Cut(strings.TrimPrefix(state, statePrefix), ".")
	tampered := statePrefix + payload[:len(payload)-2] + "AA." + sig

	later := newStateSigner(key)
	later.now = func() time.Time { return time.Now().Add(roundTripTTL + time.Minute) }
	other := func(f func(*subject)) subject { c := sub; f(&c); return c }

	tests := []struct {
		name   string
		signer *stateSigner
		sub    subject
		state  string
		want   string
	}{
		{"tampered", s, sub, tampered, "altered"},
		{"suffixed, as the conformance suite tampers", s, sub, state + "-TAMPERED", "altered"},
		{"another key", newStateSigner(nil), sub, state, "altered"},
		{"garbage", s, sub, "hello", "altered"},
		{"other arguments", s, rtSubject(`{"invoiceId":"inv-2"}`), state, "other arguments"},
		{"other tool", s, other(func(c *subject) { c.Name = "void_invoice" }), state, "another tool"},
		{"a prompt", s, other(func(c *subject) { c.Kind = dispatch.GetPrompt }), state, "another kind"},
		{"other caller", s, other(func(c *subject) { c.Caller.Subject = "key:2" }), state, "another caller"},
		{"other organization", s, other(func(c *subject) { c.Caller.OrganizationID = "org-2" }), state, "another caller"},
		{"expired", later, sub, state, "expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt, e := tt.signer.resume(tt.sub, responses(tt.state, answer))
			if e == nil {
				t.Fatalf("accepted; answers %v", rt.answers)
			}
			if e.Code != "invalid_request_state" || !strings.Contains(e.Message, tt.want) || e.Fields[0].Field != "requestState" {
				t.Errorf("error %+v, want one naming requestState and %q", e, tt.want)
			}
		})
	}
}

// TestRoundTripAnswers: what a client may answer. An answer may come before
// its question (a client retrying with what it knows); earlier rounds'
// answers are final; a malformed answer fails the request, never reaching
// the plugin as if the user had said it.
func TestRoundTripAnswers(t *testing.T) {
	s := newStateSigner(nil)
	sub := rtSubject(`{}`)
	_, first := round(t, s, sub, mcp.MultiRoundTripParams{}, elicitQ("confirm", "Send?"))
	tests := []struct {
		name    string
		params  mcp.MultiRoundTripParams
		q       *pluginv1.Question
		want    string // the answer's action, or
		bad     string // the failure's field
		pending bool
	}{
		{name: "answered in its round", params: responses(first.RequestState, map[string]string{"confirm": `{"action":"decline"}`}),
			q: elicitQ("confirm", "Send?"), want: "decline"},
		{name: "answered without state", params: responses("", map[string]string{"confirm": `{"action":"accept"}`}),
			q: elicitQ("confirm", "Send?"), want: "accept"},
		{name: "extra answers are ignored", params: responses(first.RequestState, map[string]string{
			"confirm": `{"action":"accept"}`, "unknown_extra": `{"action":"accept","content":{"x":1}}`}),
			q: elicitQ("confirm", "Send?"), want: "accept"},
		{name: "a wrong key is asked again", params: responses("", map[string]string{"wrong_key": `{"action":"accept"}`}),
			q: elicitQ("confirm", "Send?"), pending: true},
		{name: "a null answer is no answer", params: responses(first.RequestState, map[string]string{"confirm": `null`}),
			q: elicitQ("confirm", "Send?"), pending: true},
		{name: "not an object", params: responses("", map[string]string{"confirm": `12345`}),
			q: elicitQ("confirm", "Send?"), bad: "inputResponses.confirm"},
		{name: "an unknown action", params: responses("", map[string]string{"confirm": `{"action":"maybe"}`}),
			q: elicitQ("confirm", "Send?"), bad: "inputResponses.confirm"},
		{name: "content that is no object", params: responses("", map[string]string{"confirm": `{"action":"accept","content":[1]}`}),
			q: elicitQ("confirm", "Send?"), bad: "inputResponses.confirm"},
		{name: "a sampling result without role", params: responses("", map[string]string{"sample-1": `{"content":{"type":"text","text":"x"}}`}),
			q: sampleQ, bad: "inputResponses.sample-1"},
		{name: "roots without a list", params: responses("", map[string]string{"client_roots": `{"action":"accept"}`}),
			q: rootsQ, bad: "inputResponses.client_roots"},
		{name: "the answer to another kind of question", params: responses(first.RequestState, map[string]string{"confirm": `{"roots":[]}`}),
			q: rootsQ, bad: "inputResponses.confirm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt, e := s.resume(sub, tt.params)
			if e != nil {
				t.Fatal(e)
			}
			q := tt.q
			if tt.name == "the answer to another kind of question" {
				q = &pluginv1.Question{Key: "confirm", Kind: rootsQ.Kind}
			}
			got, err := rt.ask([]*pluginv1.Question{q})
			switch {
			case tt.pending:
				if !errorsIsInputRequired(err) {
					t.Errorf("got %v, %v; want the question asked again", got, err)
				}
			case tt.bad != "":
				bad := rt.failure()
				if bad == nil || err == nil || bad.Fields[0].Field != tt.bad {
					t.Errorf("failure %+v (ask: %v), want one naming %s", bad, err, tt.bad)
				}
			default:
				if err != nil || got[0].GetElicit().GetAction() != tt.want {
					t.Errorf("got %v, %v; want %s", got, err, tt.want)
				}
			}
		})
	}

	// An earlier round's answer stands: a later response cannot change it.
	_, second := round(t, s, sub, responses(first.RequestState, map[string]string{"confirm": `{"action":"accept"}`}),
		elicitQ("confirm", "Send?"), elicitQ("really", "Really?"))
	got, _ := round(t, s, sub, responses(second.RequestState, map[string]string{
		"confirm": `{"action":"decline"}`, "really": `{"action":"accept"}`}),
		elicitQ("confirm", "Send?"), elicitQ("really", "Really?"))
	if got[0].GetElicit().GetAction() != "accept" {
		t.Errorf("the first answer became %s", got[0].GetElicit().GetAction())
	}
}

func TestCanonicalArgs(t *testing.T) {
	same := [][]string{
		{``, `null`, `{}`, ` { } `},
		{`{"a":1,"b":[1,2]}`, `{ "b": [1, 2], "a": 1 }`},
	}
	for _, group := range same {
		for _, a := range group[1:] {
			if canonicalArgs(json.RawMessage(a)) != canonicalArgs(json.RawMessage(group[0])) {
				t.Errorf("%q and %q hash apart", a, group[0])
			}
		}
	}
	if canonicalArgs(json.RawMessage(`{"a":1}`)) == canonicalArgs(json.RawMessage(`{"a":2}`)) {
		t.Error("other arguments hash alike")
	}
}

// A roots/list input request carries an empty params object: strict
// clients (the Go SDK) read params unconditionally.
func TestEncodeInputRequests(t *testing.T) {
	got := encodeInputRequests(mcp.InputRequests{
		"client_roots": mcp.NewRootsInputRequest(),
		"ask":          mcp.NewElicitationInputRequest(mcp.ElicitationParams{Message: "Go on?"}),
	})
	want := `{"ask":{"method":"elicitation/create","params":{"message":"Go on?"}},"client_roots":{"method":"roots/list","params":{}}}`
	var g, w any
	_ = json.Unmarshal(got, &g)
	_ = json.Unmarshal([]byte(want), &w)
	if diff := cmp.Diff(w, g); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
