package invoices

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/shopspring/decimal"
)

// InvoiceSummary is an invoice or credit note as lists show it: what a
// model needs to answer questions and pick the next step, nothing more.
//
// Sign convention: a credit note's amounts and balance are negative (money
// the company owes the customer, or gave back), an invoice's positive, so
// that a list sums to the net figure: Σ grossAmount of approved records is
// what was invoiced net of credits, Σ balance what customers owe net of
// what is to be paid back. Billy itself sends credit notes' amounts
// positive; summaryOf turns them.
type InvoiceSummary struct {
	ID                string `json:"id"`
	InvoiceNo         string `json:"invoiceNo,omitempty" jsonschema:"assigned when the invoice is approved; empty on drafts"`
	Type              string `json:"type" jsonschema:"invoice or creditNote"`
	State             string `json:"state" jsonschema:"draft, approved or voided"`
	SentState         string `json:"sentState" jsonschema:"unsent, printed, sent, opened or viewed"`
	ContactID         string `json:"contactId"`
	ContactName       string `json:"contactName,omitempty"`
	EntryDate         string `json:"entryDate" jsonschema:"invoice date, YYYY-MM-DD"`
	DueDate           string `json:"dueDate,omitempty" jsonschema:"YYYY-MM-DD"`
	Currency          string `json:"currency" jsonschema:"ISO code of every amount of the record"`
	Amount            Number `json:"amount" jsonschema:"net, excluding VAT; negative on a credit note"`
	Tax               Number `json:"tax" jsonschema:"VAT; negative on a credit note"`
	GrossAmount       Number `json:"grossAmount" jsonschema:"including VAT; negative on a credit note"`
	Balance           Number `json:"balance" jsonschema:"still owed by the customer, VAT and late fees included; negative on a credit note: still to be paid back; 0 on drafts and voided"`
	IsPaid            bool   `json:"isPaid" jsonschema:"settled: an invoice paid, a credit note paid back or set off"`
	IsOverdue         bool   `json:"isOverdue,omitempty" jsonschema:"an approved invoice, unpaid and past its due date (never a credit note)"`
	CreditedInvoiceID string `json:"creditedInvoiceId,omitempty" jsonschema:"on a credit note: the invoice it credits"`
}

// InvoiceLine is one line of an invoice. Quantity and unit price are as
// entered; amount and tax follow the record's sign convention.
type InvoiceLine struct {
	ID            string  `json:"id"`
	ProductID     string  `json:"productId"`
	Description   string  `json:"description"`
	Quantity      Number  `json:"quantity"`
	Unit          string  `json:"unit,omitempty"`
	UnitPrice     Number  `json:"unitPrice" jsonschema:"up to 4 decimals; including VAT when taxMode is incl"`
	DiscountMode  string  `json:"discountMode,omitempty"`
	DiscountValue *Number `json:"discountValue,omitempty"`
	Amount        Number  `json:"amount" jsonschema:"net; negative on a credit note"`
	Tax           Number  `json:"tax" jsonschema:"negative on a credit note"`
	TaxRateID     string  `json:"taxRateId,omitempty"`
}

// Invoice is one invoice with its lines.
type Invoice struct {
	InvoiceSummary
	PaymentTermsMode   string        `json:"paymentTermsMode,omitempty"`
	PaymentTermsDays   int           `json:"paymentTermsDays"`
	TaxMode            string        `json:"taxMode,omitempty" jsonschema:"excl: unit prices exclude VAT; incl: they include it"`
	ExchangeRate       Number        `json:"exchangeRate,omitempty" jsonschema:"value of one unit of the invoice currency in the organization's base currency"`
	ContactMessage     string        `json:"contactMessage,omitempty" jsonschema:"text printed at the top of the invoice"`
	AttContactPersonID string        `json:"attContactPersonId,omitempty"`
	CreatedTime        string        `json:"createdTime,omitempty"`
	ApprovedTime       string        `json:"approvedTime,omitempty"`
	Lines              []InvoiceLine `json:"lines"`
}

