package sandbox

import "github.com/shopspring/decimal"

// The part of the chart the VAT return and purchases need, seeded after
// seedChart (chart.go): expense and asset accounts for bills, the energy
// duty accounts, the purchase tax rates with their deduction components,
// the return's boxes as salesTaxMetaFields, and salesTaxAccounts saying
// which account holds which part of the return.
//
// Billy's own predefined names, types and tags here are not documented
// (billy-api.md §7.5, §11 item 8); these are plausible Danish ones, and
// each choice that the VAT return depends on is listed in docs/operators.md
// ("The books behind the VAT return") as a guess.

// More VAT treatments, of purchase rates (the buyer's side) and of sales
// with a box of their own.
const (
	vatInput            = "input"              // Danish VAT charged by the supplier, deductible by its components
	vatRCEUGoods        = "rc_eu_goods"        // EU acquisition of goods: the buyer pays and deducts, rubrik A-varer
	vatRCEUServices     = "rc_eu_services"     // services bought from abroad: the buyer pays and deducts, rubrik A-ydelser
	vatRCImport         = "rc_import"          // goods imported from outside the EU: import VAT paid and deducted
	vatRCDomestic       = "rc_domestic"        // domestic reverse charge (ML § 46 stk. 1 nr. 6–10)
	vatNone             = "none"               // no VAT on the purchase (exempt supplier, passenger transport, insurance)
	vatEUGoodsInstalled = "eu_goods_installed" // goods delivered and installed in another EU country, rubrik B-varer (ikke EU-salgsangivelse)
	vatDomesticRCSale   = "domestic_rc_sale"   // sale under domestic reverse charge, rubrik C
)

// Types of salesTaxAccounts. Guess: Billy's enum values are unknown; these
// name the return's fields (danish-compliance.md §1.5).
const (
	staSalesVat         = "salesVat"         // Salgsmoms
	staPurchaseVat      = "purchaseVat"      // Købsmoms
	staEUGoodsVat       = "euGoodsVat"       // Moms af varekøb i udlandet (EU goods, imports, domestic reverse charge)
	staEUServicesVat    = "euServicesVat"    // Moms af ydelseskøb i udlandet med omvendt betalingspligt
	staOilDuty          = "oilDuty"          // Olie- og flaskegasafgift
	staElectricityDuty  = "electricityDuty"  // Elafgift
	staGasDuty          = "gasDuty"          // Naturgas- og bygasafgift
	staCoalDuty         = "coalDuty"         // Kulafgift
	staCO2Duty          = "co2Duty"          // CO2-afgift
	staWaterDuty        = "waterDuty"        // Vandafgift
	staSettlement       = "settlement"       // Momsafregning: where a settled return's balances go
	deductionSourceTax  = "tax"              // a deduction component's share applies to the line's VAT
	metaRubrikAGoods    = "Rubrik A - varer" // the meta fields' names, also the keys of chartIDs.metaFields
	metaRubrikAServices = "Rubrik A - ydelser"
	metaRubrikBGoods    = "Rubrik B - varer (EU-salgsangivelse)"
	metaRubrikBGoodsNot = "Rubrik B - varer (ikke EU-salgsangivelse)"
	metaRubrikBServices = "Rubrik B - ydelser"
	metaRubrikC         = "Rubrik C"
)

var bookGroupSeeds = []struct{ name, nature, description string }{
	{"Anlægsaktiver", "asset", "Driftsmidler og inventar"},
}

