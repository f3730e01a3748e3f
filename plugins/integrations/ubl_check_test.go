package integrations

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// edit is one change to a golden document: the n-th occurrence (1-based;
// -1 the last) of old becomes new. It must be there: a test whose edit
// misses would check the unchanged document.
type edit struct {
	old, new string
	n        int
}

func applyEdits(t *testing.T, doc string, edits []edit) string {
	t.Helper()
	for _, e := range edits {
		idx := -1
		switch {
		case e.n == -1:
			idx = strings.LastIndex(doc, e.old)
		default:
			n := max(e.n, 1)
			from := 0
			for i := 0; i < n; i++ {
				j := strings.Index(doc[from:], e.old)
				if j < 0 {
					idx = -1
					break
				}
				idx = from + j
				from = idx + len(e.old)
			}
		}
		if idx < 0 {
			t.Fatalf("the edit's text %q (occurrence %d) is not in the document", e.old, e.n)
		}
		doc = doc[:idx] + e.new + doc[idx+len(e.old):]
	}
	return doc
}

func golden(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/ubl/" + name + ".xml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func ruleIDs(fs []RuleFinding) []string {
	var out []string
	for _, f := range fs {
		if !slices.Contains(out, f.Rule) {
			out = append(out, f.Rule)
		}
	}
	slices.Sort(out)
	return out
}

var reLines = regexp.MustCompile(`(?s)\s*<cac:InvoiceLine>.*</cac:InvoiceLine>`)

// TestEinvoiceRules: each rule, a document that breaks it (a golden one
// edited) and the findings it gets; the goldens themselves get none
// (TestEinvoiceGolden). Where one change breaks more than one rule (a
// wrong total breaks the totals built on it), every rule it breaks is
// named.
func TestEinvoiceRules(t *testing.T) {
	const (
		inv = "peppol-invoice"
		cn  = "peppol-creditnote"
		oio = "oioubl-invoice"
	)
	sellerLE := `<cbc:CompanyID schemeID="0184">DK12345678</cbc:CompanyID>`
	pm := func(code, pid, acct string) []edit {
		return []edit{{`<cbc:PaymentMeansCode>42</cbc:PaymentMeansCode>`, `<cbc:PaymentMeansCode>` + code + `</cbc:PaymentMeansCode>`, 1},
			{`<cbc:PaymentID>1042</cbc:PaymentID>`, `<cbc:PaymentID>` + pid + `</cbc:PaymentID>`, 1},
			{`<cbc:ID>0012345678</cbc:ID>`, `<cbc:ID>` + acct + `</cbc:ID>`, 1}}
	}
	for _, tc := range []struct {
		name  string
		base  string
		edits []edit
		want  []string
	}{
		// Mandatory elements.
		{"BR-01 no CustomizationID", inv, []edit{{"  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>\n", "", 1}}, []string{"BR-01"}},
		{"R004 another specification", inv, []edit{{"poacc:billing:3.0</cbc:CustomizationID>", "poacc:billing:2.0</cbc:CustomizationID>", 1}}, []string{"PEPPOL-EN16931-R004"}},
		{"R001 no ProfileID", inv, []edit{{"  <cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>\n", "", 1}}, []string{"PEPPOL-EN16931-R001"}},
		{"R007 malformed ProfileID", inv, []edit{{"billing:01:1.0</cbc:ProfileID>", "billing:1</cbc:ProfileID>", 1}}, []string{"PEPPOL-EN16931-R007"}},
		{"BR-02 no number", inv, []edit{{"  <cbc:ID>1042</cbc:ID>\n", "", 1}}, []string{"BR-02"}},
		{"BR-03 no issue date", inv, []edit{{"  <cbc:IssueDate>2026-11-20</cbc:IssueDate>\n", "", 1}}, []string{"BR-03"}},
		{"BR-04 no type code", inv, []edit{{"  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>\n", "", 1}}, []string{"BR-04"}},
		{"BR-05 no currency, so no amount is in it", inv, []edit{{"  <cbc:DocumentCurrencyCode>DKK</cbc:DocumentCurrencyCode>\n", "", 1}}, []string{"BR-05", "PEPPOL-EN16931-R051"}},
		{"R003 no buyer or order reference", inv, []edit{{"  <cbc:BuyerReference>PO-4711</cbc:BuyerReference>\n", "", 1},
			{"  <cac:OrderReference>\n    <cbc:ID>PO-4711</cbc:ID>\n  </cac:OrderReference>\n", "", 1}}, []string{"PEPPOL-EN16931-R003"}},
		{"R003 an order reference is enough", inv, []edit{{"  <cbc:BuyerReference>PO-4711</cbc:BuyerReference>\n", "", 1}}, nil},
		{"BR-06 no seller name", inv, []edit{{"<cbc:RegistrationName>Rådgivning ApS</cbc:RegistrationName>", "", 1}}, []string{"BR-06"}},
		{"BR-07 no buyer name", inv, []edit{{"<cbc:RegistrationName>Vejle Kommune</cbc:RegistrationName>", "", 1}}, []string{"BR-07"}},
		{"BR-08 no seller address", inv, []edit{{"<cac:PostalAddress>\n        <cbc:StreetName>Banegårdspladsen 1</cbc:StreetName>\n        <cbc:CityName>Aarhus C</cbc:CityName>\n        <cbc:PostalZone>8000</cbc:PostalZone>\n        <cac:Country>\n          <cbc:IdentificationCode>DK</cbc:IdentificationCode>\n        </cac:Country>\n      </cac:PostalAddress>", "", 1}}, []string{"BR-08"}},
		{"BR-09 no seller country", inv, []edit{{"<cbc:IdentificationCode>DK</cbc:IdentificationCode>", "", 1}}, []string{"BR-09", "PEPPOL-EN16931-R008"}},
		{"BR-10 no buyer address", inv, []edit{{"<cac:PostalAddress>\n        <cbc:StreetName>Skolegade 1</cbc:StreetName>\n        <cbc:CityName>Vejle</cbc:CityName>\n        <cbc:PostalZone>7100</cbc:PostalZone>\n        <cac:Country>\n          <cbc:IdentificationCode>DK</cbc:IdentificationCode>\n        </cac:Country>\n      </cac:PostalAddress>", "", 1}}, []string{"BR-10"}},
		{"BR-11 no buyer country", inv, []edit{{"<cbc:IdentificationCode>DK</cbc:IdentificationCode>", "", 2}}, []string{"BR-11", "PEPPOL-EN16931-R008"}},
		{"R020 no seller endpoint", inv, []edit{{`<cbc:EndpointID schemeID="0184">DK12345678</cbc:EndpointID>`, "", 1}}, []string{"PEPPOL-EN16931-R020"}},
		{"R010 no buyer endpoint", inv, []edit{{`<cbc:EndpointID schemeID="0088">5798000000001</cbc:EndpointID>`, "", 1}}, []string{"PEPPOL-EN16931-R010"}},
		{"COMMON-R040 GLN check digit", inv, []edit{{"5798000000001", "5798000000002", 1}}, []string{"PEPPOL-COMMON-R040"}},
		{"COMMON-R040 a GLN of another length with a valid check digit", inv, []edit{{">5798000000001<", ">9482348239847239874<", 1}}, nil},
		{"COMMON-R042 CVR format", inv, []edit{{`schemeID="0184">DK12345678</cbc:EndpointID>`, `schemeID="0184">DK1234567</cbc:EndpointID>`, 1}}, []string{"PEPPOL-COMMON-R042"}},
		{"BR-CO-09 VAT id without country", inv, []edit{{"<cbc:CompanyID>DK29189838</cbc:CompanyID>", "<cbc:CompanyID>29189838</cbc:CompanyID>", 1}}, []string{"BR-CO-09"}},
		{"R051 an amount in another currency", inv, []edit{{`<cbc:PriceAmount currencyID="DKK">950</cbc:PriceAmount>`, `<cbc:PriceAmount currencyID="EUR">950</cbc:PriceAmount>`, 1}}, []string{"PEPPOL-EN16931-R051"}},
		{"R005 VAT currency as the document's, without its total", inv, []edit{{"<cbc:DocumentCurrencyCode>DKK</cbc:DocumentCurrencyCode>", "<cbc:DocumentCurrencyCode>DKK</cbc:DocumentCurrencyCode><cbc:TaxCurrencyCode>DKK</cbc:TaxCurrencyCode>", 1}}, []string{"BR-53", "PEPPOL-EN16931-R005"}},
		{"R002 two notes", inv, []edit{{"<cbc:Note>Tak for samarbejdet.</cbc:Note>", "<cbc:Note>Tak for samarbejdet.</cbc:Note><cbc:Note>Og god jul.</cbc:Note>", 1}}, []string{"PEPPOL-EN16931-R002"}},
		{"R008 an empty element", inv, []edit{{"<cbc:Note>Tak for samarbejdet.</cbc:Note>", "<cbc:Note> </cbc:Note>", 1}}, []string{"PEPPOL-EN16931-R008"}},
		{"BR-62 seller endpoint without scheme", inv, []edit{{`<cbc:EndpointID schemeID="0184">`, `<cbc:EndpointID>`, 1}}, []string{"BR-62"}},
		{"BR-63 buyer endpoint without scheme", inv, []edit{{`<cbc:EndpointID schemeID="0088">`, `<cbc:EndpointID>`, 1}}, []string{"BR-63"}},
		{"BR-CO-25 no due date nor terms", inv, []edit{{"  <cbc:DueDate>2026-12-20</cbc:DueDate>\n", "", 1}, {"<cac:PaymentTerms>\n    <cbc:Note>Netto 30 dage</cbc:Note>\n  </cac:PaymentTerms>", "", 1}}, []string{"BR-CO-25"}},
		{"BR-CO-25 terms are enough", inv, []edit{{"  <cbc:DueDate>2026-12-20</cbc:DueDate>\n", "", 1}}, nil},
		{"R053 two VAT totals with a breakdown", inv, []edit{{"  <cac:LegalMonetaryTotal>", `  <cac:TaxTotal><cbc:TaxAmount currencyID="DKK">0.00</cbc:TaxAmount><cac:TaxSubtotal><cbc:TaxableAmount currencyID="DKK">0.00</cbc:TaxableAmount><cbc:TaxAmount currencyID="DKK">0.00</cbc:TaxAmount><cac:TaxCategory><cbc:ID>Z</cbc:ID><cbc:Percent>0</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory></cac:TaxSubtotal></cac:TaxTotal>
  <cac:LegalMonetaryTotal>`, 1}}, []string{"PEPPOL-EN16931-R053"}},
		{"LOCAL-XML not well-formed", inv, []edit{{"</Invoice>", "", 1}}, []string{"LOCAL-XML"}},
		{"LOCAL-ROOT wrong namespace", inv, []edit{{`xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"`, `xmlns="urn:example:invoice"`, 1}}, []string{"LOCAL-ROOT"}},
		{"LOCAL-NUMBER a price that is no number", inv, []edit{{">1200</cbc:PriceAmount>", ">1.200,00</cbc:PriceAmount>", 1}}, []string{"LOCAL-NUMBER"}},

		// Lines.
		{"BR-16 no lines", inv, []edit{{"", "", 0}}, []string{"BR-16", "BR-CO-10", "BR-E-08", "BR-S-08"}},
		{"BR-21 a line without ID", inv, []edit{{"<cbc:ID>4</cbc:ID>", "", 1}}, []string{"BR-21"}},
		{"BR-22 a line without quantity", inv, []edit{{`<cbc:InvoicedQuantity unitCode="C62">2</cbc:InvoicedQuantity>`, "", 1}}, []string{"BR-22"}},
		{"BR-23 a quantity without unit", inv, []edit{{`unitCode="C62"`, `unitCode=""`, 1}}, []string{"BR-23"}},
		{"BR-24 a line without net amount", inv, []edit{{`<cbc:LineExtensionAmount currencyID="DKK">2400.00</cbc:LineExtensionAmount>`, "", 1}}, []string{"BR-24"}},
		{"BR-25 an item without name", inv, []edit{{"<cbc:Name>Kursusgebyr (momsfrit)</cbc:Name>", "", 1}}, []string{"BR-25"}},
		{"BR-26 a line without price", inv, []edit{{`<cbc:PriceAmount currencyID="DKK">1200</cbc:PriceAmount>`, "", 1}}, []string{"BR-26", "PEPPOL-EN16931-R008"}},
		{"BR-27 a negative price", inv, []edit{{`unitCode="KMT">123<`, `unitCode="KMT">-123<`, 1}, {">3.79<", ">-3.79<", 1}}, []string{"BR-27"}},
		{"BR-CO-04 a line without VAT category", inv, []edit{{"<cbc:ID>E</cbc:ID>", "<cbc:ID></cbc:ID>", -1}}, []string{"BR-CO-04", "BR-E-08", "PEPPOL-EN16931-R008"}},
		{"R120 net is not quantity × price", inv, []edit{{">950</cbc:PriceAmount>", ">951</cbc:PriceAmount>", 1}}, []string{"PEPPOL-EN16931-R120"}},
		{"R120 within 0.02", inv, []edit{{">3.79</cbc:PriceAmount>", ">3.7901</cbc:PriceAmount>", 1}}, nil},
		{"R120 the allowance counts", inv, []edit{{`<cbc:Amount currencyID="DKK">650.00</cbc:Amount>`, `<cbc:Amount currencyID="DKK">600.00</cbc:Amount>`, 1}}, []string{"PEPPOL-EN16931-R120"}},
		{"R121 base quantity 0", inv, []edit{{`>1200</cbc:PriceAmount>`, `>1200</cbc:PriceAmount><cbc:BaseQuantity unitCode="C62">0</cbc:BaseQuantity>`, 1}}, []string{"PEPPOL-EN16931-R121"}},
		{"R130 base quantity in another unit", inv, []edit{{`>1200</cbc:PriceAmount>`, `>1200</cbc:PriceAmount><cbc:BaseQuantity unitCode="HUR">1</cbc:BaseQuantity>`, 1}}, []string{"PEPPOL-EN16931-R130"}},
		{"BR-DEC-23 three decimals on a line", inv, []edit{{`>2400.00</cbc:LineExtensionAmount>`, `>2400.001</cbc:LineExtensionAmount>`, 1}}, []string{"BR-CO-10", "BR-DEC-23", "BR-E-08"}},

		// Totals.
		{"BR-12 no line total", inv, []edit{{`<cbc:LineExtensionAmount currencyID="DKK">15841.17</cbc:LineExtensionAmount>`, "", 1}}, []string{"BR-12"}},
		{"BR-13 no total without VAT", inv, []edit{{`<cbc:TaxExclusiveAmount currencyID="DKK">15841.17</cbc:TaxExclusiveAmount>`, "", 1}}, []string{"BR-13"}},
		{"BR-14 no total with VAT", inv, []edit{{`<cbc:TaxInclusiveAmount currencyID="DKK">19201.46</cbc:TaxInclusiveAmount>`, "", 1}}, []string{"BR-14"}},
		{"BR-15 no amount due", inv, []edit{{`<cbc:PayableAmount currencyID="DKK">19201.46</cbc:PayableAmount>`, "", 1}}, []string{"BR-15"}},
		{"BR-CO-10 line total is not the lines' sum", inv, []edit{{`>15841.17</cbc:LineExtensionAmount>`, `>15841.18</cbc:LineExtensionAmount>`, 1}}, []string{"BR-CO-10", "BR-CO-13"}},
		{"BR-CO-11 allowance total without allowances", inv, []edit{{`<cbc:PayableAmount`, `<cbc:AllowanceTotalAmount currencyID="DKK">10.00</cbc:AllowanceTotalAmount><cbc:PayableAmount`, 1}}, []string{"BR-CO-11"}},
		{"BR-CO-12 charge total without charges", inv, []edit{{`<cbc:PayableAmount`, `<cbc:ChargeTotalAmount currencyID="DKK">5.00</cbc:ChargeTotalAmount><cbc:PayableAmount`, 1}}, []string{"BR-CO-12"}},
		{"BR-CO-13 total without VAT", inv, []edit{{`>15841.17</cbc:TaxExclusiveAmount>`, `>15841.00</cbc:TaxExclusiveAmount>`, 1}}, []string{"BR-CO-13", "BR-CO-15"}},
		{"BR-CO-14 VAT total is not the subtotals' sum", inv, []edit{{`>3360.29</cbc:TaxAmount>`, `>3360.30</cbc:TaxAmount>`, 1}}, []string{"BR-CO-14", "BR-CO-15"}},
		{"BR-CO-15 total with VAT", inv, []edit{{`>19201.46</cbc:TaxInclusiveAmount>`, `>19201.47</cbc:TaxInclusiveAmount>`, 1}}, []string{"BR-CO-15", "BR-CO-16"}},
		{"BR-CO-16 amount due", inv, []edit{{`>19201.46</cbc:PayableAmount>`, `>19201.00</cbc:PayableAmount>`, 1}}, []string{"BR-CO-16"}},
		{"BR-CO-16 prepaid counts", inv, []edit{{`<cbc:PayableAmount currencyID="DKK">19201.46`, `<cbc:PrepaidAmount currencyID="DKK">1.46</cbc:PrepaidAmount><cbc:PayableAmount currencyID="DKK">19200.00`, 1}}, nil},
		{"BR-CO-17 subtotal VAT is not rate × taxable", inv, []edit{{`>3360.29</cbc:TaxAmount>`, `>3361.29</cbc:TaxAmount>`, 2}}, []string{"BR-CO-14", "BR-CO-17"}},
		{"BR-CO-18 no VAT breakdown", inv, []edit{{"", "", 0}}, []string{"BR-CO-18", "BR-E-08", "BR-S-08"}},
		{"BR-S-08 a document-level charge counts", inv, []edit{
			{"  <cac:TaxTotal>", `  <cac:AllowanceCharge><cbc:ChargeIndicator>true</cbc:ChargeIndicator><cbc:AllowanceChargeReason>Fragt</cbc:AllowanceChargeReason><cbc:Amount currencyID="DKK">100.00</cbc:Amount><cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>25</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory></cac:AllowanceCharge>
  <cac:TaxTotal>`, 1},
			{">13441.17</cbc:TaxableAmount>", ">13541.17</cbc:TaxableAmount>", 1},
			{">3360.29</cbc:TaxAmount>", ">3385.29</cbc:TaxAmount>", 1}, {">3360.29</cbc:TaxAmount>", ">3385.29</cbc:TaxAmount>", 1},
			{">15841.17</cbc:TaxExclusiveAmount>", ">15941.17</cbc:TaxExclusiveAmount>", 1},
			{`<cbc:TaxInclusiveAmount currencyID="DKK">19201.46</cbc:TaxInclusiveAmount>`, `<cbc:TaxInclusiveAmount currencyID="DKK">19326.46</cbc:TaxInclusiveAmount><cbc:ChargeTotalAmount currencyID="DKK">100.00</cbc:ChargeTotalAmount>`, 1},
			{">19201.46</cbc:PayableAmount>", ">19326.46</cbc:PayableAmount>", 1},
		}, nil},
		{"BR-S-08 a document-level charge left out of the breakdown", inv, []edit{
			{"  <cac:TaxTotal>", `  <cac:AllowanceCharge><cbc:ChargeIndicator>true</cbc:ChargeIndicator><cbc:AllowanceChargeReason>Fragt</cbc:AllowanceChargeReason><cbc:Amount currencyID="DKK">100.00</cbc:Amount><cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>25</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory></cac:AllowanceCharge>
  <cac:TaxTotal>`, 1},
		}, []string{"BR-CO-13", "BR-S-08"}},
		{"BR-S-08 taxable is not the lines' sum", inv, []edit{{`>13441.17</cbc:TaxableAmount>`, `>13441.00</cbc:TaxableAmount>`, 1}}, []string{"BR-CO-17", "BR-S-08"}},
		{"BR-E-10 exempt without reason", inv, []edit{{"<cbc:TaxExemptionReason>Momsfritaget efter momslovens § 13</cbc:TaxExemptionReason>", "", 1}}, []string{"BR-E-10"}},
		{"BR-S-05 standard rate 0", inv, []edit{{"<cbc:Percent>25</cbc:Percent>", "<cbc:Percent>0</cbc:Percent>", -1}}, []string{"BR-S-05", "BR-S-08"}},
		{"BR-E-05 exempt with a rate", inv, []edit{{"<cbc:Percent>0</cbc:Percent>", "<cbc:Percent>5</cbc:Percent>", -1}}, []string{"BR-E-05", "BR-E-08"}},
		{"BR-S-02 no seller VAT id", inv, []edit{{"<cac:PartyTaxScheme>\n        <cbc:CompanyID>DK12345678</cbc:CompanyID>\n        <cac:TaxScheme>\n          <cbc:ID>VAT</cbc:ID>\n        </cac:TaxScheme>\n      </cac:PartyTaxScheme>", "", 1}}, []string{"BR-E-02", "BR-S-02"}},
		{"BR-DEC-12 three decimals", inv, []edit{{`>15841.17</cbc:TaxExclusiveAmount>`, `>15841.170</cbc:TaxExclusiveAmount>`, 1}}, []string{"BR-DEC-12"}},

		// Danish rules.
		{"DK-R-002 no seller CVR", inv, []edit{{sellerLE, "", 1}}, []string{"DK-R-002"}},
		{"DK-R-014 seller CVR in another scheme", inv, []edit{{sellerLE, `<cbc:CompanyID schemeID="0198">DK12345678</cbc:CompanyID>`, 1}}, []string{"DK-R-014"}},
		{"DK-R-015 seller VAT id", inv, []edit{{"<cbc:CompanyID>DK12345678</cbc:CompanyID>", "<cbc:CompanyID>DK123456789</cbc:CompanyID>", 1}}, []string{"DK-R-015"}},
		{"DK-R-013 party identifier without scheme", inv, []edit{{`<cbc:EndpointID schemeID="0088">5798000000001</cbc:EndpointID>`, `<cbc:EndpointID schemeID="0088">5798000000001</cbc:EndpointID><cac:PartyIdentification><cbc:ID>123</cbc:ID></cac:PartyIdentification>`, 1}}, []string{"DK-R-013"}},
		{"DK-R-016 negative credit note", cn, []edit{{`>2474.99</cbc:PayableAmount>`, `>-1.00</cbc:PayableAmount>`, 1}}, []string{"BR-CO-16", "DK-R-016"}},
		{"DK-R-005 payment means not allowed", inv, pm("30", "1042", "0012345678"), []string{"DK-R-005"}},
		{"DK-R-006 account without registration number", inv, []edit{{"<cac:FinancialInstitutionBranch>\n        <cbc:ID>3409</cbc:ID>\n      </cac:FinancialInstitutionBranch>", "", 1}}, []string{"DK-R-006"}},
		{"DK-R-007 direct debit without mandate", inv, pm("49", "1042", "0012345678"), []string{"DK-R-007"}},
		{"DK-R-008 giro without card type", inv, pm("50", "1042", "0012345678"), []string{"DK-R-008"}},
		{"DK-R-009 giro 04# without 16 digits", inv, pm("50", "04#123", "1234567"), []string{"DK-R-009"}},
		{"DK-R-009 giro right", inv, pm("50", "04#1234567890123456", "1234567"), nil},
		{"DK-R-010 FIK without card type", inv, pm("93", "1042", "12345678"), []string{"DK-R-010"}},
		{"DK-R-011 FIK 71# without 15-16 digits", inv, pm("93", "71#123", "12345678"), []string{"DK-R-011"}},
		{"DK-R-011 FIK right", inv, pm("93", "71#123456789012345", "12345678"), nil},
		{"DK-R-003 UNSPSC version", inv, []edit{{"<cac:ClassifiedTaxCategory>", `<cac:CommodityClassification><cbc:ItemClassificationCode listID="TST" listVersionID="10">43211503</cbc:ItemClassificationCode></cac:CommodityClassification><cac:ClassifiedTaxCategory>`, 1}}, []string{"DK-R-003"}},
		{"DK-R-004 duty without SKAT code", inv, []edit{{"<cbc:AllowanceChargeReasonCode>95</cbc:AllowanceChargeReasonCode>", "<cbc:AllowanceChargeReasonCode>ZZZ</cbc:AllowanceChargeReasonCode>", 1}}, []string{"DK-R-004"}},

		// OIOUBL.
		{"OIOUBL good", oio, nil, nil},
		{"F-LIB400 line VAT", oio, []edit{{">1781.25</cbc:TaxAmount>", ">1783.00</cbc:TaxAmount>", 2}}, []string{"F-LIB400"}},
		{"F-LIB400 within 1.00", oio, []edit{{">1781.25</cbc:TaxAmount>", ">1782.00</cbc:TaxAmount>", 2}}, nil},
		{"F-LIB401 header VAT", oio, []edit{{">3360.29</cbc:TaxAmount>", ">3362.00</cbc:TaxAmount>", 2}}, []string{"F-LIB401", "LOCAL-OIOUBL-TOTALS"}},
		{"F-LIB402 header taxable", oio, []edit{{">13441.17</cbc:TaxableAmount>", ">13441.00</cbc:TaxableAmount>", 1}}, []string{"F-LIB402"}},
		{"F-LIB403 amount without currency", oio, []edit{{`<cbc:PriceAmount currencyID="DKK">950</cbc:PriceAmount>`, `<cbc:PriceAmount>950</cbc:PriceAmount>`, 1}}, []string{"F-LIB403"}},
		{"F-LIB404 line category not in header", oio, []edit{{">StandardRated</cbc:ID>", ">ZeroRated</cbc:ID>", -1}}, []string{"F-LIB404"}},
		{"LOCAL-OIOUBL-TAXCATEGORY exempt", oio, []edit{{">StandardRated</cbc:ID>", ">Exempt</cbc:ID>", -1}}, []string{"F-LIB404", "LOCAL-OIOUBL-TAXCATEGORY"}},
		{"LOCAL-OIOUBL-TOTALS TaxExclusiveAmount as the net", oio, []edit{{">3360.29</cbc:TaxExclusiveAmount>", ">13441.17</cbc:TaxExclusiveAmount>", 1}}, []string{"LOCAL-OIOUBL-TOTALS"}},
		{"LOCAL-OIOUBL-MANDATORY no UUID", oio, []edit{{"<cbc:UUID>", "<cbc:X>", 1}, {"</cbc:UUID>", "</cbc:X>", 1}}, []string{"LOCAL-OIOUBL-MANDATORY"}},
		{"LOCAL-OIOUBL-BUYER-REFERENCE none", oio, []edit{{"<cac:OrderReference>\n    <cbc:ID>PO-4711</cbc:ID>\n  </cac:OrderReference>\n", "", 1}, {"<cbc:ID>PO-4711</cbc:ID>", "<cbc:ID>n/a</cbc:ID>", 1}}, []string{"LOCAL-OIOUBL-BUYER-REFERENCE"}},
		{"LOCAL-OIOUBL-BUYER-REFERENCE the contact's is enough", oio, []edit{{"<cac:OrderReference>\n    <cbc:ID>PO-4711</cbc:ID>\n  </cac:OrderReference>\n", "", 1}}, nil},
		{"LOCAL-OIOUBL-GLN check digit", oio, []edit{{">5798000000001</cbc:EndpointID>", ">5798000000002</cbc:EndpointID>", 1}}, []string{"LOCAL-OIOUBL-GLN"}},
		{"LOCAL-OIOUBL-ZERO zero quantity", oio, []edit{{`unitCode="HUR">7.5<`, `unitCode="HUR">0<`, 1}}, []string{"LOCAL-OIOUBL-ZERO"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := golden(t, tc.base)
			switch {
			case strings.HasPrefix(tc.name, "BR-16"):
				doc = reLines.ReplaceAllString(doc, "")
			case strings.HasPrefix(tc.name, "BR-CO-18"):
				doc = regexp.MustCompile(`(?s)\s*<cac:TaxTotal>.*?</cac:TaxTotal>`).ReplaceAllString(doc, "")
			default:
				doc = applyEdits(t, doc, tc.edits)
			}
			got := checkEinvoiceXML([]byte(doc))
			if d := cmp.Diff(tc.want, ruleIDs(got)); d != "" {
				t.Errorf("rules (-want +got):\n%s\n%s", d, fmtFindings(got))
			}
			for _, f := range got {
				wantSev := "fatal"
				if f.Rule == "DK-R-003" {
					wantSev = "warning"
				}
				if f.Severity != wantSev || f.Location == "" || f.Message == "" {
					t.Errorf("finding %+v: want severity %s, a location and a message", f, wantSev)
				}
			}
		})
	}
}

// TestEinvoiceRuleLocations: a finding says where, XPath-like, with the
// line's position.
func TestEinvoiceRuleLocations(t *testing.T) {
	doc := applyEdits(t, golden(t, "peppol-invoice"), []edit{{">950</cbc:PriceAmount>", ">951</cbc:PriceAmount>", 1}})
	got := checkEinvoiceXML([]byte(doc))
	want := []RuleFinding{{Rule: "PEPPOL-EN16931-R120", Severity: "fatal", Location: "/Invoice/cac:InvoiceLine[1]/cbc:LineExtensionAmount",
		Message: "the line's net amount is 7125, but should be 7132.5"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

// TestEinvoiceCheckManySiblings: locations are counted once per element,
// so a document of many siblings is checked in linear time; each finding
// names its element's position.
func TestEinvoiceCheckManySiblings(t *testing.T) {
	const n = 50000
	doc := `<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">` +
		`<cbc:DocumentCurrencyCode>DKK</cbc:DocumentCurrencyCode>` + strings.Repeat(`<cbc:TaxAmount currencyID="EUR">1</cbc:TaxAmount>`, n) + `</Invoice>`
	var locs []string
	for _, f := range checkEinvoiceXML([]byte(doc)) {
		if f.Rule == "PEPPOL-EN16931-R051" {
			locs = append(locs, f.Location)
		}
	}
	if len(locs) != n || locs[0] != "/Invoice/cbc:TaxAmount[1]" || locs[n-1] != fmt.Sprintf("/Invoice/cbc:TaxAmount[%d]", n) {
		t.Errorf("%d findings, first %q", len(locs), locs[:min(len(locs), 1)])
	}
}