// sign is -1 for a credit note and 1 for an invoice: the sign its amounts
// get in tool output (InvoiceSummary).
func sign(inv billyInvoice) decimal.Decimal {
	if inv.Type == "creditNote" {
		return decOne.Neg()
	}
	return decOne
}

// isOverdue: an approved invoice with something left to pay after its due
// date. A credit note is money owed to the customer, never overdue.
func isOverdue(inv billyInvoice, today string) bool {
	return inv.Type != "creditNote" && inv.State == "approved" && !inv.IsPaid && inv.Balance.IsPositive() &&
		inv.DueDate != "" && inv.DueDate < today
}

func summaryOf(inv billyInvoice, contactName string, today string) InvoiceSummary {
	if contactName == "" && inv.Contact != nil {
		contactName = inv.Contact.Name
	}
	s := sign(inv)
	return InvoiceSummary{
		ID: inv.ID, InvoiceNo: string(inv.InvoiceNo), Type: inv.Type, State: inv.State, SentState: inv.SentState,
		ContactID: inv.ContactID, ContactName: contactName, EntryDate: inv.EntryDate, DueDate: inv.DueDate,
		Currency: inv.CurrencyID, Amount: numberOf(s.Mul(inv.Amount)), Tax: numberOf(s.Mul(inv.Tax)),
		GrossAmount: numberOf(s.Mul(inv.GrossAmount)), Balance: numberOf(s.Mul(inv.Balance)), IsPaid: inv.IsPaid,
		CreditedInvoiceID: inv.CreditedInvoiceID, IsOverdue: isOverdue(inv, today),
	}
}

func invoiceOf(inv billyInvoice, today string) Invoice {
	out := Invoice{
		InvoiceSummary:   summaryOf(inv, "", today),
		PaymentTermsMode: inv.PaymentTermsMode, PaymentTermsDays: inv.PaymentTermsDays, TaxMode: inv.TaxMode,
		ExchangeRate: numberOf(inv.ExchangeRate), ContactMessage: inv.ContactMessage, AttContactPersonID: inv.AttContactPersonID,
		CreatedTime: inv.CreatedTime, ApprovedTime: inv.ApprovedTime, Lines: []InvoiceLine{},
	}
	s := sign(inv)
	for _, l := range inv.Lines {
		line := InvoiceLine{ID: l.ID, ProductID: l.ProductID, Description: l.Description,
			Quantity: numberOf(l.Quantity), Unit: l.Unit, UnitPrice: numberOf(l.UnitPrice), DiscountMode: l.DiscountMode,
			Amount: numberOf(s.Mul(l.Amount)), Tax: numberOf(s.Mul(l.Tax)), TaxRateID: l.TaxRateID}
		if l.DiscountValue != nil {
			line.DiscountValue = numberPtr(*l.DiscountValue)
		}
		out.Lines = append(out.Lines, line)
	}
	return out
}

// invoiceIncludes embeds the lines and the contact, so one GET gives the
// whole invoice (Billy leaves has-many relations out unless asked, §2.1).
const invoiceIncludes = "invoice.lines:embed,invoice.contact:embed"

// readInvoice reads one invoice with its lines and contact.
func readInvoice(ctx context.Context, call *sdk.Call, id string) (billyInvoice, error) {
	var inv billyInvoice
	_, err := getOne(ctx, call, kindInvoice, id, url.Values{"include": {invoiceIncludes}}, &inv)
	return inv, err
}

func (p *plugin) today() string { return today(p.now()) }

// ---- list_invoices ----

