package integrations

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// dayBilly adds to orderBilly what the daily summary reads and writes:
// the organization, tax rates, accounts and daybook transactions.
type dayBilly struct {
	*orderBilly
	txs []map[string]any
}

func newDayBilly() *dayBilly { return &dayBilly{orderBilly: newOrderBilly()} }

func (f *dayBilly) serve(ctx context.Context, req sdk.BillyRequest) (*sdk.BillyResponse, error) {
	ok := func(v map[string]any) (*sdk.BillyResponse, error) {
		v["meta"] = map[string]any{"paging": map[string]any{"page": 1, "pageCount": 1}}
		b, err := json.Marshal(v)
		return &sdk.BillyResponse{Status: 200, Body: b}, err
	}
	f.mu.Lock()
	switch {
	case req.Method == "GET" && req.Path == "/organization":
		f.mu.Unlock()
		return ok(map[string]any{"organization": map[string]any{"id": "org1", "baseCurrencyId": "DKK"}})
	case req.Method == "GET" && req.Path == "/taxRates":
		f.mu.Unlock()
		return ok(map[string]any{"taxRates": []any{
			map[string]any{"id": "tr-s25", "name": "Salgsmoms", "rate": 0.25, "appliesToSales": true, "isActive": true},
			map[string]any{"id": "tr-k25", "name": "Købsmoms", "rate": 0.25, "appliesToSales": false, "isActive": true},
			map[string]any{"id": "tr-mf", "name": "Momsfrit salg", "rate": 0, "appliesToSales": true, "isActive": true},
			map[string]any{"id": "tr-exp", "name": "Salg til lande uden for EU", "rate": 0, "appliesToSales": true, "isActive": true},
		}})
	case req.Method == "GET" && strings.HasPrefix(req.Path, "/accounts/"):
		f.mu.Unlock()
		id := strings.TrimPrefix(req.Path, "/accounts/")
		if !strings.HasPrefix(id, "a-") {
			return &sdk.BillyResponse{Status: 404, Body: json.RawMessage(`{"errorCode":"RECORD_NOT_FOUND"}`)}, nil
		}
		return ok(map[string]any{"account": map[string]any{"id": id, "name": id, "accountNo": 1000}})
	case req.Method == "GET" && req.Path == "/daybookTransactions":
		defer f.mu.Unlock()
		return ok(map[string]any{"daybookTransactions": f.txs})
	case req.Method == "POST" && req.Path == "/daybookTransactions":
		defer f.mu.Unlock()
		b, _ := json.Marshal(req.Body)
		f.posts = append(f.posts, "POST /daybookTransactions "+string(b))
		var body struct {
			T map[string]any `json:"daybookTransaction"`
		}
		_ = json.Unmarshal(b, &body)
		tx := map[string]any{"id": fmt.Sprintf("dt%d", len(f.txs)+1), "state": "draft", "apiType": body.T["apiType"], "entryDate": body.T["entryDate"]}
		f.txs = append(f.txs, tx)
		return ok(map[string]any{"daybookTransactions": []any{tx}})
	}
	f.mu.Unlock()
	return f.orderBilly.serve(ctx, req)
}

func dayOrders(t *testing.T) []json.RawMessage {
	var out []json.RawMessage
	for _, n := range []string{"shopify.json", "woocommerce.json", "generic.json"} {
		out = append(out, readOrder(t, filepath.Join("day", n)))
	}
	return out
}

func dayArgs(t *testing.T) map[string]any {
	return map[string]any{"orders": dayOrders(t), "shop": "kaffebutik.dk", "date": "2026-11-20", "receivable_account_id": "a-psp",
		"revenue_account_id": "a-salg", "shipping_account_id": "a-fragt", "default_vat_rate": "0.25", "tax_rate_ids": map[string]string{"0": "tr-mf"}}
}

