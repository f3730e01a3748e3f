package invoices

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
)

// fakeBilly is a small map-backed Billy for unit tests: records are JSON
// objects keyed by plural and ID, stored with their embedded children
// (lines, contactPersons, prices, associations) whatever the include asks.
// It speaks Billy's envelope, pages with page/pageSize, filters by
// equality and min/max dates, and records every request. The real wire
// behaviour is covered by the host's end-to-end tests against the sandbox.
type fakeBilly struct {
	mu       sync.Mutex
	records  map[string]map[string]map[string]any
	requests []recorded
	seq      int
	// fail answers the next request matching "METHOD path" with the error.
	fail map[string]error
	// hook, when set, may answer a request itself (returning true).
	hook func(r recorded) (any, bool)
}

type recorded struct {
	Method, Path string
	Query        url.Values
	Body         map[string]any
}

func (r recorded) String() string { return r.Method + " " + r.Path }

func newFake() *fakeBilly {
	f := &fakeBilly{records: map[string]map[string]map[string]any{}, fail: map[string]error{}}
	f.put("organizations", map[string]any{"id": "org-1", "name": "Hansen Consulting ApS", "baseCurrencyId": "DKK",
		"countryId": "DK", "registrationNo": "12345678", "defaultInvoiceBankAccountId": "acct-bank"})
	f.put("accounts", map[string]any{"id": "acct-bank", "name": "Bankkonto", "accountNo": 5810, "natureId": "asset",
		"isBankAccount": true, "isPaymentEnabled": true, "currencyId": "DKK"})
	f.put("accounts", map[string]any{"id": "acct-eur", "name": "Bankkonto EUR", "accountNo": 5820, "natureId": "asset",
		"isBankAccount": true, "isPaymentEnabled": true, "currencyId": "EUR"})
	f.put("contacts", map[string]any{"id": "contact-1", "type": "company", "name": "Jensen ApS", "countryId": "DK", "isCustomer": true,
		"contactPersons": []any{map[string]any{"id": "person-1", "contactId": "contact-1", "name": "Mette Jensen", "email": "mette@jensen.dk", "isPrimary": true}}})
	f.put("contactPersons", map[string]any{"id": "person-1", "contactId": "contact-1", "name": "Mette Jensen", "email": "mette@jensen.dk", "isPrimary": true})
	f.put("products", map[string]any{"id": "product-1", "name": "Rådgivning", "salesTaxRulesetId": "rs-services",
		"prices": []any{map[string]any{"unitPrice": 1000, "currencyId": "DKK"}, map[string]any{"unitPrice": 134, "currencyId": "EUR"}}})
	// VAT: 25 % in Denmark, reverse charge (0 %) to EU companies, 0 % to
	// the rest of the world, as the sandbox's ruleset for services.
	f.put("taxRates", map[string]any{"id": "tax-s25", "name": "Salgsmoms", "rate": 0.25, "appliesToSales": true, "isActive": true})
	f.put("taxRates", map[string]any{"id": "tax-euy", "name": "EU-ydelser", "rate": 0, "appliesToSales": true, "isActive": true})
	f.put("taxRates", map[string]any{"id": "tax-exp", "name": "Eksport", "rate": 0, "appliesToSales": true, "isActive": true})
	f.put("salesTaxRulesets", map[string]any{"id": "rs-services", "fallbackTaxRateId": "tax-exp", "rules": []any{
		map[string]any{"countryId": "DK", "taxRateId": "tax-s25", "priority": 1},
		map[string]any{"countryGroupId": "eu", "contactType": "company", "taxRateId": "tax-euy", "priority": 2},
		map[string]any{"countryGroupId": "eu", "taxRateId": "tax-s25", "priority": 3}}})
	f.put("countryGroups", map[string]any{"id": "eu", "memberIds": []any{"DK", "DE", "SE", "FR"}})
	f.put("currencies", map[string]any{"id": "EUR", "exchangeRate": 7.4605})
	f.put("currencies", map[string]any{"id": "USD", "exchangeRate": 6.8935})
	return f
}

// put stores a record.
func (f *fakeBilly) put(plural string, rec map[string]any) {
	if f.records[plural] == nil {
		f.records[plural] = map[string]map[string]any{}
	}
	f.records[plural][rec["id"].(string)] = rec
}

