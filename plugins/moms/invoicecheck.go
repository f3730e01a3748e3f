package moms

import (
	"context"
	"fmt"
	"github.com/billy-mcp/billy-mcp/plugins/internal/dkfmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/billy-mcp/billy-mcp/plugins/internal/gln"
	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/shopspring/decimal"
)

// moms_check_invoice: the Danish invoice rules (momsbekendtgørelsen chap.
// 12, reference § 2 and R11, R16) checked on a draft in Billy or on invoice
// data. Every finding names the rule it comes from.

// CheckInvoiceInput is the input of moms_check_invoice.
type CheckInvoiceInput struct {
	InvoiceID string       `json:"invoiceId,omitempty" jsonschema:"a draft or invoice in Billy"`
	Invoice   *InvoiceData `json:"invoice,omitempty" jsonschema:"or its data"`
}

// InvoiceData is an invoice to check without Billy.
type InvoiceData struct {
	Number       string     `json:"number,omitempty"`
	Date         string     `json:"date,omitempty"`
	DeliveryDate string     `json:"delivery_date,omitempty"`
	CreditFor    string     `json:"credit_note_for,omitempty" jsonschema:"for a credit note: the invoice number"`
	Seller       Seller     `json:"seller"`
	Buyer        Party      `json:"buyer"`
	Lines        []DataLine `json:"lines"`
	VAT          *Number    `json:"vat_amount,omitempty" jsonschema:"as stated"`
	Text         string     `json:"text,omitempty" jsonschema:"its printed notes"`
	Reference    string     `json:"buyer_reference,omitempty"`
}

// Seller is the Danish seller.
type Seller struct {
	Name      string `json:"name,omitempty"`
	Address   string `json:"address,omitempty"`
	VATNumber string `json:"vat_number,omitempty" jsonschema:"CVR or SE"`
}

// Party is a buyer (or, from Billy, the seller).
type Party struct {
	Name      string `json:"name,omitempty"`
	Address   string `json:"address,omitempty"`
	VATNumber string `json:"vat_number,omitempty" jsonschema:"CVR/SE or EU VAT number"`
	Country   string `json:"country,omitempty" jsonschema:"ISO, default DK"`
	EAN       string `json:"ean,omitempty"`
	Public    bool   `json:"public,omitempty"`
}

// DataLine is an invoice line.
type DataLine struct {
	Description string `json:"description,omitempty"`
	Quantity    Number `json:"quantity,omitempty"`
	UnitPrice   Number `json:"unit_price" jsonschema:"excl. VAT"`
	VAT         string `json:"vat,omitempty" jsonschema:"25 (default), exempt, eu_goods, eu_services, export or reverse_charge"`
}

// CheckInvoiceOutput is the output of moms_check_invoice.
type CheckInvoiceOutput struct {
	Kind     string    `json:"kind" jsonschema:"full or simplified: the invoice the rules require"`
	Gross    Number    `json:"gross"`
	VAT      Number    `json:"vat" jsonschema:"the VAT per rate on the summed lines (R3)"`
	OK       bool      `json:"ok" jsonschema:"no error findings"`
	Findings []Finding `json:"findings"`
}

func (p *plugin) checkInvoiceTool() sdk.Tool {
	return sdk.NewTool(booksSpec(sdk.ToolSpec{
		Name:  "moms_check_invoice",
		Title: "Check an invoice against Danish rules",
		Description: "Checks a draft in Billy, or invoice data, against the Danish invoice rules (fields, numbering, notations, " +
			"VAT numbers, EAN); each finding names its rule.",
		Examples: []sdk.Example{
			{Title: "A draft in Billy", Arguments: CheckInvoiceInput{InvoiceID: "GJj2Kr8vQ3mmuWn30VT5lw"}},
			{Title: "Invoice data", Arguments: CheckInvoiceInput{Invoice: &InvoiceData{Number: "1042", Date: "2026-03-10",
				Seller: Seller{Name: "Hansen ApS", Address: "Vestergade 1, 8000 Aarhus C", VATNumber: "13748136"},
				Buyer:  Party{Name: "Müller GmbH", Address: "Hauptstr. 5, Berlin", VATNumber: "DE123456789", Country: "DE"},
				Lines:  []DataLine{{Description: "Rådgivning", Quantity: 10, UnitPrice: 950, VAT: "eu_services"}}, Text: "Reverse charge"}}},
		},
	}), p.checkInvoice)
}

