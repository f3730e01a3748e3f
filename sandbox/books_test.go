package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// chartOf reads the organization's accounts by number and tax rates by
// abbreviation over the API.
func chartOf(t *testing.T, sb *sandbox) (accounts map[int]string, rates map[string]string) {
	t.Helper()
	accounts, rates = map[int]string{}, map[string]string{}
	for _, a := range sb.do("GET", "/v2/accounts", nil).ok(t).list("accounts") {
		accounts[int(num(a, "accountNo"))] = str(a, "id")
	}
	for _, r := range sb.do("GET", "/v2/taxRates", nil).ok(t).list("taxRates") {
		rates[str(r, "abbreviation")] = str(r, "id")
	}
	return accounts, rates
}

// newSupplier creates a supplier contact.
func newSupplier(t *testing.T, sb *sandbox, country string) string {
	t.Helper()
	r := sb.do("POST", "/v2/contacts", obj{"contact": obj{"name": "Leverandør " + country, "countryId": country,
		"isSupplier": true, "isCustomer": false}}).ok(t)
	return str(r.list("contacts")[0], "id")
}

// postingsByAccount sums a transaction's postings per account number,
// debit positive, and checks that it balances in the base currency.
func postingsByAccount(t *testing.T, sb *sandbox, txID string, numbers map[string]int) map[int]float64 {
	t.Helper()
	out := map[int]float64{}
	var debit, credit int64
	for _, p := range sb.do("GET", "/v2/postings?transactionId="+txID, nil).ok(t).list("postings") {
		ore := jsonOre(num(p, "baseAmount"))
		if str(p, "side") == "debit" {
			debit += ore
		} else {
			credit += ore
			ore = -ore
		}
		out[numbers[str(p, "accountId")]] += float64(ore) / 100
	}
	if debit != credit {
		t.Errorf("transaction %s does not balance: debits %d øre, credits %d øre", txID, debit, credit)
	}
	return out
}

func invert(m map[int]string) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		out[v] = k
	}
	return out
}

// Bills at every kind of purchase rate: the amounts Billy reads back and
// what the approval books, account by account (debit positive). The
// reverse-charge rates put no VAT on the bill and book it both payable and
// deductible; restaurant meals deduct 25 % of the VAT, representation
// none, the 50 % rate half (danish-compliance.md §1.4, §1.8, TV16).
func TestBillsBookEveryRate(t *testing.T) {
	sb := newSandbox(t, Options{})
	accts, rates := chartOf(t, sb)
	numbers := invert(accts)
	dk, de := newSupplier(t, sb, "DK"), newSupplier(t, sb, "DE")
	tests := []struct {
		name       string
		contact    string
		taxMode    string
		account    int
		rate       string
		amount     string
		want       obj // amount, tax, grossAmount
		wantLedger map[int]float64
	}{
		{"domestic input VAT", dk, "excl", 2320, "K25", "1000", obj{"amount": 1000.0, "tax": 250.0, "grossAmount": 1250.0},
			map[int]float64{2320: 1000, 7220: 250, 6810: -1250}},
		{"domestic, gross entered", dk, "incl", 2320, "K25", "1249", obj{"amount": 999.2, "tax": 249.8, "grossAmount": 1249.0},
			map[int]float64{2320: 999.2, 7220: 249.8, 6810: -1249}},
		{"restaurant 25 % deductible", dk, "incl", 2430, "R25", "1250", obj{"amount": 1000.0, "tax": 250.0, "grossAmount": 1250.0},
			map[int]float64{2430: 1187.5, 7220: 62.5, 6810: -1250}},
		{"representation not deductible", dk, "excl", 2420, "REP", "800", obj{"amount": 800.0, "tax": 200.0, "grossAmount": 1000.0},
			map[int]float64{2420: 1000, 6810: -1000}},
		{"partly deductible 50 %", dk, "excl", 2310, "K50", "400", obj{"amount": 400.0, "tax": 100.0, "grossAmount": 500.0},
			map[int]float64{2310: 450, 7220: 50, 6810: -500}},
		{"EU goods, reverse charge", de, "excl", 1320, "UV", "2000", obj{"amount": 2000.0, "tax": 0.0, "grossAmount": 2000.0},
			map[int]float64{1320: 2000, 7220: 500, 7230: -500, 6810: -2000}},
		{"EU services, reverse charge, incl is still the net", de, "incl", 2320, "UY", "300", obj{"amount": 300.0, "tax": 0.0, "grossAmount": 300.0},
			map[int]float64{2320: 300, 7220: 75, 7240: -75, 6810: -300}},
		{"import outside the EU", de, "excl", 1330, "IMP", "4000", obj{"amount": 4000.0, "tax": 0.0, "grossAmount": 4000.0},
			map[int]float64{1330: 4000, 7220: 1000, 7230: -1000, 6810: -4000}},
		{"domestic reverse charge (mobile phones)", dk, "excl", 5410, "OBK", "6000", obj{"amount": 6000.0, "tax": 0.0, "grossAmount": 6000.0},
			map[int]float64{5410: 6000, 7220: 1500, 7230: -1500, 6810: -6000}},
		{"no VAT (insurance)", dk, "excl", 2620, "MK", "3100", obj{"amount": 3100.0, "tax": 0.0, "grossAmount": 3100.0},
			map[int]float64{2620: 3100, 6810: -3100}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sb.do("POST", "/v2/bills", obj{"bill": obj{"contactId": tt.contact, "entryDate": "2026-10-05", "taxMode": tt.taxMode,
				"state": "approved", "lines": []any{obj{"accountId": accts[tt.account], "taxRateId": rates[tt.rate], "description": tt.name, "amount": n(tt.amount)}}}}).ok(t)
			b := r.list("bills")[0]
			got := obj{"amount": num(b, "amount"), "tax": num(b, "tax"), "grossAmount": num(b, "grossAmount")}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("bill amounts (-want +got):\n%s", diff)
			}
			if str(b, "state") != "approved" || num(b, "balance") != num(b, "grossAmount") || b["isPaid"] != false {
				t.Errorf("approved bill: %v", b)
			}
			txs := r.list("transactions")
			if len(txs) != 1 || str(txs[0], "originatorReference") != "bill:"+str(b, "id") {
				t.Fatalf("transactions %v", txs)
			}
			if diff := cmp.Diff(tt.wantLedger, postingsByAccount(t, sb, str(txs[0], "id"), numbers)); diff != "" {
				t.Errorf("postings by account (-want +got):\n%s", diff)
			}
		})
	}
}

