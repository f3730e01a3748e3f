package invoices

import (
	"context"
	"fmt"
	"github.com/billy-mcp/billy-mcp/plugins/internal/dkfmt"
	"net/url"
	"strings"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// The invoice lifecycle steps that cannot be taken back: approving books
// the invoice, sending emails it, cancelling voids it, and a credit note
// books a reversal. All are Destructive and go through the confirmation
// flow in confirm.go.

// ---- approve_invoice ----

// ApproveInvoiceInput names the draft to approve.
type ApproveInvoiceInput struct {
	InvoiceID string `json:"invoiceId"`
	Confirmable
}

func (p *plugin) approveInvoiceTool() sdk.Tool {
	return sdk.NewTool(destructiveSpec(sdk.ToolSpec{
		Name:  "approve_invoice",
		Title: "Approve (book) an invoice",
		Description: "Approves (books) a draft invoice or credit note: Billy gives it a number and the customer owes it; " +
			"it does not email it. It cannot be undone (correct with create_credit_note)." + confirmNote,
		Category: "invoices",
		Scopes:   []string{"invoices:approve"},
		// Approving an approved invoice changes nothing (the plan says so),
		// so a repeat is harmless and needs no idempotency key.
		Idempotent: true,
		Examples:   []sdk.Example{{Title: "Approve a draft", Arguments: ApproveInvoiceInput{InvoiceID: "GJj2Kr8vQ3mmuWn30VT5lw"}}},
	}), p.approveInvoice)
}

func (p *plugin) approveInvoice(ctx context.Context, call *sdk.Call, in ApproveInvoiceInput) (WriteResult[Invoice], error) {
	if err := checkID("invoiceId", in.InvoiceID); err != nil {
		return WriteResult[Invoice]{}, err
	}
	return runWrite(ctx, p, call, writeSpec[Invoice]{
		tool: "approve_invoice", effect: sdk.Destructive, dryRun: in.DryRun, token: in.ConfirmationToken,
		args: struct {
			InvoiceID string `json:"invoiceId"`
		}{in.InvoiceID},
		plan: func(ctx context.Context) (*plan, error) {
			cur, err := readInvoice(ctx, call, in.InvoiceID)
			if err != nil {
				return nil, err
			}
			switch cur.State {
			case "approved":
				return &plan{noop: fmt.Sprintf("invoice %s is already approved", displayNo(cur))}, nil
			case "draft":
			default:
				return nil, sdk.NewError(sdk.CategoryConflict, "invoice_not_draft", "invoice %s is %s; only a draft can be approved", displayNo(cur), cur.State)
			}
			no := "Billy assigns the next number in the organization's series"
			if cur.InvoiceNo != "" {
				no = "it keeps number " + string(cur.InvoiceNo)
			}
			name := cur.ContactID
			if cur.Contact != nil {
				name = cur.Contact.Name
			}
			changes := []string{
				"state: draft → approved; " + no,
				fmt.Sprintf("booked in the ledger: net %s, VAT %s", money(cur.Amount, cur.CurrencyID), money(cur.Tax, cur.CurrencyID)),
				fmt.Sprintf("balance becomes %s, due %s", money(cur.GrossAmount, cur.CurrencyID), dkfmt.DateISO(cur.DueDate)),
				"it is not emailed (send_invoice does that)",
			}
			if cur.Type == "creditNote" {
				// A draft credit note is checked again now: other credit
				// notes may have been approved since it was made.
				if cur.CreditedInvoiceID == "" {
					return nil, sdk.NewError(sdk.CategoryConflict, "credit_note_without_invoice", "credit note %s names no credited invoice", cur.ID)
				}
				orig, err := readInvoice(ctx, call, cur.CreditedInvoiceID)
				if err != nil {
					return nil, err
				}
				credited, err := creditNotesOf(ctx, call, orig.ID, cur.ID)
				if err != nil {
					return nil, err
				}
				if err := checkCreditable(orig, credited, cur.GrossAmount, false); err != nil {
					return nil, err
				}
				changes[1] = fmt.Sprintf("booked as a reversal: net %s, VAT %s, set off against invoice %s (balance %s)",
					money(cur.Amount, cur.CurrencyID), money(cur.Tax, cur.CurrencyID), displayNo(orig), money(orig.Balance, orig.CurrencyID))
				changes[2] = "what the set-off leaves is owed back to the customer (record_payment refunds it)"
			}
			if line, ok := rulesCheck(ctx, call, cur.ID); ok {
				changes = append(changes, line)
			}
			return &plan{
				requests: []BillyCall{{Method: "PUT", Path: "/invoices/" + url.PathEscape(cur.ID), Body: map[string]any{"invoice": invoiceBody{State: "approved"}}}},
				preview: Preview{
					Action:  fmt.Sprintf("Approve the draft %s for %s, %s incl. VAT, dated %s", kindWord(cur), name, money(cur.GrossAmount, cur.CurrencyID), dkfmt.DateISO(cur.EntryDate)),
					Current: summaryOf(cur, "", p.today()),
					Changes: changes,
					Undo:    "Cannot be undone: an approved invoice never returns to draft; it can only be credited (create_credit_note) or voided (cancel_invoice).",
				},
			}, nil
		},
		readBack: func(ctx context.Context, _ []*envelope) (*Invoice, error) {
			return p.readBackInvoice(ctx, call, in.InvoiceID)
		},
	})
}

func kindWord(inv billyInvoice) string {
	if inv.Type == "creditNote" {
		return "credit note"
	}
	return "invoice"
}

// ---- send_invoice ----

// SendInvoiceInput emails an approved invoice.
type SendInvoiceInput struct {
	InvoiceID       string `json:"invoiceId"`
	ContactPersonID string `json:"contactPersonId,omitempty" jsonschema:"recipient; default the primary one"`
	EmailSubject    string `json:"emailSubject,omitempty" jsonschema:"default \"Faktura <number>\""`
	Message         string `json:"message,omitempty" jsonschema:"email text; default a Danish text"`
	EmailBody       string `json:"emailBody,omitempty" jsonschema:"alias of message"`
	Method          string `json:"method,omitempty" jsonschema:"v1; only email"`
	Confirmable
}

// Recipient is who an invoice was emailed to.
type Recipient struct {
	ContactPersonID string `json:"contactPersonId"`
	Name            string `json:"name,omitempty"`
	Email           string `json:"email"`
}

// SentInvoice is the result of send_invoice.
type SentInvoice struct {
	Invoice   Invoice   `json:"invoice"`
	Recipient Recipient `json:"recipient"`
}

func (p *plugin) sendInvoiceTool() sdk.Tool {
	return sdk.NewTool(destructiveSpec(sdk.ToolSpec{
		Name:  "send_invoice",
		Title: "Email an invoice",
		Description: "Emails an approved invoice or credit note through Billy to one contact person of the customer. " +
			"Drafts cannot be sent; an email cannot be recalled." + confirmNote,
		Category: "invoices",
		Scopes:   []string{"invoices:approve"},
		Examples: []sdk.Example{{Title: "Email an invoice", Arguments: SendInvoiceInput{InvoiceID: "GJj2Kr8vQ3mmuWn30VT5lw", Message: "Tak for samarbejdet."}}},
	}), p.sendInvoice)
}

// emailBody is Billy's invoice email (POST /invoices/{id}/emails, §7.3.2).
type emailBody struct {
	ContactPersonID string `json:"contactPersonId"`
	EmailSubject    string `json:"emailSubject"`
	EmailBody       string `json:"emailBody"`
}

func (p *plugin) sendInvoice(ctx context.Context, call *sdk.Call, in SendInvoiceInput) (WriteResult[SentInvoice], error) {
	var out WriteResult[SentInvoice]
	msg, err := alias("message", in.Message, "emailBody", in.EmailBody)
	if err != nil {
		return out, err
	}
	if in.Method != "" && in.Method != "email" {
		return out, sdk.Invalid("method", "only \"email\" is supported, got %q", in.Method)
	}
	if err := firstErr(checkID("invoiceId", in.InvoiceID), checkOptionalID("contactPersonId", in.ContactPersonID)); err != nil {
		return out, err
	}
	var to Recipient
	return runWrite(ctx, p, call, writeSpec[SentInvoice]{
		tool: "send_invoice", effect: sdk.Destructive, dryRun: in.DryRun, token: in.ConfirmationToken,
		args: struct {
			InvoiceID       string `json:"invoiceId"`
			ContactPersonID string `json:"contactPersonId"`
			EmailSubject    string `json:"emailSubject"`
			Message         string `json:"message"`
		}{in.InvoiceID, in.ContactPersonID, in.EmailSubject, msg},
		plan: func(ctx context.Context) (*plan, error) {
			inv, err := readInvoice(ctx, call, in.InvoiceID)
			if err != nil {
				return nil, err
			}
			if inv.State != "approved" {
				return nil, sdk.NewError(sdk.CategoryConflict, "invoice_not_approved",
					"invoice %s is %s; Billy emails approved invoices only (approve it first with approve_invoice)", displayNo(inv), inv.State)
			}
			to, err = recipient(ctx, call, inv.ContactID, in.ContactPersonID)
			if err != nil {
				return nil, err
			}
			subject := in.EmailSubject
			if subject == "" {
				subject = "Faktura " + string(inv.InvoiceNo)
				if inv.Type == "creditNote" {
					subject = "Kreditnota " + string(inv.InvoiceNo)
				}
			}
			body := msg
			if body == "" {
				body = defaultEmailText(inv, to.Name, p.today())
			}
			name := inv.ContactID
			if inv.Contact != nil {
				name = inv.Contact.Name
			}
			changes := []string{fmt.Sprintf("Billy emails %s %s to %s <%s>", kindWord(inv), displayNo(inv), to.Name, to.Email),
				"sentState: " + inv.SentState + " → sent"}
			if inv.SentState != "unsent" && inv.SentState != "" {
				changes = append(changes, "note: it was already "+inv.SentState+"; the customer gets it again")
			}
			return &plan{
				requests: []BillyCall{{Method: "POST", Path: "/invoices/" + url.PathEscape(inv.ID) + "/emails",
					Body: map[string]any{"email": emailBody{ContactPersonID: to.ContactPersonID, EmailSubject: subject, EmailBody: body}}}},
				preview: Preview{
					Action:  fmt.Sprintf("Email %s %s (%s, %s) to %s <%s>", kindWord(inv), displayNo(inv), name, money(inv.GrossAmount, inv.CurrencyID), to.Name, to.Email),
					Current: summaryOf(inv, "", p.today()), Changes: changes,
					Undo: "Cannot be undone: an email cannot be recalled.",
				},
			}, nil
		},
		readBack: func(ctx context.Context, _ []*envelope) (*SentInvoice, error) {
			inv, err := p.readBackInvoice(ctx, call, in.InvoiceID)
			if err != nil {
				return nil, err
			}
			return &SentInvoice{Invoice: *inv, Recipient: to}, nil
		},
	})
}

// recipient picks who gets the email: the given contact person (checked to
// belong to the invoice's customer and to have an email), else the
// customer's primary person with an email, else the first with one.
func recipient(ctx context.Context, call *sdk.Call, contactID, personID string) (Recipient, error) {
	if personID != "" {
		var cp billyContactPerson
		if _, err := getOne(ctx, call, kindContactPerson, personID, nil, &cp); err != nil {
			return Recipient{}, err
		}
		if cp.ContactID != contactID {
			return Recipient{}, sdk.Invalid("contactPersonId", "contact person %s belongs to another customer than the invoice's (%s); list_contact_persons shows the right ones", personID, contactID)
		}
		if cp.Email == "" {
			return Recipient{}, sdk.Invalid("contactPersonId", "contact person %s has no email address", personID)
		}
		return Recipient{ContactPersonID: cp.ID, Name: cp.Name, Email: cp.Email}, nil
	}
	env, err := listPage(ctx, call, "/contactPersons", url.Values{"contactId": {contactID}}, 1, 100)
	if err != nil {
		return Recipient{}, err
	}
	var persons []billyContactPerson
	if err := env.decodeRoot("contactPersons", &persons); err != nil {
		return Recipient{}, err
	}
	var pick *billyContactPerson
	for i := range persons {
		cp := &persons[i]
		if cp.Email == "" || cp.ContactID != contactID {
			continue
		}
		if pick == nil || (cp.IsPrimary && !pick.IsPrimary) {
			pick = cp
		}
	}
	if pick == nil {
		return Recipient{}, sdk.NewError(sdk.CategoryValidation, "no_recipient",
			"the invoice's customer (%s) has no contact person with an email address; add one with create_contact_person, then send again", contactID)
	}
	return Recipient{ContactPersonID: pick.ID, Name: pick.Name, Email: pick.Email}, nil
}

// defaultEmailText is the Danish email sent with an invoice when the
// caller writes none. It states what is still to pay: after a partial
// payment, the rest, not the full amount; a paid invoice is sent as a copy.
func defaultEmailText(inv billyInvoice, name, today string) string {
	greeting := "Hej"
	if name != "" {
		greeting += " " + name
	}
	cur := inv.CurrencyID
	if inv.Type == "creditNote" {
		return fmt.Sprintf("%s\n\nHermed kreditnota nr. %s på %s\n\nVenlig hilsen", greeting, inv.InvoiceNo, endSentence(money(inv.GrossAmount, cur)))
	}
	text := fmt.Sprintf("%s\n\nHermed faktura nr. %s på %s", greeting, inv.InvoiceNo, money(inv.GrossAmount, cur))
	due := ""
	if inv.DueDate != "" {
		verb := "forfalder"
		if inv.DueDate < today {
			verb = "forfaldt"
		}
		due = " " + verb + " " + dkfmt.DateISO(inv.DueDate)
	}
	switch {
	case inv.IsPaid || !inv.Balance.IsPositive():
		text = endSentence(text) + " Fakturaen er betalt; tak for det."
	case inv.Balance.LessThan(inv.GrossAmount):
		text = endSentence(text) + fmt.Sprintf(" Vi har modtaget %s; restbeløbet på %s%s.", money(inv.GrossAmount.Sub(inv.Balance), cur), money(inv.Balance, cur), due)
	case due != "":
		text += fmt.Sprintf(", som%s.", due)
	default:
		text = endSentence(text)
	}
	return text + "\n\nVenlig hilsen"
}

// endSentence ends text with a full stop, unless it ends with one already
// (as "1.250,00 kr." does).
func endSentence(text string) string {
	if strings.HasSuffix(text, ".") {
		return text
	}
	return text + "."
}

// ---- cancel_invoice ----

// CancelInvoiceInput voids an approved invoice.
type CancelInvoiceInput struct {
	InvoiceID string `json:"invoiceId"`
	Reason    string `json:"reason,omitempty" jsonschema:"why; kept in the audit log, not in Billy"`
	Confirmable
}

func (p *plugin) cancelInvoiceTool() sdk.Tool {
	return sdk.NewTool(destructiveSpec(sdk.ToolSpec{
		Name:  "cancel_invoice",
		Title: "Void an invoice",
		Description: "Voids an approved invoice or credit note: its booking is reversed and the customer is not told. " +
			"If it was sent, prefer create_credit_note. It cannot be undone." + confirmNote,
		Category: "invoices",
		Scopes:   []string{"invoices:approve"},
		// Voiding a voided invoice changes nothing (the plan says so).
		Idempotent: true,
		Examples:   []sdk.Example{{Title: "Void an invoice", Arguments: CancelInvoiceInput{InvoiceID: "GJj2Kr8vQ3mmuWn30VT5lw", Reason: "Oprettet to gange"}}},
	}), p.cancelInvoice)
}

func (p *plugin) cancelInvoice(ctx context.Context, call *sdk.Call, in CancelInvoiceInput) (WriteResult[Invoice], error) {
	if err := checkID("invoiceId", in.InvoiceID); err != nil {
		return WriteResult[Invoice]{}, err
	}
	if in.Reason != "" {
		// Billy has no field for it: the host's audit log keeps it, with
		// the call's other personal fields.
		call.AuditNote("reason: " + in.Reason)
	}
	return runWrite(ctx, p, call, writeSpec[Invoice]{
		tool: "cancel_invoice", effect: sdk.Destructive, dryRun: in.DryRun, token: in.ConfirmationToken,
		args: struct {
			InvoiceID string `json:"invoiceId"`
			Reason    string `json:"reason"`
		}{in.InvoiceID, in.Reason},
		plan: func(ctx context.Context) (*plan, error) {
			cur, err := readInvoice(ctx, call, in.InvoiceID)
			if err != nil {
				return nil, err
			}
			switch cur.State {
			case "voided":
				return &plan{noop: fmt.Sprintf("%s %s is already voided", kindWord(cur), displayNo(cur))}, nil
			case "draft":
				return nil, sdk.NewError(sdk.CategoryConflict, "invoice_is_draft",
					"invoice %s is a draft: it is not booked, so there is nothing to void; leave it, edit it with update_invoice, or delete it in Billy", cur.ID)
			}
			action := fmt.Sprintf("Void %s %s (%s incl. VAT, dated %s)", kindWord(cur), displayNo(cur), money(cur.GrossAmount, cur.CurrencyID), dkfmt.DateISO(cur.EntryDate))
			if in.Reason != "" {
				action += ", reason: " + in.Reason
			}
			changes := []string{"state: approved → voided", "the booking is reversed; it no longer counts as revenue or as owed"}
			if cur.Type == "invoice" && !cur.Balance.Equal(cur.GrossAmount) {
				changes = append(changes, fmt.Sprintf("note: payments or credit notes are registered on it (balance %s of %s); Billy may refuse to void it until those are voided",
					money(cur.Balance, cur.CurrencyID), money(cur.GrossAmount, cur.CurrencyID)))
			}
			if cur.SentState != "unsent" && cur.SentState != "" {
				changes = append(changes, "note: the customer already received it ("+cur.SentState+") and is not told; a credit note is usually the right way")
			}
			if in.Reason != "" {
				changes = append(changes, "the reason is not stored in Billy (it has no field for it)")
			}
			return &plan{
				requests: []BillyCall{{Method: "PUT", Path: "/invoices/" + url.PathEscape(cur.ID), Body: map[string]any{"invoice": invoiceBody{State: "voided"}}}},
				preview: Preview{Action: action, Current: summaryOf(cur, "", p.today()), Changes: changes,
					Undo: "Cannot be undone: a voided invoice stays voided; issue a new invoice if needed."},
			}, nil
		},
		readBack: func(ctx context.Context, _ []*envelope) (*Invoice, error) {
			return p.readBackInvoice(ctx, call, in.InvoiceID)
		},
	})
}
