package moms

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// Books for the fake Billy: a chart and tax rates as the sandbox names
// them (sandbox/chart.go, chart_books.go), and a quarter of records for
// each business kind, so that together they use every field of the
// return. The records are written the way Billy answers them
// (billy-api.md §7.3, §7.7, §7.9): lines embedded, amounts as JSON
// numbers, each approved document with its transaction and postings.

const (
	kindFreelancer = "freelancer" // half-yearly; services at home and to the EU, software from abroad, a restaurant bill
	kindWebshop    = "webshop"    // quarterly; goods at home, to the EU and abroad, EU and import purchases, credit notes, EUR
	kindService    = "service"    // monthly; installation abroad, domestic reverse charge both ways, partial deduction, duties
)

// testRate is a tax rate of the fake and, for the test's own calculation,
// where its lines land (written out by hand here, not taken from the
// plugin's classification).
type testRate struct {
	id, name, abbr, tag, desc string
	rate                      string
	sales                     bool
	share                     string // deduction component share; "" none
	// The hand-written placement.
	vatField string  // the field the line's VAT goes to: salgsmoms, koebsmoms, or a reverse-charge field
	rubrik   string  // the field the line's net goes to, if any
	reverse  bool    // the buyer computes 25 % of the net
	deduct   float64 // the deductible share of a purchase's VAT
}

var testRates = []testRate{
	{id: "tr-s25", name: "Salgsmoms", abbr: "S25", tag: "dk_sales_25", desc: "Moms af salg i Danmark, 25 %", rate: "0.25", sales: true, vatField: "salgsmoms"},
	{id: "tr-euv", name: "Salg af varer til andre EU-lande", abbr: "EUV", tag: "dk_sales_eu_goods", desc: "Momsfrit salg af varer til momsregistrerede kunder i EU (rubrik B-varer)", rate: "0", sales: true, rubrik: "rubrik_b_varer"},
	{id: "tr-euy", name: "Salg af ydelser til andre EU-lande", abbr: "EUY", tag: "dk_sales_eu_services", desc: "Omvendt betalingspligt, køber afregner momsen (rubrik B-ydelser)", rate: "0", sales: true, rubrik: "rubrik_b_ydelser"},
	{id: "tr-exp", name: "Salg til lande uden for EU", abbr: "EXP", tag: "dk_sales_world", desc: "Eksport uden for EU, 0 % (rubrik C)", rate: "0", sales: true, rubrik: "rubrik_c"},
	{id: "tr-mf", name: "Momsfrit salg", abbr: "MF", tag: "dk_sales_exempt", desc: "Momsfritaget efter momslovens § 13", rate: "0", sales: true},
	{id: "tr-eum", name: "Salg af varer med montering i andre EU-lande", abbr: "EUM", tag: "dk_sales_eu_goods_installed", desc: "Varer leveret og monteret eller installeret i et andet EU-land (rubrik B-varer, ikke EU-salg uden moms)", rate: "0", sales: true, rubrik: "rubrik_b_varer_ikke_eu_salgsangivelse"},
	{id: "tr-obs", name: "Salg med omvendt betalingspligt, indenlandsk", abbr: "OBS", tag: "dk_sales_domestic_reverse_charge", desc: "Salg af varer med indenlandsk omvendt betalingspligt (ML § 46 stk. 1 nr. 6-10), køber afregner momsen (rubrik C)", rate: "0", sales: true, rubrik: "rubrik_c"},
	{id: "tr-k25", name: "Købsmoms", abbr: "K25", tag: "dk_purchase_25", desc: "Fradrag for moms af køb i Danmark, 25 %", rate: "0.25", share: "1", vatField: "koebsmoms", deduct: 1},
	{id: "tr-uv", name: "Udlandsmoms varer", abbr: "UV", tag: "dk_purchase_eu_goods", desc: "Moms af varekøb i udlandet", rate: "0.25", share: "1", vatField: "moms_varekoeb_udland", rubrik: "rubrik_a_varer", reverse: true, deduct: 1},
	{id: "tr-uy", name: "Udlandsmoms ydelser", abbr: "UY", tag: "dk_purchase_eu_services", desc: "Moms af ydelseskøb i udlandet med omvendt betalingspligt", rate: "0.25", share: "1", vatField: "moms_ydelseskoeb_udland", rubrik: "rubrik_a_ydelser", reverse: true, deduct: 1},
	{id: "tr-mk", name: "Momsfrit", abbr: "MK", tag: "dk_purchase_exempt", desc: "Køb uden moms", rate: "0"},
	{id: "tr-imp", name: "Importmoms", abbr: "IMP", tag: "dk_purchase_import", desc: "Moms af varer købt uden for EU; afregnes som moms af varekøb i udlandet og fradrages som købsmoms", rate: "0.25", share: "1", vatField: "moms_varekoeb_udland", reverse: true, deduct: 1},
	{id: "tr-obk", name: "Omvendt betalingspligt, indenlandsk køb", abbr: "OBK", tag: "dk_purchase_domestic_reverse_charge", desc: "Køb af mobiltelefoner, tablets, bærbare, integrerede kredsløb, metalskrot m.m. (ML § 46 stk. 1 nr. 6-10): køber afregner og fradrager momsen", rate: "0.25", share: "1", vatField: "moms_varekoeb_udland", reverse: true, deduct: 1},
	{id: "tr-r25", name: "Restaurationsmoms", abbr: "R25", tag: "dk_purchase_restaurant", desc: "Købsmoms af hotel- og restaurationsydelser af udelukkende erhvervsmæssig karakter; 25 % af momsen fradrages (ML § 42 stk. 2)", rate: "0.25", share: "0.25", vatField: "koebsmoms", deduct: 0.25},
	{id: "tr-rep", name: "Repræsentation og gaver", abbr: "REP", tag: "dk_purchase_representation", desc: "Moms af repræsentation, gaver og underholdning; ingen fradrag (ML § 42 stk. 1 nr. 5)", rate: "0.25", vatField: "koebsmoms", deduct: 0},
	{id: "tr-k50", name: "Købsmoms, 50 % fradrag", abbr: "K50", desc: "Udgifter med blandet erhvervsmæssig og privat brug (ML § 38 stk. 2); skønnet fradrag 50 %", rate: "0.25", share: "0.5", vatField: "koebsmoms", deduct: 0.5},
}

