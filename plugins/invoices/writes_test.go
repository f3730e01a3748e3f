package invoices

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/plugins/internal/confirm"
	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
	"github.com/google/go-cmp/cmp"
)

// writeCalls is one valid call of every write tool against the fake's seed
// (after seedWrites).
var writeCalls = []struct {
	tool string
	args map[string]any
}{
	{"create_invoice", map[string]any{"contactId": "contact-1", "lines": []any{map[string]any{"productId": "product-1", "quantity": 2, "unitPrice": 500}}}},
	{"update_invoice", map[string]any{"invoiceId": "inv-draft", "paymentTermsDays": 14}},
	{"approve_invoice", map[string]any{"invoiceId": "inv-draft"}},
	{"send_invoice", map[string]any{"invoiceId": "inv-approved"}},
	{"cancel_invoice", map[string]any{"invoiceId": "inv-approved", "reason": "dobbelt"}},
	{"create_credit_note", map[string]any{"invoiceId": "inv-approved"}},
	{"mark_invoice_paid", map[string]any{"invoiceId": "inv-approved", "paymentDate": "2025-04-02"}},
	{"record_payment", map[string]any{"invoiceIds": []string{"inv-approved"}, "paymentDate": "2025-04-02", "amount": 100}},
	{"create_customer", map[string]any{"name": "Ny Kunde ApS", "email": "a@ny.dk"}},
	{"update_customer", map[string]any{"contactId": "contact-1", "phone": "70000000"}},
	{"create_contact_person", map[string]any{"contactId": "contact-1", "name": "Bo", "email": "bo@jensen.dk"}},
	{"create_product", map[string]any{"name": "Timer", "prices": []any{map[string]any{"unitPrice": 900, "currencyId": "DKK"}}}},
	{"update_product", map[string]any{"productId": "product-1", "name": "Rådgivning+"}},
}

func seedWrites(f *fakeBilly) {
	f.invoice("inv-draft", "draft", 1250, nil)
	f.invoice("inv-approved", "approved", 1250, map[string]any{"invoiceNo": "1001"})
}

func TestEveryWriteToolIsCovered(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range writeCalls {
		covered[c.tool] = true
	}
	for _, tool := range New().Tools {
		if tool.Spec().Effect != sdk.ReadOnly && !covered[tool.Name()] {
			t.Errorf("write tool %s is missing from writeCalls", tool.Name())
		}
	}
}

// TestWritesOff: under writes.mode off every write is refused and nothing
// is written, but dry_run still shows the request.
func TestWritesOff(t *testing.T) {
	for _, c := range writeCalls {
		t.Run(c.tool, func(t *testing.T) {
			e := newEnv(t, sdk.WritesOff)
			seedWrites(e.billy)
			err := e.call(c.tool, c.args, new(json.RawMessage))
			var se *sdk.Error
			if !errors.As(err, &se) || se.Category != sdk.CategoryForbidden || se.Code != "writes_disabled" ||
				!strings.Contains(se.Message, "writes.mode") || !strings.Contains(se.Message, "BILLY_MCP_WRITES") {
				t.Fatalf("want writes_disabled, got %v", err)
			}
			dry := map[string]any{"dry_run": true}
			for k, v := range c.args {
				dry[k] = v
			}
			var out WriteResult[json.RawMessage]
			e.mustCall(c.tool, dry, &out)
			if out.Status != statusDryRun || len(out.Requests) == 0 {
				t.Errorf("dry run under off: %+v", out)
			}
			if w := e.billy.writes(); len(w) != 0 {
				t.Errorf("writes reached Billy: %v", w)
			}
		})
	}
}

// TestDryRunWritesNothing: dry_run returns the exact request under direct,
// the most permissive mode.
func TestDryRunWritesNothing(t *testing.T) {
	for _, c := range writeCalls {
		t.Run(c.tool, func(t *testing.T) {
			e := newEnv(t, sdk.WritesDirect)
			seedWrites(e.billy)
			args := map[string]any{"dry_run": true}
			for k, v := range c.args {
				args[k] = v
			}
			var out WriteResult[json.RawMessage]
			e.mustCall(c.tool, args, &out)
			if out.Status != statusDryRun || len(out.Requests) == 0 || out.Record != nil || out.ConfirmationToken != "" {
				t.Errorf("dry run: %+v", out)
			}
			if w := e.billy.writes(); len(w) != 0 {
				t.Errorf("writes reached Billy: %v", w)
			}
		})
	}
}

