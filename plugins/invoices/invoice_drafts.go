package invoices

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"github.com/billy-mcp/billy-mcp/plugins/internal/dkfmt"
	"net/url"
	"strings"
	"time"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/shopspring/decimal"
)

// create_invoice and update_invoice work on drafts only. A draft is not
// booked and can be edited again, so both are Additive: under the confirm
// policy they run directly.

// LineInput is one invoice line as a caller gives it (v1's shape).
type LineInput struct {
	ProductID   string  `json:"productId"`
	Description string  `json:"description,omitempty" jsonschema:"default the product's"`
	Quantity    *Number `json:"quantity,omitempty" jsonschema:"default 1"`
	UnitPrice   *Number `json:"unitPrice,omitempty" jsonschema:"default the product's price (+VAT if incl)"`
}

// lineBody is an invoice line as Billy takes it. The tools always send
// unitPrice: Billy's docs mark it required (billy-api.md §7.3).
type lineBody struct {
	ProductID     string `json:"productId"`
	Description   string `json:"description,omitempty"`
	Quantity      *Exact `json:"quantity,omitempty"`
	UnitPrice     *Exact `json:"unitPrice,omitempty"`
	DiscountMode  string `json:"discountMode,omitempty"`
	DiscountValue *Exact `json:"discountValue,omitempty"`
}

func (l lineBody) quantity() decimal.Decimal {
	if l.Quantity == nil {
		return decOne
	}
	return l.Quantity.Dec()
}

// invoiceBody is an invoice as Billy takes it in POST and PUT (a PUT is a
// partial update: absent fields stay as they are, §2.2).
type invoiceBody struct {
	Type              string     `json:"type,omitempty"`
	CreditedInvoiceID string     `json:"creditedInvoiceId,omitempty"`
	ContactID         string     `json:"contactId,omitempty"`
	EntryDate         string     `json:"entryDate,omitempty"`
	CurrencyID        string     `json:"currencyId,omitempty"`
	TaxMode           string     `json:"taxMode,omitempty"`
	PaymentTermsMode  string     `json:"paymentTermsMode,omitempty"`
	PaymentTermsDays  *int       `json:"paymentTermsDays,omitempty"`
	DueDate           string     `json:"dueDate,omitempty"`
	ContactMessage    *string    `json:"contactMessage,omitempty"`
	State             string     `json:"state,omitempty"`
	Lines             []lineBody `json:"lines,omitempty"`
}

// linesBody validates lines and builds Billy's. field is the argument
// name for messages ("lines").
func linesBody(field string, lines []LineInput) ([]lineBody, error) {
	if len(lines) == 0 {
		return nil, sdk.Invalid(field, "at least one line is required")
	}
	if len(lines) > 200 {
		return nil, sdk.Invalid(field, "at most 200 lines, got %d", len(lines))
	}
	out := make([]lineBody, 0, len(lines))
	for i, l := range lines {
		f := fmt.Sprintf("%s[%d]", field, i)
		if err := checkID(f+".productId", l.ProductID); err != nil {
			return nil, err
		}
		b := lineBody{ProductID: l.ProductID, Description: strings.TrimSpace(l.Description)}
		if l.Quantity != nil {
			q := l.Quantity.Dec()
			if err := checkQuantity(f+".quantity", q); err != nil {
				return nil, err
			}
			b.Quantity = exactPtr(q)
		}
		if l.UnitPrice != nil {
			up := l.UnitPrice.Dec()
			if err := checkUnitPrice(f+".unitPrice", up); err != nil {
				return nil, err
			}
			b.UnitPrice = exactPtr(up)
		}
		out = append(out, b)
	}
	return out, nil
}

func checkQuantity(field string, q decimal.Decimal) error {
	if !q.IsPositive() || q.GreaterThan(maxQuantity) {
		return sdk.Invalid(field, "must be greater than 0 (and sensible), got %s; to credit, use create_credit_note", plain(q))
	}
	if !hasPlaces(q, quantityPlaces) {
		return sdk.Invalid(field, "has more than %d decimals (%s)", quantityPlaces, plain(q))
	}
	return nil
}