// checkDoc is an invoice as the rules see it, from Billy or from data.
type checkDoc struct {
	credit       bool
	number       string
	date         string
	delivery     string
	creditFor    string
	seller       Party
	buyer        Party
	lines        []checkLine
	statedVAT    *decimal.Decimal
	text         string
	reference    string
	draft        bool
	record       string   // invoice:<id> when from Billy
	sameNumber   []string // other invoices in Billy with the same number
	nextNo       int      // the organization's next invoice number
	fromBilly    bool
	unplacedRate []string
}

type checkLine struct {
	description string
	quantity    decimal.Decimal
	unitPrice   decimal.Decimal
	net         decimal.Decimal
	treatment   treatment
	rate        decimal.Decimal // fraction
}

func (p *plugin) checkInvoice(ctx context.Context, call *sdk.Call, in CheckInvoiceInput) (CheckInvoiceOutput, error) {
	var doc checkDoc
	var err error
	switch {
	case in.InvoiceID != "" && in.Invoice != nil:
		return CheckInvoiceOutput{}, sdk.Invalid("invoiceId", "give invoiceId or invoice, not both")
	case in.InvoiceID != "":
		doc, err = p.docFromBilly(ctx, call, in.InvoiceID)
	case in.Invoice != nil:
		doc, err = docFromData(*in.Invoice)
	default:
		return CheckInvoiceOutput{}, sdk.Invalid("invoiceId", "give invoiceId (an invoice in Billy) or invoice (its data)")
	}
	if err != nil {
		return CheckInvoiceOutput{}, err
	}
	return checkRules(doc), nil
}

var (
	// The notation words the reference lists (§ 1.4, § 2.3).
	reverseWords = []string{"omvendt betalingspligt", "reverse charge", "køber afregner momsen", "buyer pays the vat", "steuerschuldnerschaft des leistungsempfängers"}
	euGoodsWords = []string{"momsfritaget", "momsfri", "0-sats", "0 %-sats", "zero-rated", "zero rated", "free of vat", "art. 138", "article 138", "vat exempt", "steuerfreie innergemeinschaftliche"}
	exportWords  = []string{"eksport", "export", "momsfri", "momsfritaget", "uden moms", "vat exempt", "zero-rated", "0-sats", "art. 146", "article 146"}
	publicWords  = regexp.MustCompile(`(?i)\b(kommune|region|styrelse[n]?|ministerie[t]?|statens|universitet|politi|forsvar|rigs|folketinget|domstol|direktorat[et]*)\b`)
)

func mentions(text string, words []string) bool {
	t := strings.ToLower(text)
	for _, w := range words {
		if strings.Contains(t, w) {
			return true
		}
	}
	return false
}

// simplifiedLimit is the most a simplified invoice may be for, incl. VAT
// (momsbek. "højst 3.000 kr.", reference § 2.2 and TV15; the guidance's
// "under 3.000 kr." is noted in findings).
var simplifiedLimit = decimal.NewFromInt(3000)

