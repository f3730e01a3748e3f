package sandbox

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// booksGen generates what the books hold beyond invoicing: suppliers and
// their bills (purchases at every kind of tax rate), daybook entries
// (energy duty refunds, sales booked outside invoicing), the bills'
// payments and vouchers, and the VAT returns, settled and paid for the
// periods whose deadline has passed. It has its own dice and its own ID
// source, so that adding it left every invoice, customer, payment and ID
// of the invoicing history as it was, and the IDs a client gets for
// records it creates too (the host's recorded transcripts use them).
//
// Together the three businesses use every field of the VAT return
// (danish-compliance.md §1.5): salgsmoms, moms af varekøb i udlandet (EU
// goods, imports, domestic reverse charge), moms af ydelseskøb i udlandet,
// købsmoms (full, restaurant 25 %, representation 0 %, mixed use 50 %),
// the six energy duties, and rubrik A goods and services, B goods (both
// kinds), B services and C.
type booksGen struct {
	rng *rand.Rand
	ids *idGen
	o   *orgState
	g   *gen
}

func newBooksGen(seed int64, kind string, o *orgState) *booksGen {
	rng := rand.New(rand.NewPCG(uint64(seed), hashString("billy-mcp sandbox books "+kind)))
	return &booksGen{rng: rng, ids: newIDGen(rng.Uint64(), rng.Uint64()), o: o}
}

// with runs fn with the organization drawing IDs from the books' source.
func (b *booksGen) with(fn func()) {
	saved := b.o.ids
	b.o.ids = b.ids
	defer func() { b.o.ids = saved }()
	fn()
}

// supplier is one of a business's suppliers.
type supplier struct {
	name, country, currency string
	terms                   int // days to pay
	c                       *contact
	invoiceNo               int
}

// purchase is a kind of bill a business gets: from whom, how often
// (every months months, on a day of the month; 0 for now and then, chance
// per month), on which account at which rate, and the net amount's range.
type purchase struct {
	sup        *supplier
	every      int
	day        int
	chance     float64
	account    int
	rate       string // taxRateSeed / bookRateSeed key
	desc       string
	lo, hi     int    // net amount range in the bill's currency (whole units)
	incl       bool   // a receipt entered with VAT included
	cardPaid   bool   // paid at once from the bank (paymentAccountId)
	duty       string // salesTaxAccount type of an energy duty refunded on this cost
	dutyShare  string // the refundable duty's share of the net
	extraLines []purchaseLine
}

// purchaseLine is a further line on the same bill.
type purchaseLine struct {
	account      int
	rate, desc   string
	share        string // of the first line's amount
	duty, dshare string
}

// daybookSale is a sale booked in the daybook rather than invoiced: the
// rate's box is the point (rubrik B goods not on the EU sales list,
// domestic reverse charge).
type daybookSale struct {
	every   int // months; 0: now and then, by chance
	chance  float64
	account int
	rate    string
	desc    string
	lo, hi  int
}

type booksProfile struct {
	suppliers []*supplier
	purchases []purchase
	sales     []daybookSale
	cashSales bool // retail: the till's daily takings, booked monthly
}

