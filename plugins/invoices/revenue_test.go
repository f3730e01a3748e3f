package invoices

import (
	"strings"
	"testing"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/google/go-cmp/cmp"
)

// revenueData is a fixed month of invoices (March 2025) and a month of
// payments (April 2025) in two currencies, with a credit note, a refund,
// drafts, voided records and records just outside the period.
func revenueData(f *fakeBilly) {
	inv := func(id, typ, state, cur, entry, due string, net, tax, balance float64) {
		f.put("invoices", map[string]any{"id": id, "type": typ, "state": state, "sentState": "sent", "contactId": "contact-1",
			"entryDate": entry, "dueDate": due, "currencyId": cur, "amount": net, "tax": tax, "grossAmount": round2(net + tax),
			"balance": balance, "isPaid": state == "approved" && balance == 0, "invoiceNo": id, "exchangeRate": map[string]float64{"DKK": 1, "EUR": 7.46}[cur]})
	}
	inv("A", "invoice", "approved", "DKK", "2025-03-05", "2025-04-04", 1000, 250, 0)
	inv("B", "invoice", "approved", "DKK", "2025-03-20", "2025-04-05", 2000, 500, 1000) // credited 500, paid 1000: overdue
	inv("C", "invoice", "approved", "EUR", "2025-03-10", "2025-05-01", 100, 25, 0)
	inv("D", "creditNote", "approved", "DKK", "2025-03-25", "2025-03-25", 400, 100, 0) // credits B, refunded in April
	inv("E", "invoice", "draft", "DKK", "2025-03-15", "2025-04-15", 999, 249.75, 0)
	inv("F", "invoice", "voided", "DKK", "2025-03-12", "2025-04-12", 777, 194.25, 0)
	inv("G", "invoice", "approved", "DKK", "2025-02-28", "2025-03-30", 5000, 1250, 0)
	inv("H", "invoice", "approved", "DKK", "2025-02-10", "2025-03-10", 80, 20, 0)
	inv("I", "invoice", "approved", "DKK", "2025-02-11", "2025-03-11", 100, 0, 0) // export, no VAT

	pay := func(id, date, side string, cash float64, voided bool, parts ...any) {
		var assocs []any
		for i := 0; i < len(parts); i += 2 {
			assocs = append(assocs, map[string]any{"subjectReference": "invoice:" + parts[i].(string), "amount": -parts[i+1].(float64)})
		}
		f.put("bankPayments", map[string]any{"id": id, "entryDate": date, "cashSide": side, "cashAmount": cash, "cashAccountId": "acct-bank",
			"isVoided": voided, "associations": assocs})
	}
	pay("P1", "2025-04-02", "debit", 1250, false, "A", 1250.0)
	pay("P2", "2025-04-15", "debit", 1000, false, "B", 1000.0)
	pay("P3", "2025-04-20", "debit", 930, false, "C", 125.0) // EUR invoice paid from a DKK account: counted in EUR
	pay("P4", "2025-04-22", "credit", 500, false, "D", 500.0)
	pay("P5", "2025-04-25", "debit", 1250, true, "A", 1250.0)
	pay("P6", "2025-03-30", "debit", 6250, false, "G", 6250.0)
	pay("P7", "2025-04-28", "debit", 200, false, "H", 100.0, "I", 100.0)
}

