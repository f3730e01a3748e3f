package moms

import "strings"

// The fields of the Danish VAT return (momsangivelse), ML § 57 stk. 1 and
// SKAT's system-to-system names (reference § 1.5, R5): four VAT amounts,
// six energy duties, the afgiftstilsvar they add up to, and five rubrik
// fields that report values without VAT.

// fieldKey names a field of the return in tool output and config.
type fieldKey string

const (
	fSalgsmoms       fieldKey = "salgsmoms"
	fMomsVarekoeb    fieldKey = "moms_varekoeb_udland"
	fMomsYdelseskoeb fieldKey = "moms_ydelseskoeb_udland"
	fKoebsmoms       fieldKey = "koebsmoms"
	fOlie            fieldKey = "olie_flaskegasafgift"
	fEl              fieldKey = "elafgift"
	fNaturgas        fieldKey = "naturgas_bygasafgift"
	fKul             fieldKey = "kulafgift"
	fCO2             fieldKey = "co2_afgift"
	fVand            fieldKey = "vandafgift"
	fRubrikAVarer    fieldKey = "rubrik_a_varer"
	fRubrikAYdelser  fieldKey = "rubrik_a_ydelser"
	fRubrikBVarer    fieldKey = "rubrik_b_varer"
	fRubrikBVarerIkk fieldKey = "rubrik_b_varer_ikke_eu_salgsangivelse"
	fRubrikBYdelser  fieldKey = "rubrik_b_ydelser"
	fRubrikC         fieldKey = "rubrik_c"
)

// returnField describes one field.
type returnField struct {
	key fieldKey
	// name is the field's Danish label on TastSelv Erhverv.
	name string
	// api is SKAT's system-to-system name, where the reference gives one.
	api string
	// sign is the field's part in the afgiftstilsvar: +1 owed, -1 deducted,
	// 0 information only (the rubrik fields).
	sign int
	// credit is true for a field whose account grows on the credit side
	// (the VAT owed); the deductions grow on the debit side.
	credit bool
}

var returnFields = []returnField{
	{fSalgsmoms, "Salgsmoms", "Salgsmoms", +1, true},
	{fMomsVarekoeb, "Moms af varekøb i udlandet (både EU og lande uden for EU)", "Moms_af_eu_varekoeb", +1, true},
	{fMomsYdelseskoeb, "Moms af ydelseskøb i udlandet med omvendt betalingspligt", "Moms_af_eu_ydelser", +1, true},
	{fKoebsmoms, "Købsmoms", "Koebsmoms", -1, false},
	{fOlie, "Olie- og flaskegasafgift", "Olie-_og_flaskegasafgift", -1, false},
	{fEl, "Elafgift", "Elafgift", -1, false},
	{fNaturgas, "Naturgas- og bygasafgift", "Natur-_og_bygasafgift", -1, false},
	{fKul, "Kulafgift", "Kulafgift", -1, false},
	{fCO2, "CO2-afgift", "Co2-afgift", -1, false},
	{fVand, "Vandafgift", "Vandafgift", -1, false},
	{fRubrikAVarer, "Rubrik A - varer", "Rubrik_a", 0, false},
	{fRubrikAYdelser, "Rubrik A - ydelser", "Rubrik_a_ydelser", 0, false},
	{fRubrikBVarer, "Rubrik B - varer (EU-salgsangivelse)", "Rubrik_b_EUSalgBeloebVarer", 0, false},
	{fRubrikBVarerIkk, "Rubrik B - varer (ikke EU-salgsangivelse)", "", 0, false},
	{fRubrikBYdelser, "Rubrik B - ydelser", "", 0, false},
	{fRubrikC, "Rubrik C", "", 0, false},
}

func fieldByKey(k fieldKey) (returnField, bool) {
	for _, f := range returnFields {
		if f.key == k {
			return f, true
		}
	}
	return returnField{}, false
}

// ledger reports whether the field is a VAT or duty amount, which the
// ledger carries on an account (the rubrik fields are values of sales and
// purchases, not balances of their own).
func (k fieldKey) ledger() bool {
	f, ok := fieldByKey(k)
	return ok && f.sign != 0
}

func ledgerFieldKeys() []string {
	var out []string
	for _, f := range returnFields {
		if f.sign != 0 {
			out = append(out, string(f.key))
		}
	}
	return out
}

// treatment is how a tax rate's lines land on the return.
type treatment string