func TestDryRunShowsExactRequest(t *testing.T) {
	e := newEnv(t, sdk.WritesDirect)
	seedWrites(e.billy)
	var out WriteResult[Invoice]
	e.mustCall("approve_invoice", map[string]any{"invoiceId": "inv-draft", "dry_run": true}, &out)
	b, _ := json.Marshal(out.Requests)
	if want := `[{"method":"PUT","path":"/invoices/inv-draft","body":{"invoice":{"state":"approved"}}}]`; string(b) != want {
		t.Errorf("requests = %s, want %s", b, want)
	}
}

// TestAdditiveWritesRunUnderConfirm: drafts and master data can be undone,
// so the confirm policy lets them through; destructive ones stop at a
// preview.
func TestWritesUnderConfirm(t *testing.T) {
	for _, c := range writeCalls {
		t.Run(c.tool, func(t *testing.T) {
			e := newEnv(t, sdk.WritesConfirm)
			seedWrites(e.billy)
			var out WriteResult[json.RawMessage]
			e.mustCall(c.tool, c.args, &out)
			destructive := false
			for _, tool := range New().Tools {
				if tool.Name() == c.tool {
					destructive = tool.Spec().Effect == sdk.Destructive
				}
			}
			if destructive {
				if out.Status != statusConfirm || out.ConfirmationToken == "" || out.Preview == nil || len(out.Requests) == 0 || out.ExpiresAt == "" {
					t.Errorf("want a confirmation, got %+v", out)
				}
				if w := e.billy.writes(); len(w) != 0 {
					t.Errorf("writes reached Billy before confirmation: %v", w)
				}
				return
			}
			if out.Status != statusDone || out.Record == nil || len(e.billy.writes()) == 0 {
				t.Errorf("additive write under confirm: %+v, writes %v", out, e.billy.writes())
			}
		})
	}
}

func TestWritesDirect(t *testing.T) {
	for _, c := range writeCalls {
		t.Run(c.tool, func(t *testing.T) {
			e := newEnv(t, sdk.WritesDirect)
			seedWrites(e.billy)
			var out WriteResult[json.RawMessage]
			e.mustCall(c.tool, c.args, &out)
			if out.Status != statusDone || out.Record == nil || len(e.billy.writes()) == 0 {
				t.Errorf("direct: %+v, writes %v", out, e.billy.writes())
			}
		})
	}
}

// confirmThen previews call under confirm and returns the token.
func (e *env) preview(h *sdktest.Harness, tool string, args map[string]any) WriteResult[json.RawMessage] {
	e.t.Helper()
	var out WriteResult[json.RawMessage]
	if err := h.CallToolInto(context.Background(), tool, args, &out); err != nil {
		e.t.Fatalf("preview %s: %v", tool, err)
	}
	if out.Status != statusConfirm || out.ConfirmationToken == "" {
		e.t.Fatalf("preview %s: %+v", tool, out)
	}
	return out
}