func (b *booksGen) profile(kind string) booksProfile {
	dk := func(name string, terms int) *supplier {
		return &supplier{name: name, country: "DK", currency: "DKK", terms: terms}
	}
	eu := func(name, country, cur string) *supplier {
		return &supplier{name: name, country: country, currency: cur, terms: 14}
	}
	switch kind {
	case BusinessFreelancer:
		adobe := eu("Adobe Systems Software Ireland Ltd", "IE", "EUR")
		telia := dk("Telia Danmark", 14)
		revisor := dk("Revisorhuset Nord ApS", 8)
		komplett := dk("Komplett Danmark A/S", 8)
		tryg := dk("Tryg Forsikring A/S", 30)
		cafe := dk("Café Nørreport", 0)
		gaver := dk("Illums Bolighus", 8)
		github := eu("GitHub B.V.", "NL", "EUR")
		return booksProfile{
			suppliers: []*supplier{adobe, telia, revisor, komplett, tryg, cafe, gaver, github},
			purchases: []purchase{
				{sup: adobe, every: 1, day: 3, account: 2320, rate: "purchaseEUServices", desc: "Creative Cloud, alle programmer", lo: 72, hi: 72},
				{sup: github, every: 1, day: 1, account: 2320, rate: "purchaseEUServices", desc: "GitHub Team", lo: 4, hi: 4},
				{sup: telia, every: 1, day: 10, account: 2310, rate: "partial50", desc: "Mobilabonnement (også privat brug)", lo: 239, hi: 239},
				{sup: revisor, every: 12, day: 20, account: 2610, rate: "purchase", desc: "Årsopgørelse og skatteregnskab", lo: 6500, hi: 8500},
				{sup: tryg, every: 12, day: 5, account: 2620, rate: "purchaseExempt", desc: "Erhvervsforsikring", lo: 3100, hi: 3400},
				{sup: komplett, chance: 0.06, account: 5410, rate: "purchaseDomesticRC", desc: "Bærbar computer (omvendt betalingspligt)", lo: 9000, hi: 16000},
				{sup: komplett, chance: 0.2, account: 2710, rate: "purchase", desc: "Skærm, tastatur og kabler", lo: 300, hi: 2500},
				{sup: cafe, chance: 0.5, account: 2430, rate: "restaurant", desc: "Frokostmøde med kunde", lo: 400, hi: 1200, incl: true, cardPaid: true},
				{sup: gaver, chance: 0.08, account: 2420, rate: "representation", desc: "Julegaver til kunder", lo: 800, hi: 2400},
			},
		}
	case BusinessRetail:
		keramik := eu("Arabia Keramiikka Oy", "FI", "EUR")
		tekstil := eu("Nordic Textiles GmbH", "DE", "EUR")
		import1 := &supplier{name: "Pacific Homeware Inc.", country: "US", currency: "USD", terms: 30}
		spedition := dk("DSV Road A/S", 14)
		grossist := dk("Dansk Bolig Engros A/S", 30)
		udlejer := dk("Ejendomsselskabet Strøget ApS", 0)
		el := dk("Andel Energi A/S", 14)
		gas := dk("Evida Nord", 14)
		vand := dk("Aarhus Vand A/S", 14)
		google := eu("Google Ireland Ltd", "IE", "DKK")
		meta := eu("Meta Platforms Ireland Ltd", "IE", "DKK")
		restaurant := dk("Restaurant Havnen", 0)
		return booksProfile{
			suppliers: []*supplier{keramik, tekstil, import1, spedition, grossist, udlejer, el, gas, vand, google, meta, restaurant},
			purchases: []purchase{
				{sup: udlejer, every: 1, day: 1, account: 2210, rate: "purchase", desc: "Husleje, butik", lo: 18500, hi: 18500},
				{sup: grossist, every: 1, day: 12, account: 1310, rate: "purchase", desc: "Varekøb", lo: 15000, hi: 60000},
				{sup: keramik, every: 2, day: 8, account: 1320, rate: "purchaseEUGoods", desc: "Keramik, kopper og skåle", lo: 2500, hi: 9000},
				{sup: tekstil, every: 3, day: 15, account: 1320, rate: "purchaseEUGoods", desc: "Plaider og puder", lo: 1800, hi: 6000},
				{sup: import1, every: 4, day: 20, account: 1330, rate: "purchaseImport", desc: "Lamper og dekoration (import)", lo: 2000, hi: 7000},
				// The forwarder clears the goods: freight with VAT, customs
				// duty without.
				{sup: spedition, every: 4, day: 24, account: 1340, rate: "purchase", desc: "Fragt og spedition", lo: 1200, hi: 3500,
					extraLines: []purchaseLine{{account: 1340, rate: "purchaseExempt", desc: "Told", share: "0.6"}}},
				{sup: el, every: 1, day: 6, account: 2220, rate: "purchase", desc: "Elforbrug, butik", lo: 2200, hi: 4200, duty: staElectricityDuty, dutyShare: "0.38"},
				{sup: gas, every: 1, day: 9, account: 2220, rate: "purchase", desc: "Naturgas, opvarmning", lo: 900, hi: 2600, duty: staGasDuty, dutyShare: "0.22",
					extraLines: []purchaseLine{{account: 2220, rate: "purchase", desc: "CO2-afgift", share: "0.08", duty: staCO2Duty, dshare: "1"}}},
				{sup: vand, every: 3, day: 18, account: 2220, rate: "purchase", desc: "Vand og vandafgift", lo: 700, hi: 1500, duty: staWaterDuty, dutyShare: "0.3"},
				{sup: google, every: 1, day: 2, account: 2410, rate: "purchaseEUServices", desc: "Google Ads", lo: 1500, hi: 6000},
				{sup: meta, every: 1, day: 4, account: 2410, rate: "purchaseEUServices", desc: "Facebook- og Instagram-annoncer", lo: 800, hi: 3500},
				{sup: restaurant, chance: 0.25, account: 2430, rate: "restaurant", desc: "Middag med leverandør", lo: 900, hi: 2800, incl: true, cardPaid: true},
				{sup: grossist, chance: 0.1, account: 2420, rate: "representation", desc: "Gavekurve til faste kunder", lo: 1000, hi: 4000},
			},
			cashSales: true,
		}
	default: // service
		hetzner := eu("Hetzner Online GmbH", "DE", "EUR")
		aws := eu("Microsoft Ireland Operations Ltd", "IE", "EUR")
		dell := eu("Dell Technologies Ireland Ltd", "IE", "EUR")
		cisco := &supplier{name: "Network Hardware Inc.", country: "US", currency: "USD", terms: 30}
		distri := dk("Ingram Micro Danmark A/S", 30)
		udlejer := dk("Ejendomsselskabet Erhvervsbyen A/S", 0)
		el := dk("Norlys Energi A/S", 14)
		olie := dk("OK a.m.b.a.", 14)
		fjernvarme := dk("Fjernvarme Fyn A/S", 14)
		tele := dk("TDC Erhverv", 14)
		revisor := dk("BDO Statsautoriseret revisionsaktieselskab", 14)
		restaurant := dk("Restaurant Kokkeriet", 0)
		vin := dk("Vinspecialisten", 8)
		return booksProfile{
			suppliers: []*supplier{hetzner, aws, dell, cisco, distri, udlejer, el, olie, fjernvarme, tele, revisor, restaurant, vin},
			purchases: []purchase{
				{sup: hetzner, every: 1, day: 1, account: 2760, rate: "purchaseEUServices", desc: "Dedikerede servere", lo: 1400, hi: 2200},
				{sup: aws, every: 1, day: 2, account: 2760, rate: "purchaseEUServices", desc: "Azure, cloud-tjenester", lo: 600, hi: 1900},
				{sup: dell, every: 4, day: 14, account: 1320, rate: "purchaseEUGoods", desc: "Servere og diske", lo: 3000, hi: 12000},
				{sup: cisco, every: 6, day: 22, account: 1330, rate: "purchaseImport", desc: "Switche og firewalls (import)", lo: 2500, hi: 9000},
				{sup: distri, every: 2, day: 11, account: 5410, rate: "purchaseDomesticRC", desc: "Bærbare og tablets (omvendt betalingspligt)", lo: 12000, hi: 40000},
				{sup: distri, every: 1, day: 16, account: 1310, rate: "purchase", desc: "Licenser og tilbehør til videresalg", lo: 5000, hi: 20000},
				{sup: udlejer, every: 3, day: 1, account: 2210, rate: "purchase", desc: "Husleje, kontor og serverrum", lo: 42000, hi: 42000},
				{sup: el, every: 1, day: 7, account: 2220, rate: "purchase", desc: "Elforbrug, serverrum", lo: 6000, hi: 11000, duty: staElectricityDuty, dutyShare: "0.4"},
				{sup: olie, every: 6, day: 19, account: 2220, rate: "purchase", desc: "Dieselolie til nødstrømsanlæg", lo: 3000, hi: 6000, duty: staOilDuty, dutyShare: "0.3"},
				{sup: fjernvarme, every: 3, day: 21, account: 2220, rate: "purchase", desc: "Fjernvarme", lo: 2500, hi: 5000, duty: staCoalDuty, dutyShare: "0.05",
					extraLines: []purchaseLine{{account: 2220, rate: "purchase", desc: "CO2-afgift, fjernvarme", share: "0.04", duty: staCO2Duty, dshare: "1"}}},
				{sup: tele, every: 1, day: 10, account: 2310, rate: "purchase", desc: "Fiberforbindelse og telefoni", lo: 2400, hi: 2400},
				{sup: revisor, every: 12, day: 15, account: 2610, rate: "purchase", desc: "Revision af årsregnskab", lo: 18000, hi: 26000},
				{sup: restaurant, chance: 0.35, account: 2430, rate: "restaurant", desc: "Forretningsmiddag", lo: 1500, hi: 4500, incl: true, cardPaid: true},
				{sup: vin, chance: 0.12, account: 2420, rate: "representation", desc: "Vin til kunder", lo: 1200, hi: 3600},
				{sup: vin, every: 12, day: 10, account: 2420, rate: "representation", desc: "Gaver til kunder", lo: 2500, hi: 6000},
			},
			sales: []daybookSale{
				{every: 6, account: 1120, rate: "euGoodsInstalled", desc: "Levering og montering af serverrack hos kunde i Tyskland", lo: 15000, hi: 45000},
				{every: 4, account: 1110, rate: "domesticRCSale", desc: "Salg af bærbare til erhvervskunde (omvendt betalingspligt)", lo: 8000, hi: 30000},
			},
		}
	}
}

