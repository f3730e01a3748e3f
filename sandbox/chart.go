package sandbox

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// A small Danish chart of accounts, tax rates and sales tax rulesets, seeded
// into every organization (billy-api.md §10 item 7). Billy's exact
// predefined Danish names are unconfirmed (§11 item 8); these are plausible
// and no test depends on them.

// VAT treatments the sandbox distinguishes (danish-compliance.md §1.2, §1.4).
const (
	vatDomestic   = "domestic"    // 25 % Danish VAT
	vatEUGoods    = "eu_goods"    // zero-rated intra-EU supply of goods, rubrik B-varer
	vatEUServices = "eu_services" // B2B services to the EU, reverse charge, rubrik B-ydelser
	vatExport     = "export"      // outside the EU, 0 %
	vatExempt     = "exempt"      // momsfritaget (ML § 13)
	vatPurchase   = "purchase"
)

type accountSeed struct {
	no         int
	name       string
	group      string
	nature     string
	role       string
	bank       bool
	currencyID string
}

var groupSeeds = []struct{ name, nature, description string }{
	{"Omsætning", "revenue", "Salg af varer og ydelser"},
	{"Vareforbrug", "expense", "Direkte omkostninger"},
	{"Omkostninger", "expense", "Salgs-, lokale- og administrationsomkostninger"},
	{"Finansielle poster", "expense", "Renter, gebyrer og valutakursdifferencer"},
	{"Omsætningsaktiver", "asset", "Tilgodehavender"},
	{"Likvide beholdninger", "asset", "Bank og kasse"},
	{"Gæld", "liability", "Kortfristet gæld"},
	{"Moms", "liability", "Moms og afgifter"},
	{"Egenkapital", "equity", "Egenkapital"},
}

// The systemRole values accountsReceivable, accountsPayable and
// realizedCurrencyDifference were seen live; the others are left null
// because Billy's names for them are unknown.
var accountSeeds = []accountSeed{
	{no: 1110, name: "Salg af varer og ydelser m/moms", group: "Omsætning", nature: "revenue"},
	{no: 1120, name: "Salg af varer til EU u/moms", group: "Omsætning", nature: "revenue"},
	{no: 1130, name: "Salg af ydelser til EU u/moms", group: "Omsætning", nature: "revenue"},
	{no: 1140, name: "Salg til udlandet uden for EU", group: "Omsætning", nature: "revenue"},
	{no: 1310, name: "Varekøb m/moms", group: "Vareforbrug", nature: "expense"},
	{no: 2210, name: "Husleje", group: "Omkostninger", nature: "expense"},
	{no: 2750, name: "Kontorartikler", group: "Omkostninger", nature: "expense"},
	{no: 3610, name: "Bankgebyrer", group: "Finansielle poster", nature: "expense"},
	{no: 3700, name: "Valutakursdifferencer", group: "Finansielle poster", nature: "expense", role: "realizedCurrencyDifference"},
	{no: 5710, name: "Debitorer", group: "Omsætningsaktiver", nature: "asset", role: "accountsReceivable"},
	{no: 5810, name: "Bankkonto", group: "Likvide beholdninger", nature: "asset", bank: true, currencyID: "DKK"},
	{no: 6810, name: "Kreditorer", group: "Gæld", nature: "liability", role: "accountsPayable"},
	{no: 7210, name: "Salgsmoms", group: "Moms", nature: "liability"},
	{no: 7220, name: "Købsmoms", group: "Moms", nature: "liability"},
	{no: 7230, name: "Moms af varekøb i udlandet", group: "Moms", nature: "liability"},
	{no: 7240, name: "Moms af ydelseskøb i udlandet", group: "Moms", nature: "liability"},
	{no: 7260, name: "Momsafregning", group: "Moms", nature: "liability"},
	{no: 8010, name: "Overført resultat", group: "Egenkapital", nature: "equity"},
}

// eurBankSeed is the extra EUR account of organizations that invoice in EUR.
var eurBankSeed = accountSeed{no: 5820, name: "Bankkonto EUR", group: "Likvide beholdninger", nature: "asset", bank: true, currencyID: "EUR"}

type taxRateSeed struct {
	key, name, abbr, desc, tag, treatment string
	rate                                  string // a fraction, "0.25"; "" is 0
	sales                                 bool
}

