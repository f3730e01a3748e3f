package sandbox

import (
	"net/url"
	"sort"
	"strconv"
	"testing"
)

// Billy's documented invoice filters (billy-api.md §4.2) against a
// reference filter applied to the full list.
func TestInvoiceFilters(t *testing.T) {
	sb := newSandbox(t, Options{})
	all := sb.do("GET", "/v2/invoices", nil).ok(t).list("invoices")
	contactID := str(all[0], "contactId")
	pred := func(f func(inv map[string]any) bool) int {
		n := 0
		for _, inv := range all {
			if f(inv) {
				n++
			}
		}
		return n
	}
	tests := []struct {
		query string
		want  func(inv map[string]any) bool
	}{
		{"contactId=" + contactID, func(i map[string]any) bool { return str(i, "contactId") == contactID }},
		{"state=draft", func(i map[string]any) bool { return str(i, "state") == "draft" }},
		{"state=voided", func(i map[string]any) bool { return str(i, "state") == "voided" }},
		{"isPaid=false&state=approved", func(i map[string]any) bool { return i["isPaid"] == false && str(i, "state") == "approved" }},
		{"minEntryDate=2026-01-01&maxEntryDate=2026-03-31", func(i map[string]any) bool {
			d := str(i, "entryDate")
			return d >= "2026-01-01" && d <= "2026-03-31"
		}},
		{"entryDatePeriod=quarter:2026-1", func(i map[string]any) bool {
			d := str(i, "entryDate")
			return d >= "2026-01-01" && d <= "2026-03-31"
		}},
		{"entryDatePeriod=month:2025-07", func(i map[string]any) bool { return str(i, "entryDate")[:7] == "2025-07" }},
		{"entryDatePeriod=year:2025", func(i map[string]any) bool { return str(i, "entryDate")[:4] == "2025" }},
		{"maxDueDate=2026-11-25&isPaid=false&state=approved", func(i map[string]any) bool {
			return str(i, "dueDate") <= "2026-11-25" && i["isPaid"] == false && str(i, "state") == "approved"
		}},
		{"currencyId=EUR", func(i map[string]any) bool { return str(i, "currencyId") == "EUR" }},
		{"minApprovedTime=" + url.QueryEscape("2026-06-01 00:00:00"), func(i map[string]any) bool {
			return str(i, "approvedTime") >= "2026-06-01T00:00:00"
		}},
		{"unknownParameter=ignored", func(map[string]any) bool { return true }},
		{"entryDateGte=2026-01-01", func(map[string]any) bool { return true }}, // undocumented: ignored
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got := sb.do("GET", "/v2/invoices?"+tt.query, nil).ok(t).list("invoices")
			want := pred(tt.want)
			if len(got) != want {
				t.Errorf("%d invoices, want %d", len(got), want)
			}
			for _, inv := range got {
				if !tt.want(inv) {
					t.Errorf("invoice %s does not match", inv["id"])
				}
			}
		})
	}
	// The overdue-and-unpaid case must not be empty: it is what an
	// accounts-receivable tool asks first.
	if got := len(sb.do("GET", "/v2/invoices?isPaid=false&state=approved&maxDueDate=2026-11-25", nil).ok(t).list("invoices")); got == 0 {
		t.Errorf("no overdue unpaid invoices in the seeded data")
	}
	// Invoices by number and by free text.
	no := ""
	for _, inv := range all {
		if s := str(inv, "invoiceNo"); s != "" {
			no = s
			break
		}
	}
	if got := sb.do("GET", "/v2/invoices?invoiceNo="+no, nil).ok(t).list("invoices"); len(got) != 1 {
		t.Errorf("invoiceNo=%s: %d invoices", no, len(got))
	}
	if got := sb.do("GET", "/v2/invoices?q=Konsulenttimer", nil).ok(t).list("invoices"); len(got) == 0 {
		t.Errorf("q=Konsulenttimer found nothing")
	}
	for _, q := range []string{"minEntryDate=yesterday", "entryDatePeriod=month:2026-13", "isPaid=maybe", "sortProperty=color", "sortProperty=entryDate&sortDirection=UP"} {
		if r := sb.do("GET", "/v2/invoices?"+q, nil); r.status != 400 {
			t.Errorf("%s: status %d, want 400", q, r.status)
		}
	}
}