// run generates the books of an organization whose invoicing history g
// has made.
func (b *booksGen) run(g *gen) {
	b.g = g
	b.with(func() {
		p := b.profile(g.kind)
		for _, s := range p.suppliers {
			b.addSupplier(s)
		}
		type dated struct {
			date time.Time
			seq  int
			fn   func()
		}
		var evs []dated
		at := func(d time.Time, fn func()) {
			if !d.Before(g.start) && d.Before(g.anchor) {
				evs = append(evs, dated{d, len(evs), fn})
			}
		}
		for m := monthStart(g.start); m.Before(g.anchor); m = m.AddDate(0, 1, 0) {
			idx := monthsBetween(monthStart(g.start), m)
			for i := range p.purchases {
				pu := &p.purchases[i]
				switch {
				case pu.every > 0 && idx%pu.every == 0:
					d := m.AddDate(0, 0, pu.day-1)
					at(d, func() { b.bill(pu, d) })
				case pu.every == 0 && b.rng.Float64() < pu.chance:
					d := m.AddDate(0, 0, b.rng.IntN(28))
					at(d, func() { b.bill(pu, d) })
				}
			}
			for i := range p.sales {
				s := &p.sales[i]
				if s.every > 0 && idx%s.every == s.every-1 || s.every == 0 && b.rng.Float64() < s.chance {
					d := lastWeekday(m).AddDate(0, 0, -b.rng.IntN(10))
					at(d, func() { b.sale(s, d) })
				}
			}
			if p.cashSales {
				d := lastWeekday(m)
				at(d, func() { b.cashSale(d) })
			}
			if _, _, _, end := vatPeriodOf(b.o.org.VatPeriod, m); end.Month() == m.Month() {
				d := end
				at(d, func() { b.dutyRefund(d) })
			}
		}
		sort.SliceStable(evs, func(i, j int) bool { return evs[i].date.Before(evs[j].date) })
		for _, e := range evs {
			e.fn()
		}
		b.payBills()
		b.returns()
	})
}

