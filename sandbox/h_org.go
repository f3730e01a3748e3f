package sandbox

import "strings"

// organization, organizations and user (billy-api.md §7.1, §7.12).

func organizationResources() []*resource {
	orgLookup := func(c *call, id string) (any, bool) {
		for _, o := range c.s.reachable(c.cred) {
			if o.org.ID == id {
				return o.org, true
			}
		}
		return nil, false
	}
	orgRelations := map[string]relation{
		"baseCurrency": belongsTo("currencies"),
		"country":      belongsTo("countries"),
		"locale":       belongsTo("locales"),
	}
	listOrgs := func(c *call) (*result, error) {
		var recs []*orgRecord
		for _, o := range c.s.reachable(c.cred) {
			recs = append(recs, o.org)
		}
		return listOf(c, "organizations", recs, listSpec[*orgRecord]{
			sorts: map[string]func(a, b *orgRecord) int{"name": byString(func(o *orgRecord) string { return o.Name })},
		})
	}
	userOrgs := &resource{plural: "organizations", list: listOrgs}
	return []*resource{
		{
			// GET /organization is the token's company; it is GET-only, and
			// updates go to /organizations/{id} (§6.2).
			plural: "organization", singleton: true,
			get: func(c *call) (*result, error) { return one("organization", "organizations", c.org.org), nil },
		},
		{
			plural: "organizations", singular: "organization",
			list: listOrgs,
			get: func(c *call) (*result, error) {
				rec, ok := orgLookup(c, c.id)
				if !ok {
					return nil, errNotFound("organization", c.id)
				}
				return one("organization", "organizations", rec), nil
			},
			update:    updateOrganization,
			lookup:    orgLookup,
			relations: orgRelations,
		},
		{
			plural: "user", singleton: true, sub: userOrgs,
			get: func(c *call) (*result, error) { return one("user", "users", c.s.users), nil },
		},
	}
}

// updateOrganization is PUT /organizations/{id}: a partial update of the
// editable fields. countryId and baseCurrencyId are immutable (§7.1).
func updateOrganization(c *call) (*result, error) {
	o := c.org
	if c.id != o.org.ID {
		if _, ok := c.s.byID[c.id]; ok && c.cred.bound == nil {
			o = c.s.byID[c.id]
		} else {
			return nil, errNotFound("organization", c.id)
		}
	}
	v := newValidation("organization", "The organization is invalid.")
	in := newInput(c.body, v)
	rec := *o.org
	if id, ok := in.str("id"); ok && id != "" && id != rec.ID {
		v.field("id", msgImmut)
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"name", &rec.Name}, {"street", &rec.Street}, {"zipcode", &rec.Zipcode}, {"city", &rec.City},
		{"phone", &rec.Phone}, {"email", &rec.Email}, {"registrationNo", &rec.RegistrationNo}, {"localeId", &rec.LocaleID}} {
		if s, ok := in.str(f.key); ok {
			*f.dst = s
		}
	}
	if strings.TrimSpace(rec.Name) == "" {
		v.field("name", msgBlank)
	}
	if _, ok := localeByID(rec.LocaleID); !ok {
		v.field("localeId", msgUnknown)
	}
	for _, f := range []struct{ key, cur string }{{"countryId", rec.CountryID}, {"baseCurrencyId", rec.BaseCurrencyID}} {
		if s, ok := in.str(f.key); ok && s != f.cur {
			v.field(f.key, msgImmut)
		}
	}
	if s, ok := in.oneOf("paymentTermsMode", termsNet, termsNetEndOfMonth); ok {
		rec.PaymentTermsMode = s
	}
	if n, ok := in.integer("paymentTermsDays"); ok {
		rec.PaymentTermsDays = n
	}
	if s, ok := in.oneOf("defaultTaxMode", taxModeIncl, taxModeExcl); ok {
		rec.DefaultTaxMode = s
	}
	if n, ok := in.integer("nextInvoiceNo"); ok {
		if n < 1 {
			v.field("nextInvoiceNo", "The next invoice number must be at least 1.")
		}
		rec.NextInvoiceNo = n
	}
	if s, ok := in.oneOf("vatPeriod", "monthly", "quarterly", "semianually"); ok {
		rec.VatPeriod = s
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"defaultInvoiceBankAccountId", &rec.DefaultInvoiceBankAccountID}, {"defaultSalesAccountId", &rec.DefaultSalesAccountID},
		{"defaultBankFeeAccountId", &rec.DefaultBankFeeAccountID}} {
		if s, ok := in.str(f.key); ok {
			if _, exists := o.accounts.get(s); !exists {
				v.field(f.key, msgUnknown)
			}
			*f.dst = s
		}
	}
	if s, ok := in.str("defaultSalesTaxRulesetId"); ok {
		if _, exists := o.rulesets.get(s); !exists {
			v.field("defaultSalesTaxRulesetId", msgUnknown)
		}
		rec.DefaultSalesTaxRulesetID = s
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	*o.org = rec
	ch := newChanges()
	ch.add("organizations", rec.ID, o.org)
	return written(ch), nil
}
