package books

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/sandbox"
	"github.com/google/go-cmp/cmp"
)

type obj = map[string]any

// write sends one write to the sandbox and returns the answer's roots.
func write(t *testing.T, srv http.Handler, method, path string, body any) map[string]json.RawMessage {
	t.Helper()
	b, _ := json.Marshal(body)
	req := httptest.NewRequest(method, "/v2"+path, bytes.NewReader(b))
	req.Header.Set("X-Access-Token", "test")
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body.String())
	}
	var roots map[string]json.RawMessage
	_ = json.Unmarshal(rec.Body.Bytes(), &roots)
	return roots
}

func first(t *testing.T, roots map[string]json.RawMessage, key string) obj {
	t.Helper()
	var recs []obj
	if err := json.Unmarshal(roots[key], &recs); err != nil || len(recs) == 0 {
		t.Fatalf("no %s in %v", key, roots)
	}
	return recs[0]
}

// dump is a working set's content, for comparing two of them.
func dump(t *testing.T, st *Store, org string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for name, q := range map[string]string{
		"invoices": `SELECT id || ' ' || state || ' ' || type || ' ' || balance || ' ' || is_paid || ' ' || net || ' ' || entry_date FROM invoices WHERE org_id=? AND state<>'draft' ORDER BY id`,
		"lines":    `SELECT invoice_id || ' ' || id || ' ' || net || ' ' || vat FROM invoice_lines l WHERE org_id=? AND invoice_id IN (SELECT id FROM invoices WHERE org_id=l.org_id AND state<>'draft') ORDER BY invoice_id, id`,
		"payments": `SELECT id || ' ' || invoice_id || ' ' || amount || ' ' || is_voided || ' ' || entry_date FROM payments WHERE org_id=? ORDER BY id, invoice_id`,
		"bills":    `SELECT id || ' ' || state || ' ' || balance || ' ' || is_paid FROM bills WHERE org_id=? AND state<>'draft' ORDER BY id`,
		"postings": `SELECT id || ' ' || account_id || ' ' || amount || ' ' || entry_date FROM postings WHERE org_id=? ORDER BY id`,
	} {
		rows, err := st.db.Query(q, org)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out[name] = append(out[name], s)
		}
		rows.Close()
	}
	return out
}

// TestIncrementalSyncEqualsFullSync changes the books after a first sync
// (a new approved invoice, a payment of an open invoice, a voided
// payment, an approved draft bill) and checks that an incremental sync
// leaves the working set exactly as a full sync into a fresh one does,
// reading fewer pages.
func TestIncrementalSyncEqualsFullSync(t *testing.T) {
	var tick atomic.Int64
	clock := func() time.Time { return anchor.Add(time.Duration(tick.Add(1)) * time.Second) }
	srv, err := sandbox.New(sandbox.Options{Seed: 1, Business: "service", Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	// Small pages, so that "only what changed" shows in the pages read.
	pageSize = 40
	defer func() { pageSize = PageSize }()
	ctx := context.Background()
	st, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	full1, err := st.Sync(ctx, "o", sandboxBilly(t, srv, nil), nil, false)
	if err != nil {
		t.Fatal(err)
	}

	// Find an open invoice, its customer, a product and the bank account.
	var open, paid obj
	set, _ := st.Set(ctx, "o")
	if err := set.Invoices(ctx, InvoiceFilter{OnlyOpen: true}, func(inv Invoice) error {
		if open == nil && inv.Type == "invoice" && inv.Currency == "DKK" {
			open = obj{"id": inv.ID, "contactId": inv.ContactID, "balance": inv.Balance.String()}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := set.Payments(ctx, "2026-10-01", "", func(p Payment) error {
		if paid == nil {
			paid = obj{"id": p.ID}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if open == nil || paid == nil {
		t.Fatal("the sandbox has no open invoice or recent payment")
	}
	var bank, product string
	if err := st.db.QueryRow(`SELECT id FROM products WHERE org_id='o' LIMIT 1`).Scan(&product); err != nil {
		t.Fatal(err)
	}
	accts := write(t, srv, "GET", "/accounts?isBankAccount=true", nil)
	bank = first(t, accts, "accounts")["id"].(string)

	inv := first(t, write(t, srv, "POST", "/invoices", obj{"invoice": obj{"contactId": open["contactId"], "entryDate": "2026-11-26", "currencyId": "DKK",
		"paymentTermsMode": "net", "paymentTermsDays": 8, "state": "approved",
		"lines": []any{obj{"productId": product, "quantity": 3, "unitPrice": 1000}}}}), "invoices")
	write(t, srv, "POST", "/bankPayments", obj{"bankPayment": obj{"entryDate": "2026-11-27", "cashAmount": json.Number(open["balance"].(string)), "cashSide": "debit",
		"cashAccountId": bank, "associations": []any{obj{"subjectReference": "invoice:" + open["id"].(string)}}}})
	write(t, srv, "PUT", "/bankPayments/"+paid["id"].(string), obj{"bankPayment": obj{"isVoided": true}})

	requests := 0
	inc, err := st.Sync(ctx, "o", sandboxBilly(t, srv, &requests), nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if inc.Full {
		t.Error("the second sync was a full one")
	}
	fresh, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	full2, err := fresh.Sync(ctx, "o", sandboxBilly(t, srv, nil), nil, false)
	if err != nil {
		t.Fatal(err)
	}
	got, want := dump(t, st, "o"), dump(t, fresh, "o")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("working set after an incremental sync (-full +incremental):\n%s", diff)
	}
	found := false
	for _, s := range got["invoices"] {
		if s[:len(inv["id"].(string))] == inv["id"].(string) {
			found = true
		}
	}
	if !found {
		t.Errorf("the new invoice %s is not in the working set", inv["id"])
	}
	t.Logf("first sync %d requests, incremental %d (records written %d invoices, %d payments), full again %d", full1.Requests, inc.Requests, inc.Invoices, inc.Payments, full2.Requests)
	if inc.Requests*2 > full2.Requests {
		t.Errorf("the incremental sync read %d pages, more than half of a full one (%d)", inc.Requests, full2.Requests)
	}
	_ = fmt.Sprint
}