func monthsBetween(a, b time.Time) int {
	return (b.Year()-a.Year())*12 + int(b.Month()-a.Month())
}

// clock is a time of day on date within office hours.
func (b *booksGen) clock(date time.Time) time.Time {
	return date.Add(time.Duration(8*3600+b.rng.IntN(9*3600)) * time.Second)
}

func (b *booksGen) addSupplier(s *supplier) {
	o := b.o
	created := b.g.start.AddDate(0, 0, -b.rng.IntN(200)).Add(10 * time.Hour)
	c := &contact{ID: o.ids.next(), OrganizationID: o.org.ID, CreatedTime: fmtDatetime(created), Type: "company",
		Name: s.name, CountryID: s.country, ContactNo: strconv.Itoa(o.nextContactNo), LocaleID: "da_DK",
		IsSupplier: true, PaymentTermsMode: termsNet, PaymentTermsDays: s.terms, AccessCode: accessCode(o.ids),
		EmailAttachmentDeliveryMode: "link"}
	o.nextContactNo++
	if s.country == "DK" {
		pl := pick(b.rng, danishPlaces)
		c.Street, c.ZipcodeText, c.CityText, c.Phone = danishStreet(b.rng), pl.zip, pl.city, danishPhone(b.rng)
		for {
			cvr := randomCVR(b.rng)
			if !b.g.cvrs[cvr] {
				b.g.cvrs[cvr] = true
				c.RegistrationNo = cvr
				break
			}
		}
	} else {
		c.LocaleID = "en_US"
		c.RegistrationNo = randomVATNo(b.rng, s.country)
	}
	if s.currency != "DKK" {
		c.CurrencyID = strp(s.currency)
	}
	o.contacts.add(c.ID, c)
	s.c = c
	s.invoiceNo = 1000 + b.rng.IntN(90000)
}

