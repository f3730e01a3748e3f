package sandbox

// PUT /invoices/{id} and POST /invoices/{id}/emails.

import "github.com/shopspring/decimal"

// approvedEditable are the fields an approved invoice still accepts.
// Guess: the reference says sentState and contactMessage are probably still
// allowed after approval (§7.3.2); state may move on to voided.
var approvedEditable = map[string]bool{"sentState": true, "contactMessage": true, "state": true, "_clientId": true}

func updateInvoice(c *call) (*result, error) {
	o := c.org
	inv, ok := o.invoices.get(c.id)
	if !ok {
		return nil, errNotFound("invoice", c.id)
	}
	v := newValidation("invoice", "The invoice is invalid.")
	in := newInput(c.body, v)
	ch := newChanges()
	state, _ := in.str("state")
	if inv.State != stateDraft {
		// Fields sent back unchanged are fine; changing anything else is a
		// business-rule 422, as Billy most likely answers (§5.3).
		current, _ := toMap(c.out(inv))
		for k, raw := range in.raw {
			if approvedEditable[k] || k == "downloadUrl" {
				continue
			}
			if !sameJSON(raw, current[k]) {
				return nil, errRule("An %s invoice cannot be changed (%s); only sentState and contactMessage can, or state set to voided.", inv.State, k)
			}
		}
		if inv.State == stateVoided {
			if state != "" && state != stateVoided || in.has("sentState") || in.has("contactMessage") {
				return nil, errRule("A voided invoice cannot be changed.")
			}
			ch.add("invoices", inv.ID, inv)
			return written(ch), nil
		}
		switch state {
		case "", stateVoided:
		case stateApproved:
			return nil, errRule("The invoice is already approved.")
		default:
			return nil, errRule("An approved invoice cannot go back to %s.", state)
		}
		sent, hasSent := in.oneOf("sentState", sentStates...)
		msg, hasMsg := in.str("contactMessage")
		if err := v.err(); err != nil {
			return nil, err
		}
		if hasSent {
			// Setting sentState only marks the invoice; it sends nothing.
			inv.SentState = sent
		}
		if hasMsg {
			inv.ContactMessage = msg
		}
		ch.add("invoices", inv.ID, inv)
		if state == stateVoided {
			if err := o.voidInvoice(inv, c.now, ch); err != nil {
				return nil, err
			}
		}
		return written(ch), nil
	}
	return o.updateDraft(c, inv, in, v, state, ch)
}

