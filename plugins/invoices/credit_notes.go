package invoices

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/billy-mcp/billy-mcp/plugins/internal/dkfmt"
	"net/url"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/shopspring/decimal"
)

// A credit note (kreditnota) is how an approved invoice is corrected in
// Danish bookkeeping: an invoice of type creditNote that names the invoice
// it credits (billy-api.md §7.3.2).
//
// An invoice can be credited at most once in full: what remains creditable
// is its gross amount less its approved credit notes, and a credit note
// that would take more is refused before anything is written, whatever the
// write mode (in direct mode nobody sees a preview that could warn).

// ---- create_credit_note ----

// CreditNoteInput credits an approved invoice in full or in part.
type CreditNoteInput struct {
	InvoiceID      string      `json:"invoiceId"`
	Lines          []LineInput `json:"lines,omitempty" jsonschema:"default: all of it, at invoiced prices"`
	EntryDate      string      `json:"entryDate,omitempty" jsonschema:"default today"`
	ContactMessage string      `json:"contactMessage,omitempty" jsonschema:"text on the credit note, e.g. the reason"`
	Draft          bool        `json:"draft,omitempty" jsonschema:"true: leave it a draft for approve_invoice"`
	Confirmable
}

func (p *plugin) createCreditNoteTool() sdk.Tool {
	return sdk.NewTool(destructiveSpec(sdk.ToolSpec{
		Name:  "create_credit_note",
		Title: "Credit an invoice",
		Description: "Credits an approved invoice in full or by the given lines (kreditnota), approved at once and set off against its balance; " +
			"never more than is left uncredited. It cannot be undone, only voided." + confirmNote,
		Category: "invoices",
		Scopes:   []string{"invoices:approve"},
		Examples: []sdk.Example{
			{Title: "Credit a whole invoice", Arguments: CreditNoteInput{InvoiceID: "GJj2Kr8vQ3mmuWn30VT5lw", ContactMessage: "Kreditering af faktura 1042"}},
			{Title: "Credit one hour", Arguments: CreditNoteInput{InvoiceID: "GJj2Kr8vQ3mmuWn30VT5lw",
				Lines: []LineInput{{ProductID: "Yk3rT9sLQ0a1bC2dE3fG4h", Description: "Fejlregistreret time", Quantity: ptr(Number(1)), UnitPrice: ptr(Number(950))}}}},
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
		// Before any request: the lines given with their prices. What the
		// credit note comes to with VAT is checked once its rates are known.
		if err := checkLineTotals("lines", given, "", false); err != nil {
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
			vat := newVATRates(ctx, call)
			lines := append([]lineBody(nil), given...)
			scope := "in full"
			var notes []string
			if given == nil {
				for _, l := range orig.Lines {
					b := lineBody{ProductID: l.ProductID, Description: l.Description, Quantity: exactPtr(l.Quantity),
						UnitPrice: exactPtr(l.UnitPrice), DiscountMode: l.DiscountMode}
					if l.DiscountValue != nil {
						b.DiscountValue = exactPtr(*l.DiscountValue)
					}
					lines = append(lines, b)
				}
				if len(lines) == 0 {
					return nil, unexpected("the invoice came back without lines")
				}
			} else {
				scope = fmt.Sprintf("partly (%d line(s))", len(lines))
				if notes, err = invoicedPrices(ctx, call, vat, orig, lines); err != nil {
					return nil, err
				}
			}
			if err := checkLineTotals("lines", lines, orig.CurrencyID, false); err != nil {
				return nil, err
			}
			net, tax, err := creditTotals(ctx, call, vat, orig, lines)
			if err != nil {
				return nil, err
			}
			if err := checkCreditGross("lines", net.Add(tax), orig.CurrencyID); err != nil {
				return nil, err
			}
			credited, err := creditNotesOf(ctx, call, orig.ID, "")
			if err != nil {
				return nil, err
			}
			if err := checkCreditable(orig, credited, net.Add(tax), given != nil); err != nil {
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
			cur := orig.CurrencyID
			changes := []string{fmt.Sprintf("a new credit note crediting invoice %s %s, dated %s: %s excl. VAT, %s VAT, %s in all",
				displayNo(orig), scope, dkfmt.DateISO(entry), money(net, cur), money(tax, cur), money(net.Add(tax), cur))}
			changes = append(changes, notes...)
			if in.Draft {
				changes = append(changes, "created as a draft: nothing is booked until approve_invoice")
			} else {
				changes = append(changes, "approved at once: booked as a reversal of revenue and VAT, and set off against the invoice's balance of "+
					money(orig.Balance, cur)+"; any excess is owed back to the customer")
			}
			if credited.count > 0 {
				changes = append(changes, fmt.Sprintf("the invoice already has %d approved credit note(s) totalling %s; after this one %s of %s is credited",
					credited.count, money(credited.gross, cur), money(credited.gross.Add(net).Add(tax), cur), money(orig.GrossAmount, cur)))
			}
			if credited.drafts > 0 {
				changes = append(changes, fmt.Sprintf("note: the invoice also has %d draft credit note(s); approving them later is checked against what is left", credited.drafts))
			}
			return &plan{
				requests: []BillyCall{{Method: "POST", Path: "/invoices", Body: map[string]any{"invoice": body}}},
				preview: Preview{
					Action:  fmt.Sprintf("Credit invoice %s (%s incl. VAT) %s", displayNo(orig), money(orig.GrossAmount, cur), scope),
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

// invoicedPrices gives credit-note lines without a unit price the price the
// product was invoiced at on the credited invoice (what the customer paid),
// or, for a product not on it, the product's price.
func invoicedPrices(ctx context.Context, call *sdk.Call, vat *vatRates, orig billyInvoice, lines []lineBody) ([]string, error) {
	var notes []string
	for i := range lines {
		if lines[i].UnitPrice != nil {
			continue
		}
		if l, ok := lineOf(orig, lines[i].ProductID); ok {
			lines[i].UnitPrice = exactPtr(l.UnitPrice)
			notes = append(notes, fmt.Sprintf("line %d: unit price %s, as invoiced", i+1, unitMoney(l.UnitPrice, orig.CurrencyID)))
		}
	}
	more, err := newPricer(ctx, call, vat, orig.ContactID, orig.CurrencyID, orig.TaxMode).fill("lines", lines)
	return append(notes, more...), err
}

func lineOf(inv billyInvoice, productID string) (billyLine, bool) {
	for _, l := range inv.Lines {
		if l.ProductID == productID {
			return l, true
		}
	}
	return billyLine{}, false
}

// creditTotals computes what a credit note with these lines comes to. A
// product on the credited invoice has the VAT rate it was invoiced with
// (same customer, same product); another product's rate is derived.
func creditTotals(ctx context.Context, call *sdk.Call, vat *vatRates, orig billyInvoice, lines []lineBody) (net, tax decimal.Decimal, err error) {
	priced := make([]pricedLine, 0, len(lines))
	var pr *pricer
	for _, l := range lines {
		pl := pricedLine{quantity: l.quantity(), unitPrice: l.UnitPrice.Dec(), discountMode: l.DiscountMode}
		if l.DiscountValue != nil {
			d := l.DiscountValue.Dec()
			pl.discountValue = &d
		}
		if ol, ok := lineOf(orig, l.ProductID); ok {
			pl.rateID = ol.TaxRateID
			if pl.rate, err = vat.rate(ol.TaxRateID); err != nil {
				return net, tax, err
			}
		} else {
			if pr == nil {
				pr = newPricer(ctx, call, vat, orig.ContactID, orig.CurrencyID, orig.TaxMode)
			}
			prod, err := pr.product(l.ProductID)
			if err != nil {
				return net, tax, err
			}
			c, err := pr.customer()
			if err != nil {
				return net, tax, err
			}
			if pl.rateID, pl.rate, err = vat.derive(prod, *c); err != nil {
				return net, tax, err
			}
		}
		priced = append(priced, pl)
	}
	net, tax = totals(priced, orig.TaxMode == "incl", orig.CurrencyID)
	return net, tax, nil
}

// creditedSum is what an invoice's credit notes come to.
type creditedSum struct {
	count  int             // approved credit notes
	gross  decimal.Decimal // their gross amounts, positive
	drafts int             // draft credit notes (not booked)
}

// creditNotesOf sums the credit notes of an invoice, leaving out except
// (a draft about to be approved). Billy ignores filters it does not know,
// so each record is checked again.
func creditNotesOf(ctx context.Context, call *sdk.Call, invoiceID, except string) (creditedSum, error) {
	var s creditedSum
	err := eachPage(ctx, call, "/invoices", url.Values{"creditedInvoiceId": {invoiceID}}, func(env *envelope) error {
		var notes []billyInvoice
		if err := env.decodeRoot("invoices", &notes); err != nil {
			return err
		}
		for _, n := range notes {
			if n.Type != "creditNote" || n.CreditedInvoiceID != invoiceID || n.ID == except {
				continue
			}
			switch n.State {
			case "approved":
				s.count++
				s.gross = s.gross.Add(n.GrossAmount)
			case "draft":
				s.drafts++
			}
		}
		return nil
	})
	return s, err
}

// checkCreditable refuses a credit note of gross that would credit more
// than is left of the invoice.
func checkCreditable(orig billyInvoice, credited creditedSum, gross decimal.Decimal, linesGiven bool) error {
	left := orig.GrossAmount.Sub(credited.gross)
	if gross.LessThanOrEqual(left) {
		return nil
	}
	cur := orig.CurrencyID
	msg := fmt.Sprintf("invoice %s comes to %s incl. VAT", displayNo(orig), money(orig.GrossAmount, cur))
	if credited.count > 0 {
		msg += fmt.Sprintf(" and %d credit note(s) already credit %s of it", credited.count, money(credited.gross, cur))
	}
	if !left.IsPositive() {
		msg += "; nothing is left to credit"
	} else {
		msg += fmt.Sprintf("; at most %s can still be credited, and this credit note comes to %s", money(left, cur), money(gross, cur))
		if !linesGiven {
			msg += "; give lines for what is left"
		}
	}
	e := sdk.NewError(sdk.CategoryConflict, "credit_exceeds_invoice", "%s", msg)
	if linesGiven {
		e.Fields = []sdk.FieldError{{Field: "lines", Message: "credits more than is left of the invoice"}}
	}
	return e
}
