package sandbox

import (
	"strings"

	"github.com/shopspring/decimal"
)

// bills and billLines (billy-api.md §7.7, §4.2 for the filters).

func billResources() []*resource {
	billsOf := func(o *orgState) *table[*bill] { return o.bills }
	linesOf := func(o *orgState) *table[*billLine] { return o.billLines }
	return []*resource{
		{
			plural: "bills", singular: "bill",
			list:   listFrom("bills", billsOf, billListSpec),
			get:    getFrom("bill", "bills", billsOf),
			create: createBillHandler, update: updateBill, del: deleteBillHandler,
			lookup: lookupIn(billsOf),
			relations: map[string]relation{
				"contact":        belongsTo("contacts"),
				"currency":       belongsTo("currencies"),
				"creditedBill":   belongsTo("bills"),
				"paymentAccount": belongsTo("accounts"),
				"organization":   belongsTo("organizations"),
				"lines": hasMany("billLines", func(c *call, id string) []string {
					if b, ok := c.org.bills.get(id); ok {
						return b.lineIDs
					}
					return nil
				}),
				"balanceModifiers": hasMany("balanceModifiers", func(c *call, id string) []string {
					if b, ok := c.org.bills.get(id); ok {
						return b.modifierIDs
					}
					return nil
				}),
				"attachments": hasMany("attachments", func(c *call, id string) []string {
					if b, ok := c.org.bills.get(id); ok {
						return b.attachmentIDs
					}
					return nil
				}),
				"creditNotes": hasMany("bills", func(c *call, id string) []string {
					var ids []string
					for _, b := range c.org.bills.all() {
						if b.CreditedBillID != nil && *b.CreditedBillID == id {
							ids = append(ids, b.ID)
						}
					}
					return ids
				}),
			},
		},
		{
			plural: "billLines", singular: "billLine",
			list: listFrom("billLines", linesOf, func(c *call) listSpec[*billLine] {
				return listSpec[*billLine]{filters: map[string]filter[*billLine]{
					"billId":    eqFilter(func(x *billLine) string { return x.BillID }),
					"accountId": eqFilter(func(x *billLine) string { return x.AccountID }),
					"taxRateId": eqFilter(func(x *billLine) string { return x.TaxRateID }),
				}, sorts: map[string]func(a, b *billLine) int{
					"priority": byInt(func(x *billLine) int { return x.Priority }),
				}}
			}),
			get:    getFrom("billLine", "billLines", linesOf),
			create: createBillLine, update: updateBillLine, del: deleteBillLine,
			lookup: lookupIn(linesOf),
			relations: map[string]relation{
				"bill":    belongsTo("bills"),
				"account": belongsTo("accounts"),
				"taxRate": belongsTo("taxRates"),
			},
		},
	}
}

func billListSpec(c *call) listSpec[*bill] {
	o := c.org
	money := func(n number) []string {
		s := n.v.StringFixed(2)
		return []string{s, strings.TrimSuffix(s, ".00")}
	}
	return listSpec[*bill]{
		filters: map[string]filter[*bill]{
			"organizationId":     eqFilter(func(x *bill) string { return x.OrganizationID }),
			"contactId":          eqFilter(func(x *bill) string { return x.ContactID }),
			"creditedBillId":     eqPtrFilter(func(x *bill) *string { return x.CreditedBillID }),
			"minEntryDate":       minDate(func(x *bill) string { return x.EntryDate }),
			"maxEntryDate":       maxDate(func(x *bill) string { return x.EntryDate }),
			"minDueDate":         minDate(func(x *bill) string { return x.DueDate }),
			"maxDueDate":         maxDate(func(x *bill) string { return x.DueDate }),
			"entryDatePeriod":    periodFilter(o.org.FiscalYearEndMonth, func(x *bill) string { return x.EntryDate }),
			"isPaid":             boolFilter(func(x *bill) bool { return x.IsPaid }),
			"hasAttachments":     boolFilter(func(x *bill) bool { return len(x.attachmentIDs) > 0 }),
			"state":              eqFilter(func(x *bill) string { return x.State }),
			"currencyId":         eqFilter(func(x *bill) string { return x.CurrencyID }),
			"suppliersInvoiceNo": eqFilter(func(x *bill) string { return x.SuppliersInvoiceNo }),
			"isBare":             boolFilter(func(x *bill) bool { return x.IsBare }),
			"amount":             amountFilter(func(x *bill) number { return x.Amount }),
			// Guess: not among the documented bill filters, but accepted
			// like invoices' (h_invoices.go): credit notes apart.
			"type": eqFilter(func(x *bill) string { return x.Type }),
			"q": textFilter(func(x *bill) []string {
				f := []string{x.ContactName, x.LineDescription, deref(x.VoucherNo), x.SuppliersInvoiceNo}
				f = append(f, money(x.Amount)...)
				return append(f, money(x.Balance)...)
			}),
		},
		sorts: map[string]func(a, b *bill) int{
			"entryDate":          byString(func(x *bill) string { return x.EntryDate }),
			"dueDate":            byString(func(x *bill) string { return x.DueDate }),
			"createdTime":        byInt(func(x *bill) int { return x.createdSeq }),
			"lineDescription":    byString(func(x *bill) string { return x.LineDescription }),
			"amount":             byNum(func(x *bill) number { return x.Amount }),
			"grossAmount":        byNum(func(x *bill) number { return x.GrossAmount }),
			"balance":            byNum(func(x *bill) number { return x.Balance }),
			"contact.name":       byString(func(x *bill) string { return x.ContactName }),
			"voucherNo":          byNatural(func(x *bill) *string { return x.VoucherNo }),
			"suppliersInvoiceNo": byString(func(x *bill) string { return x.SuppliersInvoiceNo }),
			"attachments":        byInt(func(x *bill) int { return len(x.attachmentIDs) }),
		},
	}
}

