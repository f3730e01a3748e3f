package sandbox

import (
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// The generator builds one organization's history by replaying it: it
// creates contacts and products, then issues, credits, pays and voids
// invoices in date order through the same operations the API uses, so
// amounts, balances, numbering and the ledger are consistent by
// construction. It is a pure function of the seed, the business kind and
// the anchor day: every random draw comes from one seeded source, consumed
// in a fixed order.
//
// History runs for two years up to the day before the anchor, so every
// generated timestamp is in the past when the sandbox starts.

// Payer habits.
const (
	payerPunctual = iota
	payerSlow
	payerBad
)

// customer is a contact plus how it buys and pays.
type customer struct {
	c        *contact
	person   *contactPerson
	payer    int
	currency string
	taxMode  string
	weight   float64
	// service contracts: monthly lines and the months they run
	plan       []planLine
	from, till time.Time
}

type planLine struct {
	product  *product
	quantity decimal.Decimal
}

type gen struct {
	rng      *rand.Rand
	o        *orgState
	chart    chartIDs
	kind     string
	start    time.Time // first day of history
	anchor   time.Time // the sandbox's "today"; history ends the day before
	queue    eventQueue
	seq      int
	cvrs     map[string]bool
	custs    []*customer
	byID     map[string]*customer
	ch       *changes // nil: generator writes are not reported anywhere
	eurBank  string
	issued   int          // invoices issued so far
	voids    map[int]bool // which of them turn out to be mistakes
	creditAt int          // one that is surely credited
	books    *booksGen    // purchases, daybook entries and VAT returns (generate_books.go)

	dutyAccrued map[string]int64 // refundable energy duty of the current VAT period, øre by salesTaxAccount type
	daybookNo   int              // the last daybook voucher number
}

// generate builds the organization of one business kind.
func generate(seed int64, kind string, anchor time.Time) *orgState {
	rng := rand.New(rand.NewPCG(uint64(seed), hashString("billy-mcp sandbox "+kind)))
	o := newOrgState(kind, newIDGen(rng.Uint64(), rng.Uint64()))
	g := &gen{rng: rng, o: o, kind: kind, anchor: anchor, start: anchor.AddDate(-2, 0, 0),
		cvrs: map[string]bool{}, byID: map[string]*customer{}}
	// One early invoice is always a mistake that gets voided, and perhaps a
	// later one too.
	g.voids = map[int]bool{5 + rng.IntN(30): true, 60 + rng.IntN(400): true}
	g.creditAt = 3 + rng.IntN(20)
	p := profiles[kind]
	g.organization(p)
	g.chart = o.seedChart(p.eurAccount)
	// The books' records draw their IDs and dice from sources of their
	// own, so that the invoicing history (and the IDs of records a client
	// creates later) are what they were before the sandbox had books.
	g.books = newBooksGen(seed, kind, o)
	g.books.with(func() { o.seedBooksChart(&g.chart) })
	o.org.DefaultInvoiceBankAccountID = o.bankAccountID
	o.org.DefaultBillBankAccountID = o.bankAccountID
	o.org.DefaultSalesAccountID = g.chart.accounts[1110]
	o.org.DefaultBankFeeAccountID = o.feeAccountID
	o.org.DefaultSalesTaxRulesetID = g.chart.services
	if p.goods {
		o.org.DefaultSalesTaxRulesetID = g.chart.goods
	}
	if p.eurAccount {
		g.eurBank = g.chart.accounts[eurBankSeed.no]
	}
	p.build(g)
	g.run()
	g.drafts(p.drafts)
	// The books come after the invoicing history, so that it and its
	// transaction numbers are what they were before the sandbox had
	// books; the books' transactions are numbered after it.
	g.books.run(g)
	return o
}

// organization creates the organization record.
func (g *gen) organization(p profile) {
	rng := g.rng
	first, last := pick(rng, firstNames), pick(rng, lastNames)
	name := p.orgName(rng, first, last)
	pl := pick(rng, danishPlaces)
	cvr := g.newCVR()
	created := g.start.AddDate(0, 0, -30-rng.IntN(300))
	fy := time.Date(created.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	g.o.org = &orgRecord{
		ID: g.o.ids.next(), OwnerUserID: "", CreatedTime: fmtDatetime(created.Add(10 * time.Hour)),
		Name: name, URL: "https://" + slug(name) + ".dk", Street: danishStreet(rng), Zipcode: pl.zip, City: pl.city,
		CountryID: "DK", Phone: danishPhone(rng), Email: "faktura@" + slug(name) + ".dk", RegistrationNo: cvr,
		BaseCurrencyID: "DKK", LocaleID: "da_DK", FiscalYearEndMonth: 12,
		FirstFiscalYearStart: fmtDate(fy), FirstFiscalYearEnd: fmtDate(fy.AddDate(1, 0, -1)),
		// Guess: invoiceNoMode's values are unknown (billy-api.md §7.1).
		HasVat: true, VatPeriod: p.vatPeriod, InvoiceNoMode: "automatic", NextInvoiceNo: p.firstInvoiceNo,
		PaymentTermsMode: termsNet, PaymentTermsDays: p.termsDays, DefaultTaxMode: taxModeExcl,
		EmailAttachmentDeliveryMode: "link", SubscriptionPeriod: "yearly",
	}
	g.o.org.OwnerUserID = ownerUserID(g.o.org)
}

func (g *gen) newCVR() string {
	for {
		c := randomCVR(g.rng)
		if !g.cvrs[c] {
			g.cvrs[c] = true
			return c
		}
	}
}

// addProduct creates a product with a DKK price and, for organizations that
// invoice in EUR, a EUR price.
func (g *gen) addProduct(no, name, desc, unit string, price decimal.Decimal, ruleset string, eur bool) *product {
	o := g.o
	p := &product{ID: o.ids.next(), OrganizationID: o.org.ID, CreatedTime: fmtDatetime(g.start.AddDate(0, 0, -20).Add(9 * time.Hour)),
		Name: name, Description: desc, ProductNo: no, AccountID: g.chart.accounts[1110], SalesTaxRulesetID: ruleset, unit: unit}
	o.products.add(p.ID, p)
	prices := []*productPrice{{ID: o.ids.next(), OrganizationID: o.org.ID, ProductID: p.ID, UnitPrice: numberOf(price), CurrencyID: "DKK"}}
	if eur {
		prices = append(prices, &productPrice{ID: o.ids.next(), OrganizationID: o.org.ID, ProductID: p.ID,
			UnitPrice: numberOf(foreignPrice(price, "EUR")), CurrencyID: "EUR"})
	}
	o.attachPrices(p, prices, g.ch)
	return p
}

// foreignPrice converts a DKK list price to a price in another currency,
// rounded to half units.
func foreignPrice(dkk decimal.Decimal, cur string) decimal.Decimal {
	c, _ := currencyByID(cur)
	return divRound(dkk.Mul(decimal.NewFromInt(2)), c.ExchangeRate.v, 0).Div(decimal.NewFromInt(2))
}

// contactOpts describes a customer to create.
type contactOpts struct {
	person         bool
	country        string
	name           string
	street         string
	zip, city      string
	domain         string
	first, last    string
	ean            string
	terms          string
	days           int
	currency       string
	exempt         bool
	registrationNo string
}

// addCustomer creates a contact with its primary contact person (an e-mail
// recipient is needed to send invoices).
func (g *gen) addCustomer(opt contactOpts, payer int, weight float64) *customer {
	o, rng := g.o, g.rng
	if opt.first == "" {
		opt.first, opt.last = pick(rng, firstNames), pick(rng, lastNames)
	}
	if opt.country == "" {
		opt.country = "DK"
	}
	if opt.street == "" {
		pl := pick(rng, danishPlaces)
		opt.street, opt.zip, opt.city = danishStreet(rng), pl.zip, pl.city
	}
	typ := "company"
	if opt.person {
		typ = "person"
		opt.name = opt.first + " " + opt.last
	}
	created := g.start.AddDate(0, 0, -rng.IntN(400)).Add(time.Duration(8+rng.IntN(9)) * time.Hour)
	c := &contact{ID: o.ids.next(), OrganizationID: o.org.ID, CreatedTime: fmtDatetime(created), Type: typ,
		Name: opt.name, CountryID: opt.country, Street: opt.street, CityText: opt.city, ZipcodeText: opt.zip,
		ContactNo: strconv.Itoa(o.nextContactNo), Phone: "", LocaleID: "da_DK", IsCustomer: true,
		PaymentTermsMode: opt.terms, PaymentTermsDays: opt.days, AccessCode: accessCode(o.ids),
		EmailAttachmentDeliveryMode: "link", EAN: opt.ean, IsSalesTaxExempt: opt.exempt}
	o.nextContactNo++
	if c.PaymentTermsMode == "" {
		c.PaymentTermsMode, c.PaymentTermsDays = o.org.PaymentTermsMode, o.org.PaymentTermsDays
	}
	if opt.country == "DK" {
		c.Phone = danishPhone(rng)
		if !opt.person {
			c.RegistrationNo = g.newCVR()
		}
	} else {
		c.LocaleID = "en_US"
		if ctry, ok := countryByID(opt.country); ok {
			c.LocaleID = ctry.LocaleID
		}
		if !opt.person {
			c.RegistrationNo = randomVATNo(rng, opt.country)
		}
	}
	if opt.registrationNo != "" {
		c.RegistrationNo = opt.registrationNo
	}
	if opt.currency != "" && opt.currency != "DKK" {
		c.CurrencyID = strp(opt.currency)
	}
	o.contacts.add(c.ID, c)
	domain := opt.domain
	if domain == "" {
		domain = slug(opt.name) + ".dk"
		if opt.person {
			domain = pick(rng, []string{"gmail.com", "hotmail.com", "outlook.dk", "mail.dk", "live.dk"})
		}
	}
	p := &contactPerson{ID: o.ids.next(), OrganizationID: o.org.ID, ContactID: c.ID, CreatedTime: c.CreatedTime,
		IsPrimary: true, Name: opt.first + " " + opt.last, Email: emailLocal(opt.first, opt.last) + "@" + domain}
	if !opt.person && rng.IntN(3) == 0 {
		p.Email = "bogholderi@" + domain
	}
	o.attachPersons(c, []*contactPerson{p}, g.ch)
	cu := &customer{c: c, person: p, payer: payer, currency: "DKK", taxMode: taxModeExcl, weight: weight}
	if opt.currency != "" {
		cu.currency = opt.currency
	}
	g.custs = append(g.custs, cu)
	g.byID[c.ID] = cu
	return cu
}

// payerHabit draws punctual, slow or bad with the given shares.
func (g *gen) payerHabit(punctual, slow float64) int {
	u := g.rng.Float64()
	switch {
	case u < punctual:
		return payerPunctual
	case u < punctual+slow:
		return payerSlow
	}
	return payerBad
}

// weighted picks a customer in proportion to its weight.
func (g *gen) weighted() *customer {
	total := 0.0
	for _, c := range g.custs {
		total += c.weight
	}
	u := g.rng.Float64() * total
	for _, c := range g.custs {
		u -= c.weight
		if u < 0 {
			return c
		}
	}
	return g.custs[len(g.custs)-1]
}

// around draws a whole number near mean: within ±30 %, randomly rounded.
// Unlike a Poisson draw it cannot wipe out a season by bad luck, so every
// seed shows the December peak.
func (g *gen) around(mean float64) int {
	x := mean * (0.7 + 0.6*g.rng.Float64())
	n := int(x)
	if g.rng.Float64() < x-float64(n) {
		n++
	}
	return n
}

// ownerUserID derives the owner's user ID from the organization.
func ownerUserID(org *orgRecord) string {
	g := newIDGen(hashString(org.ID), hashString(org.Name))
	return g.next()
}

// newUser is GET /user: the owner of the default organization. What /user
// returns for a company token is unknown (billy-api.md §7.12); the sandbox
// returns that owner for every credential.
func newUser(seed int64, o *orgState) *userRecord {
	rng := rand.New(rand.NewPCG(uint64(seed), hashString("billy-mcp sandbox user")))
	first, last := pick(rng, firstNames), pick(rng, lastNames)
	return &userRecord{ID: o.org.OwnerUserID, CreatedTime: o.org.CreatedTime, Name: first + " " + last,
		Email: emailLocal(first, last) + "@" + slug(o.org.Name) + ".dk", IsAdmin: false}
}
