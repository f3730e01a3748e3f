package sandbox

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// paymentSpec is a new bankPayment (billy-api.md §7.6).
type paymentSpec struct {
	EntryDate        string
	CashAmount       decimal.Decimal
	CashSide         string
	CashAccountID    string
	CashExchangeRate decimal.Decimal // zero: not given
	FeeAmount        decimal.Decimal
	FeeAccountID     string
	Subjects         []string // subjectReference of each association, in order
	subjectKeys      []string // their validationErrors keys
}

// createBankPayment validates and books a payment. Money in (cashSide
// debit) pays invoices; money out (credit) pays back credit notes. The
// amount settled is spread over the subjects in order, each up to its
// balance; anything left over is the contact's credit, which the sandbox
// does not model further (Billy records it as contact balance).
//
// With a fee, a deposit settles the subjects gross of the fee (§7.6): the
// bank receives cashAmount, the fee is an expense, and the receivables
// drop by cashAmount + feeAmount.
func (o *orgState) createBankPayment(spec paymentSpec, v *validation, now time.Time, ch *changes) (*bankPayment, error) {
	if spec.EntryDate == "" {
		v.field("entryDate", msgBlank)
	}
	if !spec.CashAmount.IsPositive() {
		v.field("cashAmount", "The amount must be greater than zero.")
	} else if moneyTooLarge(spec.CashAmount) {
		v.field("cashAmount", msgMoneyBound)
	} else if !hasPlaces(spec.CashAmount, 2) {
		v.field("cashAmount", "An amount has at most 2 decimals.")
	}
	if spec.CashSide != "debit" && spec.CashSide != "credit" {
		v.field("cashSide", "This field must be one of: debit, credit.")
	}
	cashAcct, ok := o.accounts.get(spec.CashAccountID)
	switch {
	case spec.CashAccountID == "":
		v.field("cashAccountId", msgBlank)
	case !ok:
		v.field("cashAccountId", msgUnknown)
	case !cashAcct.IsPaymentEnabled:
		v.field("cashAccountId", "The account must have payments enabled.")
	}
	if spec.FeeAmount.IsNegative() {
		v.field("feeAmount", "The fee must not be negative.")
	} else if moneyTooLarge(spec.FeeAmount) {
		v.field("feeAmount", msgMoneyBound)
	} else if !hasPlaces(spec.FeeAmount, 2) {
		v.field("feeAmount", "An amount has at most 2 decimals.")
	}
	feeAcct := spec.FeeAccountID
	if spec.FeeAmount.IsPositive() && feeAcct == "" {
		feeAcct = o.org.DefaultBankFeeAccountID
	}
	if feeAcct != "" {
		if _, ok := o.accounts.get(feeAcct); !ok {
			v.field("feeAccountId", msgUnknown)
		}
	}
	if len(spec.Subjects) == 0 {
		v.field("associations", "A payment must have at least one association.")
	}
	var subjects []paySubject
	for i, s := range spec.Subjects {
		key := spec.subjectKeys[i]
		sub, msg := o.paySubjectOf(s, spec.CashSide)
		if msg != "" {
			v.add(key, "subjectReference", msg)
			continue
		}
		if len(subjects) > 0 && subjects[0].kind() != sub.kind() {
			// Guess: Billy's rule for mixing is not documented; a payment
			// books against one ledger account, receivables or payables.
			v.add(key, "subjectReference", "All subjects of a payment must be invoices, or all bills.")
			continue
		}
		subjects = append(subjects, sub)
	}
	subjectCur := o.org.BaseCurrencyID
	if len(subjects) > 0 {
		subjectCur = subjects[0].currency()
		for _, sub := range subjects[1:] {
			if sub.currency() != subjectCur {
				v.field("associations", "All subjects of a payment must have the same currency.")
				break
			}
		}
	}
	cashCur := o.org.BaseCurrencyID
	if cashAcct != nil && cashAcct.CurrencyID != nil {
		cashCur = *cashAcct.CurrencyID
	}
	// One subject currency unit is worth cashExchangeRate cash units; it is
	// required when the currencies differ and forced to 1 otherwise (§7.6).
	rate := decimal.NewFromInt(1)
	if cashCur != subjectCur {
		if !spec.CashExchangeRate.IsPositive() {
			v.field("cashExchangeRate", "The exchange rate is required when the cash account's currency differs from the invoices'.")
		}
		rate = round6(spec.CashExchangeRate)
	}
	if v.ok() {
		// What the cash settles in the invoices' currency is money too:
		// a small rate turns a bounded cash amount into a huge one.
		settles := spec.CashAmount.Add(spec.FeeAmount)
		if spec.CashSide == "credit" {
			settles = spec.CashAmount.Sub(spec.FeeAmount)
		}
		if settles = settles.Div(rate); moneyTooLarge(settles) {
			v.field("cashAmount", fmt.Sprintf("At cashExchangeRate %s this payment settles %s in the invoices' currency; it must be less than 1,000,000,000,000.",
				plain(rate), plain(settles.Round(2))))
		}
	}
	if !v.ok() {
		return nil, v.err()
	}

	bp := &bankPayment{ID: o.ids.next(), OrganizationID: o.org.ID, CreatedTime: fmtDatetime(now),
		EntryDate: spec.EntryDate, CashAmount: numberOf(spec.CashAmount), CashSide: spec.CashSide,
		CashAccountID: spec.CashAccountID, CashExchangeRate: numberOf(rate), SubjectCurrencyID: subjectCur,
		FeeAmount: numberOf(spec.FeeAmount)}
	if feeAcct != "" {
		bp.FeeAccountID = strp(feeAcct)
	}
	if c := subjects[0].contactID(); allSame(subjects, paySubject.contactID) {
		bp.ContactID = strp(c)
	}
	o.bankPayments.add(bp.ID, bp)
	ch.add("bankPayments", bp.ID, bp)

	cash, fee := toOre(spec.CashAmount), toOre(spec.FeeAmount)
	settledCash := cash + fee
	if spec.CashSide == "credit" {
		settledCash = cash - fee
	}
	// What the cash settles, in the invoices' currency, rounded to øre.
	remaining := divOre(settledCash, rate)
	settled := remaining
	var arBase int64
	for _, sub := range subjects {
		bal := sub.balance()
		alloc := min(remaining, bal)
		if !rate.Equal(decimal.NewFromInt(1)) && remaining-bal >= -1 && remaining-bal <= 1 {
			// Converting currencies can miss by an øre; settle exactly
			// rather than leave 0.01 open (the difference is booked as a
			// currency difference).
			alloc = bal
			settled += bal - remaining
		}
		if alloc <= 0 {
			continue
		}
		remaining = max(0, remaining-alloc)
		m := &balanceModifier{ID: o.ids.next(), OrganizationID: o.org.ID, ModifierReference: ref("bankPayment", bp.ID),
			SubjectReference: sub.ref(), Amount: numberOf(fromOre(-alloc)), EntryDate: spec.EntryDate}
		if cashCur == o.org.BaseCurrencyID && subjectCur != cashCur {
			// Realized currency difference: the payment's rate against the
			// rate the subject was booked at.
			m.RealizedCurrencyDifference = numberOf(fromOre(mulOre(alloc, rate) - mulOre(alloc, sub.rate())))
		}
		o.balanceModifiers.add(m.ID, m)
		bp.modifierIDs = append(bp.modifierIDs, m.ID)
		sub.addModifier(o, m.ID, ch)
		ch.add("balanceModifiers", m.ID, m)
		arBase += toBase(alloc, sub.rate())
	}
	arBase += toBase(remaining, o.rateToBase(subjectCur, subjects))
	tx := o.addTransaction(ref("bankPayment", bp.ID), o.paymentName(bp, subjects), spec.EntryDate, nil, now,
		o.paymentLegs(bp, cashCur, subjectCur, settled, arBase, subjects[0].ledgerAccount(o)), ch)
	bp.transactionID = tx.ID
	return bp, nil
}

