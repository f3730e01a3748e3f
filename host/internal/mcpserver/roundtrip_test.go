package mcpserver

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/google/go-cmp/cmp"
	"github.com/mark3labs/mcp-go/mcp"
)

func rtOp(args string) *dispatch.Op {
	return &dispatch.Op{Name: "approve_invoice", Arguments: json.RawMessage(args),
		Caller: dispatch.Caller{Subject: "key:1", OrganizationID: "org-1"}}
}

// askOnce runs a handler's first round: it asks one question, and the client
// gets the input-required result.
func askOnce(t *testing.T, s *stateSigner, op *dispatch.Op) *mcp.CallToolResult {
	t.Helper()
	rt, e := s.resume(op, mcp.CallToolParams{})
	if e != nil {
		t.Fatal(e)
	}
	id := rt.next("elicit")
	if _, ok := rt.lookup(id); ok {
		t.Fatal("a first round has an answer")
	}
	rt.ask(id, mcp.NewElicitationInputRequest(mcp.ElicitationParams{Message: "Approve?"}))
	res, err := s.result(rt, op)
	if err != nil || res == nil {
		t.Fatalf("result: %v %v", res, err)
	}
	return res
}

func retry(state string, responses map[string]string) mcp.CallToolParams {
	p := mcp.CallToolParams{}
	p.RequestState = state
	p.InputResponses = mcp.InputResponses{}
	for id, raw := range responses {
		var r mcp.InputResponse
		_ = json.Unmarshal([]byte(raw), &r)
		p.InputResponses[id] = r
	}
	return p
}

func TestRoundTripAnswersReachTheReplay(t *testing.T) {
	s := newStateSigner([]byte("0123456789abcdef0123456789abcdef"))
	op := rtOp(`{"invoiceId":"inv-1"}`)
	first := askOnce(t, s, op)
	if !first.NeedsInput() || first.InputRequests["elicit-1"].Method != mcp.MethodElicitationCreate {
		t.Fatalf("first round: %+v", first)
	}

	// The repeat, with the arguments in another order and spacing.
	op2 := rtOp(`{ "invoiceId" : "inv-1" }`)
	rt, e := s.resume(op2, retry(first.RequestState, map[string]string{"elicit-1": `{"action":"accept","content":{"confirm":true}}`}))
	if e != nil {
		t.Fatal(e)
	}
	raw, ok := rt.lookup(rt.next("elicit"))
	if !ok {
		t.Fatal("the answer did not reach the replay")
	}
	var got mcp.ElicitationResult
	if err := json.Unmarshal(raw, &got); err != nil || got.Action != "accept" {
		t.Errorf("answer %s: %v", raw, err)
	}
	// A second question in the same replay is a new round, which still
	// carries the first answer.
	id2 := rt.next("elicit")
	rt.ask(id2, mcp.NewElicitationInputRequest(mcp.ElicitationParams{Message: "Send it too?"}))
	second, err := s.result(rt, op2)
	if err != nil || second == nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"elicit-2"}, keys(second.InputRequests)); diff != "" {
		t.Errorf("second round asks (-want +got):\n%s", diff)
	}
	rt3, e := s.resume(op, retry(second.RequestState, map[string]string{"elicit-2": `{"action":"decline"}`}))
	if e != nil {
		t.Fatal(e)
	}
	for _, id := range []string{"elicit-1", "elicit-2"} {
		if _, ok := rt3.lookup(rt3.next("elicit")); !ok {
			t.Errorf("round three lacks the answer to %s", id)
		}
	}
	if res, _ := s.result(rt3, op); res != nil {
		t.Errorf("nothing new was asked, yet the result asks: %+v", res)
	}
}

func keys(m mcp.InputRequests) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestRoundTripRefusesForeignState(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	s := newStateSigner(key)
	op := rtOp(`{"invoiceId":"inv-1"}`)
	state := askOnce(t, s, op).RequestState
	answer := map[string]string{"elicit-1": `{"action":"accept","content":{"confirm":true}}`}

	payload, sig, _ := strings.Cut(strings.TrimPrefix(state, statePrefix), ".")
	tampered := statePrefix + payload[:len(payload)-2] + "AA." + sig

	later := newStateSigner(key)
	later.now = func() time.Time { return time.Now().Add(roundTripTTL + time.Minute) }

	tests := []struct {
		name   string
		signer *stateSigner
		op     *dispatch.Op
		state  string
		want   string
	}{
		{"tampered", s, op, tampered, "altered"},
		{"another key", newStateSigner(nil), op, state, "altered"},
		{"garbage", s, op, "hello", "altered"},
		{"other arguments", s, rtOp(`{"invoiceId":"inv-2"}`), state, "other arguments"},
		{"other tool", s, &dispatch.Op{Name: "void_invoice", Arguments: op.Arguments, Caller: op.Caller}, state, "another tool"},
		{"other caller", s, &dispatch.Op{Name: op.Name, Arguments: op.Arguments, Caller: dispatch.Caller{Subject: "key:2", OrganizationID: "org-1"}}, state, "another caller"},
		{"expired", later, op, state, "expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt, e := tt.signer.resume(tt.op, retry(tt.state, answer))
			if e == nil {
				t.Fatalf("accepted; answers %v", rt.answers)
			}
			if e.Code != "invalid_request_state" || !strings.Contains(e.Message, tt.want) || e.Fields[0].Field != "requestState" {
				t.Errorf("error %+v, want one naming requestState and %q", e, tt.want)
			}
		})
	}
}

// Answers to questions that were never asked are ignored: a client cannot
// slip a "yes" into a round by inventing an ID.
func TestRoundTripIgnoresUnaskedAnswers(t *testing.T) {
	s := newStateSigner(nil)
	op := rtOp(`{}`)
	state := askOnce(t, s, op).RequestState
	rt, e := s.resume(op, retry(state, map[string]string{"elicit-7": `{"action":"accept"}`}))
	if e != nil {
		t.Fatal(e)
	}
	if len(rt.answers) != 0 {
		t.Errorf("unasked answers kept: %v", rt.answers)
	}
	// Without a state, answers are ignored altogether.
	rt, _ = s.resume(op, retry("", map[string]string{"elicit-1": `{"action":"accept"}`}))
	if len(rt.answers) != 0 {
		t.Errorf("stateless answers kept: %v", rt.answers)
	}
}