// amount draws a whole amount in [lo, hi] with øre.
func (b *booksGen) amount(lo, hi int) decimal.Decimal {
	whole := lo
	if hi > lo {
		whole += b.rng.IntN(hi - lo + 1)
	}
	ore := 0
	if hi > lo {
		ore = b.rng.IntN(100)
	}
	return decimal.New(int64(whole*100+ore), -2)
}

// bill makes, approves and files a voucher for one purchase.
func (b *booksGen) bill(pu *purchase, date time.Time) {
	o, ids := b.o, b.g.chart
	now := b.clock(date)
	net := b.amount(pu.lo, pu.hi)
	s := pu.sup
	s.invoiceNo += 1 + b.rng.IntN(40)
	spec := billSpec{ContactID: s.c.ID, EntryDate: fmtDate(date), SuppliersInvoiceNo: strconv.Itoa(s.invoiceNo),
		TaxMode: taxModeExcl, CurrencyID: s.currency, State: stateApproved, linesGiven: true,
		DueDate: fmtDate(date.AddDate(0, 0, s.terms))}
	if s.currency != "DKK" {
		c, _ := currencyByID(s.currency)
		spread := 0.02
		if s.currency == "EUR" {
			spread = 0.0015
		}
		spec.ExchangeRate = c.ExchangeRate.v.Mul(decimal.NewFromInt(1).Add(decimal.NewFromFloat(spread * (b.rng.Float64()*2 - 1)))).Round(4)
	}
	if pu.incl {
		spec.TaxMode = taxModeIncl
	}
	if pu.cardPaid {
		spec.PaymentAccountID, spec.PaymentDate = strp(o.bankAccountID), strp(fmtDate(date))
		spec.SuppliersInvoiceNo = "Kvittering " + strconv.Itoa(s.invoiceNo)
	}
	line := func(account int, rate, desc string, amount decimal.Decimal) billLineSpec {
		a := amount
		return billLineSpec{AccountID: ids.accounts[account], TaxRateID: ids.taxRates[rate], Description: desc, Amount: &a}
	}
	spec.Lines = append(spec.Lines, line(pu.account, pu.rate, pu.desc, net))
	for _, x := range pu.extraLines {
		spec.Lines = append(spec.Lines, line(x.account, x.rate, x.desc, round2(net.Mul(dec(x.share)))))
	}
	v := newValidation("bill", "")
	bl, err := o.createBill(spec, v, now, nil)
	if err != nil {
		panic(fmt.Sprintf("sandbox: generating a bill from %s: %v", s.name, err))
	}
	// Most vouchers are filed with the bill; now and then one is missing
	// (what a bookkeeping check finds).
	if b.rng.Float64() < 0.97 {
		b.voucher(ref("bill", bl.ID), s.name, bl.SuppliersInvoiceNo, bl.EntryDate, bl.GrossAmount.v, bl.CurrencyID, now)
	}
	// The energy duty in the cost, refunded at the period's end.
	if pu.duty != "" {
		b.accrueDuty(pu.duty, toOre(round2(net.Mul(dec(pu.dutyShare)).Mul(bl.ExchangeRate.v))))
	}
	for _, x := range pu.extraLines {
		if x.duty != "" {
			b.accrueDuty(x.duty, toOre(round2(net.Mul(dec(x.share)).Mul(dec(x.dshare)))))
		}
	}
}

