package sandbox

import (
	"strings"
	"time"
	"unicode/utf8"
)

// computeTotals sets each line's amount and tax and the invoice's amount,
// tax and grossAmount.
//
// Billy's rounding rule is not documented (billy-api.md §7.3.1, §11 item 6).
// The sandbox follows the Danish rule in danish-compliance.md R3 (EN 16931
// BR-CO-17): line net amounts are rounded to øre, VAT is computed once per
// tax rate on the sum of its lines and rounded half-up to øre. So that the
// lines still add up to the invoice, each line's tax is its own rounded
// share and the last line of each rate absorbs the øre left over.
//
// With taxMode "incl" the unit prices include VAT: a rate's VAT is
// gross × r/(1+r), rounded, and the net is what remains.
func computeTotals(inv *invoice, lines []*invoiceLine, rateOf func(taxRateID string) float64) {
	type bucket struct {
		base, tax int64
		last      *invoiceLine
	}
	buckets := map[string]*bucket{}
	var order []string
	lineBase := map[*invoiceLine]int64{}
	for _, l := range lines {
		base := mulOre(toOre(l.UnitPrice), l.Quantity)
		if l.DiscountMode != nil && l.DiscountValue != nil {
			switch *l.DiscountMode {
			case discountCash:
				base -= toOre(*l.DiscountValue)
			case discountPercentage:
				base = mulOre(base, 1-*l.DiscountValue/100)
			}
		}
		lineBase[l] = base
		b := buckets[l.TaxRateID]
		if b == nil {
			b = &bucket{}
			buckets[l.TaxRateID] = b
			order = append(order, l.TaxRateID)
		}
		b.base += base
		b.last = l
	}
	var amount, tax int64
	for _, id := range order {
		b := buckets[id]
		r := rateOf(id)
		share := r
		if inv.TaxMode == taxModeIncl {
			share = r / (1 + r)
		}
		b.tax = mulOre(b.base, share)
		var sum int64
		for _, l := range lines {
			if l.TaxRateID != id {
				continue
			}
			t := mulOre(lineBase[l], share)
			if l == b.last {
				t = b.tax - sum
			}
			sum += t
			net := lineBase[l]
			if inv.TaxMode == taxModeIncl {
				net -= t
			}
			l.Amount, l.Tax = fromOre(net), fromOre(t)
		}
		net := b.base
		if inv.TaxMode == taxModeIncl {
			net -= b.tax
		}
		amount += net
		tax += b.tax
	}
	inv.Amount, inv.Tax, inv.GrossAmount = fromOre(amount), fromOre(tax), fromOre(amount+tax)
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
