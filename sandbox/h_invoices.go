package sandbox

import "strings"

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
				// Vouchers linked with POST /attachments (ownerReference
				// invoice:<id>); an issued invoice is its own voucher.
				"attachments": hasMany("attachments", func(c *call, id string) []string {
					if inv, ok := c.org.invoices.get(id); ok {
						return inv.attachmentIDs
					}
					return nil
				}),
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
	money := func(n number) []string {
		s := n.v.StringFixed(2)
		return []string{s, strings.TrimSuffix(s, ".00")}
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
			// Guess: not among the documented invoice filters (§4.2), but
			// Billy accepts property filters like state and isPaid broadly,
			// and a list of receivables must leave credit notes out.
			"type":               eqFilter(func(x *invoice) string { return x.Type }),
			"invoiceNo":          eqPtrFilter(func(x *invoice) *string { return x.InvoiceNo }),
			"externalId":         eqPtrFilter(func(x *invoice) *string { return x.ExternalID }),
			"amount":             amountFilter(func(x *invoice) number { return x.Amount }),
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
			"amount":          byNum(func(x *invoice) number { return x.Amount }),
			"grossAmount":     byNum(func(x *invoice) number { return x.GrossAmount }),
			"balance":         byNum(func(x *invoice) number { return x.Balance }),
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
	s.ExchangeRate, _ = in.rate("exchangeRate")
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
