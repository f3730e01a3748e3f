package invoices

import (
	"context"
	"net/url"
	"slices"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/shopspring/decimal"
)

// The VAT of lines the tools work out themselves: a default unit price on
// an invoice whose prices include VAT needs the line's rate before Billy
// has derived it, and a credit note's total is checked against what is
// still creditable before it is written.

// vatRates looks up and derives VAT rates, reading each record from Billy
// once per call.
type vatRates struct {
	ctx      context.Context
	call     *sdk.Call
	rates    map[string]decimal.Decimal // taxRate ID → fraction (0.25)
	rulesets map[string]billySalesTaxRuleset
	groups   map[string][]string // countryGroup ID → member country IDs
	org      *billyOrganization
}

func newVATRates(ctx context.Context, call *sdk.Call) *vatRates {
	return &vatRates{ctx: ctx, call: call, rulesets: map[string]billySalesTaxRuleset{}, groups: map[string][]string{}}
}

// rate returns a tax rate's fraction; an empty ID (no VAT) is 0.
func (v *vatRates) rate(id string) (decimal.Decimal, error) {
	if id == "" {
		return decimal.Zero, nil
	}
	if v.rates == nil {
		env, err := listPage(v.ctx, v.call, "/taxRates", nil, 1, 1000)
		if err != nil {
			return decimal.Zero, err
		}
		var rs []billyTaxRate
		if err := env.decodeRoot("taxRates", &rs); err != nil {
			return decimal.Zero, err
		}
		v.rates = map[string]decimal.Decimal{}
		for _, r := range rs {
			v.rates[r.ID] = r.Rate
		}
	}
	r, ok := v.rates[id]
	if !ok {
		return decimal.Zero, unexpected("tax rate " + id + " is not among the organization's tax rates")
	}
	return r, nil
}

func (v *vatRates) organization() (*billyOrganization, error) {
	if v.org == nil {
		org, err := readOrganization(v.ctx, v.call)
		if err != nil {
			return nil, err
		}
		v.org = &org
	}
	return v.org, nil
}

// derive returns the tax rate Billy gives a line of product for contact:
// the first rule of the product's sales tax ruleset (by priority) that
// matches the contact's country, country group and type, else the
// ruleset's fallback (billy-api.md §7.5, Billy's rule as the reference
// infers it, and as the sandbox implements it). A contact exempt from VAT
// pays none. A country group matches the other members of the group, not
// the organization's own country (domestic sales have their own rule).
func (v *vatRates) derive(p billyProduct, c billyContact) (id string, rate decimal.Decimal, err error) {
	if c.IsSalesTaxExempt {
		return "", decimal.Zero, nil
	}
	org, err := v.organization()
	if err != nil {
		return "", decimal.Zero, err
	}
	rsID := p.SalesTaxRulesetID
	if rsID == "" {
		rsID = org.DefaultSalesTaxRulesetID
	}
	if rsID == "" {
		return "", decimal.Zero, nil
	}
	rs, ok := v.rulesets[rsID]
	if !ok {
		if _, err := getOne(v.ctx, v.call, kind{"salesTaxRulesets", "salesTaxRuleset", "sales tax ruleset", "salesTaxRulesetId", "sales_tax_ruleset"},
			rsID, url.Values{"include": {"salesTaxRuleset.rules:embed"}}, &rs); err != nil {
			return "", decimal.Zero, err
		}
		slices.SortStableFunc(rs.Rules, func(a, b billySalesTaxRule) int { return a.Priority - b.Priority })
		v.rulesets[rsID] = rs
	}
	for _, r := range rs.Rules {
		if r.CountryID != "" && r.CountryID != c.CountryID {
			continue
		}
		if r.CountryGroupID != "" {
			members, err := v.group(r.CountryGroupID)
			if err != nil {
				return "", decimal.Zero, err
			}
			if !slices.Contains(members, c.CountryID) || c.CountryID == org.CountryID {
				continue
			}
		}
		if r.ContactType != "" && r.ContactType != c.Type {
			continue
		}
		rate, err := v.rate(r.TaxRateID)
		return r.TaxRateID, rate, err
	}
	rate, err = v.rate(rs.FallbackTaxRateID)
	return rs.FallbackTaxRateID, rate, err
}

func (v *vatRates) group(id string) ([]string, error) {
	if m, ok := v.groups[id]; ok {
		return m, nil
	}
	var g billyCountryGroup
	if _, err := getOne(v.ctx, v.call, kind{"countryGroups", "countryGroup", "country group", "countryGroupId", "country_group"}, id, nil, &g); err != nil {
		return nil, err
	}
	v.groups[id] = g.MemberIDs
	return g.MemberIDs, nil
}

// pricedLine is a line with everything its amount depends on.
type pricedLine struct {
	quantity, unitPrice decimal.Decimal
	discountMode        string
	discountValue       *decimal.Decimal
	rateID              string
	rate                decimal.Decimal
}

// lineAmount is quantity × unit price less the discount, rounded to the
// currency's minor unit once: the net, or with prices including VAT the
// gross.
func (l pricedLine) amount(currency string) decimal.Decimal {
	base := l.quantity.Mul(l.unitPrice)
	if l.discountValue != nil {
		switch l.discountMode {
		case "cash_discount":
			base = base.Sub(*l.discountValue)
		case "percentage_discount":
			base = base.Mul(decHundred.Sub(*l.discountValue)).Shift(-2)
		}
	}
	return roundAmount(base, currency)
}

// totals computes an invoice's net, VAT and gross the way Billy (and the
// sandbox) does under the Danish rule (danish-compliance.md R3): lines
// rounded to øre, VAT per rate on the sum of its lines, rounded half-up;
// with prices including VAT, the VAT a rate's gross contains.
func totals(lines []pricedLine, incl bool, currency string) (net, vat decimal.Decimal) {
	base := map[string]decimal.Decimal{}
	rate := map[string]decimal.Decimal{}
	var order []string
	for _, l := range lines {
		if _, ok := base[l.rateID]; !ok {
			order = append(order, l.rateID)
		}
		base[l.rateID] = base[l.rateID].Add(l.amount(currency))
		rate[l.rateID] = l.rate
	}
	places := minorUnits(currency)
	for _, id := range order {
		b, r := base[id], rate[id]
		var t decimal.Decimal
		if incl {
			t = divRound(b.Mul(r), decOne.Add(r), places)
			b = b.Sub(t)
		} else {
			t = b.Mul(r).Round(places)
		}
		net, vat = net.Add(b), vat.Add(t)
	}
	return net, vat
}
