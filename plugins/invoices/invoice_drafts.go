package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// create_invoice and update_invoice work on drafts only. A draft is not
// booked and can be edited again, so both are Additive: under the confirm
// policy they run directly.

// LineInput is one invoice line as a caller gives it (v1's shape).
type LineInput struct {
	ProductID   string   `json:"productId"`
	Description string   `json:"description,omitempty" jsonschema:"default the product's"`
	Quantity    *float64 `json:"quantity,omitempty" jsonschema:"default 1"`
	UnitPrice   *float64 `json:"unitPrice,omitempty" jsonschema:"default the product's price"`
}

// lineBody is an invoice line as Billy takes it.
type lineBody struct {
	ProductID     string   `json:"productId"`
	Description   string   `json:"description,omitempty"`
	Quantity      *float64 `json:"quantity,omitempty"`
	UnitPrice     *float64 `json:"unitPrice,omitempty"`
	DiscountMode  string   `json:"discountMode,omitempty"`
	DiscountValue *float64 `json:"discountValue,omitempty"`
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
		if l.Quantity != nil {
			if err := checkQuantity(f+".quantity", *l.Quantity); err != nil {
				return nil, err
			}
		}
		if l.UnitPrice != nil {
			if err := checkAmount(f+".unitPrice", *l.UnitPrice, false); err != nil {
				return nil, err
			}
		}
		out = append(out, lineBody{ProductID: l.ProductID, Description: strings.TrimSpace(l.Description), Quantity: l.Quantity, UnitPrice: l.UnitPrice})
	}
	return out, nil
}

func checkQuantity(field string, q float64) error {
	if !(q > 0) || q > 1e9 {
		return sdk.Invalid(field, "must be greater than 0 (and sensible), got %v; to credit, use create_credit_note", q)
	}
	return nil
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
	PaymentTermsDays *int        `json:"paymentTermsDays,omitempty" jsonschema:"default the customer's"`
	PaymentTermsMode string      `json:"paymentTermsMode,omitempty" jsonschema:"net (entryDate + days), netEndOfMonth or date (give dueDate)"`
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
			"A draft is not booked or sent: do not approve or send it unless the user asks.",
		Category: "invoices",
		Scopes:   []string{"invoices:write"},
		Examples: []sdk.Example{{Title: "Two hours of consulting", Arguments: CreateInvoiceInput{ContactID: "PGKzNtzARISFRfQy0KkoLQ", EntryDate: "2025-03-14",
			Lines: []LineInput{{ProductID: "Yk3rT9sLQ0a1bC2dE3fG4h", Description: "Rådgivning marts", Quantity: ptr(2.0), UnitPrice: ptr(950.0)}}}}},
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
	body := invoiceBody{Type: "invoice", ContactID: contactID, EntryDate: entry, CurrencyID: strings.ToUpper(in.CurrencyID),
		TaxMode: in.TaxMode, PaymentTermsMode: in.PaymentTermsMode, PaymentTermsDays: in.PaymentTermsDays, DueDate: in.DueDate, Lines: lines}
	if in.ContactMessage != "" {
		body.ContactMessage = &in.ContactMessage
	}
	req := BillyCall{Method: "POST", Path: "/invoices", Body: map[string]any{"invoice": body}}
	return runWrite(ctx, p, call, writeSpec[Invoice]{
		tool: "create_invoice", effect: sdk.Additive, dryRun: in.DryRun,
		plan: func(ctx context.Context) (*plan, error) {
			return &plan{requests: []BillyCall{req}, preview: Preview{
				Action:  fmt.Sprintf("Create a draft invoice dated %s for customer %s with %d line(s)", entry, contactID, len(lines)),
				Changes: []string{"a new draft invoice (not booked, no number, not sent)"},
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
	PaymentTermsDays *int        `json:"paymentTermsDays,omitempty"`
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
	body := invoiceBody{EntryDate: in.EntryDate, PaymentTermsMode: in.PaymentTermsMode, PaymentTermsDays: in.PaymentTermsDays,
		DueDate: in.DueDate, TaxMode: in.TaxMode, ContactMessage: in.ContactMessage}
	if in.Lines != nil {
		if body.Lines, err = linesBody("lines", in.Lines); err != nil {
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
				changes = append(changes, fmt.Sprintf("entryDate: %s → %s", cur.EntryDate, in.EntryDate))
			}
			if in.PaymentTermsDays != nil {
				changes = append(changes, fmt.Sprintf("paymentTermsDays: %d → %d", cur.PaymentTermsDays, *in.PaymentTermsDays))
			}
			if in.PaymentTermsMode != "" {
				changes = append(changes, fmt.Sprintf("paymentTermsMode: %s → %s", cur.PaymentTermsMode, in.PaymentTermsMode))
			}
			if in.TaxMode != "" {
				changes = append(changes, fmt.Sprintf("taxMode: %s → %s", cur.TaxMode, in.TaxMode))
			}
			if in.ContactMessage != nil {
				changes = append(changes, "contactMessage replaced")
			}
			if body.Lines != nil {
				changes = append(changes, fmt.Sprintf("all %d line(s) replaced by %d new line(s)", len(cur.Lines), len(body.Lines)))
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

func ptr[T any](v T) *T { return &v }