// A bill's life: draft, lines replaced, approved, paid with money out,
// credited, and the payment voided.
func TestBillLifecycle(t *testing.T) {
	sb := newSandbox(t, Options{})
	accts, rates := chartOf(t, sb)
	supplier := newSupplier(t, sb, "DK")
	r := sb.do("POST", "/v2/bills", obj{"bill": obj{"contactId": supplier, "entryDate": "2026-11-02", "suppliersInvoiceNo": "F-77",
		"lines": []any{obj{"accountId": accts[2710], "description": "Kontorstole", "amount": 1000}}}}).ok(t)
	b := r.list("bills")[0]
	id := str(b, "id")
	// The line took its account's default rate (Købsmoms).
	if l := r.list("billLines")[0]; str(l, "taxRateId") != rates["K25"] || num(l, "tax") != 250 {
		t.Errorf("line %v", l)
	}
	expect(t, "draft", b, obj{"state": "draft", "balance": 0.0, "contactName": "Leverandør DK", "lineDescription": "Kontorstole"})
	r = sb.do("PUT", "/v2/bills/"+id, obj{"bill": obj{"lines": []any{
		obj{"accountId": accts[2710], "taxRateId": rates["K25"], "description": "Stole", "amount": 333.33},
		obj{"accountId": accts[2710], "taxRateId": rates["K25"], "description": "Borde", "amount": 333.33},
		obj{"accountId": accts[2710], "taxRateId": rates["K25"], "description": "Lamper", "amount": 333.33}}}}).ok(t)
	// VAT on the rate's sum, not line by line (TV4): 99.99 × 25 % → 25.00.
	expect(t, "lines replaced", r.list("bills")[0], obj{"amount": 999.99, "tax": 250.0, "grossAmount": 1249.99})
	if old, _ := r.meta()["deletedRecords"].(map[string]any)["billLines"].([]any); len(old) != 1 {
		t.Errorf("deletedRecords %v", r.meta())
	}
	r = sb.do("PUT", "/v2/bills/"+id, obj{"bill": obj{"state": "approved"}}).ok(t)
	expect(t, "approved", r.list("bills")[0], obj{"state": "approved", "balance": 1249.99, "isPaid": false})
	if r := sb.do("PUT", "/v2/bills/"+id, obj{"bill": obj{"entryDate": "2026-11-03"}}); r.status != 422 {
		t.Errorf("changing an approved bill's entryDate: %d", r.status)
	}
	if r := sb.do("DELETE", "/v2/bills/"+id, nil); r.status != 422 {
		t.Errorf("deleting an approved bill: %d", r.status)
	}

	// Money in does not pay a bill; money out does.
	if r := sb.do("POST", "/v2/bankPayments", obj{"bankPayment": obj{"entryDate": "2026-11-10", "cashAmount": 1249.99, "cashSide": "debit",
		"cashAccountId": accts[5810], "associations": []any{obj{"subjectReference": "bill:" + id}}}}); r.status != 422 {
		t.Errorf("cashSide debit on a bill: %d", r.status)
	}
	r = sb.do("POST", "/v2/bankPayments", obj{"bankPayment": obj{"entryDate": "2026-11-10", "cashAmount": 1000, "cashSide": "credit",
		"cashAccountId": accts[5810], "associations": []any{obj{"subjectReference": "bill:" + id}}}}).ok(t)
	payID := str(r.list("bankPayments")[0], "id")
	expect(t, "part paid", r.list("bills")[0], obj{"balance": 249.99, "isPaid": false})
	ledger := postingsByAccount(t, sb, str(r.list("transactions")[0], "id"), invert(accts))
	if diff := cmp.Diff(map[int]float64{5810: -1000, 6810: 1000}, ledger); diff != "" {
		t.Errorf("payment postings (-want +got):\n%s", diff)
	}
	// A credit note for the rest settles the bill.
	r = sb.do("POST", "/v2/bills", obj{"bill": obj{"type": "creditNote", "creditedBillId": id, "contactId": supplier, "entryDate": "2026-11-12",
		"state": "approved", "lines": []any{obj{"accountId": accts[2710], "taxRateId": rates["K25"], "description": "Rabat", "amount": 199.99}}}}).ok(t)
	var orig map[string]any
	for _, x := range r.list("bills") {
		if str(x, "id") == id {
			orig = x
		}
	}
	expect(t, "credited", orig, obj{"balance": 0.0, "isPaid": true})
	cnTx := ""
	for _, tx := range r.list("transactions") {
		cnTx = str(tx, "id")
	}
	ledger = postingsByAccount(t, sb, cnTx, invert(accts))
	if diff := cmp.Diff(map[int]float64{2710: -199.99, 7220: -50, 6810: 249.99}, ledger); diff != "" {
		t.Errorf("credit note postings (-want +got):\n%s", diff)
	}
	// Voiding the bill waits for its payment and credit note.
	if r := sb.do("PUT", "/v2/bills/"+id, obj{"bill": obj{"state": "voided"}}); r.status != 422 {
		t.Errorf("voiding a paid bill: %d", r.status)
	}
	r = sb.do("PUT", "/v2/bankPayments/"+payID, obj{"bankPayment": obj{"isVoided": true}}).ok(t)
	expect(t, "payment voided", r.list("bills")[0], obj{"balance": 1000.0, "isPaid": false})
	got := sb.do("GET", "/v2/bills?contactId="+supplier+"&type=creditNote", nil).ok(t).list("bills")
	if len(got) != 1 {
		t.Fatalf("credit notes %v", got)
	}
	if r := sb.do("GET", "/v2/bills/"+id+"?include=bill.lines:embed,bill.creditNotes:sideload", nil).ok(t); len(r.obj("bill")["lines"].([]any)) != 3 || len(r.list("bills")) != 1 {
		t.Errorf("includes: %s", r.raw)
	}
}

