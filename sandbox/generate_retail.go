package sandbox

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Retail: a small homeware shop selling mostly to private customers
// (prices include VAT), with a Black Friday bump, a December peak and
// returns in January.

type retailItem struct {
	p         *product
	christmas bool
	weight    float64
}

type retailCatalog struct {
	items    []retailItem
	shipping *product
	giftCard *product
}

func buildRetail(g *gen) {
	goods := g.chart.goods
	cat := &retailCatalog{}
	for _, it := range []struct {
		no, name   string
		gross      int64
		christmas  bool
		popularity float64
	}{
		{"KOP-030", "Kaffekop, stentøj 30 cl", 79, false, 3}, {"TEK-100", "Tekande, sort 1 l", 299, false, 1},
		{"PLD-130", "Uldplaid, grå 130x170", 649, false, 1.5}, {"DUG-145", "Hørdug, natur 145x250", 499, false, 1},
		{"LYS-HAV", "Duftlys, havtorn", 149, false, 3}, {"BRT-EGE", "Skærebræt, eg", 349, false, 1.2},
		{"STG-MES", "Lysestage, messing", 399, false, 1}, {"VAS-GLS", "Vase, mundblæst glas", 449, false, 1},
		{"VSK-002", "Viskestykker, 2 stk.", 99, false, 2.5}, {"PUD-050", "Pudebetræk, velour 50x50", 229, false, 1.5},
		{"KRS-EMA", "Krus, emaljeret", 89, false, 2}, {"KRV-FLT", "Brødkurv, filt", 199, false, 1},
		{"KRK-100", "Opbevaringskrukke, glas 1 l", 129, false, 1.5}, {"HND-070", "Håndklæde, økologisk bomuld", 189, false, 2},
		{"SRV-020", "Servietter, 20 stk.", 39, false, 2}, {"JUL-STJ", "Julestjerne, papir", 179, true, 3},
		{"JUL-KAL", "Kalenderlys, 2 stk.", 69, true, 3}, {"JUL-GLG", "Gløgg-sæt, 4 glas", 249, true, 2},
		{"JUL-NIS", "Nisse, filt 20 cm", 119, true, 2},
	} {
		// Products carry net prices; private customers are invoiced the
		// round gross price (taxMode incl).
		p := g.addProduct(it.no, it.name, "", "stk.", decimal.NewFromInt(it.gross).Mul(dec("0.8")), goods, false)
		cat.items = append(cat.items, retailItem{p: p, christmas: it.christmas, weight: it.popularity})
	}
	cat.shipping = g.addProduct("FRAGT", "Fragt", "Levering med GLS", "stk.", dec("39.2"), goods, false)
	// A gift card is a multi-purpose voucher: VAT falls due when it is
	// redeemed, not when it is sold.
	cat.giftCard = g.addProduct("GAVE-500", "Gavekort 500 kr.", "Gavekort, gyldigt i 3 år", "stk.", dec("500"), g.chart.exempt, false)
	g.o.retail = cat

	for i := 0; i < 55; i++ {
		cu := g.addCustomer(contactOpts{person: true, terms: termsNet, days: 8}, g.payerHabit(0.85, 0.12), 0.5+g.rng.Float64())
		cu.taxMode = taxModeIncl
	}
	for _, ctry := range []string{"SE", "SE", "DE", "DE", "NO", "NO"} {
		ppl := foreignPeople[ctry]
		who := ppl[g.rng.IntN(len(ppl))]
		pl := foreignStreetCity[ctry]
		cu := g.addCustomer(contactOpts{person: true, country: ctry, first: who[0], last: who[1],
			street: fmt.Sprintf("%s %d", pick(g.rng, []string{"Storgatan", "Hauptstraße", "Storgata"}), 1+g.rng.IntN(80)),
			zip:    pl.zip, city: pl.city, terms: termsNet, days: 8}, payerPunctual, 0.3)
		cu.taxMode = taxModeIncl
	}
	for i := 0; i < 7; i++ {
		g.addCustomer(contactOpts{name: danishCompanyName(g.rng), terms: termsNet, days: 30}, g.payerHabit(0.6, 0.3), 0.6)
	}
	for _, fc := range []foreignCompany{foreignCompanies[0], foreignCompanies[4]} {
		g.addCustomer(contactOpts{country: fc.country, name: fc.name, street: fc.street, zip: fc.zip, city: fc.city,
			domain: fc.domain, terms: termsNet, days: 30}, payerPunctual, 0.4)
	}

	monthly := map[time.Month]float64{time.January: 0.75, time.February: 0.7, time.March: 0.85, time.April: 0.9,
		time.May: 1, time.June: 0.95, time.July: 0.8, time.August: 0.9, time.September: 1, time.October: 1.05,
		time.November: 1.4, time.December: 2.6}
	for d := g.start; d.Before(g.anchor); d = d.AddDate(0, 0, 1) {
		f := monthly[d.Month()]
		switch {
		case d.Month() == time.December && d.Day() > 22:
			f = 0.5
		case d.Month() == time.November && d.Day() >= 24:
			f = 2.2 // Black Friday week
		}
		switch d.Weekday() {
		case time.Saturday:
			f *= 1.3
		case time.Sunday:
			f *= 0.8
		}
		credit := 0.04
		if d.Month() == time.December {
			credit = 0.09 // returned presents come back in January
		}
		for n := g.around(2.1 * f); n > 0; n-- {
			cu := g.weighted()
			g.at(d, evIssue, func(day time.Time) {
				g.issue(cu, day, retailLines(g, cu, day), issueOpts{creditRate: credit})
			})
		}
	}
}

