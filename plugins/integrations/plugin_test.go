package integrations

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// fakeBilly is the part of Billy the bank tools use: open invoices, their
// customers, the organization's bank account, and bank payments that lower
// an invoice's balance.
type fakeBilly struct {
	mu       sync.Mutex
	invoices map[string]map[string]any
	order    []string
	payments []json.RawMessage
}

func newFakeBilly() *fakeBilly {
	f := &fakeBilly{invoices: map[string]map[string]any{}}
	for _, r := range []struct{ id, no, contact, bal string }{
		{"i1042", "1042", "c1", "12500"}, {"i1043", "1043", "c2", "3125"}, {"i1044", "1044", "c3", "9000"},
	} {
		f.invoices[r.id] = map[string]any{"id": r.id, "type": "invoice", "state": "approved", "invoiceNo": r.no, "contactId": r.contact,
			"balance": json.Number(r.bal), "isPaid": false, "currencyId": "DKK"}
		f.order = append(f.order, r.id)
	}
	return f
}

func (f *fakeBilly) serve(_ context.Context, req sdk.BillyRequest) (*sdk.BillyResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ok := func(v any) (*sdk.BillyResponse, error) {
		b, _ := json.Marshal(v)
		return &sdk.BillyResponse{Status: 200, Body: b}, nil
	}
	paging := map[string]any{"paging": map[string]any{"page": 1, "pageCount": 1}}
	switch {
	case req.Method == "GET" && req.Path == "/invoices":
		var list []any
		for _, id := range f.order {
			if inv := f.invoices[id]; inv["isPaid"] == false {
				list = append(list, inv)
			}
		}
		return ok(map[string]any{"invoices": list, "meta": paging})
	case req.Method == "GET" && strings.HasPrefix(req.Path, "/invoices/"):
		inv, found := f.invoices[strings.TrimPrefix(req.Path, "/invoices/")]
		if !found {
			return &sdk.BillyResponse{Status: 404, Body: json.RawMessage(`{"errorCode":"RECORD_NOT_FOUND"}`)}, nil
		}
		return ok(map[string]any{"invoice": inv})
	case req.Method == "GET" && req.Path == "/contacts":
		return ok(map[string]any{"contacts": []any{
			map[string]any{"id": "c1", "name": "Jensen ApS"}, map[string]any{"id": "c2", "name": "Hansen & Co"}, map[string]any{"id": "c3", "name": "Møller Byg A/S"},
		}, "meta": paging})
	case req.Method == "GET" && req.Path == "/organization":
		return ok(map[string]any{"organization": map[string]any{"defaultInvoiceBankAccountId": "bank1", "baseCurrencyId": "DKK"}})
	case req.Method == "GET" && req.Path == "/accounts/bank1":
		return ok(map[string]any{"account": map[string]any{"id": "bank1", "name": "Bank", "accountNo": 5820, "isPaymentEnabled": true}})
	case req.Method == "POST" && req.Path == "/bankPayments":
		b, _ := json.Marshal(req.Body)
		var body struct {
			BankPayment struct {
				CashAmount   decimal.Decimal `json:"cashAmount"`
				Associations []struct {
					SubjectReference string `json:"subjectReference"`
				} `json:"associations"`
			} `json:"bankPayment"`
		}
		if err := json.Unmarshal(b, &body); err != nil {
			return nil, err
		}
		inv := f.invoices[strings.TrimPrefix(body.BankPayment.Associations[0].SubjectReference, "invoice:")]
		bal := decimal.RequireFromString(string(inv["balance"].(json.Number))).Sub(body.BankPayment.CashAmount)
		inv["balance"], inv["isPaid"] = json.Number(bal.String()), !bal.IsPositive()
		f.payments = append(f.payments, b)
		return ok(map[string]any{"bankPayments": []any{map[string]any{"id": "bp" + string(rune('0'+len(f.payments)))}}})
	}
	return &sdk.BillyResponse{Status: 404, Body: json.RawMessage(`{"errorCode":"UNKNOWN_RESOURCE"}`)}, nil
}

