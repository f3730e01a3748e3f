package mcpserver

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/google/go-cmp/cmp"
)

const approvalURL = "https://mcp.example.dk/mfa/approve/appr-1"

// approvalRig serves approvalServer over HTTP, to key:alice of org-1.
func approvalRig(t *testing.T) (r *rig, approved *atomic.Bool, runs *atomic.Int32) {
	t.Helper()
	s, approved, runs := approvalServer(t)
	h := s.HTTPHandler()
	r = &rig{srv: httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		caller := dispatch.Caller{Subject: "key:alice", OrganizationID: "org-1", Scopes: []string{"*"}, Transport: "mcp-http"}
		h.ServeHTTP(w, req.WithContext(dispatch.WithCaller(req.Context(), caller)))
	}))}
	t.Cleanup(r.srv.Close)
	return r, approved, runs
}

// approvalServer serves a tool "void" behind a stage that refuses it, as
// the host's MFA stage does, until approved is set; runs counts its runs.
func approvalServer(t *testing.T) (s *Server, approved *atomic.Bool, runs *atomic.Int32) {
	t.Helper()
	approved, runs = &atomic.Bool{}, &atomic.Int32{}
	reg := registry.New()
	if err := reg.Register("p", &registry.Catalog{Tools: []*registry.Tool{tool("void"), tool("ask")}}); err != nil {
		t.Fatal(err)
	}
	inv := &scriptedInvoker{scripts: map[string]script{
		"void": func(context.Context, dispatch.Client, json.RawMessage) (*pluginv1.CallToolResponse, error) {
			runs.Add(1)
			return textResponse("voided"), nil
		},
		"ask": func(ctx context.Context, c dispatch.Client, _ json.RawMessage) (*pluginv1.CallToolResponse, error) {
			if _, err := ask(ctx, c, confirmQ); err != nil {
				return nil, err
			}
			return textResponse("asked"), nil
		},
	}}
	mfa := func(next dispatch.Handler) dispatch.Handler {
		return func(ctx context.Context, op *dispatch.Op) (*dispatch.Outcome, error) {
			if op.Name != "void" || approved.Swap(false) {
				return next(ctx, op)
			}
			op.NeedApproval("appr-1", approvalURL)
			return nil, errmodel.New(errmodel.Forbidden, "mfa_required", "void needs a code: open %s", approvalURL)
		}
	}
	d := dispatch.New(dispatch.Options{Registry: reg, Invoker: inv, Stages: []dispatch.Middleware{mfa}})
	inv.d = d
	s = New(Options{Name: "test", Version: "0", Registry: reg, Dispatcher: d, StateKey: []byte("0123456789abcdef0123456789abcdef")})
	return s, approved, runs
}

var urlElicitation = map[string]any{"elicitation": map[string]any{"url": map[string]any{}}}

// A 2026-07-28 client that takes URL elicitations is asked to open the
// approval page (input_required, no elicitationId: the revision has none);
// its repeat runs the call once the page approved it, and is asked again
// before that; a declined page ends in the tool error with the link.
func TestApprovalAsURLElicitationModern(t *testing.T) {
	r, approved, runs := approvalRig(t)
	first := r.ok(t, call{method: "tools/call", params: toolCall("void"), caps: urlElicitation})
	req, _ := first["inputRequests"].(map[string]any)[approvalKey].(map[string]any)
	want := map[string]any{"method": "elicitation/create", "params": map[string]any{"mode": "url", "url": approvalURL,
		"message": "void needs a fresh one-time code from key:alice's authenticator app. Open this page of the Billy MCP host and enter the code there (never in the chat); the call can then run once."}}
	if first["resultType"] != "input_required" || !cmp.Equal(want, req) {
		t.Fatalf("first round: %v\n%s", first, cmp.Diff(want, req))
	}
	repeat := func(action string) map[string]any {
		p := toolCall("void")
		p["requestState"] = first["requestState"]
		p["inputResponses"] = map[string]any{approvalKey: map[string]any{"action": action}}
		return r.ok(t, call{method: "tools/call", params: p, caps: urlElicitation})
	}
	if again := repeat("accept"); again["resultType"] != "input_required" || runs.Load() != 0 {
		t.Errorf("a repeat before the page approved: %v (runs %d)", again, runs.Load())
	}
	approved.Store(true)
	if done := repeat("accept"); done["resultType"] != "complete" || runs.Load() != 1 {
		t.Errorf("the repeat after approval: %v (runs %d)", done, runs.Load())
	}
	declined := repeat("decline")
	text, _ := declined["content"].([]any)[0].(map[string]any)["text"].(string)
	if declined["isError"] != true || !strings.Contains(text, `"approvalUrl":"`+approvalURL+`"`) || !strings.Contains(text, `"mfa_required"`) {
		t.Errorf("a declined page: %v", declined)
	}
	if runs.Load() != 1 {
		t.Errorf("void ran %d times, want 1", runs.Load())
	}
}

