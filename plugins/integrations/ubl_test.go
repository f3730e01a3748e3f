package integrations

import (
	"fmt"
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

// TestEinvoiceVATCategories: each of Billy's sales tax rates becomes its
// VAT category in both formats, and an invoice with one line of it to an
// EU business (with its VAT number) passes the check; a rate Billy does
// not list gets no category, and the check says so.
func TestEinvoiceVATCategories(t *testing.T) {
	for _, tc := range []struct {
		tag, rate       string
		code, oio, pct  string
		exemption, vatx string
	}{
		{"dk_sales_25", "0.25", "S", "StandardRated", "25", "", ""},
		{"dk_sales_eu_goods", "0", "K", "ZeroRated", "0", "Momsfri levering af varer til et andet EU-land", "VATEX-EU-IC"},
		{"dk_sales_eu_services", "0", "AE", "ReverseCharge", "0", "Omvendt betalingspligt", "VATEX-EU-AE"},
		{"dk_sales_domestic_reverse_charge", "0", "AE", "ReverseCharge", "0", "Omvendt betalingspligt", "VATEX-EU-AE"},
		{"dk_sales_world", "0", "G", "ZeroRated", "0", "Eksport uden for EU", "VATEX-EU-G"},
		{"dk_sales_exempt", "0", "E", "ZeroRated", "0", "Momsfritaget efter momslovens § 13", ""},
		{"", "0.12", "S", "StandardRated", "12", "", ""},
		{"", "0", "Z", "ZeroRated", "0", "", ""},
	} {
		t.Run(tc.tag+" "+tc.rate, func(t *testing.T) {
			c := vatCategory(ublBillyTaxRate{Rate: ud(tc.rate), PredefinedTag: tc.tag}, true)
			got := []string{c.Code, c.OIOUBL, c.Percent.String(), c.Exemption, c.ExemptionCode}
			if d := cmp.Diff([]string{tc.code, tc.oio, tc.pct, tc.exemption, tc.vatx}, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			src := ublFixture()
			src.Contact.CountryID, src.Contact.RegistrationNo, src.Contact.EAN = "DE", "123456789", ""
			src.Contact.ZipcodeText, src.Contact.CityText = "10115", "Berlin"
			src.TaxRates = map[string]ublBillyTaxRate{"t": {ID: "t", Rate: ud(tc.rate), PredefinedTag: tc.tag}}
			tax := ud("10000").Mul(c.Percent).Div(hundred).Round(2)
			src.Lines = []ublBillyLine{{Description: "Rådgivning", Quantity: ud("10"), UnitPrice: ud("1000"), Unit: "timer", Amount: decp("10000"), Tax: &tax, TaxRateID: "t"}}
			for _, format := range []string{formatPeppol, formatOIOUBL} {
				doc, err := renderEinvoice(buildEinvoice(src), format)
				if err != nil {
					t.Fatal(err)
				}
				f := checkEinvoiceXML([]byte(doc))
				// A foreign buyer has no Peppol endpoint we know of (R010),
				// nor an OIOUBL GLN or contact: that is all.
				want := map[string][]string{formatPeppol: {"PEPPOL-EN16931-R010"}, formatOIOUBL: {"LOCAL-OIOUBL-MANDATORY"}}[format]
				if d := cmp.Diff(want, ruleIDs(f)); d != "" {
					t.Errorf("%s (-want +got):\n%s\n%s", format, d, fmtFindings(f))
				}
			}
		})
	}
	src := ublFixture()
	src.Lines[0].TaxRateID = "gone"
	doc, err := renderEinvoice(buildEinvoice(src), formatPeppol)
	if err != nil {
		t.Fatal(err)
	}
	if got := ruleIDs(checkEinvoiceXML([]byte(doc))); !slices.Contains(got, "BR-CO-04") {
		t.Errorf("a rate Billy does not list: %v", got)
	}
}

// TestUnitCodeAndCVR: Billy's free-text units to UN/ECE Rec. 20, and the
// CVR read from a registration number.
func TestUnitCodeAndCVR(t *testing.T) {
	units := map[string]string{"timer": "HUR", "Time": "HUR", "stk.": "H87", "stk": "H87", "km": "KMT", "md.": "MON", "dage": "DAY", "kg": "KGM", "": "C62", "pakke": "C62"}
	for in, want := range units {
		if got := unitCode(in); got != want {
			t.Errorf("unitCode(%q) = %s, want %s", in, got, want)
		}
	}
	cvrs := map[string]string{"12345678": "12345678", "DK12345678": "12345678", "dk 12 34 56 78": "12345678", "1234567": "", "DK1234567X": "", "": ""}
	for in, want := range cvrs {
		if got := cvrOf(in); got != want {
			t.Errorf("cvrOf(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDanishSummary: what the summary says for each outcome of the checks.
func TestDanishSummary(t *testing.T) {
	base := EinvoiceXMLResult{InvoiceNo: "1042", Format: "peppol-bis-3.0", DocumentType: "Invoice", Lines: 2, Currency: "DKK",
		Totals: EinvoiceTotals{Payable: "19201.46", Tax: "3360.29"}, XSD: XSDCheck{why: "xmllint er ikke installeret"}}
	fatal := func(n int) []RuleFinding {
		var out []RuleFinding
		for i := range n {
			out = append(out, RuleFinding{Rule: "BR-CO-10", Severity: "fatal", Location: fmt.Sprintf("/Invoice/x[%d]", i+1)})
		}
		return out
	}
	for _, tc := range []struct {
		name string
		edit func(*EinvoiceXMLResult)
		want []string
	}{
		{"clean", func(*EinvoiceXMLResult) {}, []string{"Faktura 1042 som Peppol BIS Billing 3.0: 2 linje(r), i alt 19.201,46 DKK, heraf moms 3.360,29.",
			"Vores regeltjek fandt ingen fejl.", "ikke den officielle schematron", "XSD-validering er ikke kørt: xmllint er ikke installeret."}},
		{"warnings", func(r *EinvoiceXMLResult) {
			r.RuleCheck = summarizeFindings([]RuleFinding{{Rule: "DK-R-003", Severity: "warning"}})
		},
			[]string{"ingen fejl, men 1 advarsel(er)"}},
		{"seven errors, five named", func(r *EinvoiceXMLResult) { r.RuleCheck = summarizeFindings(fatal(7)) },
			[]string{"fandt 7 fejl og 0 advarsel(er)", "BR-CO-10 (/Invoice/x[5]);", "og 2 flere;"}},
		{"credit note in OIOUBL, XSD valid", func(r *EinvoiceXMLResult) {
			r.DocumentType, r.Format, r.XSD = "CreditNote", "oioubl-2.1", XSDCheck{Ran: true, Valid: true}
		}, []string{"Kreditnota 1042 som OIOUBL 2.1", "XSD-validering: gyldig."}},
		{"XSD invalid", func(r *EinvoiceXMLResult) { r.XSD = XSDCheck{Ran: true, Findings: []string{"a", "b"}} }, []string{"XSD-validering: ugyldig (2 fund)."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := base
			tc.edit(&r)
			got := danishSummary(r)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("no %q in %q", w, got)
				}
			}
			if strings.Contains(got, "x[6]") {
				t.Errorf("more than five errors named: %q", got)
			}
		})
	}
}
