package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// A credit note (kreditnota) is how an approved invoice is corrected in
// Danish bookkeeping: an invoice of type creditNote that names the invoice
// it credits (billy-api.md §7.3.2).

// ---- create_credit_note ----

// CreditNoteInput credits an approved invoice in full or in part.
type CreditNoteInput struct {
	InvoiceID      string      `json:"invoiceId"`
	Lines          []LineInput `json:"lines,omitempty" jsonschema:"positive quantities and prices; default the whole invoice"`
	EntryDate      string      `json:"entryDate,omitempty" jsonschema:"default today"`
	ContactMessage string      `json:"contactMessage,omitempty" jsonschema:"text on the credit note, e.g. the reason"`
	Draft          bool        `json:"draft,omitempty" jsonschema:"true: leave it a draft for approve_invoice"`
	Confirmable
}

func (p *plugin) createCreditNoteTool() sdk.Tool {
	return sdk.NewTool(destructiveSpec(sdk.ToolSpec{
		Name:  "create_credit_note",
		Title: "Credit an invoice",
		Description: "Credits an approved invoice in full or by the given lines (kreditnota), approved at once and set off against its balance. " +
			"This is how an approved invoice is corrected. It cannot be undone, only voided." + confirmNote,
		Category: "invoices",
		Scopes:   []string{"invoices:write"},
		Examples: []sdk.Example{
			{Title: "Credit a whole invoice", Arguments: CreditNoteInput{InvoiceID: "GJj2Kr8vQ3mmuWn30VT5lw", ContactMessage: "Kreditering af faktura 1042"}},
			{Title: "Credit one hour", Arguments: CreditNoteInput{InvoiceID: "GJj2Kr8vQ3mmuWn30VT5lw",
				Lines: []LineInput{{ProductID: "Yk3rT9sLQ0a1bC2dE3fG4h", Description: "Fejlregistreret time", Quantity: ptr(1.0), UnitPrice: ptr(950.0)}}}},
		},
	}), p.createCreditNote)
}