var taxRateSeeds = []taxRateSeed{
	{key: "sales", name: "Salgsmoms", abbr: "S25", desc: "Moms af salg i Danmark, 25 %", tag: "dk_sales_25", treatment: vatDomestic, rate: "0.25", sales: true},
	{key: "euGoods", name: "Salg af varer til andre EU-lande", abbr: "EUV", desc: "Momsfrit salg af varer til momsregistrerede kunder i EU (rubrik B-varer)", tag: "dk_sales_eu_goods", treatment: vatEUGoods, sales: true},
	{key: "euServices", name: "Salg af ydelser til andre EU-lande", abbr: "EUY", desc: "Omvendt betalingspligt, køber afregner momsen (rubrik B-ydelser)", tag: "dk_sales_eu_services", treatment: vatEUServices, sales: true},
	{key: "export", name: "Salg til lande uden for EU", abbr: "EXP", desc: "Eksport uden for EU, 0 % (rubrik C)", tag: "dk_sales_world", treatment: vatExport, sales: true},
	{key: "exempt", name: "Momsfrit salg", abbr: "MF", desc: "Momsfritaget efter momslovens § 13", tag: "dk_sales_exempt", treatment: vatExempt, sales: true},
	{key: "purchase", name: "Købsmoms", abbr: "K25", desc: "Fradrag for moms af køb i Danmark, 25 %", tag: "dk_purchase_25", treatment: vatPurchase, rate: "0.25"},
	{key: "purchaseEUGoods", name: "Udlandsmoms varer", abbr: "UV", desc: "Moms af varekøb i udlandet", tag: "dk_purchase_eu_goods", treatment: vatPurchase, rate: "0.25"},
	{key: "purchaseEUServices", name: "Udlandsmoms ydelser", abbr: "UY", desc: "Moms af ydelseskøb i udlandet med omvendt betalingspligt", tag: "dk_purchase_eu_services", treatment: vatPurchase, rate: "0.25"},
	{key: "purchaseExempt", name: "Momsfrit", abbr: "MK", desc: "Køb uden moms", tag: "dk_purchase_exempt", treatment: vatPurchase},
}

// chartIDs names what seedChart created, for the generator.
type chartIDs struct {
	accounts map[int]string    // by accountNo
	taxRates map[string]string // by taxRateSeed.key
	goods    string            // ruleset for goods
	services string            // ruleset for services
	exempt   string            // ruleset for VAT-exempt sales

	// Added by seedBooksChart (chart_books.go).
	metaFields map[string]string // salesTaxMetaFields by name
	installed  string            // ruleset for goods delivered and installed
}

// seedChart creates the account groups, accounts, tax rates and sales tax
// rulesets of an organization. withEUR adds a EUR bank account.
func (o *orgState) seedChart(withEUR bool) chartIDs {
	orgID := o.org.ID
	ids := chartIDs{accounts: map[int]string{}, taxRates: map[string]string{}}
	groups := map[string]string{}
	for i, g := range groupSeeds {
		rec := &accountGroup{ID: o.ids.next(), OrganizationID: orgID, NatureID: g.nature, Name: g.name,
			Description: g.description, Type: "header", Priority: i + 1}
		o.accountGroups.add(rec.ID, rec)
		groups[g.name] = rec.ID
	}
	for _, r := range taxRateSeeds {
		rec := &taxRate{ID: o.ids.next(), OrganizationID: orgID, Name: r.name, Abbreviation: r.abbr,
			Description: r.desc, Rate: numberOf(rateOf(r.rate)), AppliesToSales: r.sales, AppliesToPurchases: !r.sales,
			IsPredefined: true, IsActive: true, Priority: o.taxRates.len() + 1, PredefinedTag: r.tag,
			treatment: r.treatment}
		o.taxRates.add(rec.ID, rec)
		ids.taxRates[r.key] = rec.ID
	}
	seeds := accountSeeds
	if withEUR {
		seeds = append(append([]accountSeed{}, accountSeeds...), eurBankSeed)
	}
	for _, a := range seeds {
		rec := &account{ID: o.ids.next(), OrganizationID: orgID, Name: a.name, AccountNo: a.no,
			GroupID: groups[a.group], NatureID: a.nature}
		if a.role != "" {
			rec.SystemRole = strp(a.role)
			rec.Description = "{System Account}"
		}
		if a.bank {
			rec.IsBankAccount, rec.IsPaymentEnabled = true, true
			rec.CurrencyID = strp(a.currencyID)
			rec.BankName = strp("Danske Bank")
			rec.BankRoutingNo = strp("3409")
			rec.BankAccountNo = strp(bankAccountNo(o.org.RegistrationNo, a.no))
			rec.BankSwift = strp("DABADKKK")
			rec.BankIban = strp(danishIBAN("3409", bankAccountNo(o.org.RegistrationNo, a.no)))
		}
		if a.nature == "revenue" {
			rec.TaxRateID = strp(ids.taxRates["sales"])
		}
		o.accounts.add(rec.ID, rec)
		ids.accounts[a.no] = rec.ID
	}
	o.receivableAccountID = ids.accounts[5710]
	o.salesVatAccountID = ids.accounts[7210]
	o.bankAccountID = ids.accounts[5810]
	o.feeAccountID = ids.accounts[3610]
	o.fxAccountID = ids.accounts[3700]

	ids.goods = o.addRuleset("Varer", "V", "Salg af varer", ids.taxRates["sales"], ids.taxRates["euGoods"], ids.taxRates["export"])
	ids.services = o.addRuleset("Ydelser", "Y", "Salg af ydelser", ids.taxRates["sales"], ids.taxRates["euServices"], ids.taxRates["export"])
	ids.exempt = o.addRuleset("Momsfri", "MF", "Momsfritaget salg", ids.taxRates["exempt"], "", "")
	return ids
}

