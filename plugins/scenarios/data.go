package main

import (
	"fmt"
	"math/rand/v2"
)

// scenario is one business kind's test run: what run_test_scenario creates.
type scenario struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Customers   int    `json:"customers"`
	Products    int    `json:"products"`
	Invoices    int    `json:"invoices"`
	// v1 names the business kinds freelancer, retailBusiness and
	// serviceBusiness; generate_test_data's v1 schema also took retail and
	// service.
	kind string
}

var scenarios = []scenario{
	{ID: "freelancer", Name: "Freelance Web Developer", kind: "freelancer", Customers: 2, Products: 2, Invoices: 1,
		Description: "A one-person web developer: two business customers, hourly and fixed-price services, one draft invoice."},
	{ID: "retailBusiness", Name: "Small Retail Store", kind: "retail", Customers: 3, Products: 4, Invoices: 2,
		Description: "A shop selling home goods: private and business customers, goods with unit prices, two draft invoices."},
	{ID: "serviceBusiness", Name: "Professional Services Firm", kind: "service", Customers: 3, Products: 3, Invoices: 2,
		Description: "An IT consultancy: business customers with payment terms, consulting and support services, two draft invoices."},
}

// scenarioByID finds a scenario by v1's ID or the business kind.
func scenarioByID(id string) (scenario, bool) {
	for _, s := range scenarios {
		if s.ID == id || s.kind == id {
			return s, true
		}
	}
	return scenario{}, false
}

// Customer, Product and InvoiceDraft are generated records, shaped as the
// invoices plugin's create tools take them.
type Customer struct {
	Name             string `json:"name"`
	Type             string `json:"type" jsonschema:"company or person"`
	RegistrationNo   string `json:"registrationNo,omitempty" jsonschema:"CVR number (8 digits, valid check digit)"`
	Street           string `json:"street"`
	ZipcodeText      string `json:"zipcodeText"`
	CityText         string `json:"cityText"`
	Email            string `json:"email"`
	PaymentTermsDays int    `json:"paymentTermsDays"`
}

type Product struct {
	Name      string `json:"name"`
	UnitPrice string `json:"unitPrice" jsonschema:"DKK excluding VAT, a decimal"`
}

type InvoiceDraft struct {
	Customer  int    `json:"customer" jsonschema:"index into customers"`
	EntryDate string `json:"entryDate"`
	Lines     []Line `json:"lines"`
}

type Line struct {
	Product  int `json:"product" jsonschema:"index into products"`
	Quantity int `json:"quantity"`
}

var (
	companyStems = []string{"Nordlys", "Havbrise", "Egeskov", "Fjordvej", "Solsikke", "Lindholm", "Bøgely", "Kystlys", "Skovbryn", "Engblomst"}
	companyKinds = []string{"ApS", "A/S", "I/S", "IVS"}
	firstNames   = []string{"Mette", "Lars", "Sofie", "Jens", "Anne", "Mikkel", "Camilla", "Søren", "Ida", "Rasmus"}
	lastNames    = []string{"Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen"}
	streets      = []string{"Vestergade", "Nørregade", "Søndergade", "Østergade", "Algade", "Strandvejen", "Skolegade"}
	cities       = []struct{ zip, city string }{{"1050", "København K"}, {"8000", "Aarhus C"}, {"5000", "Odense C"}, {"9000", "Aalborg"}, {"6700", "Esbjerg"}, {"4000", "Roskilde"}}
	products     = map[string][]Product{
		"freelancer": {{"Webudvikling, time", "850.00"}, {"Hjemmeside, fast pris", "18500.00"}, {"Hosting, måned", "149.00"}, {"Workshop, halv dag", "4200.00"}},
		"retail":     {{"Uldplaid", "349.00"}, {"Keramikkrus", "89.95"}, {"Duftlys", "129.50"}, {"Hørduge", "279.00"}, {"Skærebræt i eg", "199.00"}, {"Gavekort", "500.00"}},
		"service":    {{"Konsulenttime", "1150.00"}, {"Supportaftale, måned", "2495.00"}, {"Opsætning af netværk", "6800.00"}, {"Kursusdag", "7500.00"}},
	}
)

// cvr makes a CVR number whose modulus-11 check (weights 2,7,6,5,4,3,2,1)
// holds, as real ones do.
func cvr(r *rand.Rand) string {
	weights := []int{2, 7, 6, 5, 4, 3, 2, 1}
	for {
		d := make([]int, 8)
		d[0] = 1 + r.IntN(9)
		for i := 1; i < 7; i++ {
			d[i] = r.IntN(10)
		}
		sum := 0
		for i := 0; i < 7; i++ {
			sum += d[i] * weights[i]
		}
		check := (11 - sum%11) % 11
		if check == 10 {
			continue // no digit makes it valid: draw again
		}
		d[7] = check
		s := ""
		for _, x := range d {
			s += fmt.Sprint(x)
		}
		return s
	}
}

// generate makes kind's records: deterministic for a seed.
func generate(kind string, customers, productCount, invoices int, seed uint64, year int) ([]Customer, []Product, []InvoiceDraft) {
	r := rand.New(rand.NewPCG(seed, uint64(len(kind))))
	var cs []Customer
	for i := range customers {
		c := cities[r.IntN(len(cities))]
		cu := Customer{Street: fmt.Sprintf("%s %d", streets[r.IntN(len(streets))], 1+r.IntN(120)), ZipcodeText: c.zip, CityText: c.city}
		if kind == "retail" && i%2 == 1 {
			first, last := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
			cu.Name, cu.Type, cu.PaymentTermsDays = first+" "+last, "person", 8
			cu.Email = fmt.Sprintf("%s.%s@example.dk", lower(first), lower(last))
		} else {
			stem := companyStems[(r.IntN(len(companyStems))+i)%len(companyStems)]
			cu.Name = stem + " " + companyKinds[r.IntN(len(companyKinds))]
			cu.Type, cu.RegistrationNo, cu.PaymentTermsDays = "company", cvr(r), []int{8, 14, 30}[r.IntN(3)]
			cu.Email = "bogholderi@" + lower(stem) + ".example.dk"
		}
		cs = append(cs, cu)
	}
	catalog := products[kind]
	ps := append([]Product{}, catalog[:min(productCount, len(catalog))]...)
	for i := len(ps); i < productCount; i++ {
		base := catalog[i%len(catalog)]
		ps = append(ps, Product{Name: fmt.Sprintf("%s (%d)", base.Name, i/len(catalog)+1), UnitPrice: base.UnitPrice})
	}
	var ds []InvoiceDraft
	for i := range invoices {
		d := InvoiceDraft{Customer: i % max(len(cs), 1), EntryDate: fmt.Sprintf("%d-%02d-%02d", year, 1+r.IntN(12), 1+r.IntN(28))}
		for j := range 1 + r.IntN(3) {
			d.Lines = append(d.Lines, Line{Product: (i + j) % max(len(ps), 1), Quantity: 1 + r.IntN(10)})
		}
		ds = append(ds, d)
	}
	return cs, ps, ds
}

func lower(s string) string {
	out := []rune{}
	for _, c := range s {
		switch c {
		case 'Æ', 'æ':
			out = append(out, 'a', 'e')
		case 'Ø', 'ø':
			out = append(out, 'o', 'e')
		case 'Å', 'å':
			out = append(out, 'a', 'a')
		default:
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			out = append(out, c)
		}
	}
	return string(out)
}

// jsonNumber sends a decimal price as a JSON number, exactly as written
// (never through a float).
type jsonNumber string

func (n jsonNumber) MarshalJSON() ([]byte, error) { return []byte(n), nil }