func statementText(t *testing.T) string {
	t.Helper()
	return "\"Dato\";\"Kategori\";\"Underkategori\";\"Tekst\";\"Beløb\";\"Saldo\";\"Status\";\"Afstemt\"\n" +
		"\"01.11.2026\";\"\";\"\";\"Faktura 1042 Jensen ApS\";\"12.500,00\";\"\";\"Udført\";\"Nej\"\n" +
		"\"02.11.2026\";\"\";\"\";\"+71<000000000010439+81234567<\";\"3.125,00\";\"\";\"Udført\";\"Nej\"\n" +
		"\"03.11.2026\";\"\";\"\";\"Overførsel\";\"9.000,00\";\"\";\"Udført\";\"Nej\"\n"
}

// TestMatchThenRecord: the report, then the confirmation flow: a preview
// and token, the token refused for another selection, accepted once for
// the same call, refused the second time; and the ledger makes a second
// import report the lines as already recorded.
func TestMatchThenRecord(t *testing.T) {
	ctx := context.Background()
	billy := newFakeBilly()
	dir := t.TempDir()
	h := sdktest.New(t, New(), sdktest.WithBilly(billy.serve), sdktest.WithWritesMode(sdk.WritesConfirm), sdktest.WithDataDir(dir),
		sdktest.WithCaller(sdk.Caller{Subject: "u1", OrganizationID: "org1", Scopes: []string{"admin"}, Transport: "mcp-http"}))
	text := statementText(t)

	var rep MatchReport
	if err := h.CallToolInto(ctx, "match_bank_statement", map[string]any{"text": text}, &rep); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range rep.Matched {
		got = append(got, m.Invoice.InvoiceNo+":"+m.Rule)
	}
	if diff := cmp.Diff([]string{"1042:invoice_number_amount", "1043:fik"}, got); diff != "" {
		t.Errorf("matched (-want +got):\n%s", diff)
	}
	if len(rep.Unmatched) != 1 || len(rep.Unmatched[0].Candidates) != 1 {
		t.Errorf("the amount-only line: %+v", rep.Unmatched)
	}

	args := map[string]any{"text": text}
	var pre RecordResult
	if err := h.CallToolInto(ctx, "record_bank_payments", args, &pre); err != nil {
		t.Fatal(err)
	}
	if pre.Status != "confirmation_required" || pre.ConfirmationToken == "" || len(pre.Payments) != 2 || len(billy.payments) != 0 {
		t.Fatalf("preview: %+v, %d payments written", pre, len(billy.payments))
	}
	// The token is bound to the exact payments: picking one line is another call.
	other := map[string]any{"text": text, "keys": []string{pre.Payments[0].Key}, "confirmation_token": pre.ConfirmationToken}
	var e *sdk.Error
	if err := h.CallToolInto(ctx, "record_bank_payments", other, &RecordResult{}); !errors.As(err, &e) || e.Code != "confirmation_token_arguments_mismatch" {
		t.Fatalf("token for other keys: %v", err)
	}
	args["confirmation_token"] = pre.ConfirmationToken
	var done RecordResult
	if err := h.CallToolInto(ctx, "record_bank_payments", args, &done); err != nil {
		t.Fatal(err)
	}
	var after []string
	for _, r := range done.Recorded {
		after = append(after, r.InvoiceNo+":"+r.BalanceAfter)
	}
	if diff := cmp.Diff([]string{"1042:0.00", "1043:0.00"}, after); diff != "" || done.Status != "done" || len(billy.payments) != 2 {
		t.Errorf("recorded (-want +got):\n%s\n%+v", diff, done)
	}
	if !strings.Contains(string(billy.payments[0]), `"cashAmount":12500.00`) {
		t.Errorf("the payment's amount is not the line's decimal: %s", billy.payments[0])
	}
	if err := h.CallToolInto(ctx, "record_bank_payments", args, &RecordResult{}); err == nil {
		t.Error("a used token was accepted again")
	}

	// The same statement again: both lines are already recorded.
	h2 := sdktest.New(t, New(), sdktest.WithBilly(billy.serve), sdktest.WithDataDir(dir),
		sdktest.WithCaller(sdk.Caller{Subject: "u1", OrganizationID: "org1", Scopes: []string{"admin"}}))
	var again MatchReport
	if err := h2.CallToolInto(ctx, "match_bank_statement", map[string]any{"text": text}, &again); err != nil {
		t.Fatal(err)
	}
	if again.Summary.AlreadyDone != 2 || again.Summary.Matched != 0 {
		t.Errorf("second import: %+v", again.Summary)
	}
	if _, err := os.Stat(filepath.Join(dir, "recorded-lines.json")); err != nil {
		t.Error(err)
	}
}