// A bill or line refused names the field and what is allowed (422, §5.3).
func TestBillValidation(t *testing.T) {
	sb := newSandbox(t, Options{})
	accts, rates := chartOf(t, sb)
	supplier := newSupplier(t, sb, "DK")
	customer := sb.firstID("/v2/contacts?isCustomer=true", "contacts")
	line := func(extra obj) obj {
		l := obj{"accountId": accts[2320], "taxRateId": rates["K25"], "description": "Abonnement", "amount": 100}
		for k, v := range extra {
			l[k] = v
		}
		return l
	}
	type errs = map[string]map[string]string
	tests := []struct {
		name string
		bill obj
		want errs
	}{
		{"no contact, date or lines", obj{}, errs{"bill": {"contactId": msgBlank, "entryDate": msgBlank, "lines": "A bill must have at least one line."}}},
		{"a customer is not a supplier", obj{"contactId": customer, "entryDate": "2026-11-01", "lines": []any{line(nil)}},
			errs{"bill": {"contactId": "The contact must be a supplier (isSupplier) to have bills."}}},
		{"a sales rate on a purchase", obj{"contactId": supplier, "entryDate": "2026-11-01", "lines": []any{line(obj{"taxRateId": rates["S25"]})}},
			errs{"bill": {}, "bill.lines[0]": {"taxRateId": "The tax rate must apply to purchases (appliesToPurchases)."}}},
		{"a bank account on a line", obj{"contactId": supplier, "entryDate": "2026-11-01", "lines": []any{line(obj{"accountId": accts[5810]})}},
			errs{"bill": {}, "bill.lines[0]": {"accountId": "A bill line cannot post to a bank account; pay the bill with a bankPayment."}}},
		{"negative amount and no description", obj{"contactId": supplier, "entryDate": "2026-11-01", "lines": []any{line(obj{"amount": -5, "description": ""})}},
			errs{"bill": {}, "bill.lines[0]": {"amount": "The amount must not be negative; use a credit note.", "description": msgBlank}}},
		{"three decimals", obj{"contactId": supplier, "entryDate": "2026-11-01", "lines": []any{line(obj{"amount": n("1.005")})}},
			errs{"bill": {}, "bill.lines[0]": {"amount": "An amount has at most 2 decimals."}}},
		{"paid at once without the date", obj{"contactId": supplier, "entryDate": "2026-11-01", "paymentAccountId": accts[5810], "lines": []any{line(nil)}},
			errs{"bill": {"paymentDate": "A bill with a paymentAccountId needs the paymentDate it was paid."}}},
		{"a credit note without its bill", obj{"type": "creditNote", "contactId": supplier, "entryDate": "2026-11-01", "lines": []any{line(nil)}},
			errs{"bill": {"creditedBillId": msgBlank}}},
		{"unknown tax rate", obj{"contactId": supplier, "entryDate": "2026-11-01", "lines": []any{line(obj{"taxRateId": "nope"})}},
			errs{"bill": {}, "bill.lines[0]": {"taxRateId": msgUnknown}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sb.do("POST", "/v2/bills", obj{"bill": tt.bill})
			if r.status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422: %s", r.status, r.raw)
			}
			if diff := cmp.Diff(tt.want, fieldErrors(r)); diff != "" {
				t.Errorf("validationErrors (-want +got):\n%s", diff)
			}
		})
	}
}