// billSpecFrom reads a create body.
func billSpecFrom(in input) billSpec {
	var s billSpec
	s.Type, _ = in.oneOf("type", typeBill, typeCreditNote)
	s.ContactID, _ = in.str("contactId")
	if n, ok := in.str("contactName"); ok && n != "" {
		s.ContactName = &n
	}
	s.EntryDate, _ = in.date("entryDate")
	s.DueDate, _ = in.date("dueDate")
	s.PaymentAccountID, _ = in.optStr("paymentAccountId")
	if d, ok := in.date("paymentDate"); ok && d != "" {
		s.PaymentDate = &d
	}
	s.SuppliersInvoiceNo, _ = in.str("suppliersInvoiceNo")
	s.TaxMode, _ = in.oneOf("taxMode", taxModeIncl, taxModeExcl)
	if no, ok := in.strOrNum("voucherNo"); ok && !in.isNull("voucherNo") && no != "" {
		s.VoucherNo = &no
	}
	s.CurrencyID, _ = in.str("currencyId")
	s.ExchangeRate, _ = in.rate("exchangeRate")
	s.CreditedBillID, _ = in.optStr("creditedBillId")
	s.State, _ = in.str("state")
	s.IsBare, _ = in.boolean("isBare")
	items, ok := in.list("lines")
	s.linesGiven = ok
	for _, it := range items {
		s.Lines = append(s.Lines, billLineSpecFrom(it))
	}
	s.AttachmentIDs, s.attachmentKeys, s.attachmentsGiven = attachmentIDsFrom(in)
	return s
}

func billLineSpecFrom(in input) billLineSpec {
	l := billLineSpec{key: in.key}
	l.AccountID, _ = in.str("accountId")
	l.TaxRateID, _ = in.str("taxRateId")
	l.Description, _ = in.str("description")
	if a, ok := in.num("amount"); ok {
		l.Amount = &a
	}
	if p, ok := in.integer("priority"); ok {
		l.Priority = &p
	}
	return l
}

func createBillHandler(c *call) (*result, error) {
	v := newValidation("bill", "The bill is invalid.")
	in := newInput(c.body, v)
	spec := billSpecFrom(in)
	ch := newChanges()
	if _, err := c.org.createBill(spec, v, c.now, ch); err != nil {
		return nil, err
	}
	return written(ch), nil
}

// approvedBillEditable are the fields an approved bill still accepts.
// Guess: as for invoices (§7.3.2), a booked bill's amounts and dates stay;
// its due date may move, a voucher may be attached later (a bill without
// one is what the bookkeeping check finds), and it may be voided.
var approvedBillEditable = map[string]bool{"dueDate": true, "attachmentIds": true, "state": true, "_clientId": true}