// termsMode is the payment terms mode a write sends. Days given alone are
// net days, due that many days after the invoice date, as a Danish
// bookkeeper reads "8 dage"; without that, Billy would keep the customer's
// mode, and "8 days" on a customer with løbende måned would fall due 8 days
// after the end of the month.
func termsMode(mode string, days *int) string {
	if mode == "" && days != nil {
		return "net"
	}
	return mode
}

// termsText says when an invoice falls due under its terms, for the
// preview ("" when Billy decides: the customer's terms).
func termsText(entry, mode string, days *int, due string) string {
	d, err := time.Parse(time.DateOnly, entry)
	if err != nil {
		return ""
	}
	switch {
	case mode == "date" && due != "":
		return "due " + dkfmt.DateISO(due)
	case mode == "net" && days != nil:
		return fmt.Sprintf("due %s (net %d days from the invoice date)", dkfmt.DateISO(d.AddDate(0, 0, *days).Format(time.DateOnly)), *days)
	case mode == "netEndOfMonth" && days != nil:
		end := time.Date(d.Year(), d.Month()+1, 0, 0, 0, 0, 0, time.UTC)
		return fmt.Sprintf("due %s (løbende måned + %d days)", dkfmt.DateISO(end.AddDate(0, 0, *days).Format(time.DateOnly)), *days)
	}
	return ""
}

// termsFields validates the optional payment terms and tax mode.
func termsFields(mode string, days *int, due, taxMode string) error {
	if err := firstErr(oneOf("paymentTermsMode", mode, "net", "netEndOfMonth", "date"), checkDate("dueDate", due),
		oneOf("taxMode", taxMode, "excl", "incl")); err != nil {
		return err
	}
	if days != nil && (*days < -365 || *days > 365) {
		return sdk.Invalid("paymentTermsDays", "must be between -365 and 365, got %d", *days)
	}
	if due != "" && mode != "date" {
		return sdk.Invalid("dueDate", "is only used with paymentTermsMode \"date\"; otherwise Billy computes the due date from the payment terms")
	}
	if mode == "date" && due == "" {
		return sdk.Invalid("dueDate", "is required with paymentTermsMode \"date\"")
	}
	return nil
}

// readBackInvoice reads an invoice after a write.
func (p *plugin) readBackInvoice(ctx context.Context, call *sdk.Call, id string) (*Invoice, error) {
	inv, err := readInvoice(ctx, call, id)
	if err != nil {
		return nil, err
	}
	out := invoiceOf(inv, p.today())
	return &out, nil
}

// ---- create_invoice ----

// CreateInvoiceInput is a new draft invoice.
type CreateInvoiceInput struct {
	ContactID        string      `json:"contactId,omitempty" jsonschema:"required"`
	CustomerID       string      `json:"customerId,omitempty" jsonschema:"alias of contactId"`
	EntryDate        string      `json:"entryDate,omitempty" jsonschema:"invoice date; default today"`
	PaymentTermsDays *int        `json:"paymentTermsDays,omitempty" jsonschema:"net days after entryDate; default the customer's terms"`
	PaymentTermsMode string      `json:"paymentTermsMode,omitempty" jsonschema:"net, netEndOfMonth (løbende måned) or date (give dueDate)"`
	DueDate          string      `json:"dueDate,omitempty" jsonschema:"with paymentTermsMode date"`
	CurrencyID       string      `json:"currencyId,omitempty" jsonschema:"default the base currency"`
	TaxMode          string      `json:"taxMode,omitempty" jsonschema:"excl or incl"`
	ContactMessage   string      `json:"contactMessage,omitempty" jsonschema:"text at the top of the invoice"`
	Lines            []LineInput `json:"lines"`
	DryRunOption
}

