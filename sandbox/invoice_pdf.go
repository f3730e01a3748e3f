package sandbox

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// invoicePDF lays out an invoice or credit note with what a Danish invoice
// must show (danish-compliance.md §2.1): seller and buyer with CVR or VAT
// number, number and date, lines, the taxable amount, rate and VAT per rate,
// the total, and the notation a zero-rated or reverse-charge sale needs
// (§1.4).
func (o *orgState) invoicePDF(inv *invoice, made time.Time) []byte {
	title := "FAKTURA"
	if inv.Type == typeCreditNote {
		title = "KREDITNOTA"
	}
	no := "kladde"
	if inv.InvoiceNo != nil {
		no = *inv.InvoiceNo
	}
	d := newPDF(fmt.Sprintf("%s %s – %s", strings.ToLower(title[:1])+strings.ToLower(title[1:]), no, o.org.Name), made)
	const left, right = 50.0, pageW - 50
	org := o.org

	// Seller.
	y := pageH - 60
	d.text(left, y, 16, true, org.Name)
	for _, s := range []string{org.Street, org.Zipcode + " " + org.City, "CVR-nr. " + org.RegistrationNo, org.Email + "  ·  " + org.Phone} {
		y -= 13
		d.text(left, y, 9, false, s)
	}

	// Title block.
	ty := pageH - 60
	d.textRight(right, ty, 18, true, title)
	facts := [][2]string{{"Nummer", no}, {"Dato", danishDate(inv.EntryDate)}}
	if inv.Type == typeInvoice {
		facts = append(facts, [2]string{"Forfaldsdato", danishDate(inv.DueDate)})
	}
	c, _ := o.contacts.get(inv.ContactID)
	if c != nil {
		facts = append(facts, [2]string{"Kundenr.", c.ContactNo})
	}
	if inv.CreditedInvoiceID != nil {
		if ci, ok := o.invoices.get(*inv.CreditedInvoiceID); ok && ci.InvoiceNo != nil {
			facts = append(facts, [2]string{"Krediterer faktura", *ci.InvoiceNo})
		}
	}
	for _, f := range facts {
		ty -= 14
		d.textRight(right-90, ty, 9, false, f[0]+":")
		d.textRight(right, ty, 9, true, f[1])
	}
	if inv.State == stateDraft {
		ty -= 18
		d.textRight(right, ty, 11, true, "KLADDE – ikke godkendt")
	}
	if inv.State == stateVoided {
		ty -= 18
		d.textRight(right, ty, 11, true, "ANNULLERET")
	}

	// Buyer.
	y = min(y, ty) - 40
	if c != nil {
		d.text(left, y, 11, true, c.Name)
		lines := []string{c.Street, strings.TrimSpace(c.ZipcodeText + " " + c.CityText)}
		if c.CountryID != org.CountryID {
			if ctry, ok := countryByID(c.CountryID); ok {
				lines = append(lines, ctry.Name)
			}
		}
		if c.RegistrationNo != "" {
			label := "CVR-nr. "
			if c.CountryID != "DK" {
				label = "VAT no. "
			}
			lines = append(lines, label+c.RegistrationNo)
		}
		if inv.AttContactPersonID != nil {
			if p, ok := o.contactPersons.get(*inv.AttContactPersonID); ok {
				lines = append(lines, "Att.: "+p.Name)
			}
		}
		for _, s := range lines {
			if strings.TrimSpace(s) == "" {
				continue
			}
			y -= 13
			d.text(left, y, 9, false, s)
		}
	}
	if inv.ContactMessage != "" {
		y -= 12
		for _, s := range wrap(inv.ContactMessage, 100) {
			y -= 12
			d.text(left, y, 9, false, s)
		}
	}

	// Lines.
	cols := struct{ qty, unit, price, amount float64 }{right - 190, right - 180, right - 80, right}
	header := func() {
		y -= 30
		d.band(left-4, y-5, right-left+8, 17)
		d.text(left, y, 9, true, "Beskrivelse")
		d.textRight(cols.qty, y, 9, true, "Antal")
		d.text(cols.unit, y, 9, true, "Enhed")
		d.textRight(cols.price, y, 9, true, "Enhedspris")
		d.textRight(cols.amount, y, 9, true, "Beløb")
		y -= 6
	}
	header()
	ensure := func(space float64) {
		if y-space < 90 {
			d.addPage()
			y = pageH - 40
			header()
		}
	}
	lines := o.invoiceLines.pick(inv.lineIDs)
	rates := map[string]*[2]int64{} // taxRateID → base, tax
	var rateOrder []string
	for _, l := range lines {
		desc := wrap(l.Description, 58)
		ensure(float64(14 * len(desc)))
		y -= 14
		d.text(left, y, 9, false, desc[0])
		d.textRight(cols.qty, y, 9, false, danishNumber(l.Quantity.v, 4, true))
		d.text(cols.unit, y, 9, false, l.Unit)
		d.textRight(cols.price, y, 9, false, priceNumber(l.UnitPrice.v))
		// With prices including VAT the line shows its gross amount, as
		// the unit price does.
		shown := l.Amount.v
		if inv.TaxMode == taxModeIncl {
			shown = shown.Add(l.Tax.v)
		}
		d.textRight(cols.amount, y, 9, false, danishNumber(shown, 2, false))
		for _, more := range desc[1:] {
			y -= 12
			d.text(left, y, 9, false, more)
		}
		if l.DiscountMode != nil && l.DiscountValue != nil {
			y -= 12
			text := "Rabat " + danishNumber(l.DiscountValue.v, 2, true) + " %"
			if *l.DiscountMode == discountCash {
				text = "Rabat " + danishNumber(l.DiscountValue.v, 2, false) + " " + inv.CurrencyID
			}
			if l.DiscountText != "" {
				text += ": " + l.DiscountText
			}
			d.text(left+10, y, 8, false, text)
		}
		r := rates[l.TaxRateID]
		if r == nil {
			r = &[2]int64{}
			rates[l.TaxRateID] = r
			rateOrder = append(rateOrder, l.TaxRateID)
		}
		r[0] += toOre(l.Amount.v)
		r[1] += toOre(l.Tax.v)
	}
	y -= 8
	d.rule(left, right, y, 0.5)

	// Totals per rate, then the notations those rates require.
	ensure(30 + 14*float64(len(rateOrder)+2))
	total := func(label, value string, bold bool) {
		y -= 15
		d.textRight(cols.price, y, 9, bold, label)
		d.textRight(cols.amount, y, 9, bold, value)
	}
	incl := inv.TaxMode == taxModeIncl
	if !incl {
		total("Subtotal ekskl. moms", danishNumber(inv.Amount.v, 2, false), false)
	}
	var notes []string
	var vatLines [][2]string
	for _, id := range rateOrder {
		tr, ok := o.taxRates.get(id)
		if !ok {
			continue
		}
		r := rates[id]
		if tr.Rate.v.IsPositive() {
			label := fmt.Sprintf("Moms %s %% af %s", danishNumber(tr.Rate.v.Mul(hundred), 2, true), danishNumber(fromOre(r[0]), 2, false))
			if incl {
				label = "Heraf " + strings.ToLower(label[:1]) + label[1:]
			}
			vatLines = append(vatLines, [2]string{label, danishNumber(fromOre(r[1]), 2, false)})
		}
		switch tr.treatment {
		case vatEUServices:
			notes = append(notes, "Omvendt betalingspligt – køberen afregner momsen (reverse charge, momsloven § 46).")
		case vatEUGoods:
			notes = append(notes, "Momsfri levering af varer til et andet EU-land (0-sats, momssystemdirektivet art. 138).")
		case vatExport:
			notes = append(notes, "Eksport til land uden for EU – fritaget for moms (0-sats).")
		case vatExempt:
			notes = append(notes, "Momsfritaget efter momslovens § 13.")
		}
	}
	if !incl {
		for _, l := range vatLines {
			total(l[0], l[1], false)
		}
	}
	total("Total "+inv.CurrencyID, danishNumber(inv.GrossAmount.v, 2, false), true)
	if incl {
		for _, l := range vatLines {
			total(l[0], l[1], false)
		}
	}
	if inv.CurrencyID != org.BaseCurrencyID {
		total(fmt.Sprintf("Kurs %s", danishNumber(inv.ExchangeRate.v.Mul(hundred), 4, true)), "", false)
	}
	y -= 10
	for _, n := range notes {
		ensure(14)
		y -= 13
		d.text(left, y, 8, false, n)
	}

	// Payment details.
	if inv.Type == typeInvoice && inv.State == stateApproved {
		if acct, ok := o.accounts.get(org.DefaultInvoiceBankAccountID); ok && acct.BankAccountNo != nil {
			ensure(40)
			y -= 24
			d.text(left, y, 9, true, "Betaling")
			y -= 13
			d.text(left, y, 9, false, fmt.Sprintf("Betales senest %s til reg.nr. %s konto %s. Angiv fakturanummer %s.",
				danishDate(inv.DueDate), deref(acct.BankRoutingNo), *acct.BankAccountNo, no))
			y -= 12
			d.text(left, y, 9, false, fmt.Sprintf("IBAN %s  ·  BIC/SWIFT %s", deref(acct.BankIban), deref(acct.BankSwift)))
		}
	}

	d.footer()
	return d.bytes()
}

