package invoices

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"testing"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/google/go-cmp/cmp"
)

func seedInvoices(f *fakeBilly, n int) {
	for i := 1; i <= n; i++ {
		f.invoice(fmt.Sprintf("inv-%02d", i), "approved", 1250, nil)
	}
}

func wantValidation(t *testing.T, err error, code, field string) {
	t.Helper()
	var se *sdk.Error
	if !errors.As(err, &se) || se.Category != sdk.CategoryValidation {
		t.Fatalf("want a validation error naming %s, got %v", field, err)
	}
	if code != "" && se.Code != code {
		t.Errorf("code = %q, want %q (%v)", se.Code, code, err)
	}
	for _, f := range se.Fields {
		if f.Field == field {
			return
		}
	}
	t.Errorf("error does not name %s: %+v", field, se.Fields)
}

// TestListPagingPassesThrough: limit becomes Billy's pageSize and the
// cursor Billy's page; nothing is fetched beyond the page asked for.
func TestListPagingPassesThrough(t *testing.T) {
	e := newEnv(t, sdk.WritesConfirm)
	seedInvoices(e.billy, 25)
	var pages [][]string
	cursor := ""
	for i := 0; i < 5; i++ {
		e.billy.reset()
		var out ListInvoicesOutput
		e.mustCall("list_invoices", ListInvoicesInput{Paging: Paging{Limit: 10, Cursor: cursor}}, &out)
		reqs := e.billy.all()
		if len(reqs) != 1 {
			t.Fatalf("page %d: want exactly one Billy request, got %v", i+1, reqs)
		}
		q := reqs[0].Query
		if q.Get("page") != fmt.Sprint(i+1) || q.Get("pageSize") != "10" {
			t.Errorf("page %d: Billy query %v", i+1, q)
		}
		if out.Total != 25 {
			t.Errorf("total = %d", out.Total)
		}
		var ids []string
		for _, inv := range out.Invoices {
			ids = append(ids, inv.ID)
		}
		pages = append(pages, ids)
		cursor = out.NextCursor
		if cursor == "" {
			break
		}
	}
	if len(pages) != 3 || len(pages[0]) != 10 || len(pages[2]) != 5 || pages[1][0] != "inv-11" || pages[2][4] != "inv-25" {
		t.Errorf("pages = %v", pages)
	}
}

func TestListInvoiceRecordIsCompact(t *testing.T) {
	e := newEnv(t, sdk.WritesConfirm)
	e.billy.invoice("inv-1", "approved", 1250, map[string]any{"invoiceNo": "1001", "dueDate": "2025-04-01"})
	var out ListInvoicesOutput
	e.mustCall("list_invoices", ListInvoicesInput{}, &out)
	want := []InvoiceSummary{{ID: "inv-1", InvoiceNo: "1001", Type: "invoice", State: "approved", SentState: "unsent", ContactID: "contact-1",
		ContactName: "Jensen ApS", EntryDate: "2025-03-01", DueDate: "2025-04-01", Currency: "DKK", Amount: 1000, Tax: 250, GrossAmount: 1250,
		Balance: 1250, IsOverdue: true}}
	if diff := cmp.Diff(want, out.Invoices); diff != "" {
		t.Errorf("invoices (-want +got):\n%s", diff)
	}
	if out.NextCursor != "" || out.Total != 1 {
		t.Errorf("total %d, next %q", out.Total, out.NextCursor)
	}
}