func allSame[T any](xs []T, key func(T) string) bool {
	for _, x := range xs[1:] {
		if key(x) != key(xs[0]) {
			return false
		}
	}
	return true
}

// rateToBase is the base-currency value of one unit of a subject currency,
// taken from the first subject (they share a currency).
func (o *orgState) rateToBase(cur string, subjects []paySubject) decimal.Decimal {
	if cur == o.org.BaseCurrencyID {
		return decimal.NewFromInt(1)
	}
	if len(subjects) > 0 {
		return subjects[0].rate()
	}
	if c, ok := currencyByID(cur); ok {
		return c.ExchangeRate.v
	}
	return decimal.NewFromInt(1)
}

func (o *orgState) paymentName(bp *bankPayment, subjects []paySubject) string {
	if len(subjects) == 1 && subjects[0].inv != nil && subjects[0].inv.InvoiceNo != nil {
		return fmt.Sprintf("Payment of invoice number %s", *subjects[0].inv.InvoiceNo)
	}
	if len(subjects) == 1 && subjects[0].bill != nil {
		return fmt.Sprintf("Payment of bill %s", billName(subjects[0].bill))
	}
	return fmt.Sprintf("Bank payment of %s", bp.CashAmount.v.StringFixed(2))
}

// paymentLegs books a payment. Money in: bank debit, fee debit, receivable
// (or payable, for a bill's credit note) credit; money out the other way
// round, the fee still a debit. The base amounts of bank and fee follow the
// cash account's currency; the subjects' follow their booked rates; any
// difference is a realized currency difference.
func (o *orgState) paymentLegs(bp *bankPayment, cashCur, subjectCur string, settled, arBase int64, subjectAccount string) []postingSpec {
	text := fmt.Sprintf("Bank payment %s", bp.EntryDate)
	cashRate := decimal.NewFromInt(1)
	if cashCur != o.org.BaseCurrencyID {
		// A foreign-currency bank account is valued at the invoices' rate
		// when it pays invoices in its own currency, else at the table rate.
		cashRate = decimal.Zero
		if cashCur == subjectCur && settled > 0 {
			cashRate = decimal.NewFromInt(arBase).DivRound(decimal.NewFromInt(settled), 12)
		} else if c, ok := currencyByID(cashCur); ok {
			cashRate = c.ExchangeRate.v
		}
	}
	in, out := "debit", "credit"
	if bp.CashSide == "credit" {
		in, out = out, in
	}
	cash, fee := toOre(bp.CashAmount.v), toOre(bp.FeeAmount.v)
	cashBase, feeBase := toBase(cash, cashRate), toBase(fee, cashRate)
	legs := []postingSpec{{accountID: bp.CashAccountID, text: text, amount: cash, side: in, currency: cashCur, base: cashBase}}
	if fee > 0 && bp.FeeAccountID != nil {
		legs = append(legs, postingSpec{accountID: *bp.FeeAccountID, text: text + " (gebyr)", amount: fee, side: "debit", currency: cashCur, base: feeBase})
	}
	legs = append(legs, postingSpec{accountID: subjectAccount, text: text, amount: settled, side: out, currency: subjectCur, base: arBase})
	// Whatever does not balance in the base currency is a realized currency
	// difference.
	var debit, credit int64
	for _, l := range legs {
		if l.side == "debit" {
			debit += l.base
		} else {
			credit += l.base
		}
	}
	if diff := debit - credit; diff != 0 {
		legs = append(legs, postingSpec{accountID: o.fxAccountID, text: text + " (kursdifference)", amount: diff, side: "credit", currency: o.org.BaseCurrencyID, base: diff})
	}
	return legs
}