func TestWritesOffAndDryRun(t *testing.T) {
	ctx := context.Background()
	billy := newFakeBilly()
	h := sdktest.New(t, New(), sdktest.WithBilly(billy.serve), sdktest.WithWritesMode(sdk.WritesOff))
	var dry RecordResult
	if err := h.CallToolInto(ctx, "record_bank_payments", map[string]any{"text": statementText(t), "dry_run": true}, &dry); err != nil {
		t.Fatal(err)
	}
	if dry.Status != "dry_run" || len(dry.Requests) != 2 {
		t.Errorf("dry run: %+v", dry)
	}
	var e *sdk.Error
	if err := h.CallToolInto(ctx, "record_bank_payments", map[string]any{"text": statementText(t)}, &RecordResult{}); !errors.As(err, &e) || e.Code != "writes_disabled" {
		t.Errorf("writes off: %v", err)
	}
	if len(billy.payments) != 0 {
		t.Error("a payment was written")
	}
}

// TestRefusedFileThroughTool: the error model names the line and reason.
func TestRefusedFileThroughTool(t *testing.T) {
	h := sdktest.New(t, New(), sdktest.WithBilly(newFakeBilly().serve))
	bad := statementText(t) + "\"31.09.2026\";\"\";\"\";\"x\";\"1,00\";\"\";\"Udført\";\"Nej\"\n"
	err := h.CallToolInto(context.Background(), "match_bank_statement", map[string]any{"text": bad}, &MatchReport{})
	var e *sdk.Error
	if !errors.As(err, &e) || e.Code != "bank_file_refused" || e.Category != sdk.CategoryValidation || !strings.Contains(e.Message, "line 5") {
		t.Fatalf("got %v", err)
	}
}

// TestInboxPath: a file by path is read only inside the inbox, only over
// stdio, and a symlink out of the inbox is refused.
func TestInboxPath(t *testing.T) {
	inbox, outside := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(inbox, "s.csv"), []byte(statementText(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "secret.csv"), []byte(statementText(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret.csv"), filepath.Join(inbox, "link.csv")); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	stdio := sdk.Caller{Subject: "u", OrganizationID: "o", Scopes: []string{"admin"}, Transport: "mcp-stdio"}
	h := sdktest.New(t, New(), sdktest.WithBilly(newFakeBilly().serve), sdktest.WithConfig(map[string]any{"inbox_dir": inbox}), sdktest.WithCaller(stdio))
	if err := h.CallToolInto(ctx, "match_bank_statement", map[string]any{"path": "s.csv"}, &MatchReport{}); err != nil {
		t.Fatalf("inbox file: %v", err)
	}
	for _, p := range []string{"link.csv", "../" + filepath.Base(outside) + "/secret.csv", filepath.Join(outside, "secret.csv"), "nope.csv"} {
		if err := h.CallToolInto(ctx, "match_bank_statement", map[string]any{"path": p}, &MatchReport{}); err == nil {
			t.Errorf("path %q was read", p)
		}
	}
	httpCaller := stdio
	httpCaller.Transport = "mcp-http"
	h2 := sdktest.New(t, New(), sdktest.WithBilly(newFakeBilly().serve), sdktest.WithConfig(map[string]any{"inbox_dir": inbox}), sdktest.WithCaller(httpCaller))
	var e *sdk.Error
	if err := h2.CallToolInto(ctx, "match_bank_statement", map[string]any{"path": "s.csv"}, &MatchReport{}); !errors.As(err, &e) || e.Code != "path_needs_stdio" {
		t.Errorf("path over HTTP: %v", err)
	}
}
