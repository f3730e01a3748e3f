package sandbox

import (
	"time"

	"github.com/shopspring/decimal"
)

// The ledger: approvals and payments write a transaction with balanced
// postings, as Billy does (billy-api.md §7.3.2, §7.9). Transactions are
// read-only through the API.

// postingSpec is one leg of a transaction. amount is in currencyID; base is
// the same amount in the organization's base currency.
type postingSpec struct {
	accountID string
	text      string
	amount    int64 // øre, may be negative: a negative debit is a credit
	side      string
	currency  string
	base      int64
}

// addTransaction writes a transaction and its postings. Legs with a negative
// amount flip side, so that posting amounts are always positive as in Billy.
func (o *orgState) addTransaction(originator, originatorName, entryDate string, voucherNo *string, now time.Time, legs []postingSpec, ch *changes) *transaction {
	tx := &transaction{ID: o.ids.next(), OrganizationID: o.org.ID, TransactionNo: o.nextTransactionNo,
		VoucherNo: voucherNo, CreatedTime: fmtDatetime(now), EntryDate: entryDate,
		OriginatorReference: originator, OriginatorName: originatorName}
	o.nextTransactionNo++
	o.transactions.add(tx.ID, tx)
	for i, l := range legs {
		if l.amount == 0 && l.base == 0 {
			continue
		}
		side := l.side
		if l.amount < 0 || (l.amount == 0 && l.base < 0) {
			l.amount, l.base, side = -l.amount, -l.base, flip(side)
		}
		p := &posting{ID: o.ids.next(), OrganizationID: o.org.ID, TransactionID: tx.ID, EntryDate: entryDate,
			Text: l.text, AccountID: l.accountID, Amount: numberOf(fromOre(l.amount)), Side: side,
			CurrencyID: l.currency, BaseAmount: numberOf(fromOre(l.base)), Priority: i + 1}
		o.postings.add(p.ID, p)
		tx.postingIDs = append(tx.postingIDs, p.ID)
		ch.add("postings", p.ID, p)
	}
	ch.add("transactions", tx.ID, tx)
	return tx
}

func flip(side string) string {
	if side == "debit" {
		return "credit"
	}
	return "debit"
}

// voidTransaction marks a transaction and its postings voided and writes
// the reversing transaction (isVoid), so the ledger stays append-only as
// bogføringsloven expects (danish-compliance.md R13).
func (o *orgState) voidTransaction(txID, entryDate string, now time.Time, ch *changes) {
	tx, ok := o.transactions.get(txID)
	if !ok || tx.IsVoided {
		return
	}
	tx.IsVoided = true
	ch.add("transactions", tx.ID, tx)
	var legs []postingSpec
	for _, p := range o.postings.pick(tx.postingIDs) {
		p.IsVoided = true
		ch.add("postings", p.ID, p)
		legs = append(legs, postingSpec{accountID: p.AccountID, text: p.Text, amount: toOre(p.Amount.v),
			side: flip(p.Side), currency: p.CurrencyID, base: toOre(p.BaseAmount.v)})
	}
	rev := o.addTransaction(tx.OriginatorReference, tx.OriginatorName+" (annulleret)", entryDate, tx.VoucherNo, now, legs, ch)
	rev.IsVoid = true
}

// toBase converts an øre amount in a currency with the given rate (base
// currency units per unit) to the base currency.
func toBase(amount int64, rate decimal.Decimal) int64 {
	if rate.Equal(decimal.NewFromInt(1)) || rate.IsZero() {
		return amount
	}
	return mulOre(amount, rate)
}