func with(args map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range args {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func TestConfirmationTokenFlow(t *testing.T) {
	e := newEnv(t, sdk.WritesConfirm)
	seedWrites(e.billy)
	args := map[string]any{"invoiceId": "inv-draft"}
	pre := e.preview(e.h, "approve_invoice", args)

	// The preview shows the current state, the change and the request.
	cur, _ := json.Marshal(pre.Preview.Current)
	if !strings.Contains(string(cur), `"state":"draft"`) || !strings.Contains(strings.Join(pre.Preview.Changes, "\n"), "draft → approved") ||
		!strings.Contains(pre.Preview.Undo, "Cannot be undone") || pre.Requests[0].Method != "PUT" {
		t.Errorf("preview: %+v", pre)
	}
	exp, err := time.Parse(time.RFC3339, pre.ExpiresAt)
	if err != nil || exp.Sub(e.clock.Now()) != confirm.TTL {
		t.Errorf("expires_at %q", pre.ExpiresAt)
	}

	// The same call with the token executes, after re-reading the invoice.
	e.billy.reset()
	var done WriteResult[Invoice]
	e.mustCall("approve_invoice", with(args, "confirmation_token", pre.ConfirmationToken), &done)
	if done.Status != statusDone || done.Record == nil || done.Record.State != "approved" || done.Record.InvoiceNo != "1042" {
		t.Fatalf("execute: %+v", done)
	}
	reqs := e.billy.all()
	if reqs[0].String() != "GET /invoices/inv-draft" || e.billy.writes()[0].String() != "PUT /invoices/inv-draft" {
		t.Errorf("requests: %v", reqs)
	}
}

// TestConfirmationTokenRefusals: every way a token can be wrong is refused
// with a code naming the reason, and nothing is written.
func TestConfirmationTokenRefusals(t *testing.T) {
	sendArgs := map[string]any{"invoiceId": "inv-approved", "message": "Hej"}
	tests := []struct {
		name     string
		category sdk.Category
		code     string
		// run obtains a token and uses it wrongly, returning the error.
		run func(e *env) error
	}{
		{"reused", sdk.CategoryConflict, "confirmation_token_used", func(e *env) error {
			pre := e.preview(e.h, "send_invoice", sendArgs)
			e.mustCall("send_invoice", with(sendArgs, "confirmation_token", pre.ConfirmationToken), new(json.RawMessage))
			e.billy.reset()
			return e.call("send_invoice", with(sendArgs, "confirmation_token", pre.ConfirmationToken), new(json.RawMessage))
		}},
		{"expired", sdk.CategoryConflict, "confirmation_token_expired", func(e *env) error {
			pre := e.preview(e.h, "send_invoice", sendArgs)
			e.clock.advance(confirm.TTL + time.Second)
			return e.call("send_invoice", with(sendArgs, "confirmation_token", pre.ConfirmationToken), new(json.RawMessage))
		}},
		{"other arguments", sdk.CategoryValidation, "confirmation_token_arguments_mismatch", func(e *env) error {
			pre := e.preview(e.h, "send_invoice", sendArgs)
			return e.call("send_invoice", with(sendArgs, "message", "Hej igen", "confirmation_token", pre.ConfirmationToken), new(json.RawMessage))
		}},
		{"other record", sdk.CategoryValidation, "confirmation_token_arguments_mismatch", func(e *env) error {
			e.billy.invoice("inv-other", "draft", 100, nil)
			pre := e.preview(e.h, "approve_invoice", map[string]any{"invoiceId": "inv-draft"})
			return e.call("approve_invoice", map[string]any{"invoiceId": "inv-other", "confirmation_token": pre.ConfirmationToken}, new(json.RawMessage))
		}},
		{"record changed", sdk.CategoryConflict, "confirmation_state_changed", func(e *env) error {
			pre := e.preview(e.h, "approve_invoice", map[string]any{"invoiceId": "inv-draft"})
			inv := e.billy.get("invoices", "inv-draft")
			e.billy.mu.Lock()
			inv["grossAmount"], inv["amount"] = 99999.0, 79999.2 // edited in Billy meanwhile
			e.billy.mu.Unlock()
			return e.call("approve_invoice", map[string]any{"invoiceId": "inv-draft", "confirmation_token": pre.ConfirmationToken}, new(json.RawMessage))
		}},
		{"other organization", sdk.CategoryValidation, "confirmation_token_wrong_organization", func(e *env) error {
			pre := e.preview(e.h, "send_invoice", sendArgs)
			other := e.harness(sdktest.WithCaller(sdk.Caller{Subject: "x", OrganizationID: "org-2"}))
			_, err := other.CallTool(context.Background(), "send_invoice", with(sendArgs, "confirmation_token", pre.ConfirmationToken))
			return err
		}},
		{"other principal of the organization", sdk.CategoryValidation, "confirmation_token_wrong_principal", func(e *env) error {
			pre := e.preview(e.h, "send_invoice", sendArgs)
			other := e.harness(sdktest.WithCaller(sdk.Caller{Subject: "someone-else", OrganizationID: "org-1"}))
			_, err := other.CallTool(context.Background(), "send_invoice", with(sendArgs, "confirmation_token", pre.ConfirmationToken))
			return err
		}},
		{"other tool", sdk.CategoryValidation, "confirmation_token_wrong_tool", func(e *env) error {
			pre := e.preview(e.h, "send_invoice", sendArgs)
			return e.call("cancel_invoice", map[string]any{"invoiceId": "inv-approved", "confirmation_token": pre.ConfirmationToken}, new(json.RawMessage))
		}},
		{"forged", sdk.CategoryValidation, "confirmation_token_invalid", func(e *env) error {
			pre := e.preview(e.h, "send_invoice", sendArgs)
			forged := pre.ConfirmationToken[:len(pre.ConfirmationToken)-2] + "AA"
			return e.call("send_invoice", with(sendArgs, "confirmation_token", forged), new(json.RawMessage))
		}},
		{"from another deployment", sdk.CategoryValidation, "confirmation_token_invalid", func(e *env) error {
			pre := e.preview(e.h, "send_invoice", sendArgs)
			other := newEnv(e.t, sdk.WritesConfirm)
			other.key = []byte("another deployment's signing key")
			h := other.harness(sdktest.WithCaller(sdk.Caller{Subject: "x", OrganizationID: "org-1"}), sdktest.WithBilly(e.billy.serve))
			_, err := h.CallTool(context.Background(), "send_invoice", with(sendArgs, "confirmation_token", pre.ConfirmationToken))
			return err
		}},
		{"garbage", sdk.CategoryValidation, "confirmation_token_invalid", func(e *env) error {
			return e.call("send_invoice", with(sendArgs, "confirmation_token", "yes"), new(json.RawMessage))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, sdk.WritesConfirm)
			seedWrites(e.billy)
			before := len(e.billy.writes())
			err := tt.run(e)
			var se *sdk.Error
			if !errors.As(err, &se) || se.Code != tt.code || se.Category != tt.category {
				t.Fatalf("want %s (%s), got %v", tt.code, tt.category, err)
			}
			if !strings.Contains(se.Message, "without confirmation_token") {
				t.Errorf("the message should say how to get a new token: %s", se.Message)
			}
			if w := e.billy.writes(); len(w) != before && tt.name != "reused" {
				t.Errorf("writes reached Billy: %v", w)
			}
			if tt.name == "reused" && len(e.billy.writes()) != 0 {
				t.Errorf("the reused token wrote again: %v", e.billy.writes())
			}
		})
	}
}

// TestReusedTokenOnFinishedWrite: once the approval is done, the same
// token is refused as used (not quietly answered "already approved").
// TestConfirmationAcrossProcesses: a client that starts a new stdio host
// for every call (the MCP Inspector's CLI does) confirms a preview it got
// from the previous process, because every process of a deployment signs
// with the deployment's key. The token still works once: the write changed
// the invoice, so a replay in yet another process no longer matches.
func TestConfirmationAcrossProcesses(t *testing.T) {
	e := newEnv(t, sdk.WritesConfirm)
	seedWrites(e.billy)
	args := map[string]any{"invoiceId": "inv-draft"}
	pre := e.preview(e.h, "approve_invoice", args)

	next := func() *sdktest.Harness {
		p := newPlugin(e.clock.Now, rand.Reader) // a new process: new memory
		return sdktest.New(t, p.declare(), sdktest.WithBilly(e.billy.serve), sdktest.WithWritesMode(sdk.WritesConfirm),
			sdktest.WithSigningKey(e.key), sdktest.WithCaller(sdk.Caller{Subject: "test", OrganizationID: "org-1", Transport: "mcp-stdio"}))
	}
	var done WriteResult[Invoice]
	if err := next().CallToolInto(context.Background(), "approve_invoice", with(args, "confirmation_token", pre.ConfirmationToken), &done); err != nil {
		t.Fatalf("the next process refused the token: %v", err)
	}
	if done.Status != statusDone || done.Record.State != "approved" {
		t.Fatalf("execute: %+v", done)
	}
	_, err := next().CallTool(context.Background(), "approve_invoice", with(args, "confirmation_token", pre.ConfirmationToken))
	var se *sdk.Error
	if !errors.As(err, &se) || se.Code == "" || se.Category != sdk.CategoryConflict && se.Category != sdk.CategoryValidation {
		t.Errorf("a replay in a third process: %v", err)
	}
	if n := len(e.billy.writes()); n != 1 {
		t.Errorf("%d writes, want 1", n)
	}
}

func TestReusedTokenOnFinishedWrite(t *testing.T) {
	e := newEnv(t, sdk.WritesConfirm)
	seedWrites(e.billy)
	args := map[string]any{"invoiceId": "inv-draft"}
	pre := e.preview(e.h, "approve_invoice", args)
	e.mustCall("approve_invoice", with(args, "confirmation_token", pre.ConfirmationToken), new(json.RawMessage))
	e.billy.reset()
	err := e.call("approve_invoice", with(args, "confirmation_token", pre.ConfirmationToken), new(json.RawMessage))
	wantCode(t, err, sdk.CategoryConflict, "confirmation_token_used")
	if w := e.billy.writes(); len(w) != 0 {
		t.Errorf("writes: %v", w)
	}
	// Without a token the answer is that nothing needs doing.
	var out WriteResult[Invoice]
	e.mustCall("approve_invoice", args, &out)
	if out.Status != statusNoChange || out.Record.State != "approved" {
		t.Errorf("%+v", out)
	}
}

func TestConfirmationTokenSurvivesAliasSpelling(t *testing.T) {
	e := newEnv(t, sdk.WritesConfirm)
	seedWrites(e.billy)
	pre := e.preview(e.h, "mark_invoice_paid", map[string]any{"invoiceId": "inv-approved", "paidDate": "2025-04-02"})
	var out WriteResult[PaymentRecorded]
	e.mustCall("mark_invoice_paid", map[string]any{"invoiceId": "inv-approved", "paymentDate": "2025-04-02", "confirmation_token": pre.ConfirmationToken}, &out)
	if out.Status != statusDone {
		t.Errorf("the canonical spelling of the same call should execute: %+v", out)
	}
}

func TestElicitation(t *testing.T) {
	tests := []struct {
		name       string
		answer     *sdk.ElicitResult
		fail       error
		wantStatus string
		wantWrite  bool
	}{
		{"accept", &sdk.ElicitResult{Action: "accept", Content: map[string]any{"confirm": true}}, nil, statusDone, true},
		{"accept unticked", &sdk.ElicitResult{Action: "accept", Content: map[string]any{"confirm": false}}, nil, statusDeclined, false},
		{"decline", &sdk.ElicitResult{Action: "decline"}, nil, statusDeclined, false},
		{"cancel", &sdk.ElicitResult{Action: "cancel"}, nil, statusCancelled, false},
		{"form fails", nil, sdk.NewError(sdk.CategoryInternal, "boom", "the client broke"), statusConfirm, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var asked string
			var schema map[string]any
			e := newEnv(t, sdk.WritesConfirm, sdktest.WithElicitation(func(_ context.Context, msg string, s json.RawMessage) (*sdk.ElicitResult, error) {
				asked = msg
				_ = json.Unmarshal(s, &schema)
				return tt.answer, tt.fail
			}))
			seedWrites(e.billy)
			var out WriteResult[Invoice]
			e.mustCall("cancel_invoice", map[string]any{"invoiceId": "inv-approved"}, &out)
			if out.Status != tt.wantStatus {
				t.Errorf("status = %q, want %q (%s)", out.Status, tt.wantStatus, out.Message)
			}
			if got := len(e.billy.writes()) > 0; got != tt.wantWrite {
				t.Errorf("wrote = %v, want %v", got, tt.wantWrite)
			}
			if !strings.Contains(asked, "Void invoice no. 1001") || !strings.Contains(asked, "Cannot be undone") {
				t.Errorf("form message: %q", asked)
			}
			if diff := cmp.Diff(map[string]any{"type": "boolean", "title": "Confirm", "description": "Tick to let the assistant do this in Billy now."},
				schema["properties"].(map[string]any)["confirm"]); diff != "" {
				t.Errorf("form schema (-want +got):\n%s", diff)
			}
			if tt.wantStatus == statusDone && (out.Record == nil || out.Record.State != "voided") {
				t.Errorf("record: %+v", out.Record)
			}
		})
	}
}

