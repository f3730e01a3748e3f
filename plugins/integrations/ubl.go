package integrations

import (
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"github.com/billy-mcp/billy-mcp/plugins/internal/dkfmt"
	"net/url"
	"strings"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/shopspring/decimal"
)

// einvoice_xml renders one Billy invoice or credit note as the XML an
// e-invoice would carry (integrations.md § 4.2, § 4.3): Peppol BIS Billing
// 3.0 (UBL 2.1, EN 16931) by default, or OIOUBL 2.1. It is a preview: Billy
// sends e-invoices itself (send_einvoice), through its partner, which
// builds its own XML; what this shows is what a correct document for the
// invoice holds, and whether Billy's data makes one.
//
// The XML is then read back and checked (ubl_check.go) against the rules
// that can be checked without the official schematron: our own Go version
// of a subset of them, named by the official rule IDs, not the official
// validation. The official XSDs are run only when an operator points
// einvoice.schema_dir at them and xmllint is installed (ubl_xsd.go).

// Formats the tool renders.
const (
	formatPeppol = "peppol"
	formatOIOUBL = "oioubl"
)

// EinvoiceXMLInput names the invoice and the format.
type EinvoiceXMLInput struct {
	InvoiceID string `json:"invoice_id"`
	Format    string `json:"format,omitempty" jsonschema:"peppol (Peppol BIS Billing 3.0, the default) or oioubl (OIOUBL 2.1)"`
}

// EinvoiceTotals are the document's totals as written in the XML.
type EinvoiceTotals struct {
	LineExtension string `json:"line_extension" jsonschema:"sum of the lines' net amounts"`
	TaxExclusive  string `json:"tax_exclusive" jsonschema:"as the XML carries it: the net total in Peppol, the VAT total in OIOUBL (its quirk)"`
	Tax           string `json:"tax"`
	TaxInclusive  string `json:"tax_inclusive"`
	Payable       string `json:"payable"`
}

// RuleFinding is one broken rule in the generated XML.
type RuleFinding struct {
	Rule     string `json:"rule" jsonschema:"the rule's ID as the Peppol/EN 16931, DK or OIOUBL rule sets name it"`
	Severity string `json:"severity" jsonschema:"fatal (the receiver's validation would reject the document) or warning"`
	Location string `json:"location" jsonschema:"where in the XML, XPath-like"`
	Message  string `json:"message"`
}

// RuleCheck is the result of our own Go check of the rules.
type RuleCheck struct {
	Passed   bool          `json:"passed" jsonschema:"no fatal finding"`
	Fatal    int           `json:"fatal"`
	Warnings int           `json:"warnings"`
	Findings []RuleFinding `json:"findings"`
	Note     string        `json:"note"`
}

// XSDCheck is the result of the optional schema validation.
type XSDCheck struct {
	Ran      bool     `json:"ran"`
	why      string   // why it did not run, in Danish, for the summary
	Valid    bool     `json:"valid" jsonschema:"only meaningful when ran"`
	Schema   string   `json:"schema,omitempty"`
	Findings []string `json:"findings,omitempty" jsonschema:"xmllint's messages"`
	Note     string   `json:"note"`
}

// EinvoiceXMLResult is the output of einvoice_xml.
type EinvoiceXMLResult struct {
	InvoiceID    string         `json:"invoice_id"`
	InvoiceNo    string         `json:"invoice_no"`
	Format       string         `json:"format" jsonschema:"peppol-bis-3.0 or oioubl-2.1"`
	DocumentType string         `json:"document_type" jsonschema:"Invoice or CreditNote"`
	Lines        int            `json:"lines"`
	Currency     string         `json:"currency"`
	Totals       EinvoiceTotals `json:"totals"`
	RuleCheck    RuleCheck      `json:"rule_check"`
	XSD          XSDCheck       `json:"xsd"`
	Summary      string         `json:"summary" jsonschema:"a short summary in Danish"`
	XML          string         `json:"xml"`
}