func TestRevenueInvoiceBasis(t *testing.T) {
	e := newEnv(t, sdk.WritesConfirm)
	revenueData(e.billy)
	var out RevenueOutput
	e.mustCall("get_revenue", RevenueInput{StartDate: "2025-03-01", EndDate: "2025-03-31", Basis: "invoice", GroupBy: "week"}, &out)
	out.BasisExplained = ""
	want := RevenueOutput{StartDate: "2025-03-01", EndDate: "2025-03-31", Basis: "invoice", GroupBy: "week",
		Currencies: []CurrencyRevenue{
			// A + B − D; the draft, the voided and February's are left out.
			{Amounts: Amounts{Currency: "DKK", Net: 2600, VAT: 650, Gross: 3250}, Invoices: 2, CreditNotes: 1, Outstanding: ptr(Number(1000)), Overdue: ptr(1)},
			// C was booked at 7.46 DKK per EUR.
			{Amounts: Amounts{Currency: "EUR", Net: 100, VAT: 25, Gross: 125}, Invoices: 1, Outstanding: ptr(Number(0)), Overdue: ptr(0),
				InBaseCurrency: &BaseAmounts{Amounts: Amounts{Currency: "DKK", Net: 746, VAT: 186.5, Gross: 932.5}, Rates: baseRates}},
		},
		Total: &BaseAmounts{Amounts: Amounts{Currency: "DKK", Net: 3346, VAT: 836.5, Gross: 4182.5}, Rates: "base-currency amounts as they are; others at " + baseRates},
		Groups: []RevenueGroup{
			{Period: "2025-W10", Currencies: []Amounts{{Currency: "DKK", Net: 1000, VAT: 250, Gross: 1250}}},
			{Period: "2025-W11", Currencies: []Amounts{{Currency: "EUR", Net: 100, VAT: 25, Gross: 125}}},
			{Period: "2025-W12", Currencies: []Amounts{{Currency: "DKK", Net: 2000, VAT: 500, Gross: 2500}}},
			{Period: "2025-W13", Currencies: []Amounts{{Currency: "DKK", Net: -400, VAT: -100, Gross: -500}}},
		},
	}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("revenue (-want +got):\n%s", diff)
	}
	q := e.find("GET", "/invoices").Query
	if q.Get("state") != "approved" || q.Get("minEntryDate") != "2025-03-01" || q.Get("maxEntryDate") != "2025-03-31" || q.Get("pageSize") != "1000" {
		t.Errorf("Billy query %v", q)
	}
}

func TestRevenuePaymentBasis(t *testing.T) {
	e := newEnv(t, sdk.WritesConfirm)
	revenueData(e.billy)
	var out RevenueOutput
	e.mustCall("get_revenue", RevenueInput{StartDate: "2025-04-01", EndDate: "2025-04-30", GroupBy: "month"}, &out)
	if out.Basis != "payment" || !strings.Contains(out.BasisExplained, "VAT return (momsangivelse) uses VAT by invoice date") {
		t.Errorf("basis %q %q", out.Basis, out.BasisExplained)
	}
	out.BasisExplained = ""
	want := RevenueOutput{StartDate: "2025-04-01", EndDate: "2025-04-30", Basis: "payment", GroupBy: "month",
		Currencies: []CurrencyRevenue{
			// P1 (A in full) + P2 (B: 1000 of 2500 → 800 net) − P4 (refund of D) + P7 (H with VAT, I without);
			// the voided P5 and March's P6 are left out.
			{Amounts: Amounts{Currency: "DKK", Net: 1000 + 800 - 400 + 80 + 100, VAT: 250 + 200 - 100 + 20, Gross: 1250 + 1000 - 500 + 200},
				Invoices: 4, CreditNotes: 1, Payments: 4},
			{Amounts: Amounts{Currency: "EUR", Net: 100, VAT: 25, Gross: 125}, Invoices: 1, Payments: 1,
				InBaseCurrency: &BaseAmounts{Amounts: Amounts{Currency: "DKK", Net: 746, VAT: 186.5, Gross: 932.5}, Rates: baseRates}},
		},
		Total: &BaseAmounts{Amounts: Amounts{Currency: "DKK", Net: 2326, VAT: 556.5, Gross: 2882.5}, Rates: "base-currency amounts as they are; others at " + baseRates},
		Groups: []RevenueGroup{{Period: "2025-04", Currencies: []Amounts{
			{Currency: "DKK", Net: 1580, VAT: 370, Gross: 1950}, {Currency: "EUR", Net: 100, VAT: 25, Gross: 125}}}},
	}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("revenue (-want +got):\n%s", diff)
	}
	// Each paid invoice is read once, however many payments it has.
	reads := map[string]int{}
	for _, r := range e.billy.all() {
		reads[r.Path]++
	}
	if reads["/invoices/A"] != 1 || reads["/invoices/P5"] != 0 {
		t.Errorf("reads %v", reads)
	}
}

