package invoices

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestGetInvoice(t *testing.T) {
	e := newEnv(t, sdk.WritesConfirm)
	e.billy.invoice("inv-1", "approved", 1250, map[string]any{"invoiceNo": "1001", "paymentTermsMode": "net", "paymentTermsDays": 30,
		"contact": map[string]any{"id": "contact-1", "name": "Jensen ApS"}})
	var out Invoice
	e.mustCall("get_invoice", InvoiceIDInput{InvoiceID: "inv-1"}, &out)
	want := Invoice{
		InvoiceSummary: InvoiceSummary{ID: "inv-1", InvoiceNo: "1001", Type: "invoice", State: "approved", SentState: "unsent", ContactID: "contact-1",
			ContactName: "Jensen ApS", EntryDate: "2025-03-01", DueDate: "2025-03-31", Currency: "DKK", Amount: 1000, Tax: 250, GrossAmount: 1250,
			Balance: 1250, IsOverdue: true},
		PaymentTermsMode: "net", PaymentTermsDays: 30, TaxMode: "excl",
		Lines: []InvoiceLine{{ID: "line-inv-1", ProductID: "product-1", Description: "Rådgivning", Quantity: 1, UnitPrice: 1000, Amount: 1000, Tax: 250, TaxRateID: "tax-s25"}},
	}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("invoice (-want +got):\n%s", diff)
	}
	if q := e.find("GET", "/invoices/inv-1").Query.Get("include"); q != "invoice.lines:embed,invoice.contact:embed" {
		t.Errorf("include = %q", q)
	}
}

// TestInvoicePDF: the PDF is returned as a resource link and as a URL.
func TestInvoicePDF(t *testing.T) {
	e := newEnv(t, sdk.WritesConfirm)
	inv := e.billy.invoice("inv-1", "approved", 1250, map[string]any{"invoiceNo": "1001"})
	res, err := e.h.CallTool(context.Background(), "get_invoice_pdf", InvoiceIDInput{InvoiceID: "inv-1"})
	if err != nil || res.IsError {
		t.Fatal(err, res)
	}
	url := inv["downloadUrl"].(string)
	var link *sdk.ResourceLink
	for _, c := range res.Content {
		if l, ok := c.(*sdk.ResourceLink); ok {
			link = l
		}
	}
	if link == nil || link.URI != url || link.MIMEType != "application/pdf" || link.Name != "invoice-no-1001.pdf" {
		t.Errorf("resource link: %+v in %+v", link, res.Content)
	}
	var out InvoicePDF
	if err := json.Unmarshal(res.Structured, &out); err != nil || out.URL != url || out.InvoiceNo != "1001" {
		t.Errorf("structured: %s %v", res.Structured, err)
	}
}

func TestGetCustomerAndPersons(t *testing.T) {
	e := newEnv(t, sdk.WritesConfirm)
	e.billy.records["contacts"]["contact-1"]["registrationNo"] = "87654321"
	var c Customer
	e.mustCall("get_customer", CustomerIDInput{ContactID: "contact-1"}, &c)
	want := Customer{CustomerSummary: CustomerSummary{ID: "contact-1", Type: "company", Name: "Jensen ApS", RegistrationNo: "87654321",
		Email: "mette@jensen.dk", CountryID: "DK", IsCustomer: true},
		ContactPersons: []ContactPerson{{ID: "person-1", ContactID: "contact-1", Name: "Mette Jensen", Email: "mette@jensen.dk", IsPrimary: true}}}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("customer (-want +got):\n%s", diff)
	}
	var persons ListContactPersonsOutput
	e.mustCall("list_contact_persons", map[string]any{"contactId": "contact-1"}, &persons)
	if diff := cmp.Diff(want.ContactPersons, persons.ContactPersons); diff != "" || persons.Total != 1 {
		t.Errorf("persons (-want +got):\n%s", diff)
	}
}

func TestProducts(t *testing.T) {
	e := newEnv(t, sdk.WritesDirect)
	var p Product
	e.mustCall("get_product", ProductIDInput{ProductID: "product-1"}, &p)
	if diff := cmp.Diff(Product{ID: "product-1", Name: "Rådgivning", Prices: []Price{{UnitPrice: 1000, CurrencyID: "DKK"}, {UnitPrice: 134, CurrencyID: "EUR"}},
		SalesTaxRulesetID: "rs-services"}, p); diff != "" {
		t.Errorf("product (-want +got):\n%s", diff)
	}
	// update_product reads the one product, not the whole list (v1's bug 5).
	e.billy.reset()
	var out WriteResult[Product]
	e.mustCall("update_product", map[string]any{"productId": "product-1", "prices": []any{map[string]any{"unitPrice": 1100}, map[string]any{"unitPrice": 150, "currencyId": "eur"}}}, &out)
	var paths []string
	for _, r := range e.billy.all() {
		paths = append(paths, r.String())
	}
	if diff := cmp.Diff([]string{"GET /products/product-1", "GET /organizations/org-1", "PUT /products/product-1", "GET /products/product-1"}, paths); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Price{{1100, "DKK"}, {150, "EUR"}}, out.Record.Prices); diff != "" {
		t.Errorf("prices (-want +got):\n%s", diff)
	}
	wantValidation(t, e.call("create_product", map[string]any{"name": "X", "prices": []any{map[string]any{"unitPrice": 1}, map[string]any{"unitPrice": 2, "currencyId": "DKK"}}}, new(json.RawMessage)), "", "prices[1].currencyId")
}