// addRuleset creates a ruleset: Danish customers pay Danish VAT, EU
// companies get the EU rate, EU private persons pay Danish VAT (below the
// distance-selling threshold), and everyone else falls back to the export
// rate. An exempt ruleset has no rules, only its fallback.
func (o *orgState) addRuleset(name, abbr, desc, domestic, euCompany, world string) string {
	rs := &salesTaxRuleset{ID: o.ids.next(), OrganizationID: o.org.ID, Name: name, Abbreviation: abbr,
		Description: desc, FallbackTaxRateID: world, IsPredefined: true}
	if world == "" {
		rs.FallbackTaxRateID = domestic
	}
	o.rulesets.add(rs.ID, rs)
	if euCompany == "" {
		return rs.ID
	}
	add := func(r *salesTaxRule) {
		r.ID, r.OrganizationID, r.RulesetID, r.Priority = o.ids.next(), o.org.ID, rs.ID, len(rs.ruleIDs)+1
		o.rules.add(r.ID, r)
		rs.ruleIDs = append(rs.ruleIDs, r.ID)
	}
	add(&salesTaxRule{CountryID: strp("DK"), TaxRateID: domestic})
	add(&salesTaxRule{CountryGroupID: strp(euGroupID), ContactType: strp("company"), TaxRateID: euCompany})
	add(&salesTaxRule{CountryGroupID: strp(euGroupID), ContactType: strp("person"), TaxRateID: domestic})
	return rs.ID
}

// bankAccountNo derives a stable 10-digit Danish account number.
func bankAccountNo(cvr string, no int) string {
	h := hashString(cvr) + uint64(no)
	s := ""
	for i := 0; i < 10; i++ {
		s += string(rune('0' + h%10))
		h /= 10
	}
	return s
}

// danishIBAN builds a Danish IBAN with valid ISO 13616 check digits
// (danish-compliance.md §5.6): the BBAN followed by "DK00" as digits, mod 97.
func danishIBAN(reg, account string) string {
	bban := reg + account
	digits := bban + "131400" // D=13, K=20, then "00"
	rem := 0
	for _, d := range digits {
		rem = (rem*10 + int(d-'0')) % 97
	}
	check := 98 - rem
	return fmt.Sprintf("DK%02d%s", check, bban)
}

// deriveTaxRate picks an invoice line's tax rate from the product's ruleset
// and the contact's country and type: the first rule by priority that
// matches, else the ruleset's fallback (billy-api.md §7.5, a guess from the
// schema). A sales-tax-exempt contact gets the exempt rate.
func (o *orgState) deriveTaxRate(p *product, c *contact) *taxRate {
	if c.IsSalesTaxExempt {
		for _, tr := range o.taxRates.all() {
			if tr.treatment == vatExempt {
				return tr
			}
		}
	}
	rs, ok := o.rulesets.get(p.SalesTaxRulesetID)
	if !ok {
		rs, _ = o.rulesets.get(o.org.DefaultSalesTaxRulesetID)
	}
	if rs == nil {
		return nil
	}
	ctry, _ := countryByID(c.CountryID)
	for _, r := range o.rules.pick(rs.ruleIDs) {
		if r.CountryID != nil && *r.CountryID != c.CountryID {
			continue
		}
		if r.CountryGroupID != nil && (*r.CountryGroupID != euGroupID || ctry == nil || !ctry.inEU || c.CountryID == o.org.CountryID) {
			continue
		}
		if r.ContactType != nil && *r.ContactType != c.Type {
			continue
		}
		if tr, ok := o.taxRates.get(r.TaxRateID); ok {
			return tr
		}
	}
	tr, _ := o.taxRates.get(rs.FallbackTaxRateID)
	return tr
}

func rateOf(s string) decimal.Decimal {
	if s == "" {
		return decimal.Zero
	}
	return dec(s)
}