// TestDaySummaryReport compares the dry-run report of a day of three
// orders (Shopify and WooCommerce incl. moms, a generic B2B order excl.
// moms with a zero-rated line) with its golden file.
func TestDaySummaryReport(t *testing.T) {
	h := sdktest.New(t, New(), sdktest.WithBilly(newDayBilly().serve))
	args := dayArgs(t)
	args["dry_run"] = true
	var got DayResult
	if err := h.CallToolInto(context.Background(), "summarise_webshop_day", args, &got); err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "orders", "day", "report.golden.json")
	if *update {
		if err := os.WriteFile(golden, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(strings.TrimSpace(string(want)), string(b)); diff != "" {
		t.Errorf("report (-golden +got):\n%s", diff)
	}
	// The three shops' totals: 445.90 + 406.90 + 408.90.
	if got.Reconciliation != (DayReconciliation{OrdersTotal: "1261.70", Debit: "1261.70", Credit: "1261.70", Difference: "0.00"}) {
		t.Errorf("reconciliation %+v", got.Reconciliation)
	}
}

// TestDaySummaryReconciles: a day of many random orders (prices incl.
// moms, each with the shop's own total, at 25 % and 0 %, with shipping and
// discounts) books exactly the orders' totals to the øre: the debit is
// their sum, the credits add up to it, each rate's net and VAT add up to
// its gross, and Billy's VAT differs from the orders' own by rounding
// only (half an øre per order at most).
func TestDaySummaryReconciles(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 3))
	var orders []json.RawMessage
	want := decimal.Zero
	for i := 0; i < 300; i++ {
		total := decimal.Zero
		var lines []any
		rate := []string{"0.25", "0"}[rng.IntN(4)/3]
		for j := 0; j < 1+rng.IntN(6); j++ {
			q, unit := 1+rng.IntN(5), decimal.New(int64(1+rng.IntN(99999)), -2)
			lines = append(lines, map[string]any{"sku": "MUG-01", "title": "x", "quantity": q, "unit_price": unit.String(), "vat_rate": rate})
			total = total.Add(unit.Mul(decimal.NewFromInt(int64(q))))
		}
		o := map[string]any{"order_number": fmt.Sprintf("R-%d", i), "date": "2026-11-21", "currency": "DKK", "prices_include_tax": true,
			"customer": map[string]any{"email": "x@example.dk"}, "lines": lines}
		if rng.IntN(2) == 0 {
			ship := decimal.New(int64(rng.IntN(9000)), -2)
			o["shipping"] = map[string]any{"title": "GLS", "amount": ship.String(), "vat_rate": "0.25"}
			total = total.Add(ship)
		}
		if rng.IntN(3) == 0 {
			d := total.Div(decimal.NewFromInt(10)).Round(2)
			o["discount"] = map[string]any{"title": "RABAT", "amount": d.String()}
			total = total.Sub(d)
		}
		o["total"] = total.String()
		want = want.Add(total)
		b, _ := json.Marshal(o)
		orders = append(orders, b)
	}
	h := sdktest.New(t, New(), sdktest.WithBilly(newDayBilly().serve))
	var got DayResult
	args := map[string]any{"orders": orders, "shop": "random", "date": "2026-11-21", "receivable_account_id": "a-psp", "revenue_account_id": "a-salg",
		"tax_rate_ids": map[string]string{"0": "tr-exp"}, "dry_run": true}
	if err := h.CallToolInto(context.Background(), "summarise_webshop_day", args, &got); err != nil {
		t.Fatal(err)
	}
	dec := decimal.RequireFromString
	if got.Reconciliation.Debit != want.StringFixed(2) || got.Reconciliation.Credit != want.StringFixed(2) {
		t.Errorf("debit %s, credit %s, want the orders' %s", got.Reconciliation.Debit, got.Reconciliation.Credit, want.StringFixed(2))
	}
	debit, credit, gross := decimal.Zero, decimal.Zero, decimal.Zero
	for _, l := range got.Lines {
		if l.Side == "debit" {
			debit = debit.Add(dec(l.Amount))
		} else {
			credit = credit.Add(dec(l.Amount))
		}
	}
	if !debit.Equal(want) || !credit.Equal(want) {
		t.Errorf("lines: debit %s credit %s, want %s", debit, credit, want)
	}
	for _, r := range got.Rates {
		gross = gross.Add(dec(r.Gross))
		if !dec(r.Net).Add(dec(r.VATBooked)).Equal(dec(r.Gross)) || !dec(r.Items).Add(dec(r.Shipping)).Equal(dec(r.Gross)) {
			t.Errorf("rate %s does not add up: %+v", r.VATRate, r)
		}
		if diff := dec(r.VATBooked).Sub(dec(r.VATOrders)).Abs(); diff.GreaterThan(decimal.New(5, -3).Mul(decimal.NewFromInt(int64(got.Orders)))) {
			t.Errorf("rate %s: VAT booked %s vs orders %s", r.VATRate, r.VATBooked, r.VATOrders)
		}
		if r.VATRate == "0" && r.VATBooked != "0.00" {
			t.Errorf("VAT at 0 %%: %s", r.VATBooked)
		}
	}
	if !gross.Equal(want) || got.Orders != 300 {
		t.Errorf("rates' gross %s of %d orders, want %s", gross, got.Orders, want)
	}
}