// A bill paid at once (a card receipt) books its payment with its approval.
func TestBillPaidAtOnce(t *testing.T) {
	sb := newSandbox(t, Options{})
	accts, rates := chartOf(t, sb)
	supplier := newSupplier(t, sb, "DK")
	r := sb.do("POST", "/v2/bills", obj{"bill": obj{"contactId": supplier, "entryDate": "2026-11-03", "taxMode": "incl", "state": "approved",
		"paymentAccountId": accts[5810], "paymentDate": "2026-11-03",
		"lines": []any{obj{"accountId": accts[2430], "taxRateId": rates["R25"], "description": "Frokostmøde", "amount": 625}}}}).ok(t)
	expect(t, "paid", r.list("bills")[0], obj{"isPaid": true, "balance": 0.0, "grossAmount": 625.0})
	if len(r.list("bankPayments")) != 1 || len(r.list("transactions")) != 2 {
		t.Errorf("payment and transactions: %s", r.raw)
	}
}

// Daybook entries: balanced lines, VAT split out of lines with a tax rate,
// contra accounts, and what each books (debit positive).
func TestDaybookTransactions(t *testing.T) {
	sb := newSandbox(t, Options{})
	accts, rates := chartOf(t, sb)
	numbers := invert(accts)
	tests := []struct {
		name  string
		lines []any
		want  map[int]float64
	}{
		{"an expense paid from the bank, VAT included", []any{
			obj{"accountNo": 2750, "taxRateId": rates["K25"], "amount": 125, "side": "debit", "text": "Printerpapir"},
			obj{"accountId": accts[5810], "amount": 125, "side": "credit"}},
			map[int]float64{2750: 100, 7220: 25, 5810: -125}},
		{"a contra account balances its own line", []any{
			obj{"accountId": accts[2430], "taxRateId": rates["R25"], "contraAccountId": accts[5810], "amount": 500, "side": "debit"}},
			map[int]float64{2430: 475, 7220: 25, 5810: -500}},
		{"a cash sale with Salgsmoms", []any{
			obj{"accountId": accts[5810], "amount": 1875, "side": "debit"},
			obj{"accountId": accts[1110], "taxRateId": rates["S25"], "amount": 1875, "side": "credit"}},
			map[int]float64{5810: 1875, 1110: -1500, 7210: -375}},
		{"EU services bought by card: the buyer's VAT", []any{
			obj{"accountId": accts[2320], "taxRateId": rates["UY"], "contraAccountId": accts[5810], "amount": 400, "side": "debit"}},
			map[int]float64{2320: 400, 7220: 100, 7240: -100, 5810: -400}},
		{"the electricity duty refund moved off the cost", []any{
			obj{"accountId": accts[7251], "contraAccountId": accts[2220], "amount": 812.4, "side": "debit"}},
			map[int]float64{7251: 812.4, 2220: -812.4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sb.do("POST", "/v2/daybookTransactions", obj{"daybookTransaction": obj{"entryDate": "2026-11-04", "description": tt.name,
				"voucherNo": "K-1", "state": "approved", "lines": tt.lines}}).ok(t)
			dt := r.list("daybookTransactions")[0]
			if str(dt, "state") != "approved" || str(dt, "daybookId") == "" {
				t.Errorf("entry %v", dt)
			}
			txs := r.list("transactions")
			if len(txs) != 1 || str(txs[0], "originatorReference") != "daybookTransaction:"+str(dt, "id") {
				t.Fatalf("transactions %v", txs)
			}
			if diff := cmp.Diff(tt.want, postingsByAccount(t, sb, str(txs[0], "id"), numbers)); diff != "" {
				t.Errorf("postings by account (-want +got):\n%s", diff)
			}
		})
	}

	type errs = map[string]map[string]string
	bad := []struct {
		name string
		body obj
		want errs
	}{
		{"unbalanced", obj{"entryDate": "2026-11-04", "lines": []any{obj{"accountId": accts[2750], "amount": 100, "side": "debit"},
			obj{"accountId": accts[5810], "amount": 90, "side": "credit"}}},
			errs{"daybookTransaction": {"lines": "The lines do not balance: debits 100.00, credits 90.00; give the difference a line, or the lines contra accounts."}}},
		{"no lines, no date", obj{}, errs{"daybookTransaction": {"entryDate": msgBlank, "lines": "A daybook transaction must have at least one line."}}},
		{"a line without account, side or amount", obj{"entryDate": "2026-11-04", "lines": []any{obj{}}},
			errs{"daybookTransaction": {}, "daybookTransaction.lines[0]": {"accountId": "This field must not be blank: give accountId or accountNo.", "amount": msgBlank, "side": msgBlank}}},
		{"an unknown account number and a bad side", obj{"entryDate": "2026-11-04", "lines": []any{obj{"accountNo": 9999, "amount": 1, "side": "left"}}},
			errs{"daybookTransaction": {}, "daybookTransaction.lines[0]": {"accountNo": "No account has this number.", "accountId": msgUnknown, "side": "This field must be one of: debit, credit."}}},
		{"another currency", obj{"entryDate": "2026-11-04", "lines": []any{obj{"accountId": accts[2750], "contraAccountId": accts[5810], "amount": 1, "side": "debit", "currencyId": "EUR"}}},
			errs{"daybookTransaction": {}, "daybookTransaction.lines[0]": {"currencyId": "The sandbox books daybook lines in the organization's base currency (DKK) only."}}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			r := sb.do("POST", "/v2/daybookTransactions", obj{"daybookTransaction": tt.body})
			if diff := cmp.Diff(tt.want, fieldErrors(r)); diff != "" {
				t.Errorf("%d: validationErrors (-want +got):\n%s", r.status, diff)
			}
		})
	}

	// A draft is approved with PUT, its lines stay as entered, and voiding
	// reverses it.
	r := sb.do("POST", "/v2/daybookTransactions", obj{"daybookTransaction": obj{"entryDate": "2026-11-05", "apiType": "test",
		"lines": []any{obj{"accountId": accts[2750], "contraAccountId": accts[5810], "amount": 10, "side": "debit"}}}}).ok(t)
	id := str(r.list("daybookTransactions")[0], "id")
	if r := sb.do("PUT", "/v2/daybookTransactions/"+id, obj{"daybookTransaction": obj{"lines": []any{}}}); r.status != 422 {
		t.Errorf("replacing lines: %d", r.status)
	}
	sb.do("PUT", "/v2/daybookTransactions/"+id, obj{"daybookTransaction": obj{"state": "approved"}}).ok(t)
	if r := sb.do("DELETE", "/v2/daybookTransactions/"+id, nil); r.status != 422 {
		t.Errorf("deleting an approved entry: %d", r.status)
	}
	r = sb.do("PUT", "/v2/daybookTransactions/"+id, obj{"daybookTransaction": obj{"state": "voided"}}).ok(t)
	if txs := r.list("transactions"); len(txs) != 2 {
		t.Errorf("voiding: transactions %v", txs)
	}
	got := sb.do("GET", "/v2/daybookTransactions?apiType=test&include=daybookTransaction.lines:embed", nil).ok(t).list("daybookTransactions")
	if len(got) != 1 || str(got[0], "state") != "voided" || len(got[0]["lines"].([]any)) != 1 {
		t.Errorf("listed %v", got)
	}
}