// footer marks every page as sandbox output and numbers it.
func (d *pdfDoc) footer() {
	pages := d.pages
	for i := range pages {
		d.pages = pages[:i+1]
		d.rule(50, pageW-50, 50, 0.3)
		d.text(50, 38, 7, false, "Sandbox-bilag fra billy-mcp – demodata, ikke en rigtig faktura.")
		d.textRight(pageW-50, 38, 7, false, fmt.Sprintf("Side %d af %d", i+1, len(pages)))
	}
	d.pages = pages
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// danishDate shows 2026-11-26 as 26.11.2026.
func danishDate(s string) string {
	t, ok := parseDate(s)
	if !ok {
		return s
	}
	return t.Format("02.01.2006")
}

// danishNumber formats 1234.5 as "1.234,50"; trim drops trailing zeros of
// the fraction (quantities: "2" rather than "2,00", "7,25").
func danishNumber(d decimal.Decimal, decimals int32, trim bool) string {
	neg := d.Round(decimals).IsNegative()
	s := d.Abs().StringFixed(decimals)
	intPart, frac, _ := strings.Cut(s, ".")
	if trim {
		frac = strings.TrimRight(frac, "0")
	}
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	out := b.String()
	if frac != "" {
		out += "," + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

// priceNumber shows a unit price with two decimals, or up to four when it
// has them (2,3456 kr. per kWh).
func priceNumber(d decimal.Decimal) string {
	if hasPlaces(d, 2) {
		return danishNumber(d, 2, false)
	}
	return danishNumber(d, unitPricePlaces, true)
}
