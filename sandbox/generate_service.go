package sandbox

import (
	"time"

	"github.com/shopspring/decimal"
)

// Service: an IT operations company with monthly subscriptions, a
// yearly price increase, EU customers invoiced in EUR under reverse charge,
// and a municipality that needs an EAN number.

type serviceCatalog struct {
	tiers                    []*product
	hosting, backup, licence *product
	support, onboarding      *product
}

func buildService(g *gen) {
	s := g.chart.services
	cat := &serviceCatalog{
		tiers: []*product{
			g.addProduct("DA-B", "Driftsaftale Basis", "Overvågning, opdateringer og support i åbningstiden", "md.", dec("2495"), s, true),
			g.addProduct("DA-P", "Driftsaftale Plus", "Som Basis, plus udvidet support og kvartalsvis gennemgang", "md.", dec("4995"), s, true),
			g.addProduct("DA-X", "Driftsaftale Premium", "Døgnovervågning, fast kontaktperson og beredskab", "md.", dec("9950"), s, true),
		},
		hosting:    g.addProduct("HST-VM", "Hosting, virtuel server", "Virtuel server i dansk datacenter", "md.", dec("895"), s, true),
		backup:     g.addProduct("BCK-01", "Backup-abonnement", "Daglig backup med 90 dages historik", "md.", dec("395"), s, true),
		licence:    g.addProduct("LIC-365", "Microsoft 365-licens", "Business Standard, pr. bruger", "brugere", dec("98"), s, true),
		support:    g.addProduct("SUP-T", "Supporttimer", "Support uden for aftalen", "timer", dec("850"), s, true),
		onboarding: g.addProduct("OPS-01", "Opstartsgebyr", "Opsætning og overtagelse af drift", "stk.", dec("4500"), s, true),
	}
	g.o.service = cat
	rng := g.rng
	newPlan := func(cu *customer) {
		tier := cat.tiers[0]
		switch u := rng.Float64(); {
		case u > 0.85:
			tier = cat.tiers[2]
		case u > 0.5:
			tier = cat.tiers[1]
		}
		cu.plan = []planLine{{tier, units(1)}}
		if rng.IntN(10) < 4 {
			cu.plan = append(cu.plan, planLine{cat.hosting, units(1 + rng.IntN(2))})
		}
		if rng.IntN(2) == 0 {
			cu.plan = append(cu.plan, planLine{cat.backup, units(1)})
		}
		if rng.IntN(10) < 6 {
			cu.plan = append(cu.plan, planLine{cat.licence, units(3 + rng.IntN(23))})
		}
		cu.from = g.start
		if rng.IntN(10) >= 6 {
			cu.from = monthStart(g.start.AddDate(0, 1+rng.IntN(22), 0))
		}
		cu.till = g.anchor.AddDate(1, 0, 0)
		if rng.IntN(8) == 0 {
			cu.till = monthStart(cu.from.AddDate(0, 3+rng.IntN(15), 0))
		}
	}
	for i := 0; i < 25; i++ {
		terms, days := termsNet, 14
		if i%5 == 4 {
			terms, days = termsNetEndOfMonth, 15
		}
		cu := g.addCustomer(contactOpts{name: danishCompanyName(rng), terms: terms, days: days}, g.payerHabit(0.6, 0.3), 1)
		newPlan(cu)
	}
	muni := g.addCustomer(contactOpts{name: "Vejle Kommune", street: "Skolegade 1", zip: "7100", city: "Vejle",
		domain: "vejle.dk", ean: randomEAN(rng), terms: termsNet, days: 30}, payerSlow, 1)
	newPlan(muni)
	for _, fc := range []foreignCompany{foreignCompanies[1], foreignCompanies[3], foreignCompanies[4], foreignCompanies[5], foreignCompanies[6]} {
		cu := g.addCustomer(contactOpts{country: fc.country, name: fc.name, street: fc.street, zip: fc.zip, city: fc.city,
			domain: fc.domain, currency: "EUR", terms: termsNet, days: 30}, g.payerHabit(0.7, 0.3), 1)
		newPlan(cu)
	}
	no := foreignCompanies[7]
	cu := g.addCustomer(contactOpts{country: no.country, name: no.name, street: no.street, zip: no.zip, city: no.city,
		domain: no.domain, currency: "EUR", terms: termsNet, days: 30}, payerPunctual, 1)
	newPlan(cu)
	gb := foreignCompanies[8]
	cu = g.addCustomer(contactOpts{country: gb.country, name: gb.name, street: gb.street, zip: gb.zip, city: gb.city,
		domain: gb.domain, currency: "GBP", terms: termsNet, days: 30}, payerSlow, 1)
	newPlan(cu)

	for m := monthStart(g.start); m.Before(g.anchor); m = m.AddDate(0, 1, 0) {
		for _, cu := range g.custs {
			if m.Before(cu.from) || !m.Before(cu.till) {
				continue
			}
			cu := cu
			g.at(m, evIssue, func(d time.Time) {
				g.issue(cu, d, serviceLines(g, cu, d), issueOpts{creditRate: 0.015, message: "Abonnement for " + monthName(d) + "."})
			})
		}
	}
}

func serviceLines(g *gen, cu *customer, date time.Time) []lineSpec {
	cat := g.o.service
	// Prices rise 3 % every January, rounded to whole units.
	years := date.Year() - g.start.Year()
	index, _ := dec("1.03").PowInt32(int32(years)) // exact for a whole exponent
	price := func(p *product) decimal.Decimal { return g.priceFor(p, cu.currency).Mul(index).Round(0) }
	var lines []lineSpec
	if monthStart(date).Equal(cu.from) && !cu.from.Equal(g.start) {
		lines = append(lines, g.line(cat.onboarding, units(1), price(cat.onboarding), ""))
	}
	for _, pl := range cu.plan {
		lines = append(lines, g.line(pl.product, pl.quantity, price(pl.product), pl.product.Name+", "+monthName(date)))
	}
	if g.rng.IntN(20) < 7 {
		lines = append(lines, g.line(cat.support, units(1+g.rng.IntN(12)).Div(decimal.NewFromInt(2)), price(cat.support), ""))
	}
	return lines
}