func (p *plugin) createInvoiceTool() sdk.Tool {
	return sdk.NewTool(additiveSpec(sdk.ToolSpec{
		Name:  "create_invoice",
		Title: "Create a draft invoice",
		Description: "Creates a draft invoice with product lines; Billy computes VAT, totals and the due date. " +
			"A draft is not booked or sent.",
		Category: "invoices",
		Scopes:   []string{"invoices:write"},
		Examples: []sdk.Example{{Title: "Two hours of consulting", Arguments: CreateInvoiceInput{ContactID: "PGKzNtzARISFRfQy0KkoLQ", EntryDate: "2025-03-14",
			Lines: []LineInput{{ProductID: "Yk3rT9sLQ0a1bC2dE3fG4h", Description: "Rådgivning marts", Quantity: ptr(Number(2)), UnitPrice: ptr(Number(950))}}}}},
	}, false), p.createInvoice)
}

func (p *plugin) createInvoice(ctx context.Context, call *sdk.Call, in CreateInvoiceInput) (WriteResult[Invoice], error) {
	var out WriteResult[Invoice]
	contactID, err := alias("contactId", in.ContactID, "customerId", in.CustomerID)
	if err != nil {
		return out, err
	}
	if contactID == "" {
		return out, sdk.Invalid("contactId", "is required: the customer's Billy ID (list_customers finds it)")
	}
	entry := in.EntryDate
	if entry == "" {
		entry = p.today()
	}
	if err := firstErr(checkID("contactId", contactID), checkDate("entryDate", entry), checkCurrency("currencyId", in.CurrencyID),
		termsFields(in.PaymentTermsMode, in.PaymentTermsDays, in.DueDate, in.TaxMode)); err != nil {
		return out, err
	}
	lines, err := linesBody("lines", in.Lines)
	if err != nil {
		return out, err
	}
	// Prices left out are filled in by the plan and checked there again.
	vatOnTop := in.TaxMode != "incl"
	if err := checkLineTotals("lines", lines, in.CurrencyID, vatOnTop); err != nil {
		return out, err
	}
	mode := termsMode(in.PaymentTermsMode, in.PaymentTermsDays)
	body := invoiceBody{Type: "invoice", ContactID: contactID, EntryDate: entry, CurrencyID: strings.ToUpper(in.CurrencyID),
		TaxMode: in.TaxMode, PaymentTermsMode: mode, PaymentTermsDays: in.PaymentTermsDays, DueDate: in.DueDate, Lines: lines}
	if in.ContactMessage != "" {
		body.ContactMessage = &in.ContactMessage
	}
	return runWrite(ctx, p, call, writeSpec[Invoice]{
		tool: "create_invoice", effect: sdk.Additive, dryRun: in.DryRun,
		plan: func(ctx context.Context) (*plan, error) {
			notes, err := newPricer(ctx, call, newVATRates(ctx, call), contactID, body.CurrencyID, body.TaxMode).fill("lines", body.Lines)
			if err != nil {
				return nil, err
			}
			if err := checkLineTotals("lines", body.Lines, body.CurrencyID, vatOnTop); err != nil {
				return nil, err
			}
			changes := append([]string{"a new draft invoice (not booked, no number, not sent)"}, notes...)
			if due := termsText(entry, mode, in.PaymentTermsDays, in.DueDate); due != "" {
				changes = append(changes, due)
			}
			return &plan{requests: []BillyCall{{Method: "POST", Path: "/invoices", Body: map[string]any{"invoice": body}}}, preview: Preview{
				Action:  fmt.Sprintf("Create a draft invoice dated %s for customer %s with %d line(s)", dkfmt.DateISO(entry), contactID, len(lines)),
				Changes: changes,
				Undo:    "A draft can be edited with update_invoice, or deleted in Billy.",
			}}, nil
		},
		readBack: func(ctx context.Context, answers []*envelope) (*Invoice, error) {
			id, err := answers[0].createdID("invoices", nil)
			if err != nil {
				return nil, err
			}
			return p.readBackInvoice(ctx, call, id)
		},
	})
}

// ---- update_invoice ----