func TestReferenceLists(t *testing.T) {
	e := newEnv(t, sdk.WritesConfirm)
	e.billy.records["taxRates"] = nil // only these two
	e.billy.put("taxRates", map[string]any{"id": "tr-1", "name": "Salgsmoms", "abbreviation": "S", "rate": 0.25, "appliesToSales": true, "isActive": true})
	e.billy.put("taxRates", map[string]any{"id": "tr-2", "name": "Købsmoms", "rate": 0.25, "appliesToPurchases": true, "isActive": true})
	var rates ListTaxRatesOutput
	e.mustCall("list_tax_rates", ListTaxRatesInput{AppliesTo: "sales"}, &rates)
	if diff := cmp.Diff([]TaxRate{{ID: "tr-1", Name: "Salgsmoms", Abbreviation: "S", Rate: 0.25, RatePercent: 25, AppliesToSales: true, IsActive: true}}, rates.TaxRates); diff != "" {
		t.Errorf("tax rates (-want +got):\n%s", diff)
	}
	var accts ListAccountsOutput
	e.mustCall("list_accounts", ListAccountsInput{BankAccountsOnly: true}, &accts)
	if len(accts.Accounts) != 2 || accts.Accounts[0].Nature != "asset" || !accts.Accounts[0].IsPaymentEnabled {
		t.Errorf("accounts %+v", accts)
	}
}

func TestValidateAuth(t *testing.T) {
	e := newEnv(t, sdk.WritesConfirm)
	var out AuthStatus
	e.mustCall("validate_auth", struct{}{}, &out)
	want := AuthStatus{Valid: true, OrganizationID: "org-1", OrganizationName: "Hansen Consulting ApS", BaseCurrency: "DKK", CountryID: "DK",
		RegistrationNo: "12345678", Message: "the access token works for Hansen Consulting ApS"}
	if diff := cmp.Diff(want, out, cmpopts.IgnoreFields(AuthStatus{}, "LatencyMS")); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if e.find("GET", "/organizations/org-1").Path == "" {
		t.Error("the caller's organization was not read")
	}

	// Without an organization ID the token's own organization is read.
	h := e.harness(sdktest.WithCaller(sdk.Caller{Subject: "local"}))
	if err := h.CallToolInto(context.Background(), "validate_auth", struct{}{}, &out); err != nil || out.OrganizationID != "org-1" {
		t.Errorf("%+v %v", out, err)
	}
	e.find("GET", "/organization")

	e.billy.fail["GET /organizations/org-1"] = &sdk.Error{Code: "billy_unauthorized", Category: sdk.CategoryUnauthorized, Message: "token rejected"}
	wantCode(t, e.call("validate_auth", struct{}{}, &out), sdk.CategoryUnauthorized, "billy_unauthorized")
}

func TestTestConnection(t *testing.T) {
	tests := []struct {
		name string
		in   TestConnectionInput
		fail error
		want ConnectionStatus
	}{
		{"answers", TestConnectionInput{}, nil,
			ConnectionStatus{Endpoint: "organization", Reachable: true, Authenticated: true, OrganizationName: "Hansen Consulting ApS", BaseCurrency: "DKK", Message: "Billy answered and accepted the access token"}},
		{"list endpoint counts", TestConnectionInput{Endpoint: "contacts"}, nil,
			ConnectionStatus{Endpoint: "contacts", Reachable: true, Authenticated: true, RecordCount: ptr(1), Message: "Billy answered and accepted the access token"}},
		{"token rejected", TestConnectionInput{}, &sdk.Error{Code: "billy_unauthorized", Category: sdk.CategoryUnauthorized, Message: "rejected"},
			ConnectionStatus{Endpoint: "organization", Reachable: true, ErrorCode: "billy_unauthorized", ErrorCategory: "unauthorized", Message: "reading the organization from Billy: rejected"}},
		{"Billy down", TestConnectionInput{}, &sdk.Error{Code: "upstream_unreachable", Category: sdk.CategoryUpstreamUnavailable, Message: "down", Retryable: true},
			ConnectionStatus{Endpoint: "organization", ErrorCode: "upstream_unreachable", ErrorCategory: "upstream_unavailable", Retryable: true, Message: "reading the organization from Billy: down"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, sdk.WritesConfirm)
			if tt.fail != nil {
				e.billy.fail["GET /organizations/org-1"] = tt.fail
			}
			var out ConnectionStatus
			e.mustCall("test_connection", tt.in, &out)
			if diff := cmp.Diff(tt.want, out, cmpopts.IgnoreFields(ConnectionStatus{}, "LatencyMS")); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if q := newEnvQuery(t); q.Get("pageSize") != "1" {
		t.Errorf("a list is probed with one record, got %v", q)
	}
}

func newEnvQuery(t *testing.T) url.Values {
	e := newEnv(t, sdk.WritesConfirm)
	e.mustCall("test_connection", TestConnectionInput{Endpoint: "invoices"}, new(ConnectionStatus))
	return e.find("GET", "/invoices").Query
}