// bookAccountSeeds are the accounts purchases post to; rate is the
// taxRateSeed key of the account's default tax rate.
var bookAccountSeeds = []struct {
	accountSeed
	rate string
}{
	{accountSeed{no: 1320, name: "Varekøb EU", group: "Vareforbrug", nature: "expense"}, "purchaseEUGoods"},
	{accountSeed{no: 1330, name: "Varekøb uden for EU (import)", group: "Vareforbrug", nature: "expense"}, "purchaseImport"},
	{accountSeed{no: 1340, name: "Fragt, told og spedition", group: "Vareforbrug", nature: "expense"}, "purchase"},
	{accountSeed{no: 2220, name: "El, vand og varme", group: "Omkostninger", nature: "expense"}, "purchase"},
	{accountSeed{no: 2310, name: "Telefon og internet", group: "Omkostninger", nature: "expense"}, "purchase"},
	{accountSeed{no: 2320, name: "Software og abonnementer", group: "Omkostninger", nature: "expense"}, "purchase"},
	{accountSeed{no: 2410, name: "Reklame og markedsføring", group: "Omkostninger", nature: "expense"}, "purchase"},
	{accountSeed{no: 2420, name: "Repræsentation og gaver", group: "Omkostninger", nature: "expense"}, "representation"},
	{accountSeed{no: 2430, name: "Restaurationsbesøg", group: "Omkostninger", nature: "expense"}, "restaurant"},
	{accountSeed{no: 2510, name: "Rejser og transport", group: "Omkostninger", nature: "expense"}, "purchaseExempt"},
	{accountSeed{no: 2610, name: "Revisor og rådgivning", group: "Omkostninger", nature: "expense"}, "purchase"},
	{accountSeed{no: 2620, name: "Forsikringer", group: "Omkostninger", nature: "expense"}, "purchaseExempt"},
	{accountSeed{no: 2710, name: "Småanskaffelser", group: "Omkostninger", nature: "expense"}, "purchase"},
	{accountSeed{no: 2760, name: "Serverdrift og hosting", group: "Omkostninger", nature: "expense"}, "purchase"},
	{accountSeed{no: 5410, name: "Driftsmidler", group: "Anlægsaktiver", nature: "asset"}, "purchase"},
	{accountSeed{no: 7250, name: "Olie- og flaskegasafgift", group: "Moms", nature: "liability"}, ""},
	{accountSeed{no: 7251, name: "Elafgift", group: "Moms", nature: "liability"}, ""},
	{accountSeed{no: 7252, name: "Naturgas- og bygasafgift", group: "Moms", nature: "liability"}, ""},
	{accountSeed{no: 7253, name: "Kulafgift", group: "Moms", nature: "liability"}, ""},
	{accountSeed{no: 7254, name: "CO2-afgift", group: "Moms", nature: "liability"}, ""},
	{accountSeed{no: 7255, name: "Vandafgift", group: "Moms", nature: "liability"}, ""},
}

// salesTaxAccountSeeds maps the return's fields to accounts.
var salesTaxAccountSeeds = []struct {
	typ string
	no  int
}{
	{staSalesVat, 7210}, {staPurchaseVat, 7220}, {staEUGoodsVat, 7230}, {staEUServicesVat, 7240},
	{staOilDuty, 7250}, {staElectricityDuty, 7251}, {staGasDuty, 7252}, {staCoalDuty, 7253},
	{staCO2Duty, 7254}, {staWaterDuty, 7255}, {staSettlement, 7260},
}

var metaFieldSeeds = []struct{ name, description string }{
	{metaRubrikAGoods, "Værdien uden moms af varekøb i andre EU-lande"},
	{metaRubrikAServices, "Værdien uden moms af ydelseskøb i andre EU-lande med omvendt betalingspligt"},
	{metaRubrikBGoods, "Værdien af varesalg uden moms til momsregistrerede kunder i andre EU-lande, som indberettes til EU-salg uden moms"},
	{metaRubrikBGoodsNot, "Værdien af varesalg uden moms til andre EU-lande, som ikke indberettes til EU-salg uden moms (montage, installation, fjernsalg)"},
	{metaRubrikBServices, "Værdien af ydelsessalg uden moms til andre EU-lande, hvor køber afregner momsen"},
	{metaRubrikC, "Værdien af andre varer og ydelser, der leveres uden afgift (eksport uden for EU m.m.)"},
}

// bookRateSeed is a tax rate added for purchases and the return. share is
// the deductible share of its VAT (a deduction component on Købsmoms);
// reverse names the salesTaxAccount type its VAT is payable on when the
// buyer pays it; meta is the box collecting its net amounts.
type bookRateSeed struct {
	taxRateSeed
	share, reverse, meta string
	custom               bool // made by the user, not one of Billy's predefined rates
}