func retailLines(g *gen, cu *customer, date time.Time) []lineSpec {
	cat := g.o.retail
	rng := g.rng
	xmas := date.Month() == time.December || date.Month() == time.November && date.Day() > 15
	priceOf := func(p *product) decimal.Decimal {
		net, _ := g.o.productPrice(p, "DKK")
		if cu.taxMode == taxModeIncl && p.SalesTaxRulesetID != g.chart.exempt {
			return round2(net.Mul(dec("1.25")))
		}
		return net
	}
	var lines []lineSpec
	if rng.IntN(40) == 0 {
		lines = append(lines, g.line(cat.giftCard, units(1), priceOf(cat.giftCard), ""))
	}
	n := 1 + rng.IntN(3)
	if cu.c.Type == "company" {
		n += 2
	}
	used := map[*product]bool{}
	for len(lines) < n {
		total := 0.0
		for _, it := range cat.items {
			total += retailWeight(it, xmas)
		}
		u := rng.Float64() * total
		var it retailItem
		for _, x := range cat.items {
			u -= retailWeight(x, xmas)
			if u < 0 {
				it = x
				break
			}
		}
		if it.p == nil || used[it.p] {
			continue
		}
		used[it.p] = true
		qty := units(1)
		if rng.IntN(5) == 0 {
			qty = units(2 + rng.IntN(3))
		}
		if cu.c.Type == "company" {
			qty = units(6 * (1 + rng.IntN(4)))
		}
		l := g.line(it.p, qty, priceOf(it.p), "")
		if date.Month() == time.November && date.Day() >= 24 && date.Day() <= 30 && rng.IntN(2) == 0 {
			mode, v := discountPercentage, dec("20")
			l.DiscountMode, l.DiscountValue, l.DiscountText = &mode, &v, "Black Friday"
		}
		lines = append(lines, l)
	}
	if cu.c.Type == "person" && rng.IntN(10) < 6 {
		lines = append(lines, g.line(cat.shipping, units(1), priceOf(cat.shipping), ""))
	}
	return lines
}

func retailWeight(it retailItem, xmas bool) float64 {
	switch {
	case it.christmas && !xmas:
		return 0
	case it.christmas:
		return it.weight * 2
	}
	return it.weight
}