// voidBankPayment cancels a payment (PUT isVoided: true; it cannot be
// undone, §7.6): its balance modifiers are voided, the invoices get their
// balance back and the transaction is reversed.
func (o *orgState) voidBankPayment(bp *bankPayment, now time.Time, ch *changes) {
	if bp.IsVoided {
		return
	}
	bp.IsVoided = true
	ch.add("bankPayments", bp.ID, bp)
	for _, m := range o.balanceModifiers.pick(bp.modifierIDs) {
		m.IsVoided = true
		ch.add("balanceModifiers", m.ID, m)
		typ, id, _ := parseRef(m.SubjectReference)
		switch typ {
		case "invoice":
			if inv, ok := o.invoices.get(id); ok {
				o.recomputeBalance(inv)
				ch.add("invoices", inv.ID, inv)
			}
		case "bill":
			if b, ok := o.bills.get(id); ok {
				o.recomputeBillBalance(b)
				ch.add("bills", b.ID, b)
			}
		}
	}
	o.voidTransaction(bp.transactionID, fmtDate(now), now, ch)
}

// paySubject is what a payment settles: an invoice or credit note, or a
// bill or a bill's credit note.
type paySubject struct {
	inv  *invoice
	bill *bill
}

func (s paySubject) kind() string {
	if s.bill != nil {
		return "bill"
	}
	return "invoice"
}