// existingRateBooks completes the rates seedChart made: their treatment for
// purchases, deduction and box. Their IDs and fields stay as they were.
var existingRateBooks = map[string]bookRateSeed{
	"euGoods":            {meta: metaRubrikBGoods},
	"euServices":         {meta: metaRubrikBServices},
	"export":             {meta: metaRubrikC},
	"purchase":           {taxRateSeed: taxRateSeed{treatment: vatInput}, share: "1"},
	"purchaseEUGoods":    {taxRateSeed: taxRateSeed{treatment: vatRCEUGoods}, share: "1", reverse: staEUGoodsVat, meta: metaRubrikAGoods},
	"purchaseEUServices": {taxRateSeed: taxRateSeed{treatment: vatRCEUServices}, share: "1", reverse: staEUServicesVat, meta: metaRubrikAServices},
	"purchaseExempt":     {taxRateSeed: taxRateSeed{treatment: vatNone}},
}

var bookRateSeeds = []bookRateSeed{
	{taxRateSeed: taxRateSeed{key: "purchaseImport", name: "Importmoms", abbr: "IMP", tag: "dk_purchase_import", treatment: vatRCImport, rate: "0.25",
		desc: "Moms af varer købt uden for EU; afregnes som moms af varekøb i udlandet og fradrages som købsmoms"},
		share: "1", reverse: staEUGoodsVat},
	{taxRateSeed: taxRateSeed{key: "purchaseDomesticRC", name: "Omvendt betalingspligt, indenlandsk køb", abbr: "OBK", tag: "dk_purchase_domestic_reverse_charge", treatment: vatRCDomestic, rate: "0.25",
		desc: "Køb af mobiltelefoner, tablets, bærbare, integrerede kredsløb, metalskrot m.m. (ML § 46 stk. 1 nr. 6-10): køber afregner og fradrager momsen"},
		share: "1", reverse: staEUGoodsVat},
	{taxRateSeed: taxRateSeed{key: "restaurant", name: "Restaurationsmoms", abbr: "R25", tag: "dk_purchase_restaurant", treatment: vatInput, rate: "0.25",
		desc: "Købsmoms af hotel- og restaurationsydelser af udelukkende erhvervsmæssig karakter; 25 % af momsen fradrages (ML § 42 stk. 2)"},
		share: "0.25"},
	{taxRateSeed: taxRateSeed{key: "representation", name: "Repræsentation og gaver", abbr: "REP", tag: "dk_purchase_representation", treatment: vatInput, rate: "0.25",
		desc: "Moms af repræsentation, gaver og underholdning; ingen fradrag (ML § 42 stk. 1 nr. 5)"}},
	{taxRateSeed: taxRateSeed{key: "partial50", name: "Købsmoms, 50 % fradrag", abbr: "K50", treatment: vatInput, rate: "0.25",
		desc: "Udgifter med blandet erhvervsmæssig og privat brug (ML § 38 stk. 2); skønnet fradrag 50 %"},
		share: "0.5", custom: true},
	{taxRateSeed: taxRateSeed{key: "euGoodsInstalled", name: "Salg af varer med montering i andre EU-lande", abbr: "EUM", tag: "dk_sales_eu_goods_installed", treatment: vatEUGoodsInstalled, sales: true,
		desc: "Varer leveret med montage eller installation i et andet EU-land; køber afregner momsen (rubrik B-varer, ikke EU-salgsangivelse)"},
		meta: metaRubrikBGoodsNot},
	{taxRateSeed: taxRateSeed{key: "domesticRCSale", name: "Salg med omvendt betalingspligt, indenlandsk", abbr: "OBS", tag: "dk_sales_domestic_reverse_charge", treatment: vatDomesticRCSale, sales: true,
		desc: "Salg af varer med indenlandsk omvendt betalingspligt (ML § 46 stk. 1 nr. 6-10), køber afregner momsen (rubrik C)"},
		meta: metaRubrikC},
}

