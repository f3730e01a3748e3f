package sandbox

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/shopspring/decimal"
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
func (g *gen) priceFor(p *product, cur string) decimal.Decimal {
	if v, ok := g.o.productPrice(p, cur); ok {
		return v
	}
	dkk, _ := g.o.productPrice(p, "DKK")
	return foreignPrice(dkk, cur)
}

func (g *gen) line(p *product, qty, price decimal.Decimal, desc string) lineSpec {
	l := lineSpec{ProductID: p.ID, Quantity: &qty, UnitPrice: &price}
	if desc != "" {
		l.Description = &desc
	}
	return l
}
