package invoices

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/google/go-cmp/cmp"
)

// find returns the last recorded request with this method and path.
func (e *env) find(method, path string) recorded {
	e.t.Helper()
	reqs := e.billy.all()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Method == method && reqs[i].Path == path {
			return reqs[i]
		}
	}
	e.t.Fatalf("no %s %s among %v", method, path, reqs)
	return recorded{}
}

// field digs a value out of a recorded body: field(body, "invoice", "contactId").
func field(body map[string]any, path ...string) any {
	var cur any = body
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

// TestV1AliasesAccepted: every v1 parameter name still works and reaches
// Billy under the canonical name.
func TestV1AliasesAccepted(t *testing.T) {
	tests := []struct {
		name  string
		tool  string
		args  map[string]any
		check func(e *env) (got, want any)
	}{
		{"get_customer customerId", "get_customer", map[string]any{"customerId": "contact-1"},
			func(e *env) (any, any) { return e.find("GET", "/contacts/contact-1").Path, "/contacts/contact-1" }},
		{"list_invoices customerId", "list_invoices", map[string]any{"customerId": "contact-1"},
			func(e *env) (any, any) { return e.find("GET", "/invoices").Query.Get("contactId"), "contact-1" }},
		{"list_invoices minEntryDate/maxEntryDate", "list_invoices", map[string]any{"minEntryDate": "2025-01-01", "maxEntryDate": "2025-01-31"},
			func(e *env) (any, any) {
				q := e.find("GET", "/invoices").Query
				return []string{q.Get("minEntryDate"), q.Get("maxEntryDate")}, []string{"2025-01-01", "2025-01-31"}
			}},
		{"create_invoice customerId", "create_invoice", map[string]any{"customerId": "contact-1", "lines": []any{map[string]any{"productId": "product-1"}}},
			func(e *env) (any, any) {
				return field(e.find("POST", "/invoices").Body, "invoice", "contactId"), "contact-1"
			}},
		{"update_invoice customerId (unchanged customer)", "update_invoice", map[string]any{"invoiceId": "inv-draft", "customerId": "contact-1", "paymentTermsDays": 7},
			func(e *env) (any, any) {
				return field(e.find("PUT", "/invoices/inv-draft").Body, "invoice", "paymentTermsDays"), 7.0
			}},
		{"update_customer customerId", "update_customer", map[string]any{"customerId": "contact-1", "phone": "12345678"},
			func(e *env) (any, any) {
				return field(e.find("PUT", "/contacts/contact-1").Body, "contact", "phone"), "12345678"
			}},
		{"list_contact_persons customerId", "list_contact_persons", map[string]any{"customerId": "contact-1"},
			func(e *env) (any, any) { return e.find("GET", "/contactPersons").Query.Get("contactId"), "contact-1" }},
		{"create_contact_person customerId", "create_contact_person", map[string]any{"customerId": "contact-1", "email": "a@b.dk"},
			func(e *env) (any, any) {
				return field(e.find("POST", "/contactPersons").Body, "contactPerson", "contactId"), "contact-1"
			}},
		{"mark_invoice_paid paidDate", "mark_invoice_paid", map[string]any{"invoiceId": "inv-approved", "paidDate": "2025-04-02"},
			func(e *env) (any, any) {
				return field(e.find("POST", "/bankPayments").Body, "bankPayment", "entryDate"), "2025-04-02"
			}},
		{"mark_invoice_paid amountPaid", "mark_invoice_paid", map[string]any{"invoiceId": "inv-approved", "paymentDate": "2025-04-02", "amountPaid": 500},
			func(e *env) (any, any) {
				return field(e.find("POST", "/bankPayments").Body, "bankPayment", "cashAmount"), 500.0
			}},
		{"create_product price and account", "create_product", map[string]any{"name": "Timer", "price": 850, "account": "acct-revenue"},
			func(e *env) (any, any) {
				b := e.find("POST", "/products").Body
				return []any{field(b, "product", "prices"), field(b, "product", "accountId")},
					[]any{[]any{map[string]any{"unitPrice": 850.0, "currencyId": "DKK"}}, "acct-revenue"}
			}},
		{"update_product price", "update_product", map[string]any{"productId": "product-1", "price": 1100},
			func(e *env) (any, any) {
				return field(e.find("PUT", "/products/product-1").Body, "product", "prices"), []any{map[string]any{"unitPrice": 1100.0, "currencyId": "DKK"}}
			}},
		{"create_customer address.zipCode", "create_customer", map[string]any{"name": "Sørensen", "address": map[string]any{"street": "Torvet 1", "zipCode": "8000", "city": "Aarhus C"}},
			func(e *env) (any, any) {
				return field(e.find("POST", "/contacts").Body, "contact", "zipcodeText"), "8000"
			}},
		{"update_customer address.zipCode", "update_customer", map[string]any{"contactId": "contact-1", "address": map[string]any{"zipCode": "2100"}},
			func(e *env) (any, any) {
				return field(e.find("PUT", "/contacts/contact-1").Body, "contact", "zipcodeText"), "2100"
			}},
		{"send_invoice emailBody", "send_invoice", map[string]any{"invoiceId": "inv-approved", "emailBody": "Tak"},
			func(e *env) (any, any) {
				return field(e.find("POST", "/invoices/inv-approved/emails").Body, "email", "emailBody"), "Tak"
			}},
		{"send_invoice method email", "send_invoice", map[string]any{"invoiceId": "inv-approved", "method": "email"},
			func(e *env) (any, any) {
				return e.find("POST", "/invoices/inv-approved/emails").Path, "/invoices/inv-approved/emails"
			}},
		{"same value under both names", "get_customer", map[string]any{"contactId": "contact-1", "customerId": "contact-1"},
			func(e *env) (any, any) { return e.find("GET", "/contacts/contact-1").Path, "/contacts/contact-1" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, sdk.WritesDirect)
			e.billy.invoice("inv-draft", "draft", 1250, nil)
			e.billy.invoice("inv-approved", "approved", 1250, nil)
			e.billy.put("accounts", map[string]any{"id": "acct-revenue", "name": "Salg", "accountNo": 1000, "natureId": "revenue"})
			var out json.RawMessage
			if err := e.call(tt.tool, tt.args, &out); err != nil {
				t.Fatalf("%s: %v", tt.tool, err)
			}
			got, want := tt.check(e)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Billy got (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAliasConflicts: an alias and its canonical name with different
// values are refused naming both, and nothing reaches Billy's write side.
func TestAliasConflicts(t *testing.T) {
	tests := []struct {
		tool   string
		args   map[string]any
		fields []string
	}{
		{"get_customer", map[string]any{"contactId": "contact-1", "customerId": "contact-2"}, []string{"contactId", "customerId"}},
		{"list_invoices", map[string]any{"contactId": "contact-1", "customerId": "contact-2"}, []string{"contactId", "customerId"}},
		{"list_invoices", map[string]any{"startDate": "2025-01-01", "minEntryDate": "2025-02-01"}, []string{"startDate", "minEntryDate"}},
		{"create_invoice", map[string]any{"contactId": "contact-1", "customerId": "contact-2", "lines": []any{map[string]any{"productId": "product-1"}}}, []string{"contactId", "customerId"}},
		{"mark_invoice_paid", map[string]any{"invoiceId": "inv-approved", "paymentDate": "2025-04-01", "paidDate": "2025-04-02"}, []string{"paymentDate", "paidDate"}},
		{"mark_invoice_paid", map[string]any{"invoiceId": "inv-approved", "paymentDate": "2025-04-01", "amount": 100, "amountPaid": 200}, []string{"amount", "amountPaid"}},
		{"create_product", map[string]any{"name": "X", "prices": []any{map[string]any{"unitPrice": 100}}, "price": 200}, []string{"prices", "price"}},
		{"create_product", map[string]any{"name": "X", "accountId": "acct-1", "account": "acct-2"}, []string{"accountId", "account"}},
		{"create_customer", map[string]any{"name": "X", "address": map[string]any{"zipcode": "8000", "zipCode": "8200"}}, []string{"address.zipcode", "address.zipCode"}},
		{"send_invoice", map[string]any{"invoiceId": "inv-approved", "message": "a", "emailBody": "b"}, []string{"message", "emailBody"}},
	}
	for _, tt := range tests {
		t.Run(tt.tool+" "+tt.fields[1], func(t *testing.T) {
			e := newEnv(t, sdk.WritesDirect)
			e.billy.invoice("inv-approved", "approved", 1250, nil)
			err := e.call(tt.tool, tt.args, new(json.RawMessage))
			var se *sdk.Error
			if !errors.As(err, &se) || se.Code != "alias_conflict" || se.Category != sdk.CategoryValidation {
				t.Fatalf("want alias_conflict, got %v", err)
			}
			var names []string
			for _, f := range se.Fields {
				names = append(names, f.Field)
			}
			if !slices.Equal(names, tt.fields) {
				t.Errorf("fields = %v, want %v", names, tt.fields)
			}
			if w := e.billy.writes(); len(w) != 0 {
				t.Errorf("writes reached Billy: %v", w)
			}
		})
	}
}