// TestDaySummaryOnce: the summary is confirmed and written once as a
// draft daybook transaction keyed by shop and day; the same day again
// finds it and writes nothing; once it is voided, the day can be
// summarised again.
func TestDaySummaryOnce(t *testing.T) {
	ctx := context.Background()
	billy := newDayBilly()
	h := sdktest.New(t, New(), sdktest.WithBilly(billy.serve), sdktest.WithWritesMode(sdk.WritesConfirm),
		sdktest.WithCaller(sdk.Caller{Subject: "u1", OrganizationID: "org1", Scopes: []string{"admin"}}))
	args := dayArgs(t)
	var pre DayResult
	if err := h.CallToolInto(ctx, "summarise_webshop_day", args, &pre); err != nil {
		t.Fatal(err)
	}
	if pre.Status != "confirmation_required" || len(billy.posts) != 0 {
		t.Fatalf("preview: %+v", pre)
	}
	args["confirmation_token"] = pre.ConfirmationToken
	var done DayResult
	if err := h.CallToolInto(ctx, "summarise_webshop_day", args, &done); err != nil {
		t.Fatal(err)
	}
	if done.Status != "done" || done.TransactionID != "dt1" || len(billy.posts) != 1 {
		t.Fatalf("done: %+v; posts %v", done, billy.posts)
	}
	for _, want := range []string{`"apiType":"webshop-day:kaffebutik.dk:2026-11-20"`, `"state":"draft"`, `"entryDate":"2026-11-20"`, `"amount":1261.70`, `"taxRateId":"tr-s25"`, `"taxRateId":"tr-mf"`} {
		if !strings.Contains(billy.posts[0], want) {
			t.Errorf("body lacks %s: %s", want, billy.posts[0])
		}
	}
	delete(args, "confirmation_token")
	var again DayResult
	if err := h.CallToolInto(ctx, "summarise_webshop_day", args, &again); err != nil {
		t.Fatal(err)
	}
	if again.Status != "exists" || again.TransactionID != "dt1" || len(billy.posts) != 1 {
		t.Errorf("again: %+v", again)
	}
	billy.mu.Lock()
	billy.txs[0]["state"] = "voided"
	billy.mu.Unlock()
	var redo DayResult
	if err := h.CallToolInto(ctx, "summarise_webshop_day", args, &redo); err != nil || redo.Status != "confirmation_required" {
		t.Errorf("after voiding: %+v, %v", redo, err)
	}
}