// checkRules applies the rules to a document.
func checkRules(doc checkDoc) CheckInvoiceOutput {
	var f []Finding
	add := func(rule, sev, format string, args ...any) {
		rec := []string(nil)
		if doc.record != "" {
			rec = []string{doc.record}
		}
		f = append(f, Finding{Rule: rule, Severity: sev, Message: fmt.Sprintf(format, args...), Records: rec})
	}
	// VAT per rate on the summed lines (R3, TV4).
	bases := map[string]decimal.Decimal{}
	rates := map[string]decimal.Decimal{}
	net := decZero
	has := map[treatment]bool{}
	for _, l := range doc.lines {
		key := string(l.treatment) + "@" + l.rate.String()
		bases[key] = bases[key].Add(l.net)
		rates[key] = l.rate
		net = net.Add(l.net)
		has[l.treatment] = true
	}
	vat := decZero
	for k, b := range bases {
		vat = vat.Add(ore(b.Mul(rates[k])))
	}
	gross := net.Add(vat)
	out := CheckInvoiceOutput{Gross: numberOf(gross), VAT: numberOf(vat)}

	euSale := has[tSalesEUGoods] || has[tSalesEUGoodsOth] || has[tSalesEUServices]
	buyerBusiness := strings.TrimSpace(doc.buyer.VATNumber) != ""
	out.Kind = "full"
	simplifiedOK := !doc.credit && !euSale && gross.Abs().LessThanOrEqual(simplifiedLimit)
	if simplifiedOK && !buyerBusiness && !doc.buyer.Public {
		out.Kind = "simplified"
	}

	// § 58 stk. 1: the nine elements of a full invoice.
	if doc.date == "" {
		add("momsbek. § 58 stk. 1 nr. 1", sevError, "the invoice has no issue date")
	}
	switch {
	case doc.number == "" && doc.draft:
		add("momsbek. § 58 stk. 1 nr. 2", sevInfo, "the draft has no number yet; Billy gives it the next number of the series when it is approved")
	case doc.number == "":
		add("momsbek. § 58 stk. 1 nr. 2", sevError, "the invoice has no number; it needs a sequential number from one or more series")
	default:
		f = append(f, numberingFindings(doc)...)
	}
	seller := checkCVR(doc.seller.VATNumber)
	switch {
	case strings.TrimSpace(doc.seller.VATNumber) == "":
		add("momsbek. § 58 stk. 1 nr. 3", sevError, "the seller's VAT registration number (CVR or SE) is missing")
	case !seller.Valid && (doc.seller.Country == "" || doc.seller.Country == "DK"):
		add("momsbek. § 58 stk. 1 nr. 3", sevError, "the seller's CVR/SE number %q is not well-formed: %s", doc.seller.VATNumber, seller.Message)
	}
	if doc.seller.Name == "" || doc.seller.Address == "" {
		add("momsbek. § 58 stk. 1 nr. 4", sevError, "the seller's name and address must be on the invoice")
	}
	if out.Kind == "full" && (doc.buyer.Name == "" || doc.buyer.Address == "") {
		add("momsbek. § 58 stk. 1 nr. 4", sevError, "a full invoice names the buyer with name and address; %s", missing(doc.buyer))
	}
	for i, l := range doc.lines {
		if strings.TrimSpace(l.description) == "" {
			add("momsbek. § 58 stk. 1 nr. 5", sevError, "line %d does not say what was supplied (the nature of the goods or services)", i+1)
		}
		if l.quantity.IsZero() {
			add("momsbek. § 58 stk. 1 nr. 5", sevError, "line %d has no quantity", i+1)
		}
	}
	if len(doc.lines) == 0 {
		add("momsbek. § 58 stk. 1 nr. 5", sevError, "the invoice has no lines")
	}
	if doc.delivery != "" && doc.date != "" && doc.delivery != doc.date {
		add("momsbek. § 58 stk. 1 nr. 6", sevInfo, "the delivery date %s differs from the invoice date, so it must be on the invoice", doc.delivery)
	} else if doc.fromBilly {
		add("momsbek. § 58 stk. 1 nr. 6", sevInfo, "Billy's invoice has no delivery date; if the goods or services were delivered on another day than the invoice date, state it in the text")
	}
	if doc.statedVAT != nil && !doc.statedVAT.Equal(vat) {
		add("momsbek. § 58 stk. 1 nr. 9; R3 (EN 16931 BR-CO-17)", sevWarning,
			"the invoice states VAT of %s, but 25 %% of each rate's summed net amounts rounded once is %s (summing VAT rounded line by line is the likely cause)", kr(*doc.statedVAT), kr(vat))
	}
	if (has[tSalesExempt] || has[tSalesZeroRated] || euSale) && has[tSalesDomestic] {
		add("momsbek. § 58 stk. 3", sevInfo, "the invoice mixes lines with and without VAT: the taxable lines must be shown separately with their own subtotal")
	}
	if out.Kind == "simplified" {
		add("momsbek. § 64 (BEK 2246/2021)", sevInfo, "a simplified invoice is allowed (%s incl. VAT, at most 3.000 kr.; skat.dk's guidance says under 3.000 kr.): date, number, the seller's VAT number, name and address, what was supplied, the total and the VAT or \"moms udgør 20 %% af totalen\". A VAT-registered buyer can demand a full invoice", kr(gross))
	} else if !doc.credit && gross.Abs().GreaterThan(simplifiedLimit) {
		add("momsbek. § 64 (BEK 2246/2021)", sevInfo, "over 3.000 kr. incl. VAT (%s): a full invoice is required", kr(gross))
	}

	// Credit notes refer to the invoice they correct (§ 58 stk. 2).
	if doc.credit && doc.creditFor == "" {
		add("momsbek. § 58 stk. 2", sevError, "a credit note must refer specifically and unambiguously to the invoice it corrects")
	}

	// Reverse charge and EU/export notations (§ 1.4, § 2.3).
	buyerVAT := parseVATNumber(doc.buyer.VATNumber, countryOr(doc.buyer.Country))
	if has[tSalesDomRev] {
		if !mentions(doc.text, reverseWords) {
			add("ML § 46 stk. 1 nr. 4, 6-10; momsbek. § 59", sevError, "domestic reverse charge: the invoice must say \"omvendt betalingspligt\" (or \"køber afregner momsen\"); no such notation was found%s", notationHint(doc))
		}
		if !buyerVAT.Valid || buyerVAT.Country != "DK" {
			add("ML § 46 stk. 1 nr. 4, 6-10; momsbek. § 59", sevError, "domestic reverse charge needs the buyer's Danish VAT (CVR/SE) number on the invoice; %s", vatProblem(doc.buyer.VATNumber, buyerVAT))
		}
		for _, l := range doc.lines {
			if l.treatment == tSalesDomRev && l.rate.IsPositive() {
				add("momsbek. § 59", sevError, "a reverse-charge line shows no VAT rate or amount, but %q has %s %%", l.description, plain(l.rate.Mul(decHundred)))
			}
		}
	}
	if has[tSalesEUGoods] || has[tSalesEUGoodsOth] {
		if !mentions(doc.text, euGoodsWords) {
			add("momsbek. § 62 (BEK 1435/2023); ML § 34 stk. 1 nr. 1", sevError, "a VAT-free EU sale of goods must carry a notation such as \"momsfritaget\", \"0-sats\", \"zero-rated\" or \"art. 138\"; none was found%s", notationHint(doc))
		}
		if date, ok := parseDay(doc.date); ok {
			add("ML § 52 b", sevInfo, "an intra-EU supply of goods is invoiced by the 15th of the month after the supply (%s for a supply in %s)", dkfmt.Date(date15(date)), dkfmt.Month(date.Month()))
		}
	}
	if has[tSalesEUServices] && !mentions(doc.text, reverseWords) {
		add("momsbek. § 62 (BEK 1435/2023); ML § 46 stk. 1 nr. 3", sevError, "a B2B service to another EU country must carry \"omvendt betalingspligt\" or \"reverse charge\"; none was found%s", notationHint(doc))
	}
	if euSale {
		switch {
		case !buyerVAT.Valid:
			add("momsbek. § 62; ML § 34 stk. 1 nr. 1", sevError, "an EU sale without Danish VAT needs the buyer's EU VAT number on the invoice; %s", vatProblem(doc.buyer.VATNumber, buyerVAT))
		case buyerVAT.Country == "DK":
			add("ML § 34 stk. 1 nr. 1", sevError, "the buyer's VAT number %s is Danish: a VAT-free EU sale goes to a buyer registered in another EU country", buyerVAT.Number)
		default:
			add("momsbek. § 62", sevInfo, "the buyer's VAT number %s is well-formed; check in VIES that it is registered", buyerVAT.Number)
		}
	}
	if has[tSalesZeroRated] && !mentions(doc.text, exportWords) {
		add("momssystemdirektivet art. 226 nr. 11 (momsbek. § 58)", sevWarning, "a VAT-free export or § 34 supply should say why no VAT is charged (e.g. \"eksport, momsfri\"); none was found%s", notationHint(doc))
	}

	// Public buyers (R16, reference § 6).
	ean := strings.TrimSpace(doc.buyer.EAN)
	public := doc.buyer.Public || ean != ""
	switch {
	case ean != "" && !glnValid(ean):
		add("BEK 206/2011 (electronic invoicing to public authorities)", sevError, "the buyer's EAN (GLN) %q is not a valid 13-digit location number (GS1 check digit)", ean)
	case public && ean == "":
		add("BEK 206/2011 (electronic invoicing to public authorities)", sevError, "a public buyer is invoiced electronically (OIOUBL or Peppol via NemHandel) with its EAN location number, which is missing")
	case !public && publicWords.MatchString(doc.buyer.Name):
		add("BEK 206/2011 (electronic invoicing to public authorities)", sevWarning, "the buyer %q looks like a public authority: if it is, it must be invoiced electronically with its EAN number, and may withhold payment until it is", doc.buyer.Name)
	}
	if public {
		if strings.TrimSpace(doc.reference) == "" {
			add("PEPPOL-EN16931-R003; reference § 6", sevWarning, "a public buyer's invoice carries the orderer's personal reference or an order number; none is given")
		}
		add("lov om offentlige betalinger; reference § 6", sevInfo, "send it as an electronic invoice (OIOUBL 2.1 or Peppol BIS 3.0 via NemHandel), not as a PDF")
	}
	for _, id := range doc.unplacedRate {
		add("R2 (VAT treatment codes)", sevWarning, "tax rate %s could not be placed (domestic, EU, export, exempt, reverse charge), so its notation rules were not checked; the moms plugin's tax_rates config places it", id)
	}
	sort.SliceStable(f, func(i, j int) bool { return sevRank(f[i].Severity) < sevRank(f[j].Severity) })
	out.Findings = f
	out.OK = true
	for _, x := range f {
		if x.Severity == sevError {
			out.OK = false
		}
	}
	if out.Findings == nil {
		out.Findings = []Finding{}
	}
	return out
}

