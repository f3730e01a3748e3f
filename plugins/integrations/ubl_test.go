package integrations

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func ud(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func decp(s string) *decimal.Decimal { d := ud(s); return &d }

func strp(s string) *string { return &s }

// ublFixture is one invoice as Billy answers it: a consultancy's invoice
// to a municipality (a GLN), hours and a discounted workshop at 25 %, a
// line of mileage at a price with more decimals, and a line VAT-exempt
// under momsloven § 13.
func ublFixture() ublSource {
	hasVat := true
	return ublSource{
		Invoice: ublBillyInvoice{ID: "inv-1", OrganizationID: "org-1", Type: "invoice", State: "approved", InvoiceNo: "1042", ContactID: "c-1",
			EntryDate: "2026-11-20", DueDate: "2026-12-20", PaymentTermsMode: "net", PaymentTermsDays: 30, TaxMode: "excl",
			CurrencyID: "DKK", OrderNo: strp("PO-4711"), ContactMessage: "Tak for samarbejdet."},
		Lines: []ublBillyLine{
			{ProductID: "p-hours", Description: "Rådgivning, november", Quantity: ud("7.5"), UnitPrice: ud("950"), Unit: "timer", Amount: decp("7125"), Tax: decp("1781.25"), TaxRateID: "tr-s25"},
			{ProductID: "p-workshop", Description: "Workshop, halv dag", Quantity: ud("1"), UnitPrice: ud("6500"), Unit: "stk.", Amount: decp("5850"), Tax: decp("1462.50"), TaxRateID: "tr-s25",
				DiscountText: "Rammeaftale 10 %", DiscountMode: strp("percentage_discount"), DiscountValue: decp("10")},
			{ProductID: "p-km", Description: "Kørsel", Quantity: ud("123"), UnitPrice: ud("3.79"), Unit: "km", Amount: decp("466.17"), Tax: decp("116.54"), TaxRateID: "tr-s25"},
			{Description: "Kursusgebyr (momsfrit)", Quantity: ud("2"), UnitPrice: ud("1200"), Unit: "", Amount: decp("2400"), Tax: decp("0"), TaxRateID: "tr-mf"},
		},
		Contact: ublBillyContact{Name: "Vejle Kommune", Street: "Skolegade 1", ZipcodeText: "7100", CityText: "Vejle", CountryID: "DK", RegistrationNo: "29189838", EAN: "5798000000001"},
		Org: ublBillyOrg{Name: "Rådgivning ApS", Street: "Banegårdspladsen 1", Zipcode: "8000", City: "Aarhus C", CountryID: "DK",
			Email: "faktura@raadgivning.dk", Phone: "+45 12 34 56 78", RegistrationNo: "12345678", HasVat: &hasVat},
		TaxRates: map[string]ublBillyTaxRate{
			"tr-s25": {ID: "tr-s25", Name: "Salgsmoms", Rate: ud("0.25"), PredefinedTag: "dk_sales_25"},
			"tr-mf":  {ID: "tr-mf", Name: "Momsfrit salg", Rate: ud("0"), PredefinedTag: "dk_sales_exempt"},
		},
		Products: map[string]string{"p-hours": "Konsulenttimer", "p-workshop": "Workshop", "p-km": "Kørsel"},
		Bank:     &ublBillyBank{BankRoutingNo: strp("3409"), BankAccountNo: strp("0012345678"), BankIban: strp("DK5034090012345678"), BankSwift: strp("DABADKKK")},
	}
}

// creditFixture credits two hours of the invoice above, prices including
// VAT (Billy's taxMode incl), so the lines go with a base quantity.
func creditFixture() ublSource {
	s := ublFixture()
	s.Invoice.ID, s.Invoice.Type, s.Invoice.InvoiceNo, s.Invoice.TaxMode = "cn-1", "creditNote", "1043", "incl"
	s.Invoice.EntryDate, s.Invoice.DueDate, s.Invoice.ContactMessage = "2026-11-25", "2026-11-25", ""
	s.Invoice.CreditedInvoiceID = strp("inv-1")
	s.Credited = &ublCredited{Number: "1042", IssueDate: "2026-11-20"}
	// 2 × 1187.50 incl. VAT = 2375.00 gross: VAT 475.00, net 1900.00;
	// 3 × 33.33 = 99.99 gross: VAT 20.00, net 79.99.
	s.Lines = []ublBillyLine{
		{ProductID: "p-hours", Description: "Kreditering af 2 timer", Quantity: ud("2"), UnitPrice: ud("1187.50"), Unit: "timer", Amount: decp("1900"), Tax: decp("475"), TaxRateID: "tr-s25"},
		{Description: "Parkering", Quantity: ud("3"), UnitPrice: ud("33.33"), Unit: "stk", Amount: decp("79.99"), Tax: decp("20.00"), TaxRateID: "tr-s25"},
	}
	return s
}

// oioublFixture is the invoice above without the exempt line (OIOUBL
// would send it as ZeroRated; kept simple for the golden).
func oioublFixture() ublSource {
	s := ublFixture()
	s.Lines = s.Lines[:3]
	return s
}

// TestEinvoiceGolden: the three documents as rendered from fixed input
// (go test -update rewrites them), each passing our rule check.
func TestEinvoiceGolden(t *testing.T) {
	for _, tc := range []struct {
		name   string
		src    ublSource
		format string
	}{
		{"peppol-invoice", ublFixture(), formatPeppol},
		{"peppol-creditnote", creditFixture(), formatPeppol},
		{"oioubl-invoice", oioublFixture(), formatOIOUBL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := renderEinvoice(buildEinvoice(tc.src), tc.format)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "ubl", tc.name+".xml")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(string(want), got); d != "" {
				t.Errorf("%s (-golden +got):\n%s", golden, d)
			}
			if f := checkEinvoiceXML([]byte(got)); len(f) != 0 {
				t.Errorf("the rule check finds:\n%s", fmtFindings(f))
			}
		})
	}
}

