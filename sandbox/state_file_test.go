package sandbox

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// dump is every organization's records in their JSON form, in order,
// with the organization record and the ID generators' next IDs: what a
// reload must reproduce. It reads the tables directly, which is much
// faster than paging through the API for the large retail history.
func dump(t *testing.T, s *Server) map[string]string {
	t.Helper()
	s.mu.Lock() // exclusive: peeking at the ID generators moves them
	defer s.mu.Unlock()
	out := map[string]string{}
	put := func(key string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out[key] = string(b)
	}
	for _, o := range s.orgs {
		k := o.business + "/"
		put(k+"organization", o.org)
		put(k+"contacts", o.contacts.all())
		put(k+"contactPersons", o.contactPersons.all())
		put(k+"products", o.products.all())
		put(k+"productPrices", o.productPrices.all())
		put(k+"invoices", o.invoices.all())
		put(k+"invoiceLines", o.invoiceLines.all())
		put(k+"bankPayments", o.bankPayments.all())
		put(k+"balanceModifiers", o.balanceModifiers.all())
		put(k+"transactions", o.transactions.all())
		put(k+"postings", o.postings.all())
		put(k+"accounts", o.accounts.all())
		put(k+"bills", o.bills.all())
		put(k+"billLines", o.billLines.all())
		put(k+"daybookTransactions", o.daybookTransactions.all())
		put(k+"daybookTransactionLines", o.daybookLines.all())
		put(k+"salesTaxReturns", o.salesTaxReturns.all())
		put(k+"salesTaxPayments", o.salesTaxPayments.all())
		put(k+"files", o.files.all())
		put(k+"attachments", o.attachments.all())
		put(k+"invoiceNos", o.invoiceNos)
		put(k+"counters", []int{o.nextTransactionNo, o.nextContactNo, o.invoiceSeq})
	}
	return out
}