func TestCursorRefusedWithOtherFilters(t *testing.T) {
	e := newEnv(t, sdk.WritesConfirm)
	seedInvoices(e.billy, 30)
	var first ListInvoicesOutput
	e.mustCall("list_invoices", ListInvoicesInput{State: "approved", Paging: Paging{Limit: 10}}, &first)
	var customers ListCustomersOutput
	e.billy.put("contacts", map[string]any{"id": "contact-2", "name": "B", "isCustomer": true})
	e.mustCall("list_customers", ListCustomersInput{Paging: Paging{Limit: 1}}, &customers)

	tests := []struct {
		name  string
		tool  string
		args  any
		code  string
		field string
	}{
		{"other state", "list_invoices", ListInvoicesInput{State: "draft", Paging: Paging{Limit: 10, Cursor: first.NextCursor}}, "cursor_filter_mismatch", "cursor"},
		{"added filter", "list_invoices", ListInvoicesInput{State: "approved", Search: "x", Paging: Paging{Cursor: first.NextCursor}}, "cursor_filter_mismatch", "cursor"},
		{"other tool's cursor", "list_invoices", ListInvoicesInput{Paging: Paging{Cursor: customers.NextCursor}}, "cursor_filter_mismatch", "cursor"},
		{"not a cursor", "list_invoices", ListInvoicesInput{Paging: Paging{Cursor: "page=2"}}, sdk.CodeInvalidArguments, "cursor"},
		{"cursor and offset", "list_invoices", ListInvoicesInput{State: "approved", Paging: Paging{Cursor: first.NextCursor, Offset: 10}}, sdk.CodeInvalidArguments, "cursor"},
		{"limit too large", "list_invoices", ListInvoicesInput{Paging: Paging{Limit: 101}}, sdk.CodeInvalidArguments, "limit"},
		{"negative offset", "list_customers", ListCustomersInput{Paging: Paging{Offset: -1}}, sdk.CodeInvalidArguments, "offset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.billy.reset()
			wantValidation(t, e.call(tt.tool, tt.args, new(json.RawMessage)), tt.code, tt.field)
			if reqs := e.billy.all(); len(reqs) != 0 {
				t.Errorf("Billy was asked %v", reqs)
			}
		})
	}

	// The same filters continue.
	var second ListInvoicesOutput
	e.mustCall("list_invoices", ListInvoicesInput{State: "approved", Paging: Paging{Limit: 10, Cursor: first.NextCursor}}, &second)
	if len(second.Invoices) != 10 || second.Invoices[0].ID != "inv-11" {
		t.Errorf("second page starts at %v", second.Invoices)
	}
}

// TestV1OffsetReadsAtMostTwoPages: an offset that is not a multiple of
// limit reads the two Billy pages around it, never the whole list.
func TestV1OffsetReadsAtMostTwoPages(t *testing.T) {
	e := newEnv(t, sdk.WritesConfirm)
	seedInvoices(e.billy, 25)
	var out ListInvoicesOutput
	e.mustCall("list_invoices", ListInvoicesInput{Paging: Paging{Limit: 10, Offset: 5}}, &out)
	var pages []string
	for _, r := range e.billy.all() {
		pages = append(pages, r.Query.Get("page")+"/"+r.Query.Get("pageSize"))
	}
	if diff := cmp.Diff([]string{"1/10", "2/10"}, pages); diff != "" {
		t.Errorf("Billy pages (-want +got):\n%s", diff)
	}
	if len(out.Invoices) != 10 || out.Invoices[0].ID != "inv-06" || out.Invoices[9].ID != "inv-15" {
		t.Errorf("got %d invoices from %v", len(out.Invoices), out.Invoices)
	}
	var next ListInvoicesOutput
	e.mustCall("list_invoices", ListInvoicesInput{Paging: Paging{Limit: 10, Cursor: out.NextCursor}}, &next)
	if next.Invoices[0].ID != "inv-16" {
		t.Errorf("cursor after offset continues at %s", next.Invoices[0].ID)
	}
}

