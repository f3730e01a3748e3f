package invoices

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
	"github.com/google/go-cmp/cmp"
)

// TestNotFoundNamesTheID: Billy's 404 for a record becomes not_found naming
// the ID and the argument, keeping Billy's own errorCode.
func TestNotFoundNamesTheID(t *testing.T) {
	tests := []struct {
		tool  string
		args  map[string]any
		code  string
		field string
	}{
		{"get_invoice", map[string]any{"invoiceId": "GJj2Kr8vQ3mmuWn30VT5lw"}, "invoice_not_found", "invoiceId"},
		{"get_customer", map[string]any{"contactId": "GJj2Kr8vQ3mmuWn30VT5lw"}, "contact_not_found", "contactId"},
		{"get_product", map[string]any{"productId": "GJj2Kr8vQ3mmuWn30VT5lw"}, "product_not_found", "productId"},
		{"approve_invoice", map[string]any{"invoiceId": "GJj2Kr8vQ3mmuWn30VT5lw"}, "invoice_not_found", "invoiceId"},
		{"mark_invoice_paid", map[string]any{"invoiceId": "GJj2Kr8vQ3mmuWn30VT5lw", "paymentDate": "2025-04-01"}, "invoice_not_found", "invoiceId"},
		{"send_invoice", map[string]any{"invoiceId": "inv-approved", "contactPersonId": "GJj2Kr8vQ3mmuWn30VT5lw"}, "contact_person_not_found", "contactPersonId"},
	}
	for _, tt := range tests {
		t.Run(tt.tool, func(t *testing.T) {
			e := newEnv(t, sdk.WritesConfirm)
			seedWrites(e.billy)
			se := wantCode(t, e.call(tt.tool, tt.args, new(json.RawMessage)), sdk.CategoryNotFound, tt.code)
			if !strings.Contains(se.Message, `"GJj2Kr8vQ3mmuWn30VT5lw"`) || se.UpstreamCode != "RECORD_NOT_FOUND" || se.Fields[0].Field != tt.field {
				t.Errorf("%+v", se)
			}
		})
	}
}

// TestImplausibleIDsNeverReachBilly: an invoice number or a name where an
// ID belongs, or anything that could change the request path, is refused
// before any request.
func TestImplausibleIDsNeverReachBilly(t *testing.T) {
	for _, id := range []string{"1042", "Jensen ApS", "../organization", "a/b", "x?y=1", "", strings.Repeat("a", 65)} {
		e := newEnv(t, sdk.WritesDirect)
		err := e.call("get_invoice", map[string]any{"invoiceId": id}, new(json.RawMessage))
		if id == "1042" {
			// Plausible as an ID, so Billy is asked and answers 404.
			wantCode(t, err, sdk.CategoryNotFound, "invoice_not_found")
			continue
		}
		wantValidation(t, err, "", "invoiceId")
		if reqs := e.billy.all(); len(reqs) != 0 {
			t.Errorf("%q reached Billy: %v", id, reqs)
		}
	}
}

// TestBillyValidationPassesThrough: Billy's 422 keeps its category, fields
// and errorCode, with context added.
func TestBillyValidationPassesThrough(t *testing.T) {
	e := newEnv(t, sdk.WritesDirect)
	err := e.call("create_invoice", map[string]any{"contactId": "contact-x", "lines": []any{map[string]any{"productId": "product-1"}}}, new(json.RawMessage))
	se := wantCode(t, err, sdk.CategoryValidation, "billy_validation_failed")
	if diff := cmp.Diff([]sdk.FieldError{{Field: "invoice.contactId", Message: "No record with this ID exists."}}, se.Fields); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	if !strings.Contains(se.Message, "create_invoice: Billy refused POST /invoices; nothing was written") || se.UpstreamCode != "VALIDATION_FAILED" {
		t.Errorf("%+v", se)
	}
}

func TestUpstreamUnavailablePassesThrough(t *testing.T) {
	e := newEnv(t, sdk.WritesConfirm)
	e.billy.fail["GET /invoices"] = &sdk.Error{Code: "upstream_circuit_open", Category: sdk.CategoryUpstreamUnavailable, Message: "Billy is unavailable", Retryable: true}
	se := wantCode(t, e.call("list_invoices", map[string]any{}, new(json.RawMessage)), sdk.CategoryUpstreamUnavailable, "upstream_circuit_open")
	if !se.Retryable {
		t.Errorf("must stay retryable: %+v", se)
	}
}

// TestNon2xxIsNeverSuccess: v1 treated 4xx answers as success; an error
// status that arrives as a response (rather than as the host's mapped
// error) is an error here too.
func TestNon2xxIsNeverSuccess(t *testing.T) {
	tests := []struct {
		status int
		cat    sdk.Category
	}{{400, sdk.CategoryValidation}, {404, sdk.CategoryNotFound}, {422, sdk.CategoryValidation}, {409, sdk.CategoryConflict}, {503, sdk.CategoryUpstreamUnavailable}}
	for _, tt := range tests {
		body := fmt.Sprintf(`{"meta":{"statusCode":%d,"success":false},"errorCode":"X","errorMessage":"nope"}`, tt.status)
		h := sdktest.New(t, New(), sdktest.WithBilly(func(context.Context, sdk.BillyRequest) (*sdk.BillyResponse, error) {
			return &sdk.BillyResponse{Status: tt.status, Body: json.RawMessage(body)}, nil
		}))
		_, err := h.CallTool(context.Background(), "list_invoices", map[string]any{})
		se := wantCode(t, err, tt.cat, "")
		if se.UpstreamCode != "X" || !strings.Contains(se.Message, "Billy: nope") || se.Retryable != tt.cat.Retryable() {
			t.Errorf("HTTP %d: %+v", tt.status, se)
		}
	}
}
