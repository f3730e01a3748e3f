package sandbox

import (
	"time"

	"github.com/shopspring/decimal"
)

// Freelancer: a consultant with a handful of customers, billing hours
// at the end of each month; quiet in July.

type freelancerCatalog struct{ hours, senior, workshop, travel, mileage, material *product }

func buildFreelancer(g *gen) {
	s := g.chart.services
	cat := &freelancerCatalog{
		hours:    g.addProduct("K100", "Konsulenttimer", "Rådgivning og udvikling", "timer", dec("950"), s, true),
		senior:   g.addProduct("K200", "Seniorrådgivning", "Arkitektur og sparring", "timer", dec("1250"), s, true),
		workshop: g.addProduct("W100", "Workshop, halv dag", "Workshop inkl. forberedelse", "stk.", dec("6500"), s, true),
		travel:   g.addProduct("R100", "Rejsetid", "Rejsetid", "timer", dec("475"), s, true),
		mileage:  g.addProduct("R200", "Kørsel", "Kørsel i egen bil", "km", dec("3.79"), s, true),
		material: g.addProduct("M100", "Kursusmateriale", "Trykt kursusmateriale", "stk.", dec("350"), g.chart.goods, true),
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
		lines = append(lines, g.line(cat.workshop, units(1), g.priceFor(cat.workshop, cu.currency), ""))
		if rng.IntN(2) == 0 {
			n := units(8 + rng.IntN(12))
			lines = append(lines, g.line(cat.material, n, g.priceFor(cat.material, cu.currency), ""))
		}
	}
	hours := units(12 + rng.IntN(170)).Div(decimal.NewFromInt(4))
	lines = append(lines, g.line(main, hours, g.priceFor(main, cu.currency), main.Description+", "+monthName(date)))
	if cu.c.CountryID == "DK" && rng.IntN(5) == 0 {
		lines = append(lines, g.line(cat.travel, units(2+rng.IntN(5)), g.priceFor(cat.travel, cu.currency), ""))
		if rng.IntN(2) == 0 {
			lines = append(lines, g.line(cat.mileage, units(40+rng.IntN(260)), g.priceFor(cat.mileage, cu.currency), ""))
		}
	}
	return lines
}