func sevRank(s string) int {
	switch s {
	case sevError:
		return 0
	case sevWarning:
		return 1
	}
	return 2
}

func countryOr(c string) string {
	if c == "" {
		return "DK"
	}
	return c
}

func missing(p Party) string {
	switch {
	case p.Name == "" && p.Address == "":
		return "both are missing"
	case p.Name == "":
		return "the name is missing"
	}
	return "the address is missing"
}

func vatProblem(raw string, v vatNumber) string {
	if strings.TrimSpace(raw) == "" {
		return "the buyer has none"
	}
	return fmt.Sprintf("%q is not well-formed: %s", raw, v.Message)
}

func notationHint(doc checkDoc) string {
	if doc.fromBilly {
		return " in the invoice's message or lines (Billy's template may print one for the tax rate: check the PDF)"
	}
	return ""
}

// date15 is the 15th of the month after d.
func date15(d time.Time) time.Time { return date(d.Year(), d.Month()+1, 15) }

// glnValid checks a GLN/EAN location number (reference TV14); the rule
// lives in plugins/internal/gln, shared with the integrations plugin's
// e-invoice preflight.
func glnValid(s string) bool { return gln.Valid(s) }

// invoiceNo splits an invoice number into its series (the text around the
// last run of digits) and that number: "2026-0042" is series "2026-" and
// 42 (reference § 2.4: several series are allowed, each sequential).
var reLastDigits = regexp.MustCompile(`^(.*?)(\d+)(\D*)$`)