// TestRevenueCountsARecordOnce: a record that shows up on two pages (the
// list shifted while it was read) is counted once.
func TestRevenueCountsARecordOnce(t *testing.T) {
	e := newEnv(t, sdk.WritesConfirm)
	revenueData(e.billy)
	p1 := e.billy.records["bankPayments"]["P1"]
	e.billy.hook = func(r recorded) (any, bool) {
		if r.Path != "/bankPayments" {
			return nil, false
		}
		page := r.Query.Get("page")
		return map[string]any{"bankPayments": []any{p1}, "meta": map[string]any{"paging": map[string]any{
			"page": page, "pageCount": 2, "pageSize": 1000, "total": 2}}}, true
	}
	var out RevenueOutput
	e.mustCall("get_revenue", RevenueInput{StartDate: "2025-04-01", EndDate: "2025-04-30"}, &out)
	if len(out.Currencies) != 1 || out.Currencies[0].Gross != 1250 || out.Currencies[0].Payments != 1 {
		t.Errorf("%+v", out.Currencies)
	}
	if got := len(e.billy.all()); got != 4 { // the organization, two pages and invoice A
		t.Errorf("%d requests", got)
	}
}

func TestRevenueNeedsAPeriod(t *testing.T) {
	e := newEnv(t, sdk.WritesConfirm)
	for _, tt := range []struct {
		in    RevenueInput
		field string
	}{
		{RevenueInput{EndDate: "2025-01-31"}, "startDate"},
		{RevenueInput{StartDate: "2025-01-01"}, "endDate"},
		{RevenueInput{StartDate: "2025-02-01", EndDate: "2025-01-01"}, "startDate"},
		{RevenueInput{StartDate: "2025-01-01", EndDate: "2025-01-31", Basis: "cash"}, "basis"},
		{RevenueInput{StartDate: "2025-01-01", EndDate: "2025-01-31", GroupBy: "year"}, "groupBy"},
	} {
		wantValidation(t, e.call("get_revenue", tt.in, new(RevenueOutput)), "", tt.field)
	}
}

func TestSplitGross(t *testing.T) {
	tests := []struct {
		paid, net, gross string
		wantNet, wantVAT string
	}{
		{"1250", "1000", "1250", "1000", "250"},
		{"100", "266.66", "333.33", "80", "20"},
		{"0.01", "1000", "1250", "0.01", "0"},
		{"500", "500", "500", "500", "0"}, // no VAT
		{"10", "0", "0", "10", "0"},       // a zero invoice cannot split
	}
	for _, tt := range tests {
		n, v := splitGross(dec(tt.paid), billyInvoice{Amount: dec(tt.net), GrossAmount: dec(tt.gross), CurrencyID: "DKK"})
		if !n.Equal(dec(tt.wantNet)) || !v.Equal(dec(tt.wantVAT)) || !n.Add(v).Equal(dec(tt.paid)) {
			t.Errorf("split %v of %v/%v = %s + %s", tt.paid, tt.net, tt.gross, n, v)
		}
	}
}

func TestCashSettled(t *testing.T) {
	for _, tt := range []struct {
		bp   billyBankPayment
		want string
	}{
		// 8,917.01 DKK at 7.46 settles 1,195.31 EUR.
		{billyBankPayment{CashAmount: dec("8917.01"), CashSide: "debit", CashExchangeRate: dec("7.46"), SubjectCurrencyID: "EUR"}, "1195.31"},
		// A fee kept by the bank still settles the invoice gross of it.
		{billyBankPayment{CashAmount: dec("985"), FeeAmount: dec("15"), CashSide: "debit", SubjectCurrencyID: "DKK"}, "1000"},
		{billyBankPayment{CashAmount: dec("515"), FeeAmount: dec("15"), CashSide: "credit", SubjectCurrencyID: "DKK"}, "500"},
	} {
		if got := cashSettled(tt.bp); !got.Equal(dec(tt.want)) {
			t.Errorf("cashSettled(%+v) = %s, want %s", tt.bp, got, tt.want)
		}
	}
}