func rateByID(id string) testRate {
	for _, r := range testRates {
		if r.id == id {
			return r
		}
	}
	panic("no test rate " + id)
}

// testAccounts are the chart's accounts: number, name, bank.
var testAccounts = []struct {
	no   int
	name string
	bank bool
}{
	{1310, "Varekøb", false}, {1320, "Varekøb EU", false}, {1330, "Varekøb uden for EU (import)", false},
	{2220, "El, vand og varme", false}, {2320, "Software og abonnementer", false}, {2420, "Repræsentation og gaver", false},
	{2430, "Restaurationsbesøg", false}, {2510, "Rejser og transport", false}, {2710, "Småanskaffelser", false},
	{5810, "Bankkonto", true},
	{7210, "Salgsmoms", false}, {7220, "Købsmoms", false}, {7230, "Moms af varekøb i udlandet", false},
	{7240, "Moms af ydelseskøb i udlandet", false}, {7250, "Olie- og flaskegasafgift", false}, {7251, "Elafgift", false},
	{7252, "Naturgas- og bygasafgift", false}, {7253, "Kulafgift", false}, {7254, "CO2-afgift", false}, {7255, "Vandafgift", false},
	{7260, "Momsafregning", false},
}

func acct(no int) string { return fmt.Sprintf("acct-%d", no) }