// updateDraft applies a partial update to a draft. Guess: the docs
// contradict themselves on replacing lines (§7.3.2, §11 item 5); the
// sandbox lets a draft's lines be replaced, as Billy's web app does.
func (o *orgState) updateDraft(c *call, inv *invoice, in input, v *validation, state string, ch *changes) (*result, error) {
	checkImmutable(in, map[string]string{"id": inv.ID, "organizationId": inv.OrganizationID, "contactId": inv.ContactID, "type": inv.Type})
	if in.has("creditedInvoiceId") {
		if p, _ := in.optStr("creditedInvoiceId"); (p == nil) != (inv.CreditedInvoiceID == nil) || p != nil && *p != *inv.CreditedInvoiceID {
			v.field("creditedInvoiceId", msgImmut)
		}
	}
	spec := invoiceSpecFrom(in)
	next := *inv
	if spec.EntryDate != "" {
		next.EntryDate = spec.EntryDate
	} else if in.has("entryDate") && !in.isNull("entryDate") {
		v.field("entryDate", msgBlank)
	}
	if spec.PaymentTermsMode != "" {
		next.PaymentTermsMode = spec.PaymentTermsMode
	}
	if spec.PaymentTermsDays != nil {
		next.PaymentTermsDays = *spec.PaymentTermsDays
	}
	due := spec.DueDate
	if due == "" && next.PaymentTermsMode == termsDate {
		due = inv.DueDate
	}
	next.DueDate = dueDate(next.EntryDate, next.PaymentTermsMode, next.PaymentTermsDays, due)
	if spec.CurrencyID != "" && spec.CurrencyID != inv.CurrencyID {
		cur, ok := currencyByID(spec.CurrencyID)
		if !ok {
			v.field("currencyId", msgUnknown)
		} else {
			next.CurrencyID, next.ExchangeRate = cur.ID, cur.ExchangeRate
			if cur.ID == o.org.BaseCurrencyID {
				next.ExchangeRate = numberOf(decimal.NewFromInt(1))
			}
		}
	}
	if spec.ExchangeRate.IsPositive() && next.CurrencyID != o.org.BaseCurrencyID {
		next.ExchangeRate = numberOf(round6(spec.ExchangeRate))
	}
	if spec.TaxMode != "" {
		next.TaxMode = spec.TaxMode
	}
	newNo := inv.InvoiceNo
	if in.has("invoiceNo") {
		newNo = spec.InvoiceNo
		if spec.InvoiceNo != nil && o.invoiceNoTaken(*spec.InvoiceNo, inv.ID) {
			v.field("invoiceNo", "This invoice number is already in use.")
		}
	}
	for _, f := range []struct {
		key string
		src *string
		dst **string
	}{{"attContactPersonId", spec.AttContactPersonID, &next.AttContactPersonID}, {"externalId", spec.ExternalID, &next.ExternalID}, {"orderNo", spec.OrderNo, &next.OrderNo}} {
		if in.has(f.key) {
			*f.dst = f.src
		}
	}
	if in.has("contactMessage") {
		next.ContactMessage = spec.ContactMessage
	}
	if spec.SentState != "" {
		next.SentState = spec.SentState
	}
	ct, _ := o.contacts.get(inv.ContactID)
	if ct != nil {
		o.checkAttPerson(&next, ct, v)
	}
	var lines []*invoiceLine
	if spec.linesGiven {
		if len(spec.Lines) == 0 {
			v.field("lines", "An invoice must have at least one line.")
		}
		if ct != nil {
			lines = o.buildLines(&next, ct, spec.Lines, v)
		}
	}
	if v.ok() {
		// New lines, or the old ones under a new tax mode.
		check := lines
		if !spec.linesGiven {
			check = o.invoiceLines.pick(inv.lineIDs)
		}
		o.checkTotals(&next, check, v, "", "lines")
	}
	switch state {
	case "", stateDraft, stateApproved:
	case stateVoided:
		return nil, errRule("A draft cannot be voided; delete it instead.")
	default:
		v.field("state", "This field must be one of: draft, approved, voided.")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	*inv = next
	o.setInvoiceNo(inv, newNo)
	if spec.linesGiven {
		o.replaceLines(inv, lines, ch)
	} else {
		o.recomputeTotals(inv)
	}
	ch.add("invoices", inv.ID, inv)
	if state == stateApproved {
		if err := o.approveInvoice(inv, c.now, ch); err != nil {
			return nil, err
		}
	}
	return written(ch), nil
}

func deleteInvoice(c *call) (*result, error) {
	ch := newChanges()
	inv, ok := c.org.invoices.get(c.id)
	if !ok {
		return written(ch), nil // DELETE is idempotent (§8)
	}
	if err := c.org.deleteInvoice(inv, ch); err != nil {
		return nil, err
	}
	return written(ch), nil
}

// emailInvoice is POST /invoices/{id}/emails {"email": {contactPersonId,
// emailSubject, emailBody, copyToUserId?}} (§7.3.2). One recipient per
// call; the contact person must belong to the invoice's contact and have an
// email; the invoice must be approved. Nothing is sent: the sandbox only
// records it in sentState. Guess: the response body is undocumented; the
// sandbox answers like any write, with the changed invoice.
func emailInvoice(c *call) (*result, error) {
	o := c.org
	inv, ok := o.invoices.get(c.id)
	if !ok {
		return nil, errNotFound("invoice", c.id)
	}
	v := newValidation("email", "The email is invalid.")
	in := newInput(c.body, v)
	personID, _ := in.str("contactPersonId")
	p, ok := o.contactPersons.get(personID)
	switch {
	case personID == "":
		v.field("contactPersonId", msgBlank)
	case !ok || p.ContactID != inv.ContactID:
		v.field("contactPersonId", "The contact person must belong to the invoice's contact.")
	case p.Email == "":
		v.field("contactPersonId", "The contact person has no email address.")
	}
	in.str("emailSubject")
	in.str("emailBody")
	in.optStr("copyToUserId")
	if err := v.err(); err != nil {
		return nil, err
	}
	switch inv.State {
	case stateDraft:
		return nil, errRule("Approve the invoice before sending it.")
	case stateVoided:
		return nil, errRule("A voided invoice cannot be sent.")
	}
	markSent(inv)
	c.s.log.Debug("sandbox invoice e-mailed (not really sent)", "invoice", inv.ID, "contactPerson", p.ID)
	ch := newChanges()
	ch.add("invoices", inv.ID, inv)
	return written(ch), nil
}