// writeHistory makes one of every kind of write.
func writeHistory(t *testing.T, sb *sandbox) {
	contactID := str(sb.do("POST", "/v2/contacts", newContact("Tilstand ApS")).ok(t).list("contacts")[0], "id")
	sb.do("POST", "/v2/contactPersons", obj{"contactPerson": obj{"contactId": contactID, "name": "Ida Tilstand", "email": "ida@tilstand.dk"}}).ok(t)
	sb.do("PUT", "/v2/contacts/"+contactID, obj{"contact": obj{"phone": "+45 11 22 33 44"}}).ok(t)
	productID := str(sb.do("POST", "/v2/products", obj{"product": obj{"name": "Gemt vare",
		"prices": []any{obj{"unitPrice": 125.5, "currencyId": "DKK"}}}}).ok(t).list("products")[0], "id")
	bankID := sb.firstID("/v2/accounts?isBankAccount=true&isPaymentEnabled=true", "accounts")
	line := func(qty, price float64) obj { return obj{"productId": productID, "quantity": qty, "unitPrice": price} }
	r := sb.do("POST", "/v2/invoices", obj{"invoice": obj{"contactId": contactID, "entryDate": "2026-11-20", "lines": []any{line(2, 100)}}}).ok(t)
	invID := str(r.list("invoices")[0], "id")
	sb.do("POST", "/v2/invoiceLines", obj{"invoiceLine": obj{"invoiceId": invID, "productId": productID, "quantity": 1}}).ok(t)
	sb.do("PUT", "/v2/invoices/"+invID, obj{"invoice": obj{"state": "approved"}}).ok(t)
	sb.do("POST", "/v2/bankPayments", obj{"bankPayment": obj{"entryDate": "2026-11-24", "cashAmount": 100, "cashSide": "debit",
		"cashAccountId": bankID, "associations": []any{obj{"subjectReference": "invoice:" + invID}}}}).ok(t)
	sb.do("POST", "/v2/invoices", obj{"invoice": obj{"type": "creditNote", "creditedInvoiceId": invID, "contactId": contactID,
		"entryDate": "2026-11-25", "state": "approved", "lines": []any{line(1, 50)}}}).ok(t)
	draft := str(sb.do("POST", "/v2/invoices", obj{"invoice": obj{"contactId": contactID, "entryDate": "2026-11-21",
		"lines": []any{line(1, 10)}}}).ok(t).list("invoices")[0], "id")
	sb.do("DELETE", "/v2/invoices/"+draft, nil).ok(t)
	sb.do("PUT", "/v2/organizations/"+sb.s.DefaultOrganizationID(), obj{"organization": obj{"name": "Omdøbt og gemt"}}).ok(t)
	// The books: a voucher uploaded as raw bytes, a bill with it, paid; a
	// daybook entry; a return settled and paid.
	up := sb.do("POST", "/v2/files", "%PDF-1.4 bilag", "Content-Type", "application/pdf", "X-Filename", "bilag.pdf", "X-Create-Attachment", "true").ok(t)
	supplierID := str(sb.do("POST", "/v2/contacts", obj{"contact": obj{"name": "Leverandør ApS", "countryId": "DK", "isSupplier": true}}).ok(t).list("contacts")[0], "id")
	expenseID := sb.firstID("/v2/accounts?accountNo=2710", "accounts")
	billID := str(sb.do("POST", "/v2/bills", obj{"bill": obj{"contactId": supplierID, "entryDate": "2026-11-22", "state": "approved",
		"attachmentIds": []any{obj{"id": str(up.list("attachments")[0], "id")}},
		"lines":         []any{obj{"accountId": expenseID, "description": "Papir", "amount": 80}}}}).ok(t).list("bills")[0], "id")
	sb.do("POST", "/v2/bankPayments", obj{"bankPayment": obj{"entryDate": "2026-11-24", "cashAmount": 100, "cashSide": "credit",
		"cashAccountId": bankID, "associations": []any{obj{"subjectReference": "bill:" + billID}}}}).ok(t)
	sb.do("POST", "/v2/daybookTransactions", obj{"daybookTransaction": obj{"entryDate": "2026-11-23", "state": "approved",
		"lines": []any{obj{"accountId": expenseID, "contraAccountId": bankID, "amount": 12.5, "side": "debit"}}}}).ok(t)
	for _, ret := range sb.do("GET", "/v2/salesTaxReturns?isSettled=false", nil).ok(t).list("salesTaxReturns") {
		sb.do("PUT", "/v2/salesTaxReturns/"+str(ret, "id"), obj{"salesTaxReturn": obj{"isSettled": true}}).ok(t)
		sb.do("POST", "/v2/salesTaxPayments", obj{"salesTaxPayment": obj{"salesTaxReturnId": str(ret, "id"), "entryDate": "2026-11-25",
			"accountId": bankID, "amount": 1}}).ok(t)
		break
	}
	// By the organization's own company token.
	sb.do("POST", "/v2/contacts", newContact("Firmanøgle ApS"), "X-Access-Token", sb.s.Organizations()[0].AccessToken).ok(t)
}

// The data outlives the process: Serve saves it on shutdown, New loads it,
// and the sandbox goes on exactly as the first one would have.
func TestStateFileKeepsDataAcrossProcesses(t *testing.T) {
	file := filepath.Join(t.TempDir(), "sandbox-state.json")
	var tick atomic.Int64 // a clock that moves, so that createdTime is replayed as it was
	clock := func() time.Time { return testNow.Add(time.Duration(tick.Add(1)) * time.Second) }
	opts := Options{Token: testToken, Now: clock, StateFile: file, Business: BusinessFreelancer}
	first, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- first.Serve(ctx, ln) }()
	sb := &sandbox{t: t, s: first, url: "http://" + ln.Addr().String(), client: &http.Client{}}
	writeHistory(t, sb)
	want := dump(t, first)
	cancel()
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("no state file after shutdown: %v", err)
	}

	// A day later: the seeded history still ends where it ended.
	later := opts
	later.Now = func() time.Time { return testNow.Add(48 * time.Hour) }
	second, err := New(later)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(second)
	defer srv.Close()
	sb2 := &sandbox{t: t, s: second, url: srv.URL, client: srv.Client()}
	if diff := cmp.Diff(want, dump(t, second)); diff != "" {
		t.Errorf("data after reloading (-saved +loaded):\n%s", diff)
	}
	// The next write gets the same ID in both: the ID generators are
	// where they were.
	old := httptest.NewServer(first)
	defer old.Close()
	sb1 := &sandbox{t: t, s: first, url: old.URL, client: old.Client()}
	id1 := str(sb1.do("POST", "/v2/contacts", newContact("Næste ApS")).ok(t).list("contacts")[0], "id")
	id2 := str(sb2.do("POST", "/v2/contacts", newContact("Næste ApS")).ok(t).list("contacts")[0], "id")
	if id1 != id2 {
		t.Errorf("next ID %s after reloading, %s without", id2, id1)
	}

	// A reset is saved as the seeded state.
	seeded, err := New(Options{Token: testToken, Now: clock, Business: BusinessFreelancer})
	if err != nil {
		t.Fatal(err)
	}
	sb2.do("POST", "/_sandbox/reset", nil).ok(t)
	if err := second.SaveState(file); err != nil {
		t.Fatal(err)
	}
	third, err := New(later)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(dump(t, seeded), dump(t, third)); diff != "" {
		t.Errorf("after a reset and a save (-seeded +loaded):\n%s", diff)
	}
	entries, _ := os.ReadDir(filepath.Dir(file))
	if len(entries) != 1 {
		t.Errorf("files beside the state: %v (a temporary file was left)", entries)
	}
}