// ListInvoicesInput filters invoices. v1's names (startDate, endDate,
// search, offset) are kept; Billy's own names are accepted too.
type ListInvoicesInput struct {
	State             string `json:"state,omitempty" jsonschema:"draft, approved, voided, unpaid, overdue, paid or creditNotes"`
	ContactID         string `json:"contactId,omitempty"`
	CustomerID        string `json:"customerId,omitempty" jsonschema:"alias of contactId"`
	StartDate         string `json:"startDate,omitempty" jsonschema:"first invoice date"`
	EndDate           string `json:"endDate,omitempty" jsonschema:"last invoice date"`
	MinEntryDate      string `json:"minEntryDate,omitempty" jsonschema:"alias of startDate"`
	MaxEntryDate      string `json:"maxEntryDate,omitempty" jsonschema:"alias of endDate"`
	MinDueDate        string `json:"minDueDate,omitempty"`
	MaxDueDate        string `json:"maxDueDate,omitempty"`
	IsPaid            *bool  `json:"isPaid,omitempty"`
	CurrencyID        string `json:"currencyId,omitempty"`
	CreditedInvoiceID string `json:"creditedInvoiceId,omitempty" jsonschema:"credit notes of this invoice"`
	ExternalID        string `json:"externalId,omitempty" jsonschema:"e.g. a write's marker (bmcp-…)"`
	Search            string `json:"search,omitempty" jsonschema:"number, customer, line text or amount"`
	SortBy            string `json:"sortBy,omitempty" jsonschema:"entryDate (default), dueDate, invoiceNo, grossAmount, balance or createdTime"`
	SortDirection     string `json:"sortDirection,omitempty" jsonschema:"DESC (default) or ASC"`
	Paging
}

// ListInvoicesOutput is one page of invoices.
type ListInvoicesOutput struct {
	Invoices   []InvoiceSummary `json:"invoices"`
	Total      int              `json:"total" jsonschema:"how many invoices match the filters in all"`
	NextCursor string           `json:"next_cursor" jsonschema:"pass as cursor for the next page; empty on the last page"`
	Warning    string           `json:"warning,omitempty"`
}

func (p *plugin) listInvoicesTool() sdk.Tool {
	return sdk.NewTool(readSpec(sdk.ToolSpec{
		Name:  "list_invoices",
		Title: "List invoices",
		Description: "Lists invoices and credit notes, newest first, by state, customer, date, payment or text. " +
			"Use it to find an invoice's ID or what is unpaid or overdue; get_invoice has the lines.",
		Category: "invoices",
		Scopes:   []string{"invoices:read"},
		Examples: []sdk.Example{
			{Title: "Unpaid invoices", Arguments: ListInvoicesInput{State: "unpaid"}},
			{Title: "Invoices in March 2025", Arguments: ListInvoicesInput{StartDate: "2025-03-01", EndDate: "2025-03-31", Paging: Paging{Limit: 50}}},
		},
	}), p.listInvoices)
}

func (p *plugin) listInvoices(ctx context.Context, call *sdk.Call, in ListInvoicesInput) (ListInvoicesOutput, error) {
	var out ListInvoicesOutput
	q, err := p.invoiceQuery(in)
	if err != nil {
		return out, err
	}
	wantType := q.Get("type")
	l, err := list(ctx, call, "list_invoices", "/invoices", "invoices", q, in.Paging)
	if err != nil {
		return out, err
	}
	invs, err := decodeAll[billyInvoice](l)
	if err != nil {
		return out, err
	}
	names := map[string]string{}
	for _, env := range l.pages {
		var cs []billyContact
		env.optionalRoot("contacts", &cs)
		for _, c := range cs {
			names[c.ID] = c.Name
		}
	}
	today := p.today()
	out.Invoices = make([]InvoiceSummary, 0, len(invs))
	dropped := 0
	for _, inv := range invs {
		// Billy does not document a type filter and ignores filters it does
		// not know (§4.2): a credit note must still never be listed as a
		// receivable, so the type is checked again here.
		if wantType != "" && inv.Type != wantType {
			dropped++
			continue
		}
		out.Invoices = append(out.Invoices, summaryOf(inv, names[inv.ContactID], today))
	}
	if dropped > 0 {
		out.Warning = fmt.Sprintf("Billy did not apply the type filter: %d record(s) of another type on this page were left out; total may count them", dropped)
	}
	out.Total, out.NextCursor = l.total, l.nextCursor
	return out, nil
}

