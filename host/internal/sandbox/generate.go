package sandbox

import (
	"container/heap"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"
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
	quantity float64
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
func (g *gen) addProduct(no, name, desc, unit string, price float64, ruleset string, eur bool) *product {
	o := g.o
	p := &product{ID: o.ids.next(), OrganizationID: o.org.ID, CreatedTime: fmtDatetime(g.start.AddDate(0, 0, -20).Add(9 * time.Hour)),
		Name: name, Description: desc, ProductNo: no, AccountID: g.chart.accounts[1110], SalesTaxRulesetID: ruleset, unit: unit}
	o.products.add(p.ID, p)
	prices := []*productPrice{{ID: o.ids.next(), OrganizationID: o.org.ID, ProductID: p.ID, UnitPrice: price, CurrencyID: "DKK"}}
	if eur {
		prices = append(prices, &productPrice{ID: o.ids.next(), OrganizationID: o.org.ID, ProductID: p.ID,
			UnitPrice: foreignPrice(price, "EUR"), CurrencyID: "EUR"})
	}
	o.attachPrices(p, prices, g.ch)
	return p
}

// foreignPrice converts a DKK list price to a rounded price in another
// currency.
func foreignPrice(dkk float64, cur string) float64 {
	c, _ := currencyByID(cur)
	return math.Round(dkk/c.ExchangeRate*2) / 2
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

// Events are replayed in date order; on the same day issues come before
// credits, voids and payments.
const (
	evIssue = iota
	evCredit
	evVoid
	evPay
)

type event struct {
	date time.Time
	kind int
	seq  int
	fn   func(date time.Time)
}

type eventQueue []*event

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	a, b := q[i], q[j]
	if !a.date.Equal(b.date) {
		return a.date.Before(b.date)
	}
	if a.kind != b.kind {
		return a.kind < b.kind
	}
	return a.seq < b.seq
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(*event)) }
func (q *eventQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// at schedules fn on date, if that is still in the past at the anchor.
func (g *gen) at(date time.Time, kind int, fn func(date time.Time)) {
	if !date.Before(g.anchor) || date.Before(g.start) {
		return
	}
	g.seq++
	heap.Push(&g.queue, &event{date: date, kind: kind, seq: g.seq, fn: fn})
}

func (g *gen) run() {
	for g.queue.Len() > 0 {
		e := heap.Pop(&g.queue).(*event)
		e.fn(e.date)
	}
}

// clock is a time of day on date within office hours.
func (g *gen) clock(date time.Time) time.Time {
	return date.Add(time.Duration(8*3600+g.rng.IntN(9*3600)) * time.Second)
}

// issueOpts shapes one generated invoice.
type issueOpts struct {
	creditRate float64 // chance of a later credit note
	message    string
}

// issue creates and approves an invoice and plans what happens to it next.
func (g *gen) issue(cu *customer, date time.Time, lines []lineSpec, opt issueOpts) *invoice {
	o := g.o
	created := g.clock(date)
	spec := invoiceSpec{ContactID: cu.c.ID, EntryDate: fmtDate(date), CurrencyID: cu.currency, TaxMode: cu.taxMode,
		Lines: lines, linesGiven: true, ContactMessage: opt.message, ExchangeRate: g.rateOn(cu.currency)}
	if cu.c.Type == "company" && g.rng.IntN(4) == 0 {
		spec.AttContactPersonID = strp(cu.person.ID)
	}
	inv := g.must(o.createInvoice(spec, newValidation("invoice", ""), created, g.ch))
	if err := o.approveInvoice(inv, created.Add(time.Duration(1+g.rng.IntN(40))*time.Minute), g.ch); err != nil {
		panic(err)
	}
	inv.SentState = g.sentState(date)

	// Now and then an invoice is a mistake and voided the next day.
	g.issued++
	if g.voids[g.issued] {
		g.at(date.AddDate(0, 0, 1), evVoid, func(d time.Time) {
			if err := o.voidInvoice(inv, g.clock(d), g.ch); err != nil {
				panic(err)
			}
		})
		return inv
	}
	if g.rng.Float64() < opt.creditRate || g.issued == g.creditAt {
		full := g.rng.IntN(3) == 0
		g.at(date.AddDate(0, 0, 2+g.rng.IntN(20)), evCredit, func(d time.Time) { g.credit(inv, d, full) })
	}
	g.planPayment(cu, inv, date)
	return inv
}

func (g *gen) must(inv *invoice, err error) *invoice {
	if err != nil {
		panic(fmt.Sprintf("sandbox generator: %v", err))
	}
	return inv
}

// sentState: most invoices were e-mailed and many opened; a few were
// printed; the newest may not have gone out yet.
func (g *gen) sentState(date time.Time) string {
	if g.anchor.Sub(date) < 72*time.Hour && g.rng.IntN(2) == 0 {
		return "unsent"
	}
	u := g.rng.Float64()
	switch {
	case u < 0.55:
		return "sent"
	case u < 0.80:
		return "viewed"
	case u < 0.93:
		return "opened"
	}
	return "printed"
}

// rateOn is the day's exchange rate for an invoice currency: the table rate
// with a little daily noise (EUR hardly moves: the krone is pegged).
func (g *gen) rateOn(cur string) float64 {
	c, ok := currencyByID(cur)
	if !ok || cur == "DKK" {
		return 0
	}
	spread := 0.02
	if cur == "EUR" {
		spread = 0.0015
	}
	return math.Round(c.ExchangeRate*(1+spread*(g.rng.Float64()*2-1))*1e4) / 1e4
}

// planPayment schedules the payment by the customer's habit: punctual
// payers pay within the terms, slow ones weeks late, bad ones very late or
// (for recent invoices) not at all. A few pay in two instalments.
func (g *gen) planPayment(cu *customer, inv *invoice, date time.Time) {
	rng := g.rng
	due, _ := parseDate(inv.DueDate)
	terms := max(1, int(due.Sub(date).Hours()/24))
	var payDay time.Time
	switch cu.payer {
	case payerPunctual:
		payDay = date.AddDate(0, 0, 1+rng.IntN(terms))
	case payerSlow:
		payDay = due.AddDate(0, 0, 3+rng.IntN(45))
	default:
		if g.anchor.Sub(due) < 150*24*time.Hour && rng.IntN(10) < 6 {
			return // still owing: overdue and unpaid
		}
		payDay = due.AddDate(0, 0, 40+rng.IntN(90))
	}
	if rng.IntN(25) == 0 {
		g.at(payDay, evPay, func(d time.Time) { g.pay(inv, d, 0.5) })
		payDay = payDay.AddDate(0, 0, 10+rng.IntN(25))
	}
	g.at(payDay, evPay, func(d time.Time) { g.pay(inv, d, 1) })
}

// pay pays share of an invoice's current balance (or pays back a credit
// note's). Foreign-currency invoices go to the EUR account when there is
// one, else to the DKK account at the day's rate, sometimes less a bank fee.
func (g *gen) pay(inv *invoice, date time.Time, share float64) {
	o := g.o
	bal := toOre(inv.Balance)
	if inv.State != stateApproved || bal <= 0 {
		return
	}
	amount := bal
	if share < 1 {
		amount = mulOre(bal, share)
	}
	side := "debit"
	if inv.Type == typeCreditNote {
		side = "credit"
	}
	spec := paymentSpec{EntryDate: fmtDate(date), CashSide: side, CashAccountID: o.bankAccountID,
		Subjects: []string{ref("invoice", inv.ID)}, subjectKeys: []string{""}}
	switch {
	case inv.CurrencyID == "DKK":
		spec.CashAmount = fromOre(amount)
	case inv.CurrencyID == "EUR" && g.eurBank != "":
		spec.CashAccountID, spec.CashAmount = g.eurBank, fromOre(amount)
	default:
		rate := round6(inv.ExchangeRate * (1 + 0.006*(g.rng.Float64()*2-1)))
		cash := mulOre(amount, rate)
		if side == "debit" && g.rng.IntN(2) == 0 {
			spec.FeeAmount = 15
			cash -= 1500
		}
		spec.CashAmount, spec.CashExchangeRate = fromOre(cash), rate
	}
	if _, err := o.createBankPayment(spec, newValidation("bankPayment", ""), g.clock(date), g.ch); err != nil {
		panic(fmt.Sprintf("sandbox generator: %v", err))
	}
}

// credit issues a credit note for the whole invoice or one of its lines,
// and pays it back later when the invoice had already been paid.
func (g *gen) credit(inv *invoice, date time.Time, full bool) {
	o := g.o
	if inv.State != stateApproved {
		return
	}
	lines := o.invoiceLines.pick(inv.lineIDs)
	if !full {
		lines = []*invoiceLine{pick(g.rng, lines)}
	}
	specs := make([]lineSpec, 0, len(lines))
	for _, l := range lines {
		q, p, d := l.Quantity, l.UnitPrice, l.Description
		specs = append(specs, lineSpec{ProductID: l.ProductID, Quantity: &q, UnitPrice: &p, Description: &d, Unit: l.Unit,
			DiscountMode: l.DiscountMode, DiscountValue: l.DiscountValue, DiscountText: l.DiscountText})
	}
	msg := "Kreditering af faktura " + deref(inv.InvoiceNo)
	if !full {
		msg += " (delvis)"
	}
	created := g.clock(date)
	spec := invoiceSpec{Type: typeCreditNote, ContactID: inv.ContactID, CreditedInvoiceID: strp(inv.ID), EntryDate: fmtDate(date),
		CurrencyID: inv.CurrencyID, ExchangeRate: inv.ExchangeRate, TaxMode: inv.TaxMode, Lines: specs, linesGiven: true,
		ContactMessage: msg}
	cn := g.must(o.createInvoice(spec, newValidation("invoice", ""), created, g.ch))
	if err := o.approveInvoice(cn, created.Add(5*time.Minute), g.ch); err != nil {
		panic(err)
	}
	cn.SentState = "sent"
	if cn.Balance > 0 {
		g.at(date.AddDate(0, 0, 2+g.rng.IntN(8)), evPay, func(d time.Time) { g.pay(cn, d, 1) })
	}
}

// drafts leaves a few unapproved invoices from the last days, the work in
// progress a user would find.
func (g *gen) drafts(n int) {
	o := g.o
	for i := 0; i < n; i++ {
		cu := g.weighted()
		date := g.anchor.AddDate(0, 0, -1-g.rng.IntN(5))
		created := g.clock(date)
		lines := profiles[g.kind].lines(g, cu, date)
		spec := invoiceSpec{ContactID: cu.c.ID, EntryDate: fmtDate(date), CurrencyID: cu.currency, TaxMode: cu.taxMode,
			Lines: lines, linesGiven: true, ExchangeRate: g.rateOn(cu.currency)}
		g.must(o.createInvoice(spec, newValidation("invoice", ""), created, g.ch))
	}
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
