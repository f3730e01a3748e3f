package moms

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// Billy exposes no return figures (billy-api.md §7.5: /vatReports is 404),
// so the return is computed from the books, and that needs to know where
// each of Billy's tax rates and accounts lands on it. Billy's predefined
// Danish tax-rate names and tags are unconfirmed (§11 item 8), so the
// placement is, in order: the operator's config (tax_rates, accounts), the
// rate's predefinedTag and names read for the Danish (and English) words
// Billy and the sandbox use, and the rate's own figures. What none of them
// places is reported, never guessed: the return says it is incomplete and
// names the rate and the config key that places it.

// rateClass is where one tax rate's lines land.
type rateClass struct {
	Treatment treatment
	// Deductible is the deductible share of a purchase's VAT, a fraction:
	// 1, 0.25 for restaurant meals (ML § 42 stk. 2), 0 for representation
	// and gifts (§ 42 stk. 1 nr. 5), a pro-rata share (§ 38).
	Deductible decimal.Decimal
	// Source says how the placement was made, for the evidence.
	Source string
}

// side is the side of the books a document is on.
type side int

const (
	sideSales side = iota
	sidePurchase
)

func (s side) String() string {
	if s == sideSales {
		return "sales"
	}
	return "purchase"
}

var (
	share25 = decimal.RequireFromString("0.25")
	// reDeductiblePct reads "50 % fradrag" or "50% deductible" in a rate's
	// name or description.
	// reGifts finds gifts as a word ("gaver", "gifts"), not inside another
	// ("udgifter").
	reGifts         = regexp.MustCompile(`(^|[^\p{L}])(gave|gaver|gift|gifts)([^\p{L}]|$)`)
	reDeductiblePct = regexp.MustCompile(`(\d{1,3}(?:[.,]\d+)?)\s*%\s*(?:fradrag|deductible)`)
)

// classifyTaxRate places a tax rate used on a document of the given side.
// ok is false when nothing places it.
func classifyTaxRate(tr taxRate, sd side, cfg *settings) (rateClass, bool) {
	for _, key := range []string{tr.ID, tr.Name, tr.Abbreviation} {
		if key == "" {
			continue
		}
		if c, ok := cfg.taxRates[strings.ToLower(strings.TrimSpace(key))]; ok {
			if (sd == sideSales && c.Treatment.purchase()) || (sd == sidePurchase && c.Treatment.sales()) {
				return rateClass{}, false
			}
			return c, true
		}
	}
	text := strings.ToLower(strings.Join([]string{tr.PredefinedTag, tr.Name, tr.Abbreviation, tr.Description}, " | "))
	rate := tr.Rate.Dec()
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(text, w) {
				return true
			}
		}
		return false
	}
	outsideEU := has("uden for eu", "udenfor eu", "non-eu", "non_eu", "world", "tredjeland", "outside the eu")
	eu := !outsideEU && has("eu", "udland")
	goods := has("vare", "goods")
	services := has("ydelse", "service")
	domesticReverse := has("indenlandsk omvendt", "domestic reverse", "domestic_reverse", "§ 46 stk. 1 nr. 6", "skrot", "scrap")
	cls := func(t treatment, src string) (rateClass, bool) {
		return rateClass{Treatment: t, Deductible: decOne, Source: src}, true
	}
	if sd == sideSales {
		switch {
		case domesticReverse:
			return cls(tSalesDomRev, "the rate's name: domestic reverse charge (ML § 46 stk. 1 nr. 6-10), the seller reports rubrik C")
		case eu && goods && has("fjernsalg", "distance", "montage", "montering", "install", "ikke eu-salgsangivelse", "ikke eu-salg uden moms", "not on the eu sales list", "nye transportmidler", "new means of transport"):
			return cls(tSalesEUGoodsOth, "the rate's name: EU goods not on the EU sales list")
		case eu && goods:
			return cls(tSalesEUGoods, "the rate's name: EU goods")
		case eu && services:
			return cls(tSalesEUServices, "the rate's name: EU services")
		case has("momsfri", "fritaget", "exempt", "§ 13"):
			return cls(tSalesExempt, "the rate's name: exempt")
		case outsideEU || has("eksport", "export"):
			return cls(tSalesZeroRated, "the rate's name: export outside the EU")
		case rate.Equal(vatRate25) && !eu:
			return cls(tSalesDomestic, "the rate: 25 % on sales")
		}
		return rateClass{}, false
	}
	switch {
	case has("restaurant", "restauration", "bespisning"):
		return rateClass{Treatment: tPurchDomestic, Deductible: share25, Source: "the rate's name: restaurant, 25 % deductible (ML § 42 stk. 2)"}, true
	case has("repræsentation", "representation") || reGifts.MatchString(text):
		return rateClass{Treatment: tPurchDomestic, Deductible: decZero, Source: "the rate's name: representation or gifts, not deductible (ML § 42 stk. 1 nr. 5)"}, true
	case domesticReverse:
		return cls(tPurchDomesticRev, "the rate's name: domestic reverse charge (ML § 46 stk. 1 nr. 6-10)")
	case has("import"):
		return cls(tPurchImport, "the rate's name: import VAT")
	case outsideEU && services:
		return cls(tPurchWorldServ, "the rate's name: services bought outside the EU")
	case eu && goods:
		return cls(tPurchEUGoods, "the rate's name: EU goods purchase")
	case eu && services:
		return cls(tPurchEUServices, "the rate's name: EU services purchase")
	case has("momsfri", "uden moms", "exempt", "no vat", "no_vat"):
		return cls(tPurchNoVAT, "the rate's name: no VAT")
	case rate.Equal(vatRate25) && !eu && !outsideEU:
		c, _ := cls(tPurchDomestic, "the rate: 25 % on purchases")
		if share, ok := componentShare(tr); ok {
			c.Deductible = share
			c.Source += fmt.Sprintf(", %s %% deductible (its deduction components)", plain(share.Mul(decHundred)))
		} else if m := reDeductiblePct.FindStringSubmatch(text); m != nil {
			// No components to read: a custom rate named for its share,
			// such as "Købsmoms, 50 % fradrag".
			if p, err := decimal.NewFromString(strings.ReplaceAll(m[1], ",", ".")); err == nil && !p.GreaterThan(decHundred) {
				c.Deductible = deductibleShare(p)
				c.Source += fmt.Sprintf(", %s %% deductible (the rate's name)", plain(c.Deductible.Mul(decHundred)))
			}
		}
		return c, true
	}
	return rateClass{}, false
}