// AddedContent puts the Danish summary after the JSON, for people.
func (r EinvoiceXMLResult) AddedContent() []sdk.Content {
	return []sdk.Content{&sdk.TextContent{Text: r.Summary}}
}

func (p *plugin) einvoiceXMLTool() sdk.Tool {
	return sdk.NewTool(sdk.ToolSpec{
		Name:  "einvoice_xml",
		Title: "Preview an invoice as e-invoice XML (Peppol BIS 3 or OIOUBL 2.1)",
		Description: "Renders one Billy invoice or credit note as the UBL 2.1 XML of an e-invoice, Peppol BIS Billing 3.0 (default; endpoints 0088 GLN / 0184 CVR) or OIOUBL 2.1 (format oioubl), " +
			"and checks the generated XML against the Peppol/EN 16931, Danish DK-R and OIOUBL VAT rules that can be checked without the official schematron (our own check, not the official validation). " +
			"The official XSDs are run only when the operator configured them. A preview: nothing is sent; send_einvoice sends through Billy.",
		Effect: sdk.ReadOnly, Idempotent: true, Category: "integrations",
		Scopes: []string{"invoices:read"},
	}, func(ctx context.Context, call *sdk.Call, in EinvoiceXMLInput) (EinvoiceXMLResult, error) {
		return p.einvoiceXML(ctx, call, in)
	})
}

func (p *plugin) einvoiceXML(ctx context.Context, call *sdk.Call, in EinvoiceXMLInput) (EinvoiceXMLResult, error) {
	if err := checkID("invoice_id", in.InvoiceID); err != nil {
		return EinvoiceXMLResult{}, err
	}
	format := strings.ToLower(strings.TrimSpace(in.Format))
	switch format {
	case "", formatPeppol, "peppol-bis-3", "peppol-bis-3.0":
		format = formatPeppol
	case formatOIOUBL, "oioubl-2.1":
		format = formatOIOUBL
	default:
		return EinvoiceXMLResult{}, sdk.Invalid("format", "must be peppol (Peppol BIS Billing 3.0) or oioubl (OIOUBL 2.1), got %q", in.Format)
	}
	src, err := readUBLSource(ctx, call, in.InvoiceID)
	if err != nil {
		return EinvoiceXMLResult{}, err
	}
	doc := buildEinvoice(src)
	xmlText, err := renderEinvoice(doc, format)
	if err != nil {
		return EinvoiceXMLResult{}, err
	}
	findings := checkEinvoiceXML([]byte(xmlText))
	out := EinvoiceXMLResult{
		InvoiceID: in.InvoiceID, InvoiceNo: doc.Number, Format: formatName(format), DocumentType: doc.rootName(),
		Lines: len(doc.Lines), Currency: doc.Currency, XML: xmlText,
		RuleCheck: summarizeFindings(findings),
	}
	out.Totals = EinvoiceTotals{LineExtension: fmtAmount(doc.LineTotal), Tax: fmtAmount(doc.TaxTotal),
		TaxInclusive: fmtAmount(doc.LineTotal.Add(doc.TaxTotal)), Payable: fmtAmount(doc.LineTotal.Add(doc.TaxTotal))}
	out.Totals.TaxExclusive = out.Totals.LineExtension
	if format == formatOIOUBL {
		out.Totals.TaxExclusive = out.Totals.Tax
	}
	out.XSD = runXSD(ctx, p.cfg.Einvoice.SchemaDir, format, doc.rootName(), []byte(xmlText))
	out.Summary = danishSummary(out)
	return out, nil
}

func formatName(f string) string {
	if f == formatOIOUBL {
		return "oioubl-2.1"
	}
	return "peppol-bis-3.0"
}

