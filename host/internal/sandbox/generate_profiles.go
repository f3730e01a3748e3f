package sandbox

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// profile is what makes one business kind's history look like that kind.
type profile struct {
	orgName        func(rng *rand.Rand, first, last string) string
	vatPeriod      string
	firstInvoiceNo int
	termsDays      int
	eurAccount     bool // has a EUR bank account
	goods          bool // sells goods rather than services by default
	drafts         int
	build          func(g *gen)
	lines          func(g *gen, cu *customer, date time.Time) []lineSpec
}

var profiles = map[string]profile{
	BusinessFreelancer: {
		orgName: func(rng *rand.Rand, first, last string) string {
			return pick(rng, []string{first + " " + last + " Rådgivning", "Studio " + last, first + " " + last + " IT-konsulent", last + " Digital"})
		},
		vatPeriod: "semianually", firstInvoiceNo: 1, termsDays: 14, drafts: 2,
		build: buildFreelancer, lines: freelancerLines,
	},
	BusinessRetail: {
		orgName: func(rng *rand.Rand, first, last string) string {
			return pick(rng, []string{"Nordisk Hjem ApS", "Lys & Læder ApS", "Kaffe & Keramik ApS", "Hygge Boligudstyr ApS"})
		},
		vatPeriod: "quarterly", firstInvoiceNo: 10001, termsDays: 8, goods: true, drafts: 3,
		build: buildRetail, lines: retailLines,
	},
	BusinessService: {
		orgName: func(rng *rand.Rand, first, last string) string {
			return pick(rng, []string{last + " IT-drift ApS", "Driftig IT ApS", "Nordlys Hosting ApS", "Klar Server & Support ApS"})
		},
		vatPeriod: "quarterly", firstInvoiceNo: 2401, termsDays: 14, eurAccount: true, drafts: 3,
		build: buildService, lines: serviceLines,
	},
}