// TestInvoiceFiltersUseBillyNames: dates go out as minEntryDate and
// maxEntryDate (v1 sent entryDateGte/Lte, which Billy ignores), and the
// v1 states map onto Billy's.
func TestInvoiceFiltersUseBillyNames(t *testing.T) {
	paid, unpaid := true, false
	tests := []struct {
		name string
		in   ListInvoicesInput
		want url.Values
	}{
		{"dates", ListInvoicesInput{StartDate: "2025-01-01", EndDate: "2025-03-31"},
			url.Values{"minEntryDate": {"2025-01-01"}, "maxEntryDate": {"2025-03-31"}}},
		{"due dates", ListInvoicesInput{MinDueDate: "2025-02-01", MaxDueDate: "2025-02-28"},
			url.Values{"minDueDate": {"2025-02-01"}, "maxDueDate": {"2025-02-28"}}},
		// Receivables are approved invoices, never credit notes.
		{"paid", ListInvoicesInput{State: "paid"}, url.Values{"state": {"approved"}, "type": {"invoice"}, "isPaid": {"true"}}},
		{"unpaid", ListInvoicesInput{State: "unpaid"}, url.Values{"state": {"approved"}, "type": {"invoice"}, "isPaid": {"false"}}},
		{"overdue", ListInvoicesInput{State: "overdue"}, url.Values{"state": {"approved"}, "type": {"invoice"}, "isPaid": {"false"}, "maxDueDate": {"2025-04-09"}}},
		{"v1 cancelled", ListInvoicesInput{State: "cancelled"}, url.Values{"state": {"voided"}}},
		// isPaid alone asks about receivables: not drafts, voided invoices
		// or credit notes.
		{"isPaid", ListInvoicesInput{IsPaid: &paid}, url.Values{"state": {"approved"}, "type": {"invoice"}, "isPaid": {"true"}}},
		{"isPaid false", ListInvoicesInput{IsPaid: &unpaid}, url.Values{"state": {"approved"}, "type": {"invoice"}, "isPaid": {"false"}}},
		{"isPaid false with unpaid", ListInvoicesInput{State: "unpaid", IsPaid: &unpaid}, url.Values{"state": {"approved"}, "type": {"invoice"}, "isPaid": {"false"}}},
		{"credit notes", ListInvoicesInput{State: "creditNotes"}, url.Values{"state": {"approved"}, "type": {"creditNote"}}},
		{"credit notes not yet paid back", ListInvoicesInput{State: "creditNotes", IsPaid: &unpaid}, url.Values{"state": {"approved"}, "type": {"creditNote"}, "isPaid": {"false"}}},
		{"drafts of both kinds", ListInvoicesInput{State: "draft"}, url.Values{"state": {"draft"}}},
		{"search, currency, customer", ListInvoicesInput{Search: "Jensen", CurrencyID: "eur", ContactID: "contact-1"},
			url.Values{"q": {"Jensen"}, "currencyId": {"EUR"}, "contactId": {"contact-1"}}},
		{"credit notes of an invoice", ListInvoicesInput{CreditedInvoiceID: "inv-1"}, url.Values{"creditedInvoiceId": {"inv-1"}}},
		{"a write's marker", ListInvoicesInput{ExternalID: "bmcp-abc"}, url.Values{"externalId": {"bmcp-abc"}}},
		{"sort", ListInvoicesInput{SortBy: "dueDate", SortDirection: "ASC"}, url.Values{"sortProperty": {"dueDate"}, "sortDirection": {"ASC"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, sdk.WritesConfirm)
			e.mustCall("list_invoices", tt.in, new(ListInvoicesOutput))
			q := e.find("GET", "/invoices").Query
			want := url.Values{"include": {"invoice.contact:sideload"}, "sortProperty": {"entryDate"}, "sortDirection": {"DESC"}, "page": {"1"}, "pageSize": {"25"}}
			for k, v := range tt.want {
				want[k] = v
			}
			if diff := cmp.Diff(want, q); diff != "" {
				t.Errorf("Billy query (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInvoiceFilterErrors(t *testing.T) {
	paid := true
	tests := []struct {
		name  string
		in    ListInvoicesInput
		field string
	}{
		{"sent is not a state", ListInvoicesInput{State: "sent"}, "state"},
		{"unknown state", ListInvoicesInput{State: "open"}, "state"},
		{"state contradicts isPaid", ListInvoicesInput{State: "unpaid", IsPaid: &paid}, "isPaid"},
		{"bad date", ListInvoicesInput{StartDate: "01-02-2025"}, "startDate"},
		{"reversed range", ListInvoicesInput{StartDate: "2025-02-01", EndDate: "2025-01-01"}, "endDate"},
		{"implausible ID", ListInvoicesInput{ContactID: "Jensen ApS"}, "contactId"},
		{"bad sort", ListInvoicesInput{SortBy: "customer"}, "sortBy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, sdk.WritesConfirm)
			wantValidation(t, e.call("list_invoices", tt.in, new(ListInvoicesOutput)), "", tt.field)
		})
	}
}

// TestOtherListsPage: every list passes limit and page through and sends
// its filters under Billy's names.
func TestOtherListsPage(t *testing.T) {
	tests := []struct {
		tool string
		args any
		path string
		want url.Values
	}{
		{"list_customers", ListCustomersInput{Search: "Jensen", Paging: Paging{Limit: 5}}, "/contacts",
			url.Values{"q": {"Jensen"}, "isCustomer": {"true"}, "isArchived": {"false"}, "include": {"contact.contactPersons:embed"},
				"sortProperty": {"name"}, "sortDirection": {"ASC"}, "page": {"1"}, "pageSize": {"5"}}},
		{"list_customers", ListCustomersInput{IncludeSuppliers: true, IncludeArchived: true}, "/contacts",
			url.Values{"include": {"contact.contactPersons:embed"}, "sortProperty": {"name"}, "sortDirection": {"ASC"}, "page": {"1"}, "pageSize": {"25"}}},
		{"list_products", ListProductsInput{Search: "råd"}, "/products",
			url.Values{"q": {"råd"}, "isArchived": {"false"}, "include": {"product.prices:embed"}, "sortProperty": {"name"}, "sortDirection": {"ASC"}, "page": {"1"}, "pageSize": {"25"}}},
		{"list_contact_persons", ListContactPersonsInput{CustomerIDInput: CustomerIDInput{ContactID: "contact-1"}, Paging: Paging{Limit: 3}}, "/contactPersons",
			url.Values{"contactId": {"contact-1"}, "page": {"1"}, "pageSize": {"3"}}},
		{"list_tax_rates", ListTaxRatesInput{AppliesTo: "sales"}, "/taxRates",
			url.Values{"appliesToSales": {"true"}, "isActive": {"true"}, "page": {"1"}, "pageSize": {"25"}}},
		{"list_accounts", ListAccountsInput{BankAccountsOnly: true}, "/accounts",
			url.Values{"isBankAccount": {"true"}, "isArchived": {"false"}, "sortProperty": {"accountNo"}, "sortDirection": {"ASC"}, "page": {"1"}, "pageSize": {"25"}}},
		{"list_payments", ListPaymentsInput{StartDate: "2025-04-01", EndDate: "2025-04-30", ContactID: "contact-1"}, "/bankPayments",
			url.Values{"minEntryDate": {"2025-04-01"}, "maxEntryDate": {"2025-04-30"}, "contactId": {"contact-1"}, "isVoided": {"false"},
				"include": {"bankPayment.associations:embed"}, "sortProperty": {"entryDate"}, "sortDirection": {"DESC"}, "page": {"1"}, "pageSize": {"25"}}},
	}
	for _, tt := range tests {
		t.Run(tt.tool, func(t *testing.T) {
			e := newEnv(t, sdk.WritesConfirm)
			e.mustCall(tt.tool, tt.args, new(json.RawMessage))
			if diff := cmp.Diff(tt.want, e.find("GET", tt.path).Query); diff != "" {
				t.Errorf("Billy query (-want +got):\n%s", diff)
			}
		})
	}
}

// TestListsRecheckFilters: a filter Billy ignored does not make a wrong
// record look like a match.
func TestListsRecheckFilters(t *testing.T) {
	e := newEnv(t, sdk.WritesConfirm)
	e.billy.hook = func(r recorded) (any, bool) {
		if r.Path != "/contacts" {
			return nil, false
		}
		return map[string]any{"contacts": []any{
			map[string]any{"id": "c1", "name": "Kunde", "type": "person", "isCustomer": true},
			map[string]any{"id": "c2", "name": "Leverandør", "type": "company", "isSupplier": true},
		}, "meta": map[string]any{"paging": map[string]any{"page": 1, "pageCount": 1, "pageSize": 25, "total": 2}}}, true
	}
	var out ListCustomersOutput
	e.mustCall("list_customers", ListCustomersInput{}, &out)
	if len(out.Customers) != 1 || out.Customers[0].ID != "c1" || out.Customers[0].Type != "person" || out.Warning == "" {
		t.Errorf("got %+v", out)
	}
}

func TestPaymentsOfOneInvoice(t *testing.T) {
	e := newEnv(t, sdk.WritesConfirm)
	e.billy.invoice("inv-1", "approved", 1250, map[string]any{"balanceModifiers": []any{
		map[string]any{"id": "bm1", "modifierReference": "bankPayment:bp-1", "subjectReference": "invoice:inv-1", "amount": -500.0},
		map[string]any{"id": "bm2", "modifierReference": "invoice:cn-1", "subjectReference": "invoice:inv-1", "amount": -250.0},
		map[string]any{"id": "bm3", "modifierReference": "bankPayment:bp-2", "subjectReference": "invoice:inv-1", "amount": -500.0},
	}})
	for i, date := range []string{"2025-04-01", "2025-04-05"} {
		id := fmt.Sprintf("bp-%d", i+1)
		e.billy.put("bankPayments", map[string]any{"id": id, "entryDate": date, "cashAmount": 500.0, "cashSide": "debit", "cashAccountId": "acct-bank",
			"subjectCurrencyId": "DKK", "associations": []any{map[string]any{"subjectReference": "invoice:inv-1", "amount": -500.0}}})
	}
	var out ListPaymentsOutput
	e.mustCall("list_payments", ListPaymentsInput{InvoiceID: "inv-1"}, &out)
	want := []Payment{
		{ID: "bp-2", EntryDate: "2025-04-05", Direction: "in", CashAmount: 500, CashCurrency: "DKK", CashAccountID: "acct-bank", Amount: 500, Currency: "DKK",
			Invoices: []PaymentPart{{InvoiceID: "inv-1", Amount: 500}}},
		{ID: "bp-1", EntryDate: "2025-04-01", Direction: "in", CashAmount: 500, CashCurrency: "DKK", CashAccountID: "acct-bank", Amount: 500, Currency: "DKK",
			Invoices: []PaymentPart{{InvoiceID: "inv-1", Amount: 500}}},
	}
	if diff := cmp.Diff(want, out.Payments); diff != "" || out.Total != 2 {
		t.Errorf("payments (-want +got):\n%s total %d", diff, out.Total)
	}
}
