package sandbox

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// salesTaxReturns and salesTaxPayments (billy-api.md §7.5): one return per
// VAT period of the organization, which Billy makes itself (no POST, no
// DELETE); a client settles one with PUT isSettled and records the payment
// to (or refund from) SKAT as a salesTaxPayment. Billy exposes no return
// figures (the boxes), and neither does the sandbox.
//
// Guess: the reference names the fields but not their values or what
// settling books. The sandbox's choices:
//
//   - periodType is the organization's vatPeriod (monthly, quarterly,
//     semianually); period is "2026-Q3", "2026-H2" or "2026-09"; periodText
//     is Danish ("3. kvartal 2026"); correctionNo is 0.
//   - reportDeadline is the statutory deadline (danish-compliance.md §1.6,
//     R7): the 25th of the next month for a month (June: 17 August), the
//     1st of the 3rd month after the period for a quarter or half-year,
//     moved to the next business day (weekends, church holidays, bank
//     closing days, R8).
//   - Settling (isSettled true) moves the balance of every VAT and duty
//     account (salesTaxAccounts other than the settlement account) from
//     the postings dated in the period that no return holds yet, to the
//     settlement account (Momsafregning), in one transaction dated the
//     period's last day, originator salesTaxReturn:<id>; those postings,
//     and the settlement's own, get the return's salesTaxReturnId.
//     Postings approved later into a settled period keep a null
//     salesTaxReturnId (what a bookkeeping check looks for).
//   - Unsettling (isSettled false) voids that transaction and frees the
//     postings; not while a payment stands.
//   - isPaid: settled, and the payments (not voided) add up to what the
//     settlement left on the settlement account (a refund: paid by a
//     debit to the bank).

// vatPeriodOf names the VAT period holding day d for an organization's
// vatPeriod: its type, key, Danish text, and first and last days.
func vatPeriodOf(vatPeriod string, d time.Time) (period, text string, start, end time.Time) {
	y, m := d.Year(), d.Month()
	switch vatPeriod {
	case "monthly":
		start = time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
		return fmt.Sprintf("%d-%02d", y, m), danishMonths[m-1] + fmt.Sprintf(" %d", y), start, start.AddDate(0, 1, -1)
	case "semianually":
		h := (int(m)-1)/6 + 1
		start = time.Date(y, time.Month(6*(h-1)+1), 1, 0, 0, 0, 0, time.UTC)
		return fmt.Sprintf("%d-H%d", y, h), fmt.Sprintf("%d. halvår %d", h, y), start, start.AddDate(0, 6, -1)
	default: // quarterly
		q := (int(m)-1)/3 + 1
		start = time.Date(y, time.Month(3*(q-1)+1), 1, 0, 0, 0, 0, time.UTC)
		return fmt.Sprintf("%d-Q%d", y, q), fmt.Sprintf("%d. kvartal %d", q, y), start, start.AddDate(0, 3, -1)
	}
}

// vatDeadline is a period's statutory deadline (ML § 57, R7), rolled to
// the next business day.
func vatDeadline(vatPeriod string, end time.Time) time.Time {
	var d time.Time
	switch {
	case vatPeriod == "monthly" && end.Month() == time.June:
		d = time.Date(end.Year(), time.August, 17, 0, 0, 0, 0, time.UTC)
	case vatPeriod == "monthly":
		d = time.Date(end.Year(), end.Month()+1, 25, 0, 0, 0, 0, time.UTC)
	default:
		d = time.Date(end.Year(), end.Month()+3, 1, 0, 0, 0, 0, time.UTC)
	}
	for !businessDay(d) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// businessDay is false on weekends, Danish church holidays and bank closing
// days (danish-compliance.md §5.5, R8).
func businessDay(d time.Time) bool {
	if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		return false
	}
	m, day := d.Month(), d.Day()
	switch {
	case m == time.January && day == 1, m == time.June && day == 5,
		m == time.December && (day == 24 || day == 25 || day == 26 || day == 31):
		return false
	}
	e := easter(d.Year())
	for _, off := range []int{-3, -2, 0, 1, 39, 40, 49, 50} {
		if d.Equal(e.AddDate(0, 0, off)) {
			return false
		}
	}
	// Store Bededag (Easter + 26) was a holiday up to 2023.
	return d.Year() > 2023 || !d.Equal(e.AddDate(0, 0, 26))
}