// seedChart puts the chart, the tax rates (with their deduction components
// embedded, as include=taxRate.deductionComponents:embed gives them) and
// the contacts into the fake.
func seedChart(f *fakeBooks) {
	for _, a := range testAccounts {
		f.add("accounts", map[string]any{"id": acct(a.no), "accountNo": a.no, "name": a.name, "isBankAccount": a.bank})
	}
	for _, r := range testRates {
		rec := map[string]any{"id": r.id, "name": r.name, "abbreviation": r.abbr, "predefinedTag": r.tag, "description": r.desc,
			"rate": decimal.RequireFromString(r.rate).InexactFloat64(), "appliesToSales": r.sales, "appliesToPurchases": !r.sales}
		comps := []any{}
		if r.share != "" {
			comps = append(comps, map[string]any{"id": "dc-" + r.id, "taxRateId": r.id, "share": decimal.RequireFromString(r.share).InexactFloat64(), "source": "tax"})
		}
		rec["deductionComponents"] = comps
		f.add("taxRates", rec)
	}
	f.add("contacts",
		map[string]any{"id": "c-dk", "type": "company", "name": "Jensen ApS", "countryId": "DK", "registrationNo": "24256790", "street": "Nørregade 2", "zipcodeText": "1165", "cityText": "København K"},
		map[string]any{"id": "c-dk2", "type": "company", "name": "Byg & Metal A/S", "countryId": "DK", "registrationNo": "13585628", "street": "Havnevej 9", "zipcodeText": "9000", "cityText": "Aalborg"},
		map[string]any{"id": "c-private", "type": "person", "name": "Mette Hansen", "countryId": "DK", "street": "Bakken 4", "zipcodeText": "5000", "cityText": "Odense C"},
		map[string]any{"id": "c-de", "type": "company", "name": "Müller GmbH", "countryId": "DE", "registrationNo": "DE123456789", "street": "Hauptstr. 5", "cityText": "Berlin"},
		map[string]any{"id": "c-se", "type": "company", "name": "Svensson AB", "countryId": "SE", "registrationNo": "SE556677889901", "street": "Storgatan 1", "cityText": "Malmö"},
		map[string]any{"id": "c-us", "type": "company", "name": "Acme Inc.", "countryId": "US", "street": "1 Main St", "cityText": "Denver"},
		map[string]any{"id": "c-ie", "type": "company", "name": "Cloud Ltd", "countryId": "IE", "registrationNo": "IE6388047V"},
		map[string]any{"id": "c-cn", "type": "company", "name": "Shenzhen Trading Co.", "countryId": "CN"},
		map[string]any{"id": "c-nl", "type": "company", "name": "Holland Parts B.V.", "countryId": "NL", "registrationNo": "NL123456789B01"},
		map[string]any{"id": "c-kommune", "type": "company", "name": "Aarhus Kommune", "countryId": "DK", "registrationNo": "55133018", "ean": "5798000880016", "street": "Rådhuspladsen 2", "zipcodeText": "8000", "cityText": "Aarhus C"},
	)
	// The draft the check example names.
	f.add("invoices", map[string]any{"id": "GJj2Kr8vQ3mmuWn30VT5lw", "type": "invoice", "state": "draft", "contactId": "c-dk", "entryDate": "2026-11-20",
		"invoiceNo": nil, "currencyId": "DKK", "exchangeRate": 1, "amount": 1000, "tax": 250, "grossAmount": 1250, "contactMessage": "",
		"lines": []any{map[string]any{"id": "l-draft", "description": "Rådgivning", "quantity": 1, "unitPrice": 1000, "amount": 1000, "tax": 250, "taxRateId": "tr-s25"}}})
}

// line is a document line for the builder: net and VAT in the
// document's currency.
type line struct {
	rate, desc string
	net, tax   string
	account    int // bills: the expense account; 0 for the rate's usual one
}

type bookBuilder struct {
	f *fakeBooks
	n int
}

func (b *bookBuilder) next(prefix string) string { b.n++; return fmt.Sprintf("%s-%d", prefix, b.n) }

// invoice adds an approved invoice (or credit note) with its
// transaction and its VAT postings.
func (b *bookBuilder) invoice(typ, date, no, contact, currency, xr string, lines ...line) string {
	id := b.next("inv")
	var ls []any
	for i, l := range lines {
		ls = append(ls, map[string]any{"id": fmt.Sprintf("%s-l%d", id, i), "description": l.desc, "quantity": 1, "unitPrice": num(l.net),
			"amount": num(l.net), "tax": num(l.tax), "taxRateId": l.rate})
	}
	b.f.add("invoices", map[string]any{"id": id, "type": typ, "state": "approved", "contactId": contact, "entryDate": date, "invoiceNo": no,
		"currencyId": currency, "exchangeRate": num(xr), "lines": ls, "contactMessage": ""})
	tx := b.tx(date, "invoice:"+id)
	for _, l := range lines {
		if t := dec(l.tax).Mul(dec(xr)).Round(2); !t.IsZero() {
			b.posting(tx, date, 7210, t, typ != "creditNote")
		}
	}
	return id
}

