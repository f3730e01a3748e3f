package integrations

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func inv(id, no, customer, balance string) openInvoice {
	return openInvoice{ID: id, No: no, ContactID: "c-" + customer, Customer: customer, Currency: "DKK", Balance: decimal.RequireFromString(balance)}
}

func line(n int, text, amount string) BankLine {
	return BankLine{Key: "k" + text, Line: n, Date: "2026-11-20", Text: text, Amount: amount, Currency: "DKK", amount: decimal.RequireFromString(amount)}
}

// TestMatch covers each rule and the ambiguous cases: what matches, on
// which evidence, and what is left for a person.
func TestMatch(t *testing.T) {
	invs := []openInvoice{
		inv("i1042", "1042", "Jensen ApS", "12500"),
		inv("i1043", "1043", "Hansen & Co", "3125"),
		inv("i1044", "1044", "Møller Byg A/S", "9000"),
		inv("i1045", "1045", "Sørensen Rådgivning", "4000"),
		inv("i1046", "1046", "Kofoed IVS", "2400"),
		inv("i1047", "1047", "Kofoed IVS", "2400"),
		inv("i1048", "1048", "Berg", "750"),
		inv("i1049", "1049", "Lund Design", "500"),
		{ID: "i1050", No: "1050", Customer: "Euro Kunde GmbH", Currency: "EUR", Balance: decimal.RequireFromString("100")},
	}
	type out struct{ Status, Rule, Invoice string }
	for _, tc := range []struct {
		name string
		l    BankLine
		want out
	}{
		{"FIK code line", line(1, "+71<000000000010439+81234567<", "3125.00"), out{matched, "fik", "1043"}},
		{"FIK beats a misleading number", line(2, "faktura 1042 000000000010439", "3125.00"), out{matched, "fik", "1043"}},
		{"FIK with a wrong check digit is no FIK", line(3, "000000000010438", "3125.00"), out{unmatched, "", ""}},
		{"FIK of a paid invoice", line(4, "+71<000000000010413+81234567<", "100.00"), out{unmatched, "", ""}},
		{"number and amount", line(5, "Faktura 1044", "9000.00"), out{matched, "invoice_number_amount", "1044"}},
		{"number and customer, part payment", line(6, "fak. nr. 1045 Sørensen Rådgivning rate 1", "2000.00"), out{matched, "invoice_number_customer", "1045"}},
		{"number alone, other amount", line(7, "Invoice #1048", "700.00"), out{ambiguous, "", ""}},
		{"customer and amount", line(8, "Overførsel fra LUND DESIGN", "500.00"), out{matched, "customer_amount", "1049"}},
		{"customer with two invoices of the amount", line(9, "Kofoed IVS", "2400.00"), out{ambiguous, "", ""}},
		{"customer, no invoice of the amount", line(10, "Jensen ApS a conto", "100.00"), out{unmatched, "", ""}},
		{"amount alone is never enough", line(11, "Overførsel", "12500.00"), out{unmatched, "", ""}},
		{"money out", line(12, "Faktura 1044", "-9000.00"), out{unmatched, "", ""}},
		{"another currency", line(13, "Faktura 1050 Euro Kunde GmbH", "100.00"), out{unmatched, "", ""}},
		{"name inside a word does not count", line(14, "Bergsøe", "750.00"), out{unmatched, "", ""}},
		{"two invoice numbers", line(15, "Faktura 1042 og faktura 1044", "21500.00"), out{ambiguous, "", ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms := matchLines([]BankLine{tc.l}, invs)
			m := ms[0]
			got := out{Status: m.Status, Rule: m.Rule}
			if m.Invoice != nil {
				got.Invoice = m.Invoice.InvoiceNo
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s\nreason: %s", diff, m.Reason)
			}
			if m.Reason == "" {
				t.Error("no reason given")
			}
		})
	}
}

// TestMatchConflict: two lines claiming one invoice are both ambiguous.
func TestMatchConflict(t *testing.T) {
	invs := []openInvoice{inv("i1044", "1044", "Møller Byg A/S", "9000")}
	ms := matchLines([]BankLine{line(1, "Faktura 1044", "9000.00"), line(2, "Betaling faktura 1044", "9000.00")}, invs)
	for _, m := range ms {
		if m.Status != ambiguous || len(m.Candidates) != 1 {
			t.Errorf("line %d: %s (%s), want ambiguous with the invoice as candidate", m.Line, m.Status, m.Reason)
		}
	}
}

func TestFIKNumbers(t *testing.T) {
	got := fikNumbers("+71<000000000010439+81234567< and 000000000000018, not 000000000012345 nor 0000000000104390")
	if diff := cmp.Diff([]string{"1043", "1"}, got); diff != "" {
		t.Error(diff)
	}
}