var danishMonths = []string{"januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "december"}

func monthName(t time.Time) string { return fmt.Sprintf("%s %d", danishMonths[t.Month()-1], t.Year()) }

func monthStart(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// lastWeekday is the last Monday–Friday of t's month.
func lastWeekday(t time.Time) time.Time {
	d := monthStart(t).AddDate(0, 1, -1)
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.AddDate(0, 0, -1)
	}
	return d
}

// priceFor is a product's price in a currency: its own price list, or the
// DKK price converted.
func (g *gen) priceFor(p *product, cur string) float64 {
	if v, ok := g.o.productPrice(p, cur); ok {
		return v
	}
	dkk, _ := g.o.productPrice(p, "DKK")
	return foreignPrice(dkk, cur)
}

func (g *gen) line(p *product, qty float64, price float64, desc string) lineSpec {
	l := lineSpec{ProductID: p.ID, Quantity: &qty, UnitPrice: &price}
	if desc != "" {
		l.Description = &desc
	}
	return l
}

// --- Freelancer: a consultant with a handful of customers, billing hours
// at the end of each month; quiet in July.

type freelancerCatalog struct{ hours, senior, workshop, travel, mileage, material *product }

func buildFreelancer(g *gen) {
	s := g.chart.services
	cat := &freelancerCatalog{
		hours:    g.addProduct("K100", "Konsulenttimer", "Rådgivning og udvikling", "timer", 950, s, true),
		senior:   g.addProduct("K200", "Seniorrådgivning", "Arkitektur og sparring", "timer", 1250, s, true),
		workshop: g.addProduct("W100", "Workshop, halv dag", "Workshop inkl. forberedelse", "stk.", 6500, s, true),
		travel:   g.addProduct("R100", "Rejsetid", "Rejsetid", "timer", 475, s, true),
		mileage:  g.addProduct("R200", "Kørsel", "Kørsel i egen bil", "km", 3.79, s, true),
		material: g.addProduct("M100", "Kursusmateriale", "Trykt kursusmateriale", "stk.", 350, g.chart.goods, true),
	}
	g.o.freelancer = cat
	for i := 0; i < 7; i++ {
		terms, days := termsNet, pick(g.rng, []int{14, 14, 30})
		if i%4 == 3 {
			terms, days = termsNetEndOfMonth, 30
		}
		g.addCustomer(contactOpts{name: danishCompanyName(g.rng), terms: terms, days: days},
			g.payerHabit(0.6, 0.3), 0.5+g.rng.Float64())
	}
	se := foreignCompanies[2]
	g.addCustomer(contactOpts{country: se.country, name: se.name, street: se.street, zip: se.zip, city: se.city,
		domain: se.domain, currency: "EUR", terms: termsNet, days: 30}, payerPunctual, 0.9)
	us := foreignCompanies[9]
	g.addCustomer(contactOpts{country: us.country, name: us.name, street: us.street, zip: us.zip, city: us.city,
		domain: us.domain, currency: "USD", terms: termsNet, days: 30}, payerSlow, 0.4)

	season := map[time.Month]float64{time.July: 0.25, time.August: 0.8, time.December: 0.7}
	for m := monthStart(g.start); m.Before(g.anchor); m = m.AddDate(0, 1, 0) {
		date := lastWeekday(m)
		f, ok := season[m.Month()]
		if !ok {
			f = 1
		}
		for _, cu := range g.custs {
			if g.rng.Float64() < 0.55*cu.weight*f {
				cu := cu
				g.at(date, evIssue, func(d time.Time) {
					g.issue(cu, d, freelancerLines(g, cu, d), issueOpts{creditRate: 0.03})
				})
			}
		}
	}
}

func freelancerLines(g *gen, cu *customer, date time.Time) []lineSpec {
	cat := g.o.freelancer
	rng := g.rng
	main := cat.hours
	if cu.weight > 1.2 {
		main = cat.senior
	}
	var lines []lineSpec
	if rng.IntN(12) == 0 {
		lines = append(lines, g.line(cat.workshop, 1, g.priceFor(cat.workshop, cu.currency), ""))
		if rng.IntN(2) == 0 {
			n := float64(8 + rng.IntN(12))
			lines = append(lines, g.line(cat.material, n, g.priceFor(cat.material, cu.currency), ""))
		}
	}
	hours := float64(12+rng.IntN(170)) / 4
	lines = append(lines, g.line(main, hours, g.priceFor(main, cu.currency), main.Description+", "+monthName(date)))
	if cu.c.CountryID == "DK" && rng.IntN(5) == 0 {
		lines = append(lines, g.line(cat.travel, float64(2+rng.IntN(5)), g.priceFor(cat.travel, cu.currency), ""))
		if rng.IntN(2) == 0 {
			lines = append(lines, g.line(cat.mileage, float64(40+rng.IntN(260)), g.priceFor(cat.mileage, cu.currency), ""))
		}
	}
	return lines
}

// --- Retail: a small homeware shop selling mostly to private customers
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
		gross      float64
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
		p := g.addProduct(it.no, it.name, "", "stk.", it.gross*0.8, goods, false)
		cat.items = append(cat.items, retailItem{p: p, christmas: it.christmas, weight: it.popularity})
	}
	cat.shipping = g.addProduct("FRAGT", "Fragt", "Levering med GLS", "stk.", 39.2, goods, false)
	// A gift card is a multi-purpose voucher: VAT falls due when it is
	// redeemed, not when it is sold.
	cat.giftCard = g.addProduct("GAVE-500", "Gavekort 500 kr.", "Gavekort, gyldigt i 3 år", "stk.", 500, g.chart.exempt, false)
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
	priceOf := func(p *product) float64 {
		net, _ := g.o.productPrice(p, "DKK")
		if cu.taxMode == taxModeIncl && p.SalesTaxRulesetID != g.chart.exempt {
			return math.Round(net*1.25*100) / 100
		}
		return net
	}
	var lines []lineSpec
	if rng.IntN(40) == 0 {
		lines = append(lines, g.line(cat.giftCard, 1, priceOf(cat.giftCard), ""))
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
		qty := 1.0
		if rng.IntN(5) == 0 {
			qty = float64(2 + rng.IntN(3))
		}
		if cu.c.Type == "company" {
			qty = float64(6 * (1 + rng.IntN(4)))
		}
		l := g.line(it.p, qty, priceOf(it.p), "")
		if date.Month() == time.November && date.Day() >= 24 && date.Day() <= 30 && rng.IntN(2) == 0 {
			mode, v := discountPercentage, 20.0
			l.DiscountMode, l.DiscountValue, l.DiscountText = &mode, &v, "Black Friday"
		}
		lines = append(lines, l)
	}
	if cu.c.Type == "person" && rng.IntN(10) < 6 {
		lines = append(lines, g.line(cat.shipping, 1, priceOf(cat.shipping), ""))
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

// --- Service: an IT operations company with monthly subscriptions, a
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
			g.addProduct("DA-B", "Driftsaftale Basis", "Overvågning, opdateringer og support i åbningstiden", "md.", 2495, s, true),
			g.addProduct("DA-P", "Driftsaftale Plus", "Som Basis, plus udvidet support og kvartalsvis gennemgang", "md.", 4995, s, true),
			g.addProduct("DA-X", "Driftsaftale Premium", "Døgnovervågning, fast kontaktperson og beredskab", "md.", 9950, s, true),
		},
		hosting:    g.addProduct("HST-VM", "Hosting, virtuel server", "Virtuel server i dansk datacenter", "md.", 895, s, true),
		backup:     g.addProduct("BCK-01", "Backup-abonnement", "Daglig backup med 90 dages historik", "md.", 395, s, true),
		licence:    g.addProduct("LIC-365", "Microsoft 365-licens", "Business Standard, pr. bruger", "brugere", 98, s, true),
		support:    g.addProduct("SUP-T", "Supporttimer", "Support uden for aftalen", "timer", 850, s, true),
		onboarding: g.addProduct("OPS-01", "Opstartsgebyr", "Opsætning og overtagelse af drift", "stk.", 4500, s, true),
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
		cu.plan = []planLine{{tier, 1}}
		if rng.IntN(10) < 4 {
			cu.plan = append(cu.plan, planLine{cat.hosting, float64(1 + rng.IntN(2))})
		}
		if rng.IntN(2) == 0 {
			cu.plan = append(cu.plan, planLine{cat.backup, 1})
		}
		if rng.IntN(10) < 6 {
			cu.plan = append(cu.plan, planLine{cat.licence, float64(3 + rng.IntN(23))})
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
	index := math.Pow(1.03, float64(years))
	price := func(p *product) float64 { return math.Round(g.priceFor(p, cu.currency) * index) }
	var lines []lineSpec
	if monthStart(date).Equal(cu.from) && !cu.from.Equal(g.start) {
		lines = append(lines, g.line(cat.onboarding, 1, price(cat.onboarding), ""))
	}
	for _, pl := range cu.plan {
		lines = append(lines, g.line(pl.product, pl.quantity, price(pl.product), pl.product.Name+", "+monthName(date)))
	}
	if g.rng.IntN(20) < 7 {
		lines = append(lines, g.line(cat.support, float64(1+g.rng.IntN(12))/2, price(cat.support), ""))
	}
	return lines
}