// Settling a return moves the period's VAT balances to the settlement
// account, marks the postings with the return, and a payment makes it
// paid; unsettling waits for the payment to be voided.
func TestSalesTaxReturnSettle(t *testing.T) {
	sb := newSandbox(t, Options{Business: BusinessService})
	accts, rates := chartOf(t, sb)
	numbers := invert(accts)
	var ret map[string]any
	for _, r := range sb.do("GET", "/v2/salesTaxReturns", nil).ok(t).list("salesTaxReturns") {
		if str(r, "period") == "2026-Q4" {
			ret = r
		}
	}
	if ret == nil {
		t.Fatal("no return for 2026-Q4")
	}
	expect(t, "Q4 2026", ret, obj{"periodType": "quarterly", "periodText": "4. kvartal 2026", "startDate": "2026-10-01", "endDate": "2026-12-31",
		"reportDeadline": "2027-03-01", "isSettled": false, "isPaid": false})
	id := str(ret, "id")
	if r := sb.do("POST", "/v2/salesTaxReturns", obj{"salesTaxReturn": obj{}}); r.status != 405 {
		t.Errorf("POST: %d", r.status)
	}
	if r := sb.do("DELETE", "/v2/salesTaxReturns/"+id, nil); r.status != 405 {
		t.Errorf("DELETE: %d", r.status)
	}
	if r := sb.do("PUT", "/v2/salesTaxReturns/"+id, obj{"salesTaxReturn": obj{"endDate": "2026-12-30"}}); r.status != 422 || fieldErrors(r)["salesTaxReturn"]["endDate"] == "" {
		t.Errorf("changing endDate: %d %s", r.status, r.raw)
	}
	// A payment needs a settled return.
	if r := sb.do("POST", "/v2/salesTaxPayments", obj{"salesTaxPayment": obj{"salesTaxReturnId": id, "entryDate": "2027-02-20", "accountId": accts[5810], "amount": 1}}); fieldErrors(r)["salesTaxPayment"]["salesTaxReturnId"] == "" {
		t.Errorf("paying an open return: %d %s", r.status, r.raw)
	}

	// What the VAT accounts hold for the period, before settling.
	held := map[int]float64{}
	for _, no := range []int{7210, 7220, 7230, 7240, 7250, 7251, 7252, 7253, 7254, 7255} {
		for _, p := range sb.do("GET", "/v2/postings?accountId="+accts[no]+"&minEntryDate=2026-10-01&maxEntryDate=2026-12-31", nil).ok(t).list("postings") {
			a := num(p, "baseAmount")
			if str(p, "side") == "debit" {
				a = -a
			}
			held[no] += a
		}
	}
	var payableOre int64
	for _, v := range held {
		payableOre += jsonOre(v)
	}
	payable := float64(payableOre) / 100

	r := sb.do("PUT", "/v2/salesTaxReturns/"+id, obj{"salesTaxReturn": obj{"isSettled": true}}).ok(t)
	expect(t, "settled", r.list("salesTaxReturns")[0], obj{"isSettled": true, "isPaid": payable == 0})
	var settleTx string
	for _, tx := range r.list("transactions") {
		if str(tx, "originatorReference") == "salesTaxReturn:"+id {
			settleTx = str(tx, "id")
		}
	}
	if settleTx == "" {
		t.Fatalf("no settlement transaction: %s", r.raw)
	}
	ledger := postingsByAccount(t, sb, settleTx, numbers)
	if got := ledger[7260]; jsonOre(-got) != jsonOre(payable) {
		t.Errorf("settlement account credited %v, want %v", -got, payable)
	}
	for no, v := range held {
		if jsonOre(ledger[no]) != jsonOre(v) {
			t.Errorf("account %d: settlement moved %v, want %v", no, ledger[no], v)
		}
	}
	for _, p := range sb.do("GET", "/v2/postings?accountId="+accts[7210]+"&minEntryDate=2026-10-01&maxEntryDate=2026-12-31", nil).ok(t).list("postings") {
		if str(p, "salesTaxReturnId") != id {
			t.Errorf("posting %s not held by the return", str(p, "id"))
		}
	}

	amount := strconv.FormatFloat(payable, 'f', 2, 64)
	r = sb.do("POST", "/v2/salesTaxPayments", obj{"salesTaxPayment": obj{"salesTaxReturnId": id, "entryDate": "2027-02-26",
		"accountId": accts[5810], "amount": n(amount)}}).ok(t)
	pay := r.list("salesTaxPayments")[0]
	expect(t, "payment", pay, obj{"side": "credit", "isVoided": false})
	expect(t, "paid", r.list("salesTaxReturns")[0], obj{"isPaid": true})
	if diff := cmp.Diff(map[int]float64{5810: -payable, 7260: payable}, postingsByAccount(t, sb, str(r.list("transactions")[0], "id"), numbers)); diff != "" {
		t.Errorf("payment postings (-want +got):\n%s", diff)
	}
	if r := sb.do("PUT", "/v2/salesTaxReturns/"+id, obj{"salesTaxReturn": obj{"isSettled": false}}); r.status != 422 {
		t.Errorf("unsettling a paid return: %d", r.status)
	}
	if r := sb.do("DELETE", "/v2/salesTaxPayments/"+str(pay, "id"), nil); r.status != 405 {
		t.Errorf("DELETE payment: %d", r.status)
	}
	sb.do("PUT", "/v2/salesTaxPayments/"+str(pay, "id"), obj{"salesTaxPayment": obj{"isVoided": true}}).ok(t)
	r = sb.do("PUT", "/v2/salesTaxReturns/"+id, obj{"salesTaxReturn": obj{"isSettled": false}}).ok(t)
	expect(t, "unsettled", r.list("salesTaxReturns")[0], obj{"isSettled": false, "isPaid": false})
	for _, p := range sb.do("GET", "/v2/postings?accountId="+accts[7210]+"&minEntryDate=2026-10-01&maxEntryDate=2026-12-31", nil).ok(t).list("postings") {
		tx := sb.do("GET", "/v2/transactions/"+str(p, "transactionId"), nil).ok(t).obj("transaction")
		own := str(tx, "originatorReference") == "salesTaxReturn:"+id
		if (str(p, "salesTaxReturnId") == id) != own {
			t.Errorf("after unsettling, posting %s of %s has salesTaxReturnId %q", str(p, "id"), str(tx, "originatorReference"), str(p, "salesTaxReturnId"))
		}
	}
	// Settled again, it moves the same amount.
	r = sb.do("PUT", "/v2/salesTaxReturns/"+id, obj{"salesTaxReturn": obj{"isSettled": true}}).ok(t)
	for _, tx := range r.list("transactions") {
		if l := postingsByAccount(t, sb, str(tx, "id"), numbers); jsonOre(-l[7260]) != jsonOre(payable) {
			t.Errorf("settled again: %v", l)
		}
	}
	// A bill approved into the settled period is booked, but no return
	// holds its VAT (what a bookkeeping check reports).
	supplier := newSupplier(t, sb, "DK")
	r = sb.do("POST", "/v2/bills", obj{"bill": obj{"contactId": supplier, "entryDate": "2026-11-05", "state": "approved",
		"lines": []any{obj{"accountId": accts[2310], "taxRateId": rates["K25"], "description": "Sen regning", "amount": 100}}}}).ok(t)
	for _, p := range r.list("postings") {
		if p["salesTaxReturnId"] != nil {
			t.Errorf("a late posting is held by return %v", p["salesTaxReturnId"])
		}
	}
}