// invoice stores an invoice with one line and consistent totals.
func (f *fakeBilly) invoice(id, state string, gross float64, extra map[string]any) map[string]any {
	net := math.Round(gross/1.25*100) / 100
	inv := map[string]any{"id": id, "type": "invoice", "state": state, "sentState": "unsent", "contactId": "contact-1",
		"entryDate": "2025-03-01", "dueDate": "2025-03-31", "currencyId": "DKK", "taxMode": "excl",
		"amount": net, "tax": round2(gross - net), "grossAmount": gross, "balance": 0.0, "isPaid": false,
		"lines": []any{map[string]any{"id": "line-" + id, "productId": "product-1", "description": "Rådgivning", "quantity": 1.0, "unitPrice": net,
			"amount": net, "tax": round2(gross - net), "taxRateId": "tax-s25"}},
		"downloadUrl": "https://api.billysbilling.com/v2/downloads/invoices/" + id + "/org-1/abc/invoice.pdf"}
	if state == "approved" {
		inv["balance"] = gross
		inv["invoiceNo"] = "10" + strconv.Itoa(len(f.records["invoices"])+1)
	}
	for k, v := range extra {
		inv[k] = v
	}
	f.put("invoices", inv)
	return inv
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

func (f *fakeBilly) get(plural, id string) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.records[plural][id]
}

// writes lists the recorded requests that are not GETs.
func (f *fakeBilly) writes() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []recorded
	for _, r := range f.requests {
		if r.Method != "GET" {
			out = append(out, r)
		}
	}
	return out
}

func (f *fakeBilly) all() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.requests...)
}

func (f *fakeBilly) reset() {
	f.mu.Lock()
	f.requests = nil
	f.mu.Unlock()
}

func (f *fakeBilly) serve(_ context.Context, req sdk.BillyRequest) (*sdk.BillyResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := recorded{Method: req.Method, Path: req.Path, Query: url.Values(req.Query)}
	if raw, ok := req.Body.(json.RawMessage); ok && len(raw) > 0 {
		_ = json.Unmarshal(raw, &r.Body)
	}
	f.requests = append(f.requests, r)
	if err, ok := f.fail[r.String()]; ok {
		delete(f.fail, r.String())
		return nil, err
	}
	if f.hook != nil {
		if body, ok := f.hook(r); ok {
			return respond(body)
		}
	}
	// The route gets its own copy: the recorded body must stay as sent.
	routed := r
	if raw, ok := req.Body.(json.RawMessage); ok && len(raw) > 0 {
		routed.Body = nil
		_ = json.Unmarshal(raw, &routed.Body)
	}
	body, err := f.route(routed)
	if err != nil {
		return nil, err
	}
	return respond(body)
}

func respond(body any) (*sdk.BillyResponse, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	return &sdk.BillyResponse{Status: 200, Body: b}, nil
}

var singular = map[string]string{"invoices": "invoice", "contacts": "contact", "contactPersons": "contactPerson", "products": "product",
	"bankPayments": "bankPayment", "accounts": "account", "taxRates": "taxRate", "organizations": "organization",
	"salesTaxRulesets": "salesTaxRuleset", "countryGroups": "countryGroup", "currencies": "currency"}

func notFoundErr(what, id string) *sdk.Error {
	return &sdk.Error{Code: "billy_not_found", Category: sdk.CategoryNotFound, Message: fmt.Sprintf("Billy: The %s with ID %q was not found.", what, id), UpstreamCode: "RECORD_NOT_FOUND"}
}

func (f *fakeBilly) route(r recorded) (any, error) {
	parts := strings.Split(strings.Trim(r.Path, "/"), "/")
	plural := parts[0]
	switch {
	case plural == "organization" && r.Method == "GET":
		return map[string]any{"organization": f.records["organizations"]["org-1"]}, nil
	case len(parts) == 1 && r.Method == "GET":
		return f.list(plural, r.Query), nil
	case len(parts) == 2 && r.Method == "GET":
		rec, ok := f.records[plural][parts[1]]
		if !ok {
			return nil, notFoundErr(singular[plural], parts[1])
		}
		return map[string]any{singular[plural]: rec}, nil
	case len(parts) == 1 && r.Method == "POST":
		return f.create(plural, r.Body[singular[plural]].(map[string]any))
	case len(parts) == 2 && r.Method == "PUT":
		return f.update(plural, parts[1], r.Body[singular[plural]].(map[string]any))
	case len(parts) == 3 && r.Method == "POST" && plural == "invoices" && parts[2] == "emails":
		inv, ok := f.records["invoices"][parts[1]]
		if !ok {
			return nil, notFoundErr("invoice", parts[1])
		}
		inv["sentState"] = "sent"
		return map[string]any{"invoices": []any{inv}}, nil
	}
	return nil, &sdk.Error{Code: "billy_not_found", Category: sdk.CategoryNotFound, Message: "Billy: unknown resource " + r.Path, UpstreamCode: "UNKNOWN_RESOURCE"}
}

