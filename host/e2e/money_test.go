package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/sandbox"
)

// The issue "Invoicing right to the øre", end to end: the invoices plugin
// through the real host against a sandbox of each business kind. The
// sandbox runs in this process and the host reaches it as it reaches
// Billy (mode production, billy.api_base), so a test can read the raw
// records the tools summarize, and write what no tool writes (a customer's
// payment terms mode, a discount).
//
// Amounts are compared as exact rationals (math/big): a tool's JSON number
// is read back as the decimal literal it was written as.

// moneyKinds are the sandbox's business kinds.
var moneyKinds = []string{sandbox.BusinessFreelancer, sandbox.BusinessRetail, sandbox.BusinessService}

// moneyEnv is a host in direct write mode over one in-process sandbox.
type moneyEnv struct {
	t     *testing.T
	s     *scenario
	base  string // the sandbox's API base, http://…/v2
	token string // the organization's access token
	today string
}

func startMoney(t *testing.T, business string) *moneyEnv {
	t.Helper()
	org, base := serveSandbox(t, "e2e-money", business)
	h := startHost(t, "plugins:\n  invoices: {path: billy-mcp-plugin-invoices}\n",
		append(sandboxEnv(org, base), "BILLY_MCP_WRITES=direct")...)
	h.waitReady(20 * time.Second)
	return &moneyEnv{t: t, s: &scenario{t: t, c: h.mcpHTTP()}, base: base, token: org.AccessToken,
		today: time.Now().In(copenhagen()).Format(time.DateOnly)}
}

func copenhagen() *time.Location {
	loc, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return loc
}

// in makes a subtest the one that reports (a subtest must not fail its
// parent's t) and returns m.
func (m *moneyEnv) in(t *testing.T) *moneyEnv {
	m.t, m.s.t = t, t
	return m
}

// raw sends a request to the sandbox as Billy's API and decodes the answer
// keeping numbers as written.
func (m *moneyEnv) raw(method, path string, body any) (int, map[string]any) {
	m.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, m.base+path, r)
	req.Header.Set("X-Access-Token", m.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		m.t.Fatal(err)
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	var out map[string]any
	if err := dec.Decode(&out); err != nil {
		m.t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp.StatusCode, out
}

// rawOK is raw, failing unless Billy answered 200.
func (m *moneyEnv) rawOK(method, path string, body any) map[string]any {
	m.t.Helper()
	status, out := m.raw(method, path, body)
	if status != 200 {
		m.t.Fatalf("%s %s: %d %v", method, path, status, out)
	}
	return out
}

// rawAll reads every record of a list.
func (m *moneyEnv) rawAll(path, key string) []map[string]any {
	m.t.Helper()
	var out []map[string]any
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	for page := 1; ; page++ {
		body := m.rawOK("GET", fmt.Sprintf("%s%spage=%d&pageSize=1000", path, sep, page), nil)
		for _, x := range body[key].([]any) {
			out = append(out, x.(map[string]any))
		}
		paging := body["meta"].(map[string]any)["paging"].(map[string]any)
		if n, _ := paging["pageCount"].(json.Number).Int64(); int64(page) >= n {
			return out
		}
	}
}

// ratOf reads an amount from a tool result (a float64 holding a decimal
// literal of at most 15 digits, which its shortest form gives back) or a
// raw record (a json.Number).
func ratOf(t *testing.T, v any) *big.Rat {
	t.Helper()
	var s string
	switch x := v.(type) {
	case json.Number:
		s = x.String()
	case float64:
		s = strconv.FormatFloat(x, 'g', -1, 64)
	case string:
		s = x
	default:
		t.Fatalf("%v (%T) is not an amount", v, v)
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("%q is not a decimal", s)
	}
	return r
}

// wantAmount fails unless got is the decimal want.
func wantAmount(t *testing.T, what string, got any, want string) {
	t.Helper()
	if g := ratOf(t, got); g.Cmp(ratOf(t, want)) != 0 {
		t.Errorf("%s = %s, want %s", what, g.FloatString(4), want)
	}
}

func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }

