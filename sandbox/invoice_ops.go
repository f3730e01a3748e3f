package sandbox

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// invoiceSpec is a new invoice as a client or the generator describes it.
// Empty strings and nil pointers mean "use the default".
type invoiceSpec struct {
	Type               string
	ContactID          string
	AttContactPersonID *string
	EntryDate          string
	PaymentTermsMode   string
	PaymentTermsDays   *int
	DueDate            string
	CurrencyID         string
	ExchangeRate       decimal.Decimal // zero: not given
	TaxMode            string
	InvoiceNo          *string
	ContactMessage     string
	CreditedInvoiceID  *string
	ExternalID         *string
	OrderNo            *string
	State              string
	SentState          string
	Lines              []lineSpec
	linesGiven         bool
}

// lineSpec is one invoice line as given; key is its validationErrors entry.
type lineSpec struct {
	key           string
	ProductID     string
	Description   *string
	Unit          string
	Quantity      *decimal.Decimal
	UnitPrice     *decimal.Decimal
	DiscountText  string
	DiscountMode  *string
	DiscountValue *decimal.Decimal
}

// createInvoice validates and stores a new invoice with its lines, and
// approves it when the spec asks for state "approved" (clients may create
// straight into approved, §7.3.2).
func (o *orgState) createInvoice(spec invoiceSpec, v *validation, now time.Time, ch *changes) (*invoice, error) {
	inv := &invoice{ID: o.ids.next(), OrganizationID: o.org.ID, Type: typeInvoice, CreatedTime: fmtDatetime(now),
		State: stateDraft, SentState: "unsent", PaymentMethods: []string{}, TemplateID: o.templateID(),
		AttContactPersonID: spec.AttContactPersonID, ContactMessage: spec.ContactMessage,
		ExternalID: spec.ExternalID, OrderNo: spec.OrderNo}
	if spec.Type != "" {
		inv.Type = spec.Type
	}
	c, ok := o.contacts.get(spec.ContactID)
	switch {
	case spec.ContactID == "":
		v.field("contactId", msgBlank)
	case !ok:
		v.field("contactId", msgUnknown)
	}
	if spec.EntryDate == "" {
		v.field("entryDate", msgBlank)
	}
	inv.ContactID, inv.EntryDate = spec.ContactID, spec.EntryDate

	// A credit note names the approved invoice it credits, with the same
	// contact and currency, and positive line amounts (§7.3.2).
	var credited *invoice
	if inv.Type == typeCreditNote {
		if spec.CreditedInvoiceID == nil {
			v.field("creditedInvoiceId", msgBlank)
		} else if ci, ok := o.invoices.get(*spec.CreditedInvoiceID); !ok || ci.Type != typeInvoice {
			v.field("creditedInvoiceId", msgUnknown)
		} else if ci.State != stateApproved {
			v.field("creditedInvoiceId", "Only an approved invoice can be credited.")
		} else if ci.ContactID != spec.ContactID {
			v.field("creditedInvoiceId", "The credited invoice belongs to another contact.")
		} else {
			credited = ci
			inv.CreditedInvoiceID = spec.CreditedInvoiceID
		}
	} else if spec.CreditedInvoiceID != nil {
		v.field("creditedInvoiceId", "Only a credit note can credit an invoice.")
	}

	// Currency defaults to the credited invoice's, then the base currency
	// (Guess: the docs mark it required but examples leave it out; the
	// contact's currencyId is only a hint, §7.2).
	inv.CurrencyID = spec.CurrencyID
	if inv.CurrencyID == "" {
		inv.CurrencyID = o.org.BaseCurrencyID
		if credited != nil {
			inv.CurrencyID = credited.CurrencyID
		}
	}
	cur, ok := currencyByID(inv.CurrencyID)
	if !ok {
		v.field("currencyId", msgUnknown)
	} else if credited != nil && credited.CurrencyID != inv.CurrencyID {
		v.field("currencyId", "A credit note must have the credited invoice's currency.")
	}
	inv.ExchangeRate = numberOf(decimal.NewFromInt(1))
	if inv.CurrencyID != o.org.BaseCurrencyID && cur != nil {
		inv.ExchangeRate = cur.ExchangeRate
		if spec.ExchangeRate.IsPositive() {
			inv.ExchangeRate = numberOf(round6(spec.ExchangeRate))
		}
	}

	inv.TaxMode = o.org.DefaultTaxMode
	if spec.TaxMode != "" {
		inv.TaxMode = spec.TaxMode
	}
	// Payment terms default from the contact, then the organization.
	inv.PaymentTermsMode, inv.PaymentTermsDays = o.org.PaymentTermsMode, o.org.PaymentTermsDays
	if c != nil && c.PaymentTermsMode != "" {
		inv.PaymentTermsMode, inv.PaymentTermsDays = c.PaymentTermsMode, c.PaymentTermsDays
	}
	if spec.PaymentTermsMode != "" {
		inv.PaymentTermsMode = spec.PaymentTermsMode
	}
	if spec.PaymentTermsDays != nil {
		inv.PaymentTermsDays = *spec.PaymentTermsDays
	}
	if inv.PaymentTermsMode == termsDate && spec.DueDate == "" {
		v.field("dueDate", msgBlank)
	}
	inv.DueDate = dueDate(inv.EntryDate, inv.PaymentTermsMode, inv.PaymentTermsDays, spec.DueDate)

	if spec.InvoiceNo != nil {
		if *spec.InvoiceNo == "" {
			v.field("invoiceNo", msgBlank)
		} else if o.invoiceNoTaken(*spec.InvoiceNo, "") {
			v.field("invoiceNo", "This invoice number is already in use.")
		}
	}
	if spec.SentState != "" {
		inv.SentState = spec.SentState
	}
	if c != nil {
		o.checkAttPerson(inv, c, v)
	}
	if !spec.linesGiven || len(spec.Lines) == 0 {
		v.field("lines", "An invoice must have at least one line.")
	}
	var lines []*invoiceLine
	if c != nil {
		lines = o.buildLines(inv, c, spec.Lines, v)
		if v.ok() {
			o.checkTotals(inv, lines, v, "", "lines")
		}
	}
	switch spec.State {
	case "", stateDraft, stateApproved:
	default:
		v.field("state", "A new invoice must be a draft or approved.")
	}
	if !v.ok() {
		return nil, v.err()
	}

	o.invoiceSeq++
	inv.createdSeq = o.invoiceSeq
	o.invoices.add(inv.ID, inv)
	if spec.InvoiceNo != nil {
		o.setInvoiceNo(inv, spec.InvoiceNo)
	}
	o.storeLines(inv, lines, ch)
	o.recomputeBalance(inv)
	ch.add("invoices", inv.ID, inv)
	if spec.State == stateApproved {
		if err := o.approveInvoice(inv, now, ch); err != nil {
			return nil, err
		}
	}
	return inv, nil
}

