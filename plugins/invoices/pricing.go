package invoices

import (
	"context"
	"fmt"
	"net/url"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/shopspring/decimal"
)

// Unit prices the caller leaves out are filled in by the tool, so that the
// request (and the preview) says exactly what is invoiced, and because
// Billy's docs mark unitPrice required (billy-api.md §7.3). A product's
// price excludes VAT; on an invoice whose prices include VAT (taxMode incl)
// the default is that price plus the line's VAT, so a sale of 302,40 kr. +
// 25 % moms is invoiced at 378,00 kr. (not at 302,40 kr. with the VAT taken
// out of it).

// pricer fills in unit prices for one invoice.
type pricer struct {
	ctx       context.Context
	call      *sdk.Call
	vat       *vatRates
	contactID string
	currency  string // "" until resolved: the organization's base currency
	taxMode   string // "" until resolved: the organization's default
	products  map[string]billyProduct
	contact   *billyContact
}

func newPricer(ctx context.Context, call *sdk.Call, vat *vatRates, contactID, currency, taxMode string) *pricer {
	return &pricer{ctx: ctx, call: call, vat: vat, contactID: contactID, currency: currency, taxMode: taxMode, products: map[string]billyProduct{}}
}

// fill sets the unit price of every line that has none and returns one
// note per price it set, for the preview. field names the lines argument.
func (pr *pricer) fill(field string, lines []lineBody) ([]string, error) {
	var notes []string
	for i := range lines {
		if lines[i].UnitPrice != nil {
			continue
		}
		if err := pr.resolve(); err != nil {
			return nil, err
		}
		prod, err := pr.product(lines[i].ProductID)
		if err != nil {
			return nil, err
		}
		price, ok := priceIn(prod, pr.currency)
		if !ok {
			return nil, sdk.Invalid(fmt.Sprintf("%s[%d].unitPrice", field, i),
				"is required: product %q has no price in %s (give unitPrice, or add the price with update_product)", prod.Name, pr.currency)
		}
		note := fmt.Sprintf("line %d: unit price %s, the price of %q", i+1, unitMoney(price, pr.currency), prod.Name)
		if pr.taxMode == "incl" {
			c, err := pr.customer()
			if err != nil {
				return nil, err
			}
			_, rate, err := pr.vat.derive(prod, *c)
			if err != nil {
				return nil, err
			}
			gross := price.Mul(decOne.Add(rate)).Round(unitPricePlaces)
			note = fmt.Sprintf("line %d: unit price %s including VAT: the price of %q, %s, plus %s %% moms",
				i+1, unitMoney(gross, pr.currency), prod.Name, unitMoney(price, pr.currency), danishDecimal(rate.Mul(decHundred), 0))
			price = gross
		}
		lines[i].UnitPrice = exactPtr(price)
		notes = append(notes, note)
	}
	return notes, nil
}

// resolve fills in the invoice's currency and tax mode from the
// organization when the caller gave none, as Billy does (§7.3).
func (pr *pricer) resolve() error {
	if pr.currency != "" && pr.taxMode != "" {
		return nil
	}
	org, err := pr.vat.organization()
	if err != nil {
		return err
	}
	if pr.currency == "" {
		pr.currency = org.BaseCurrencyID
		if pr.currency == "" {
			pr.currency = "DKK"
		}
	}
	if pr.taxMode == "" {
		pr.taxMode = org.DefaultTaxMode
		if pr.taxMode == "" {
			pr.taxMode = "excl"
		}
	}
	return nil
}

func (pr *pricer) product(id string) (billyProduct, error) {
	if p, ok := pr.products[id]; ok {
		return p, nil
	}
	var p billyProduct
	if _, err := getOne(pr.ctx, pr.call, kindProduct, id, url.Values{"include": {productIncludes}}, &p); err != nil {
		return p, err
	}
	pr.products[id] = p
	return p, nil
}

func (pr *pricer) customer() (*billyContact, error) {
	if pr.contact == nil {
		var c billyContact
		if _, err := getOne(pr.ctx, pr.call, kindContact, pr.contactID, nil, &c); err != nil {
			return nil, err
		}
		pr.contact = &c
	}
	return pr.contact, nil
}

// priceIn is a product's price in a currency.
func priceIn(p billyProduct, currency string) (decimal.Decimal, bool) {
	for _, pp := range p.Prices {
		if pp.CurrencyID == currency {
			return pp.UnitPrice, true
		}
	}
	return decimal.Zero, false
}

// unitMoney formats a unit price for people, with its extra decimals:
// "2,3456 kr.", "950,00 kr.".
func unitMoney(d decimal.Decimal, currency string) string {
	if hasPlaces(d, minorUnits(currency)) {
		return money(d, currency)
	}
	s := danishDecimal(d, minorUnits(currency))
	if currency == "" || currency == "DKK" {
		return s + " kr."
	}
	return s + " " + currency
}