func splitInvoiceNo(no string) (series string, n int64, ok bool) {
	m := reLastDigits.FindStringSubmatch(strings.TrimSpace(no))
	if m == nil || len(m[2]) > 15 {
		return "", 0, false
	}
	v, err := strconv.ParseInt(m[2], 10, 64)
	if err != nil {
		return "", 0, false
	}
	return m[1] + "#" + m[3], v, true
}

// numberingFindings checks a number against Billy (ID mode): no other
// invoice has it, and a draft's number is the organization's next.
func numberingFindings(doc checkDoc) []Finding {
	if !doc.fromBilly {
		return nil
	}
	var out []Finding
	rec := []string{doc.record}
	if len(doc.sameNumber) > 0 {
		out = append(out, Finding{Rule: "momsbek. § 58 stk. 1 nr. 2", Severity: sevError, Records: append(rec, doc.sameNumber...),
			Message: fmt.Sprintf("number %s is already used by another invoice; each number is used once", doc.number)})
	}
	if _, n, ok := splitInvoiceNo(doc.number); doc.draft && ok && doc.nextNo > 0 && n != int64(doc.nextNo) {
		out = append(out, Finding{Rule: "momsbek. § 58 stk. 1 nr. 2; reference § 2.4", Severity: sevWarning, Records: rec,
			Message: fmt.Sprintf("the draft's number %s is not the organization's next number (%d): a gap or a number out of order", doc.number, doc.nextNo)})
	}
	return out
}