func (p *plugin) createCreditNote(ctx context.Context, call *sdk.Call, in CreditNoteInput) (WriteResult[Invoice], error) {
	var out WriteResult[Invoice]
	if err := firstErr(checkID("invoiceId", in.InvoiceID), checkDate("entryDate", in.EntryDate)); err != nil {
		return out, err
	}
	var given []lineBody
	if in.Lines != nil {
		var err error
		if given, err = linesBody("lines", in.Lines); err != nil {
			return out, err
		}
	}
	return runWrite(ctx, p, call, writeSpec[Invoice]{
		tool: "create_credit_note", effect: sdk.Destructive, dryRun: in.DryRun, token: in.ConfirmationToken,
		args: struct {
			InvoiceID      string      `json:"invoiceId"`
			Lines          []LineInput `json:"lines"`
			EntryDate      string      `json:"entryDate"`
			ContactMessage string      `json:"contactMessage"`
			Draft          bool        `json:"draft"`
		}{in.InvoiceID, in.Lines, in.EntryDate, in.ContactMessage, in.Draft},
		plan: func(ctx context.Context) (*plan, error) {
			orig, err := readInvoice(ctx, call, in.InvoiceID)
			if err != nil {
				return nil, err
			}
			if orig.Type != "invoice" || orig.State != "approved" {
				return nil, sdk.NewError(sdk.CategoryConflict, "invoice_not_creditable",
					"%s %s is %s; only an approved invoice can be credited", kindWord(orig), displayNo(orig), orig.State)
			}
			lines := given
			scope := "in full"
			if lines == nil {
				for _, l := range orig.Lines {
					lines = append(lines, lineBody{ProductID: l.ProductID, Description: l.Description, Quantity: ptr(l.Quantity),
						UnitPrice: ptr(l.UnitPrice), DiscountMode: l.DiscountMode, DiscountValue: l.DiscountValue})
				}
				if len(lines) == 0 {
					return nil, unexpected("the invoice came back without lines")
				}
			} else {
				scope = fmt.Sprintf("partly (%d line(s))", len(lines))
				if over := lineTotal(lines) - origTotal(orig.Lines); over > 0.005 {
					return nil, sdk.Invalid("lines", "the lines add up to %s more (before VAT and discounts) than the invoice itself; a credit note cannot credit more than was invoiced", amountText(over, orig.CurrencyID))
				}
			}
			credited, err := alreadyCredited(ctx, call, orig.ID)
			if err != nil {
				return nil, err
			}
			entry := in.EntryDate
			if entry == "" {
				entry = p.today()
			}
			body := invoiceBody{Type: "creditNote", CreditedInvoiceID: orig.ID, ContactID: orig.ContactID, EntryDate: entry,
				CurrencyID: orig.CurrencyID, TaxMode: orig.TaxMode, Lines: lines}
			if in.ContactMessage != "" {
				body.ContactMessage = &in.ContactMessage
			}
			if !in.Draft {
				body.State = "approved"
			}
			changes := []string{fmt.Sprintf("a new credit note crediting invoice %s %s, dated %s, in %s", displayNo(orig), scope, entry, orig.CurrencyID)}
			if in.Draft {
				changes = append(changes, "created as a draft: nothing is booked until approve_invoice")
			} else {
				changes = append(changes, "approved at once: booked as a reversal of revenue and VAT, and set off against the invoice's balance "+
					amountText(orig.Balance, orig.CurrencyID)+"; any excess is owed back to the customer")
			}
			if credited.count > 0 {
				changes = append(changes, fmt.Sprintf("note: the invoice already has %d approved credit note(s) totalling %s incl. VAT",
					credited.count, amountText(credited.gross, orig.CurrencyID)))
			}
			return &plan{
				requests: []BillyCall{{Method: "POST", Path: "/invoices", Body: map[string]any{"invoice": body}}},
				preview: Preview{
					Action:  fmt.Sprintf("Credit invoice %s (%s incl. VAT) %s", displayNo(orig), amountText(orig.GrossAmount, orig.CurrencyID), scope),
					Current: summaryOf(orig, "", p.today()), Changes: changes,
					Undo: "An approved credit note cannot be deleted or edited; it can only be voided (cancel_invoice on the credit note).",
				},
			}, nil
		},
		readBack: func(ctx context.Context, answers []*envelope) (*Invoice, error) {
			id, err := answers[0].createdID("invoices", func(raw json.RawMessage) bool {
				var r struct {
					Type              string `json:"type"`
					CreditedInvoiceID string `json:"creditedInvoiceId"`
				}
				return json.Unmarshal(raw, &r) == nil && r.Type == "creditNote" && r.CreditedInvoiceID == in.InvoiceID
			})
			if err != nil {
				return nil, err
			}
			return p.readBackInvoice(ctx, call, id)
		},
	})
}

func lineTotal(lines []lineBody) float64 {
	var t float64
	for _, l := range lines {
		q := 1.0
		if l.Quantity != nil {
			q = *l.Quantity
		}
		if l.UnitPrice != nil {
			t += q * *l.UnitPrice
		}
	}
	return t
}

func origTotal(lines []billyLine) float64 {
	var t float64
	for _, l := range lines {
		t += l.Quantity * l.UnitPrice
	}
	return t
}

type creditedSum struct {
	count int
	gross float64
}

// alreadyCredited sums the approved credit notes of an invoice, for the
// preview (a second full credit is almost always a mistake).
func alreadyCredited(ctx context.Context, call *sdk.Call, invoiceID string) (creditedSum, error) {
	env, err := listPage(ctx, call, "/invoices", url.Values{"creditedInvoiceId": {invoiceID}, "state": {"approved"}}, 1, 100)
	if err != nil {
		return creditedSum{}, err
	}
	var notes []billyInvoice
	if err := env.decodeRoot("invoices", &notes); err != nil {
		return creditedSum{}, err
	}
	var s creditedSum
	for _, n := range notes {
		// Re-check: Billy ignores filters it does not know.
		if n.Type == "creditNote" && n.CreditedInvoiceID == invoiceID && n.State == "approved" {
			s.count++
			s.gross += n.GrossAmount
		}
	}
	return s, nil
}