func list(v any) []any { l, _ := v.([]any); return l }

// customer creates a Danish company customer (25 % VAT on services).
func (m *moneyEnv) customer(name string) string {
	return m.s.done("create_customer", map[string]any{"name": name, "email": "bogholderi@example.dk",
		"address": map[string]any{"street": "Vestergade 1", "zipcode": "8000", "city": "Aarhus C", "country": "DK"}})["record"].(map[string]any)["id"].(string)
}

func (m *moneyEnv) product(name string, prices ...any) string {
	var ps []any
	for i := 0; i+1 < len(prices); i += 2 {
		ps = append(ps, map[string]any{"unitPrice": prices[i], "currencyId": prices[i+1]})
	}
	return m.s.done("create_product", map[string]any{"name": name, "prices": ps})["record"].(map[string]any)["id"].(string)
}

// approved creates and approves an invoice.
func (m *moneyEnv) approved(args map[string]any) map[string]any {
	id := m.s.done("create_invoice", args)["record"].(map[string]any)["id"]
	return m.s.done("approve_invoice", map[string]any{"invoiceId": id})["record"].(map[string]any)
}

// TestMoneyRightToTheOre reproduces the points 1-8 on each
// business kind's sandbox.
func TestMoneyRightToTheOre(t *testing.T) {
	for _, kind := range moneyKinds {
		t.Run(kind, func(t *testing.T) {
			m := startMoney(t, kind)
			cust := m.customer("Øre & Søn ApS")
			t.Run("1 a foreign-currency payment settles the right amount", func(t *testing.T) { m.in(t).foreignPayment(cust) })
			t.Run("2 credit notes are not receivables", func(t *testing.T) { m.in(t).creditNotes(cust) })
			t.Run("3 a VAT-inclusive default price", func(t *testing.T) { m.in(t).inclusivePrice(cust) })
			t.Run("4 days alone are net days", func(t *testing.T) { m.in(t).netDays(cust) })
			t.Run("8 unit prices and discounts", func(t *testing.T) { m.in(t).unitPrices(cust) })
		})
	}
}

