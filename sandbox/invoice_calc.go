package sandbox

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// computeTotals sets each line's amount and tax and the invoice's amount,
// tax and grossAmount.
//
// Billy's rounding rule is not documented (billy-api.md §7.3.1, §11 item 6).
// The sandbox follows the Danish rule in danish-compliance.md R3 (EN 16931
// BR-CO-17): a line's amount is quantity × unit price less its discount,
// computed exactly and rounded to øre once (the unit price is never rounded
// first: 100 × 0.125 is 12.50); VAT is computed once per tax rate on the sum
// of its lines and rounded half-up to øre. So that the lines still add up to
// the invoice, each line's tax is its own rounded share and the last line of
// each rate absorbs the øre left over.
//
// With taxMode "incl" the unit prices include VAT: a rate's VAT is
// gross × r/(1+r), rounded, and the net is what remains.
func computeTotals(inv *invoice, lines []*invoiceLine, rateOf func(taxRateID string) decimal.Decimal) {
	type bucket struct {
		base, tax decimal.Decimal
		last      *invoiceLine
	}
	buckets := map[string]*bucket{}
	var order []string
	lineBase := map[*invoiceLine]decimal.Decimal{}
	for _, l := range lines {
		base := lineAmount(l)
		lineBase[l] = base
		b := buckets[l.TaxRateID]
		if b == nil {
			b = &bucket{}
			buckets[l.TaxRateID] = b
			order = append(order, l.TaxRateID)
		}
		b.base = b.base.Add(base)
		b.last = l
	}
	incl := inv.TaxMode == taxModeIncl
	var amount, tax decimal.Decimal
	for _, id := range order {
		b := buckets[id]
		r := rateOf(id)
		b.tax = vatOf(b.base, r, incl)
		sum := decimal.Zero
		for _, l := range lines {
			if l.TaxRateID != id {
				continue
			}
			t := vatOf(lineBase[l], r, incl)
			if l == b.last {
				t = b.tax.Sub(sum)
			}
			sum = sum.Add(t)
			net := lineBase[l]
			if incl {
				net = net.Sub(t)
			}
			l.Amount, l.Tax = numberOf(net), numberOf(t)
		}
		net := b.base
		if incl {
			net = net.Sub(b.tax)
		}
		amount = amount.Add(net)
		tax = tax.Add(b.tax)
	}
	inv.Amount, inv.Tax, inv.GrossAmount = numberOf(amount), numberOf(tax), numberOf(amount.Add(tax))
}

// lineAmount is quantity × unit price less the line's discount, rounded to
// øre: the net amount, or with prices including VAT the gross.
func lineAmount(l *invoiceLine) decimal.Decimal {
	base := l.Quantity.v.Mul(l.UnitPrice.v)
	if l.DiscountMode != nil && l.DiscountValue != nil {
		switch *l.DiscountMode {
		case discountCash:
			base = base.Sub(l.DiscountValue.v)
		case discountPercentage:
			base = base.Mul(hundred.Sub(l.DiscountValue.v)).Shift(-2) // exact: ÷ 100
		}
	}
	return round2(base)
}

// vatOf is the VAT of a rate's amount: base × r on net amounts, or the VAT
// contained in a gross amount, gross × r/(1+r); rounded half-up to øre.
func vatOf(base, r decimal.Decimal, incl bool) decimal.Decimal {
	if incl {
		return divRound(base.Mul(r), decimal.NewFromInt(1).Add(r), 2)
	}
	return round2(base.Mul(r))
}

// Values of invoice enums (billy-api.md §7.3).
const (
	stateDraft    = "draft"
	stateApproved = "approved"
	stateVoided   = "voided"

	typeInvoice    = "invoice"
	typeCreditNote = "creditNote"

	taxModeIncl = "incl"
	taxModeExcl = "excl"

	termsNet           = "net"
	termsNetEndOfMonth = "netEndOfMonth"
	termsDate          = "date"

	// discountMode values follow a Java client's enum (§7.3, §11 item 10).
	discountCash       = "cash_discount"
	discountPercentage = "percentage_discount"
)

var sentStates = []string{"unsent", "printed", "sent", "opened", "viewed"}

// dueDate follows the payment terms (danish-compliance.md §5.1): "net" is
// the entry date plus the days ("Netto X dage"), "netEndOfMonth" the last
// day of the entry month plus the days ("Løbende måned + X"), and "date"
// takes the caller's date (Guess: Billy marks dueDate read-only, which
// contradicts the date mode, so it is accepted there, §7.3.2).
func dueDate(entryDate, mode string, days int, explicit string) string {
	d, ok := parseDate(entryDate)
	if !ok {
		return explicit
	}
	switch mode {
	case termsNetEndOfMonth:
		return fmtDate(time.Date(d.Year(), d.Month()+1, 0, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days))
	case termsDate:
		if explicit != "" {
			return explicit
		}
		return entryDate
	}
	return fmtDate(d.AddDate(0, 0, days))
}

// lineDescription mimics Billy's generated summary, such as
// "TestProduct: Hello World, …" (§7.3): each line's product name, with the
// line's own description after a colon when it says more.
func lineDescription(lines []*invoiceLine, productName func(id string) string) string {
	parts := make([]string, 0, len(lines))
	for _, l := range lines {
		name := productName(l.ProductID)
		switch {
		case l.Description == "" || l.Description == name:
			parts = append(parts, name)
		case name == "":
			parts = append(parts, l.Description)
		default:
			parts = append(parts, name+": "+l.Description)
		}
	}
	s := strings.Join(parts, ", ")
	if utf8.RuneCountInString(s) > 250 {
		s = string([]rune(s)[:249]) + "…"
	}
	return s
}
