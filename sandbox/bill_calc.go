package sandbox

import (
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// A bill's amounts and its VAT (billy-api.md §7.7).
//
// A bill line carries an amount, an account and a tax rate. With taxMode
// excl the amount entered is the net; with incl it is the gross, and reads
// back as the net with the VAT in tax (what pete-life checks live:
// amount + tax is the gross entered).
//
// VAT is computed as on invoices (invoice_calc.go, danish-compliance.md
// R3): once per tax rate on the sum of the bill's lines at that rate,
// rounded half-up to øre, each line getting its rounded share and the last
// line of the rate the øre left over. Then per rate:
//
//   - a rate whose VAT the supplier charges (Købsmoms, restaurant,
//     representation, 50 %): the VAT is on the bill (tax, grossAmount) and
//     owed to the supplier;
//   - a rate where the buyer pays the VAT (EU goods and services, imports,
//     domestic reverse charge; taxRate.reverseAccountID): the supplier
//     charges none, so the line's tax is 0 and the amount entered is the
//     net whatever the tax mode; the VAT, net × rate rounded on the rate's
//     sum, is booked as payable on the rate's account instead;
//   - the deductible part of either is the VAT × the rate's deduction
//     components' shares, rounded half-up to øre per component; the rest
//     is a cost, booked on the lines' own accounts.
//
// Guess: Billy's rounding for bills is not documented (§7.3.1, §11 item 6);
// this is the rule the reference gives for invoices, applied to each bill.
// All amounts are in the bill's currency; the ledger converts each posting
// at the bill's exchangeRate (bill_ops.go).

// billRateVAT is a bill's VAT at one tax rate.
type billRateVAT struct {
	rate       *taxRate
	net        decimal.Decimal // the lines' net amounts
	vat        decimal.Decimal // the VAT at the rate, charged or reverse-charged
	deductible decimal.Decimal // the part deducted as input VAT
	reverse    bool            // the buyer pays the VAT (booked on rate.reverseAccountID)
	components []componentAmount
}

// componentAmount is the deductible VAT booked on one component's account.
type componentAmount struct {
	accountID string
	amount    decimal.Decimal
}

// billCalc is the result of computing a bill: the VAT per rate in the order
// the rates first appear, and each line's VAT that is not deductible.
type billCalc struct {
	rates  []*billRateVAT
	nonDed map[*billLine]decimal.Decimal
}

// computeBill sets each line's amount and tax and the bill's amount, tax
// and grossAmount. Lines whose tax rate is unknown count as 0 %.
func (o *orgState) computeBill(b *bill, lines []*billLine) billCalc {
	calc := billCalc{nonDed: map[*billLine]decimal.Decimal{}}
	byRate := map[string]*billRateVAT{}
	last := map[string]*billLine{}
	sum := map[string]decimal.Decimal{}
	for _, l := range lines {
		r := byRate[l.TaxRateID]
		if r == nil {
			tr, _ := o.taxRates.get(l.TaxRateID)
			if tr == nil {
				tr = &taxRate{ID: l.TaxRateID}
			}
			r = &billRateVAT{rate: tr, reverse: tr.reverseAccountID != ""}
			byRate[l.TaxRateID] = r
			calc.rates = append(calc.rates, r)
		}
		sum[l.TaxRateID] = sum[l.TaxRateID].Add(l.entered.v)
		last[l.TaxRateID] = l
	}
	incl := b.TaxMode == taxModeIncl
	var amount, tax decimal.Decimal
	for _, r := range calc.rates {
		id, rate := r.rate.ID, r.rate.Rate.v
		chargedIncl := incl && !r.reverse
		r.vat = vatOf(sum[id], rate, chargedIncl)
		share := o.deductibleShare(r.rate)
		for _, c := range o.deductionComponents.pick(r.rate.componentIDs) {
			if c.Source != deductionSourceTax {
				continue
			}
			a := round2(r.vat.Mul(c.Share.v))
			r.components = append(r.components, componentAmount{accountID: c.AccountID, amount: a})
			r.deductible = r.deductible.Add(a)
		}
		var vatSoFar, dedSoFar decimal.Decimal
		for _, l := range lines {
			if l.TaxRateID != id {
				continue
			}
			v := vatOf(l.entered.v, rate, chargedIncl)
			d := round2(v.Mul(share))
			if l == last[id] {
				v, d = r.vat.Sub(vatSoFar), r.deductible.Sub(dedSoFar)
			}
			vatSoFar, dedSoFar = vatSoFar.Add(v), dedSoFar.Add(d)
			calc.nonDed[l] = v.Sub(d)
			net := l.entered.v
			if chargedIncl {
				net = net.Sub(v)
			}
			l.Amount = numberOf(net)
			l.Tax = number{}
			if !r.reverse {
				l.Tax = numberOf(v)
			}
			r.net = r.net.Add(net)
		}
		amount = amount.Add(r.net)
		if !r.reverse {
			tax = tax.Add(r.vat)
		}
	}
	b.Amount, b.Tax, b.GrossAmount = numberOf(amount), numberOf(tax), numberOf(amount.Add(tax))
	return calc
}

// billLineDescription joins the lines' descriptions, as Billy's generated
// lineDescription does for invoices.
func billLineDescription(lines []*billLine) string {
	parts := make([]string, 0, len(lines))
	for _, l := range lines {
		if l.Description != "" {
			parts = append(parts, l.Description)
		}
	}
	s := strings.Join(parts, ", ")
	if utf8.RuneCountInString(s) > 250 {
		s = string([]rune(s)[:249]) + "…"
	}
	return s
}
