package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// TestInvoicingScenarios walks each business kind's sandbox through the
// invoicing lifecycle over a real MCP client, with writes under the confirm
// policy: create a customer, a product and an invoice, approve it with a
// confirmation token, send it, record its payment, and check the balance
// and the revenue.
func TestInvoicingScenarios(t *testing.T) {
	for _, kind := range []string{"freelancer", "retail", "service"} {
		t.Run(kind, func(t *testing.T) {
			h := startHost(t, "plugins:\n  invoices: {path: billy-mcp-plugin-invoices}\n",
				"BILLY_MCP_WRITES=confirm", "BILLY_MCP_SANDBOX_BUSINESS="+kind)
			h.waitReady(15 * time.Second)
			c := h.mcpHTTP()
			s := &scenario{t: t, c: c}

			customer := s.done("create_customer", map[string]any{
				"name": "Hansen Byg ApS", "email": "bogholderi@hansenbyg.dk", "registrationNo": "13748136",
				"address": map[string]any{"street": "Vestergade 1", "zipcode": "8000", "city": "Aarhus C", "country": "DK"},
			})["record"].(map[string]any)
			product := s.done("create_product", map[string]any{
				"name": "Konsulenttime", "prices": []map[string]any{{"unitPrice": 950, "currencyId": "DKK"}},
			})["record"].(map[string]any)
			draft := s.done("create_invoice", map[string]any{
				"contactId": customer["id"], "lines": []map[string]any{{"productId": product["id"], "quantity": 10}},
			})["record"].(map[string]any)
			id, day := draft["id"], draft["entryDate"]
			if draft["state"] != "draft" || draft["grossAmount"] != 11875.0 {
				t.Fatalf("draft: %v", draft)
			}

			// Approval is destructive: the first call only previews.
			preview := s.ok("approve_invoice", map[string]any{"invoiceId": id})
			token, _ := preview["confirmation_token"].(string)
			if preview["status"] != "confirmation_required" || token == "" {
				t.Fatalf("approve without a token must preview, got %v", preview)
			}
			if st := s.ok("get_invoice", map[string]any{"invoiceId": id})["state"]; st != "draft" {
				t.Fatalf("a preview must write nothing; state is %v", st)
			}
			approved := s.done("approve_invoice", map[string]any{"invoiceId": id, "confirmation_token": token})["record"].(map[string]any)
			if approved["state"] != "approved" || approved["balance"] != 11875.0 {
				t.Fatalf("approved: %v", approved)
			}
			if e := s.fails("approve_invoice", map[string]any{"invoiceId": id, "confirmation_token": token}); e["code"] != "confirmation_token_used" {
				t.Errorf("a reused token must be refused, got %v", e)
			}

			s.confirmed("send_invoice", map[string]any{"invoiceId": id})
			if st := s.ok("get_invoice", map[string]any{"invoiceId": id})["sentState"]; st != "sent" {
				t.Errorf("sentState after send = %v", st)
			}

			before := s.revenue(day)
			s.confirmed("mark_invoice_paid", map[string]any{"invoiceId": id, "paymentDate": day})
			paid := s.ok("get_invoice", map[string]any{"invoiceId": id})
			if paid["balance"] != 0.0 || paid["isPaid"] != true {
				t.Errorf("after payment: balance %v isPaid %v", paid["balance"], paid["isPaid"])
			}
			after := s.revenue(day)
			if got := after - before; got != 11875 {
				t.Errorf("revenue for %v grew by %.2f DKK, want 11875.00 (gross of the paid invoice)", day, got)
			}
		})
	}
}

type scenario struct {
	t *testing.T
	c *client.Client
}

// ok calls a tool and returns its structured content, failing on an error.
func (s *scenario) ok(tool string, args map[string]any) map[string]any {
	s.t.Helper()
	res := callTool(s.t, s.c, tool, args)
	if res.IsError {
		s.t.Fatalf("%s: %v", tool, structured(s.t, res))
	}
	return structured(s.t, res).(map[string]any)
}

// done calls a write tool and requires it to have executed.
func (s *scenario) done(tool string, args map[string]any) map[string]any {
	s.t.Helper()
	out := s.ok(tool, args)
	if out["status"] != "done" {
		s.t.Fatalf("%s did not execute: %v", tool, out)
	}
	return out
}

// confirmed runs a destructive write the way a client without elicitation
// does: preview, then repeat with the token.
func (s *scenario) confirmed(tool string, args map[string]any) map[string]any {
	s.t.Helper()
	preview := s.ok(tool, args)
	token, ok := preview["confirmation_token"].(string)
	if !ok {
		s.t.Fatalf("%s: want a confirmation token, got %v", tool, preview)
	}
	with := map[string]any{"confirmation_token": token}
	for k, v := range args {
		with[k] = v
	}
	return s.done(tool, with)
}

// fails calls a tool that must fail and returns the error object.
func (s *scenario) fails(tool string, args map[string]any) map[string]any {
	s.t.Helper()
	res := callTool(s.t, s.c, tool, args)
	if !res.IsError {
		s.t.Fatalf("%s succeeded, want an error: %v", tool, structured(s.t, res))
	}
	return toolError(s.t, res)
}

// revenue returns the gross DKK revenue by payment date for one day.
func (s *scenario) revenue(day any) float64 {
	s.t.Helper()
	out := s.ok("get_revenue", map[string]any{"startDate": day, "endDate": day})
	for _, c := range out["currencies"].([]any) {
		if m := c.(map[string]any); m["currency"] == "DKK" {
			return m["gross"].(float64)
		}
	}
	return 0
}

// answerer is an MCP client's user answering confirmation forms.
type answerer struct {
	accept   bool
	messages []string
}

