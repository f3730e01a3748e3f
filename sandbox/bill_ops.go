package sandbox

import (
	"fmt"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// Bills: supplier invoices and their credit notes (billy-api.md §7.7),
// created as drafts, approved (booked), paid with bankPayments (cashSide
// credit), credited, voided and deleted like invoices.

const typeBill = "bill"

// billSpec is a new bill as a client or the generator describes it. Empty
// strings and nil pointers mean "use the default".
type billSpec struct {
	Type               string
	ContactID          string
	ContactName        *string
	EntryDate          string
	DueDate            string
	PaymentAccountID   *string
	PaymentDate        *string
	SuppliersInvoiceNo string
	TaxMode            string
	VoucherNo          *string
	CurrencyID         string
	ExchangeRate       decimal.Decimal // zero: not given
	CreditedBillID     *string
	State              string
	IsBare             bool
	Lines              []billLineSpec
	linesGiven         bool
	AttachmentIDs      []string
	attachmentKeys     []string
	attachmentsGiven   bool
}

// billLineSpec is one bill line as given; key is its validationErrors entry.
type billLineSpec struct {
	key         string
	AccountID   string
	TaxRateID   string
	Description string
	Amount      *decimal.Decimal
	Priority    *int
}

// createBill validates and stores a new bill with its lines, and approves
// it when the spec asks for state "approved".
func (o *orgState) createBill(spec billSpec, v *validation, now time.Time, ch *changes) (*bill, error) {
	b := &bill{ID: o.ids.next(), OrganizationID: o.org.ID, Type: typeBill, CreatedTime: fmtDatetime(now),
		State: stateDraft, SuppliersInvoiceNo: spec.SuppliersInvoiceNo, VoucherNo: spec.VoucherNo, IsBare: spec.IsBare,
		PaymentAccountID: spec.PaymentAccountID, PaymentDate: spec.PaymentDate}
	if spec.Type != "" {
		b.Type = spec.Type
	}
	c, ok := o.contacts.get(spec.ContactID)
	switch {
	case spec.ContactID == "":
		v.field("contactId", msgBlank)
	case !ok:
		v.field("contactId", msgUnknown)
	case !c.IsSupplier:
		// Billy: isSupplier is "whether the contact is regarded as a
		// vendor and can have bills".
		v.field("contactId", "The contact must be a supplier (isSupplier) to have bills.")
	}
	if spec.EntryDate == "" {
		v.field("entryDate", msgBlank)
	}
	b.ContactID, b.EntryDate = spec.ContactID, spec.EntryDate
	if c != nil {
		b.ContactName = c.Name
	}
	if spec.ContactName != nil {
		b.ContactName = *spec.ContactName
	}

	var credited *bill
	if b.Type == typeCreditNote {
		if spec.CreditedBillID == nil {
			v.field("creditedBillId", msgBlank)
		} else if cb, ok := o.bills.get(*spec.CreditedBillID); !ok || cb.Type != typeBill {
			v.field("creditedBillId", msgUnknown)
		} else if cb.State != stateApproved {
			v.field("creditedBillId", "Only an approved bill can be credited.")
		} else if cb.ContactID != spec.ContactID {
			v.field("creditedBillId", "The credited bill belongs to another contact.")
		} else {
			credited = cb
			b.CreditedBillID = spec.CreditedBillID
		}
	} else if spec.CreditedBillID != nil {
		v.field("creditedBillId", "Only a credit note can credit a bill.")
	}

	b.CurrencyID = spec.CurrencyID
	if b.CurrencyID == "" {
		b.CurrencyID = o.org.BaseCurrencyID
		if credited != nil {
			b.CurrencyID = credited.CurrencyID
		}
	}
	cur, ok := currencyByID(b.CurrencyID)
	if !ok {
		v.field("currencyId", msgUnknown)
	} else if credited != nil && credited.CurrencyID != b.CurrencyID {
		v.field("currencyId", "A credit note must have the credited bill's currency.")
	}
	b.ExchangeRate = numberOf(decimal.NewFromInt(1))
	if b.CurrencyID != o.org.BaseCurrencyID && cur != nil {
		b.ExchangeRate = cur.ExchangeRate
		if credited != nil {
			b.ExchangeRate = credited.ExchangeRate
		}
		if spec.ExchangeRate.IsPositive() {
			b.ExchangeRate = numberOf(round6(spec.ExchangeRate))
		}
	}
	b.TaxMode = o.org.DefaultTaxMode
	if spec.TaxMode != "" {
		b.TaxMode = spec.TaxMode
	}
	// Guess: a bill without a due date is due by the supplier's payment
	// terms, else the organization's.
	b.DueDate = spec.DueDate
	if b.DueDate == "" && b.EntryDate != "" {
		mode, days := o.org.PaymentTermsMode, o.org.PaymentTermsDays
		if c != nil && c.PaymentTermsMode != "" {
			mode, days = c.PaymentTermsMode, c.PaymentTermsDays
		}
		b.DueDate = dueDate(b.EntryDate, mode, days, "")
	}
	o.checkBillPayment(b, v)
	if !spec.IsBare && (!spec.linesGiven || len(spec.Lines) == 0) {
		v.field("lines", "A bill must have at least one line.")
	}
	lines := o.buildBillLines(b, spec.Lines, v)
	if v.ok() {
		o.checkBillTotals(b, lines, v)
	}
	var attachments []*attachment
	if spec.attachmentsGiven {
		attachments = o.attachmentsFor(ref("bill", b.ID), spec.AttachmentIDs, spec.attachmentKeys, v)
	}
	switch spec.State {
	case "", stateDraft, stateApproved:
	default:
		v.field("state", "A new bill must be a draft or approved.")
	}
	if !v.ok() {
		return nil, v.err()
	}

	o.billSeq++
	b.createdSeq = o.billSeq
	o.bills.add(b.ID, b)
	o.storeBillLines(b, lines, ch)
	if spec.attachmentsGiven {
		o.setAttachments(ref("bill", b.ID), &b.attachmentIDs, attachments, ch)
	}
	o.recomputeBillBalance(b)
	ch.add("bills", b.ID, b)
	if spec.State == stateApproved {
		if err := o.approveBill(b, now, ch); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// checkBillPayment checks a bill paid at once (paymentAccountId and
// paymentDate, as for a card receipt). Guess: the reference lists the
// fields but not their rules; the account must take payments, both fields
// go together, and the account's currency must be the bill's (a paid-at-
// once bill in another currency would need a cash exchange rate, which the
// bill has no field for).
func (o *orgState) checkBillPayment(b *bill, v *validation) {
	if b.PaymentAccountID == nil && b.PaymentDate == nil {
		return
	}
	if b.PaymentAccountID == nil {
		v.field("paymentAccountId", "A bill with a paymentDate needs the paymentAccountId it was paid from.")
		return
	}
	if b.PaymentDate == nil {
		v.field("paymentDate", "A bill with a paymentAccountId needs the paymentDate it was paid.")
	}
	acct, ok := o.accounts.get(*b.PaymentAccountID)
	switch {
	case !ok:
		v.field("paymentAccountId", msgUnknown)
	case !acct.IsPaymentEnabled:
		v.field("paymentAccountId", "The account must have payments enabled.")
	case acct.CurrencyID != nil && *acct.CurrencyID != b.CurrencyID:
		v.field("paymentAccountId", "The payment account's currency must be the bill's.")
	case b.Type == typeCreditNote:
		v.field("paymentAccountId", "A credit note cannot be paid at once; record the refund with a bankPayment.")
	}
}

// buildBillLines validates line specs and turns them into lines (not stored
// yet). A line without a tax rate takes its account's default one.
func (o *orgState) buildBillLines(b *bill, specs []billLineSpec, v *validation) []*billLine {
	lines := make([]*billLine, 0, len(specs))
	for i, s := range specs {
		l := &billLine{ID: o.ids.next(), OrganizationID: o.org.ID, BillID: b.ID, AccountID: s.AccountID,
			TaxRateID: s.TaxRateID, Description: s.Description, Priority: i + 1}
		if s.Priority != nil {
			l.Priority = *s.Priority
		}
		acct, ok := o.accounts.get(s.AccountID)
		switch {
		case s.AccountID == "":
			v.add(s.key, "accountId", msgBlank)
		case !ok:
			v.add(s.key, "accountId", msgUnknown)
		case acct.IsBankAccount:
			v.add(s.key, "accountId", "A bill line cannot post to a bank account; pay the bill with a bankPayment.")
		}
		if l.TaxRateID == "" && acct != nil && acct.TaxRateID != nil {
			l.TaxRateID = *acct.TaxRateID
		}
		tr, ok := o.taxRates.get(l.TaxRateID)
		switch {
		case l.TaxRateID == "":
			v.add(s.key, "taxRateId", msgBlank)
		case !ok:
			v.add(s.key, "taxRateId", msgUnknown)
		case !tr.AppliesToPurchases:
			v.add(s.key, "taxRateId", "The tax rate must apply to purchases (appliesToPurchases).")
		case !tr.IsActive:
			v.add(s.key, "taxRateId", "The tax rate is not active.")
		}
		if s.Description == "" {
			v.add(s.key, "description", msgBlank)
		}
		switch {
		case s.Amount == nil:
			v.add(s.key, "amount", msgBlank)
		case s.Amount.IsNegative():
			v.add(s.key, "amount", "The amount must not be negative; use a credit note.")
		case moneyTooLarge(*s.Amount):
			v.add(s.key, "amount", msgMoneyBound)
		case !hasPlaces(*s.Amount, 2):
			v.add(s.key, "amount", "An amount has at most 2 decimals.")
		default:
			l.entered = numberOf(*s.Amount)
		}
		lines = append(lines, l)
	}
	return lines
}

// checkBillTotals refuses a bill whose totals would pass the money bound,
// computing on copies.
func (o *orgState) checkBillTotals(b *bill, lines []*billLine, v *validation) {
	next := *b
	copies := make([]*billLine, len(lines))
	for i, l := range lines {
		c := *l
		copies[i] = &c
	}
	o.computeBill(&next, copies)
	for _, t := range []struct {
		name string
		n    number
	}{{"grossAmount", next.GrossAmount}, {"amount", next.Amount}, {"tax", next.Tax}} {
		if moneyTooLarge(t.n.v) {
			v.field("lines", fmt.Sprintf("The lines add up to a bill %s of %s; a bill's totals must be less than 1,000,000,000,000.", t.name, plain(t.n.v)))
			return
		}
	}
}

// storeBillLines saves built lines on the bill and computes its totals.
func (o *orgState) storeBillLines(b *bill, lines []*billLine, ch *changes) {
	b.lineIDs = b.lineIDs[:0]
	for _, l := range lines {
		o.billLines.add(l.ID, l)
		b.lineIDs = append(b.lineIDs, l.ID)
		ch.add("billLines", l.ID, l)
	}
	o.recomputeBillTotals(b)
}

func (o *orgState) recomputeBillTotals(b *bill) billCalc {
	lines := o.billLines.pick(b.lineIDs)
	calc := o.computeBill(b, lines)
	b.LineDescription = billLineDescription(lines)
	return calc
}

// replaceBillLines deletes a draft's lines and stores new ones.
func (o *orgState) replaceBillLines(b *bill, lines []*billLine, ch *changes) {
	for _, id := range b.lineIDs {
		o.billLines.remove(id)
		ch.del("billLines", id)
	}
	b.lineIDs = nil
	o.storeBillLines(b, lines, ch)
}

// recomputeBillBalance derives balance and isPaid as for invoices: an
// approved bill owes its gross amount plus its balance modifiers (payments
// and credit notes are negative); a draft or voided bill owes nothing.
func (o *orgState) recomputeBillBalance(b *bill) {
	if b.State != stateApproved {
		b.Balance, b.IsPaid = number{}, false
		return
	}
	bal := toOre(b.GrossAmount.v)
	for _, m := range o.balanceModifiers.pick(b.modifierIDs) {
		if !m.IsVoided {
			bal += toOre(m.Amount.v)
		}
	}
	b.Balance, b.IsPaid = numberOf(fromOre(bal)), bal <= 0
}

// billName names a bill in texts: the supplier's invoice number and the
// supplier.
func billName(b *bill) string {
	if b.SuppliersInvoiceNo != "" {
		return b.SuppliersInvoiceNo + " from " + b.ContactName
	}
	return "from " + b.ContactName
}

func (o *orgState) billOriginatorName(b *bill) string {
	kind := "Bill"
	if b.Type == typeCreditNote {
		kind = "Credit note"
	}
	return kind + " " + billName(b)
}

// approveBill books a draft: the voucher number when the organization
// numbers bills (hasBillVoucherNo) and the bill has none, approvedTime, the
// balance, the transaction, the offset of a credit note against the bill it
// credits, and the payment of a bill paid at once.
func (o *orgState) approveBill(b *bill, now time.Time, ch *changes) error {
	if b.State != stateDraft {
		return errRule("The bill is already %s.", b.State)
	}
	if len(b.lineIDs) == 0 {
		return errRule("A bill must have at least one line before it can be approved.")
	}
	if b.VoucherNo == nil && o.org.HasBillVoucherNo {
		b.VoucherNo = strp(strconv.Itoa(o.nextBillVoucherNo()))
	}
	b.State = stateApproved
	b.ApprovedTime = strp(fmtDatetime(now))
	calc := o.recomputeBillTotals(b)
	o.recomputeBillBalance(b)
	ch.add("bills", b.ID, b)
	tx := o.addTransaction(ref("bill", b.ID), o.billOriginatorName(b), b.EntryDate, b.VoucherNo, now, o.billLegs(b, calc), ch)
	b.transactionID = tx.ID
	if b.Type == typeCreditNote && b.CreditedBillID != nil {
		o.offsetBillCreditNote(b, ch)
	}
	if b.PaymentAccountID != nil && b.PaymentDate != nil && b.Balance.v.IsPositive() {
		spec := paymentSpec{EntryDate: *b.PaymentDate, CashAmount: b.Balance.v, CashSide: "credit",
			CashAccountID: *b.PaymentAccountID, Subjects: []string{ref("bill", b.ID)}, subjectKeys: []string{""}}
		if _, err := o.createBankPayment(spec, newValidation("bill", "The bill's payment is invalid."), now, ch); err != nil {
			return err
		}
	}
	return nil
}

// nextBillVoucherNo is one more than the highest numeric voucher number of
// the organization's bills.
func (o *orgState) nextBillVoucherNo() int {
	next := 1
	for _, b := range o.bills.all() {
		if b.VoucherNo == nil {
			continue
		}
		if n, err := strconv.Atoi(*b.VoucherNo); err == nil && n >= next {
			next = n + 1
		}
	}
	return next
}

// billLegs books a bill (a credit note on the opposite sides): each line
// account debited with its net amount plus the VAT that is not deductible,
// each deduction component's account (Købsmoms) debited with the
// deductible VAT, the reverse-charge VAT credited as payable on its rate's
// account, and accounts payable credited with the gross amount. Legs on
// the same account are summed. Each leg's base amount is its amount at the
// bill's exchange rate, rounded to øre; payables get the balancing base, so
// the transaction balances in the base currency to the øre.
func (o *orgState) billLegs(b *bill, calc billCalc) []postingSpec {
	text := o.billOriginatorName(b)
	debit, credit := "debit", "credit"
	if b.Type == typeCreditNote {
		debit, credit = credit, debit
	}
	type leg struct {
		account, side string
		amount        decimal.Decimal
	}
	var legs []*leg
	find := func(account, side string) *leg {
		for _, l := range legs {
			if l.account == account && l.side == side {
				return l
			}
		}
		l := &leg{account: account, side: side}
		legs = append(legs, l)
		return l
	}
	for _, l := range o.billLines.pick(b.lineIDs) {
		lg := find(l.AccountID, debit)
		lg.amount = lg.amount.Add(l.Amount.v).Add(calc.nonDed[l])
	}
	for _, r := range calc.rates {
		for _, c := range r.components {
			lg := find(c.accountID, debit)
			lg.amount = lg.amount.Add(c.amount)
		}
	}
	for _, r := range calc.rates {
		if r.reverse && !r.vat.IsZero() {
			lg := find(r.rate.reverseAccountID, credit)
			lg.amount = lg.amount.Add(r.vat)
		}
	}
	out := make([]postingSpec, 0, len(legs)+1)
	var debitBase, creditBase int64
	for _, l := range legs {
		amount := toOre(l.amount)
		base := toBase(amount, b.ExchangeRate.v)
		if l.side == debit {
			debitBase += base
		} else {
			creditBase += base
		}
		out = append(out, postingSpec{accountID: l.account, text: text, amount: amount, side: l.side, currency: b.CurrencyID, base: base})
	}
	return append(out, postingSpec{accountID: o.payableAccountID, text: text, amount: toOre(b.GrossAmount.v),
		side: credit, currency: b.CurrencyID, base: debitBase - creditBase})
}

// offsetBillCreditNote settles an approved credit note against the bill it
// credits, up to that bill's balance, as offsetCreditNote does for invoices
// (the same guess: Billy's docs do not say).
func (o *orgState) offsetBillCreditNote(cn *bill, ch *changes) {
	orig, ok := o.bills.get(*cn.CreditedBillID)
	if !ok || orig.State != stateApproved {
		return
	}
	amount := min(toOre(orig.Balance.v), toOre(cn.Balance.v))
	if amount <= 0 {
		return
	}
	for _, pair := range [][2]*bill{{orig, cn}, {cn, orig}} {
		subject, modifier := pair[0], pair[1]
		m := &balanceModifier{ID: o.ids.next(), OrganizationID: o.org.ID, ModifierReference: ref("bill", modifier.ID),
			SubjectReference: ref("bill", subject.ID), Amount: numberOf(fromOre(-amount)), EntryDate: cn.EntryDate}
		o.balanceModifiers.add(m.ID, m)
		subject.modifierIDs = append(subject.modifierIDs, m.ID)
		o.recomputeBillBalance(subject)
		ch.add("balanceModifiers", m.ID, m)
		ch.add("bills", subject.ID, subject)
	}
}

// voidBill moves an approved bill to voided and reverses its booking, as
// voidInvoice does: not while payments stand (void them first), and a
// credited bill only after its credit notes are voided. Voiding a credit
// note undoes its offset.
func (o *orgState) voidBill(b *bill, now time.Time, ch *changes) error {
	switch b.State {
	case stateVoided:
		return nil
	case stateDraft:
		return errRule("A draft cannot be voided; delete it instead.")
	}
	for _, m := range o.balanceModifiers.pick(b.modifierIDs) {
		if m.IsVoided {
			continue
		}
		typ, id, _ := parseRef(m.ModifierReference)
		if typ == "bankPayment" {
			return errRule("The bill has payments; void the bank payments first.")
		}
		if typ == "bill" && b.Type == typeBill {
			return errRule("The bill has been credited; void the credit note %s first.", id)
		}
	}
	for _, m := range o.balanceModifiers.pick(b.modifierIDs) {
		if m.IsVoided {
			continue
		}
		m.IsVoided = true
		ch.add("balanceModifiers", m.ID, m)
		if _, otherID, ok := parseRef(m.ModifierReference); ok {
			if other, ok := o.bills.get(otherID); ok {
				for _, om := range o.balanceModifiers.pick(other.modifierIDs) {
					if om.ModifierReference == ref("bill", b.ID) && !om.IsVoided {
						om.IsVoided = true
						ch.add("balanceModifiers", om.ID, om)
					}
				}
				o.recomputeBillBalance(other)
				ch.add("bills", other.ID, other)
			}
		}
	}
	b.State = stateVoided
	o.recomputeBillBalance(b)
	ch.add("bills", b.ID, b)
	o.voidTransaction(b.transactionID, fmtDate(now), now, ch)
	return nil
}

// deleteBill deletes a draft with its lines and attachments. Guess: as for
// invoices, an approved bill cannot be deleted, only credited or voided;
// its attachments go with it (Billy's behaviour is not documented).
func (o *orgState) deleteBill(b *bill, ch *changes) error {
	if b.State != stateDraft {
		return errRule("Only a draft can be deleted; credit or void an approved bill instead.")
	}
	for _, id := range b.lineIDs {
		o.billLines.remove(id)
	}
	o.bills.remove(b.ID)
	ch.del("bills", b.ID)
	if len(b.lineIDs) > 0 {
		ch.del("billLines", b.lineIDs...)
	}
	for _, id := range b.attachmentIDs {
		o.attachments.remove(id)
		ch.del("attachments", id)
	}
	return nil
}