// invoiceQuery validates the filters and translates them to Billy's
// documented invoice filters (billy-api.md §4.2). v1 sent entryDateGte/Lte,
// which Billy silently ignores; minEntryDate/maxEntryDate are the real ones.
func (p *plugin) invoiceQuery(in ListInvoicesInput) (url.Values, error) {
	contactID, err := alias("contactId", in.ContactID, "customerId", in.CustomerID)
	if err != nil {
		return nil, err
	}
	from, err := alias("startDate", in.StartDate, "minEntryDate", in.MinEntryDate)
	if err != nil {
		return nil, err
	}
	to, err := alias("endDate", in.EndDate, "maxEntryDate", in.MaxEntryDate)
	if err != nil {
		return nil, err
	}
	if err := firstErr(checkOptionalID("contactId", contactID), checkOptionalID("creditedInvoiceId", in.CreditedInvoiceID),
		checkDate("startDate", from), checkDate("endDate", to), checkDate("minDueDate", in.MinDueDate), checkDate("maxDueDate", in.MaxDueDate),
		checkRange("startDate", from, "endDate", to), checkRange("minDueDate", in.MinDueDate, "maxDueDate", in.MaxDueDate),
		oneOf("sortBy", in.SortBy, "entryDate", "dueDate", "invoiceNo", "grossAmount", "balance", "createdTime"),
		oneOf("sortDirection", in.SortDirection, "ASC", "DESC"), checkCurrency("currencyId", in.CurrencyID)); err != nil {
		return nil, err
	}
	q := url.Values{"include": {"invoice.contact:sideload"}}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	isPaid := in.IsPaid
	maxDue := in.MaxDueDate
	// Receivables are approved invoices: whether something is paid, unpaid
	// or overdue is never asked of a draft, a voided invoice or a credit
	// note (money owed to the customer), so those filters, and isPaid on
	// its own, list approved invoices only. Credit notes have their own
	// state.
	switch in.State {
	case "":
		if isPaid != nil {
			q.Set("state", "approved")
		}
	case "draft", "approved", "voided":
		set("state", in.State)
	case "cancelled", "canceled":
		q.Set("state", "voided")
	case "creditNotes", "creditNote", "credit_notes":
		q.Set("state", "approved")
		q.Set("type", "creditNote")
	case "paid", "unpaid", "overdue":
		q.Set("state", "approved")
		q.Set("type", "invoice")
		want := in.State == "paid"
		if isPaid != nil && *isPaid != want {
			return nil, &sdk.Error{Code: sdk.CodeInvalidArguments, Category: sdk.CategoryValidation,
				Message: fmt.Sprintf("state %q contradicts isPaid %v", in.State, *isPaid),
				Fields:  []sdk.FieldError{{Field: "state", Message: "contradicts isPaid"}, {Field: "isPaid", Message: "contradicts state"}}}
		}
		isPaid = &want
		if in.State == "overdue" {
			yesterday := p.now().In(copenhagen).AddDate(0, 0, -1).Format(time.DateOnly)
			if maxDue == "" || maxDue > yesterday {
				maxDue = yesterday
			}
		}
	case "sent":
		return nil, sdk.Invalid("state", "Billy has no state \"sent\" (its states are draft, approved and voided); whether an invoice was emailed is its sentState, shown on every listed invoice. List state approved and look at sentState")
	default:
		return nil, sdk.Invalid("state", "must be draft, approved, voided, unpaid, overdue, paid or creditNotes, got %q", in.State)
	}
	if isPaid != nil {
		q.Set("isPaid", fmt.Sprint(*isPaid))
		if q.Get("type") == "" {
			q.Set("type", "invoice")
		}
	}
	set("contactId", contactID)
	set("minEntryDate", from)
	set("maxEntryDate", to)
	set("minDueDate", in.MinDueDate)
	set("maxDueDate", maxDue)
	set("currencyId", strings.ToUpper(in.CurrencyID))
	set("creditedInvoiceId", in.CreditedInvoiceID)
	set("externalId", in.ExternalID)
	set("q", in.Search)
	sortBy, dir := in.SortBy, in.SortDirection
	if sortBy == "" {
		sortBy = "entryDate"
	}
	if dir == "" {
		dir = "DESC"
	}
	q.Set("sortProperty", sortBy)
	q.Set("sortDirection", dir)
	return q, nil
}

// ---- get_invoice ----

// InvoiceIDInput names one invoice.
type InvoiceIDInput struct {
	InvoiceID string `json:"invoiceId"`
}

