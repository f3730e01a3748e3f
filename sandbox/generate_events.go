package sandbox

import (
	"container/heap"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// The generator's replay: events in date order, and what happens to each
// invoice (issue, credit, payment, void).

// Events are replayed in date order; on the same day issues come before
// credits, voids and payments.
const (
	evIssue = iota
	evCredit
	evVoid
	evPay
)

type event struct {
	date time.Time
	kind int
	seq  int
	fn   func(date time.Time)
}

type eventQueue []*event

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	a, b := q[i], q[j]
	if !a.date.Equal(b.date) {
		return a.date.Before(b.date)
	}
	if a.kind != b.kind {
		return a.kind < b.kind
	}
	return a.seq < b.seq
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(*event)) }
func (q *eventQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// at schedules fn on date, if that is still in the past at the anchor.
func (g *gen) at(date time.Time, kind int, fn func(date time.Time)) {
	if !date.Before(g.anchor) || date.Before(g.start) {
		return
	}
	g.seq++
	heap.Push(&g.queue, &event{date: date, kind: kind, seq: g.seq, fn: fn})
}

func (g *gen) run() {
	for g.queue.Len() > 0 {
		e := heap.Pop(&g.queue).(*event)
		e.fn(e.date)
	}
}

// clock is a time of day on date within office hours.
func (g *gen) clock(date time.Time) time.Time {
	return date.Add(time.Duration(8*3600+g.rng.IntN(9*3600)) * time.Second)
}

// issueOpts shapes one generated invoice.
type issueOpts struct {
	creditRate float64 // chance of a later credit note
	message    string
}

// issue creates and approves an invoice and plans what happens to it next.
func (g *gen) issue(cu *customer, date time.Time, lines []lineSpec, opt issueOpts) *invoice {
	o := g.o
	created := g.clock(date)
	spec := invoiceSpec{ContactID: cu.c.ID, EntryDate: fmtDate(date), CurrencyID: cu.currency, TaxMode: cu.taxMode,
		Lines: lines, linesGiven: true, ContactMessage: opt.message, ExchangeRate: g.rateOn(cu.currency)}
	if cu.c.Type == "company" && g.rng.IntN(4) == 0 {
		spec.AttContactPersonID = strp(cu.person.ID)
	}
	inv := g.must(o.createInvoice(spec, newValidation("invoice", ""), created, g.ch))
	if err := o.approveInvoice(inv, created.Add(time.Duration(1+g.rng.IntN(40))*time.Minute), g.ch); err != nil {
		panic(err)
	}
	inv.SentState = g.sentState(date)

	// Now and then an invoice is a mistake and voided the next day.
	g.issued++
	if g.voids[g.issued] {
		g.at(date.AddDate(0, 0, 1), evVoid, func(d time.Time) {
			if err := o.voidInvoice(inv, g.clock(d), g.ch); err != nil {
				panic(err)
			}
		})
		return inv
	}
	if g.rng.Float64() < opt.creditRate || g.issued == g.creditAt {
		full := g.rng.IntN(3) == 0
		g.at(date.AddDate(0, 0, 2+g.rng.IntN(20)), evCredit, func(d time.Time) { g.credit(inv, d, full) })
	}
	g.planPayment(cu, inv, date)
	return inv
}

func (g *gen) must(inv *invoice, err error) *invoice {
	if err != nil {
		panic(fmt.Sprintf("sandbox generator: %v", err))
	}
	return inv
}

// sentState: most invoices were e-mailed and many opened; a few were
// printed; the newest may not have gone out yet.
func (g *gen) sentState(date time.Time) string {
	if g.anchor.Sub(date) < 72*time.Hour && g.rng.IntN(2) == 0 {
		return "unsent"
	}
	u := g.rng.Float64()
	switch {
	case u < 0.55:
		return "sent"
	case u < 0.80:
		return "viewed"
	case u < 0.93:
		return "opened"
	}
	return "printed"
}

// rateOn is the day's exchange rate for an invoice currency: the table rate
// with a little daily noise (EUR hardly moves: the krone is pegged).
func (g *gen) rateOn(cur string) decimal.Decimal {
	c, ok := currencyByID(cur)
	if !ok || cur == "DKK" {
		return decimal.Zero
	}
	spread := 0.02
	if cur == "EUR" {
		spread = 0.0015
	}
	return c.ExchangeRate.v.Mul(g.noise(spread)).Round(4)
}

// noise is a random factor within ±spread of 1. The draw is a float (it is
// randomness, not money); the factor is its shortest decimal, and the
// amounts it scales are computed in decimals.
func (g *gen) noise(spread float64) decimal.Decimal {
	return decimal.NewFromInt(1).Add(decimal.NewFromFloat(spread * (g.rng.Float64()*2 - 1)))
}

// planPayment schedules the payment by the customer's habit: punctual
// payers pay within the terms, slow ones weeks late, bad ones very late or
// (for recent invoices) not at all. A few pay in two instalments.
func (g *gen) planPayment(cu *customer, inv *invoice, date time.Time) {
	rng := g.rng
	due, _ := parseDate(inv.DueDate)
	terms := max(1, int(due.Sub(date).Hours()/24))
	var payDay time.Time
	switch cu.payer {
	case payerPunctual:
		payDay = date.AddDate(0, 0, 1+rng.IntN(terms))
	case payerSlow:
		payDay = due.AddDate(0, 0, 3+rng.IntN(45))
	default:
		if g.anchor.Sub(due) < 150*24*time.Hour && rng.IntN(10) < 6 {
			return // still owing: overdue and unpaid
		}
		payDay = due.AddDate(0, 0, 40+rng.IntN(90))
	}
	if rng.IntN(25) == 0 {
		g.at(payDay, evPay, func(d time.Time) { g.pay(inv, d, dec("0.5")) })
		payDay = payDay.AddDate(0, 0, 10+rng.IntN(25))
	}
	g.at(payDay, evPay, func(d time.Time) { g.pay(inv, d, decimal.NewFromInt(1)) })
}

// pay pays share of an invoice's current balance (or pays back a credit
// note's). Foreign-currency invoices go to the EUR account when there is
// one, else to the DKK account at the day's rate, sometimes less a bank fee.
func (g *gen) pay(inv *invoice, date time.Time, share decimal.Decimal) {
	o := g.o
	bal := toOre(inv.Balance.v)
	if inv.State != stateApproved || bal <= 0 {
		return
	}
	amount := bal
	if share.LessThan(decimal.NewFromInt(1)) {
		amount = mulOre(bal, share)
	}
	side := "debit"
	if inv.Type == typeCreditNote {
		side = "credit"
	}
	spec := paymentSpec{EntryDate: fmtDate(date), CashSide: side, CashAccountID: o.bankAccountID,
		Subjects: []string{ref("invoice", inv.ID)}, subjectKeys: []string{""}}
	switch {
	case inv.CurrencyID == "DKK":
		spec.CashAmount = fromOre(amount)
	case inv.CurrencyID == "EUR" && g.eurBank != "":
		spec.CashAccountID, spec.CashAmount = g.eurBank, fromOre(amount)
	default:
		rate := round6(inv.ExchangeRate.v.Mul(g.noise(0.006)))
		cash := mulOre(amount, rate)
		if side == "debit" && g.rng.IntN(2) == 0 {
			spec.FeeAmount = decimal.NewFromInt(15)
			cash -= 1500
		}
		spec.CashAmount, spec.CashExchangeRate = fromOre(cash), rate
	}
	if _, err := o.createBankPayment(spec, newValidation("bankPayment", ""), g.clock(date), g.ch); err != nil {
		panic(fmt.Sprintf("sandbox generator: %v", err))
	}
}

// credit issues a credit note for the whole invoice or one of its lines,
// and pays it back later when the invoice had already been paid.
func (g *gen) credit(inv *invoice, date time.Time, full bool) {
	o := g.o
	if inv.State != stateApproved {
		return
	}
	lines := o.invoiceLines.pick(inv.lineIDs)
	if !full {
		lines = []*invoiceLine{pick(g.rng, lines)}
	}
	specs := make([]lineSpec, 0, len(lines))
	for _, l := range lines {
		q, p, d := l.Quantity.v, l.UnitPrice.v, l.Description
		s := lineSpec{ProductID: l.ProductID, Quantity: &q, UnitPrice: &p, Description: &d, Unit: l.Unit,
			DiscountMode: l.DiscountMode, DiscountText: l.DiscountText}
		if l.DiscountValue != nil {
			s.DiscountValue = &l.DiscountValue.v
		}
		specs = append(specs, s)
	}
	msg := "Kreditering af faktura " + deref(inv.InvoiceNo)
	if !full {
		msg += " (delvis)"
	}
	created := g.clock(date)
	spec := invoiceSpec{Type: typeCreditNote, ContactID: inv.ContactID, CreditedInvoiceID: strp(inv.ID), EntryDate: fmtDate(date),
		CurrencyID: inv.CurrencyID, ExchangeRate: inv.ExchangeRate.v, TaxMode: inv.TaxMode, Lines: specs, linesGiven: true,
		ContactMessage: msg}
	cn := g.must(o.createInvoice(spec, newValidation("invoice", ""), created, g.ch))
	if err := o.approveInvoice(cn, created.Add(5*time.Minute), g.ch); err != nil {
		panic(err)
	}
	cn.SentState = "sent"
	if cn.Balance.v.IsPositive() {
		g.at(date.AddDate(0, 0, 2+g.rng.IntN(8)), evPay, func(d time.Time) { g.pay(cn, d, decimal.NewFromInt(1)) })
	}
}

// drafts leaves a few unapproved invoices from the last days, the work in
// progress a user would find.
func (g *gen) drafts(n int) {
	o := g.o
	for i := 0; i < n; i++ {
		cu := g.weighted()
		date := g.anchor.AddDate(0, 0, -1-g.rng.IntN(5))
		created := g.clock(date)
		lines := profiles[g.kind].lines(g, cu, date)
		spec := invoiceSpec{ContactID: cu.c.ID, EntryDate: fmtDate(date), CurrencyID: cu.currency, TaxMode: cu.taxMode,
			Lines: lines, linesGiven: true, ExchangeRate: g.rateOn(cu.currency)}
		g.must(o.createInvoice(spec, newValidation("invoice", ""), created, g.ch))
	}
}