const (
	// Sales.
	tSalesDomestic   treatment = "sales_domestic"         // 25 %: salgsmoms
	tSalesEUGoods    treatment = "sales_eu_goods"         // zero-rated to EU VAT-registered buyers: rubrik B-varer, EU sales list
	tSalesEUGoodsOth treatment = "sales_eu_goods_other"   // distance sales, installation, new means of transport: rubrik B-varer (not on the list)
	tSalesEUServices treatment = "sales_eu_services"      // B2B services, buyer pays: rubrik B-ydelser, EU sales list
	tSalesZeroRated  treatment = "sales_zero_rated"       // exports and other VAT-free supplies (§§ 14-21 d, § 34): rubrik C
	tSalesDomRev     treatment = "sales_domestic_reverse" // ML § 46 stk. 1 nr. 4, 6-10 sold, the buyer pays: rubrik C
	tSalesExempt     treatment = "sales_exempt"           // momsfritaget (ML § 13): not reported
	// Purchases.
	tPurchDomestic    treatment = "purchase_domestic"         // Danish VAT charged by the seller: købsmoms (deductible share)
	tPurchEUGoods     treatment = "purchase_eu_goods"         // reverse charge: moms af varekøb, købsmoms, rubrik A-varer
	tPurchEUServices  treatment = "purchase_eu_services"      // reverse charge: moms af ydelseskøb, købsmoms, rubrik A-ydelser
	tPurchWorldServ   treatment = "purchase_world_services"   // reverse charge, non-EU seller: moms af ydelseskøb, købsmoms
	tPurchImport      treatment = "purchase_import"           // import VAT: moms af varekøb, købsmoms
	tPurchDomesticRev treatment = "purchase_domestic_reverse" // ML § 46 stk. 1 nr. 4, 6-10 bought: moms af varekøb, købsmoms
	tPurchNoVAT       treatment = "purchase_no_vat"           // no VAT (exempt supplier, outside scope)
	// Either side.
	tOutside treatment = "outside_scope" // not reported
)

var allTreatments = []treatment{tSalesDomestic, tSalesEUGoods, tSalesEUGoodsOth, tSalesEUServices, tSalesZeroRated, tSalesDomRev, tSalesExempt,
	tPurchDomestic, tPurchEUGoods, tPurchEUServices, tPurchWorldServ, tPurchImport, tPurchDomesticRev, tPurchNoVAT, tOutside}

func joinTreatments() string {
	s := make([]string, len(allTreatments))
	for i, t := range allTreatments {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

func (t treatment) purchase() bool { return strings.HasPrefix(string(t), "purchase_") }
func (t treatment) sales() bool    { return strings.HasPrefix(string(t), "sales_") }

// reverseCharge reports whether the buyer calculates the VAT (ML § 46).
func (t treatment) reverseCharge() bool {
	switch t {
	case tPurchEUGoods, tPurchEUServices, tPurchWorldServ, tPurchImport, tPurchDomesticRev:
		return true
	}
	return false
}

// selfAssessedField is the field a reverse-charge purchase's VAT goes to
// (reference § 1.4, § 1.5; § 8 item 10 for domestic reverse charge, where
// the common reading is "Moms af varekøb i udlandet").
func (t treatment) selfAssessedField() fieldKey {
	switch t {
	case tPurchEUServices, tPurchWorldServ:
		return fMomsYdelseskoeb
	}
	return fMomsVarekoeb
}

// rubrik is the information field a treatment's net value goes to, or "".
func (t treatment) rubrik() fieldKey {
	switch t {
	case tSalesEUGoods:
		return fRubrikBVarer
	case tSalesEUGoodsOth:
		return fRubrikBVarerIkk
	case tSalesEUServices:
		return fRubrikBYdelser
	case tSalesZeroRated, tSalesDomRev:
		return fRubrikC
	case tPurchEUGoods:
		return fRubrikAVarer
	case tPurchEUServices:
		return fRubrikAYdelser
	}
	return ""
}

// describe says in words what the treatment does on the return.
func (t treatment) describe() string {
	switch t {
	case tSalesDomestic:
		return "Danish VAT on sales"
	case tSalesEUGoods:
		return "goods to a VAT-registered buyer in another EU country"
	case tSalesEUGoodsOth:
		return "goods to another EU country not on the EU sales list"
	case tSalesEUServices:
		return "services to a business in another EU country (buyer pays the VAT)"
	case tSalesZeroRated:
		return "VAT-free supply (export, ML § 34)"
	case tSalesDomRev:
		return "domestic reverse charge sold (ML § 46 stk. 1 nr. 4, 6-10), the buyer pays the VAT"
	case tSalesExempt:
		return "exempt (ML § 13), not reported"
	case tPurchDomestic:
		return "Danish VAT on a purchase"
	case tPurchEUGoods:
		return "goods bought in another EU country (reverse charge)"
	case tPurchEUServices:
		return "services bought in another EU country (reverse charge)"
	case tPurchWorldServ:
		return "services bought outside the EU (reverse charge)"
	case tPurchImport:
		return "import VAT on goods from outside the EU"
	case tPurchDomesticRev:
		return "domestic reverse charge bought (ML § 46 stk. 1 nr. 4, 6-10)"
	case tPurchNoVAT:
		return "purchase without VAT"
	}
	return "outside the scope of VAT"
}