func summarizeFindings(fs []RuleFinding) RuleCheck {
	rc := RuleCheck{Findings: fs, Note: "our own Go check of the Peppol BIS 3 / EN 16931, DK-R and OIOUBL F-LIB400–404 rules that need no schematron, run on the generated XML; it is not the official schematron or XSD validation"}
	if rc.Findings == nil {
		rc.Findings = []RuleFinding{}
	}
	for _, f := range fs {
		if f.Severity == "fatal" {
			rc.Fatal++
		} else {
			rc.Warnings++
		}
	}
	rc.Passed = rc.Fatal == 0
	return rc
}

func danishSummary(r EinvoiceXMLResult) string {
	kind := "Faktura"
	if r.DocumentType == "CreditNote" {
		kind = "Kreditnota"
	}
	f := "Peppol BIS Billing 3.0"
	if r.Format == "oioubl-2.1" {
		f = "OIOUBL 2.1"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s som %s: %d linje(r), i alt %s %s, heraf moms %s.", kind, orDash(r.InvoiceNo), f, r.Lines, danishAmountText(r.Totals.Payable), r.Currency, danishAmountText(r.Totals.Tax))
	switch {
	case r.RuleCheck.Fatal > 0:
		fmt.Fprintf(&b, " Vores regeltjek fandt %d fejl og %d advarsel(er), som modtagerens validering sandsynligvis afviser; ret dem i Billy:", r.RuleCheck.Fatal, r.RuleCheck.Warnings)
		shown := 0
		for _, x := range r.RuleCheck.Findings {
			if x.Severity != "fatal" {
				continue
			}
			if shown == 5 {
				fmt.Fprintf(&b, " og %d flere;", r.RuleCheck.Fatal-shown)
				break
			}
			fmt.Fprintf(&b, " %s (%s);", x.Rule, x.Location)
			shown++
		}
	case r.RuleCheck.Warnings > 0:
		fmt.Fprintf(&b, " Vores regeltjek fandt ingen fejl, men %d advarsel(er).", r.RuleCheck.Warnings)
	default:
		b.WriteString(" Vores regeltjek fandt ingen fejl.")
	}
	b.WriteString(" Regeltjekket er vores eget, ikke den officielle schematron.")
	if r.XSD.Ran {
		if r.XSD.Valid {
			b.WriteString(" XSD-validering: gyldig.")
		} else {
			fmt.Fprintf(&b, " XSD-validering: ugyldig (%d fund).", len(r.XSD.Findings))
		}
	} else {
		b.WriteString(" XSD-validering er ikke kørt: " + r.XSD.why + ".")
	}
	return b.String()
}

// danishAmountText writes an amount the XML holds ("19201.46") as Danes
// read it, "19.201,46"; text that is no number comes back as it is.
func danishAmountText(s string) string {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return s
	}
	return dkfmt.Amount(d)
}

// --- What is read from Billy ---

// ublSource is everything the document is built from, as Billy answers
// it; the golden tests build it by hand.
type ublSource struct {
	Invoice  ublBillyInvoice
	Lines    []ublBillyLine
	Contact  ublBillyContact
	Org      ublBillyOrg
	TaxRates map[string]ublBillyTaxRate
	Products map[string]string // product ID → name
	Bank     *ublBillyBank
	Credited *ublCredited
}

type ublBillyInvoice struct {
	ID                string           `json:"id"`
	OrganizationID    string           `json:"organizationId"`
	Type              string           `json:"type"`
	State             string           `json:"state"`
	InvoiceNo         flexString       `json:"invoiceNo"`
	ContactID         string           `json:"contactId"`
	EntryDate         string           `json:"entryDate"`
	DueDate           string           `json:"dueDate"`
	PaymentTermsMode  string           `json:"paymentTermsMode"`
	PaymentTermsDays  int              `json:"paymentTermsDays"`
	TaxMode           string           `json:"taxMode"`
	Amount            decimal.Decimal  `json:"amount"`
	Tax               decimal.Decimal  `json:"tax"`
	GrossAmount       decimal.Decimal  `json:"grossAmount"`
	CurrencyID        string           `json:"currencyId"`
	CreditedInvoiceID *string          `json:"creditedInvoiceId"`
	ContactMessage    string           `json:"contactMessage"`
	OrderNo           *string          `json:"orderNo"`
	BankAccountID     *string          `json:"bankAccountId"`
	ExchangeRate      *decimal.Decimal `json:"exchangeRate"`
}

