package analytics

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/sandbox"
	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// anchor is the sandbox's "today": its seeded history ends here.
var anchor = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func newSandbox(t testing.TB, business string) *sandbox.Server {
	t.Helper()
	srv, err := sandbox.New(sandbox.Options{Seed: 1, Business: business, Now: func() time.Time { return anchor }})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// serve answers one Billy request from the sandbox's handler.
func serve(srv http.Handler, method, path string, q url.Values) (int, []byte) {
	u := "/v2" + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req := httptest.NewRequest(method, u, nil)
	req.Header.Set("X-Access-Token", "test")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

func start(t *testing.T, srv http.Handler) *sdktest.Harness {
	t.Helper()
	p := &Plugin{now: func() time.Time { return anchor }}
	h, err := sdktest.Start(t, p.declare(),
		sdktest.WithDataDir(t.TempDir()),
		sdktest.WithCaller(sdk.Caller{Subject: "u", OrganizationID: "org-1", Scopes: []string{"billy:read"}}),
		sdktest.WithBilly(func(ctx context.Context, req sdk.BillyRequest) (*sdk.BillyResponse, error) {
			code, body := serve(srv, req.Method, req.Path, req.Query)
			return &sdk.BillyResponse{Status: code, Body: body}, nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// rawList reads every page of a sandbox list: the independent side of the
// checks below reads Billy's answers directly, not the working set.
func rawList(t *testing.T, srv http.Handler, path, root string, q url.Values) []map[string]any {
	t.Helper()
	var out []map[string]any
	for page := 1; ; page++ {
		qq := url.Values{}
		for k, v := range q {
			qq[k] = v
		}
		qq.Set("page", strconv.Itoa(page))
		qq.Set("pageSize", "1000")
		code, body := serve(srv, "GET", path, qq)
		if code != 200 {
			t.Fatalf("GET %s: %d %s", path, code, body)
		}
		var env map[string]json.RawMessage
		if err := json.Unmarshal(body, &env); err != nil {
			t.Fatal(err)
		}
		var recs []map[string]any
		dec := json.NewDecoder(bytesReader(env[root]))
		dec.UseNumber()
		if err := dec.Decode(&recs); err != nil {
			t.Fatal(err)
		}
		out = append(out, recs...)
		var meta struct {
			Paging struct{ PageCount int } `json:"paging"`
		}
		_ = json.Unmarshal(env["meta"], &meta)
		if page >= meta.Paging.PageCount {
			return out
		}
	}
}

func d(v any) decimal.Decimal {
	switch x := v.(type) {
	case json.Number:
		return decimal.RequireFromString(x.String())
	case nil:
		return decimal.Zero
	}
	return decimal.RequireFromString(v.(string))
}

func TestRevenueReportMatchesIndependentSum(t *testing.T) {
	srv := newSandbox(t, "service")
	h := start(t, srv)
	ctx := context.Background()
	from, to := "2025-01-01", "2026-11-27"
	// Independent: approved invoices and credit notes by entry month and
	// currency, credit notes negative.
	want := map[string]decimal.Decimal{}
	for _, inv := range rawList(t, srv, "/invoices", "invoices", url.Values{"state": {"approved"}}) {
		date := inv["entryDate"].(string)
		if date < from || date > to {
			continue
		}
		net := d(inv["amount"])
		if inv["type"] == "creditNote" {
			net = net.Neg()
		}
		k := date[:7] + " " + inv["currencyId"].(string)
		want[k] = want[k].Add(net)
	}
	var out RevenueReportOutput
	if err := h.CallToolInto(ctx, "get_revenue_report", RevenueReportInput{From: from, To: to, Basis: "invoice", By: "month"}, &out); err != nil {
		t.Fatal(err)
	}
	got := map[string]decimal.Decimal{}
	for _, r := range out.Rows {
		got[r.Key+" "+r.Currency] = r.Net.Dec()
		if !r.Gross.Dec().Equal(r.Net.Dec().Add(r.VAT.Dec())) {
			t.Errorf("%s: gross %s is not net %s + VAT %s", r.Key, r.Gross.Dec(), r.Net.Dec(), r.VAT.Dec())
		}
	}
	if len(want) == 0 {
		t.Fatal("the sandbox has no approved invoices in the period")
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("net by month (-independent +report):\n%s", diff)
	}
	if out.BasedOn.LastSync == "" || out.BasedOn.From != from || out.BasedOn.CurrencyHandling == "" {
		t.Errorf("basedOn is incomplete: %+v", out.BasedOn)
	}
}

func TestPaymentBasisMatchesIndependentSum(t *testing.T) {
	srv := newSandbox(t, "service")
	h := start(t, srv)
	ctx := context.Background()
	from, to := "2026-01-01", "2026-11-27"
	invs := map[string]map[string]any{}
	for _, inv := range rawList(t, srv, "/invoices", "invoices", nil) {
		invs[inv["id"].(string)] = inv
	}
	// Independent: each association's amount, split in the invoice's
	// net/gross proportion (get_revenue's rule), by payment month.
	want := map[string]decimal.Decimal{}
	for _, bp := range rawList(t, srv, "/bankPayments", "bankPayments", url.Values{"include": {"bankPayment.associations:embed"}}) {
		date := bp["entryDate"].(string)
		if bp["isVoided"] == true || date < from || date > to {
			continue
		}
		assocs, _ := bp["associations"].([]any)
		for _, a := range assocs {
			am := a.(map[string]any)
			ref := am["subjectReference"].(string)
			if len(ref) < 8 || ref[:8] != "invoice:" || am["isVoided"] == true {
				continue
			}
			inv := invs[ref[8:]]
			paid := d(am["amount"]).Abs()
			net := paid.Mul(d(inv["amount"])).DivRound(d(inv["grossAmount"]), 2)
			if inv["type"] == "creditNote" {
				net = net.Neg()
			}
			k := date[:7] + " " + inv["currencyId"].(string)
			want[k] = want[k].Add(net)
		}
	}
	var out RevenueReportOutput
	if err := h.CallToolInto(ctx, "get_revenue_report", RevenueReportInput{From: from, To: to, Basis: "payment", By: "month"}, &out); err != nil {
		t.Fatal(err)
	}
	got := map[string]decimal.Decimal{}
	for _, r := range out.Rows {
		got[r.Key+" "+r.Currency] = r.Net.Dec()
	}
	if len(want) == 0 {
		t.Fatal("no payments in the period")
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("received net by month (-independent +report):\n%s", diff)
	}
}

func TestAgedReceivablesMatchIndependentBuckets(t *testing.T) {
	srv := newSandbox(t, "service")
	h := start(t, srv)
	asOf := "2026-11-27"
	want := map[string][5]decimal.Decimal{}
	for _, inv := range rawList(t, srv, "/invoices", "invoices", url.Values{"state": {"approved"}, "isPaid": {"false"}}) {
		bal := d(inv["balance"])
		if bal.IsZero() {
			continue
		}
		if inv["type"] == "creditNote" {
			bal = bal.Neg()
		}
		due, _ := time.Parse(time.DateOnly, inv["dueDate"].(string))
		days := int(anchor.Truncate(24*time.Hour).Sub(due).Hours() / 24)
		b := 4
		switch {
		case days <= 0:
			b = 0
		case days <= 30:
			b = 1
		case days <= 60:
			b = 2
		case days <= 90:
			b = 3
		}
		cur := inv["currencyId"].(string)
		w := want[cur]
		w[b] = w[b].Add(bal)
		want[cur] = w
	}
	var out ReceivablesOutput
	if err := h.CallToolInto(context.Background(), "get_aged_receivables", ReceivablesInput{AsOf: asOf}, &out); err != nil {
		t.Fatal(err)
	}
	got := map[string][5]decimal.Decimal{}
	for _, c := range out.Totals {
		b := c.Buckets
		got[c.Currency] = [5]decimal.Decimal{b.Current.Dec(), b.D1to30.Dec(), b.D31to60.Dec(), b.D61to90.Dec(), b.Over90.Dec()}
	}
	if len(want) == 0 {
		t.Fatal("no open invoices in the sandbox")
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("buckets (-independent +report):\n%s", diff)
	}
	// The customers' rows add up to the totals.
	sum := map[string]decimal.Decimal{}
	for _, c := range out.Customers {
		sum[c.Currency] = sum[c.Currency].Add(c.Buckets.Total.Dec())
	}
	for _, c := range out.Totals {
		if !sum[c.Currency].Equal(c.Buckets.Total.Dec()) {
			t.Errorf("%s: customers add up to %s, total says %s", c.Currency, sum[c.Currency], c.Buckets.Total.Dec())
		}
	}
	t.Logf("%s", out.Summary)
}

func TestTrialBalanceAndProfitAndLoss(t *testing.T) {
	srv := newSandbox(t, "service")
	h := start(t, srv)
	ctx := context.Background()
	var tb TrialBalanceOutput
	if err := h.CallToolInto(ctx, "get_trial_balance", PeriodInput{}, &tb); err != nil {
		t.Fatal(err)
	}
	if !tb.Balanced || len(tb.Accounts) == 0 {
		t.Fatalf("trial balance: balanced %v with %d accounts: %s", tb.Balanced, len(tb.Accounts), tb.Summary)
	}
	// Independent: every posting, by account, debit minus credit.
	natures := map[string]string{}
	for _, a := range rawList(t, srv, "/accounts", "accounts", nil) {
		natures[a["id"].(string)] = a["natureId"].(string)
	}
	from, to := "2026-01-01", "2026-11-27"
	var wantRev, wantExp decimal.Decimal
	for _, p := range rawList(t, srv, "/postings", "postings", nil) {
		date := p["entryDate"].(string)
		if date < from || date > to {
			continue
		}
		amt := d(p["baseAmount"]).Abs() // the ledger is in the base currency
		if p["side"] == "credit" {
			amt = amt.Neg()
		}
		switch natures[p["accountId"].(string)] {
		case "revenue":
			wantRev = wantRev.Sub(amt)
		case "expense":
			wantExp = wantExp.Add(amt)
		}
	}
	var pl ProfitAndLossOutput
	if err := h.CallToolInto(ctx, "get_profit_and_loss", PeriodInput{From: from, To: to}, &pl); err != nil {
		t.Fatal(err)
	}
	if !pl.TotalRev.Dec().Equal(wantRev) || !pl.TotalExp.Dec().Equal(wantExp) {
		t.Errorf("P&L revenue %s expenses %s; independent %s and %s", pl.TotalRev.Dec(), pl.TotalExp.Dec(), wantRev, wantExp)
	}
	if wantRev.IsZero() {
		t.Error("the sandbox has no revenue postings in the period")
	}
	t.Logf("%s", pl.Summary)
}