// componentShare reads a partly deductible rate's deductible share from its
// deduction components, the has-many Billy documents "for partly
// deductible VAT" (billy-api.md §7.5). Their shape beyond a share is not
// documented; a share above 1 is read as a percentage.
func componentShare(tr taxRate) (decimal.Decimal, bool) {
	if len(tr.DeductionComponents) == 0 {
		return decimal.Decimal{}, false
	}
	sum := decZero
	found := false
	for _, c := range tr.DeductionComponents {
		if c.Share == nil {
			continue
		}
		s := c.Share.Dec()
		if s.GreaterThan(decOne) {
			s = pct(s)
		}
		sum = sum.Add(s)
		found = true
	}
	if !found || sum.IsNegative() || sum.GreaterThan(decOne) {
		return decimal.Decimal{}, false
	}
	return sum, true
}

// accountField says which VAT or duty field an account carries, if any;
// settlement is true for the VAT settlement account (momsafregning), whose
// postings move the period's balances and are not part of any field.
func accountField(a account, cfg *settings) (f fieldKey, settlement bool, ok bool) {
	if k, ok := cfg.accounts[strconv.Itoa(a.AccountNo)]; ok && a.AccountNo != 0 {
		return k, false, true
	}
	if k, ok := cfg.accounts[a.ID]; ok {
		return k, false, true
	}
	n := strings.ToLower(a.Name)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(n, w) {
				return true
			}
		}
		return false
	}
	switch {
	case has("momsafregning", "afregning moms", "momsafregningskonto", "moms, afregning"):
		return "", true, false
	case has("moms af varekøb", "udlandsmoms varer", "eu-varekøb", "moms af eu-varekøb"):
		return fMomsVarekoeb, false, true
	case has("moms af ydelseskøb", "udlandsmoms ydelser", "moms af eu-ydelser"):
		return fMomsYdelseskoeb, false, true
	case has("salgsmoms", "udgående moms"):
		return fSalgsmoms, false, true
	case has("købsmoms", "indgående moms"):
		return fKoebsmoms, false, true
	case has("olie- og flaskegas", "olieafgift", "flaskegasafgift"):
		return fOlie, false, true
	case has("elafgift"):
		return fEl, false, true
	case has("naturgas", "bygas"):
		return fNaturgas, false, true
	case has("kulafgift"):
		return fKul, false, true
	case has("co2-afgift", "co2 afgift", "co₂-afgift"):
		return fCO2, false, true
	case has("vandafgift"):
		return fVand, false, true
	}
	return "", false, false
}
