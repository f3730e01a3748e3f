package sandbox

import (
	"fmt"
	"strings"
)

// products and productPrices (billy-api.md §7.4, §10 item 5).

func productResources() []*resource {
	productsOf := func(o *orgState) *table[*product] { return o.products }
	pricesOf := func(o *orgState) *table[*productPrice] { return o.productPrices }
	return []*resource{
		{
			plural: "products", singular: "product",
			list:   listFrom("products", productsOf, productListSpec),
			get:    getFrom("product", "products", productsOf),
			create: createProduct, update: updateProduct, del: deleteProduct,
			lookup: lookupIn(productsOf),
			relations: map[string]relation{
				"account":         belongsTo("accounts"),
				"salesTaxRuleset": belongsTo("salesTaxRulesets"),
				"prices": hasMany("productPrices", func(c *call, id string) []string {
					if p, ok := c.org.products.get(id); ok {
						return p.priceIDs
					}
					return nil
				}),
			},
		},
		{
			plural: "productPrices", singular: "productPrice",
			list: listFrom("productPrices", pricesOf, func(c *call) listSpec[*productPrice] {
				return listSpec[*productPrice]{filters: map[string]filter[*productPrice]{
					"productId":  eqFilter(func(x *productPrice) string { return x.ProductID }),
					"currencyId": eqFilter(func(x *productPrice) string { return x.CurrencyID }),
				}}
			}),
			get:    getFrom("productPrice", "productPrices", pricesOf),
			create: createPrice, update: updatePrice, del: deletePrice,
			lookup: lookupIn(pricesOf),
			relations: map[string]relation{
				"product":  belongsTo("products"),
				"currency": belongsTo("currencies"),
			},
		},
	}
}

func productListSpec(c *call) listSpec[*product] {
	return listSpec[*product]{
		filters: map[string]filter[*product]{
			"isArchived": boolFilter(func(x *product) bool { return x.IsArchived }),
			"productNo":  eqFilter(func(x *product) string { return x.ProductNo }),
			"accountId":  eqFilter(func(x *product) string { return x.AccountID }),
			"q": textFilter(func(x *product) []string {
				return []string{x.Name, x.ProductNo, x.Description}
			}),
		},
		sorts: map[string]func(a, b *product) int{
			"name":        byString(func(x *product) string { return x.Name }),
			"productNo":   byString(func(x *product) string { return x.ProductNo }),
			"createdTime": byString(func(x *product) string { return x.CreatedTime }),
		},
	}
}

func (o *orgState) applyProduct(in input, p *product) {
	for _, f := range []struct {
		key string
		dst *string
	}{{"name", &p.Name}, {"description", &p.Description}, {"productNo", &p.ProductNo}, {"suppliersProductNo", &p.SuppliersProductNo}} {
		if s, ok := in.str(f.key); ok {
			*f.dst = strings.TrimSpace(s)
		}
	}
	if s, ok := in.str("accountId"); ok && s != "" {
		if a, known := o.accounts.get(s); !known {
			in.fail("accountId", msgUnknown)
		} else if a.NatureID != "revenue" {
			in.fail("accountId", "A product's account must be a revenue account.")
		}
		p.AccountID = s
	}
	if s, ok := in.str("salesTaxRulesetId"); ok && s != "" {
		if _, known := o.rulesets.get(s); !known {
			in.fail("salesTaxRulesetId", msgUnknown)
		}
		p.SalesTaxRulesetID = s
	}
	if b, ok := in.boolean("isArchived"); ok {
		p.IsArchived = b
	}
	if p.Name == "" {
		in.fail("name", msgBlank)
	}
}

// pricesFrom builds embedded prices (not stored yet); at most one per
// currency (§7.4).
func (o *orgState) pricesFrom(items []input, productID string) []*productPrice {
	seen := map[string]bool{}
	out := make([]*productPrice, 0, len(items))
	for _, it := range items {
		pp := &productPrice{ID: o.ids.next(), OrganizationID: o.org.ID, ProductID: productID, CurrencyID: o.org.BaseCurrencyID}
		if !it.has("unitPrice") {
			it.fail("unitPrice", msgBlank)
		}
		applyPrice(it, pp)
		if seen[pp.CurrencyID] {
			it.fail("currencyId", "A product can have only one price per currency.")
		}
		seen[pp.CurrencyID] = true
		out = append(out, pp)
	}
	return out
}

func applyPrice(in input, pp *productPrice) {
	if d, ok := in.num("unitPrice"); ok {
		switch {
		case d.IsNegative():
			in.fail("unitPrice", "The price must not be negative.")
		case moneyTooLarge(d):
			in.fail("unitPrice", msgMoneyBound)
		case !hasPlaces(d, unitPricePlaces):
			in.fail("unitPrice", fmt.Sprintf("A unit price has at most %d decimals.", unitPricePlaces))
		}
		pp.UnitPrice = numberOf(d)
	}
	if s, ok := in.str("currencyId"); ok {
		if _, known := currencyByID(s); !known {
			in.fail("currencyId", msgUnknown)
		}
		pp.CurrencyID = s
	}
}

