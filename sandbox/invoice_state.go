package sandbox

import (
	"fmt"
	"strconv"
	"time"
)

// Invoice state changes after creation: approval with numbering and
// booking, credit-note offsets, voiding, deletion and e-mail marking
// (billy-api.md §7.3.2).

// recomputeBalance derives balance and isPaid (§7.3.3): an approved
// invoice's balance is its gross amount plus its balance modifiers
// (payments and credit notes are negative). Guess: a draft or voided
// invoice has balance 0 and is not paid.
func (o *orgState) recomputeBalance(inv *invoice) {
	if inv.State != stateApproved {
		inv.Balance, inv.IsPaid = number{}, false
		return
	}
	bal := toOre(inv.GrossAmount.v)
	for _, m := range o.balanceModifiers.pick(inv.modifierIDs) {
		if !m.IsVoided {
			bal += toOre(m.Amount.v)
		}
	}
	inv.Balance, inv.IsPaid = numberOf(fromOre(bal)), bal <= 0
}

// approveInvoice is the one documented state change, draft → approved
// (§7.3.2). It assigns the next invoice number when none was given
// (Guess: the reference recommends numbering at approval, so drafts never
// burn a number and the series stays gap-free as Danish law asks,
// danish-compliance.md §2.4), sets approvedTime and balance, books the
// transaction, and offsets a credit note against the invoice it credits.
func (o *orgState) approveInvoice(inv *invoice, now time.Time, ch *changes) error {
	if inv.State != stateDraft {
		return errRule("The invoice is already %s.", inv.State)
	}
	if inv.InvoiceNo == nil {
		no := o.org.NextInvoiceNo
		for o.invoiceNoTaken(strconv.Itoa(no), inv.ID) {
			no++
		}
		o.setInvoiceNo(inv, strp(strconv.Itoa(no)))
		o.org.NextInvoiceNo = no + 1
	} else if n, err := strconv.Atoi(*inv.InvoiceNo); err == nil && n >= o.org.NextInvoiceNo {
		o.org.NextInvoiceNo = n + 1
	}
	inv.State = stateApproved
	inv.ApprovedTime = strp(fmtDatetime(now))
	o.recomputeBalance(inv)
	ch.add("invoices", inv.ID, inv)

	tx := o.addTransaction(ref("invoice", inv.ID), o.originatorName(inv), inv.EntryDate, inv.InvoiceNo, now, o.invoiceLegs(inv), ch)
	inv.transactionID = tx.ID

	if inv.Type == typeCreditNote && inv.CreditedInvoiceID != nil {
		o.offsetCreditNote(inv, now, ch)
	}
	return nil
}

func (o *orgState) originatorName(inv *invoice) string {
	name := ""
	if c, ok := o.contacts.get(inv.ContactID); ok {
		name = c.Name
	}
	kind := "Invoice"
	if inv.Type == typeCreditNote {
		kind = "Credit note"
	}
	no := ""
	if inv.InvoiceNo != nil {
		no = *inv.InvoiceNo
	}
	return fmt.Sprintf("%s number %s for %s", kind, no, name)
}

// invoiceLegs books an invoice: accounts receivable debit the gross amount,
// revenue credit per product account, sales VAT credit the tax. A credit
// note books the same legs on the opposite sides.
func (o *orgState) invoiceLegs(inv *invoice) []postingSpec {
	text := o.originatorName(inv)
	debit, credit := "debit", "credit"
	if inv.Type == typeCreditNote {
		debit, credit = credit, debit
	}
	var legs []postingSpec
	revenue := map[string]int64{}
	var accts []string
	for _, l := range o.invoiceLines.pick(inv.lineIDs) {
		acct := o.org.DefaultSalesAccountID
		if p, ok := o.products.get(l.ProductID); ok && p.AccountID != "" {
			acct = p.AccountID
		}
		if _, seen := revenue[acct]; !seen {
			accts = append(accts, acct)
		}
		revenue[acct] += toOre(l.Amount.v)
	}
	var baseSum int64
	for _, a := range accts {
		b := toBase(revenue[a], inv.ExchangeRate.v)
		baseSum += b
		legs = append(legs, postingSpec{accountID: a, text: text, amount: revenue[a], side: credit, currency: inv.CurrencyID, base: b})
	}
	if tax := toOre(inv.Tax.v); tax != 0 {
		b := toBase(tax, inv.ExchangeRate.v)
		baseSum += b
		legs = append(legs, postingSpec{accountID: o.salesVatAccountID, text: text, amount: tax, side: credit, currency: inv.CurrencyID, base: b})
	}
	// The receivable's base amount is the sum of the others, so the
	// transaction balances in the base currency to the øre.
	return append([]postingSpec{{accountID: o.receivableAccountID, text: text, amount: toOre(inv.GrossAmount.v),
		side: debit, currency: inv.CurrencyID, base: baseSum}}, legs...)
}

