package sandbox

import "github.com/shopspring/decimal"

// daybooks, daybookTransactions and their lines (billy-api.md §7.9, §4.2
// for the filters); salesTaxReturns and salesTaxPayments, and the tax
// setup the VAT return reads: taxRateDeductionComponents,
// salesTaxMetaFields and salesTaxAccounts (§7.5).

func bookResources() []*resource {
	daybooksOf := func(o *orgState) *table[*daybook] { return o.daybooks }
	dtOf := func(o *orgState) *table[*daybookTransaction] { return o.daybookTransactions }
	dlOf := func(o *orgState) *table[*daybookTransactionLine] { return o.daybookLines }
	returnsOf := func(o *orgState) *table[*salesTaxReturn] { return o.salesTaxReturns }
	paymentsOf := func(o *orgState) *table[*salesTaxPayment] { return o.salesTaxPayments }
	componentsOf := func(o *orgState) *table[*taxRateDeductionComponent] { return o.deductionComponents }
	metaOf := func(o *orgState) *table[*salesTaxMetaField] { return o.metaFields }
	staOf := func(o *orgState) *table[*salesTaxAccount] { return o.salesTaxAccounts }
	return []*resource{
		{
			// Guess: DELETE answers 405; a daybook holds entries, which
			// the ledger keeps.
			plural: "daybooks", singular: "daybook",
			list:   listFrom("daybooks", daybooksOf, func(*call) listSpec[*daybook] { return listSpec[*daybook]{} }),
			get:    getFrom("daybook", "daybooks", daybooksOf),
			create: createDaybook, update: updateDaybook,
			lookup: lookupIn(daybooksOf),
			relations: map[string]relation{
				"defaultContraAccount": belongsTo("accounts"),
			},
		},
		{
			plural: "daybookTransactions", singular: "daybookTransaction",
			list: listFrom("daybookTransactions", dtOf, func(c *call) listSpec[*daybookTransaction] {
				return listSpec[*daybookTransaction]{filters: map[string]filter[*daybookTransaction]{
					"organizationId":  eqFilter(func(x *daybookTransaction) string { return x.OrganizationID }),
					"daybookId":       eqPtrFilter(func(x *daybookTransaction) *string { return x.DaybookID }),
					"apiType":         eqPtrFilter(func(x *daybookTransaction) *string { return x.APIType }),
					"state":           eqFilter(func(x *daybookTransaction) string { return x.State }),
					"minEntryDate":    minDate(func(x *daybookTransaction) string { return x.EntryDate }),
					"maxEntryDate":    maxDate(func(x *daybookTransaction) string { return x.EntryDate }),
					"entryDatePeriod": periodFilter(c.org.org.FiscalYearEndMonth, func(x *daybookTransaction) string { return x.EntryDate }),
					"q": textFilter(func(x *daybookTransaction) []string {
						return []string{x.Description, x.ExtendedDescription, deref(x.VoucherNo)}
					}),
				}, sorts: map[string]func(a, b *daybookTransaction) int{
					"priority":    byInt(func(x *daybookTransaction) int { return x.Priority }),
					"entryDate":   byString(func(x *daybookTransaction) string { return x.EntryDate }),
					"createdTime": byString(func(x *daybookTransaction) string { return x.CreatedTime }),
				}}
			}),
			get:    getFrom("daybookTransaction", "daybookTransactions", dtOf),
			create: createDaybookTransactionHandler, update: updateDaybookTransaction, del: deleteDaybookTransactionHandler,
			lookup: lookupIn(dtOf),
			relations: map[string]relation{
				"daybook": belongsTo("daybooks"),
				"lines": hasMany("daybookTransactionLines", func(c *call, id string) []string {
					if t, ok := c.org.daybookTransactions.get(id); ok {
						return t.lineIDs
					}
					return nil
				}),
				"attachments": hasMany("attachments", func(c *call, id string) []string {
					if t, ok := c.org.daybookTransactions.get(id); ok {
						return t.attachmentIDs
					}
					return nil
				}),
			},
		},
		{
			// Guess: read-only here. The lines are immutable (IMM in the
			// reference) and written with their transaction.
			plural: "daybookTransactionLines", singular: "daybookTransactionLine",
			list: listFrom("daybookTransactionLines", dlOf, func(*call) listSpec[*daybookTransactionLine] {
				return listSpec[*daybookTransactionLine]{filters: map[string]filter[*daybookTransactionLine]{
					"daybookTransactionId": eqFilter(func(x *daybookTransactionLine) string { return x.DaybookTransactionID }),
					"accountId":            eqFilter(func(x *daybookTransactionLine) string { return x.AccountID }),
					"taxRateId":            eqPtrFilter(func(x *daybookTransactionLine) *string { return x.TaxRateID }),
				}, sorts: map[string]func(a, b *daybookTransactionLine) int{
					"priority": byInt(func(x *daybookTransactionLine) int { return x.Priority }),
				}}
			}),
			get:    getFrom("daybookTransactionLine", "daybookTransactionLines", dlOf),
			lookup: lookupIn(dlOf),
			relations: map[string]relation{
				"daybookTransaction": belongsTo("daybookTransactions"),
				"account":            belongsTo("accounts"),
				"contraAccount":      belongsTo("accounts"),
				"taxRate":            belongsTo("taxRates"),
			},
		},
		{
			// GET and PUT only (§6.2): Billy makes the returns.
			plural: "salesTaxReturns", singular: "salesTaxReturn",
			list: listFrom("salesTaxReturns", returnsOf, func(*call) listSpec[*salesTaxReturn] {
				return listSpec[*salesTaxReturn]{filters: map[string]filter[*salesTaxReturn]{
					"isSettled":    boolFilter(func(x *salesTaxReturn) bool { return x.IsSettled }),
					"isPaid":       boolFilter(func(x *salesTaxReturn) bool { return x.IsPaid }),
					"periodType":   eqFilter(func(x *salesTaxReturn) string { return x.PeriodType }),
					"period":       eqFilter(func(x *salesTaxReturn) string { return x.Period }),
					"minStartDate": minDate(func(x *salesTaxReturn) string { return x.StartDate }),
					"maxEndDate":   maxDate(func(x *salesTaxReturn) string { return x.EndDate }),
				}, sorts: map[string]func(a, b *salesTaxReturn) int{
					"startDate":      byString(func(x *salesTaxReturn) string { return x.StartDate }),
					"reportDeadline": byString(func(x *salesTaxReturn) string { return x.ReportDeadline }),
				}}
			}),
			get:    getFrom("salesTaxReturn", "salesTaxReturns", returnsOf),
			update: updateSalesTaxReturn,
			lookup: lookupIn(returnsOf),
			relations: map[string]relation{
				"payments": hasMany("salesTaxPayments", func(c *call, id string) []string {
					if r, ok := c.org.salesTaxReturns.get(id); ok {
						return r.paymentIDs
					}
					return nil
				}),
			},
		},
		{
			// DELETE answers 405 (§6.2); cancel with PUT isVoided.
			plural: "salesTaxPayments", singular: "salesTaxPayment",
			list: listFrom("salesTaxPayments", paymentsOf, func(*call) listSpec[*salesTaxPayment] {
				return listSpec[*salesTaxPayment]{filters: map[string]filter[*salesTaxPayment]{
					"salesTaxReturnId": eqFilter(func(x *salesTaxPayment) string { return x.SalesTaxReturnID }),
					"accountId":        eqFilter(func(x *salesTaxPayment) string { return x.AccountID }),
					"isVoided":         boolFilter(func(x *salesTaxPayment) bool { return x.IsVoided }),
					"minEntryDate":     minDate(func(x *salesTaxPayment) string { return x.EntryDate }),
					"maxEntryDate":     maxDate(func(x *salesTaxPayment) string { return x.EntryDate }),
				}, sorts: map[string]func(a, b *salesTaxPayment) int{
					"entryDate": byString(func(x *salesTaxPayment) string { return x.EntryDate }),
				}}
			}),
			get:    getFrom("salesTaxPayment", "salesTaxPayments", paymentsOf),
			create: createSalesTaxPaymentHandler, update: updateSalesTaxPayment,
			lookup: lookupIn(paymentsOf),
			relations: map[string]relation{
				"salesTaxReturn": belongsTo("salesTaxReturns"),
				"account":        belongsTo("accounts"),
			},
		},
		{
			// The tax setup is read-only in the sandbox. Guess: Billy's
			// table (§6.2) allows writes, but changing a predefined rate's
			// deduction would rewrite what approved bills booked.
			plural: "taxRateDeductionComponents", singular: "taxRateDeductionComponent",
			list: listFrom("taxRateDeductionComponents", componentsOf, func(*call) listSpec[*taxRateDeductionComponent] {
				return listSpec[*taxRateDeductionComponent]{filters: map[string]filter[*taxRateDeductionComponent]{
					"taxRateId": eqFilter(func(x *taxRateDeductionComponent) string { return x.TaxRateID }),
				}}
			}),
			get:    getFrom("taxRateDeductionComponent", "taxRateDeductionComponents", componentsOf),
			lookup: lookupIn(componentsOf),
			relations: map[string]relation{
				"taxRate": belongsTo("taxRates"),
				"account": belongsTo("accounts"),
			},
		},
		{
			plural: "salesTaxMetaFields", singular: "salesTaxMetaField",
			list:   listFrom("salesTaxMetaFields", metaOf, func(*call) listSpec[*salesTaxMetaField] { return listSpec[*salesTaxMetaField]{} }),
			get:    getFrom("salesTaxMetaField", "salesTaxMetaFields", metaOf),
			lookup: lookupIn(metaOf),
		},
		{
			plural: "salesTaxAccounts", singular: "salesTaxAccount",
			list: listFrom("salesTaxAccounts", staOf, func(*call) listSpec[*salesTaxAccount] {
				return listSpec[*salesTaxAccount]{filters: map[string]filter[*salesTaxAccount]{
					"type":      eqFilter(func(x *salesTaxAccount) string { return x.Type }),
					"accountId": eqFilter(func(x *salesTaxAccount) string { return x.AccountID }),
				}}
			}),
			get:    getFrom("salesTaxAccount", "salesTaxAccounts", staOf),
			lookup: lookupIn(staOf),
			relations: map[string]relation{
				"account": belongsTo("accounts"),
			},
		},
	}
}