// bill adds an approved bill (or bill credit note) with its transaction
// and postings, excl. VAT, and an attached voucher unless noVoucher.
func (b *bookBuilder) bill(typ, date, voucher, contact, currency, xr string, noVoucher bool, lines ...line) string {
	id := b.next("bill")
	var ls []any
	for i, l := range lines {
		account := l.account
		if account == 0 {
			account = 2710
		}
		ls = append(ls, map[string]any{"id": fmt.Sprintf("%s-l%d", id, i), "accountId": acct(account), "taxRateId": l.rate,
			"description": l.desc, "amount": num(l.net), "tax": num(l.tax)})
	}
	rec := map[string]any{"id": id, "type": typ, "state": "approved", "contactId": contact, "entryDate": date, "voucherNo": voucher,
		"taxMode": "excl", "currencyId": currency, "exchangeRate": num(xr), "lines": ls, "attachmentIds": []any{}}
	if !noVoucher {
		rec["attachmentIds"] = []any{"att-" + id}
	}
	b.f.add("bills", rec)
	tx := b.tx(date, "bill:"+id)
	normal := typ != "creditNote"
	for _, l := range lines {
		r := rateByID(l.rate)
		net, tax := dec(l.net).Mul(dec(xr)).Round(2), dec(l.tax).Mul(dec(xr)).Round(2)
		if r.reverse {
			vat := tax
			if vat.IsZero() {
				vat = net.Mul(vatRate25).Round(2)
			}
			// The buyer's VAT: owed on the reverse-charge account, deducted on Købsmoms.
			field := map[string]int{"moms_varekoeb_udland": 7230, "moms_ydelseskoeb_udland": 7240}[r.vatField]
			b.posting(tx, date, field, vat, normal)
			b.posting(tx, date, 7220, vat, !normal)
			continue
		}
		if d := tax.Mul(decimal.NewFromFloat(r.deduct)).Round(2); !d.IsZero() {
			b.posting(tx, date, 7220, d, !normal)
		}
	}
	return id
}

// daybook adds an approved daybook entry with one posting on a VAT or
// duty account (the contra side is the bank, not read by the return).
func (b *bookBuilder) daybook(date, voucher string, account int, amount string, credit, voucherAttached bool) {
	id := b.next("dbt")
	rec := map[string]any{"id": id, "entryDate": date, "voucherNo": voucher, "state": "approved", "description": "manual entry", "attachmentIds": []any{}}
	if voucherAttached {
		rec["attachmentIds"] = []any{"att-" + id}
	}
	b.f.add("daybookTransactions", rec)
	tx := b.tx(date, "daybookTransaction:"+id)
	b.posting(tx, date, account, dec(amount), credit)
}

func (b *bookBuilder) tx(date, origin string) string {
	id := b.next("tx")
	b.f.add("transactions", map[string]any{"id": id, "transactionNo": b.n, "entryDate": date, "originatorReference": origin,
		"createdTime": date + "T10:00:00"})
	return id
}

// posting adds a posting; credit true for the credit side. A negative
// amount flips the side (Billy's amounts are always positive).
func (b *bookBuilder) posting(tx, date string, account int, amount decimal.Decimal, credit bool) {
	if amount.IsNegative() {
		amount, credit = amount.Neg(), !credit
	}
	side := "debit"
	if credit {
		side = "credit"
	}
	b.f.add("postings", map[string]any{"id": b.next("p"), "transactionId": tx, "entryDate": date, "accountId": acct(account),
		"amount": amount.InexactFloat64(), "side": side, "currencyId": "DKK"})
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }
func num(s string) float64         { return dec(s).InexactFloat64() }

