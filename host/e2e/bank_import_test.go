package e2e

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// TestBankStatementRoundTrip (issue 14): a Danske Bank export built from
// three of the sandbox's unpaid invoices — one paid with its FIK +71 code,
// one naming its invoice number, one only the right amount — goes through
// the real host and the integrations plugin: the dry-run report matches
// the first two and leaves the third unmatched (the amount alone is never
// enough), recording asks for confirmation, the token records exactly the
// two payments, and the invoices read back through the invoices plugin are
// paid while the third is untouched. The same file again is reported as
// already recorded; a damaged file is refused whole, naming the line.
func TestBankStatementRoundTrip(t *testing.T) {
	h := startHost(t, "sandbox: {business: service}\nwrites: {mode: confirm}\nplugins:\n  invoices: {path: billy-mcp-plugin-invoices}\n  integrations: {path: billy-mcp-plugin-integrations}\n")
	h.waitReady(20 * time.Second)
	c := h.mcpHTTP()
	initialize(t, c)

	type invoice struct {
		ID, InvoiceNo, Currency string
		Balance                 json.Number
		IsPaid                  bool
	}
	var list struct{ Invoices []invoice }
	decode(t, structured(t, callTool(t, c, "list_invoices", map[string]any{"state": "unpaid", "limit": 50})), &list)
	var picked []invoice
	seenNo := map[string]bool{}
	for _, inv := range list.Invoices {
		if inv.Currency != "DKK" || seenNo[inv.InvoiceNo] || strings.TrimLeft(inv.InvoiceNo, "0123456789") != "" {
			continue
		}
		seenNo[inv.InvoiceNo] = true
		picked = append(picked, inv)
		if len(picked) == 3 {
			break
		}
	}
	if len(picked) < 3 {
		t.Fatalf("the sandbox has %d unpaid DKK invoices with numeric numbers, want 3: %+v", len(picked), list.Invoices)
	}
	fikInv, noInv, amountInv := picked[0], picked[1], picked[2]
	// The amount-only line must not be confused with the others.
	if amountInv.Balance == fikInv.Balance || amountInv.Balance == noInv.Balance {
		t.Skipf("the sandbox's invoices share a balance; the amount-only case needs a distinct one: %+v", picked)
	}

	header := `"Dato";"Kategori";"Underkategori";"Tekst";"Beløb";"Saldo";"Status";"Afstemt"` + "\n"
	row := func(date, text string, amount json.Number) string {
		return fmt.Sprintf("%q;\"\";\"\";%q;%q;\"\";\"Udført\";\"Nej\"\n", date, text, danish(t, amount))
	}
	statement := header +
		row("20.11.2026", "+71<"+fikID(fikInv.InvoiceNo)+"+81234567<", fikInv.Balance) +
		row("21.11.2026", "Bet. faktura "+noInv.InvoiceNo, noInv.Balance) +
		row("22.11.2026", "Overførsel", amountInv.Balance)

	type match struct {
		Key, Status, Rule string
		Invoice           *struct {
			InvoiceID string `json:"invoice_id"`
		}
	}
	var rep struct {
		Matched, Ambiguous, Unmatched []match
		AlreadyRecorded               []match `json:"already_recorded"`
	}
	decode(t, structured(t, callTool(t, c, "match_bank_statement", map[string]any{"text": statement})), &rep)
	var got []string
	for _, m := range rep.Matched {
		got = append(got, m.Rule+":"+m.Invoice.InvoiceID)
	}
	want := []string{"fik:" + fikInv.ID, "invoice_number_amount:" + noInv.ID}
	if strings.Join(got, ",") != strings.Join(want, ",") || len(rep.Unmatched) != 1 {
		t.Fatalf("matched %v, want %v; unmatched %+v", got, want, rep.Unmatched)
	}

	args := map[string]any{"text": statement}
	var pre struct {
		Status            string
		ConfirmationToken string `json:"confirmation_token"`
		Payments          []struct {
			InvoiceID string `json:"invoice_id"`
		}
	}
	decode(t, structured(t, callTool(t, c, "record_bank_payments", args)), &pre)
	if pre.Status != "confirmation_required" || pre.ConfirmationToken == "" || len(pre.Payments) != 2 {
		t.Fatalf("preview: %+v", pre)
	}
	// Nothing was written by the preview.
	var before invoice
	decode(t, structured(t, callTool(t, c, "get_invoice", map[string]any{"invoiceId": fikInv.ID})), &before)
	if before.IsPaid {
		t.Fatal("the preview paid an invoice")
	}
	args["confirmation_token"] = pre.ConfirmationToken
	var done struct {
		Status   string
		Recorded []struct {
			InvoiceID    string `json:"invoice_id"`
			PaymentID    string `json:"payment_id"`
			BalanceAfter string `json:"balance_after"`
			IsPaid       bool   `json:"is_paid"`
		}
	}
	decode(t, structured(t, callTool(t, c, "record_bank_payments", args)), &done)
	if done.Status != "done" || len(done.Recorded) != 2 {
		t.Fatalf("record: %+v", done)
	}
	for _, r := range done.Recorded {
		if r.PaymentID == "" || !r.IsPaid || r.BalanceAfter != "0.00" {
			t.Errorf("recorded %+v: want a payment ID and a paid invoice", r)
		}
	}
	// The invoices as the invoices plugin reads them back from Billy.
	for _, tc := range []struct {
		inv  invoice
		paid bool
	}{{fikInv, true}, {noInv, true}, {amountInv, false}} {
		var after invoice
		decode(t, structured(t, callTool(t, c, "get_invoice", map[string]any{"invoiceId": tc.inv.ID})), &after)
		wantBal := "0"
		if !tc.paid {
			wantBal = tc.inv.Balance.String()
		}
		if after.IsPaid != tc.paid || !decimalEq(t, after.Balance, wantBal) {
			t.Errorf("invoice %s after recording: paid %v balance %s; want paid %v balance %s", tc.inv.InvoiceNo, after.IsPaid, after.Balance, tc.paid, wantBal)
		}
	}
	// The token was single-use.
	if res := callTool(t, c, "record_bank_payments", args); !res.IsError {
		t.Errorf("the used token was accepted again: %+v", structured(t, res))
	}
	// The same statement again: two lines already recorded, one unmatched.
	decode(t, structured(t, callTool(t, c, "match_bank_statement", map[string]any{"text": statement})), &rep)
	if len(rep.AlreadyRecorded) != 2 || len(rep.Matched) != 0 || len(rep.Unmatched) != 1 {
		t.Errorf("second import: %+v", rep)
	}

	// The e-invoice preflight reads the untouched invoice through the same
	// plugin: a report, whatever the sandbox's customer lacks.
	var pf struct {
		InvoiceNo string `json:"invoice_no"`
		Findings  []struct{ Rule, Severity string }
	}
	decode(t, structured(t, callTool(t, c, "einvoice_preflight", map[string]any{"invoice_id": amountInv.ID})), &pf)
	if pf.InvoiceNo != amountInv.InvoiceNo || len(pf.Findings) == 0 {
		t.Errorf("preflight: %+v", pf)
	}

	// A damaged file is refused whole, naming the line.
	bad := statement + row("31.09.2026", "x", "1")
	e := toolError(t, callTool(t, c, "match_bank_statement", map[string]any{"text": bad}))
	if e["code"] != "bank_file_refused" || !strings.Contains(fmt.Sprint(e["message"]), "line 5") {
		t.Errorf("damaged file: %v", e)
	}
}

func decode(t *testing.T, v, into any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(into); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
}

func decimalEq(t *testing.T, a json.Number, b string) bool {
	t.Helper()
	x, err := decimal.NewFromString(string(a))
	if err != nil {
		t.Fatalf("%q: %v", a, err)
	}
	return x.Equal(decimal.RequireFromString(b))
}

// danish writes an amount as a Danish bank export does: 1.234,50.
func danish(t *testing.T, n json.Number) string {
	t.Helper()
	d, err := decimal.NewFromString(string(n))
	if err != nil {
		t.Fatal(err)
	}
	s := d.StringFixed(2)
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	return b.String() + "," + frac
}

// fikID is the +71 payment ID of an invoice number: 14 digits of payload
// and a Luhn check digit, written here independently of the plugin.
func fikID(no string) string {
	p := strings.Repeat("0", 14-len(no)) + no
	sum := 0
	for i := 0; i < 14; i++ {
		d, _ := strconv.Atoi(p[13-i : 14-i])
		if i%2 == 0 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return p + strconv.Itoa((10-sum%10)%10)
}