// docFromData maps invoice data to the rules' form.
func docFromData(d InvoiceData) (checkDoc, error) {
	doc := checkDoc{number: d.Number, date: d.Date, delivery: d.DeliveryDate, creditFor: d.CreditFor, credit: d.CreditFor != "",
		seller: Party{Name: d.Seller.Name, Address: d.Seller.Address, VATNumber: d.Seller.VATNumber, Country: "DK"}, buyer: d.Buyer, text: d.Text, reference: d.Reference}
	if d.Date != "" {
		if _, ok := parseDay(d.Date); !ok {
			return doc, sdk.Invalid("invoice.date", "must be a date YYYY-MM-DD, got %q", d.Date)
		}
	}
	if len(d.Lines) > 1000 {
		return doc, sdk.Invalid("invoice.lines", "at most 1000 lines, got %d", len(d.Lines))
	}
	for i, l := range d.Lines {
		t, rate := tSalesDomestic, vatRate25
		switch strings.ToLower(strings.TrimSpace(l.VAT)) {
		case "", "25":
		case "0", "exempt":
			t, rate = tSalesExempt, decZero
		case "eu_goods":
			t, rate = tSalesEUGoods, decZero
		case "eu_services":
			t, rate = tSalesEUServices, decZero
		case "export":
			t, rate = tSalesZeroRated, decZero
		case "reverse_charge":
			t, rate = tSalesDomRev, decZero
		default:
			return doc, sdk.Invalid(fmt.Sprintf("invoice.lines[%d].vat", i), "must be 25, exempt, eu_goods, eu_services, export or reverse_charge, got %q", l.VAT)
		}
		q := l.Quantity.Dec()
		if l.Quantity == 0 {
			q = decOne
		}
		doc.lines = append(doc.lines, checkLine{description: l.Description, quantity: q, unitPrice: l.UnitPrice.Dec(),
			net: ore(q.Mul(l.UnitPrice.Dec())), treatment: t, rate: rate})
		doc.text += " " + l.Description
	}
	if d.VAT != nil {
		v := d.VAT.Dec()
		doc.statedVAT = &v
	}
	return doc, nil
}