func TestSorting(t *testing.T) {
	sb := newSandbox(t, Options{})
	tests := []struct {
		query string
		key   func(m map[string]any) float64
		desc  bool
	}{
		{"sortProperty=grossAmount", func(m map[string]any) float64 { return num(m, "grossAmount") }, false},
		{"sortProperty=grossAmount&sortDirection=DESC", func(m map[string]any) float64 { return num(m, "grossAmount") }, true},
		{"sortProperty=invoiceNo&sortDirection=DESC&state=approved", func(m map[string]any) float64 {
			n, _ := strconv.Atoi(str(m, "invoiceNo"))
			return float64(n)
		}, true},
		{"sortProperty=entryDate", func(m map[string]any) float64 {
			n, _ := strconv.Atoi(str(m, "entryDate")[:4] + str(m, "entryDate")[5:7] + str(m, "entryDate")[8:])
			return float64(n)
		}, false},
	}
	for _, tt := range tests {
		got := sb.do("GET", "/v2/invoices?"+tt.query, nil).ok(t).list("invoices")
		keys := make([]float64, len(got))
		for i, inv := range got {
			keys[i] = tt.key(inv)
		}
		sorted := sort.SliceIsSorted(keys, func(i, j int) bool {
			if tt.desc {
				return keys[i] > keys[j]
			}
			return keys[i] < keys[j]
		})
		if !sorted {
			t.Errorf("%s: not sorted", tt.query)
		}
	}
	names := sb.do("GET", "/v2/contacts?sortProperty=name", nil).ok(t).list("contacts")
	for i := 1; i < len(names); i++ {
		if str(names[i-1], "name") > str(names[i], "name") {
			t.Errorf("contacts not sorted by name: %q > %q", names[i-1]["name"], names[i]["name"])
		}
	}
}

func TestOtherFilters(t *testing.T) {
	sb := newSandbox(t, Options{})
	contactID := sb.firstID("/v2/contacts", "contacts")
	tests := []struct {
		path   string
		key    string
		status int
		check  func(m map[string]any) bool
	}{
		{"/v2/contactPersons?contactId=" + contactID, "contactPersons", 200, func(m map[string]any) bool { return str(m, "contactId") == contactID }},
		{"/v2/contactPersons", "contactPersons", 400, nil}, // Billy requires contactId (§4.2)
		{"/v2/contacts?isCustomer=true", "contacts", 200, func(m map[string]any) bool { return m["isCustomer"] == true }},
		{"/v2/contacts?isSupplier=true", "contacts", 200, func(m map[string]any) bool { return m["isSupplier"] == true }},
		{"/v2/contacts?q=AB", "contacts", 200, nil},
		{"/v2/accounts?isBankAccount=true", "accounts", 200, func(m map[string]any) bool { return m["isBankAccount"] == true }},
		{"/v2/taxRates?appliesToSales=true", "taxRates", 200, func(m map[string]any) bool { return m["appliesToSales"] == true }},
		{"/v2/bankPayments?contactId=" + contactID, "bankPayments", 200, func(m map[string]any) bool { return str(m, "contactId") == contactID }},
		{"/v2/invoiceLines?invoiceId=x", "invoiceLines", 200, func(map[string]any) bool { return false }},
	}
	for _, tt := range tests {
		r := sb.do("GET", tt.path, nil)
		if r.status != tt.status {
			t.Errorf("%s: status %d, want %d: %s", tt.path, r.status, tt.status, r.raw)
			continue
		}
		for _, m := range r.list(tt.key) {
			if tt.check != nil && !tt.check(m) {
				t.Errorf("%s: %v does not match", tt.path, m["id"])
			}
		}
	}
}
