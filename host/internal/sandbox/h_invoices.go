package sandbox

import (
	"fmt"
	"strings"
)

// invoices, invoiceLines and invoiceLateFees (billy-api.md §7.3, §10 item 6).

func invoiceResources() []*resource {
	invoicesOf := func(o *orgState) *table[*invoice] { return o.invoices }
	linesOf := func(o *orgState) *table[*invoiceLine] { return o.invoiceLines }
	return []*resource{
		{
			plural: "invoices", singular: "invoice",
			list:   listFrom("invoices", invoicesOf, invoiceListSpec),
			get:    getFrom("invoice", "invoices", invoicesOf),
			create: createInvoice, update: updateInvoice, del: deleteInvoice,
			actions: map[string]action{
				// The only special invoice route; /send and /approve do not
				// exist in Billy (§6.3).
				"emails": {method: "POST", root: "email", h: emailInvoice},
			},
			lookup: lookupIn(invoicesOf),
			relations: map[string]relation{
				"contact":          belongsTo("contacts"),
				"attContactPerson": belongsTo("contactPersons"),
				"currency":         belongsTo("currencies"),
				"creditedInvoice":  belongsTo("invoices"),
				"organization":     belongsTo("organizations"),
				"lines": hasMany("invoiceLines", func(c *call, id string) []string {
					if inv, ok := c.org.invoices.get(id); ok {
						return inv.lineIDs
					}
					return nil
				}),
				"balanceModifiers": hasMany("balanceModifiers", func(c *call, id string) []string {
					if inv, ok := c.org.invoices.get(id); ok {
						return inv.modifierIDs
					}
					return nil
				}),
				// Late fees come from invoiceReminders, which the sandbox
				// does not implement (P2), so there are never any.
				"lateFees": hasMany("invoiceLateFees", func(*call, string) []string { return nil }),
			},
		},
		{
			plural: "invoiceLines", singular: "invoiceLine",
			list: listFrom("invoiceLines", linesOf, func(c *call) listSpec[*invoiceLine] {
				return listSpec[*invoiceLine]{filters: map[string]filter[*invoiceLine]{
					"invoiceId": eqFilter(func(x *invoiceLine) string { return x.InvoiceID }),
					"productId": eqFilter(func(x *invoiceLine) string { return x.ProductID }),
				}, sorts: map[string]func(a, b *invoiceLine) int{
					"priority": byInt(func(x *invoiceLine) int { return x.Priority }),
				}}
			}),
			get:    getFrom("invoiceLine", "invoiceLines", linesOf),
			create: createInvoiceLine, update: updateInvoiceLine, del: deleteInvoiceLine,
			lookup: lookupIn(linesOf),
			relations: map[string]relation{
				"invoice": belongsTo("invoices"),
				"product": belongsTo("products"),
				"taxRate": belongsTo("taxRates"),
			},
		},
		{
			plural: "invoiceLateFees", singular: "invoiceLateFee",
			list: func(c *call) (*result, error) {
				return listOf(c, "invoiceLateFees", []any{}, listSpec[any]{})
			},
			get: func(c *call) (*result, error) { return nil, errNotFound("invoiceLateFee", c.id) },
			lookup: func(*call, string) (any, bool) {
				return nil, false
			},
		},
	}
}