// Points 1, 6 and 7: EUR 1,195.31 paid into the DKK account at 7.46.
func (m *moneyEnv) foreignPayment(cust string) {
	t, s := m.t, m.s
	prod := m.product("Konsulenttime EU", 956.25, "EUR", 7125, "DKK")
	inv := m.approved(map[string]any{"contactId": cust, "currencyId": "EUR", "lines": []any{map[string]any{"productId": prod}}})
	id := inv["id"]
	wantAmount(t, "gross", inv["grossAmount"], "1195.31")
	day := inv["entryDate"]

	// The preview, before anything is written: both currencies, Danish.
	dry := s.ok("mark_invoice_paid", map[string]any{"invoiceId": id, "paymentDate": day, "cashExchangeRate": 7.46, "dry_run": true})
	body := obj(obj(list(dry["requests"])[0])["body"])["bankPayment"].(map[string]any)
	wantAmount(t, "cashAmount sent", body["cashAmount"], "8917.01")
	wantAmount(t, "cashExchangeRate sent", body["cashExchangeRate"], "7.46")
	preview, _ := json.Marshal(dry["preview"])
	for _, want := range []string{"8.917,01 kr.", "1.195,31 EUR at 7,46 DKK per EUR"} {
		if !strings.Contains(string(preview), want) {
			t.Errorf("preview lacks %q: %s", want, preview)
		}
	}

	// Part of it: the amount is in the invoice's currency.
	part := s.done("mark_invoice_paid", map[string]any{"invoiceId": id, "paymentDate": day, "amount": 500, "cashExchangeRate": 7.46})["record"].(map[string]any)
	pay := obj(part["payment"])
	wantAmount(t, "cash", pay["cashAmount"], "3730")
	wantAmount(t, "settled", pay["amount"], "500")
	if pay["cashCurrency"] != "DKK" || pay["currency"] != "EUR" {
		t.Errorf("payment currencies %v / %v", pay["cashCurrency"], pay["currency"])
	}
	wantAmount(t, "balance after 500 EUR", obj(list(part["invoices"])[0])["balance"], "695.31")

	// Point 6: the Danish email says what is left, with a Danish date.
	email := s.ok("send_invoice", map[string]any{"invoiceId": id, "dry_run": true})
	text := obj(obj(obj(list(email["requests"])[0])["body"])["email"])["emailBody"].(string)
	if !strings.Contains(text, "Vi har modtaget 500,00 EUR; restbeløbet på 695,31 EUR") || regexp.MustCompile(`\d{4}-\d\d-\d\d`).MatchString(text) {
		t.Errorf("email text: %q", text)
	}

	// The rest: nothing is left open.
	rest := s.done("mark_invoice_paid", map[string]any{"invoiceId": id, "paymentDate": day, "cashExchangeRate": 7.46})
	wantAmount(t, "cash for the rest", obj(obj(rest["record"])["payment"])["cashAmount"], "5187.01")
	if !strings.Contains(rest["message"].(string), "5.187,01 kr.") || !strings.Contains(rest["message"].(string), "695,31 EUR") {
		t.Errorf("message: %v", rest["message"])
	}
	raw := m.rawOK("GET", "/invoices/"+id.(string), nil)["invoice"].(map[string]any)
	wantAmount(t, "Billy's balance", raw["balance"], "0")
	if raw["isPaid"] != true {
		t.Errorf("Billy says isPaid %v", raw["isPaid"])
	}

	// Point 7: revenue in EUR has its DKK equivalent at each invoice's own
	// rate (as Billy booked it), and the payment basis says what its VAT
	// is.
	wantNet := new(big.Rat)
	for _, x := range m.rawAll("/invoices?state=approved&currencyId=EUR&minEntryDate="+day.(string)+"&maxEntryDate="+day.(string), "invoices") {
		dkk := roundHalfUp(new(big.Rat).Mul(ratOf(t, x["amount"]), ratOf(t, x["exchangeRate"])), 2)
		if x["type"] == "creditNote" {
			dkk.Neg(dkk)
		}
		wantNet.Add(wantNet, dkk)
	}
	rev := s.ok("get_revenue", map[string]any{"startDate": day, "endDate": day, "basis": "invoice"})
	found := false
	for _, c := range list(rev["currencies"]) {
		if c := obj(c); c["currency"] == "EUR" {
			found = true
			base := obj(c["inBaseCurrency"])
			if base["currency"] != "DKK" || !strings.Contains(fmt.Sprint(base["rates"]), "own exchange rate") {
				t.Errorf("inBaseCurrency %v", base)
			}
			wantAmount(t, "EUR revenue in DKK", base["net"], wantNet.FloatString(2))
		}
	}
	if !found {
		t.Errorf("no EUR revenue on %v: %v", day, rev["currencies"])
	}
	pb := s.ok("get_revenue", map[string]any{"startDate": day, "endDate": day})
	if !strings.Contains(pb["basisExplained"].(string), "VAT return (momsangivelse) uses VAT by invoice date") {
		t.Errorf("payment basis: %v", pb["basisExplained"])
	}
}

