package integrations

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
	"github.com/google/go-cmp/cmp"
)

// preflightBilly answers one invoice, its customer, lines and log.
func preflightBilly(inv, contact, org map[string]any, lines []any, logs func() (*sdk.BillyResponse, error)) func(context.Context, sdk.BillyRequest) (*sdk.BillyResponse, error) {
	return func(_ context.Context, req sdk.BillyRequest) (*sdk.BillyResponse, error) {
		ok := func(v any) (*sdk.BillyResponse, error) {
			b, _ := json.Marshal(v)
			return &sdk.BillyResponse{Status: 200, Body: b}, nil
		}
		paging := map[string]any{"paging": map[string]any{"pageCount": 1}}
		switch {
		case req.Path == "/invoices/i1":
			return ok(map[string]any{"invoice": inv})
		case req.Path == "/contacts/c1":
			return ok(map[string]any{"contact": contact})
		case req.Path == "/organization":
			return ok(map[string]any{"organization": org})
		case req.Path == "/invoiceLines":
			return ok(map[string]any{"invoiceLines": lines, "meta": paging})
		case req.Path == "/invoiceLogs":
			return logs()
		}
		return &sdk.BillyResponse{Status: 404, Body: json.RawMessage(`{"errorCode":"UNKNOWN_RESOURCE"}`)}, nil
	}
}

func TestPreflight(t *testing.T) {
	goodInv := map[string]any{"id": "i1", "invoiceNo": "1042", "type": "invoice", "state": "approved", "contactId": "c1", "orderNo": "PO-77", "grossAmount": 1250}
	goodContact := map[string]any{"name": "Region Midtjylland", "ean": "5798000000001"}
	goodOrg := map[string]any{"registrationNo": "12345678"}
	goodLines := []any{map[string]any{"description": "Konsulent", "quantity": 2, "unitPrice": 500, "taxRateId": "t1"}}
	noLogs := func() (*sdk.BillyResponse, error) {
		return &sdk.BillyResponse{Status: 200, Body: json.RawMessage(`{"invoiceLogs":[],"meta":{"paging":{"pageCount":1}}}`)}, nil
	}
	sent := func() (*sdk.BillyResponse, error) {
		return &sdk.BillyResponse{Status: 200, Body: json.RawMessage(`{"invoiceLogs":[{"type":"received"}],"meta":{"paging":{"pageCount":1}}}`)}, nil
	}
	with := func(m map[string]any, k string, v any) map[string]any {
		out := map[string]any{}
		for kk, vv := range m {
			out[kk] = vv
		}
		out[k] = v
		return out
	}
	for _, tc := range []struct {
		name              string
		inv, contact, org map[string]any
		lines             []any
		logs              func() (*sdk.BillyResponse, error)
		ready             bool
		errors            []string
	}{
		{"ready", goodInv, goodContact, goodOrg, goodLines, noLogs, true, nil},
		{"no GLN", goodInv, with(goodContact, "ean", ""), goodOrg, goodLines, noLogs, false, []string{"gln_present"}},
		{"bad check digit", goodInv, with(goodContact, "ean", "5798000000002"), goodOrg, goodLines, noLogs, false, []string{"gln_check_digit"}},
		{"no order number, draft", with(with(goodInv, "orderNo", nil), "state", "draft"), goodContact, goodOrg, goodLines, noLogs, false, []string{"approved", "buyer_reference"}},
		{"zero quantity, no VAT", goodInv, goodContact, goodOrg, []any{map[string]any{"description": "x", "quantity": 0, "unitPrice": 10, "taxRateId": ""}}, noLogs, false, []string{"zero_quantity", "line_vat"}},
		{"no CVR", goodInv, goodContact, map[string]any{"registrationNo": ""}, goodLines, noLogs, false, []string{"seller_cvr"}},
		{"sent before", goodInv, goodContact, goodOrg, goodLines, sent, false, []string{"not_sent_before"}},
		{"log unknown is a warning", goodInv, goodContact, goodOrg, goodLines, func() (*sdk.BillyResponse, error) {
			return &sdk.BillyResponse{Status: 404, Body: json.RawMessage(`{"errorCode":"UNKNOWN_RESOURCE"}`)}, nil
		}, true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := sdktest.New(t, New(), sdktest.WithBilly(preflightBilly(tc.inv, tc.contact, tc.org, tc.lines, tc.logs)))
			var rep PreflightReport
			if err := h.CallToolInto(context.Background(), "einvoice_preflight", map[string]any{"invoice_id": "i1"}, &rep); err != nil {
				t.Fatal(err)
			}
			var errs []string
			for _, f := range rep.Findings {
				if f.Severity == "error" {
					errs = append(errs, f.Rule)
				}
			}
			slices.Sort(errs)
			want := slices.Clone(tc.errors)
			slices.Sort(want)
			if diff := cmp.Diff(want, errs); diff != "" || rep.Ready != tc.ready {
				t.Errorf("ready %v (want %v); errors (-want +got):\n%s\n%+v", rep.Ready, tc.ready, diff, rep.Findings)
			}
		})
	}
	h := sdktest.New(t, New(), sdktest.WithBilly(preflightBilly(goodInv, goodContact, goodOrg, goodLines, noLogs)))
	var e *sdk.Error
	if err := h.CallToolInto(context.Background(), "einvoice_preflight", map[string]any{"invoice_id": "nope"}, &PreflightReport{}); !errors.As(err, &e) || !strings.Contains(e.Code, "not_found") {
		t.Errorf("unknown invoice: %v", err)
	}
}
