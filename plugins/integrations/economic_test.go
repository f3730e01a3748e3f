package integrations

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/sandbox"
	"github.com/billy-mcp/billy-mcp/sandbox/economic"
	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// economicWorld is the e-conomic fake over HTTP and the real Billy sandbox
// (its freelancer organization) in process, with the writes counted.
type economicWorld struct {
	fake   *economic.Server
	ag     *economic.Agreement
	srv    *httptest.Server
	billy  *sandbox.Server
	mu     sync.Mutex
	writes []string
}

func newEconomicWorld(t *testing.T, change func(*economic.Agreement)) *economicWorld {
	t.Helper()
	sb, err := sandbox.New(sandbox.Options{Seed: 1, Business: sandbox.BusinessFreelancer, Now: func() time.Time { return time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	w := &economicWorld{billy: sb, ag: economic.Demo()}
	if change != nil {
		change(w.ag)
	}
	w.fake = economic.New(economic.Options{Agreements: map[string]*economic.Agreement{"grant-of-org-1": w.ag}})
	w.srv = httptest.NewServer(w.fake)
	t.Cleanup(w.srv.Close)
	return w
}

// serve answers a Billy request from the sandbox.
func (w *economicWorld) serve(ctx context.Context, req sdk.BillyRequest) (*sdk.BillyResponse, error) {
	u := "/v2" + req.Path
	if len(req.Query) > 0 {
		u += "?" + req.Query.Encode()
	}
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = json.Marshal(req.Body); err != nil {
			return nil, err
		}
		w.mu.Lock()
		w.writes = append(w.writes, req.Method+" "+req.Path+" "+string(body))
		w.mu.Unlock()
	}
	r := httptest.NewRequestWithContext(ctx, req.Method, u, bytes.NewReader(body))
	r.Header.Set("X-Access-Token", "test")
	r.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	w.billy.ServeHTTP(rec, r)
	return &sdk.BillyResponse{Status: rec.Code, Body: rec.Body.Bytes()}, nil
}

// list reads a sandbox list directly (the independent side of checks).
func (w *economicWorld) list(t *testing.T, path, root string, q url.Values) []map[string]any {
	t.Helper()
	resp, err := w.serve(context.Background(), sdk.BillyRequest{Method: "GET", Path: path, Query: q})
	if err != nil || resp.Status != 200 {
		t.Fatalf("GET %s: %v %d %s", path, err, resp.Status, resp.Body)
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(resp.Body, &env); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	d := json.NewDecoder(bytes.NewReader(env[root]))
	d.UseNumber()
	if err := d.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func (w *economicWorld) harness(t *testing.T, opts ...sdktest.Option) *sdktest.Harness {
	p := newPlugin(time.Now, rand.Reader)
	p.economicSleep = func(context.Context, time.Duration) error { return nil }
	base := []sdktest.Option{sdktest.WithBilly(w.serve),
		sdktest.WithCaller(sdk.Caller{Subject: "u1", OrganizationID: "org-1", Scopes: []string{"admin"}}),
		sdktest.WithConfig(map[string]any{"economic": map[string]any{"base_url": w.srv.URL, "app_secret_token": "app-secret",
			"agreement_grant_tokens": map[string]string{"org-1": "grant-of-org-1"}}})}
	return sdktest.New(t, p.declare(), append(base, opts...)...)
}

// economicArgs maps the demo chart's numbers onto the sandbox's where they
// differ, and carries the result to 8010 Overført resultat.
func economicArgs() map[string]any {
	return map[string]any{"account_map": map[string]int{"1010": 1110, "1020": 1130, "5600": 5710}, "result_account_no": 8010}
}

// withTwins adds a customer that the sandbox has by CVR under another
// name, and makes Hansen Tømrer a supplier too.
func (w *economicWorld) withTwins(t *testing.T) string {
	var cvr, id string
	for _, c := range w.list(t, "/contacts", "contacts", url.Values{"pageSize": {"1000"}}) {
		if r, _ := c["registrationNo"].(string); cvrFrom(r) != "" && cvr == "" {
			cvr, id = cvrFrom(r), c["id"].(string)
		}
	}
	if cvr == "" {
		t.Fatal("the sandbox has no contact with a CVR")
	}
	w.ag.Customers = append(w.ag.Customers, economic.Customer{CustomerNumber: 105, Name: "Gammel Kunde (e-conomic)", CorporateIdentificationNumber: cvr, Country: "Danmark", Currency: "DKK", CustomerGroup: 1, PaymentTerms: 1, VATZone: 1})
	w.ag.Suppliers = append(w.ag.Suppliers, economic.Supplier{SupplierNumber: 203, Name: "Hansen Tømrer og Snedker", CorporateIdentificationNumber: "27182818", Country: "Danmark", Currency: "DKK", SupplierGroup: 1, PaymentTerms: 1, VATZone: 1})
	return id
}

// TestEconomicReport: the dry run's account map, VAT map, contacts, open
// items and opening balance, computed independently of the tool from the
// demo agreement; nothing is written.
func TestEconomicReport(t *testing.T) {
	w := newEconomicWorld(t, nil)
	twin := w.withTwins(t)
	h := w.harness(t)
	args := economicArgs()
	args["dry_run"] = true
	var got EconomicResult
	if err := h.CallToolInto(context.Background(), "migrate_from_economic", args, &got); err != nil {
		t.Fatal(err)
	}
	if got.Status != "dry_run" || len(w.writes) != 0 || got.Year != 2025 || got.Company != "Kaffe & Kode ApS" || got.CVR != "29876543" {
		t.Fatalf("%s %s; writes %v", got.Status, got.Message, w.writes)
	}
	type acct struct {
		No      int
		Status  string
		BillyNo int
		Needed  bool
	}
	var accts []acct
	for _, a := range got.Accounts {
		accts = append(accts, acct{a.EconomicNo, a.Status, a.BillyNo, a.NeededByOB})
	}
	wantAccts := []acct{
		{1010, "mapped", 1110, false}, {1020, "mapped", 1130, false}, {1310, "mapped", 1310, false}, {2210, "mapped", 2210, false},
		{2750, "mapped", 2750, false}, {3610, "mapped", 3610, false},
		{3700, "mismatch", 3700, false}, // a status account where Billy has an expense account
		{5600, "mapped", 5710, true}, {5810, "mapped", 5810, true}, {6810, "mapped", 6810, true}, {7210, "mapped", 7210, true},
		{7220, "mapped", 7220, true}, {8010, "mapped", 8010, true},
		{8100, "unmapped", 0, false},
	}
	if d := cmp.Diff(wantAccts, accts); d != "" {
		t.Errorf("accounts (-want +got):\n%s", d)
	}
	type vat struct{ Code, Status, Basis string }
	var vats []vat
	for _, v := range got.VATCodes {
		vats = append(vats, vat{v.Code, v.Status, v.Basis})
	}
	if d := cmp.Diff([]vat{{"I25", "mapped", "predefined tag"}, {"IEUV", "mapped", "predefined tag"}, {"KM10", "unmapped", ""}, {"OBPK", "mapped", "predefined tag"}, {"REP", "mapped", "predefined tag"}, {"U25", "mapped", "predefined tag"}, {"UEUY", "mapped", "predefined tag"}}, vats); d != "" {
		t.Errorf("VAT codes (-want +got):\n%s", d)
	}
	type contact struct {
		Register string
		Number   int
		Action   string
		By       string
		ID       string
	}
	var cs []contact
	for _, c := range got.Contacts {
		cs = append(cs, contact{c.Register, c.Number, c.Action, c.MatchedBy, c.BillyID})
	}
	wantCs := []contact{{"customer", 101, "create", "", ""}, {"customer", 102, "create", "", ""}, {"customer", 103, "create", "", ""},
		{"customer", 104, "create", "", ""}, {"customer", 105, "exists", "cvr", twin},
		{"supplier", 201, "create", "", ""}, {"supplier", 202, "create", "", ""}, {"supplier", 203, "merged", "cvr", ""}}
	if d := cmp.Diff(wantCs, cs); d != "" {
		t.Errorf("contacts (-want +got):\n%s", d)
	}
	// The open items: the two unpaid invoices, 31,250.00, which is the
	// receivables account's total at the end of 2025.
	oi := got.OpenItems
	if oi.Status != "reconciled" || oi.Total != "31250.00" || oi.ControlBalance != "31250.00" || oi.Difference != "0.00" || len(oi.Receivables) != 2 ||
		cmp.Diff([]int{5600}, oi.ControlAccounts) != "" || oi.Receivables[0].InvoiceNo != 1002 || oi.Receivables[0].DueDate != "2025-12-31" {
		t.Errorf("open items: %+v", oi)
	}

	// The opening balance, from the agreement's 2025 totals: every status
	// account on its own line, the profit-and-loss totals on 8010.
	ob := got.OpeningBalance
	var sheet, result decimal.Decimal
	for no, v := range w.ag.AccountingYears[1].Totals {
		a := decimal.RequireFromString(v.String())
		if no >= 5000 {
			sheet = sheet.Add(a.Abs())
		} else {
			result = result.Add(a)
		}
	}
	half := sheet.Add(result.Abs()).Div(decimal.NewFromInt(2))
	if ob.Status != "create" || ob.Debit != half.StringFixed(2) || ob.Credit != half.StringFixed(2) || ob.Difference != "0.00" ||
		ob.Result != result.StringFixed(2) || ob.Key != "economic-opening:123456:2026-01-01" || ob.Date != "2026-01-01" || len(ob.Lines) != 7 {
		t.Errorf("opening balance %+v (want %s each side, result %s)", ob, half.StringFixed(2), result.StringFixed(2))
	}
	if got.Products[0].AccountID == "" || got.Products[2].Price != "189.95" {
		t.Errorf("products: %+v", got.Products)
	}
}

// TestEconomicMigrate: confirmed through the token, the migration creates
// the contacts, the products and the opening balance in the sandbox, which
// reads them back (a balanced draft carrying the key); a second run creates
// nothing.
func TestEconomicMigrate(t *testing.T) {
	ctx := context.Background()
	w := newEconomicWorld(t, nil)
	w.withTwins(t)
	h := w.harness(t, sdktest.WithWritesMode(sdk.WritesConfirm))
	args := economicArgs()
	var pre EconomicResult
	if err := h.CallToolInto(ctx, "migrate_from_economic", args, &pre); err != nil {
		t.Fatal(err)
	}
	if pre.Status != "confirmation_required" || len(w.writes) != 0 {
		t.Fatalf("preview: %s %s; writes %v", pre.Status, pre.Message, w.writes)
	}
	args["confirmation_token"] = pre.ConfirmationToken
	var done EconomicResult
	if err := h.CallToolInto(ctx, "migrate_from_economic", args, &done); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(map[string]int{"contacts": 6, "products": 3, "daybook_transactions": 1}, done.Created); d != "" || done.Status != "done" {
		t.Fatalf("done: %s %s (-want +got):\n%s", done.Status, done.Message, d)
	}
	if prog := h.Progress(); len(prog) != 10 || prog[9] != (sdktest.Progress{Progress: 10, Total: 10, Message: "opening balance"}) {
		t.Errorf("progress: %+v", prog)
	}
	if id := done.OpenItems.Receivables[0].BillyContactID; id == "" || id != done.Contacts[1].BillyID {
		t.Errorf("open item 1002's contact %q, Hansen is %q", id, done.Contacts[1].BillyID)
	}
	// Read back from the sandbox.
	txs := w.list(t, "/daybookTransactions", "daybookTransactions", url.Values{"apiType": {done.OpeningBalance.Key}})
	if len(txs) != 1 || txs[0]["state"] != "draft" || txs[0]["id"] != done.OpeningBalance.TransactionID {
		t.Fatalf("the opening balance in Billy: %v", txs)
	}
	lines := w.list(t, "/daybookTransactionLines", "daybookTransactionLines", url.Values{"daybookTransactionId": {done.OpeningBalance.TransactionID}})
	sum := decimal.Zero
	for _, l := range lines {
		a := decimal.RequireFromString(l["amount"].(json.Number).String())
		if l["side"] == "credit" {
			a = a.Neg()
		}
		sum = sum.Add(a)
	}
	if len(lines) != 7 || !sum.IsZero() {
		t.Errorf("%d lines summing to %s", len(lines), sum)
	}
	hansen := w.list(t, "/contacts", "contacts", url.Values{"registrationNo": {"27182818"}})
	if len(hansen) != 1 || hansen[0]["isSupplier"] != true || hansen[0]["isCustomer"] != true {
		t.Errorf("Hansen in Billy: %v", hansen)
	}
	for _, c := range w.list(t, "/contacts", "contacts", url.Values{"pageSize": {"1000"}}) {
		switch c["name"] {
		case "Mette Jensen":
			if c["type"] != "person" || c["registrationNo"] != "" && c["registrationNo"] != nil {
				t.Errorf("Mette Jensen in Billy: %v", c)
			}
		case "Berlin Design GmbH":
			if c["countryId"] != "DE" || c["registrationNo"] != "DE123456789" {
				t.Errorf("Berlin Design in Billy: %v", c)
			}
		case "Hansen Tømrer & Snedker":
			if c["paymentTermsMode"] != "netEndOfMonth" || c["ean"] != "5790001234567" || c["contactNo"] != "102" {
				t.Errorf("Hansen in Billy: %v", c)
			}
		}
	}
	products := w.list(t, "/products", "products", url.Values{"productNo": {"V-10"}})
	if len(products) != 1 || products[0]["name"] != "Kaffebønner 1 kg" {
		t.Errorf("V-10 in Billy: %v", products)
	}

	n := len(w.writes)
	delete(args, "confirmation_token")
	var again EconomicResult
	if err := h.CallToolInto(ctx, "migrate_from_economic", args, &again); err != nil {
		t.Fatal(err)
	}
	if again.Status != "done" || len(w.writes) != n || again.OpeningBalance.Status != "exists" || again.OpeningBalance.TransactionID != done.OpeningBalance.TransactionID {
		t.Errorf("again: %s %s; %d writes more", again.Status, again.Message, len(w.writes)-n)
	}
	for _, c := range again.Contacts {
		if c.Action != "exists" {
			t.Errorf("again: %s %d %s", c.Register, c.Number, c.Action)
		}
	}
	for _, p := range again.Products {
		if p.Action != "exists" {
			t.Errorf("again: product %s %s", p.Number, p.Action)
		}
	}
}

// TestEconomicCredentials: without the app token or this organization's
// grant the tool refuses naming the config key; a grant e-conomic refuses
// is economic_unauthorized, and no token appears in the error.
func TestEconomicCredentials(t *testing.T) {
	ctx := context.Background()
	w := newEconomicWorld(t, nil)
	none := sdktest.New(t, New(), sdktest.WithBilly(w.serve), sdktest.WithCaller(sdk.Caller{Subject: "u1", OrganizationID: "org-1"}))
	e := sdk.AsError(none.CallToolInto(ctx, "migrate_from_economic", map[string]any{"dry_run": true}, &EconomicResult{}))
	if e == nil || e.Code != "economic_not_configured" || !strings.Contains(e.Message, "economic.app_secret_token") {
		t.Errorf("no config: %+v", e)
	}
	other := w.harness(t, sdktest.WithCaller(sdk.Caller{Subject: "u1", OrganizationID: "org-2"}))
	e = sdk.AsError(other.CallToolInto(ctx, "migrate_from_economic", map[string]any{"dry_run": true}, &EconomicResult{}))
	if e == nil || e.Code != "economic_not_configured" || !strings.Contains(e.Message, "economic.agreement_grant_tokens") {
		t.Errorf("another organization: %+v", e)
	}
	p := newPlugin(time.Now, rand.Reader)
	bad := sdktest.New(t, p.declare(), sdktest.WithBilly(w.serve), sdktest.WithCaller(sdk.Caller{Subject: "u1", OrganizationID: "org-1"}),
		sdktest.WithConfig(map[string]any{"economic": map[string]any{"base_url": w.srv.URL, "app_secret_token": "app-secret",
			"agreement_grant_tokens": map[string]string{"org-1": "revoked-grant-x9"}}}))
	e = sdk.AsError(bad.CallToolInto(ctx, "migrate_from_economic", map[string]any{"dry_run": true}, &EconomicResult{}))
	if e == nil || e.Code != "economic_unauthorized" || strings.Contains(e.Message, "x9") || strings.Contains(e.Message, "app-secret") {
		t.Errorf("a refused grant: %+v", e)
	}
}

// TestEconomicRateLimited: e-conomic answers 429 twice during the reading;
// the client waits and the report comes out whole.
func TestEconomicRateLimited(t *testing.T) {
	w := newEconomicWorld(t, nil)
	h := w.harness(t)
	w.fake.FailNext(2, http.StatusTooManyRequests)
	args := economicArgs()
	args["dry_run"] = true
	var got EconomicResult
	if err := h.CallToolInto(context.Background(), "migrate_from_economic", args, &got); err != nil {
		t.Fatal(err)
	}
	if got.OpeningBalance.Status != "create" || len(got.Contacts) != 6 {
		t.Errorf("after 429s: %+v", got.OpeningBalance)
	}
}

// TestEconomicBlockedAndDiffering: without the result account and the
// receivables mapping the opening balance is blocked, and a real run writes
// nothing; an invoice paid since the year's end makes the open items
// differ from the receivables balance, a warning.
func TestEconomicBlockedAndDiffering(t *testing.T) {
	ctx := context.Background()
	w := newEconomicWorld(t, func(a *economic.Agreement) {
		a.Invoices[2].Remainder, a.Invoices[2].RemainderInBaseCurrency = "0.00", "0.00"
	})
	h := w.harness(t, sdktest.WithWritesMode(sdk.WritesDirect))
	var got EconomicResult
	if err := h.CallToolInto(ctx, "migrate_from_economic", map[string]any{"dry_run": true}, &got); err != nil {
		t.Fatal(err)
	}
	ob := got.OpeningBalance
	if ob.Status != "blocked" || len(ob.BlockedBy) != 2 || !strings.Contains(ob.BlockedBy[0], "account 5600 Debitorer (balance 31250.00)") ||
		!strings.Contains(ob.BlockedBy[1], "result_account_no") {
		t.Errorf("blocked: %+v", ob)
	}
	if got.OpenItems.Status != "differs" || got.OpenItems.Difference != "12500.00" || len(got.Warnings) == 0 {
		t.Errorf("open items: %+v; warnings %v", got.OpenItems, got.Warnings)
	}
	err := h.CallToolInto(ctx, "migrate_from_economic", map[string]any{}, &got)
	if e := sdk.AsError(err); e == nil || e.Code != "economic_opening_blocked" || len(w.writes) != 0 {
		t.Errorf("a blocked run: %v; writes %v", err, w.writes)
	}
	if err := h.CallToolInto(ctx, "migrate_from_economic", map[string]any{"skip_opening_balance": true}, &got); err != nil || got.Status != "done" || got.Created["contacts"] != 6 {
		t.Errorf("skip_opening_balance: %v %s %v", err, got.Status, got.Created)
	}
}

// TestEconomicStopsHalfWay: Billy failing on the products stops the run
// with what was created; the lease keeps a second run off until it runs
// out, and the run after creates only what is missing.
func TestEconomicStopsHalfWay(t *testing.T) {
	ctx := context.Background()
	w := newEconomicWorld(t, nil)
	failProducts := true
	serve := func(ctx context.Context, req sdk.BillyRequest) (*sdk.BillyResponse, error) {
		if req.Method == "POST" && req.Path == "/products" && failProducts {
			return &sdk.BillyResponse{Status: 500, Body: json.RawMessage(`{"errorCode":"INTERNAL_ERROR","errorMessage":"boom"}`)}, nil
		}
		return w.serve(ctx, req)
	}
	leases := map[string]bool{}
	h := w.harness(t, sdktest.WithBilly(serve), sdktest.WithWritesMode(sdk.WritesDirect),
		sdktest.WithConsumeOnce(func(_ context.Context, key string, _ time.Time) (bool, error) {
			first := !leases[key]
			leases[key] = true
			return first, nil
		}))
	args := economicArgs()
	err := h.CallToolInto(ctx, "migrate_from_economic", args, &EconomicResult{})
	if err == nil || !strings.Contains(err.Error(), "stopped at product K-100 after 6 of 10 records (created 6 contacts, 0 products)") {
		t.Fatalf("a failing product: %v", err)
	}
	failProducts = false
	if e := sdk.AsError(h.CallToolInto(ctx, "migrate_from_economic", args, &EconomicResult{})); e == nil || e.Code != "economic_migration_in_progress" {
		t.Fatalf("within the lease: %v", e)
	}
	clear(leases)
	var done EconomicResult
	if err := h.CallToolInto(ctx, "migrate_from_economic", args, &done); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(map[string]int{"contacts": 0, "products": 3, "daybook_transactions": 1}, done.Created); d != "" {
		t.Errorf("the run after (-want +got):\n%s", d)
	}
}