// Points 2, 5 and 6: a paid invoice credited in full leaves a credit note
// that is owed back, not owed.
func (m *moneyEnv) creditNotes(cust string) {
	t, s := m.t, m.s
	past := time.Now().AddDate(0, 0, -40).Format(time.DateOnly)
	prod := m.product("Rådgivning", 1000, "DKK")
	inv := m.approved(map[string]any{"contactId": cust, "entryDate": past, "paymentTermsDays": 14, "lines": []any{map[string]any{"productId": prod}}})
	id := inv["id"]
	wantAmount(t, "gross", inv["grossAmount"], "1250")
	s.done("mark_invoice_paid", map[string]any{"invoiceId": id, "paymentDate": past})
	// Danish formats in the preview's message (point 6).
	dry := s.ok("create_credit_note", map[string]any{"invoiceId": id, "entryDate": past, "dry_run": true})
	if msg, _ := json.Marshal(dry["preview"]); !strings.Contains(string(msg), "1.250,00 kr.") || strings.Contains(string(msg), "1,250.00") {
		t.Errorf("preview: %s", msg)
	}
	cn := s.done("create_credit_note", map[string]any{"invoiceId": id, "entryDate": past})["record"].(map[string]any)
	wantAmount(t, "credit note gross", cn["grossAmount"], "-1250")
	wantAmount(t, "credit note balance (owed back)", cn["balance"], "-1250")
	if cn["isOverdue"] == true {
		t.Errorf("a credit note is overdue: %v", cn)
	}

	// Point 5: a second full credit is refused, in direct mode too.
	if e := s.fails("create_credit_note", map[string]any{"invoiceId": id}); e["code"] != "credit_exceeds_invoice" {
		t.Errorf("second credit: %v", e)
	}
	notes := m.rawAll("/invoices?creditedInvoiceId="+id.(string), "invoices")
	if len(notes) != 1 {
		t.Errorf("%d credit notes in Billy", len(notes))
	}

	// The customer owes nothing; the credit note is listed on its own.
	unpaid := s.ok("list_invoices", map[string]any{"contactId": cust, "state": "unpaid", "limit": 100})
	for _, x := range list(unpaid["invoices"]) {
		if obj(x)["type"] != "invoice" {
			t.Errorf("unpaid lists %v", x)
		}
	}
	notesListed := list(s.ok("list_invoices", map[string]any{"contactId": cust, "state": "creditNotes"})["invoices"])
	if len(notesListed) != 1 || obj(notesListed[0])["id"] != cn["id"] {
		t.Errorf("creditNotes: %v", notesListed)
	}
	// The signs make sums right: this invoice and its credit net to zero.
	gross, balance := new(big.Rat), new(big.Rat)
	for _, x := range list(s.ok("list_invoices", map[string]any{"contactId": cust, "state": "approved", "limit": 100, "currencyId": "DKK"})["invoices"]) {
		if x := obj(x); x["id"] == id || x["id"] == cn["id"] {
			gross.Add(gross, ratOf(t, x["grossAmount"]))
			balance.Add(balance, ratOf(t, x["balance"]))
		}
	}
	if gross.Sign() != 0 || balance.Cmp(big.NewRat(-1250, 1)) != 0 {
		t.Errorf("Σ gross %s, Σ balance %s", gross.FloatString(2), balance.FloatString(2))
	}

	// Across the seeded books: paid and unpaid count invoices only, as
	// Billy's raw records do, and isPaid alone lists no draft, voided
	// invoice or credit note.
	all := m.rawAll("/invoices", "invoices")
	count := func(paid bool) int {
		n := 0
		for _, x := range all {
			if x["type"] == "invoice" && x["state"] == "approved" && x["isPaid"] == paid {
				n++
			}
		}
		return n
	}
	for _, tt := range []struct {
		args map[string]any
		want int
	}{
		{map[string]any{"state": "paid"}, count(true)},
		{map[string]any{"state": "unpaid"}, count(false)},
		{map[string]any{"isPaid": false}, count(false)},
	} {
		out := s.ok("list_invoices", with(tt.args, "limit", 100))
		if int(out["total"].(float64)) != tt.want {
			t.Errorf("%v: total %v, Billy's records say %d", tt.args, out["total"], tt.want)
		}
		for _, x := range list(out["invoices"]) {
			if x := obj(x); x["type"] != "invoice" || x["state"] != "approved" {
				t.Errorf("%v lists %v %v", tt.args, x["type"], x["state"])
			}
		}
	}
}