func (p *plugin) getInvoiceTool() sdk.Tool {
	return sdk.NewTool(readSpec(sdk.ToolSpec{
		Name:        "get_invoice",
		Title:       "Get an invoice",
		Description: "Returns one invoice or credit note with its lines, customer, dates, payment terms, state, amounts and balance.",
		Category:    "invoices",
		Scopes:      []string{"invoices:read"},
		Examples:    []sdk.Example{{Title: "One invoice", Arguments: InvoiceIDInput{InvoiceID: "GJj2Kr8vQ3mmuWn30VT5lw"}}},
	}), func(ctx context.Context, call *sdk.Call, in InvoiceIDInput) (Invoice, error) {
		if err := checkID("invoiceId", in.InvoiceID); err != nil {
			return Invoice{}, err
		}
		inv, err := readInvoice(ctx, call, in.InvoiceID)
		if err != nil {
			return Invoice{}, err
		}
		return invoiceOf(inv, p.today()), nil
	})
}

// ---- get_invoice_pdf ----

// InvoicePDF points at an invoice's PDF.
type InvoicePDF struct {
	InvoiceID string `json:"invoiceId"`
	InvoiceNo string `json:"invoiceNo,omitempty"`
	State     string `json:"state"`
	URL       string `json:"url" jsonschema:"Billy's download link for the PDF"`
	FileName  string `json:"fileName"`
	Note      string `json:"note"`
	// linkDescription describes the resource link sent with the record.
	linkDescription string
}

// AddedContent sends the PDF as a resource link, which clients can fetch or
// attach, next to the structured record.
func (p InvoicePDF) AddedContent() []sdk.Content {
	return []sdk.Content{&sdk.ResourceLink{URI: p.URL, Name: p.FileName, MIMEType: "application/pdf", Description: p.linkDescription}}
}

func (p *plugin) getInvoicePDFTool() sdk.Tool {
	return sdk.NewTool(readSpec(sdk.ToolSpec{
		Name:  "get_invoice_pdf",
		Title: "Get an invoice's PDF",
		Description: "Returns a download link for an invoice's or credit note's PDF (for a draft, a preview). " +
			"The link alone grants access: share it only with the invoice's recipient.",
		Category: "invoices",
		Scopes:   []string{"invoices:read"},
		Examples: []sdk.Example{{Title: "PDF of an invoice", Arguments: InvoiceIDInput{InvoiceID: "GJj2Kr8vQ3mmuWn30VT5lw"}}},
	}), func(ctx context.Context, call *sdk.Call, in InvoiceIDInput) (InvoicePDF, error) {
		if err := checkID("invoiceId", in.InvoiceID); err != nil {
			return InvoicePDF{}, err
		}
		var inv billyInvoice
		if _, err := getOne(ctx, call, kindInvoice, in.InvoiceID, nil, &inv); err != nil {
			return InvoicePDF{}, err
		}
		if inv.DownloadURL == "" {
			return InvoicePDF{}, unexpected("the invoice has no downloadUrl")
		}
		name := "invoice-draft-" + inv.ID + ".pdf"
		if inv.InvoiceNo != "" {
			name = "invoice-no-" + string(inv.InvoiceNo) + ".pdf"
		}
		if inv.Type == "creditNote" {
			name = "credit-note-" + name[len("invoice-"):]
		}
		kind := "invoice"
		if inv.Type == "creditNote" {
			kind = "credit note"
		}
		return InvoicePDF{InvoiceID: inv.ID, InvoiceNo: string(inv.InvoiceNo), State: inv.State, URL: inv.DownloadURL, FileName: name,
			Note:            "the link changes on every read and grants access by itself; fetch it soon and share it only with the recipient",
			linkDescription: fmt.Sprintf("PDF of %s %s", kind, displayNo(inv))}, nil
	})
}

// displayNo names an invoice for people: its number, or "draft <id>".
func displayNo(inv billyInvoice) string {
	if inv.InvoiceNo != "" {
		return "no. " + string(inv.InvoiceNo)
	}
	return "draft " + inv.ID
}