// TestDaySummaryRefusals: a day with an order of another day, an order
// already invoiced, a line without a VAT rate, an ambiguous 0 % rate, a
// discount over goods at two rates, or another currency is refused whole,
// and nothing is written.
func TestDaySummaryRefusals(t *testing.T) {
	generic := func(mut func(m map[string]any)) json.RawMessage {
		var m map[string]any
		if err := json.Unmarshal(readOrder(t, filepath.Join("day", "generic.json")), &m); err != nil {
			t.Fatal(err)
		}
		mut(m)
		b, _ := json.Marshal(m)
		return b
	}
	for _, tc := range []struct {
		name     string
		mut      func(args map[string]any, f *dayBilly)
		code     string
		contains []string
	}{
		{"another day", func(a map[string]any, _ *dayBilly) {
			a["orders"] = append(dayOrders(t), readOrder(t, "woocommerce.json"))
		}, "day_order_other_date", []string{"727 (2026-11-21)"}},
		{"already invoiced", func(_ map[string]any, f *dayBilly) {
			f.invoices = append(f.invoices, map[string]any{"id": "inv9", "externalId": "shopify:1001", "state": "draft"})
		}, "day_order_already_invoiced", []string{"shopify:1001 (invoice inv9)"}},
		{"no VAT rate", func(a map[string]any, _ *dayBilly) { delete(a, "default_vat_rate") }, "day_vat_rate_missing", []string{"order 1001", "line 2 (Te, 50 g)"}},
		{"0 % ambiguous", func(a map[string]any, _ *dayBilly) { delete(a, "tax_rate_ids") }, "day_tax_rate_ambiguous", []string{"Momsfrit salg (tr-mf)", "tr-exp"}},
		{"purchase rate given", func(a map[string]any, _ *dayBilly) {
			a["tax_rate_ids"] = map[string]string{"0.25": "tr-k25", "0": "tr-mf"}
		}, "invalid_arguments", []string{"tr-k25"}},
		{"discount at two rates", func(a map[string]any, _ *dayBilly) {
			a["orders"] = []json.RawMessage{generic(func(m map[string]any) { m["discount"] = map[string]any{"amount": "10"}; delete(m, "total") })}
		}, "day_discount_mixed_rates", []string{"G-3001"}},
		{"total mismatch", func(a map[string]any, _ *dayBilly) {
			a["orders"] = []json.RawMessage{generic(func(m map[string]any) { m["total"] = "408.89" })}
		}, "order_total_mismatch", []string{"408.90", "408.89"}},
		{"currency", func(a map[string]any, _ *dayBilly) {
			a["orders"] = []json.RawMessage{generic(func(m map[string]any) { m["currency"] = "EUR" })}
		}, "invalid_arguments", []string{"EUR", "DKK"}},
		{"unknown account", func(a map[string]any, _ *dayBilly) { a["revenue_account_id"] = "nope" }, "invalid_arguments", []string{"revenue_account_id", "nope"}},
		{"bad shop", func(a map[string]any, _ *dayBilly) { a["shop"] = "a:b" }, "invalid_arguments", []string{"shop"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			billy := newDayBilly()
			args := dayArgs(t)
			tc.mut(args, billy)
			h := sdktest.New(t, New(), sdktest.WithBilly(billy.serve), sdktest.WithWritesMode(sdk.WritesDirect))
			err := h.CallToolInto(context.Background(), "summarise_webshop_day", args, &DayResult{})
			var e *sdk.Error
			if !errors.As(err, &e) || e.Code != tc.code {
				t.Fatalf("want %s, got %v", tc.code, err)
			}
			for _, c := range tc.contains {
				if !strings.Contains(e.Message, c) {
					t.Errorf("message %q lacks %q", e.Message, c)
				}
			}
			if len(billy.posts) != 0 {
				t.Errorf("written: %v", billy.posts)
			}
		})
	}
}

// BenchmarkDaySplit reads and splits the most orders one summary takes
// (maxDayOrders, five lines each, two rates, shipping): the part of
// summarise_webshop_day that is not Billy's round trips.
func BenchmarkDaySplit(b *testing.B) {
	var raws [][]byte
	for i := 0; i < maxDayOrders; i++ {
		raws = append(raws, []byte(fmt.Sprintf(`{"order_number":"B-%d","date":"2026-11-21","currency":"DKK","prices_include_tax":true,"customer":{"email":"x@example.dk"},
"lines":[{"sku":"A","quantity":1,"unit_price":"129.95","vat_rate":"0.25"},{"sku":"B","quantity":2,"unit_price":"59.00","vat_rate":"0.25"},{"sku":"C","quantity":1,"unit_price":"10.00","vat_rate":"0.25"},
{"sku":"D","quantity":3,"unit_price":"1.10","vat_rate":"0.25"},{"sku":"E","quantity":1,"unit_price":"99.99","vat_rate":"0.25"}],"shipping":{"amount":"49.00","vat_rate":"0.25"},"total":"410.24"}`, i)))
	}
	b.ResetTimer()
	for b.Loop() {
		total := decimal.Zero
		for _, raw := range raws {
			o, err := parseOrder(raw, "")
			if err != nil {
				b.Fatal(err)
			}
			d, err := splitOrder(o, nil)
			if err != nil {
				b.Fatal(err)
			}
			total = total.Add(d.gross)
		}
		if !total.Equal(decimal.RequireFromString("820480")) {
			b.Fatalf("total %s", total)
		}
	}
}