func updateBill(c *call) (*result, error) {
	o := c.org
	b, ok := o.bills.get(c.id)
	if !ok {
		return nil, errNotFound("bill", c.id)
	}
	v := newValidation("bill", "The bill is invalid.")
	in := newInput(c.body, v)
	ch := newChanges()
	state, _ := in.str("state")
	if b.State == stateDraft {
		return o.updateDraftBill(c, b, in, v, state, ch)
	}
	current, _ := toMap(b)
	for k, raw := range in.raw {
		if approvedBillEditable[k] {
			continue
		}
		if !sameJSON(raw, current[k]) {
			return nil, errRule("An %s bill cannot be changed (%s); only dueDate and attachmentIds can, or state set to voided.", b.State, k)
		}
	}
	if b.State == stateVoided {
		if state != "" && state != stateVoided || in.has("dueDate") || in.has("attachmentIds") {
			return nil, errRule("A voided bill cannot be changed.")
		}
		ch.add("bills", b.ID, b)
		return written(ch), nil
	}
	switch state {
	case "", stateVoided:
	case stateApproved:
		return nil, errRule("The bill is already approved.")
	default:
		return nil, errRule("An approved bill cannot go back to %s.", state)
	}
	due, hasDue := in.date("dueDate")
	ids, keys, hasAtt := attachmentIDsFrom(in)
	var atts []*attachment
	if hasAtt {
		atts = o.attachmentsFor(ref("bill", b.ID), ids, keys, v)
	}
	if hasDue && due == "" {
		v.field("dueDate", msgBlank)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if hasDue {
		b.DueDate = due
	}
	if hasAtt {
		o.setAttachments(ref("bill", b.ID), &b.attachmentIDs, atts, ch)
	}
	ch.add("bills", b.ID, b)
	if state == stateVoided {
		if err := o.voidBill(b, c.now, ch); err != nil {
			return nil, err
		}
	}
	return written(ch), nil
}

// updateDraftBill applies a partial update to a draft; lines given replace
// the draft's lines.
func (o *orgState) updateDraftBill(c *call, b *bill, in input, v *validation, state string, ch *changes) (*result, error) {
	checkImmutable(in, map[string]string{"id": b.ID, "organizationId": b.OrganizationID, "contactId": b.ContactID, "type": b.Type})
	if in.has("creditedBillId") {
		if p, _ := in.optStr("creditedBillId"); (p == nil) != (b.CreditedBillID == nil) || p != nil && *p != *b.CreditedBillID {
			v.field("creditedBillId", msgImmut)
		}
	}
	spec := billSpecFrom(in)
	next := *b
	if spec.EntryDate != "" {
		next.EntryDate = spec.EntryDate
	} else if in.has("entryDate") {
		v.field("entryDate", msgBlank)
	}
	if in.has("dueDate") {
		if spec.DueDate == "" {
			v.field("dueDate", msgBlank)
		}
		next.DueDate = spec.DueDate
	}
	if spec.ContactName != nil {
		next.ContactName = *spec.ContactName
	}
	if in.has("suppliersInvoiceNo") {
		next.SuppliersInvoiceNo = spec.SuppliersInvoiceNo
	}
	if in.has("voucherNo") {
		next.VoucherNo = spec.VoucherNo
	}
	if in.has("paymentAccountId") {
		next.PaymentAccountID = spec.PaymentAccountID
	}
	if in.has("paymentDate") {
		next.PaymentDate = spec.PaymentDate
	}
	if in.has("isBare") {
		next.IsBare = spec.IsBare
	}
	if spec.CurrencyID != "" && spec.CurrencyID != b.CurrencyID {
		cur, ok := currencyByID(spec.CurrencyID)
		switch {
		case !ok:
			v.field("currencyId", msgUnknown)
		case b.Type == typeCreditNote:
			v.field("currencyId", "A credit note must have the credited bill's currency.")
		default:
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
	o.checkBillPayment(&next, v)
	var lines []*billLine
	if spec.linesGiven {
		if len(spec.Lines) == 0 && !next.IsBare {
			v.field("lines", "A bill must have at least one line.")
		}
		lines = o.buildBillLines(&next, spec.Lines, v)
	}
	if v.ok() {
		check := lines
		if !spec.linesGiven {
			check = o.billLines.pick(b.lineIDs)
		}
		o.checkBillTotals(&next, check, v)
	}
	var atts []*attachment
	if spec.attachmentsGiven {
		atts = o.attachmentsFor(ref("bill", b.ID), spec.AttachmentIDs, spec.attachmentKeys, v)
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
	*b = next
	if spec.linesGiven {
		o.replaceBillLines(b, lines, ch)
	} else {
		o.recomputeBillTotals(b)
	}
	if spec.attachmentsGiven {
		o.setAttachments(ref("bill", b.ID), &b.attachmentIDs, atts, ch)
	}
	ch.add("bills", b.ID, b)
	if state == stateApproved {
		if err := o.approveBill(b, c.now, ch); err != nil {
			return nil, err
		}
	}
	return written(ch), nil
}

func deleteBillHandler(c *call) (*result, error) {
	ch := newChanges()
	b, ok := c.org.bills.get(c.id)
	if !ok {
		return written(ch), nil // DELETE is idempotent (§8)
	}
	if err := c.org.deleteBill(b, ch); err != nil {
		return nil, err
	}
	return written(ch), nil
}

// billLines written one by one: only a draft's lines can change. Each
// write also answers the bill, whose amounts changed (§2.2).

func draftBillOf(o *orgState, billID string) (*bill, error) {
	b, ok := o.bills.get(billID)
	if !ok {
		return nil, errNotFound("bill", billID)
	}
	if b.State != stateDraft {
		return nil, errRule("The lines of an %s bill cannot be changed.", b.State)
	}
	return b, nil
}

func createBillLine(c *call) (*result, error) {
	o := c.org
	v := newValidation("billLine", "The bill line is invalid.")
	in := newInput(c.body, v)
	billID, _ := in.str("billId")
	if billID == "" {
		v.field("billId", msgBlank)
		return nil, v.err()
	}
	if _, ok := o.bills.get(billID); !ok {
		v.field("billId", msgUnknown)
		return nil, v.err()
	}
	b, err := draftBillOf(o, billID)
	if err != nil {
		return nil, err
	}
	spec := billLineSpecFrom(in)
	spec.key = ""
	lines := o.buildBillLines(b, []billLineSpec{spec}, v)
	l := lines[0]
	if spec.Priority == nil {
		l.Priority = len(b.lineIDs) + 1
	}
	if v.ok() {
		o.checkBillTotals(b, append(o.billLines.pick(b.lineIDs), l), v)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	ch := newChanges()
	o.billLines.add(l.ID, l)
	b.lineIDs = append(b.lineIDs, l.ID)
	o.recomputeBillTotals(b)
	ch.add("billLines", l.ID, l)
	ch.add("bills", b.ID, b)
	return written(ch), nil
}

func updateBillLine(c *call) (*result, error) {
	o := c.org
	l, ok := o.billLines.get(c.id)
	if !ok {
		return nil, errNotFound("billLine", c.id)
	}
	b, err := draftBillOf(o, l.BillID)
	if err != nil {
		return nil, err
	}
	v := newValidation("billLine", "The bill line is invalid.")
	in := newInput(c.body, v)
	checkImmutable(in, map[string]string{"id": l.ID, "billId": l.BillID})
	spec := billLineSpec{AccountID: l.AccountID, TaxRateID: l.TaxRateID, Description: l.Description, Amount: &l.entered.v}
	p := l.Priority
	spec.Priority = &p
	given := billLineSpecFrom(in)
	if in.has("accountId") {
		spec.AccountID = given.AccountID
	}
	if in.has("taxRateId") {
		spec.TaxRateID = given.TaxRateID
	}
	if in.has("description") {
		spec.Description = given.Description
	}
	if in.has("amount") {
		spec.Amount = given.Amount
	}
	if given.Priority != nil {
		spec.Priority = given.Priority
	}
	built := o.buildBillLines(b, []billLineSpec{spec}, v)[0]
	built.ID = l.ID
	if v.ok() {
		others := make([]*billLine, 0, len(b.lineIDs))
		for _, x := range o.billLines.pick(b.lineIDs) {
			if x.ID == l.ID {
				x = built
			}
			others = append(others, x)
		}
		o.checkBillTotals(b, others, v)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	*l = *built
	ch := newChanges()
	o.recomputeBillTotals(b)
	ch.add("billLines", l.ID, l)
	ch.add("bills", b.ID, b)
	return written(ch), nil
}

func deleteBillLine(c *call) (*result, error) {
	o := c.org
	ch := newChanges()
	l, ok := o.billLines.get(c.id)
	if !ok {
		return written(ch), nil
	}
	b, err := draftBillOf(o, l.BillID)
	if err != nil {
		return nil, err
	}
	o.billLines.remove(l.ID)
	b.lineIDs = removeID(b.lineIDs, l.ID)
	o.recomputeBillTotals(b)
	ch.del("billLines", l.ID)
	ch.add("bills", b.ID, b)
	return written(ch), nil
}