type ublBillyLine struct {
	ProductID     string           `json:"productId"`
	Description   string           `json:"description"`
	Quantity      decimal.Decimal  `json:"quantity"`
	UnitPrice     decimal.Decimal  `json:"unitPrice"`
	Unit          string           `json:"unit"`
	Amount        *decimal.Decimal `json:"amount"`
	Tax           *decimal.Decimal `json:"tax"`
	TaxRateID     string           `json:"taxRateId"`
	DiscountText  string           `json:"discountText"`
	DiscountMode  *string          `json:"discountMode"`
	DiscountValue *decimal.Decimal `json:"discountValue"`
	Priority      int              `json:"priority"`
}

type ublBillyContact struct {
	Name           string `json:"name"`
	Street         string `json:"street"`
	ZipcodeText    string `json:"zipcodeText"`
	CityText       string `json:"cityText"`
	CountryID      string `json:"countryId"`
	RegistrationNo string `json:"registrationNo"`
	EAN            string `json:"ean"`
	Phone          string `json:"phone"`
}

type ublBillyOrg struct {
	Name                        string `json:"name"`
	Street                      string `json:"street"`
	Zipcode                     string `json:"zipcode"`
	City                        string `json:"city"`
	CountryID                   string `json:"countryId"`
	Phone                       string `json:"phone"`
	Email                       string `json:"email"`
	RegistrationNo              string `json:"registrationNo"`
	HasVat                      *bool  `json:"hasVat"`
	DefaultInvoiceBankAccountID string `json:"defaultInvoiceBankAccountId"`
	BaseCurrencyID              string `json:"baseCurrencyId"`
}

type ublBillyTaxRate struct {
	ID            string          `json:"id"`
	Name          string          `json:"name"`
	Rate          decimal.Decimal `json:"rate"`
	PredefinedTag string          `json:"predefinedTag"`
}

type ublBillyBank struct {
	BankRoutingNo *string `json:"bankRoutingNo"`
	BankAccountNo *string `json:"bankAccountNo"`
	BankIban      *string `json:"bankIban"`
	BankSwift     *string `json:"bankSwift"`
}

type ublCredited struct {
	Number, IssueDate string
}

