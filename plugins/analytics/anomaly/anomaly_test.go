package anomaly

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func inv(id, cust, date, net string, lines ...Line) Invoice {
	return Invoice{ID: id, No: id, Type: "invoice", CustomerID: cust, Customer: "Kunde " + cust, Country: "DK", EntryDate: date,
		DueDate: date, Currency: "DKK", Gross: dec(net).Mul(dec("1.25")), BaseNet: dec(net), Lines: lines}
}

func kinds(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Kind+":"+strings.Join(f.Records, ","))
	}
	return out
}

// TestRobustZ: Iglewicz & Hoaglin's modified z-score by hand: sample
// 1..9 has median 5 and MAD 2, so 20 scores 0.6745·15/2 = 5.05875.
func TestRobustZ(t *testing.T) {
	z, med, mad := robustZ(20, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9})
	if med != 5 || mad != 2 || math.Abs(z-5.05875) > 1e-9 {
		t.Errorf("z %v med %v mad %v", z, med, mad)
	}
}

func TestAmounts(t *testing.T) {
	var invs []Invoice
	for i, net := range []string{"1000", "1100", "950", "1050", "1000", "980", "9000"} {
		invs = append(invs, inv(fmt.Sprintf("a%d", i), "A", fmt.Sprintf("2026-0%d-01", i+1), net))
	}
	// a subscription: always 500, once 800
	for i, net := range []string{"500", "500", "500", "500", "500", "800"} {
		invs = append(invs, inv(fmt.Sprintf("s%d", i), "S", fmt.Sprintf("2026-0%d-02", i+1), net))
	}
	// a customer with 3 invoices: too little history
	for i, net := range []string{"10", "10", "99999"} {
		invs = append(invs, inv(fmt.Sprintf("n%d", i), "N", fmt.Sprintf("2026-0%d-03", i+1), net))
	}
	got := Amounts(invs, Options{})
	Sort(got)
	if diff := cmp.Diff([]string{"amount:a6", "amount:s5"}, kinds(got)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if got := Amounts(invs, Options{Since: "2026-07-01"}); len(got) != 1 || got[0].Records[0] != "a6" {
		t.Errorf("since July: %v", kinds(got))
	}
}

// TestAmountsLargeCustomer: past leaveOneOutMax invoices the statistics
// are computed once, and the outlier is still found.
func TestAmountsLargeCustomer(t *testing.T) {
	var invs []Invoice
	for i := range leaveOneOutMax + 50 {
		invs = append(invs, inv(fmt.Sprintf("b%d", i), "B", "2026-01-01", fmt.Sprint(900+(i*37)%200)))
	}
	invs = append(invs, inv("big", "B", "2026-02-01", "5000"))
	got := Amounts(invs, Options{})
	if diff := cmp.Diff([]string{"amount:big"}, kinds(got)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

func TestVATRates(t *testing.T) {
	l := func(rate string) Line {
		return Line{ProductID: "p", Description: "Rådgivning", Quantity: dec("1"), Net: dec("100"), TaxRate: dec(rate)}
	}
	gift := Line{ProductID: "gift", Description: "Gavekort", Quantity: dec("1"), Net: dec("500"), TaxRate: dec("0")}
	de, se, us := inv("de", "DE1", "2026-01-05", "100", l("0.25")), inv("se", "SE1", "2026-01-05", "100", l("0")), inv("us", "US1", "2026-01-05", "100", l("0.25"))
	de.Country, se.Country, us.Country = "DE", "SE", "US"
	sePerson := inv("sep", "SEP", "2026-01-05", "100", l("0"))
	sePerson.Country = "SE"
	invs := []Invoice{
		inv("ok", "DK1", "2026-01-02", "100", l("0.25")),
		inv("dk0", "DK1", "2026-01-03", "100", l("0")),
		inv("gift1", "DK2", "2026-01-03", "500", gift), inv("gift2", "DK2", "2026-01-04", "500", gift),
		de, se, us, sePerson,
	}
	customers := map[string]Customer{"DE1": {Known: true, Company: true}, "SE1": {Known: true, Company: true},
		"US1": {Known: true, Company: true}, "SEP": {Known: true}}
	got := VATRates(invs, customers, Options{})
	Sort(got)
	if diff := cmp.Diff([]string{"vat_rate:de", "vat_rate:dk0", "vat_rate:sep", "vat_rate:us"}, kinds(got)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	for _, f := range got {
		if f.Records[0] == "de" && !strings.Contains(f.Reason, "reverse charge") {
			t.Errorf("DE reason %q does not name reverse charge", f.Reason)
		}
	}
	// unknown customer kind: only the Danish rule applies
	if got := VATRates(invs, nil, Options{}); len(got) != 1 || got[0].Records[0] != "dk0" {
		t.Errorf("without customer kinds: %v", kinds(got))
	}
}

func TestDiscounts(t *testing.T) {
	disc := func(p string) Line { return Line{Description: "Kop", Net: dec("80"), DiscountPercent: dec(p)} }
	var invs []Invoice
	for i := range 10 {
		invs = append(invs, inv(fmt.Sprintf("r%d", i), "R", fmt.Sprintf("2026-01-%02d", i+1), "100", disc("0")))
	}
	invs = append(invs, inv("r10", "R", "2026-02-01", "80", disc("20")), inv("half", "X", "2026-02-02", "50", disc("50")),
		inv("bf", "Y", "2026-02-03", "80", disc("20")))
	got := Discounts(invs, Options{})
	Sort(got)
	if diff := cmp.Diff([]string{"discount:half", "discount:r10"}, kinds(got)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

func TestDuplicates(t *testing.T) {
	line := Line{ProductID: "p", Quantity: dec("2"), Net: dec("100")}
	other := Line{ProductID: "q", Quantity: dec("2"), Net: dec("100")}
	cn := Invoice{ID: "cn", Type: "creditNote", CustomerID: "A", CreditedID: "c2", Gross: dec("125")}
	invs := []Invoice{
		inv("a1", "A", "2026-03-01", "100", line), inv("a2", "A", "2026-03-04", "100", line), // duplicate
		inv("b1", "B", "2026-03-01", "100", line), inv("b2", "B", "2026-03-20", "100", line), // too far apart
		inv("c1", "A", "2026-04-01", "100", line), inv("c2", "A", "2026-04-02", "100", line), cn, // credited
		inv("d1", "D", "2026-03-01", "100", line), inv("d2", "D", "2026-03-02", "100", other), // different lines
	}
	got := Duplicates(invs, Options{})
	if diff := cmp.Diff([]string{"duplicate:a1,a2"}, kinds(got)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

func TestLatePayers(t *testing.T) {
	var pays []Payment
	for i, late := range []int{0, 2, 1, 3, 0, 1, 25, 30} {
		pays = append(pays, Payment{InvoiceID: fmt.Sprintf("i%d", i), CustomerID: "A", Date: fmt.Sprintf("2026-0%d-10", i+1), DaysLate: late})
	}
	for i := range 8 { // steady
		pays = append(pays, Payment{InvoiceID: fmt.Sprintf("j%d", i), CustomerID: "B", Date: fmt.Sprintf("2026-0%d-10", i+1), DaysLate: 10})
	}
	open := inv("o1", "A", "2026-09-01", "100")
	open.DueDate, open.Balance = "2026-09-15", dec("125")
	got := LatePayers([]Invoice{open, inv("x", "B", "2026-01-01", "1")}, pays, Options{Today: "2026-11-01"})
	if diff := cmp.Diff([]string{"late_payer:i5,i6,i7,o1"}, kinds(got)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if len(got) == 1 && got[0].Severity != "high" {
		t.Errorf("severity %s, want high with an open overdue invoice", got[0].Severity)
	}
}

// TestRevenueDips: a flat, gently noisy series with one month cut in half.
func TestRevenueDips(t *testing.T) {
	var months []string
	var y []float64
	for i := range 30 {
		months = append(months, fmt.Sprintf("m%02d", i))
		y = append(y, 10000+float64((i*37)%11)*50)
	}
	y[28] = 5000
	got, notes := RevenueDips(months, y, 3)
	if diff := cmp.Diff([]string{"revenue_dip:m28"}, kinds(got)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if len(notes) != 0 {
		t.Errorf("notes %q", notes)
	}
	_, notes = RevenueDips(months[:4], y[:4], 2)
	if len(notes) != 2 {
		t.Errorf("short history: notes %q, want two months skipped", notes)
	}
}

func TestRecommend(t *testing.T) {
	findings := []Finding{
		{Kind: "duplicate", Severity: "high", Reason: "same", Records: []string{"a1", "a2"}},
		{Kind: "amount", Severity: "medium", Summary: "Invoice 7 is much higher than usual", Reason: "z", Records: []string{"a7"}},
	}
	open := []OpenInvoice{
		{ID: "o1", No: "101", CustomerID: "A", Customer: "Alfa", Currency: "DKK", Balance: dec("1000"), BaseBalance: dec("1000"), DaysOverdue: 40},
		{ID: "o2", No: "102", CustomerID: "B", Customer: "Beta", Currency: "EUR", Balance: dec("100"), BaseBalance: dec("746"), DaysOverdue: 5},
		{ID: "o3", No: "103", CustomerID: "B", Customer: "Beta", Currency: "DKK", Balance: dec("99"), BaseBalance: dec("99"), DaysOverdue: -3},
	}
	beh := []Behaviour{{CustomerID: "A", Customer: "Alfa", Payments: 6, AvgDaysLate: dec("21.5"), MaxDaysLate: 40},
		{CustomerID: "B", Customer: "Beta", Payments: 6, AvgDaysLate: dec("1"), MaxDaysLate: 4}}
	vat := &VATPeriod{Label: "Q4 2026", From: "2026-10-01", To: "2026-12-31", Deadline: "2027-03-01", OutputVAT: dec("5000"), InputVAT: dec("1200.50")}
	got := Recommend(findings, open, beh, vat, 10)
	var summary []string
	for _, r := range got {
		summary = append(summary, r.Priority+" "+r.Kind)
	}
	want := []string{"high reserve_vat", "high chase_overdue", "high check_duplicate", "medium review_terms", "low check_invoice"}
	if diff := cmp.Diff(want, summary); diff != "" {
		t.Errorf("recommendations (-want +got):\n%s", diff)
	}
	if got[0].Amount.String() != "3799.5" {
		t.Errorf("VAT to reserve %s, want 3799.5", got[0].Amount)
	}
	if got[1].Amount.String() != "1746" || cmp.Diff([]string{"o1", "o2"}, got[1].Records) != "" {
		t.Errorf("chase: %s %v", got[1].Amount, got[1].Records)
	}
	if !strings.Contains(got[1].Evidence[0], "usually pays 21.5 days late") {
		t.Errorf("chase evidence %q", got[1].Evidence)
	}
	if got := Recommend(findings, open, beh, vat, 2); len(got) != 2 {
		t.Errorf("limit 2: %d", len(got))
	}
}