func (s paySubject) ref() string {
	if s.bill != nil {
		return ref("bill", s.bill.ID)
	}
	return ref("invoice", s.inv.ID)
}

func (s paySubject) currency() string {
	if s.bill != nil {
		return s.bill.CurrencyID
	}
	return s.inv.CurrencyID
}

func (s paySubject) contactID() string {
	if s.bill != nil {
		return s.bill.ContactID
	}
	return s.inv.ContactID
}

func (s paySubject) rate() decimal.Decimal {
	if s.bill != nil {
		return s.bill.ExchangeRate.v
	}
	return s.inv.ExchangeRate.v
}

func (s paySubject) balance() int64 {
	if s.bill != nil {
		return toOre(s.bill.Balance.v)
	}
	return toOre(s.inv.Balance.v)
}

// ledgerAccount is the account the subject's balance sits on.
func (s paySubject) ledgerAccount(o *orgState) string {
	if s.bill != nil {
		return o.payableAccountID
	}
	return o.receivableAccountID
}

// addModifier links a new balance modifier to the subject and updates its
// balance.
func (s paySubject) addModifier(o *orgState, id string, ch *changes) {
	if s.bill != nil {
		s.bill.modifierIDs = append(s.bill.modifierIDs, id)
		o.recomputeBillBalance(s.bill)
		ch.add("bills", s.bill.ID, s.bill)
		return
	}
	s.inv.modifierIDs = append(s.inv.modifierIDs, id)
	o.recomputeBalance(s.inv)
	ch.add("invoices", s.inv.ID, s.inv)
}

// paySubjectOf resolves a subjectReference for a payment with cashSide
// side, or says why it cannot be paid. Money in (debit) pays invoices and
// the refunds suppliers owe on bills' credit notes; money out (credit)
// pays bills and pays back invoices' credit notes (billy-api.md §7.6).
func (o *orgState) paySubjectOf(reference, side string) (paySubject, string) {
	typ, id, ok := parseRef(reference)
	if !ok || typ != "invoice" && typ != "bill" {
		return paySubject{}, "The subject must be an invoice or bill reference such as invoice:<id> or bill:<id>."
	}
	if typ == "bill" {
		b, ok := o.bills.get(id)
		switch {
		case !ok:
			return paySubject{}, msgUnknown
		case b.State != stateApproved:
			return paySubject{}, "Only an approved bill can be paid."
		case side == "credit" && b.Type != typeBill:
			return paySubject{}, "Money out (cashSide credit) pays bills; a supplier's credit note is refunded with cashSide debit."
		case side == "debit" && b.Type != typeCreditNote:
			return paySubject{}, "Money in (cashSide debit) is a supplier's refund of a credit note; bills are paid with cashSide credit."
		}
		return paySubject{bill: b}, ""
	}
	inv, ok := o.invoices.get(id)
	switch {
	case !ok:
		return paySubject{}, msgUnknown
	case inv.State != stateApproved:
		return paySubject{}, "Only an approved invoice can be paid."
	case side == "debit" && inv.Type != typeInvoice:
		return paySubject{}, "Money in (cashSide debit) pays invoices; pay a credit note back with cashSide credit."
	case side == "credit" && inv.Type != typeCreditNote:
		return paySubject{}, "Money out (cashSide credit) pays back credit notes; invoices are paid with cashSide debit."
	}
	return paySubject{inv: inv}, ""
}