// readUBLSource reads the invoice and what the document needs, as
// einvoice.go's preflight reads it.
func readUBLSource(ctx context.Context, call *sdk.Call, id string) (ublSource, error) {
	var src ublSource
	roots, err := billy(ctx, call, "GET", "/invoices/"+url.PathEscape(id), nil, nil)
	if err != nil {
		var e *sdk.Error
		if errors.As(err, &e) && e.Category == sdk.CategoryNotFound {
			return src, sdk.NotFound("invoice_not_found", "there is no invoice with ID %q in this Billy organization; check invoice_id", id)
		}
		return src, withContext(err, "reading invoice %s", id)
	}
	if err := decodeRoot(roots, "invoice", &src.Invoice); err != nil {
		return src, err
	}
	if src.Invoice.ID == "" {
		src.Invoice.ID = id
	}
	if src.Lines, err = listAll[ublBillyLine](ctx, call, "/invoiceLines", "invoiceLines", url.Values{"invoiceId": {id}}, 1); err != nil {
		return src, withContext(err, "reading the invoice's lines")
	}
	croots, err := billy(ctx, call, "GET", "/contacts/"+url.PathEscape(src.Invoice.ContactID), nil, nil)
	if err != nil {
		return src, withContext(err, "reading the invoice's customer")
	}
	if err := decodeRoot(croots, "contact", &src.Contact); err != nil {
		return src, err
	}
	oroots, err := billy(ctx, call, "GET", "/organization", nil, nil)
	if err != nil {
		return src, withContext(err, "reading the organization")
	}
	if err := decodeRoot(oroots, "organization", &src.Org); err != nil {
		return src, err
	}
	rates, err := listAll[ublBillyTaxRate](ctx, call, "/taxRates", "taxRates", nil, 1)
	if err != nil {
		return src, withContext(err, "reading the tax rates")
	}
	src.TaxRates = map[string]ublBillyTaxRate{}
	for _, r := range rates {
		src.TaxRates[r.ID] = r
	}
	src.Products = map[string]string{}
	for _, l := range src.Lines {
		if l.ProductID == "" {
			continue
		}
		if _, ok := src.Products[l.ProductID]; ok {
			continue
		}
		proots, err := billy(ctx, call, "GET", "/products/"+url.PathEscape(l.ProductID), nil, nil)
		if err != nil {
			// The name is a nicety; the line's description stands in.
			src.Products[l.ProductID] = ""
			continue
		}
		var pr struct {
			Name string `json:"name"`
		}
		_ = decodeRoot(proots, "product", &pr)
		src.Products[l.ProductID] = pr.Name
	}
	bankID := src.Org.DefaultInvoiceBankAccountID
	if src.Invoice.BankAccountID != nil && *src.Invoice.BankAccountID != "" {
		bankID = *src.Invoice.BankAccountID
	}
	if bankID != "" {
		if aroots, err := billy(ctx, call, "GET", "/accounts/"+url.PathEscape(bankID), nil, nil); err == nil {
			var b ublBillyBank
			if decodeRoot(aroots, "account", &b) == nil {
				src.Bank = &b
			}
		}
	}
	if c := src.Invoice.CreditedInvoiceID; c != nil && *c != "" {
		if iroots, err := billy(ctx, call, "GET", "/invoices/"+url.PathEscape(*c), nil, nil); err == nil {
			var ci ublBillyInvoice
			if decodeRoot(iroots, "invoice", &ci) == nil {
				src.Credited = &ublCredited{Number: string(ci.InvoiceNo), IssueDate: ci.EntryDate}
			}
		}
	}
	return src, nil
}

// --- The document, format-neutral ---

// einvDoc is the e-invoice before it is written in one format.
type einvDoc struct {
	CreditNote bool
	UUID       string
	Number     string
	IssueDate  string
	DueDate    string
	Currency   string
	Note       string
	OrderRef   string
	Credited   *ublCredited
	Seller     einvParty
	Buyer      einvParty
	Payment    *einvPayment
	TermsNote  string
	Lines      []einvLine
	Subtotals  []einvSubtotal
	LineTotal  decimal.Decimal
	TaxTotal   decimal.Decimal
	// TaxCurrency is the organization's currency when the invoice is in
	// another, and TaxInTaxCurrency the VAT total in it (EN 16931 BT-6,
	// BT-111): Billy's exchange rate is units of the base currency per
	// unit of the invoice's.
	TaxCurrency      string
	TaxInTaxCurrency decimal.Decimal
}

func (d einvDoc) rootName() string {
	if d.CreditNote {
		return "CreditNote"
	}
	return "Invoice"
}

type einvParty struct {
	Name, Street, City, Zip, Country string
	CVR                              string // 8 digits, Danish parties only
	VATID                            string // country prefix + number
	GLN                              string
	Email, Phone                     string
}

type einvPayment struct {
	Code       string // UNCL 4461: 42 (account), 58 (SEPA, IBAN)
	Account    string // Danish account number, or the IBAN
	Branch     string // Danish reg. no. (4 digits), or the BIC
	IBAN       bool
	PaymentID  string
	PaymentDue string
}

// einvCategory is a line's VAT category in both formats' terms.
type einvCategory struct {
	Code          string // UNCL 5305 as Peppol uses it: S, Z, E, AE, K, G
	OIOUBL        string // StandardRated, ZeroRated, ReverseCharge
	Percent       decimal.Decimal
	ExemptionCode string // VATEX code, for E, AE, K, G
	Exemption     string
}