// templateID is the organization's one invoice template, a plain UUID as in
// Billy (§2.3), derived from the organization ID so it is stable.
func (o *orgState) templateID() string {
	h := hashString(o.org.ID)
	g := hashString(o.org.Name + o.org.ID)
	return fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", uint32(h), uint16(h>>32), uint16(h>>48)&0xfff, uint16(g)&0xfff, g>>16)
}

func (o *orgState) checkAttPerson(inv *invoice, c *contact, v *validation) {
	if inv.AttContactPersonID == nil {
		return
	}
	p, ok := o.contactPersons.get(*inv.AttContactPersonID)
	if !ok || p.ContactID != c.ID {
		v.field("attContactPersonId", "The contact person must belong to the invoice's contact.")
	}
}

func (o *orgState) invoiceNoTaken(no, exceptID string) bool {
	id, ok := o.invoiceNos[no]
	return ok && id != exceptID
}

// setInvoiceNo changes an invoice's number, keeping the index in step.
func (o *orgState) setInvoiceNo(inv *invoice, no *string) {
	if inv.InvoiceNo != nil && o.invoiceNos[*inv.InvoiceNo] == inv.ID {
		delete(o.invoiceNos, *inv.InvoiceNo)
	}
	inv.InvoiceNo = no
	if no != nil {
		o.invoiceNos[*no] = inv.ID
	}
}