// UpdateInvoiceInput changes a draft invoice; absent fields stay as they
// are.
type UpdateInvoiceInput struct {
	InvoiceID        string      `json:"invoiceId"`
	ContactID        string      `json:"contactId,omitempty" jsonschema:"v1; must be the current customer"`
	CustomerID       string      `json:"customerId,omitempty" jsonschema:"alias of contactId"`
	EntryDate        string      `json:"entryDate,omitempty"`
	PaymentTermsDays *int        `json:"paymentTermsDays,omitempty" jsonschema:"net days after entryDate"`
	PaymentTermsMode string      `json:"paymentTermsMode,omitempty" jsonschema:"net, netEndOfMonth or date"`
	DueDate          string      `json:"dueDate,omitempty" jsonschema:"with paymentTermsMode date"`
	TaxMode          string      `json:"taxMode,omitempty" jsonschema:"excl or incl"`
	ContactMessage   *string     `json:"contactMessage,omitempty" jsonschema:"empty clears it"`
	Lines            []LineInput `json:"lines,omitempty" jsonschema:"replace all lines"`
	DryRunOption
}

func (p *plugin) updateInvoiceTool() sdk.Tool {
	return sdk.NewTool(additiveSpec(sdk.ToolSpec{
		Name:  "update_invoice",
		Title: "Edit a draft invoice",
		Description: "Changes the given fields of a draft invoice (0 and empty values too). " +
			"An approved invoice cannot be edited: correct it with create_credit_note and a new invoice.",
		Category: "invoices",
		Scopes:   []string{"invoices:write"},
		Examples: []sdk.Example{{Title: "Change payment terms", Arguments: UpdateInvoiceInput{InvoiceID: "GJj2Kr8vQ3mmuWn30VT5lw", PaymentTermsDays: ptr(14)}}},
	}, true), p.updateInvoice)
}