func fmtFindings(fs []RuleFinding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.Rule + " " + f.Severity + " " + f.Location + ": " + f.Message + "\n")
	}
	return b.String()
}

// TestEinvoiceForeignCurrency: an invoice in EUR from a DKK organization
// carries the VAT total in DKK too (TaxCurrencyCode, BT-111) at Billy's
// exchange rate, and passes the check; without that total it breaks BR-53.
func TestEinvoiceForeignCurrency(t *testing.T) {
	src := ublFixture()
	src.Invoice.CurrencyID, src.Invoice.ExchangeRate, src.Org.BaseCurrencyID = "EUR", decp("7.4605"), "DKK"
	doc, err := renderEinvoice(buildEinvoice(src), formatPeppol)
	if err != nil {
		t.Fatal(err)
	}
	// 3360.29 EUR × 7.4605 = 25069.44...
	for _, want := range []string{"<cbc:TaxCurrencyCode>DKK</cbc:TaxCurrencyCode>", `<cbc:TaxAmount currencyID="DKK">25069.44</cbc:TaxAmount>`, `<cbc:PayableAmount currencyID="EUR">19201.46</cbc:PayableAmount>`} {
		if !strings.Contains(doc, want) {
			t.Errorf("no %s in\n%s", want, doc)
		}
	}
	if f := checkEinvoiceXML([]byte(doc)); len(f) != 0 {
		t.Errorf("the rule check finds:\n%s", fmtFindings(f))
	}
	broken := strings.Replace(doc, `<cbc:TaxAmount currencyID="DKK">25069.44</cbc:TaxAmount>`, `<cbc:TaxAmount currencyID="EUR">25069.44</cbc:TaxAmount>`, 1)
	if got := ruleIDs(checkEinvoiceXML([]byte(broken))); !slices.Contains(got, "BR-53") {
		t.Errorf("without the DKK total: %v", got)
	}
	// OIOUBL writes no tax currency (its exchange-rate form is not built).
	if oio, _ := renderEinvoice(buildEinvoice(src), formatOIOUBL); strings.Contains(oio, "TaxCurrencyCode") {
		t.Errorf("OIOUBL with a TaxCurrencyCode")
	}
}
