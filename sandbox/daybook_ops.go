package sandbox

import (
	"fmt"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// Daybooks and daybook transactions (billy-api.md §7.9): manual entries in
// a journal (kassekladde), booked when approved. An entry's lines and entry
// date are immutable (IMM in the reference), so a draft with wrong lines is
// deleted and entered again; an approved entry is voided, which reverses
// its transaction.
//
// A line posts its amount to its account on its side, and the same amount
// to its contra account, if it has one, on the other side. With a tax rate
// the line's VAT is split out (danish-compliance.md §1.5 says where it
// lands):
//
//   - a rate whose VAT is charged (Salgsmoms, Købsmoms, restaurant,
//     representation, 50 %): the amount is the gross, VAT included, as a
//     Danish journal line with a VAT code is entered; the VAT,
//     amount × r / (1 + r) rounded half-up to øre, goes to the rate's VAT
//     account: Salgsmoms for a rate that applies to sales, the deduction
//     components' accounts (Købsmoms) for the deductible share of a
//     purchase rate, the rest staying on the line's account;
//   - a rate where the buyer pays the VAT (EU goods and services, imports,
//     domestic reverse charge): the amount is the net; the VAT, net × r
//     rounded, is booked payable on the rate's account and its deductible
//     share on the components' accounts, on opposite sides, so the entry
//     still balances on its amounts.
//
// Guess: the reference does not say how Billy splits a daybook line's VAT;
// this is the ordinary Danish journal convention. The lines must balance
// (the debits' amounts equal the credits'), except that a line with a
// contra account balances itself. Every line is in the organization's base
// currency. Guess: the reference lists currencyId on a line; the sandbox
// refuses other currencies with a 422 rather than guess a rate.

// daybookLineSpec is one line as given; key is its validationErrors entry.
type daybookLineSpec struct {
	key             string
	Text            string
	AccountID       string
	TaxRateID       string
	ContraAccountID string
	Amount          *decimal.Decimal
	Side            string
	CurrencyID      string
	Priority        *int
}

// daybookTxSpec is a new daybook transaction.
type daybookTxSpec struct {
	DaybookID           string
	EntryDate           string
	VoucherNo           *string
	Description         string
	ExtendedDescription string
	APIType             *string
	State               string
	Lines               []daybookLineSpec
	linesGiven          bool
	AttachmentIDs       []string
	attachmentKeys      []string
	attachmentsGiven    bool
}

// createDaybookTransaction validates and stores an entry, booking it when
// the spec asks for state "approved".
func (o *orgState) createDaybookTransaction(spec daybookTxSpec, v *validation, now time.Time, ch *changes) (*daybookTransaction, error) {
	t := &daybookTransaction{ID: o.ids.next(), OrganizationID: o.org.ID, CreatedTime: fmtDatetime(now), EntryDate: spec.EntryDate,
		VoucherNo: spec.VoucherNo, Description: spec.Description, ExtendedDescription: spec.ExtendedDescription,
		APIType: spec.APIType, State: stateDraft, Type: "entry"}
	if spec.EntryDate == "" {
		v.field("entryDate", msgBlank)
	}
	if spec.DaybookID != "" {
		if _, ok := o.daybooks.get(spec.DaybookID); !ok {
			v.field("daybookId", msgUnknown)
		}
		t.DaybookID = strp(spec.DaybookID)
	} else if d := o.daybooks.all(); len(d) > 0 {
		// Guess: an entry without a daybook goes to the first one.
		t.DaybookID = strp(d[0].ID)
	}
	if !spec.linesGiven || len(spec.Lines) == 0 {
		v.field("lines", "A daybook transaction must have at least one line.")
	}
	lines := o.buildDaybookLines(t, spec.Lines, v)
	if v.ok() {
		if msg := daybookBalance(lines); msg != "" {
			v.field("lines", msg)
		}
	}
	var atts []*attachment
	if spec.attachmentsGiven {
		atts = o.attachmentsFor(ref("daybookTransaction", t.ID), spec.AttachmentIDs, spec.attachmentKeys, v)
	}
	switch spec.State {
	case "", stateDraft, stateApproved:
	default:
		v.field("state", "A new daybook transaction must be a draft or approved.")
	}
	if !v.ok() {
		return nil, v.err()
	}
	t.Priority = o.daybookTransactions.len() + 1
	o.daybookTransactions.add(t.ID, t)
	for _, l := range lines {
		o.daybookLines.add(l.ID, l)
		t.lineIDs = append(t.lineIDs, l.ID)
		ch.add("daybookTransactionLines", l.ID, l)
	}
	if spec.attachmentsGiven {
		o.setAttachments(ref("daybookTransaction", t.ID), &t.attachmentIDs, atts, ch)
	}
	ch.add("daybookTransactions", t.ID, t)
	if spec.State == stateApproved {
		if err := o.approveDaybookTransaction(t, now, ch); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// buildDaybookLines validates line specs and makes the lines (not stored).
func (o *orgState) buildDaybookLines(t *daybookTransaction, specs []daybookLineSpec, v *validation) []*daybookTransactionLine {
	lines := make([]*daybookTransactionLine, 0, len(specs))
	for i, s := range specs {
		l := &daybookTransactionLine{ID: o.ids.next(), OrganizationID: o.org.ID, DaybookTransactionID: t.ID, Text: s.Text,
			AccountID: s.AccountID, Side: s.Side, CurrencyID: s.CurrencyID, Priority: i + 1}
		if s.Priority != nil {
			l.Priority = *s.Priority
		}
		if l.CurrencyID == "" {
			l.CurrencyID = o.org.BaseCurrencyID
		}
		acct, ok := o.accounts.get(s.AccountID)
		switch {
		case s.AccountID == "":
			v.add(s.key, "accountId", "This field must not be blank: give accountId or accountNo.")
		case !ok:
			v.add(s.key, "accountId", msgUnknown)
		case acct.IsArchived:
			v.add(s.key, "accountId", "The account is archived.")
		}
		if s.ContraAccountID != "" {
			l.ContraAccountID = strp(s.ContraAccountID)
			switch c, ok := o.accounts.get(s.ContraAccountID); {
			case !ok:
				v.add(s.key, "contraAccountId", msgUnknown)
			case c.IsArchived:
				v.add(s.key, "contraAccountId", "The account is archived.")
			case s.ContraAccountID == s.AccountID:
				v.add(s.key, "contraAccountId", "The contra account must differ from the account.")
			}
		}
		if s.TaxRateID != "" {
			l.TaxRateID = strp(s.TaxRateID)
			switch tr, ok := o.taxRates.get(s.TaxRateID); {
			case !ok:
				v.add(s.key, "taxRateId", msgUnknown)
			case !tr.IsActive:
				v.add(s.key, "taxRateId", "The tax rate is not active.")
			}
		}
		switch s.Side {
		case "debit", "credit":
		case "":
			v.add(s.key, "side", msgBlank)
		default:
			v.add(s.key, "side", "This field must be one of: debit, credit.")
		}
		if l.CurrencyID != o.org.BaseCurrencyID {
			v.add(s.key, "currencyId", "The sandbox books daybook lines in the organization's base currency ("+o.org.BaseCurrencyID+") only.")
		}
		switch {
		case s.Amount == nil:
			v.add(s.key, "amount", msgBlank)
		case !s.Amount.IsPositive():
			v.add(s.key, "amount", "The amount must be positive; give the side to say which way it goes.")
		case moneyTooLarge(*s.Amount):
			v.add(s.key, "amount", msgMoneyBound)
		case !hasPlaces(*s.Amount, 2):
			v.add(s.key, "amount", "An amount has at most 2 decimals.")
		default:
			l.Amount = numberOf(*s.Amount)
		}
		lines = append(lines, l)
	}
	return lines
}

// daybookBalance says why lines do not balance, or "" when they do: the
// debits' amounts must equal the credits', lines with a contra account
// left out (each balances itself).
func daybookBalance(lines []*daybookTransactionLine) string {
	var debit, credit int64
	for _, l := range lines {
		if l.ContraAccountID != nil {
			continue
		}
		if l.Side == "debit" {
			debit += toOre(l.Amount.v)
		} else {
			credit += toOre(l.Amount.v)
		}
	}
	if debit != credit {
		return fmt.Sprintf("The lines do not balance: debits %s, credits %s; give the difference a line, or the lines contra accounts.",
			fromOre(debit).StringFixed(2), fromOre(credit).StringFixed(2))
	}
	return ""
}

// approveDaybookTransaction books a draft entry.
func (o *orgState) approveDaybookTransaction(t *daybookTransaction, now time.Time, ch *changes) error {
	if t.State != stateDraft {
		return errRule("The daybook transaction is already %s.", t.State)
	}
	t.State = stateApproved
	ch.add("daybookTransactions", t.ID, t)
	name := t.Description
	if name == "" {
		name = "Daybook transaction"
		if t.VoucherNo != nil {
			name += " " + *t.VoucherNo
		}
	}
	tx := o.addTransaction(ref("daybookTransaction", t.ID), name, t.EntryDate, t.VoucherNo, now,
		o.daybookLegs(t), ch)
	t.transactionID = tx.ID
	return nil
}

// daybookLegs books an entry's lines (see the top of this file).
func (o *orgState) daybookLegs(t *daybookTransaction) []postingSpec {
	var legs []postingSpec
	add := func(account, text, side string, amount int64) {
		if amount != 0 {
			legs = append(legs, postingSpec{accountID: account, text: text, amount: amount, side: side,
				currency: o.org.BaseCurrencyID, base: amount})
		}
	}
	for _, l := range o.daybookLines.pick(t.lineIDs) {
		text := l.Text
		if text == "" {
			text = t.Description
		}
		amount := toOre(l.Amount.v)
		if l.ContraAccountID != nil {
			add(*l.ContraAccountID, text, flip(l.Side), amount)
		}
		var tr *taxRate
		if l.TaxRateID != nil {
			tr, _ = o.taxRates.get(*l.TaxRateID)
		}
		if tr == nil || tr.Rate.v.IsZero() {
			add(l.AccountID, text, l.Side, amount)
			continue
		}
		rate := tr.Rate.v
		if tr.reverseAccountID != "" {
			vat := toOre(round2(l.Amount.v.Mul(rate)))
			ded := o.deductions(tr, vat)
			add(l.AccountID, text, l.Side, amount+vat-sumOre(ded))
			for _, d := range ded {
				add(d.accountID, text, l.Side, toOre(d.amount))
			}
			add(tr.reverseAccountID, text, flip(l.Side), vat)
			continue
		}
		vat := toOre(vatOf(l.Amount.v, rate, true))
		if tr.AppliesToSales {
			add(l.AccountID, text, l.Side, amount-vat)
			add(o.salesVatAccountID, text, l.Side, vat)
			continue
		}
		ded := o.deductions(tr, vat)
		add(l.AccountID, text, l.Side, amount-sumOre(ded))
		for _, d := range ded {
			add(d.accountID, text, l.Side, toOre(d.amount))
		}
	}
	return legs
}

// deductions splits VAT (øre) over a rate's deduction components, each
// share rounded half-up to øre.
func (o *orgState) deductions(tr *taxRate, vat int64) []componentAmount {
	var out []componentAmount
	for _, c := range o.deductionComponents.pick(tr.componentIDs) {
		if c.Source == deductionSourceTax {
			out = append(out, componentAmount{accountID: c.AccountID, amount: round2(fromOre(vat).Mul(c.Share.v))})
		}
	}
	return out
}

func sumOre(cs []componentAmount) int64 {
	var s int64
	for _, c := range cs {
		s += toOre(c.amount)
	}
	return s
}

// voidDaybookTransaction reverses an approved entry.
func (o *orgState) voidDaybookTransaction(t *daybookTransaction, now time.Time, ch *changes) error {
	switch t.State {
	case stateVoided:
		return nil
	case stateDraft:
		return errRule("A draft cannot be voided; delete it instead.")
	}
	t.State = stateVoided
	ch.add("daybookTransactions", t.ID, t)
	o.voidTransaction(t.transactionID, fmtDate(now), now, ch)
	return nil
}

// deleteDaybookTransaction deletes a draft with its lines; its attachments
// are unlinked, not deleted (the voucher stays).
func (o *orgState) deleteDaybookTransaction(t *daybookTransaction, ch *changes) error {
	if t.State != stateDraft {
		return errRule("Only a draft can be deleted; void an approved daybook transaction instead.")
	}
	for _, id := range t.lineIDs {
		o.daybookLines.remove(id)
	}
	o.daybookTransactions.remove(t.ID)
	ch.del("daybookTransactions", t.ID)
	if len(t.lineIDs) > 0 {
		ch.del("daybookTransactionLines", t.lineIDs...)
	}
	for _, a := range o.attachments.pick(t.attachmentIDs) {
		a.OwnerReference = nil
		ch.add("attachments", a.ID, a)
	}
	return nil
}

// accountByNo finds an account by its number, for lines that give
// accountNo instead of accountId.
func (o *orgState) accountByNo(no string) string {
	n, err := strconv.Atoi(no)
	if err != nil {
		return ""
	}
	for _, a := range o.accounts.all() {
		if a.AccountNo == n {
			return a.ID
		}
	}
	return ""
}