func (c einvCategory) key() string { return c.Code + "|" + c.Percent.String() }

type einvLine struct {
	ID          string
	Name        string
	Description string
	ItemID      string
	Quantity    decimal.Decimal
	UnitCode    string
	Price       decimal.Decimal
	BaseQty     decimal.Decimal // zero: none written (1)
	Allowance   decimal.Decimal // a line discount, positive
	AllowReason string
	Net         decimal.Decimal
	Tax         decimal.Decimal
	Category    einvCategory
}

type einvSubtotal struct {
	Category einvCategory
	Taxable  decimal.Decimal
	Tax      decimal.Decimal
}

var hundred = decimal.NewFromInt(100)

// vatCategory maps a Billy tax rate to a VAT category. Billy's predefined
// tags say the treatment (the sandbox's names, chart.go); a rate of its
// own is standard-rated when above 0 and zero-rated otherwise. OIOUBL has
// no exempt category: an exempt supply goes as ZeroRated (§ 4.2).
func vatCategory(r ublBillyTaxRate, known bool) einvCategory {
	pct := r.Rate.Mul(hundred)
	if r.Rate.GreaterThan(decimal.NewFromInt(1)) {
		pct = r.Rate // a rate given in percent already
	}
	switch tag := r.PredefinedTag; {
	case !known:
		// A rate Billy's list does not have: no category is guessed; the
		// check reports the line (BR-CO-04).
		return einvCategory{}
	case tag == "dk_sales_eu_goods":
		return einvCategory{Code: "K", OIOUBL: "ZeroRated", Percent: decimal.Zero, ExemptionCode: "VATEX-EU-IC", Exemption: "Momsfri levering af varer til et andet EU-land"}
	case tag == "dk_sales_eu_services", tag == "dk_sales_domestic_reverse_charge", strings.Contains(tag, "reverse"):
		return einvCategory{Code: "AE", OIOUBL: "ReverseCharge", Percent: decimal.Zero, ExemptionCode: "VATEX-EU-AE", Exemption: "Omvendt betalingspligt"}
	case tag == "dk_sales_world":
		return einvCategory{Code: "G", OIOUBL: "ZeroRated", Percent: decimal.Zero, ExemptionCode: "VATEX-EU-G", Exemption: "Eksport uden for EU"}
	case tag == "dk_sales_exempt":
		return einvCategory{Code: "E", OIOUBL: "ZeroRated", Percent: decimal.Zero, Exemption: "Momsfritaget efter momslovens § 13"}
	case pct.IsPositive():
		return einvCategory{Code: "S", OIOUBL: "StandardRated", Percent: pct}
	default:
		return einvCategory{Code: "Z", OIOUBL: "ZeroRated", Percent: decimal.Zero}
	}
}

// unitCode maps Billy's free-text unit (Danish, as users type it) to UN/ECE
// Recommendation 20; anything else is C62 ("one").
func unitCode(u string) string {
	switch strings.TrimSuffix(strings.ToLower(strings.TrimSpace(u)), ".") {
	case "stk", "styk", "stykker", "pcs", "piece", "pieces":
		return "H87"
	case "time", "timer", "t", "hour", "hours":
		return "HUR"
	case "dag", "dage", "day", "days":
		return "DAY"
	case "måned", "måneder", "md", "mdr", "month", "months":
		return "MON"
	case "km":
		return "KMT"
	case "kg":
		return "KGM"
	case "m":
		return "MTR"
	case "l", "liter":
		return "LTR"
	}
	return "C62"
}

func fmtAmount(d decimal.Decimal) string { return d.StringFixed(2) }

// cvrOf is the 8-digit CVR in a registration number ("DK12345678",
// "12 34 56 78"), or "".
func cvrOf(s string) string {
	s = strings.TrimPrefix(strings.ToUpper(strings.Join(strings.Fields(s), "")), "DK")
	if len(s) == 8 && digitsOnly(s) {
		return s
	}
	return ""
}