// dutyAccrued is the refundable energy duty of the current VAT period, by
// salesTaxAccount type, in øre.
var dutyOrder = []string{staOilDuty, staElectricityDuty, staGasDuty, staCoalDuty, staCO2Duty, staWaterDuty}

func (b *booksGen) accrueDuty(typ string, ore int64) {
	if b.g.dutyAccrued == nil {
		b.g.dutyAccrued = map[string]int64{}
	}
	b.g.dutyAccrued[typ] += ore
}

// dutyRefund books the period's refundable energy duties on the return's
// duty accounts, moving them off the cost account they were paid on (how
// a Danish bookkeeper claims the godtgørelse).
func (b *booksGen) dutyRefund(end time.Time) {
	if len(b.g.dutyAccrued) == 0 {
		return
	}
	o := b.o
	var lines []daybookLineSpec
	for _, typ := range dutyOrder {
		ore := b.g.dutyAccrued[typ]
		if ore <= 0 {
			continue
		}
		a := fromOre(ore)
		lines = append(lines, daybookLineSpec{Text: dutyText[typ], AccountID: o.salesTaxAccountOf(typ),
			ContraAccountID: b.g.chart.accounts[2220], Amount: &a, Side: "debit"})
	}
	b.g.dutyAccrued = nil
	_, text, _, _ := vatPeriodOf(o.org.VatPeriod, end)
	b.entry(end, "Godtgørelse af energiafgifter, "+text, lines, true)
}

var dutyText = map[string]string{
	staOilDuty: "Olie- og flaskegasafgift", staElectricityDuty: "Elafgift", staGasDuty: "Naturgas- og bygasafgift",
	staCoalDuty: "Kulafgift", staCO2Duty: "CO2-afgift", staWaterDuty: "Vandafgift",
}

// sale books a sale outside invoicing: bank debit, revenue credit at the
// sale's rate (no VAT: the boxes are rubrik B and C).
func (b *booksGen) sale(s *daybookSale, date time.Time) {
	ids := b.g.chart
	a := b.amount(s.lo, s.hi)
	b.entry(date, s.desc, []daybookLineSpec{
		{Text: s.desc, AccountID: ids.accounts[s.account], TaxRateID: ids.taxRates[s.rate], ContraAccountID: b.o.bankAccountID, Amount: &a, Side: "credit"},
	}, true)
}

// cashSale books a month's till takings (kasseopgørelse), VAT included.
func (b *booksGen) cashSale(date time.Time) {
	ids := b.g.chart
	a := b.amount(8000, 26000)
	b.entry(date, "Kontantsalg, "+monthName(date), []daybookLineSpec{
		{Text: "Kontantsalg ifølge kasseopgørelse", AccountID: ids.accounts[1110], TaxRateID: ids.taxRates["sales"],
			ContraAccountID: b.o.bankAccountID, Amount: &a, Side: "credit"},
	}, true)
}