func createDaybook(c *call) (*result, error) {
	o := c.org
	v := newValidation("daybook", "The daybook is invalid.")
	in := newInput(c.body, v)
	d := &daybook{ID: o.ids.next(), OrganizationID: o.org.ID}
	d.Name, _ = in.str("name")
	if d.Name == "" {
		v.field("name", msgBlank)
	}
	if !in.has("isTransactionSummaryEnabled") {
		v.field("isTransactionSummaryEnabled", msgBlank)
	}
	d.IsTransactionSummaryEnabled, _ = in.boolean("isTransactionSummaryEnabled")
	d.DefaultContraAccountID = o.contraAccountFrom(in, v)
	if err := v.err(); err != nil {
		return nil, err
	}
	o.daybooks.add(d.ID, d)
	ch := newChanges()
	ch.add("daybooks", d.ID, d)
	return written(ch), nil
}

func (o *orgState) contraAccountFrom(in input, v *validation) *string {
	id, _ := in.optStr("defaultContraAccountId")
	if id != nil {
		if _, ok := o.accounts.get(*id); !ok {
			v.field("defaultContraAccountId", msgUnknown)
		}
	}
	return id
}

func updateDaybook(c *call) (*result, error) {
	o := c.org
	d, ok := o.daybooks.get(c.id)
	if !ok {
		return nil, errNotFound("daybook", c.id)
	}
	v := newValidation("daybook", "The daybook is invalid.")
	in := newInput(c.body, v)
	checkImmutable(in, map[string]string{"id": d.ID, "organizationId": d.OrganizationID})
	next := *d
	if in.has("name") {
		next.Name, _ = in.str("name")
		if next.Name == "" {
			v.field("name", msgBlank)
		}
	}
	if in.has("isTransactionSummaryEnabled") {
		next.IsTransactionSummaryEnabled, _ = in.boolean("isTransactionSummaryEnabled")
	}
	if in.has("defaultContraAccountId") {
		next.DefaultContraAccountID = o.contraAccountFrom(in, v)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	*d = next
	ch := newChanges()
	ch.add("daybooks", d.ID, d)
	return written(ch), nil
}

// daybookTxSpecFrom reads a create body. A line may name its account by
// accountNo instead of accountId (§7.9).
func (o *orgState) daybookTxSpecFrom(in input) daybookTxSpec {
	var s daybookTxSpec
	s.DaybookID, _ = in.str("daybookId")
	s.EntryDate, _ = in.date("entryDate")
	if no, ok := in.strOrNum("voucherNo"); ok && !in.isNull("voucherNo") && no != "" {
		s.VoucherNo = &no
	}
	s.Description, _ = in.str("description")
	s.ExtendedDescription, _ = in.str("extendedDescription")
	s.APIType, _ = in.optStr("apiType")
	s.State, _ = in.str("state")
	items, ok := in.list("lines")
	s.linesGiven = ok
	for _, it := range items {
		l := daybookLineSpec{key: it.key}
		l.Text, _ = it.str("text")
		l.AccountID, _ = it.str("accountId")
		if l.AccountID == "" && it.has("accountNo") {
			no, _ := it.strOrNum("accountNo")
			if l.AccountID = o.accountByNo(no); l.AccountID == "" {
				it.fail("accountNo", "No account has this number.")
				l.AccountID = "?"
			}
		}
		l.TaxRateID, _ = it.str("taxRateId")
		l.ContraAccountID, _ = it.str("contraAccountId")
		if a, ok := it.num("amount"); ok {
			l.Amount = &a
		}
		l.Side, _ = it.str("side")
		l.CurrencyID, _ = it.str("currencyId")
		if p, ok := it.integer("priority"); ok {
			l.Priority = &p
		}
		s.Lines = append(s.Lines, l)
	}
	s.AttachmentIDs, s.attachmentKeys, s.attachmentsGiven = attachmentIDsFrom(in)
	return s
}

func createDaybookTransactionHandler(c *call) (*result, error) {
	v := newValidation("daybookTransaction", "The daybook transaction is invalid.")
	in := newInput(c.body, v)
	spec := c.org.daybookTxSpecFrom(in)
	ch := newChanges()
	if _, err := c.org.createDaybookTransaction(spec, v, c.now, ch); err != nil {
		return nil, err
	}
	return written(ch), nil
}

// updateDaybookTransaction: a draft's texts, voucher number, daybook and
// attachments may change, and state approves it; entryDate and lines are
// immutable (§7.9). An approved entry accepts attachments and state
// voided.
func updateDaybookTransaction(c *call) (*result, error) {
	o := c.org
	t, ok := o.daybookTransactions.get(c.id)
	if !ok {
		return nil, errNotFound("daybookTransaction", c.id)
	}
	v := newValidation("daybookTransaction", "The daybook transaction is invalid.")
	in := newInput(c.body, v)
	checkImmutable(in, map[string]string{"id": t.ID, "organizationId": t.OrganizationID, "entryDate": t.EntryDate})
	if in.has("lines") {
		v.field("lines", "The lines of a daybook transaction cannot be changed; delete the draft (or void the approved transaction) and enter it again.")
	}
	state, _ := in.str("state")
	editable := map[string]bool{"attachmentIds": true, "state": true, "_clientId": true, "id": true, "organizationId": true, "entryDate": true, "lines": true}
	if t.State != stateDraft {
		current, _ := toMap(t)
		for k, raw := range in.raw {
			if !editable[k] && !sameJSON(raw, current[k]) {
				return nil, errRule("An %s daybook transaction cannot be changed (%s); only attachmentIds can, or state set to voided.", t.State, k)
			}
		}
	}
	next := *t
	if t.State == stateDraft {
		if in.has("daybookId") {
			id, _ := in.optStr("daybookId")
			if id != nil {
				if _, ok := o.daybooks.get(*id); !ok {
					v.field("daybookId", msgUnknown)
				}
			}
			next.DaybookID = id
		}
		if in.has("voucherNo") {
			next.VoucherNo = nil
			if no, ok := in.strOrNum("voucherNo"); ok && !in.isNull("voucherNo") && no != "" {
				next.VoucherNo = &no
			}
		}
		if in.has("description") {
			next.Description, _ = in.str("description")
		}
		if in.has("extendedDescription") {
			next.ExtendedDescription, _ = in.str("extendedDescription")
		}
		if in.has("apiType") {
			next.APIType, _ = in.optStr("apiType")
		}
	}
	ids, keys, hasAtt := attachmentIDsFrom(in)
	var atts []*attachment
	if hasAtt {
		atts = o.attachmentsFor(ref("daybookTransaction", t.ID), ids, keys, v)
	}
	switch {
	case state == "" || state == t.State:
	case t.State == stateDraft && state == stateApproved:
	case t.State == stateApproved && state == stateVoided:
	case t.State == stateDraft && state == stateVoided:
		return nil, errRule("A draft cannot be voided; delete it instead.")
	case state != stateDraft && state != stateApproved && state != stateVoided:
		v.field("state", "This field must be one of: draft, approved, voided.")
	default:
		return nil, errRule("A daybook transaction that is %s cannot become %s.", t.State, state)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if t.State == stateVoided && hasAtt {
		return nil, errRule("A voided daybook transaction cannot be changed.")
	}
	*t = next
	ch := newChanges()
	if hasAtt {
		o.setAttachments(ref("daybookTransaction", t.ID), &t.attachmentIDs, atts, ch)
	}
	ch.add("daybookTransactions", t.ID, t)
	switch {
	case t.State == stateDraft && state == stateApproved:
		if err := o.approveDaybookTransaction(t, c.now, ch); err != nil {
			return nil, err
		}
	case t.State == stateApproved && state == stateVoided:
		if err := o.voidDaybookTransaction(t, c.now, ch); err != nil {
			return nil, err
		}
	}
	return written(ch), nil
}

func deleteDaybookTransactionHandler(c *call) (*result, error) {
	ch := newChanges()
	t, ok := c.org.daybookTransactions.get(c.id)
	if !ok {
		return written(ch), nil // DELETE is idempotent (§8)
	}
	if err := c.org.deleteDaybookTransaction(t, ch); err != nil {
		return nil, err
	}
	return written(ch), nil
}

// updateSalesTaxReturn: isSettled is the one writable field (§7.5).
func updateSalesTaxReturn(c *call) (*result, error) {
	o := c.org
	r, ok := o.salesTaxReturns.get(c.id)
	if !ok {
		return nil, errNotFound("salesTaxReturn", c.id)
	}
	v := newValidation("salesTaxReturn", "The sales tax return is invalid.")
	in := newInput(c.body, v)
	current, _ := toMap(r)
	for k, raw := range in.raw {
		if k == "isSettled" || k == "_clientId" {
			continue
		}
		if !sameJSON(raw, current[k]) {
			v.field(k, msgImmut+" Only isSettled can be set on a sales tax return.")
		}
	}
	settled, has := in.boolean("isSettled")
	if err := v.err(); err != nil {
		return nil, err
	}
	ch := newChanges()
	switch {
	case !has || settled == r.IsSettled:
		ch.add("salesTaxReturns", r.ID, r)
	case settled:
		o.settleSalesTaxReturn(r, c.now, ch)
	default:
		if err := o.unsettleSalesTaxReturn(r, c.now, ch); err != nil {
			return nil, err
		}
	}
	return written(ch), nil
}

func createSalesTaxPaymentHandler(c *call) (*result, error) {
	v := newValidation("salesTaxPayment", "The sales tax payment is invalid.")
	in := newInput(c.body, v)
	returnID, _ := in.str("salesTaxReturnId")
	entryDate, _ := in.date("entryDate")
	accountID, _ := in.str("accountId")
	side, _ := in.oneOf("side", "debit", "credit")
	var amount *decimal.Decimal
	if a, ok := in.num("amount"); ok {
		amount = &a
	}
	ch := newChanges()
	if _, err := c.org.createSalesTaxPayment(returnID, entryDate, accountID, side, amount, v, c.now, ch); err != nil {
		return nil, err
	}
	return written(ch), nil
}

// updateSalesTaxPayment accepts only isVoided: true, as bankPayments do.
func updateSalesTaxPayment(c *call) (*result, error) {
	o := c.org
	p, ok := o.salesTaxPayments.get(c.id)
	if !ok {
		return nil, errNotFound("salesTaxPayment", c.id)
	}
	v := newValidation("salesTaxPayment", "The sales tax payment is invalid.")
	in := newInput(c.body, v)
	current, _ := toMap(p)
	for k, raw := range in.raw {
		if k == "isVoided" || k == "_clientId" {
			continue
		}
		if !sameJSON(raw, current[k]) {
			v.field(k, msgImmut+" Only isVoided can be set on a sales tax payment.")
		}
	}
	voided, has := in.boolean("isVoided")
	if has && !voided && p.IsVoided {
		v.field("isVoided", "A voided payment cannot be restored.")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	ch := newChanges()
	if voided {
		o.voidSalesTaxPayment(p, c.now, ch)
	}
	ch.add("salesTaxPayments", p.ID, p)
	return written(ch), nil
}