func (p *plugin) updateInvoice(ctx context.Context, call *sdk.Call, in UpdateInvoiceInput) (WriteResult[Invoice], error) {
	var out WriteResult[Invoice]
	contactID, err := alias("contactId", in.ContactID, "customerId", in.CustomerID)
	if err != nil {
		return out, err
	}
	if err := firstErr(checkID("invoiceId", in.InvoiceID), checkOptionalID("contactId", contactID), checkDate("entryDate", in.EntryDate),
		termsFields(in.PaymentTermsMode, in.PaymentTermsDays, in.DueDate, in.TaxMode)); err != nil {
		return out, err
	}
	body := invoiceBody{EntryDate: in.EntryDate, PaymentTermsMode: termsMode(in.PaymentTermsMode, in.PaymentTermsDays), PaymentTermsDays: in.PaymentTermsDays,
		DueDate: in.DueDate, TaxMode: in.TaxMode, ContactMessage: in.ContactMessage}
	if in.Lines != nil {
		if body.Lines, err = linesBody("lines", in.Lines); err != nil {
			return out, err
		}
		// The tax mode may be the invoice's own, known in the plan, which
		// checks the VAT on top.
		if err := checkLineTotals("lines", body.Lines, "", false); err != nil {
			return out, err
		}
	}
	if b, _ := json.Marshal(body); string(b) == "{}" {
		return out, sdk.Invalid("invoiceId", "nothing to change: give at least one of entryDate, paymentTermsDays, paymentTermsMode, dueDate, taxMode, contactMessage or lines")
	}
	return runWrite(ctx, p, call, writeSpec[Invoice]{
		tool: "update_invoice", effect: sdk.Additive, dryRun: in.DryRun,
		plan: func(ctx context.Context) (*plan, error) {
			cur, err := readInvoice(ctx, call, in.InvoiceID)
			if err != nil {
				return nil, err
			}
			if cur.State != "draft" {
				return nil, sdk.NewError(sdk.CategoryConflict, "invoice_not_draft",
					"invoice %s is %s, and Billy allows editing drafts only; to correct an approved invoice, create a credit note (create_credit_note) and a new invoice", displayNo(cur), cur.State)
			}
			if contactID != "" && contactID != cur.ContactID {
				return nil, sdk.Invalid("contactId", "an invoice's customer cannot be changed in Billy (the invoice is for %s); create a new invoice for the other customer instead", cur.ContactID)
			}
			changes := []string{}
			if in.EntryDate != "" {
				changes = append(changes, fmt.Sprintf("entryDate: %s → %s", dkfmt.DateISO(cur.EntryDate), dkfmt.DateISO(in.EntryDate)))
			}
			if in.PaymentTermsDays != nil {
				changes = append(changes, fmt.Sprintf("paymentTermsDays: %d → %d", cur.PaymentTermsDays, *in.PaymentTermsDays))
			}
			if body.PaymentTermsMode != "" && body.PaymentTermsMode != cur.PaymentTermsMode {
				changes = append(changes, fmt.Sprintf("paymentTermsMode: %s → %s", cur.PaymentTermsMode, body.PaymentTermsMode))
			}
			entry := cmp.Or(in.EntryDate, cur.EntryDate)
			if in.EntryDate != "" || in.PaymentTermsDays != nil || in.PaymentTermsMode != "" || in.DueDate != "" {
				days := in.PaymentTermsDays
				if days == nil {
					days = &cur.PaymentTermsDays
				}
				if due := termsText(entry, cmp.Or(body.PaymentTermsMode, cur.PaymentTermsMode), days, in.DueDate); due != "" {
					changes = append(changes, due)
				}
			}
			if in.TaxMode != "" {
				changes = append(changes, fmt.Sprintf("taxMode: %s → %s", cur.TaxMode, in.TaxMode))
			}
			if in.ContactMessage != nil {
				changes = append(changes, "contactMessage replaced")
			}
			if body.Lines != nil {
				changes = append(changes, fmt.Sprintf("all %d line(s) replaced by %d new line(s)", len(cur.Lines), len(body.Lines)))
				notes, err := newPricer(ctx, call, newVATRates(ctx, call), cur.ContactID, cur.CurrencyID, cmp.Or(in.TaxMode, cur.TaxMode)).fill("lines", body.Lines)
				if err != nil {
					return nil, err
				}
				changes = append(changes, notes...)
			}
			if err := checkDraftTotals(cur, body.Lines, in.TaxMode); err != nil {
				return nil, err
			}
			return &plan{
				requests: []BillyCall{{Method: "PUT", Path: "/invoices/" + url.PathEscape(in.InvoiceID), Body: map[string]any{"invoice": body}}},
				preview: Preview{Action: "Edit draft invoice " + cur.ID, Current: summaryOf(cur, "", p.today()), Changes: changes,
					Undo: "A draft can be edited again with update_invoice."},
			}, nil
		},
		readBack: func(ctx context.Context, _ []*envelope) (*Invoice, error) {
			return p.readBackInvoice(ctx, call, in.InvoiceID)
		},
	})
}

// checkDraftTotals checks what a draft comes to after an edit: its new
// lines, or its current ones under a new tax mode (prices that included
// VAT now get it on top).
func checkDraftTotals(cur billyInvoice, lines []lineBody, taxMode string) error {
	mode := cmp.Or(taxMode, cur.TaxMode)
	if lines == nil {
		if taxMode == "" || taxMode == cur.TaxMode {
			return nil // the lines and their tax mode stay as Billy has them
		}
		for _, l := range cur.Lines {
			b := lineBody{ProductID: l.ProductID, Quantity: exactPtr(l.Quantity), UnitPrice: exactPtr(l.UnitPrice), DiscountMode: l.DiscountMode}
			if l.DiscountValue != nil {
				b.DiscountValue = exactPtr(*l.DiscountValue)
			}
			lines = append(lines, b)
		}
		return checkLineTotals("taxMode", lines, cur.CurrencyID, mode != "incl")
	}
	return checkLineTotals("lines", lines, cur.CurrencyID, mode != "incl")
}

func ptr[T any](v T) *T { return &v }
