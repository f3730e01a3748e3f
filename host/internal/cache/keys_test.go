package cache

import (
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestReadTags(t *testing.T) {
	tests := []struct {
		name, path string
		query      url.Values
		want       []string
	}{
		{"a list depends on its kind's lists", "/invoices", url.Values{"state": {"approved"}},
			[]string{"*", "l:invoices"}},
		{"a record on itself and its kind", "/invoices/I1", nil,
			[]string{"*", "k:invoices", "r:invoices:I1"}},
		{"children bring their kinds in; a belongs-to is found in the answer", "/invoices/I1", url.Values{"include": {"invoice.lines:embed,invoice.contact:embed"}},
			[]string{"*", "k:invoiceLines", "k:invoices", "l:invoiceLines", "r:invoices:I1"}},
		{"associations are balance modifiers", "/bankPayments", url.Values{"include": {"bankPayment.associations:embed"}},
			[]string{"*", "k:balanceModifiers", "l:balanceModifiers", "l:bankPayments"}},
		{"an include it cannot place depends on every write", "/contacts", url.Values{"include": {"contact.frobs:embed"}},
			[]string{"*", "l:contacts", "w"}},
		{"a singleton is a list", "/organization", nil, []string{"*", "l:organization"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind, id, _ := splitPath(tt.path)
			tags, _ := readTags(kind, id, tt.query)
			if diff := cmp.Diff(tt.want, tags); diff != "" {
				t.Errorf("readTags (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDerivedTags(t *testing.T) {
	_, embed := readTags("invoices", "I1", url.Values{"include": {"invoice.contact:embed"}})
	_, side := readTags("invoices", "", url.Values{"include": {"invoice.contact:sideload"}})
	tests := []struct {
		name   string
		derive map[string]string
		body   string
		want   []string
	}{
		{"embedded", embed, `{"invoice":{"id":"I1","contactId":"C1","contact":{"id":"C1","name":"A"}}}`, []string{"r:contacts:C1"}},
		{"sideloaded", side, `{"invoices":[{"id":"I1","contactId":"C1"},{"id":"I2"}],"contacts":[{"id":"C1"},{"id":"C2"}]}`,
			[]string{"r:contacts:C1", "r:contacts:C2"}},
		{"nothing embedded", embed, `{"invoice":{"id":"I1","contact":null}}`, []string{}},
		{"not JSON: the whole kind", embed, `{`, []string{"k:contacts", "l:contacts"}},
		{"no includes", nil, `{"contacts":[{"id":"C1"}]}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, derivedTags([]byte(tt.body), tt.derive)); diff != "" {
				t.Errorf("derivedTags (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWriteTags(t *testing.T) {
	tests := []struct {
		name, path string
		body       string // "" for an unknown outcome
		want       []string
	}{
		{"an update names its record and Billy's answer its other changes", "/invoices/I1",
			`{"meta":{"statusCode":200},"invoices":[{"id":"I1"}],"transactions":[{"id":"T1"}],"postings":[{"id":"P1"},{"id":"P2"}]}`,
			[]string{"k:balanceModifiers", "k:invoiceLines", "k:postings", "k:transactions",
				"l:balanceModifiers", "l:invoiceLines", "l:invoices", "l:postings", "l:transactions",
				"r:invoices:I1", "r:postings:P1", "r:postings:P2", "r:transactions:T1", "w"}},
		{"a payment reaches the invoices it settles", "/bankPayments",
			`{"bankPayments":[{"id":"B1"}],"invoices":[{"id":"I9"}],"balanceModifiers":[{"id":"M1"}]}`,
			[]string{"k:balanceModifiers", "k:bills", "k:contactBalancePostings", "k:invoices", "k:postings", "k:transactions",
				"l:balanceModifiers", "l:bankPayments", "l:bills", "l:contactBalancePostings", "l:invoices", "l:postings", "l:transactions",
				"r:balanceModifiers:M1", "r:bankPayments:B1", "r:invoices:I9", "w"}},
		{"an e-invoice's delivery reaches the invoice's log", "/invoiceDeliveries", `{"invoiceDeliveries":[{"id":"D1"}]}`,
			[]string{"k:invoiceLogs", "k:invoices", "l:invoiceDeliveries", "l:invoiceLogs", "l:invoices", "r:invoiceDeliveries:D1", "w"}},
		{"deleted records count", "/contacts/C1", `{"meta":{"deletedRecords":{"contacts":["C1"],"contactPersons":["CP1"]}}}`,
			[]string{"k:contactPersons", "l:contactPersons", "l:contacts", "r:contactPersons:CP1", "r:contacts:C1", "w"}},
		{"an unknown outcome drops every record of the kind", "/contacts/C1", "",
			[]string{"k:contactPersons", "k:contacts", "l:contactPersons", "l:contacts", "r:contacts:C1", "w"}},
		{"an organization's update reaches /organization", "/organizations/O1", `{"organizations":[{"id":"O1"}]}`,
			[]string{"k:organization", "l:organization", "l:organizations", "r:organizations:O1", "w"}},
		{"odd root keys are ignored", "/products", `{"products":[{"id":"X"}],"a b":[{"id":"Y"}],"note":"hi"}`,
			[]string{"k:productPrices", "l:productPrices", "l:products", "r:products:X", "w"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body []byte
			if tt.body != "" {
				body = []byte(tt.body)
			}
			if diff := cmp.Diff(tt.want, writeTags(tt.path, body)); diff != "" {
				t.Errorf("writeTags (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTTLOf(t *testing.T) {
	ttl := TTLs{Default: time.Minute, Invoices: 2 * time.Minute, TaxRates: 6 * time.Hour, Countries: 24 * time.Hour}
	got := map[string]time.Duration{}
	for _, k := range []string{"invoices", "invoiceLines", "taxRates", "countries", "zipcodes", "contacts", "other"} {
		got[k] = ttl.ttlOf(k)
	}
	want := map[string]time.Duration{"invoices": 2 * time.Minute, "invoiceLines": 2 * time.Minute, "taxRates": 6 * time.Hour,
		"countries": 24 * time.Hour, "zipcodes": 24 * time.Hour, "contacts": time.Minute, "other": time.Minute}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ttlOf (-want +got):\n%s", diff)
	}
}

func TestEntryEncoding(t *testing.T) {
	e := &entry{body: []byte(`{"a":1}`), storedAt: time.UnixMilli(1700000000123), gens: []uint64{0, 7, 1 << 40}, life: 90 * time.Second,
		extra: []string{"r:contacts:C1"}}
	got := decodeEntry(encodeEntry(e))
	if diff := cmp.Diff(e, got, cmp.AllowUnexported(entry{})); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	for _, bad := range [][]byte{nil, {2}, encodeEntry(e)[:20]} {
		if decodeEntry(bad) != nil {
			t.Errorf("decodeEntry(%q) accepted a malformed value", bad)
		}
	}
}
