package scopes

import "testing"

func TestForBilly(t *testing.T) {
	tests := []struct {
		method, path, body string
		want               string
	}{
		{"GET", "/invoices", "", ""},
		{"HEAD", "/contacts/1", "", ""},
		{"POST", "/invoices", `{"invoice":{"contactId":"c1"}}`, "invoices:write"},
		{"POST", "/invoices", `{"invoice":{"state":"draft"}}`, "invoices:write"},
		{"PUT", "/invoices/i1", `{"invoice":{"state":"approved"}}`, "invoices:approve"},
		{"PUT", "/invoices/i1", `{"invoice":{"State":"voided"}}`, "invoices:approve"},
		{"PUT", "/invoices/i1", `{"state":"approved"}`, "invoices:approve"},
		{"POST", "/invoices", `{"invoice":{"state":"approved","creditedInvoiceId":"i1"}}`, "invoices:approve"},
		{"POST", "/invoices", `not json`, "invoices:approve"},
		{"POST", "/invoices/i1/emails", `{"email":{}}`, "invoices:approve"},
		{"POST", "/invoiceDeliveries", `{"invoiceDelivery":{"invoiceId":"i1"}}`, "invoices:approve"},
		{"POST", "/bankPayments", `{"bankPayment":{}}`, "payments:approve"},
		{"DELETE", "/bankPayments/p1", "", "payments:approve"},
		{"POST", "/contacts", `{"contact":{"name":"A"}}`, "customers:write"},
		{"PUT", "/contactPersons/p1", `{}`, "customers:write"},
		{"POST", "/products", `{"product":{}}`, "products:write"},
		{"POST", "/salesTaxReturns/r1/settle", `{}`, "moms:file"},
		{"POST", "/daybookTransactions", `{"daybookTransaction":{"state":"draft"}}`, "ledger:write"},
		{"POST", "/somethingNew", `{}`, "billy:write"},
		{"PATCH", "", "", "billy:write"},
	}
	for _, tt := range tests {
		if got := ForBilly(tt.method, tt.path, []byte(tt.body)); got != tt.want {
			t.Errorf("ForBilly(%s %s %s) = %q, want %q", tt.method, tt.path, tt.body, got, tt.want)
		}
	}
}

// TestRolesAndBillyWrites: what each built-in role may send to Billy.
func TestRolesAndBillyWrites(t *testing.T) {
	requests := []struct{ method, path, body string }{
		{"POST", "/invoices", `{"invoice":{}}`},
		{"PUT", "/invoices/i1", `{"invoice":{"state":"approved"}}`},
		{"POST", "/bankPayments", `{}`},
		{"POST", "/contacts", `{}`},
		{"POST", "/salesTaxReturns/r1/settle", `{}`},
	}
	want := map[string][]bool{
		"read-only":  {false, false, false, false, false},
		"bookkeeper": {true, false, false, true, false},
		"accountant": {true, true, true, true, true},
		"admin":      {true, true, true, true, true},
	}
	for role, allowed := range want {
		granted, _ := ForRole(role)
		for i, r := range requests {
			if got := Has(granted, ForBilly(r.method, r.path, []byte(r.body))); got != allowed[i] {
				t.Errorf("%s: %s %s allowed = %v, want %v", role, r.method, r.path, got, allowed[i])
			}
		}
	}
}