// seedBooksChart adds the books' part of the chart to an organization that
// seedChart has set up, recording what it made in ids. The generator calls
// it with an ID source of its own, so the records seedChart made, and
// everything generated after them, keep their IDs.
func (o *orgState) seedBooksChart(ids *chartIDs) {
	orgID := o.org.ID
	groups := map[string]string{}
	for _, g := range o.accountGroups.all() {
		groups[g.Name] = g.ID
	}
	for _, g := range bookGroupSeeds {
		rec := &accountGroup{ID: o.ids.next(), OrganizationID: orgID, NatureID: g.nature, Name: g.name,
			Description: g.description, Type: "header", Priority: o.accountGroups.len() + 1}
		o.accountGroups.add(rec.ID, rec)
		groups[g.name] = rec.ID
	}
	ids.metaFields = map[string]string{}
	for i, m := range metaFieldSeeds {
		rec := &salesTaxMetaField{ID: o.ids.next(), OrganizationID: orgID, Name: m.name, Description: m.description,
			Priority: i + 1, IsPredefined: true}
		o.metaFields.add(rec.ID, rec)
		ids.metaFields[m.name] = rec.ID
	}
	for _, a := range bookAccountSeeds {
		rec := &account{ID: o.ids.next(), OrganizationID: orgID, Name: a.name, AccountNo: a.no,
			GroupID: groups[a.group], NatureID: a.nature}
		o.accounts.add(rec.ID, rec)
		ids.accounts[a.no] = rec.ID
	}
	o.payableAccountID = ids.accounts[6810]
	o.purchaseVatAccountID = ids.accounts[7220]
	o.settlementAccountID = ids.accounts[7260]
	staByType := map[string]string{}
	for i, s := range salesTaxAccountSeeds {
		rec := &salesTaxAccount{ID: o.ids.next(), OrganizationID: orgID, AccountID: ids.accounts[s.no], Type: s.typ, Priority: i + 1}
		o.salesTaxAccounts.add(rec.ID, rec)
		staByType[s.typ] = rec.AccountID
	}

	complete := func(tr *taxRate, b bookRateSeed) {
		if b.treatment != "" {
			tr.treatment = b.treatment
		}
		if b.meta != "" {
			tr.NetAmountMetaFieldID = strp(ids.metaFields[b.meta])
		}
		if b.reverse != "" {
			tr.reverseAccountID = staByType[b.reverse]
		}
		if b.share != "" {
			c := &taxRateDeductionComponent{ID: o.ids.next(), OrganizationID: orgID, TaxRateID: tr.ID,
				Share: numberOf(dec(b.share)), Source: deductionSourceTax, AccountID: o.purchaseVatAccountID, Priority: 1}
			o.deductionComponents.add(c.ID, c)
			tr.componentIDs = append(tr.componentIDs, c.ID)
		}
	}
	for _, r := range taxRateSeeds {
		if b, ok := existingRateBooks[r.key]; ok {
			tr, _ := o.taxRates.get(ids.taxRates[r.key])
			complete(tr, b)
		}
	}
	for _, r := range bookRateSeeds {
		tr := &taxRate{ID: o.ids.next(), OrganizationID: orgID, Name: r.name, Abbreviation: r.abbr,
			Description: r.desc, Rate: numberOf(rateOf(r.rate)), AppliesToSales: r.sales, AppliesToPurchases: !r.sales,
			IsPredefined: !r.custom, IsActive: true, Priority: o.taxRates.len() + 1, PredefinedTag: r.tag,
			treatment: r.treatment}
		o.taxRates.add(tr.ID, tr)
		ids.taxRates[r.key] = tr.ID
		complete(tr, r)
	}
	for _, a := range bookAccountSeeds {
		if a.rate != "" {
			acct, _ := o.accounts.get(ids.accounts[a.no])
			acct.TaxRateID = strp(ids.taxRates[a.rate])
		}
	}
	// Billy gives every organization a daybook (kassekladde).
	db := &daybook{ID: o.ids.next(), OrganizationID: orgID, Name: "Kassekladde", IsTransactionSummaryEnabled: true,
		DefaultContraAccountID: strp(o.bankAccountID)}
	o.daybooks.add(db.ID, db)
	ids.installed = o.addRuleset("Varer med montering", "VM", "Varer leveret og monteret hos kunden",
		ids.taxRates["sales"], ids.taxRates["euGoodsInstalled"], ids.taxRates["export"])
}

// deductibleShare is the share of a rate's VAT that is deductible: the sum
// of its deduction components on the VAT (0 when it has none).
func (o *orgState) deductibleShare(tr *taxRate) decimal.Decimal {
	share := decimal.Zero
	for _, c := range o.deductionComponents.pick(tr.componentIDs) {
		if c.Source == deductionSourceTax {
			share = share.Add(c.Share.v)
		}
	}
	return share
}

// salesTaxAccountOf is the account of a salesTaxAccount type.
func (o *orgState) salesTaxAccountOf(typ string) string {
	for _, s := range o.salesTaxAccounts.all() {
		if s.Type == typ {
			return s.AccountID
		}
	}
	return ""
}
