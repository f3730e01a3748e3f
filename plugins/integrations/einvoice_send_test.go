package integrations

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
)

// deliveryBilly is preflightBilly's invoice with a log that
// POST /invoiceDeliveries writes to, as the sandbox does.
type deliveryBilly struct {
	mu      sync.Mutex
	contact map[string]any
	logs    []any
	posts   []string
}

func (f *deliveryBilly) serve(ctx context.Context, req sdk.BillyRequest) (*sdk.BillyResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if req.Method == "POST" && req.Path == "/invoiceDeliveries" {
		b, _ := json.Marshal(req.Body)
		f.posts = append(f.posts, string(b))
		f.logs = append([]any{map[string]any{"type": "received", "messageKey": "einvoice.received", "eventTime": "2026-11-28T10:00:00"}}, f.logs...)
		return &sdk.BillyResponse{Status: 200, Body: json.RawMessage(`{"invoiceDeliveries":[{"id":"d1","invoiceId":"i1"}]}`)}, nil
	}
	logs, _ := json.Marshal(map[string]any{"invoiceLogs": f.logs, "meta": map[string]any{"paging": map[string]any{"pageCount": 1}}})
	inv := map[string]any{"id": "i1", "organizationId": "o1", "invoiceNo": "1042", "type": "invoice", "state": "approved", "contactId": "c1", "orderNo": "PO-77", "grossAmount": 1250}
	return preflightBilly(inv, f.contact, map[string]any{"registrationNo": "12345678"},
		[]any{map[string]any{"description": "Konsulent", "quantity": 2, "unitPrice": 500, "taxRateId": "t1"}},
		func() (*sdk.BillyResponse, error) { return &sdk.BillyResponse{Status: 200, Body: logs}, nil })(ctx, req)
}

// TestSendEinvoice: the send previews the exact delivery and asks for
// confirmation; the token sends it once (the customer's GLN, the
// invoice's order number as the order reference), and the result carries
// the log; a second send is refused by the preflight (delivered already),
// and an invoice that fails the preflight is never sent.
func TestSendEinvoice(t *testing.T) {
	ctx := context.Background()
	f := &deliveryBilly{contact: map[string]any{"name": "Region Midtjylland", "ean": "5798000000001"}}
	h := sdktest.New(t, New(), sdktest.WithBilly(f.serve), sdktest.WithWritesMode(sdk.WritesConfirm),
		sdktest.WithCaller(sdk.Caller{Subject: "u1", OrganizationID: "org1", Scopes: []string{"admin"}}))
	args := map[string]any{"invoice_id": "i1"}
	var pre SendEinvoiceResult
	if err := h.CallToolInto(ctx, "send_einvoice", args, &pre); err != nil {
		t.Fatal(err)
	}
	if pre.Status != "confirmation_required" || pre.GLN != "5798000000001" || pre.OrderReference != "PO-77" || len(f.posts) != 0 {
		t.Fatalf("preview: %+v", pre)
	}
	args["confirmation_token"] = pre.ConfirmationToken
	var done SendEinvoiceResult
	if err := h.CallToolInto(ctx, "send_einvoice", args, &done); err != nil {
		t.Fatal(err)
	}
	if done.Status != "done" || done.DeliveryID != "d1" || done.Delivery == nil || done.Delivery.State != "received" || len(f.posts) != 1 {
		t.Fatalf("send: %+v", done)
	}
	for _, want := range []string{`"receiverIdType":"gln"`, `"receiverGln":"5798000000001"`, `"orderReference":"PO-77"`, `"invoiceId":"i1"`, `"organizationId":"o1"`} {
		if !strings.Contains(f.posts[0], want) {
			t.Errorf("delivery body lacks %s: %s", want, f.posts[0])
		}
	}
	delete(args, "confirmation_token")
	var e *sdk.Error
	if err := h.CallToolInto(ctx, "send_einvoice", args, &SendEinvoiceResult{}); !errors.As(err, &e) || e.Code != "einvoice_not_ready" || !strings.Contains(e.Message, "not_sent_before") {
		t.Errorf("second send: %v", err)
	}
	bad := &deliveryBilly{contact: map[string]any{"name": "Region Midtjylland", "ean": "5798000000002"}}
	h = sdktest.New(t, New(), sdktest.WithBilly(bad.serve), sdktest.WithWritesMode(sdk.WritesDirect))
	if err := h.CallToolInto(ctx, "send_einvoice", map[string]any{"invoice_id": "i1"}, &SendEinvoiceResult{}); !errors.As(err, &e) || e.Code != "einvoice_not_ready" || !strings.Contains(e.Message, "gln_check_digit") || len(bad.posts) != 0 {
		t.Errorf("bad GLN: %v; posts %v", err, bad.posts)
	}
}

// TestEinvoiceStatus: the state read from the log, newest first: a
// delivery stays received when a later send is rejected as a duplicate;
// acknowledged beats received; a rejection alone is failed with its
// message; no log is not_sent.
func TestEinvoiceStatus(t *testing.T) {
	ev := func(typ, msg, at string) any { return map[string]any{"type": typ, "message": msg, "eventTime": at} }
	for _, tc := range []struct {
		name  string
		logs  []any
		state string
		msg   string
	}{
		{"none", nil, "not_sent", "no e-invoice delivery"},
		{"received, then a duplicate rejected", []any{ev("failed", "already sent", "2026-11-28T11:00:00"), ev("received", "", "2026-11-28T10:00:00")}, "received", "later send was rejected"},
		{"acknowledged", []any{ev("signedoff", "", "2026-11-29T08:00:00"), ev("received", "", "2026-11-28T10:00:00")}, "acknowledged", "acknowledged"},
		{"rejected", []any{ev("failed", "The receiver is not registered in NemHandelsregisteret.", "2026-11-28T10:00:00")}, "failed", "NemHandelsregisteret"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &deliveryBilly{contact: map[string]any{"name": "x", "ean": "5798000000001"}, logs: tc.logs}
			h := sdktest.New(t, New(), sdktest.WithBilly(f.serve))
			var got EinvoiceState
			if err := h.CallToolInto(context.Background(), "einvoice_status", map[string]any{"invoice_id": "i1"}, &got); err != nil {
				t.Fatal(err)
			}
			if got.State != tc.state || !strings.Contains(got.Message, tc.msg) || len(got.Events) != len(tc.logs) {
				t.Errorf("got %+v, want %s with %q", got, tc.state, tc.msg)
			}
		})
	}
}