// list filters by equality on record fields and by min<Field>/max<Field>
// date bounds, sorts by ID, and pages.
func (f *fakeBilly) list(plural string, q url.Values) any {
	var recs []map[string]any
	for _, rec := range f.records[plural] {
		if matches(rec, q) {
			recs = append(recs, rec)
		}
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i]["id"].(string) < recs[j]["id"].(string) })
	page, size := 1, 1000
	if v := q.Get("page"); v != "" {
		page, _ = strconv.Atoi(v)
	}
	if v := q.Get("pageSize"); v != "" {
		size, _ = strconv.Atoi(v)
	}
	total := len(recs)
	count := max(1, (total+size-1)/size)
	from := min((page-1)*size, total)
	out := []any{}
	for _, rec := range recs[from:min(from+size, total)] {
		out = append(out, rec)
	}
	body := map[string]any{plural: out, "meta": map[string]any{"paging": map[string]any{"page": page, "pageCount": count, "pageSize": size, "total": total}}}
	if plural == "invoices" && strings.Contains(q.Get("include"), "invoice.contact:sideload") {
		contacts := []any{}
		seen := map[string]bool{}
		for _, rec := range out {
			id := fmt.Sprint(rec.(map[string]any)["contactId"])
			if c, ok := f.records["contacts"][id]; ok && !seen[id] {
				seen[id] = true
				contacts = append(contacts, c)
			}
		}
		body["contacts"] = contacts
	}
	return body
}

var notFilters = map[string]bool{"page": true, "pageSize": true, "include": true, "sortProperty": true, "sortDirection": true, "q": true}

func matches(rec map[string]any, q url.Values) bool {
	for k := range q {
		if notFilters[k] {
			continue
		}
		v := q.Get(k)
		if field, ok := strings.CutPrefix(k, "min"); ok && len(field) > 0 {
			field = strings.ToLower(field[:1]) + field[1:]
			if s, _ := rec[field].(string); s < v {
				return false
			}
			continue
		}
		if field, ok := strings.CutPrefix(k, "max"); ok && len(field) > 0 {
			field = strings.ToLower(field[:1]) + field[1:]
			if s, _ := rec[field].(string); s > v {
				return false
			}
			continue
		}
		got := rec[k]
		if got == nil && v == "false" {
			continue // an absent flag is false
		}
		if fmt.Sprint(got) != v {
			return false
		}
	}
	return true
}

func (f *fakeBilly) newID(prefix string) string {
	f.seq++
	return fmt.Sprintf("%s-new%d", prefix, f.seq)
}

func (f *fakeBilly) create(plural string, body map[string]any) (any, error) {
	rec := map[string]any{}
	for k, v := range body {
		rec[k] = v
	}
	rec["id"] = f.newID(singular[plural])
	switch plural {
	case "invoices":
		if _, ok := f.records["contacts"][fmt.Sprint(body["contactId"])]; !ok {
			return nil, &sdk.Error{Code: "billy_validation_failed", Category: sdk.CategoryValidation, Message: "Billy: Some fields are invalid.",
				Fields: []sdk.FieldError{{Field: "invoice.contactId", Message: "No record with this ID exists."}}, UpstreamCode: "VALIDATION_FAILED"}
		}
		var net float64
		for _, l := range body["lines"].([]any) {
			lm := l.(map[string]any)
			q, p := 1.0, 1000.0
			if v, ok := lm["quantity"].(float64); ok {
				q = v
			}
			if v, ok := lm["unitPrice"].(float64); ok {
				p = v
			}
			lm["amount"] = round2(q * p)
			net += q * p
		}
		net = round2(net)
		rec["amount"], rec["tax"], rec["grossAmount"] = net, round2(net*0.25), round2(net*1.25)
		if rec["currencyId"] == nil {
			rec["currencyId"] = "DKK"
		}
		rec["sentState"], rec["isPaid"], rec["balance"] = "unsent", false, 0.0
		if rec["state"] == nil {
			rec["state"] = "draft"
		}
		if rec["state"] == "approved" {
			rec["invoiceNo"] = "9001"
			rec["balance"] = rec["grossAmount"]
		}
		f.put(plural, rec)
		changed := []any{rec}
		if orig, ok := f.records["invoices"][fmt.Sprint(body["creditedInvoiceId"])]; ok && rec["state"] == "approved" {
			orig["balance"] = round2(orig["balance"].(float64) - rec["grossAmount"].(float64))
			changed = append([]any{orig}, changed...) // the offset invoice first, to test createdID's match
		}
		return map[string]any{"invoices": changed}, nil
	case "bankPayments":
		// What the cash settles in the invoices' currency, gross of the
		// fee, as Billy reads cashAmount (in the account's currency) and
		// cashExchangeRate (§7.6).
		left := body["cashAmount"].(float64)
		if fee, ok := body["feeAmount"].(float64); ok {
			left += fee
		}
		if rate, ok := body["cashExchangeRate"].(float64); ok {
			left = round2(left / rate)
		}
		rec["subjectCurrencyId"] = "DKK"
		var assocs []any
		var changed []any
		for _, a := range body["associations"].([]any) {
			ref := a.(map[string]any)["subjectReference"].(string)
			inv := f.records["invoices"][strings.TrimPrefix(ref, "invoice:")]
			settle := math.Min(left, inv["balance"].(float64))
			left -= settle
			inv["balance"] = round2(inv["balance"].(float64) - settle)
			inv["isPaid"] = inv["balance"].(float64) <= 0
			rec["subjectCurrencyId"] = inv["currencyId"]
			assocs = append(assocs, map[string]any{"id": f.newID("bm"), "subjectReference": ref, "modifierReference": "bankPayment:" + rec["id"].(string), "amount": -settle})
			changed = append(changed, inv)
		}
		rec["associations"] = assocs
		f.put(plural, rec)
		return map[string]any{"bankPayments": []any{rec}, "invoices": changed}, nil
	case "contacts":
		var persons []any
		if ps, ok := body["contactPersons"].([]any); ok {
			for _, p := range ps {
				pm := p.(map[string]any)
				pm["id"], pm["contactId"] = f.newID("person"), rec["id"]
				f.put("contactPersons", pm)
				persons = append(persons, pm)
			}
		}
		rec["contactPersons"] = persons
		f.put(plural, rec)
		return map[string]any{"contacts": []any{rec}, "contactPersons": persons}, nil
	case "contactPersons":
		f.put(plural, rec)
		if c, ok := f.records["contacts"][fmt.Sprint(rec["contactId"])]; ok {
			ps, _ := c["contactPersons"].([]any)
			c["contactPersons"] = append(ps, rec)
		}
		return map[string]any{"contactPersons": []any{rec}}, nil
	}
	f.put(plural, rec)
	return map[string]any{plural: []any{rec}}, nil
}