// buildLines validates line specs and turns them into lines (not stored
// yet). The tax rate is derived, never taken from the client (§7.3).
//
// Guess: unitPrice is required by the docs, but when it is left out and the
// product has a price in the invoice's currency, that price is used, which
// is what Billy's web app does. Product prices exclude VAT, so on an
// invoice whose prices include VAT (taxMode incl) the default is the
// product's price plus the line's VAT, to unit-price precision.
func (o *orgState) buildLines(inv *invoice, c *contact, specs []lineSpec, v *validation) []*invoiceLine {
	lines := make([]*invoiceLine, 0, len(specs))
	for i, s := range specs {
		l := &invoiceLine{ID: o.ids.next(), OrganizationID: o.org.ID, InvoiceID: inv.ID, ProductID: s.ProductID,
			Quantity: numberOf(decimal.NewFromInt(1)), Unit: s.Unit, DiscountText: s.DiscountText, DiscountMode: s.DiscountMode,
			Priority: i + 1}
		if s.DiscountValue != nil {
			l.DiscountValue = numberPtr(*s.DiscountValue)
		}
		p, ok := o.products.get(s.ProductID)
		switch {
		case s.ProductID == "":
			v.add(s.key, "productId", msgBlank)
		case !ok:
			v.add(s.key, "productId", msgUnknown)
		}
		var rate *taxRate
		if p != nil {
			rate = o.deriveTaxRate(p, c)
		}
		if s.Quantity != nil {
			l.Quantity = numberOf(*s.Quantity)
			if quantityTooLarge(*s.Quantity) {
				v.add(s.key, "quantity", msgQuantityBound)
			}
		}
		switch {
		case s.UnitPrice != nil:
			l.UnitPrice = numberOf(*s.UnitPrice)
		case p != nil:
			if price, ok := o.productPrice(p, inv.CurrencyID); ok {
				if inv.TaxMode == taxModeIncl && rate != nil {
					price = price.Mul(decimal.NewFromInt(1).Add(rate.Rate.v)).Round(unitPricePlaces)
				}
				l.UnitPrice = numberOf(price)
			} else {
				v.add(s.key, "unitPrice", msgBlank)
			}
		}
		switch {
		case l.UnitPrice.v.IsNegative():
			v.add(s.key, "unitPrice", "The unit price must not be negative; use a credit note.")
		case moneyTooLarge(l.UnitPrice.v):
			v.add(s.key, "unitPrice", msgMoneyBound)
		case !hasPlaces(l.UnitPrice.v, unitPricePlaces):
			v.add(s.key, "unitPrice", fmt.Sprintf("A unit price has at most %d decimals.", unitPricePlaces))
		}
		if s.DiscountMode != nil {
			gross := l.Quantity.v.Mul(l.UnitPrice.v)
			switch {
			case *s.DiscountMode != discountCash && *s.DiscountMode != discountPercentage:
				v.add(s.key, "discountMode", "This field must be one of: cash_discount, percentage_discount.")
			case s.DiscountValue == nil:
				v.add(s.key, "discountValue", msgBlank)
			case *s.DiscountMode == discountPercentage && (s.DiscountValue.IsNegative() || s.DiscountValue.GreaterThan(hundred)):
				v.add(s.key, "discountValue", "A percentage discount must be between 0 and 100.")
			case *s.DiscountMode == discountCash && s.DiscountValue.IsNegative():
				v.add(s.key, "discountValue", "A discount must not be negative.")
			case moneyTooLarge(*s.DiscountValue):
				v.add(s.key, "discountValue", msgMoneyBound)
			case *s.DiscountMode == discountCash && s.DiscountValue.GreaterThan(gross):
				// Guess: Billy's rule is not documented; a discount larger
				// than its line would make a negative line on an invoice,
				// which is what credit notes are for.
				v.add(s.key, "discountValue", "A cash discount must not exceed the line's amount (quantity × unit price).")
			}
		}
		if p != nil {
			l.Description = p.Description
			if l.Description == "" {
				l.Description = p.Name
			}
			if l.Unit == "" {
				l.Unit = p.unit
			}
			if rate != nil {
				l.TaxRateID = rate.ID
			}
		}
		if s.Description != nil {
			l.Description = *s.Description
		}
		// Each factor may be within bounds and the product not: 10^9 ×
		// 10^9 is the case that once wrapped the øre.
		// Each factor past its own bound is reported on its own.
		if amount := lineAmount(l); moneyTooLarge(amount) && !v.has(s.key, "quantity") && !v.has(s.key, "unitPrice") {
			v.add(s.key, "amount", fmt.Sprintf("The line's amount (quantity × unit price, less any discount) is %s; it must be less than 1,000,000,000,000.", plain(amount)))
		}
		lines = append(lines, l)
	}
	return lines
}

func (o *orgState) productPrice(p *product, currencyID string) (decimal.Decimal, bool) {
	for _, pp := range o.productPrices.pick(p.priceIDs) {
		if pp.CurrencyID == currencyID {
			return pp.UnitPrice.v, true
		}
	}
	return decimal.Zero, false
}

// storeLines saves built lines on the invoice and computes its totals.
func (o *orgState) storeLines(inv *invoice, lines []*invoiceLine, ch *changes) {
	inv.lineIDs = inv.lineIDs[:0]
	for _, l := range lines {
		o.invoiceLines.add(l.ID, l)
		inv.lineIDs = append(inv.lineIDs, l.ID)
		ch.add("invoiceLines", l.ID, l)
	}
	o.recomputeTotals(inv)
}

func (o *orgState) recomputeTotals(inv *invoice) {
	lines := o.invoiceLines.pick(inv.lineIDs)
	computeTotals(inv, lines, o.taxRateOf)
	inv.LineDescription = lineDescription(lines, func(id string) string {
		if p, ok := o.products.get(id); ok {
			return p.Name
		}
		return ""
	})
}

// replaceLines deletes a draft's lines and stores new ones: an embedded
// array replaces the children (§3), and the old IDs are reported in
// meta.deletedRecords (§2.2).
func (o *orgState) replaceLines(inv *invoice, lines []*invoiceLine, ch *changes) {
	for _, id := range inv.lineIDs {
		o.invoiceLines.remove(id)
		ch.del("invoiceLines", id)
	}
	inv.lineIDs = nil
	o.storeLines(inv, lines, ch)
}