func (o *orgState) attachPrices(p *product, prices []*productPrice, ch *changes) {
	for _, pp := range prices {
		o.productPrices.add(pp.ID, pp)
		p.priceIDs = append(p.priceIDs, pp.ID)
		ch.add("productPrices", pp.ID, pp)
	}
}

func createProduct(c *call) (*result, error) {
	o := c.org
	v := newValidation("product", "The product is invalid.")
	in := newInput(c.body, v)
	p := &product{ID: o.ids.next(), OrganizationID: o.org.ID, CreatedTime: fmtDatetime(c.now),
		AccountID: o.org.DefaultSalesAccountID, SalesTaxRulesetID: o.org.DefaultSalesTaxRulesetID}
	o.applyProduct(in, p)
	var prices []*productPrice
	if items, ok := in.list("prices"); ok {
		prices = o.pricesFrom(items, p.ID)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	ch := newChanges()
	o.products.add(p.ID, p)
	ch.add("products", p.ID, p)
	o.attachPrices(p, prices, ch)
	return written(ch), nil
}

func updateProduct(c *call) (*result, error) {
	o := c.org
	cur, ok := o.products.get(c.id)
	if !ok {
		return nil, errNotFound("product", c.id)
	}
	v := newValidation("product", "The product is invalid.")
	in := newInput(c.body, v)
	checkImmutable(in, map[string]string{"id": cur.ID, "organizationId": cur.OrganizationID})
	rec := *cur
	o.applyProduct(in, &rec)
	items, replace := in.list("prices")
	var prices []*productPrice
	if replace {
		prices = o.pricesFrom(items, cur.ID)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	*cur = rec
	ch := newChanges()
	ch.add("products", cur.ID, cur)
	if replace {
		for _, id := range cur.priceIDs {
			o.productPrices.remove(id)
			ch.del("productPrices", id)
		}
		cur.priceIDs = nil
		o.attachPrices(cur, prices, ch)
	}
	return written(ch), nil
}

// deleteProduct deletes a product and its prices. Guess: a product used on
// an invoice line cannot be deleted; archive it instead.
func deleteProduct(c *call) (*result, error) {
	o := c.org
	ch := newChanges()
	cur, ok := o.products.get(c.id)
	if !ok {
		return written(ch), nil
	}
	for _, l := range o.invoiceLines.byID {
		if l.ProductID == cur.ID {
			return nil, errRule("The product is used on invoices and cannot be deleted; archive it instead (isArchived: true).")
		}
	}
	o.products.remove(cur.ID)
	ch.del("products", cur.ID)
	for _, id := range cur.priceIDs {
		o.productPrices.remove(id)
		ch.del("productPrices", id)
	}
	return written(ch), nil
}

func createPrice(c *call) (*result, error) {
	o := c.org
	v := newValidation("productPrice", "The price is invalid.")
	in := newInput(c.body, v)
	productID, _ := in.str("productId")
	p, ok := o.products.get(productID)
	switch {
	case productID == "":
		v.field("productId", msgBlank)
	case !ok:
		v.field("productId", msgUnknown)
	}
	pp := &productPrice{ID: o.ids.next(), OrganizationID: o.org.ID, ProductID: productID, CurrencyID: o.org.BaseCurrencyID}
	if !in.has("unitPrice") {
		v.field("unitPrice", msgBlank)
	}
	applyPrice(in, pp)
	if p != nil {
		if _, dup := o.productPrice(p, pp.CurrencyID); dup {
			v.field("currencyId", "A product can have only one price per currency.")
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	ch := newChanges()
	o.attachPrices(p, []*productPrice{pp}, ch)
	return written(ch), nil
}

func updatePrice(c *call) (*result, error) {
	o := c.org
	cur, ok := o.productPrices.get(c.id)
	if !ok {
		return nil, errNotFound("productPrice", c.id)
	}
	v := newValidation("productPrice", "The price is invalid.")
	in := newInput(c.body, v)
	checkImmutable(in, map[string]string{"id": cur.ID, "productId": cur.ProductID})
	rec := *cur
	applyPrice(in, &rec)
	if p, ok := o.products.get(cur.ProductID); ok && rec.CurrencyID != cur.CurrencyID {
		if _, dup := o.productPrice(p, rec.CurrencyID); dup {
			v.field("currencyId", "A product can have only one price per currency.")
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	*cur = rec
	ch := newChanges()
	ch.add("productPrices", cur.ID, cur)
	return written(ch), nil
}

func deletePrice(c *call) (*result, error) {
	o := c.org
	ch := newChanges()
	cur, ok := o.productPrices.get(c.id)
	if !ok {
		return written(ch), nil
	}
	o.productPrices.remove(cur.ID)
	if p, ok := o.products.get(cur.ProductID); ok {
		p.priceIDs = removeID(p.priceIDs, cur.ID)
	}
	ch.del("productPrices", cur.ID)
	return written(ch), nil
}