// seedBusiness adds a business kind's records. The period each kind's
// return is tested for is kindPeriod.
func seedBusiness(f *fakeBooks, kind string) {
	b := &bookBuilder{f: f}
	switch kind {
	case kindFreelancer: // 2026-H1
		f.org["vatPeriod"] = "semianually"
		b.invoice("invoice", "2026-01-15", "101", "c-dk", "DKK", "1", line{rate: "tr-s25", desc: "Rådgivning januar", net: "42500.00", tax: "10625.00"})
		b.invoice("invoice", "2026-02-10", "102", "c-private", "DKK", "1", line{rate: "tr-s25", desc: "Hjemmeside", net: "7999.99", tax: "2000.00"})
		b.invoice("invoice", "2026-03-31", "103", "c-de", "EUR", "7.4605", line{rate: "tr-euy", desc: "Consulting March", net: "3200.00", tax: "0"})
		b.invoice("invoice", "2026-05-05", "104", "c-se", "DKK", "1", line{rate: "tr-euy", desc: "Workshop", net: "18750.50", tax: "0"})
		b.invoice("invoice", "2026-06-30", "105", "c-us", "DKK", "1", line{rate: "tr-exp", desc: "Rådgivning, US", net: "12000.00", tax: "0"})
		b.invoice("invoice", "2026-07-01", "106", "c-dk", "DKK", "1", line{rate: "tr-s25", desc: "Outside the period", net: "1000.00", tax: "250.00"})
		b.bill("bill", "2026-01-03", "B1", "c-ie", "EUR", "7.46", false, line{rate: "tr-uy", desc: "Cloud hosting", net: "120.00", tax: "0", account: 2320})
		b.bill("bill", "2026-02-14", "B2", "c-us", "DKK", "1", false, line{rate: "tr-uy", desc: "Software subscription (US)", net: "1499.00", tax: "0", account: 2320})
		b.bill("bill", "2026-03-20", "B3", "c-dk", "DKK", "1", true, line{rate: "tr-r25", desc: "Frokost med kunde", net: "1000.00", tax: "250.00", account: 2430})
		b.bill("bill", "2026-04-02", "B4", "c-dk", "DKK", "1", false, line{rate: "tr-k25", desc: "Skærm", net: "2399.20", tax: "599.80"})
	case kindWebshop: // 2026-Q3
		f.org["vatPeriod"] = "quarterly"
		b.invoice("invoice", "2026-07-02", "10001", "c-private", "DKK", "1", line{rate: "tr-s25", desc: "Lampe", net: "999.20", tax: "249.80"}, line{rate: "tr-s25", desc: "Pære", net: "33.33", tax: "8.33"})
		b.invoice("invoice", "2026-07-15", "10002", "c-de", "EUR", "7.4612", line{rate: "tr-euv", desc: "Lamps, 40 pcs", net: "2500.00", tax: "0"})
		b.invoice("invoice", "2026-08-01", "10003", "c-de", "DKK", "1", line{rate: "tr-euv", desc: "Shades", net: "4000.50", tax: "0"})
		b.invoice("invoice", "2026-08-20", "10004", "c-nl", "DKK", "1", line{rate: "tr-euv", desc: "Lamps", net: "12999.99", tax: "0"})
		b.invoice("invoice", "2026-09-01", "10005", "c-us", "DKK", "1", line{rate: "tr-exp", desc: "Export", net: "8000.00", tax: "0"})
		b.invoice("creditNote", "2026-09-10", "10006", "c-private", "DKK", "1", line{rate: "tr-s25", desc: "Retur lampe", net: "999.20", tax: "249.80"})
		b.invoice("creditNote", "2026-09-12", "10007", "c-nl", "DKK", "1", line{rate: "tr-euv", desc: "Returned lamps", net: "1000.00", tax: "0"})
		b.invoice("invoice", "2026-09-30", "10008", "c-dk", "DKK", "1", line{rate: "tr-s25", desc: "Engros", net: "150000.00", tax: "37500.00"}, line{rate: "tr-mf", desc: "Kursus (momsfrit)", net: "2000.00", tax: "0"})
		b.bill("bill", "2026-07-05", "K1", "c-nl", "EUR", "7.4601", false, line{rate: "tr-uv", desc: "Lampedele", net: "10000.00", tax: "0", account: 1320})
		b.bill("bill", "2026-07-20", "K2", "c-cn", "DKK", "1", false, line{rate: "tr-imp", desc: "Importmoms, toldangivelse", net: "60000.00", tax: "15000.00", account: 1330})
		b.bill("bill", "2026-08-03", "K3", "c-dk", "DKK", "1", false, line{rate: "tr-k25", desc: "Emballage", net: "5000.00", tax: "1250.00", account: 1310}, line{rate: "tr-mk", desc: "Fragtforsikring", net: "300.00", tax: "0", account: 2510})
		b.bill("creditNote", "2026-08-25", "K4", "c-dk", "DKK", "1", false, line{rate: "tr-k25", desc: "Kreditnota emballage", net: "400.00", tax: "100.00", account: 1310})
		b.bill("bill", "2026-09-15", "K5", "c-dk", "DKK", "1", false, line{rate: "tr-rep", desc: "Julegaver til kunder", net: "2000.00", tax: "500.00", account: 2420})
		b.daybook("2026-09-30", "D1", 7251, "1234.56", false, true) // elafgift refund: a debit on the duty account
	case kindService: // 2026-10
		f.org["vatPeriod"] = "monthly"
		b.invoice("invoice", "2026-10-01", "2026-001", "c-dk", "DKK", "1", line{rate: "tr-s25", desc: "Service", net: "80000.00", tax: "20000.00"})
		b.invoice("invoice", "2026-10-08", "2026-002", "c-se", "DKK", "1", line{rate: "tr-eum", desc: "Maskine leveret og installeret i Malmö", net: "95000.00", tax: "0"})
		b.invoice("invoice", "2026-10-09", "2026-003", "c-dk2", "DKK", "1", line{rate: "tr-obs", desc: "Metalskrot", net: "14500.00", tax: "0"})
		b.invoice("invoice", "2026-10-20", "2026-005", "c-kommune", "DKK", "1", line{rate: "tr-s25", desc: "Service, kommune", net: "10000.00", tax: "2500.00"})
		b.bill("bill", "2026-10-02", "S1", "c-dk2", "DKK", "1", false, line{rate: "tr-obk", desc: "Bærbare computere", net: "24000.00", tax: "0", account: 2710})
		b.bill("bill", "2026-10-10", "S2", "c-dk", "DKK", "1", false, line{rate: "tr-k50", desc: "Bil, blandet brug", net: "3000.00", tax: "750.00", account: 2510})
		b.bill("bill", "2026-10-11", "S3", "c-dk", "DKK", "1", false, line{rate: "tr-r25", desc: "Middag", net: "799.20", tax: "199.80", account: 2430})
		b.bill("bill", "2026-10-12", "S4", "c-de", "DKK", "1", false, line{rate: "tr-uy", desc: "Licens", net: "2000.00", tax: "0", account: 2320})
		b.bill("bill", "2026-10-31", "S5", "c-dk", "DKK", "1", false, line{rate: "tr-k25", desc: "Varme", net: "8000.00", tax: "2000.00", account: 2220})
		b.daybook("2026-10-31", "D1", 7251, "512.40", false, true) // elafgift
		b.daybook("2026-10-31", "D2", 7255, "88.00", false, true)  // vandafgift
		b.daybook("2026-10-31", "D3", 7250, "140.10", false, true) // olie
		b.daybook("2026-10-31", "D4", 7252, "75.75", false, true)  // gas
		b.daybook("2026-10-31", "D5", 7253, "10.00", false, true)  // kul
		b.daybook("2026-10-31", "D6", 7254, "33.30", false, true)  // CO2
		b.daybook("2026-10-15", "D7", 7210, "125.00", true, false) // salgsmoms of a cash sale, its receipt missing
	}
}