// docFromBilly reads an invoice, its lines, buyer, the organization and the
// numbers in use.
func (p *plugin) docFromBilly(ctx context.Context, call *sdk.Call, id string) (checkDoc, error) {
	var doc checkDoc
	if strings.TrimSpace(id) == "" || len(id) > 100 || strings.ContainsAny(id, "/?#") {
		return doc, sdk.Invalid("invoiceId", "must be a Billy invoice ID, got %q", id)
	}
	var inv invoice
	err := billyGet(ctx, call, "/invoices/"+url.PathEscape(id), url.Values{"include": {"invoice.lines:embed"}}, "invoice", &inv)
	if err != nil {
		if isNotFound(err) {
			e := sdk.NotFound("invoice_not_found", "there is no invoice with ID %q in this Billy organization; check invoiceId", id)
			e.Fields = []sdk.FieldError{{Field: "invoiceId", Message: "no such invoice"}}
			return doc, e
		}
		return doc, err
	}
	var org organization
	if err := billyGet(ctx, call, "/organization", nil, "organization", &org); err != nil {
		return doc, err
	}
	var c contact
	if inv.ContactID != "" {
		if err := billyGet(ctx, call, "/contacts/"+url.PathEscape(inv.ContactID), nil, "contact", &c); err != nil && !isNotFound(err) {
			return doc, err
		}
	}
	byID, err := readTaxRates(ctx, call)
	if err != nil {
		return doc, err
	}
	cfg := p.settings()
	doc = checkDoc{fromBilly: true, record: "invoice:" + inv.ID, draft: inv.State == "draft", credit: inv.Type == "creditNote",
		number: string(inv.InvoiceNo), date: inv.EntryDate, creditFor: inv.CreditedInvoiceID,
		seller: Party{Name: org.Name, Address: joinNonEmpty(org.Street, strings.TrimSpace(org.Zipcode+" "+org.City)), VATNumber: org.RegistrationNo, Country: org.CountryID},
		buyer: Party{Name: c.Name, Address: joinNonEmpty(c.Street, strings.TrimSpace(c.ZipcodeText+" "+c.CityText)), VATNumber: c.RegistrationNo,
			Country: c.CountryID, EAN: c.EAN},
		text: inv.ContactMessage, reference: firstNonEmpty(inv.OrderNo, inv.AttContactPersonID)}
	if c.Type == "person" {
		// A private person has no VAT number to show, even if one is typed.
		doc.buyer.VATNumber = ""
	}
	for _, l := range inv.Lines {
		t, rate := tSalesDomestic, vatRate25
		if tr, ok := byID[l.TaxRateID]; ok {
			if cls, ok := classifyTaxRate(tr, sideSales, cfg); ok {
				t, rate = cls.Treatment, tr.Rate.Dec()
			} else {
				doc.unplacedRate = append(doc.unplacedRate, rateName(tr))
				rate = tr.Rate.Dec()
			}
		} else if l.Tax.Dec().IsZero() {
			t, rate = tSalesExempt, decZero
		}
		doc.lines = append(doc.lines, checkLine{description: l.Description, quantity: l.Quantity.Dec(), unitPrice: l.UnitPrice.Dec(),
			net: l.Amount.Dec(), treatment: t, rate: rate})
		doc.text += " " + l.Description
	}
	tax := inv.Tax.Dec()
	doc.statedVAT = &tax
	// The number must be unused: approved and voided invoices keep theirs.
	doc.nextNo = org.NextInvoiceNo
	if doc.number != "" {
		list, err := billyList[invoice](ctx, call, "/invoices", url.Values{"invoiceNo": {doc.number}}, "invoices", nil)
		if err != nil {
			return doc, err
		}
		for _, o := range list {
			// Billy filters by invoiceNo; compare anyway, as a Billy that
			// ignored the filter would list every invoice.
			if o.ID != inv.ID && string(o.InvoiceNo) == doc.number && o.State != "draft" {
				doc.sameNumber = append(doc.sameNumber, "invoice:"+o.ID)
			}
		}
	}
	return doc, nil
}

func joinNonEmpty(parts ...string) string {
	var out []string
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			out = append(out, strings.TrimSpace(p))
		}
	}
	return strings.Join(out, ", ")
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if strings.TrimSpace(x) != "" {
			return x
		}
	}
	return ""
}