// Each write replays in the organization it was made in.
func TestStateFileSeveralOrganizations(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	opts := Options{Token: testToken, Now: fixedNow, StateFile: file}
	first, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(first)
	defer srv.Close()
	sb := &sandbox{t: t, s: first, url: srv.URL, client: srv.Client()}
	retail := first.Organizations()[1]
	id := str(sb.do("POST", "/v2/contacts", newContact("Butikskunde ApS"), "X-Access-Token", retail.AccessToken).ok(t).list("contacts")[0], "id")
	if err := first.SaveState(file); err != nil {
		t.Fatal(err)
	}
	second, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv2 := httptest.NewServer(second)
	defer srv2.Close()
	sb2 := &sandbox{t: t, s: second, url: srv2.URL, client: srv2.Client()}
	r := sb2.do("GET", "/v2/contacts/"+id, nil, "X-Access-Token", retail.AccessToken).ok(t)
	if got := str(r.obj("contact"), "organizationId"); got != retail.ID {
		t.Errorf("replayed into organization %s, want %s", got, retail.ID)
	}
	if r := sb2.do("GET", "/v2/contacts/"+id, nil); r.status != http.StatusNotFound {
		t.Errorf("the retail contact is in the default organization too: %d", r.status)
	}
}

func TestStateFileRefusals(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "state.json")
	s, err := New(Options{Now: fixedNow, StateFile: file, Business: BusinessRetail})
	if err != nil {
		t.Fatalf("a missing state file must start fresh: %v", err)
	}
	if err := s.SaveState(file); err != nil {
		t.Fatal(err)
	}
	plain, _ := New(Options{Now: fixedNow})
	for _, tt := range []struct {
		name string
		err  func() error
		want string
	}{
		{"another seed", func() error {
			_, err := New(Options{Now: fixedNow, StateFile: file, Business: BusinessRetail, Seed: 2})
			return err
		}, "seed"},
		{"another business", func() error { _, err := New(Options{Now: fixedNow, StateFile: file}); return err }, "business"},
		{"not a state", func() error {
			bad := filepath.Join(dir, "bad.json")
			_ = os.WriteFile(bad, []byte(`{"hello":1}`), 0o600)
			_, err := New(Options{Now: fixedNow, StateFile: bad})
			return err
		}, "not a sandbox state"},
		{"a write that does not replay", func() error {
			bad := filepath.Join(dir, "diverged.json")
			_ = os.WriteFile(bad, []byte(`{"version":1,"seed":0,"business":"","anchor":"2026-11-26","writes":[`+
				`{"time":"2026-11-26T14:00:00Z","organizationId":"nope","method":"POST","path":"/contacts","body":{}}]}`), 0o600)
			_, err := New(Options{Now: fixedNow, StateFile: bad})
			return err
		}, "does not replay"},
		{"saving without a state file", func() error { return plain.SaveState(filepath.Join(dir, "x.json")) }, "Options.StateFile"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.err()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}