func with(args map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range args {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// Point 3: 302.40 excl. VAT is 378.00 incl. VAT.
func (m *moneyEnv) inclusivePrice(cust string) {
	t := m.t
	prod := m.product("Uldplaid", 302.4, "DKK")
	rec := m.s.done("create_invoice", map[string]any{"contactId": cust, "taxMode": "incl", "lines": []any{map[string]any{"productId": prod}}})["record"].(map[string]any)
	wantAmount(t, "gross", rec["grossAmount"], "378")
	wantAmount(t, "VAT", rec["tax"], "75.6")
	wantAmount(t, "net", rec["amount"], "302.4")
	wantAmount(t, "unit price", obj(list(rec["lines"])[0])["unitPrice"], "378")
}

// Point 4: 8 days from 3 November is 11 November, whatever the customer's
// mode; without days the customer's terms apply.
func (m *moneyEnv) netDays(cust string) {
	t := m.t
	m.rawOK("PUT", "/contacts/"+cust, map[string]any{"contact": map[string]any{"paymentTermsMode": "netEndOfMonth", "paymentTermsDays": 30}})
	line := []any{map[string]any{"productId": m.product("Timer", 850, "DKK")}}
	rec := m.s.done("create_invoice", map[string]any{"contactId": cust, "entryDate": "2026-11-03", "paymentTermsDays": 8, "lines": line})["record"].(map[string]any)
	if rec["dueDate"] != "2026-11-11" || rec["paymentTermsMode"] != "net" {
		t.Errorf("8 days: due %v (%v)", rec["dueDate"], rec["paymentTermsMode"])
	}
	rec = m.s.done("create_invoice", map[string]any{"contactId": cust, "entryDate": "2026-11-03", "lines": line})["record"].(map[string]any)
	if rec["dueDate"] != "2026-12-30" {
		t.Errorf("the customer's løbende måned + 30: due %v", rec["dueDate"])
	}
}

// Point 8: unit prices with 4 decimals, no rounding before multiplying,
// no discount larger than its line, no floating-point noise in the seed.
func (m *moneyEnv) unitPrices(cust string) {
	t, s := m.t, m.s
	prod := m.product("kWh", 2.3456, "DKK")
	for _, tt := range []struct {
		qty, price any
		amount     string
	}{{100, 0.125, "12.5"}, {1000, 1.2345, "1234.5"}, {812.5, 2.3456, "1905.8"}} {
		rec := s.done("create_invoice", map[string]any{"contactId": cust, "lines": []any{map[string]any{"productId": prod, "quantity": tt.qty, "unitPrice": tt.price}}})["record"].(map[string]any)
		wantAmount(t, fmt.Sprintf("%v × %v", tt.qty, tt.price), rec["amount"], tt.amount)
	}
	if e := s.fails("create_invoice", map[string]any{"contactId": cust, "lines": []any{map[string]any{"productId": prod, "unitPrice": 2.34567}}}); e["code"] != "invalid_arguments" {
		t.Errorf("5 decimals: %v", e)
	}
	status, body := m.raw("POST", "/invoices", map[string]any{"invoice": map[string]any{"contactId": cust, "entryDate": m.today,
		"lines": []any{map[string]any{"productId": prod, "quantity": 1, "unitPrice": 10, "discountMode": "cash_discount", "discountValue": 50}}}})
	if status != 422 {
		t.Errorf("a 50.00 discount on a 10.00 line: %d %v", status, body)
	}
	for _, pp := range m.rawAll("/productPrices", "productPrices") {
		if r := ratOf(t, pp["unitPrice"]); !new(big.Rat).Mul(r, big.NewRat(10000, 1)).IsInt() {
			t.Errorf("seeded price %v has floating-point noise", pp["unitPrice"])
		}
	}
}

// TestMoneyPaymentRoundTrips pays EUR invoices into the DKK account and
// into the EUR account (the service business has one) and checks balance
// and isPaid after each step, in the tools and in Billy's records.
func TestMoneyPaymentRoundTrips(t *testing.T) {
	m := startMoney(t, sandbox.BusinessService)
	s := m.s
	cust := m.customer("Euro Kunde ApS")
	prod := m.product("Drift EU", 956.25, "EUR")
	accounts := list(s.ok("list_accounts", map[string]any{"bankAccountsOnly": true})["accounts"])
	eurAccount := ""
	for _, a := range accounts {
		if a := obj(a); a["currencyId"] == "EUR" {
			eurAccount = a["id"].(string)
		}
	}
	if eurAccount == "" {
		t.Fatalf("no EUR bank account: %v", accounts)
	}
	for _, tt := range []struct {
		name    string
		args    map[string]any
		steps   []string // amounts in EUR, "" for the rest
		cash    []string // what reaches the account
		cashCur string
	}{
		{"into the DKK account at the bank's rate", map[string]any{"cashExchangeRate": 7.46}, []string{"700", ""}, []string{"5222", "3695.01"}, "DKK"},
		{"into the EUR account, no rate", map[string]any{"cashAccountId": eurAccount}, []string{"195.31", ""}, []string{"195.31", "1000"}, "EUR"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m.in(t)
			inv := m.approved(map[string]any{"contactId": cust, "currencyId": "EUR", "lines": []any{map[string]any{"productId": prod}}})
			id := inv["id"].(string)
			left := ratOf(t, "1195.31")
			for i, step := range tt.steps {
				args := with(tt.args, "invoiceId", id, "paymentDate", inv["entryDate"])
				if step != "" {
					args["amount"] = json.Number(step)
					left.Sub(left, ratOf(t, step))
				} else {
					left.SetInt64(0)
				}
				rec := s.done("mark_invoice_paid", args)["record"].(map[string]any)
				pay, got := obj(rec["payment"]), obj(list(rec["invoices"])[0])
				wantAmount(t, "cash", pay["cashAmount"], tt.cash[i])
				if pay["cashCurrency"] != tt.cashCur || pay["currency"] != "EUR" {
					t.Errorf("payment in %v for %v", pay["cashCurrency"], pay["currency"])
				}
				raw := m.rawOK("GET", "/invoices/"+id, nil)["invoice"].(map[string]any)
				for _, bal := range []any{got["balance"], raw["balance"]} {
					wantAmount(t, fmt.Sprintf("balance after step %d", i+1), bal, left.FloatString(2))
				}
				paid := left.Sign() == 0
				if got["isPaid"] != paid || raw["isPaid"] != paid {
					t.Errorf("step %d: isPaid %v (Billy %v), want %v", i+1, got["isPaid"], raw["isPaid"], paid)
				}
			}
			// list_payments shows both currencies of each payment.
			for _, p := range list(s.ok("list_payments", map[string]any{"invoiceId": id})["payments"]) {
				if p := obj(p); p["cashCurrency"] != tt.cashCur || p["currency"] != "EUR" {
					t.Errorf("listed payment %v", p)
				}
			}
		})
	}
}

// TestMoneyProperty creates random invoices in each business kind's
// sandbox, through Billy's API (lines with quantities and unit prices of up
// to 4 decimals, cash and percentage discounts, both tax modes, customers
// whose countries give different VAT rates, several currencies) and through
// create_invoice, and checks that the sandbox's totals equal an
// independent decimal calculation (danish-compliance.md R3, written here
// in math/big) and that the tools' summaries equal the sandbox's records.
func TestMoneyProperty(t *testing.T) {
	for _, kind := range moneyKinds {
		t.Run(kind, func(t *testing.T) {
			m := startMoney(t, kind)
			rng := rand.New(rand.NewPCG(7, uint64(len(kind))))
			rates := map[string]*big.Rat{}
			for _, tr := range m.rawAll("/taxRates", "taxRates") {
				rates[tr["id"].(string)] = ratOf(t, tr["rate"])
			}
			contacts := m.rawAll("/contacts?isCustomer=true", "contacts")
			products := m.rawAll("/products", "products")
			for i := range 30 {
				c := contacts[rng.IntN(len(contacts))]
				viaTool := i%3 == 0
				body, bases := randomInvoice(rng, c["id"].(string), products, !viaTool)
				var id string
				if viaTool {
					id = m.s.done("create_invoice", body)["record"].(map[string]any)["id"].(string)
				} else {
					id = m.rawOK("POST", "/invoices", map[string]any{"invoice": body})["invoices"].([]any)[0].(map[string]any)["id"].(string)
				}
				raw := m.rawOK("GET", "/invoices/"+id+"?include=invoice.lines:embed", nil)["invoice"].(map[string]any)
				what := fmt.Sprintf("invoice %d (%v, %v, via tool %v)", i, raw["taxMode"], raw["currencyId"], viaTool)
				checkIndependentTotals(t, what, raw, bases, rates)
				tool := m.s.ok("get_invoice", map[string]any{"invoiceId": id})
				sameAmounts(t, what, tool, raw, "amount", "tax", "grossAmount", "balance", "exchangeRate")
				for j, l := range list(raw["lines"]) {
					sameAmounts(t, fmt.Sprintf("%s line %d", what, j), obj(list(tool["lines"])[j]), obj(l), "quantity", "unitPrice", "amount", "tax", "discountValue")
				}
				// The list's summary is the same record.
				for _, x := range list(m.s.ok("list_invoices", map[string]any{"contactId": c["id"], "state": "draft", "limit": 100})["invoices"]) {
					if obj(x)["id"] == id {
						sameAmounts(t, what+" listed", obj(x), raw, "amount", "tax", "grossAmount", "balance")
					}
				}
			}
		})
	}
}

// randomInvoice is a random draft and each line's expected amount before
// VAT (quantity × unit price less the discount, rounded to øre once).
// Discounts are only set when the invoice goes straight to Billy (the
// tools take none).
func randomInvoice(rng *rand.Rand, contactID string, products []map[string]any, discounts bool) (map[string]any, []*big.Rat) {
	body := map[string]any{"contactId": contactID, "entryDate": "2026-11-20", "taxMode": []string{"excl", "incl"}[rng.IntN(2)],
		"currencyId": []string{"DKK", "DKK", "EUR", "USD", "SEK"}[rng.IntN(5)]}
	var lines []any
	var bases []*big.Rat
	for range 1 + rng.IntN(5) {
		qty, price := randomDecimal(rng, 1, 300, 4), randomDecimal(rng, 0, 25000, 4)
		gross := new(big.Rat).Mul(mustRat(qty), mustRat(price))
		line := map[string]any{"productId": products[rng.IntN(len(products))]["id"], "quantity": json.Number(qty), "unitPrice": json.Number(price)}
		base := new(big.Rat).Set(gross)
		if discounts {
			switch rng.IntN(3) {
			case 1:
				off := truncTo(new(big.Rat).Mul(gross, big.NewRat(int64(rng.IntN(101)), 100)), 2)
				line["discountMode"], line["discountValue"] = "cash_discount", json.Number(off.FloatString(2))
				base.Sub(gross, off)
			case 2:
				pct := randomDecimal(rng, 0, 100, 2)
				line["discountMode"], line["discountValue"] = "percentage_discount", json.Number(pct)
				base.Mul(gross, new(big.Rat).Sub(big.NewRat(1, 1), new(big.Rat).Quo(mustRat(pct), big.NewRat(100, 1))))
			}
		}
		lines = append(lines, line)
		bases = append(bases, roundHalfUp(base, 2))
	}
	body["lines"] = lines
	return body, bases
}

// checkIndependentTotals recomputes an invoice from its lines: VAT per rate
// on the sum of the rate's lines, half-up to øre; with prices including
// VAT, the VAT the sum contains.
func checkIndependentTotals(t *testing.T, what string, inv map[string]any, bases []*big.Rat, rates map[string]*big.Rat) {
	t.Helper()
	lines := list(inv["lines"])
	if len(lines) != len(bases) {
		t.Fatalf("%s: %d lines, want %d", what, len(lines), len(bases))
	}
	incl := inv["taxMode"] == "incl"
	perRate := map[string]*big.Rat{}
	var order []string
	for i, l := range lines {
		id := obj(l)["taxRateId"].(string)
		if perRate[id] == nil {
			perRate[id], order = new(big.Rat), append(order, id)
		}
		perRate[id].Add(perRate[id], bases[i])
	}
	net, vat := new(big.Rat), new(big.Rat)
	for _, id := range order {
		r, base := rates[id], perRate[id]
		var v *big.Rat
		if incl {
			v = roundHalfUp(new(big.Rat).Quo(new(big.Rat).Mul(base, r), new(big.Rat).Add(big.NewRat(1, 1), r)), 2)
			net.Add(net, new(big.Rat).Sub(base, v))
		} else {
			v = roundHalfUp(new(big.Rat).Mul(base, r), 2)
			net.Add(net, base)
		}
		vat.Add(vat, v)
	}
	for _, f := range []struct {
		key  string
		want *big.Rat
	}{{"amount", net}, {"tax", vat}, {"grossAmount", new(big.Rat).Add(net, vat)}} {
		if got := ratOf(t, inv[f.key]); got.Cmp(f.want) != 0 {
			t.Errorf("%s: Billy's %s is %s, an independent calculation gives %s", what, f.key, got.FloatString(2), f.want.FloatString(2))
		}
	}
}

// sameAmounts compares fields of a tool's record with Billy's, as decimals
// (absent and null alike).
func sameAmounts(t *testing.T, what string, tool, raw map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		a, b := tool[k], raw[k]
		if a == nil || b == nil {
			if (a == nil) != (b == nil) && !(k == "exchangeRate" && b != nil && ratOf(t, b).Cmp(big.NewRat(1, 1)) == 0) {
				t.Errorf("%s: %s is %v in the tool, %v in Billy", what, k, a, b)
			}
			continue
		}
		if ratOf(t, a).Cmp(ratOf(t, b)) != 0 {
			t.Errorf("%s: %s is %v in the tool, %v in Billy", what, k, a, b)
		}
	}
}

