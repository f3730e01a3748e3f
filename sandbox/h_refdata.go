package sandbox

import "strconv"

// Read-only seed data (billy-api.md §7.5, §10 item 7): tax rates, sales tax
// rulesets and rules, the chart of accounts, and the shared reference data.
// countries, countryGroups, currencies and locales need no credentials, as
// in Billy's own client (§1.2).

func referenceResources() []*resource {
	taxRatesOf := func(o *orgState) *table[*taxRate] { return o.taxRates }
	rulesetsOf := func(o *orgState) *table[*salesTaxRuleset] { return o.rulesets }
	rulesOf := func(o *orgState) *table[*salesTaxRule] { return o.rules }
	accountsOf := func(o *orgState) *table[*account] { return o.accounts }
	groupsOf := func(o *orgState) *table[*accountGroup] { return o.accountGroups }
	none := func(*call) listSpec[*accountGroup] {
		return listSpec[*accountGroup]{filters: map[string]filter[*accountGroup]{
			"natureId": eqFilter(func(x *accountGroup) string { return x.NatureID }),
		}, sorts: map[string]func(a, b *accountGroup) int{
			"priority": byInt(func(x *accountGroup) int { return x.Priority }),
			"name":     byString(func(x *accountGroup) string { return x.Name }),
		}}
	}
	return []*resource{
		{
			plural: "taxRates", singular: "taxRate",
			list: listFrom("taxRates", taxRatesOf, func(*call) listSpec[*taxRate] {
				return listSpec[*taxRate]{filters: map[string]filter[*taxRate]{
					"appliesToSales":     boolFilter(func(x *taxRate) bool { return x.AppliesToSales }),
					"appliesToPurchases": boolFilter(func(x *taxRate) bool { return x.AppliesToPurchases }),
					"isActive":           boolFilter(func(x *taxRate) bool { return x.IsActive }),
				}, sorts: map[string]func(a, b *taxRate) int{
					"name":     byString(func(x *taxRate) string { return x.Name }),
					"priority": byInt(func(x *taxRate) int { return x.Priority }),
				}}
			}),
			get:    getFrom("taxRate", "taxRates", taxRatesOf),
			lookup: lookupIn(taxRatesOf),
			relations: map[string]relation{
				// The deductible share of a rate's VAT (§7.5: "for partly
				// deductible VAT"), e.g. 0.25 for restaurant meals.
				"deductionComponents": hasMany("taxRateDeductionComponents", func(c *call, id string) []string {
					if tr, ok := c.org.taxRates.get(id); ok {
						return tr.componentIDs
					}
					return nil
				}),
				"netAmountMetaField": belongsTo("salesTaxMetaFields"),
			},
		},
		{
			plural: "salesTaxRulesets", singular: "salesTaxRuleset",
			list: listFrom("salesTaxRulesets", rulesetsOf, func(*call) listSpec[*salesTaxRuleset] {
				return listSpec[*salesTaxRuleset]{sorts: map[string]func(a, b *salesTaxRuleset) int{
					"name": byString(func(x *salesTaxRuleset) string { return x.Name }),
				}}
			}),
			get:    getFrom("salesTaxRuleset", "salesTaxRulesets", rulesetsOf),
			lookup: lookupIn(rulesetsOf),
			relations: map[string]relation{
				"fallbackTaxRate": belongsTo("taxRates"),
				"rules": hasMany("salesTaxRules", func(c *call, id string) []string {
					if rs, ok := c.org.rulesets.get(id); ok {
						return rs.ruleIDs
					}
					return nil
				}),
			},
		},
		{
			plural: "salesTaxRules", singular: "salesTaxRule",
			list: listFrom("salesTaxRules", rulesOf, func(*call) listSpec[*salesTaxRule] {
				return listSpec[*salesTaxRule]{filters: map[string]filter[*salesTaxRule]{
					"rulesetId": eqFilter(func(x *salesTaxRule) string { return x.RulesetID }),
				}, sorts: map[string]func(a, b *salesTaxRule) int{
					"priority": byInt(func(x *salesTaxRule) int { return x.Priority }),
				}}
			}),
			get:    getFrom("salesTaxRule", "salesTaxRules", rulesOf),
			lookup: lookupIn(rulesOf),
			relations: map[string]relation{
				"ruleset":      belongsTo("salesTaxRulesets"),
				"taxRate":      belongsTo("taxRates"),
				"country":      belongsTo("countries"),
				"countryGroup": belongsTo("countryGroups"),
			},
		},
		{
			plural: "accounts", singular: "account",
			list: listFrom("accounts", accountsOf, func(*call) listSpec[*account] {
				return listSpec[*account]{filters: map[string]filter[*account]{
					"isBankAccount":    boolFilter(func(x *account) bool { return x.IsBankAccount }),
					"isPaymentEnabled": boolFilter(func(x *account) bool { return x.IsPaymentEnabled }),
					"isArchived":       boolFilter(func(x *account) bool { return x.IsArchived }),
					"natureId":         eqFilter(func(x *account) string { return x.NatureID }),
					"groupId":          eqFilter(func(x *account) string { return x.GroupID }),
					"systemRole":       eqPtrFilter(func(x *account) *string { return x.SystemRole }),
					"accountNo":        accountNoFilter,
					"q":                textFilter(func(x *account) []string { return []string{x.Name, x.Description} }),
				}, sorts: map[string]func(a, b *account) int{
					"accountNo": byInt(func(x *account) int { return x.AccountNo }),
					"name":      byString(func(x *account) string { return x.Name }),
				}}
			}),
			get:    getFrom("account", "accounts", accountsOf),
			lookup: lookupIn(accountsOf),
			relations: map[string]relation{
				"group":    belongsTo("accountGroups"),
				"nature":   belongsTo("accountNatures"),
				"taxRate":  belongsTo("taxRates"),
				"currency": belongsTo("currencies"),
			},
		},
		{
			plural: "accountGroups", singular: "accountGroup",
			list:   listFrom("accountGroups", groupsOf, none),
			get:    getFrom("accountGroup", "accountGroups", groupsOf),
			lookup: lookupIn(groupsOf),
			relations: map[string]relation{
				"nature": belongsTo("accountNatures"),
			},
		},
		{
			plural: "accountNatures", singular: "accountNature",
			list:   staticList("accountNatures", accountNatures, listSpec[*accountNature]{}),
			get:    staticGet("accountNature", "accountNatures", natureByID),
			lookup: staticLookup(natureByID),
		},
		{
			plural: "currencies", singular: "currency", public: true,
			list:   staticList("currencies", currencies, listSpec[*currency]{}),
			get:    staticGet("currency", "currencies", currencyByID),
			lookup: staticLookup(currencyByID),
		},
		{
			plural: "countries", singular: "country", public: true,
			list: staticList("countries", countries, listSpec[*country]{sorts: map[string]func(a, b *country) int{
				"name": byString(func(x *country) string { return x.Name }),
			}}),
			get:       staticGet("country", "countries", countryByID),
			lookup:    staticLookup(countryByID),
			relations: map[string]relation{"locale": belongsTo("locales")},
		},
		{
			plural: "countryGroups", singular: "countryGroup", public: true,
			list:   staticList("countryGroups", countryGroups, listSpec[*countryGroup]{}),
			get:    staticGet("countryGroup", "countryGroups", countryGroupByID),
			lookup: staticLookup(countryGroupByID),
		},
		{
			plural: "locales", singular: "locale", public: true,
			list:   staticList("locales", locales, listSpec[*locale]{}),
			get:    staticGet("locale", "locales", localeByID),
			lookup: staticLookup(localeByID),
		},
	}
}

// accountNoFilter matches accountNo given as a number.
func accountNoFilter(v string) (func(*account) bool, error) {
	n, err := strconv.Atoi(v)
	return func(a *account) bool { return a.AccountNo == n }, err
}
