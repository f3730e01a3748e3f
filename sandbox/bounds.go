package sandbox

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// Bounds on money, quantities and rates.
//
// Guess: Billy's own limits are not documented (billy-api.md §11). The
// sandbox computes in exact decimals, but the ledger sums øre in int64
// (money.go), and an earlier build answered quantity 1e9 × unit price 1e9
// with an amount of −92,233,720,368,547,760: the øre wrapped. So every
// value that can reach the ledger is bounded, and a value past its bound is
// refused with Billy's 422 validation envelope naming the field, as Billy
// refuses a value it cannot store:
//
//   - money (a unit price, a product price, a discount, a line's amount,
//     an invoice's or credit note's amount, tax and grossAmount, a bank
//     payment's cashAmount and feeAmount, and what a payment settles in
//     the invoices' currency): its absolute value must be below
//     1,000,000,000,000 (10^12) in its currency;
//   - a quantity: its absolute value must be at most 1,000,000,000 (10^9),
//     the invoices plugin's bound too;
//   - an exchange rate (an invoice's exchangeRate, a payment's
//     cashExchangeRate), rounded to the 6 decimals Billy shows: at least
//     0.000001 and below 10,000. No pair of real currencies comes near
//     either end (the sandbox's own rates are between 0.6 and 9 kr.).
//
// With these, one amount is below 10^14 øre, converted at a rate below
// 10^18 øre, and the few such amounts a transaction adds up stay far below
// int64's 9.2 × 10^18; the øre conversions (toOre, mulOre, divOre) check
// that anyway and panic rather than wrap, so a bound missed here would be a
// loud 500, never a wrong amount.
var (
	maxMoney    = decimal.New(1, 12) // exclusive
	maxQuantity = decimal.New(1, 9)  // inclusive
	minRate     = decimal.New(1, -6) // inclusive, after rounding to 6 decimals
	maxRate     = decimal.New(1, 4)  // exclusive
)

// Messages for values past their bounds.
const (
	msgMoneyBound    = "The amount must be less than 1,000,000,000,000."
	msgQuantityBound = "The quantity must be between -1,000,000,000 and 1,000,000,000."
	msgRateBound     = "The exchange rate must be at least 0.000001 and less than 10,000."
)

// moneyTooLarge reports whether an amount is past the money bound.
func moneyTooLarge(d decimal.Decimal) bool { return d.Abs().Cmp(maxMoney) >= 0 }

// quantityTooLarge reports whether a quantity is past its bound.
func quantityTooLarge(d decimal.Decimal) bool { return d.Abs().Cmp(maxQuantity) > 0 }

// rateOutOfBounds reports whether an exchange rate, rounded to 6
// decimals, is outside its bounds (a zero or negative rate is).
func rateOutOfBounds(r decimal.Decimal) bool {
	r = round6(r)
	return r.Cmp(minRate) < 0 || r.Cmp(maxRate) >= 0
}

// rate reads an optional exchange rate and checks its bounds; the rate is
// rounded to the 6 decimals Billy shows. ok is false when it was not given
// or is refused.
func (in input) rate(k string) (decimal.Decimal, bool) {
	r, ok := in.num(k)
	if !ok {
		return decimal.Zero, false
	}
	if rateOutOfBounds(r) {
		in.fail(k, msgRateBound)
		return decimal.Zero, false
	}
	return round6(r), true
}

// checkTotals refuses, naming field on entry key, an invoice whose totals
// with these lines would pass the money bound. It computes on copies: the
// invoice and its stored lines are untouched whatever the answer.
func (o *orgState) checkTotals(inv *invoice, lines []*invoiceLine, v *validation, key, field string) {
	next := *inv
	copies := make([]*invoiceLine, len(lines))
	for i, l := range lines {
		c := *l
		copies[i] = &c
	}
	computeTotals(&next, copies, o.taxRateOf)
	for _, t := range []struct {
		name string
		n    number
	}{{"grossAmount", next.GrossAmount}, {"amount", next.Amount}, {"tax", next.Tax}} {
		if moneyTooLarge(t.n.v) {
			v.add(key, field, fmt.Sprintf("The lines add up to an invoice %s of %s; an invoice's totals must be less than 1,000,000,000,000.", t.name, plain(t.n.v)))
			return
		}
	}
}

// taxRateOf is a tax rate's rate, zero for an unknown one.
func (o *orgState) taxRateOf(id string) decimal.Decimal {
	if tr, ok := o.taxRates.get(id); ok {
		return tr.Rate.v
	}
	return decimal.Zero
}

// int64 bounds as decimals, for the checked øre conversions.
var (
	minInt64 = decimal.NewFromInt(-1 << 63)
	maxInt64 = decimal.NewFromInt(1<<63 - 1)
)

// wholeOre returns a whole number of øre as an int64, panicking when it
// does not fit: the bounds above keep every amount far inside, so this is
// a bug, and a panic (a 500) is better than a wrapped amount in the books.
func wholeOre(d decimal.Decimal) int64 {
	if d.Cmp(minInt64) < 0 || d.Cmp(maxInt64) > 0 {
		panic(fmt.Sprintf("sandbox: %s øre does not fit in int64: an amount escaped the bounds in bounds.go", d.String()))
	}
	return d.IntPart()
}