func (a *answerer) Elicit(_ context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	a.messages = append(a.messages, req.Params.Message)
	if !a.accept {
		return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionDecline}}, nil
	}
	return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{
		Action: mcp.ElicitationResponseActionAccept, Content: map[string]any{"confirm": true}}}, nil
}

// TestConfirmationByElicitation: a client that supports elicitation gets a
// confirmation form through the host instead of a token; yes executes, no
// writes nothing. Handshake-era clients (2025-11-25) are asked while the
// plugin waits; 2026-07-28 clients get the form as a multi round-trip
// result, answer it and repeat the call, which the host replays into the
// plugin with the answer.
func TestConfirmationByElicitation(t *testing.T) {
	h := startHost(t, "plugins:\n  invoices: {path: billy-mcp-plugin-invoices}\n", "BILLY_MCP_WRITES=confirm")
	h.waitReady(15 * time.Second)
	for _, rev := range []string{mcp.ProtocolVersion20251125, mcp.ProtocolVersion20260728} {
		for _, accept := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/accept=%v", rev, accept), func(t *testing.T) {
				confirmByElicitation(t, h, rev, accept)
			})
		}
	}
}

func confirmByElicitation(t *testing.T, h *hostProc, rev string, accept bool) {
	user := &answerer{accept: accept}
	tr, err := transport.NewStreamableHTTP(h.url("/mcp"))
	if err != nil {
		t.Fatal(err)
	}
	c := client.NewClient(tr, client.WithElicitationHandler(user), client.WithProtocolVersion(rev))
	initialize(t, c)
	s := &scenario{t: t, c: c}
	customers := s.ok("list_customers", map[string]any{"limit": 1})["customers"].([]any)
	products := s.ok("list_products", map[string]any{"limit": 1})["products"].([]any)
	draft := s.done("create_invoice", map[string]any{
		"contactId": customers[0].(map[string]any)["id"],
		"lines":     []map[string]any{{"productId": products[0].(map[string]any)["id"], "quantity": 1}},
	})["record"].(map[string]any)

	out := s.ok("approve_invoice", map[string]any{"invoiceId": draft["id"]})
	if len(user.messages) != 1 || !strings.Contains(user.messages[0], "Approve") {
		t.Fatalf("the user was not asked (or asked oddly): %q", user.messages)
	}
	state := s.ok("get_invoice", map[string]any{"invoiceId": draft["id"]})["state"]
	switch {
	case accept && (out["status"] != "done" || state != "approved"):
		t.Errorf("accepted: status %v, state %v", out["status"], state)
	case !accept && (out["status"] != "declined" || state != "draft"):
		t.Errorf("declined: status %v, state %v (nothing may be written)", out["status"], state)
	}
}

// TestInvoicePDFAndMetrics fetches an invoice's PDF through the link the
// tool returns, and checks the gateway's upstream metrics on /metrics.
func TestInvoicePDFAndMetrics(t *testing.T) {
	h := startHost(t, "plugins:\n  invoices: {path: billy-mcp-plugin-invoices}\n")
	h.waitReady(15 * time.Second)
	c := h.mcpHTTP()
	s := &scenario{t: t, c: c}
	invoices := s.ok("list_invoices", map[string]any{"limit": 1, "state": "approved"})["invoices"].([]any)
	if len(invoices) == 0 {
		t.Fatal("the sandbox has no approved invoice")
	}
	id := invoices[0].(map[string]any)["id"]
	res := callTool(t, c, "get_invoice_pdf", map[string]any{"invoiceId": id})
	if res.IsError {
		t.Fatalf("get_invoice_pdf: %v", res.Content)
	}
	url, _ := structured(t, res).(map[string]any)["url"].(string)
	if url == "" {
		t.Fatalf("no url: %v", structured(t, res))
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.HasPrefix(body, []byte("%PDF-")) {
		t.Errorf("GET %s: %d, %q…", url, resp.StatusCode, body[:min(len(body), 16)])
	}

	resp, err = http.Get(h.url("/metrics"))
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`billy_upstream_requests_total{method="GET",resource="invoices",status="200"}`,
		`billy_mcp_requests_total{name="get_invoice_pdf",op="tools/call",outcome="ok",plugin="invoices"} 1`} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestConfirmationAcrossStdioProcesses: a desktop client that starts a new
// stdio host for every call (the MCP Inspector's CLI does) gets a preview
// from one process and confirms it in the next, because both sign with the
// deployment's key (here from data_dir).
func TestConfirmationAcrossStdioProcesses(t *testing.T) {
	cfg := writeConfig(t, "writes: {mode: confirm}\nplugins:\n  invoices: {path: billy-mcp-plugin-invoices}\n")
	call := func(name string, args map[string]any) map[string]any {
		c := mcpStdio(t, cfg)
		defer c.Close()
		res := callTool(t, c, name, args)
		if res.IsError {
			t.Fatalf("%s: %v", name, toolError(t, res))
		}
		return structured(t, res).(map[string]any)
	}
	invoices := call("list_invoices", map[string]any{"state": "draft", "limit": 1})["invoices"].([]any)
	if len(invoices) == 0 {
		t.Fatal("the sandbox has no draft invoice")
	}
	args := map[string]any{"invoiceId": invoices[0].(map[string]any)["id"]}
	preview := call("approve_invoice", args)
	if preview["status"] != "confirmation_required" {
		t.Fatalf("preview: %v", preview)
	}
	args["confirmation_token"] = preview["confirmation_token"]
	done := call("approve_invoice", args)
	if done["status"] != "done" {
		t.Fatalf("the next process did not take the token: %v", done)
	}
}