func (f *fakeBilly) update(plural, id string, body map[string]any) (any, error) {
	rec, ok := f.records[plural][id]
	if !ok {
		return nil, notFoundErr(singular[plural], id)
	}
	for k, v := range body {
		rec[k] = v
	}
	if plural == "invoices" && body["state"] == "approved" {
		rec["invoiceNo"] = "1042"
		rec["balance"] = rec["grossAmount"]
		rec["approvedTime"] = "2025-03-02T10:00:00"
	}
	if plural == "invoices" && body["state"] == "voided" {
		rec["balance"] = 0.0
	}
	return map[string]any{plural: []any{rec}}, nil
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 4, 10, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is one test's plugin, fake Billy and clock.
type env struct {
	t     *testing.T
	p     *plugin
	clock *clock
	billy *fakeBilly
	h     *sdktest.Harness
	// key is the deployment's signing key every harness of the env gets,
	// as every process of one deployment does.
	key []byte
}

// newEnv starts the plugin against a fresh fake Billy. Options come after
// the defaults (caller org-1, the given writes mode).
func newEnv(t *testing.T, mode sdk.WritesMode, opts ...sdktest.Option) *env {
	t.Helper()
	e := &env{t: t, clock: newClock(), billy: newFake(), key: []byte("the deployment's signing key, 32")}
	e.p = newPlugin(e.clock.Now, rand.Reader)
	base := []sdktest.Option{sdktest.WithBilly(e.billy.serve), sdktest.WithWritesMode(mode), sdktest.WithSigningKey(e.key),
		sdktest.WithCaller(sdk.Caller{Subject: "test", OrganizationID: "org-1", Transport: "mcp-stdio"})}
	e.h = sdktest.New(t, e.p.declare(), append(base, opts...)...)
	return e
}

// harness starts another harness on the same plugin instance (same token
// key and used-token set), e.g. as another caller.
func (e *env) harness(opts ...sdktest.Option) *sdktest.Harness {
	base := []sdktest.Option{sdktest.WithBilly(e.billy.serve), sdktest.WithWritesMode(sdk.WritesConfirm), sdktest.WithSigningKey(e.key)}
	return sdktest.New(e.t, e.p.declare(), append(base, opts...)...)
}

// call calls a tool and decodes its structured output.
func (e *env) call(name string, args, out any) error {
	e.t.Helper()
	return e.h.CallToolInto(context.Background(), name, args, out)
}

// mustCall is call failing the test on error.
func (e *env) mustCall(name string, args, out any) {
	e.t.Helper()
	if err := e.call(name, args, out); err != nil {
		e.t.Fatalf("%s: %v", name, err)
	}
}