// entry makes and approves a daybook transaction with a voucher.
func (b *booksGen) entry(date time.Time, desc string, lines []daybookLineSpec, voucher bool) {
	o := b.o
	now := b.clock(date)
	b.g.daybookNo++
	no := "K" + strconv.Itoa(b.g.daybookNo)
	t, err := o.createDaybookTransaction(daybookTxSpec{EntryDate: fmtDate(date), VoucherNo: &no, Description: desc,
		State: stateApproved, Lines: lines, linesGiven: true}, newValidation("daybookTransaction", ""), now, nil)
	if err != nil {
		panic(fmt.Sprintf("sandbox: generating a daybook entry %q: %v", desc, err))
	}
	if voucher {
		var total decimal.Decimal
		for _, l := range lines {
			total = total.Add(*l.Amount)
		}
		b.voucher(ref("daybookTransaction", t.ID), o.org.Name, no, t.EntryDate, total, o.org.BaseCurrencyID, now)
	}
}

// voucher files a small PDF as the owner's attachment.
func (b *booksGen) voucher(owner, from, no, date string, amount decimal.Decimal, cur string, now time.Time) {
	o := b.o
	d := newPDF("Bilag "+no, now)
	d.text(56, 780, 16, true, from)
	d.text(56, 750, 11, false, "Bilag "+no+", "+danishDate(date))
	d.text(56, 730, 11, false, "Beløb "+danishNumber(amount, 2, false)+" "+cur)
	name := "bilag-" + safeFilename(no) + ".pdf"
	f := o.addFile(name, "application/pdf", d.bytes(), now, nil)
	a := o.addAttachment(strp(owner), f.ID, now, nil)
	if list, ok := o.ownerOf(owner); ok {
		*list = append(*list, a.ID)
	}
}

// payBills pays the approved bills by their due date, from the bank in the
// bill's currency when there is one, else the DKK bank; bills due after
// the history's end stay open.
func (b *booksGen) payBills() {
	o := b.o
	for _, bl := range o.bills.all() {
		if bl.State != stateApproved || bl.Type != typeBill || bl.IsPaid {
			continue
		}
		due, _ := parseDate(bl.DueDate)
		pay := due.AddDate(0, 0, -b.rng.IntN(3))
		if entry, _ := parseDate(bl.EntryDate); pay.Before(entry) {
			pay = entry
		}
		if !pay.Before(b.g.anchor) {
			continue
		}
		spec := paymentSpec{EntryDate: fmtDate(pay), CashAmount: bl.Balance.v, CashSide: "credit", CashAccountID: o.bankAccountID,
			Subjects: []string{ref("bill", bl.ID)}, subjectKeys: []string{""}}
		if bl.CurrencyID != o.org.BaseCurrencyID {
			if bl.CurrencyID == "EUR" && b.g.eurBank != "" {
				spec.CashAccountID = b.g.eurBank
			} else {
				rate := bl.ExchangeRate.v.Mul(decimal.NewFromInt(1).Add(decimal.NewFromFloat(0.01 * (b.rng.Float64()*2 - 1)))).Round(6)
				spec.CashExchangeRate = rate
				spec.CashAmount = round2(bl.Balance.v.Mul(rate))
			}
		}
		if _, err := o.createBankPayment(spec, newValidation("bankPayment", ""), b.clock(pay), nil); err != nil {
			panic(fmt.Sprintf("sandbox: paying bill %s: %v", bl.ID, err))
		}
	}
}

// returns makes the VAT returns of every period of the history and the
// current one; those whose deadline has passed are settled a week before
// it and paid (or refunded) two days before.
func (b *booksGen) returns() {
	o, g := b.o, b.g
	o.ensureSalesTaxReturns(g.start, g.anchor, g.start)
	for _, r := range o.salesTaxReturns.all() {
		deadline, _ := parseDate(r.ReportDeadline)
		if !deadline.Before(g.anchor) {
			continue
		}
		settled := deadline.AddDate(0, 0, -7)
		o.settleSalesTaxReturn(r, b.clock(settled), nil)
		if r.settledOre == 0 {
			continue
		}
		paid := deadline.AddDate(0, 0, -2)
		amount := fromOre(r.settledOre).Abs()
		if _, err := o.createSalesTaxPayment(r.ID, fmtDate(paid), o.bankAccountID, "", &amount,
			newValidation("salesTaxPayment", ""), b.clock(paid), nil); err != nil {
			panic(fmt.Sprintf("sandbox: paying return %s: %v", r.Period, err))
		}
	}
}