// offsetCreditNote settles an approved credit note against the invoice it
// credits, up to that invoice's balance: one negative balance modifier on
// each. What is left of the credit note stays as its balance, to be paid
// back with a bankPayment (cashSide credit).
//
// Guess: Billy's docs do not say whether an approved credit note reduces
// the credited invoice's balance automatically (§7.3.2, §11 item 12). The
// sandbox does, because that is what a user sees in Billy's app (the
// invoice shows as credited) and what "outstanding" must mean for an MCP.
func (o *orgState) offsetCreditNote(cn *invoice, now time.Time, ch *changes) {
	orig, ok := o.invoices.get(*cn.CreditedInvoiceID)
	if !ok || orig.State != stateApproved {
		return
	}
	amount := min(toOre(orig.Balance.v), toOre(cn.Balance.v))
	if amount <= 0 {
		return
	}
	for _, pair := range [][2]*invoice{{orig, cn}, {cn, orig}} {
		subject, modifier := pair[0], pair[1]
		m := &balanceModifier{ID: o.ids.next(), OrganizationID: o.org.ID, ModifierReference: ref("invoice", modifier.ID),
			SubjectReference: ref("invoice", subject.ID), Amount: numberOf(fromOre(-amount)), EntryDate: cn.EntryDate}
		o.balanceModifiers.add(m.ID, m)
		subject.modifierIDs = append(subject.modifierIDs, m.ID)
		o.recomputeBalance(subject)
		ch.add("balanceModifiers", m.ID, m)
		ch.add("invoices", subject.ID, subject)
	}
}

// voidInvoice moves an approved invoice to voided. The reference does not
// say how Billy voids through the API (§7.3.2); the sandbox accepts PUT
// state "voided", as one client does, but only while nothing has been paid:
// a payment must be voided first. Voiding a credit note undoes its offset.
func (o *orgState) voidInvoice(inv *invoice, now time.Time, ch *changes) error {
	switch inv.State {
	case stateVoided:
		return nil
	case stateDraft:
		return errRule("A draft cannot be voided; delete it instead.")
	}
	for _, m := range o.balanceModifiers.pick(inv.modifierIDs) {
		if m.IsVoided {
			continue
		}
		typ, id, _ := parseRef(m.ModifierReference)
		if typ == "bankPayment" {
			return errRule("The invoice has payments; void the bank payments first.")
		}
		if typ == "invoice" && inv.Type == typeInvoice {
			return errRule("The invoice has been credited; void the credit note %s first.", id)
		}
	}
	for _, m := range o.balanceModifiers.pick(inv.modifierIDs) {
		if m.IsVoided {
			continue
		}
		// A credit note's offset: void both halves.
		m.IsVoided = true
		ch.add("balanceModifiers", m.ID, m)
		if _, otherID, ok := parseRef(m.ModifierReference); ok {
			if other, ok := o.invoices.get(otherID); ok {
				for _, om := range o.balanceModifiers.pick(other.modifierIDs) {
					if om.ModifierReference == ref("invoice", inv.ID) && !om.IsVoided {
						om.IsVoided = true
						ch.add("balanceModifiers", om.ID, om)
					}
				}
				o.recomputeBalance(other)
				ch.add("invoices", other.ID, other)
			}
		}
	}
	inv.State = stateVoided
	o.recomputeBalance(inv)
	ch.add("invoices", inv.ID, inv)
	o.voidTransaction(inv.transactionID, fmtDate(now), now, ch)
	return nil
}

// deleteInvoice deletes a draft and its lines. Guess: approved invoices
// cannot be deleted, only credited or voided (§7.3.2).
func (o *orgState) deleteInvoice(inv *invoice, ch *changes) error {
	if inv.State != stateDraft {
		return errRule("Only a draft can be deleted; credit or void an approved invoice instead.")
	}
	for _, id := range inv.lineIDs {
		o.invoiceLines.remove(id)
	}
	o.invoices.remove(inv.ID)
	o.setInvoiceNo(inv, nil)
	ch.del("invoices", inv.ID)
	if len(inv.lineIDs) > 0 {
		ch.del("invoiceLines", inv.lineIDs...)
	}
	return nil
}

// markSent records an e-mail: sentState becomes "sent" unless the customer
// has already opened or viewed the invoice.
func markSent(inv *invoice) {
	if inv.SentState != "opened" && inv.SentState != "viewed" {
		inv.SentState = "sent"
	}
}