// TestAdditiveWritesDoNotElicit: asking for every draft edit would be
// noise; only destructive writes ask.
func TestAdditiveWritesDoNotElicit(t *testing.T) {
	asked := false
	e := newEnv(t, sdk.WritesConfirm, sdktest.WithElicitation(func(context.Context, string, json.RawMessage) (*sdk.ElicitResult, error) {
		asked = true
		return &sdk.ElicitResult{Action: "decline"}, nil
	}))
	seedWrites(e.billy)
	var out WriteResult[Invoice]
	e.mustCall("update_invoice", map[string]any{"invoiceId": "inv-draft", "paymentTermsDays": 0}, &out)
	if asked || out.Status != statusDone || out.Record.PaymentTermsDays != 0 {
		t.Errorf("asked %v, %+v", asked, out)
	}
	if got := field(e.find("PUT", "/invoices/inv-draft").Body, "invoice", "paymentTermsDays"); got != 0.0 {
		t.Errorf("0 must be sent, not dropped (v1's || bug): %v", got)
	}
}

func TestUnknownWritesModeRefused(t *testing.T) {
	e := newEnv(t, sdk.WritesMode("sometimes"))
	seedWrites(e.billy)
	err := e.call("create_invoice", writeCalls[0].args, new(json.RawMessage))
	var se *sdk.Error
	if !errors.As(err, &se) || se.Category != sdk.CategoryForbidden || len(e.billy.writes()) != 0 {
		t.Errorf("got %v", err)
	}
}