// Statutory deadlines rolled to business days (danish-compliance.md TV7
// and §1.6's skat.dk list).
func TestVATDeadlines(t *testing.T) {
	tests := []struct{ period, end, want string }{
		{"quarterly", "2025-03-31", "2025-06-02"},
		{"quarterly", "2025-12-31", "2026-03-02"},
		{"quarterly", "2026-03-31", "2026-06-01"},
		{"quarterly", "2026-09-30", "2026-12-01"},
		{"quarterly", "2024-03-31", "2024-06-03"},
		{"semianually", "2024-06-30", "2024-09-02"},
		{"semianually", "2024-12-31", "2025-03-03"},
		{"semianually", "2026-12-31", "2027-03-01"},
		{"monthly", "2024-11-30", "2024-12-27"},
		{"monthly", "2025-06-30", "2025-08-18"},
		{"monthly", "2025-04-30", "2025-05-26"},
		{"monthly", "2017-04-30", "2017-05-29"},
	}
	for _, tt := range tests {
		end, _ := parseDate(tt.end)
		if got := fmtDate(vatDeadline(tt.period, end)); got != tt.want {
			t.Errorf("%s ending %s: deadline %s, want %s", tt.period, tt.end, got, tt.want)
		}
	}
}

// A voucher: the file uploaded as raw bytes, an attachment linking it to a
// bill, and its download link serving the bytes back.
func TestFilesAndAttachments(t *testing.T) {
	sb := newSandbox(t, Options{})
	accts, _ := chartOf(t, sb)
	supplier := newSupplier(t, sb, "DK")
	pdf := []byte("%PDF-1.4 a supplier's invoice")
	req, _ := http.NewRequest("POST", sb.url+"/v2/files", bytes.NewReader(pdf))
	req.Header.Set("X-Access-Token", testToken)
	req.Header.Set("Content-Type", "application/pdf")
	req.Header.Set("X-Filename", "faktura-77.pdf")
	req.Header.Set("X-Create-Attachment", "true")
	resp, err := sb.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	up := response{status: resp.StatusCode, raw: raw}
	if err := jsonUnmarshal(raw, &up.body); err != nil || up.status != 200 {
		t.Fatalf("upload: %d %s", up.status, raw)
	}
	f := up.list("files")[0]
	expect(t, "file", f, obj{"fileName": "faktura-77.pdf", "fileSize": float64(len(pdf)), "fileType": "application/pdf", "isPdf": true})
	att := up.list("attachments")[0]
	if att["ownerReference"] != nil || str(att, "fileId") != str(f, "id") {
		t.Errorf("attachment %v", att)
	}
	r := sb.do("POST", "/v2/bills", obj{"bill": obj{"contactId": supplier, "entryDate": "2026-11-02",
		"attachmentIds": []any{obj{"id": str(att, "id")}},
		"lines":         []any{obj{"accountId": accts[2710], "description": "Stol", "amount": 100}}}}).ok(t)
	billID := str(r.list("bills")[0], "id")
	if a := r.list("attachments"); len(a) != 1 || str(a[0], "ownerReference") != "bill:"+billID {
		t.Errorf("linked attachment %v", a)
	}
	if got := sb.do("GET", "/v2/bills?hasAttachments=true&contactId="+supplier, nil).ok(t).list("bills"); len(got) != 1 {
		t.Errorf("hasAttachments: %d bills", len(got))
	}
	if got := sb.do("GET", "/v2/attachments?ownerReference=bill:"+billID, nil).ok(t).list("attachments"); len(got) != 1 {
		t.Errorf("attachments of the bill: %v", got)
	}
	dl, err := sb.client.Get(str(sb.do("GET", "/v2/files/"+str(f, "id"), nil).ok(t).obj("file"), "downloadUrl"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(dl.Body)
	dl.Body.Close()
	if dl.StatusCode != 200 || !bytes.Equal(body, pdf) {
		t.Errorf("download: %d %q", dl.StatusCode, body)
	}
	for _, m := range []string{"PUT", "DELETE"} {
		if r := sb.do(m, "/v2/files/"+str(f, "id"), obj{"file": obj{}}); r.status != 405 {
			t.Errorf("%s /files: %d", m, r.status)
		}
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// A tax rate's deductible share is read with its deduction components
// embedded, and the return's boxes and accounts are listed.
func TestTaxSetupForTheReturn(t *testing.T) {
	sb := newSandbox(t, Options{})
	got := map[string][]float64{}
	for _, r := range sb.do("GET", "/v2/taxRates?appliesToPurchases=true&include=taxRate.deductionComponents:embed", nil).ok(t).list("taxRates") {
		shares := []float64{}
		for _, c := range r["deductionComponents"].([]any) {
			shares = append(shares, num(c.(map[string]any), "share"))
		}
		got[str(r, "abbreviation")] = shares
	}
	want := map[string][]float64{"K25": {1}, "UV": {1}, "UY": {1}, "MK": {}, "IMP": {1}, "OBK": {1}, "R25": {0.25}, "REP": {}, "K50": {0.5}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("deductible shares (-want +got):\n%s", diff)
	}
	types := []string{}
	for _, a := range sb.do("GET", "/v2/salesTaxAccounts", nil).ok(t).list("salesTaxAccounts") {
		types = append(types, str(a, "type"))
	}
	wantTypes := []string{"salesVat", "purchaseVat", "euGoodsVat", "euServicesVat", "oilDuty", "electricityDuty", "gasDuty", "coalDuty", "co2Duty", "waterDuty", "settlement"}
	if diff := cmp.Diff(wantTypes, types); diff != "" {
		t.Errorf("salesTaxAccounts (-want +got):\n%s", diff)
	}
	if n := len(sb.do("GET", "/v2/salesTaxMetaFields", nil).ok(t).list("salesTaxMetaFields")); n != 6 {
		t.Errorf("%d salesTaxMetaFields, want the 6 rubrik boxes", n)
	}
	for _, m := range []string{"POST", "PUT", "DELETE"} {
		if r := sb.do(m, "/v2/salesTaxAccounts", obj{"salesTaxAccount": obj{}}); r.status != 405 {
			t.Errorf("%s /salesTaxAccounts: %d", m, r.status)
		}
	}
}