func randomDecimal(rng *rand.Rand, lo, hi int64, places int) string {
	p := rng.IntN(places + 1)
	scale := int64(1)
	for range p {
		scale *= 10
	}
	v := lo*scale + rng.Int64N((hi-lo)*scale+1)
	return new(big.Rat).SetFrac64(v, scale).FloatString(p)
}

func mustRat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic(s)
	}
	return r
}

// roundHalfUp rounds half away from zero to places decimals.
func roundHalfUp(x *big.Rat, places int) *big.Rat {
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places)), nil)
	scaled := new(big.Rat).Mul(x, new(big.Rat).SetInt(scale))
	q, r := new(big.Int).QuoRem(new(big.Int).Abs(scaled.Num()), scaled.Denom(), new(big.Int))
	if new(big.Int).Mul(r, big.NewInt(2)).Cmp(scaled.Denom()) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if scaled.Sign() < 0 {
		q.Neg(q)
	}
	return new(big.Rat).SetFrac(q, scale)
}

// truncTo cuts x (≥ 0) to places decimals.
func truncTo(x *big.Rat, places int) *big.Rat {
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places)), nil)
	scaled := new(big.Rat).Mul(x, new(big.Rat).SetInt(scale))
	return new(big.Rat).SetFrac(new(big.Int).Quo(scaled.Num(), scaled.Denom()), scale)
}