// easter is Easter Sunday (the anonymous Gregorian algorithm).
func easter(y int) time.Time {
	a, b, c := y%19, y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(y, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}

// ensureSalesTaxReturns makes the returns of every VAT period from the
// period holding from through the one holding to, as Billy keeps one per
// period.
func (o *orgState) ensureSalesTaxReturns(from, to, now time.Time) {
	have := map[string]bool{}
	for _, r := range o.salesTaxReturns.all() {
		have[r.Period] = true
	}
	for d := from; !d.After(to); {
		period, text, start, end := vatPeriodOf(o.org.VatPeriod, d)
		if !have[period] {
			r := &salesTaxReturn{ID: o.ids.next(), OrganizationID: o.org.ID, CreatedTime: fmtDatetime(now),
				PeriodType: o.org.VatPeriod, Period: period, PeriodText: text, StartDate: fmtDate(start), EndDate: fmtDate(end),
				ReportDeadline: fmtDate(vatDeadline(o.org.VatPeriod, end))}
			if r.PeriodType == "" {
				r.PeriodType = "quarterly"
			}
			o.salesTaxReturns.add(r.ID, r)
			have[period] = true
		}
		d = end.AddDate(0, 0, 1)
	}
}

// settleSalesTaxReturn books a return's settlement (see the top).
func (o *orgState) settleSalesTaxReturn(r *salesTaxReturn, now time.Time, ch *changes) {
	taxAccounts := map[string]bool{}
	for _, s := range o.salesTaxAccounts.all() {
		if s.Type != staSettlement {
			taxAccounts[s.AccountID] = true
		}
	}
	// The balance (credit positive) per account, in account order.
	balance := map[string]int64{}
	var held []*posting
	for _, p := range o.postings.all() {
		if !taxAccounts[p.AccountID] || p.SalesTaxReturnID != nil || p.EntryDate < r.StartDate || p.EntryDate > r.EndDate {
			continue
		}
		amt := toOre(p.BaseAmount.v)
		if p.Side == "debit" {
			amt = -amt
		}
		balance[p.AccountID] += amt
		held = append(held, p)
	}
	var legs []postingSpec
	var total int64
	text := "Momsafregning " + r.PeriodText
	for _, a := range o.accounts.all() {
		b := balance[a.ID]
		if b == 0 {
			continue
		}
		legs = append(legs, postingSpec{accountID: a.ID, text: text, amount: b, side: "debit", currency: o.org.BaseCurrencyID, base: b})
		total += b
	}
	if total != 0 || len(legs) > 0 {
		legs = append(legs, postingSpec{accountID: o.settlementAccountID, text: text, amount: total, side: "credit",
			currency: o.org.BaseCurrencyID, base: total})
	}
	for _, p := range held {
		p.SalesTaxReturnID = strp(r.ID)
		ch.add("postings", p.ID, p)
	}
	r.IsSettled = true
	r.settledOre = total
	if len(legs) > 0 {
		tx := o.addTransaction(ref("salesTaxReturn", r.ID), text, r.EndDate, nil, now, legs, ch)
		r.settlementTxID = tx.ID
		for _, p := range o.postings.pick(tx.postingIDs) {
			p.SalesTaxReturnID = strp(r.ID)
		}
	}
	o.recomputeReturnPaid(r)
	ch.add("salesTaxReturns", r.ID, r)
}

// unsettleSalesTaxReturn undoes a settlement.
func (o *orgState) unsettleSalesTaxReturn(r *salesTaxReturn, now time.Time, ch *changes) error {
	for _, p := range o.salesTaxPayments.pick(r.paymentIDs) {
		if !p.IsVoided {
			return errRule("The return has a payment; void the salesTaxPayment %s first.", p.ID)
		}
	}
	if r.settlementTxID != "" {
		o.voidTransaction(r.settlementTxID, fmtDate(now), now, ch)
	}
	// The settlement and its reversal stay the return's (they cancel out,
	// and the reversal, dated today, must not land in a later period's
	// settlement); the postings the settlement held are freed.
	own := ref("salesTaxReturn", r.ID)
	for _, p := range o.postings.all() {
		tx, _ := o.transactions.get(p.TransactionID)
		switch {
		case tx != nil && tx.OriginatorReference == own:
			if p.SalesTaxReturnID == nil {
				p.SalesTaxReturnID = strp(r.ID)
				ch.add("postings", p.ID, p)
			}
		case p.SalesTaxReturnID != nil && *p.SalesTaxReturnID == r.ID:
			p.SalesTaxReturnID = nil
			ch.add("postings", p.ID, p)
		}
	}
	r.IsSettled, r.settledOre, r.settlementTxID = false, 0, ""
	o.recomputeReturnPaid(r)
	ch.add("salesTaxReturns", r.ID, r)
	return nil
}

// recomputeReturnPaid derives isPaid: settled, and the payments cover the
// settled amount (money out for an amount payable, in for a refund).
func (o *orgState) recomputeReturnPaid(r *salesTaxReturn) {
	if !r.IsSettled {
		r.IsPaid = false
		return
	}
	var paid int64
	for _, p := range o.salesTaxPayments.pick(r.paymentIDs) {
		if p.IsVoided {
			continue
		}
		a := toOre(p.Amount.v)
		if p.Side == "debit" {
			a = -a
		}
		paid += a
	}
	r.IsPaid = paid == r.settledOre
}

// createSalesTaxPayment records a payment to or from SKAT: the cash
// account on side, the settlement account on the other.
func (o *orgState) createSalesTaxPayment(returnID, entryDate, accountID, side string, amount *decimal.Decimal, v *validation, now time.Time, ch *changes) (*salesTaxPayment, error) {
	r, ok := o.salesTaxReturns.get(returnID)
	switch {
	case returnID == "":
		v.field("salesTaxReturnId", msgBlank)
	case !ok:
		v.field("salesTaxReturnId", msgUnknown)
	case !r.IsSettled:
		v.field("salesTaxReturnId", "The return must be settled (isSettled) before a payment is recorded.")
	}
	if entryDate == "" {
		v.field("entryDate", msgBlank)
	}
	switch a, ok := o.accounts.get(accountID); {
	case accountID == "":
		v.field("accountId", msgBlank)
	case !ok:
		v.field("accountId", msgUnknown)
	case !a.IsPaymentEnabled:
		v.field("accountId", "The account must have payments enabled.")
	case a.CurrencyID != nil && *a.CurrencyID != o.org.BaseCurrencyID:
		v.field("accountId", "The account must be in the organization's base currency.")
	}
	if side == "" && r != nil {
		// Guess: side is the cash account's; money goes out for an
		// amount payable and comes in for a refund.
		side = "credit"
		if r.settledOre < 0 {
			side = "debit"
		}
	}
	switch {
	case amount == nil:
		v.field("amount", msgBlank)
	case !amount.IsPositive():
		v.field("amount", "The amount must be positive; side says whether it was paid (credit) or refunded (debit).")
	case moneyTooLarge(*amount):
		v.field("amount", msgMoneyBound)
	case !hasPlaces(*amount, 2):
		v.field("amount", "An amount has at most 2 decimals.")
	}
	if !v.ok() {
		return nil, v.err()
	}
	p := &salesTaxPayment{ID: o.ids.next(), OrganizationID: o.org.ID, SalesTaxReturnID: r.ID, EntryDate: entryDate,
		AccountID: accountID, Amount: numberOf(*amount), Side: side}
	o.salesTaxPayments.add(p.ID, p)
	r.paymentIDs = append(r.paymentIDs, p.ID)
	amt := toOre(*amount)
	text := "Betaling af moms " + r.PeriodText
	tx := o.addTransaction(ref("salesTaxPayment", p.ID), text, entryDate, nil, now, []postingSpec{
		{accountID: accountID, text: text, amount: amt, side: side, currency: o.org.BaseCurrencyID, base: amt},
		{accountID: o.settlementAccountID, text: text, amount: amt, side: flip(side), currency: o.org.BaseCurrencyID, base: amt},
	}, ch)
	p.transactionID = tx.ID
	o.recomputeReturnPaid(r)
	ch.add("salesTaxPayments", p.ID, p)
	ch.add("salesTaxReturns", r.ID, r)
	return p, nil
}

// voidSalesTaxPayment cancels a payment and reverses its transaction.
func (o *orgState) voidSalesTaxPayment(p *salesTaxPayment, now time.Time, ch *changes) {
	if p.IsVoided {
		return
	}
	p.IsVoided = true
	o.voidTransaction(p.transactionID, fmtDate(now), now, ch)
	ch.add("salesTaxPayments", p.ID, p)
	if r, ok := o.salesTaxReturns.get(p.SalesTaxReturnID); ok {
		o.recomputeReturnPaid(r)
		ch.add("salesTaxReturns", r.ID, r)
	}
}