// Clients that cannot open URLs (no elicitation, or forms only) get a tool
// error with the link in its message and as approvalUrl; a client that
// declared URL mode only is never sent a plugin's form (-32021 names the
// capability instead).
func TestApprovalWithoutURLElicitation(t *testing.T) {
	r, _, runs := approvalRig(t)
	for name, caps := range map[string]map[string]any{
		"none":  nil,
		"forms": {"elicitation": map[string]any{}},
	} {
		res := r.ok(t, call{method: "tools/call", params: toolCall("void"), caps: caps})
		text, _ := res["content"].([]any)[0].(map[string]any)["text"].(string)
		var body struct {
			Error       errmodel.Error `json:"error"`
			ApprovalURL string         `json:"approvalUrl"`
		}
		if err := json.Unmarshal([]byte(text), &body); err != nil || res["isError"] != true || body.Error.Code != "mfa_required" ||
			body.ApprovalURL != approvalURL || !strings.Contains(body.Error.Message, approvalURL) {
			t.Errorf("%s: %v", name, res)
		}
	}
	if runs.Load() != 0 {
		t.Errorf("void ran %d times without approval", runs.Load())
	}
	status, out := r.do(t, call{method: "tools/call", params: toolCall("ask"), caps: urlElicitation})
	if code, _ := rpcErrorOf(out); status != http.StatusBadRequest || code != -32021 {
		t.Errorf("a form to a URL-only client: %d %v", status, out)
	}
}

// The sessions waiting for an approval are told once, and only they.
func TestApprovalWaits(t *testing.T) {
	var w approvalWaits
	now := time.Date(2026, 11, 28, 1, 0, 0, 0, time.UTC)
	w.add("a", "s1", now)
	w.add("a", "s1", now)
	w.add("a", "s2", now)
	w.add("b", "s3", now)
	if diff := cmp.Diff([]string{"s1", "s2"}, w.take("a")); diff != "" {
		t.Errorf("take a (-want +got):\n%s", diff)
	}
	if got := w.take("a"); got != nil {
		t.Errorf("a second take: %v", got)
	}
	w.add("c", "s4", now.Add(approvalWaitTTL+1))
	if got := w.take("b"); got != nil {
		t.Errorf("an expired wait was kept: %v", got)
	}
}

// Over stdio, a 2025-11-25 client that declared URL elicitation gets
// -32042 (mcp-go renders it: stdio has no reply slot); ApprovalGiven then
// sends it notifications/elicitation/complete for the elicitationId, and
// the retry runs.
func TestApprovalOverStdio(t *testing.T) {
	s, approved, runs := approvalServer(t)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- s.ServeStdio(ctx, dispatch.Caller{Subject: "key:alice", OrganizationID: "org-1", Scopes: []string{"*"}, Transport: "mcp-stdio"}, inR, outW)
	}()
	t.Cleanup(func() { cancel(); inW.Close(); outR.Close(); <-done })
	lines := bufio.NewScanner(outR)
	send := func(msg map[string]any) {
		t.Helper()
		b, _ := json.Marshal(msg)
		if _, err := inW.Write(append(b, '\n')); err != nil {
			t.Fatal(err)
		}
	}
	read := func() map[string]any {
		t.Helper()
		if !lines.Scan() {
			t.Fatalf("stdio ended: %v", lines.Err())
		}
		var m map[string]any
		if err := json.Unmarshal(lines.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	send(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": map[string]any{"protocolVersion": "2025-11-25",
		"capabilities": urlElicitation, "clientInfo": map[string]any{"name": "t", "version": "0"}}})
	read()
	send(map[string]any{"jsonrpc": "2.0", "method": "notifications/initialized"})
	send(map[string]any{"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": toolCall("void")})
	got := read()
	code, data := rpcErrorOf(got)
	want := []any{map[string]any{"mode": "url", "elicitationId": "appr-1", "url": approvalURL,
		"message": "void needs a fresh one-time code from key:alice's authenticator app. Open this page of the Billy MCP host and enter the code there (never in the chat); the call can then run once."}}
	if code != -32042 || !cmp.Equal(want, data["elicitations"]) {
		t.Fatalf("the refused call: %v\n%s", got, cmp.Diff(want, data["elicitations"]))
	}
	approved.Store(true)
	s.ApprovalGiven("appr-1")
	n := read()
	if n["method"] != "notifications/elicitation/complete" || n["params"].(map[string]any)["elicitationId"] != "appr-1" {
		t.Errorf("after approval: %v, want notifications/elicitation/complete of appr-1", n)
	}
	send(map[string]any{"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": toolCall("void")})
	if res, _ := read()["result"].(map[string]any); res == nil || res["isError"] == true || runs.Load() != 1 {
		t.Errorf("the retry: %v (runs %d)", res, runs.Load())
	}
}