func invoiceListSpec(c *call) listSpec[*invoice] {
	o := c.org
	contactName := func(x *invoice) string {
		if ct, ok := o.contacts.get(x.ContactID); ok {
			return ct.Name
		}
		return ""
	}
	deref := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	money := func(f float64) []string {
		return []string{fmt.Sprintf("%.2f", f), strings.TrimSuffix(fmt.Sprintf("%.2f", f), ".00")}
	}
	fy := o.org.FiscalYearEndMonth
	return listSpec[*invoice]{
		filters: map[string]filter[*invoice]{
			"organizationId":     eqFilter(func(x *invoice) string { return x.OrganizationID }),
			"contactId":          eqFilter(func(x *invoice) string { return x.ContactID }),
			"creditedInvoiceId":  eqPtrFilter(func(x *invoice) *string { return x.CreditedInvoiceID }),
			"recurringInvoiceId": eqPtrFilter(func(x *invoice) *string { return x.RecurringInvoiceID }),
			"quoteId":            eqPtrFilter(func(x *invoice) *string { return x.QuoteID }),
			"currencyId":         eqFilter(func(x *invoice) string { return x.CurrencyID }),
			"state":              eqFilter(func(x *invoice) string { return x.State }),
			"invoiceNo":          eqPtrFilter(func(x *invoice) *string { return x.InvoiceNo }),
			"externalId":         eqPtrFilter(func(x *invoice) *string { return x.ExternalID }),
			"amount":             amountFilter(func(x *invoice) float64 { return x.Amount }),
			"isPaid":             boolFilter(func(x *invoice) bool { return x.IsPaid }),
			"minEntryDate":       minDate(func(x *invoice) string { return x.EntryDate }),
			"maxEntryDate":       maxDate(func(x *invoice) string { return x.EntryDate }),
			"minDueDate":         minDate(func(x *invoice) string { return x.DueDate }),
			"maxDueDate":         maxDate(func(x *invoice) string { return x.DueDate }),
			"minApprovedTime":    minTime(func(x *invoice) *string { return x.ApprovedTime }),
			"maxApprovedTime":    maxTime(func(x *invoice) *string { return x.ApprovedTime }),
			"entryDatePeriod":    periodFilter(fy, func(x *invoice) string { return x.EntryDate }),
			"approvedTimePeriod": periodFilter(fy, func(x *invoice) string { return deref(x.ApprovedTime) }),
			"q": textFilter(func(x *invoice) []string {
				f := []string{deref(x.InvoiceNo), deref(x.OrderNo), contactName(x), x.LineDescription}
				f = append(f, money(x.Amount)...)
				f = append(f, money(x.GrossAmount)...)
				return append(f, money(x.Balance)...)
			}),
		},
		sorts: map[string]func(a, b *invoice) int{
			"entryDate":       byString(func(x *invoice) string { return x.EntryDate }),
			"dueDate":         byString(func(x *invoice) string { return x.DueDate }),
			"createdTime":     byInt(func(x *invoice) int { return x.createdSeq }),
			"invoiceNo":       byNatural(func(x *invoice) *string { return x.InvoiceNo }),
			"lineDescription": byString(func(x *invoice) string { return x.LineDescription }),
			"amount":          byFloat(func(x *invoice) float64 { return x.Amount }),
			"grossAmount":     byFloat(func(x *invoice) float64 { return x.GrossAmount }),
			"balance":         byFloat(func(x *invoice) float64 { return x.Balance }),
			"contact.name":    byString(contactName),
			"approvedTime":    byPtrString(func(x *invoice) *string { return x.ApprovedTime }),
			"orderNo":         byPtrString(func(x *invoice) *string { return x.OrderNo }),
		},
	}
}

// invoiceSpecFrom reads a create body.
func invoiceSpecFrom(in input) invoiceSpec {
	var s invoiceSpec
	s.Type, _ = in.oneOf("type", typeInvoice, typeCreditNote)
	s.ContactID, _ = in.str("contactId")
	s.AttContactPersonID, _ = in.optStr("attContactPersonId")
	s.EntryDate, _ = in.date("entryDate")
	s.PaymentTermsMode, _ = in.oneOf("paymentTermsMode", termsNet, termsNetEndOfMonth, termsDate)
	if n, ok := in.integer("paymentTermsDays"); ok {
		s.PaymentTermsDays = &n
	}
	s.DueDate, _ = in.date("dueDate")
	s.CurrencyID, _ = in.str("currencyId")
	s.ExchangeRate, _ = in.num("exchangeRate")
	s.TaxMode, _ = in.oneOf("taxMode", taxModeIncl, taxModeExcl)
	if no, ok := in.strOrNum("invoiceNo"); ok && !in.isNull("invoiceNo") {
		s.InvoiceNo = &no
	}
	s.ContactMessage, _ = in.str("contactMessage")
	s.CreditedInvoiceID, _ = in.optStr("creditedInvoiceId")
	s.ExternalID, _ = in.optStr("externalId")
	s.OrderNo, _ = in.optStr("orderNo")
	s.State, _ = in.str("state")
	s.SentState, _ = in.oneOf("sentState", sentStates...)
	items, ok := in.list("lines")
	s.linesGiven = ok
	for _, it := range items {
		s.Lines = append(s.Lines, lineSpecFrom(it))
	}
	return s
}

func lineSpecFrom(in input) lineSpec {
	l := lineSpec{key: in.key}
	l.ProductID, _ = in.str("productId")
	if d, ok := in.str("description"); ok {
		l.Description = &d
	}
	l.Unit, _ = in.str("unit")
	if q, ok := in.num("quantity"); ok {
		l.Quantity = &q
	}
	if p, ok := in.num("unitPrice"); ok {
		l.UnitPrice = &p
	}
	l.DiscountText, _ = in.str("discountText")
	l.DiscountMode, _ = in.optStr("discountMode")
	if d, ok := in.num("discountValue"); ok {
		l.DiscountValue = &d
	}
	return l
}

func createInvoice(c *call) (*result, error) {
	v := newValidation("invoice", "The invoice is invalid.")
	in := newInput(c.body, v)
	spec := invoiceSpecFrom(in)
	ch := newChanges()
	if _, err := c.org.createInvoice(spec, v, c.now, ch); err != nil {
		return nil, err
	}
	return written(ch), nil
}

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
				next.ExchangeRate = 1
			}
		}
	}
	if spec.ExchangeRate > 0 && next.CurrencyID != o.org.BaseCurrencyID {
		next.ExchangeRate = round6(spec.ExchangeRate)
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