// buildEinvoice turns Billy's records into the document. It copies what
// Billy says (line amounts and VAT as Billy computed them) and derives
// only what UBL needs on top; where Billy's numbers do not add up, the
// rule check on the XML says so rather than this hiding it.
func buildEinvoice(src ublSource) einvDoc {
	inv := src.Invoice
	d := einvDoc{
		CreditNote: inv.Type == "creditNote",
		Number:     string(inv.InvoiceNo),
		IssueDate:  inv.EntryDate,
		DueDate:    inv.DueDate,
		Currency:   strings.ToUpper(strings.TrimSpace(inv.CurrencyID)),
		Note:       strings.TrimSpace(inv.ContactMessage),
		Credited:   src.Credited,
	}
	if d.Currency == "" {
		d.Currency = "DKK"
	}
	// A stable UUID (OIOUBL needs one): the same invoice gives the same.
	sum := sha1.Sum([]byte("billy-mcp einvoice " + inv.OrganizationID + "/" + inv.ID))
	sum[6] = sum[6]&0x0f | 0x50
	sum[8] = sum[8]&0x3f | 0x80
	d.UUID = fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
	if inv.OrderNo != nil {
		d.OrderRef = strings.TrimSpace(*inv.OrderNo)
	}
	hasVat := src.Org.HasVat == nil || *src.Org.HasVat
	org := src.Org
	d.Seller = einvParty{Name: org.Name, Street: org.Street, City: org.City, Zip: org.Zipcode, Country: strings.ToUpper(org.CountryID),
		CVR: cvrOf(org.RegistrationNo), Email: org.Email, Phone: org.Phone}
	if d.Seller.Country == "" {
		d.Seller.Country = "DK"
	}
	if hasVat && d.Seller.CVR != "" && d.Seller.Country == "DK" {
		d.Seller.VATID = "DK" + d.Seller.CVR
	}
	c := src.Contact
	d.Buyer = einvParty{Name: c.Name, Street: c.Street, City: c.CityText, Zip: c.ZipcodeText, Country: strings.ToUpper(c.CountryID),
		GLN: strings.Join(strings.Fields(c.EAN), ""), Phone: c.Phone}
	if d.Buyer.Country == "" {
		d.Buyer.Country = "DK"
	}
	if d.Buyer.Country == "DK" {
		d.Buyer.CVR = cvrOf(c.RegistrationNo)
		if d.Buyer.CVR != "" {
			d.Buyer.VATID = "DK" + d.Buyer.CVR
		}
	} else if reg := strings.ToUpper(strings.Join(strings.Fields(c.RegistrationNo), "")); reg != "" {
		if !strings.HasPrefix(reg, d.Buyer.Country) {
			reg = d.Buyer.Country + reg
		}
		d.Buyer.VATID = reg
	}

	incl := inv.TaxMode == "incl"
	groups := map[string]*einvSubtotal{}
	var order []string
	for i, l := range src.Lines {
		rate, known := src.TaxRates[l.TaxRateID]
		// No VAT rate, or one Billy does not list: written without a
		// category, and the check says so.
		cat := vatCategory(rate, known && l.TaxRateID != "")
		name := src.Products[l.ProductID]
		desc := strings.TrimSpace(l.Description)
		if name == "" {
			name, desc = desc, ""
		}
		if desc == name {
			desc = ""
		}
		ln := einvLine{ID: fmt.Sprint(i + 1), Name: name, Description: desc, Quantity: l.Quantity, UnitCode: unitCode(l.Unit),
			Price: l.UnitPrice, Category: cat}
		gross := round2(l.Quantity.Mul(l.UnitPrice))
		switch {
		case l.Amount != nil:
			ln.Net = *l.Amount
		case l.DiscountMode != nil && l.DiscountValue != nil && *l.DiscountMode == "percentage_discount":
			ln.Net = round2(l.Quantity.Mul(l.UnitPrice).Mul(hundred.Sub(*l.DiscountValue)).Div(hundred))
		case l.DiscountMode != nil && l.DiscountValue != nil && *l.DiscountMode == "cash_discount":
			ln.Net = round2(l.Quantity.Mul(l.UnitPrice).Sub(*l.DiscountValue))
		default:
			ln.Net = gross
		}
		if l.Tax != nil {
			ln.Tax = *l.Tax
		} else {
			ln.Tax = round2(ln.Net.Mul(cat.Percent).Div(hundred))
		}
		switch {
		case incl && !l.Quantity.IsZero():
			// Prices include VAT, and UBL's are net: the line's net as the
			// price of the whole quantity (the base quantity) makes
			// quantity × price / base exactly the net, with no rounded
			// unit price. UBL wants the price non-negative (BR-27) and the
			// base positive: the sign goes on the quantity.
			ln.BaseQty = l.Quantity.Abs()
			ln.Price = ln.Net.Abs()
			ln.Quantity = ln.BaseQty
			if ln.Net.IsNegative() {
				ln.Quantity = ln.Quantity.Neg()
			}
		default:
			if gross.GreaterThan(ln.Net) {
				ln.Allowance = gross.Sub(ln.Net)
				ln.AllowReason = strings.TrimSpace(l.DiscountText)
				if ln.AllowReason == "" {
					ln.AllowReason = "Rabat"
				}
			}
			// A negative price of Billy's (a credit line) goes as a
			// negative quantity at a positive price (BR-27).
			if ln.Price.IsNegative() {
				ln.Price, ln.Quantity = ln.Price.Neg(), ln.Quantity.Neg()
			}
		}
		d.Lines = append(d.Lines, ln)
		k := cat.key()
		g := groups[k]
		if g == nil {
			g = &einvSubtotal{Category: cat}
			groups[k] = g
			order = append(order, k)
		}
		g.Taxable = g.Taxable.Add(ln.Net)
		g.Tax = g.Tax.Add(ln.Tax)
		d.LineTotal = d.LineTotal.Add(ln.Net)
	}
	for _, k := range order {
		if groups[k].Category.Code == "" {
			continue
		}
		d.Subtotals = append(d.Subtotals, *groups[k])
		d.TaxTotal = d.TaxTotal.Add(groups[k].Tax)
	}

	// A credit note pays nothing to the seller: no payment means or terms.
	base := strings.ToUpper(strings.TrimSpace(src.Org.BaseCurrencyID))
	if r := inv.ExchangeRate; base != "" && base != d.Currency && r != nil && r.IsPositive() {
		d.TaxCurrency, d.TaxInTaxCurrency = base, round2(d.TaxTotal.Mul(*r))
	}

	if b := src.Bank; b != nil && !d.CreditNote {
		deref := func(p *string) string {
			if p == nil {
				return ""
			}
			return strings.Join(strings.Fields(*p), "")
		}
		reg, acct, iban, bic := deref(b.BankRoutingNo), deref(b.BankAccountNo), deref(b.BankIban), deref(b.BankSwift)
		switch {
		case reg != "" && acct != "":
			d.Payment = &einvPayment{Code: "42", Account: acct, Branch: reg}
		case iban != "":
			d.Payment = &einvPayment{Code: "58", Account: iban, Branch: bic, IBAN: true}
		}
		if d.Payment != nil {
			d.Payment.PaymentID = d.Number
			d.Payment.PaymentDue = d.DueDate
		}
	}
	switch inv.PaymentTermsMode {
	case "net":
		d.TermsNote = fmt.Sprintf("Netto %d dage", inv.PaymentTermsDays)
	case "netEndOfMonth":
		d.TermsNote = fmt.Sprintf("Løbende måned + %d dage", inv.PaymentTermsDays)
	}
	if d.CreditNote {
		d.TermsNote = ""
	}
	if d.TermsNote == "" && d.DueDate != "" && !d.CreditNote {
		d.TermsNote = "Betales senest " + d.DueDate
	}
	return d
}