// kindPeriod is the period each kind is tested for.
var kindPeriod = map[string]string{kindFreelancer: "2026-H1", kindWebshop: "2026-Q3", kindService: "2026-10"}

// simpleReturn is the test's own calculation, deliberately simple and
// written apart from the plugin: for every approved invoice and bill
// dated in the period, each line's DKK amounts go where the hand-written
// table testRates says (credit notes negative); each daybook entry's
// posting goes to its account's field; each field is truncated to whole
// kroner; the tilsvar is the owed fields less the deducted ones.
func simpleReturn(f *fakeBooks, start, end string) (map[string]int64, int64) {
	exact := map[string]decimal.Decimal{}
	in := func(d any) bool { s := d.(string); return s >= start && s <= end }
	nonEU := map[string]bool{"US": true, "CN": true}
	countryOf := func(id any) string {
		for _, c := range f.records["contacts"] {
			if c["id"] == id {
				return c["countryId"].(string)
			}
		}
		return ""
	}
	for _, plural := range []string{"invoices", "bills"} {
		for _, d := range f.records[plural] {
			if d["state"] != "approved" || !in(d["entryDate"]) {
				continue
			}
			sign := decimal.NewFromInt(1)
			if d["type"] == "creditNote" {
				sign = sign.Neg()
			}
			xr := decimal.NewFromFloat(d["exchangeRate"].(float64))
			for _, l := range d["lines"].([]any) {
				l := l.(map[string]any)
				r := rateByID(l["taxRateId"].(string))
				netCur, taxCur := decimal.NewFromFloat(l["amount"].(float64)), decimal.NewFromFloat(l["tax"].(float64))
				// Amounts in the document's currency are converted to
				// DKK to the øre; VAT is worked out before converting.
				dkk := func(cur decimal.Decimal) decimal.Decimal { return cur.Round(2).Mul(xr).Round(2).Mul(sign) }
				net, tax := dkk(netCur), dkk(taxCur)
				rubrik := r.rubrik
				if plural == "bills" && nonEU[countryOf(d["contactId"])] {
					rubrik = "" // rubrik A is for EU suppliers only
				}
				if rubrik != "" {
					exact[rubrik] = exact[rubrik].Add(net)
				}
				switch {
				case r.reverse:
					vatCur := taxCur
					if vatCur.IsZero() {
						vatCur = netCur.Mul(decimal.RequireFromString("0.25"))
					}
					exact[r.vatField] = exact[r.vatField].Add(dkk(vatCur))
					exact["koebsmoms"] = exact["koebsmoms"].Add(dkk(vatCur.Round(2).Mul(decimal.NewFromFloat(r.deduct))))
				case r.vatField == "koebsmoms":
					exact["koebsmoms"] = exact["koebsmoms"].Add(dkk(taxCur.Mul(decimal.NewFromFloat(r.deduct))))
				case r.vatField == "salgsmoms":
					exact["salgsmoms"] = exact["salgsmoms"].Add(tax)
				}
			}
		}
	}
	accountField := map[string]string{acct(7210): "salgsmoms", acct(7220): "koebsmoms", acct(7250): "olie_flaskegasafgift", acct(7251): "elafgift",
		acct(7252): "naturgas_bygasafgift", acct(7253): "kulafgift", acct(7254): "co2_afgift", acct(7255): "vandafgift"}
	owed := map[string]bool{"salgsmoms": true}
	for _, t := range f.records["transactions"] {
		if !in(t["entryDate"]) || t["originatorReference"].(string)[:7] != "daybook" {
			continue
		}
		for _, p := range f.records["postings"] {
			if p["transactionId"] != t["id"] {
				continue
			}
			field := accountField[p["accountId"].(string)]
			amt := decimal.NewFromFloat(p["amount"].(float64))
			if (p["side"] == "credit") != owed[field] {
				amt = amt.Neg()
			}
			exact[field] = exact[field].Add(amt)
		}
	}
	out := map[string]int64{}
	var tilsvar int64
	for k, v := range exact {
		out[k] = v.Truncate(0).IntPart()
	}
	for _, k := range []string{"salgsmoms", "moms_varekoeb_udland", "moms_ydelseskoeb_udland"} {
		tilsvar += out[k]
	}
	for _, k := range []string{"koebsmoms", "olie_flaskegasafgift", "elafgift", "naturgas_bygasafgift", "kulafgift", "co2_afgift", "vandafgift"} {
		tilsvar -= out[k]
	}
	for k, v := range out {
		if v == 0 {
			delete(out, k)
		}
	}
	return out, tilsvar
}
