package analytics

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/shopspring/decimal"
)

func TestRevenueForecastTool(t *testing.T) {
	h := start(t, newSandbox(t, "retail"))
	ctx := context.Background()
	var out ForecastOutput
	if err := h.CallToolInto(ctx, "get_revenue_forecast", ForecastInput{Months: 12}, &out); err != nil {
		t.Fatal(err)
	}
	t.Logf("retail: model %s (%s), history %d months %s..%s, backtest %+v", out.Model, out.IntervalMethod, out.HistoryMonths, out.HistoryFrom, out.HistoryTo, out.Backtest)
	t.Logf("summary: %s", out.Summary)
	// the sandbox's history runs two years to 27.11.2026: Dec 2024..Oct 2026
	if out.HistoryFrom != "2024-12" || out.HistoryTo != "2026-10" || out.HistoryMonths != 23 {
		t.Errorf("history %s..%s (%d), want 2024-12..2026-10 (23)", out.HistoryFrom, out.HistoryTo, out.HistoryMonths)
	}
	if len(out.Points) != 12 || out.Points[0].Month != "2026-11" || out.Points[11].Month != "2027-10" {
		t.Fatalf("points %+v", out.Points)
	}
	for _, pt := range out.Points {
		if !(pt.Lo95 <= pt.Lo80 && pt.Lo80 <= pt.Mean && pt.Mean <= pt.Hi80 && pt.Hi80 <= pt.Hi95) {
			t.Errorf("%s: intervals out of order %+v", pt.Month, pt)
		}
		// amounts are rounded to øre
		if !pt.Mean.Dec().Equal(pt.Mean.Dec().Round(2)) {
			t.Errorf("%s: mean %v not rounded to øre", pt.Month, pt.Mean)
		}
	}
	if out.Backtest.MASE == nil || out.Backtest.Coverage80 == nil || len(out.Candidates) < 5 {
		t.Errorf("backtest not reported: %+v, %d candidates", out.Backtest, len(out.Candidates))
	}
	notes := strings.Join(out.Notes, " | ")
	for _, want := range []string{"fewer than two full years", "2024-11 is left out", "2026-11) is left out"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes %q lack %q", notes, want)
		}
	}
	if !strings.Contains(out.Summary, "kr.") || !strings.Contains(out.Summary, "ingen sæsonmodel") {
		t.Errorf("summary %q: want Danish amounts and the short-history warning", out.Summary)
	}
	var e *sdk.Error
	if err := h.CallToolInto(ctx, "get_revenue_forecast", ForecastInput{Months: 13}, &out); !errors.As(err, &e) || e.Category != sdk.CategoryValidation {
		t.Errorf("months 13: %v", err)
	}
	// the dashboard's forecast band comes from the same hook
	if forecastBandHook == nil {
		t.Error("forecastBandHook is not set")
	}
}

func TestFindAnomaliesAndRecommendations(t *testing.T) {
	srv := newSandbox(t, "service")
	h := start(t, srv)
	ctx := context.Background()
	var out AnomaliesOutput
	if err := h.CallToolInto(ctx, "find_anomalies", AnomaliesInput{From: "2025-01-01"}, &out); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", out.Summary)
	for _, f := range out.Findings {
		if f.Reason == "" || len(f.Records) == 0 {
			t.Errorf("finding without reason or records: %+v", f)
		}
	}
	// every reported invoice ID exists in Billy
	ids := map[string]bool{}
	for _, inv := range rawList(t, srv, "/invoices", "invoices", url.Values{}) {
		ids[inv["id"].(string)] = true
	}
	for _, f := range out.Findings {
		if f.Kind == "revenue_dip" {
			continue
		}
		for _, r := range f.Records {
			if f.Kind != "late_payer" && !ids[r] {
				t.Errorf("%s names %s, which is no invoice", f.Kind, r)
			}
		}
	}
	var e *sdk.Error
	if err := h.CallToolInto(ctx, "find_anomalies", AnomaliesInput{Kinds: []string{"fraud"}}, &out); !errors.As(err, &e) || !strings.Contains(e.Message, "vat_rate") {
		t.Errorf("unknown kind: %v", err)
	}

	var rec RecommendationsOutput
	if err := h.CallToolInto(ctx, "get_recommendations", RecommendationsInput{}, &rec); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", rec.Summary)
	if rec.VAT == nil {
		t.Fatalf("no VAT estimate; notes %q", rec.Notes)
	}
	// the service organization files quarterly: Q4 2026, due 1 March 2027
	if rec.VAT.Period != "4. kvartal 2026" || rec.VAT.From != "2026-10-01" || rec.VAT.Deadline != "2027-03-01" {
		t.Errorf("VAT period %+v", rec.VAT)
	}
	// independent: output VAT of approved invoices less credit notes since 1 October, in DKK
	want := decimal.Zero
	for _, inv := range rawList(t, srv, "/invoices", "invoices", url.Values{"state": {"approved"}}) {
		if date := inv["entryDate"].(string); date < "2026-10-01" || date > "2026-11-27" {
			continue
		}
		v := d(inv["tax"]).Mul(d(inv["exchangeRate"])).Round(2)
		if inv["type"] == "creditNote" {
			v = v.Neg()
		}
		want = want.Add(v)
	}
	if got := rec.VAT.OutputVAT.Dec(); got.Sub(want).Abs().GreaterThan(decimal.RequireFromString("0.05")) {
		t.Errorf("output VAT %s, independent sum %s", got, want)
	}
	if len(rec.Recommendations) == 0 || len(rec.Recommendations) > 8 {
		t.Errorf("%d recommendations", len(rec.Recommendations))
	}
	for _, r := range rec.Recommendations {
		if len(r.Evidence) == 0 {
			t.Errorf("recommendation without evidence: %+v", r)
		}
	}
}

func TestVATPeriodOf(t *testing.T) {
	day := func(s string) string { return s }
	for _, tc := range []struct {
		kind, today, label, from, to, deadline string
	}{
		// danish-compliance.md §1.6: Q3 → 1 Dec; H1 → 1 Sep; monthly the
		// 25th, June 17 August; 1 March 2026 is a Sunday → 2 March.
		{"quarterly", "2026-08-15", "3. kvartal 2026", "2026-07-01", "2026-09-30", "2026-12-01"},
		{"semianually", "2025-12-31", "2. halvår 2025", "2025-07-01", "2025-12-31", "2026-03-02"},
		{"monthly", "2025-06-03", "juni 2025", "2025-06-01", "2025-06-30", "2025-08-18"},
		{"monthly", "2025-09-10", "september 2025", "2025-09-01", "2025-09-30", "2025-10-27"},
	} {
		today, _ := timeParse(tc.today)
		label, from, to, deadline, ok := vatPeriodOf(tc.kind, today)
		got := []string{label, from.Format("2006-01-02"), to.Format("2006-01-02"), deadline.Format("2006-01-02")}
		want := []string{tc.label, tc.from, tc.to, day(tc.deadline)}
		if !ok || strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s %s: %v, want %v", tc.kind, tc.today, got, want)
		}
	}
	if _, _, _, _, ok := vatPeriodOf("weekly", anchor); ok {
		t.Error("weekly accepted")
	}
}

func TestMetricTools(t *testing.T) {
	srv := newSandbox(t, "service")
	h := start(t, srv)
	ctx := context.Background()
	var def DefineMetricOutput
	if err := h.CallToolInto(ctx, "define_metric", DefineMetricInput{Name: "revenue", Expression: "revenue_net", Description: "Nettoomsætning"}, &def); err != nil {
		t.Fatal(err)
	}
	if !def.Created || !def.Durable {
		t.Errorf("define: %+v", def)
	}
	// a bad formula names the field and what is allowed
	var e *sdk.Error
	err := h.CallToolInto(ctx, "define_metric", DefineMetricInput{Name: "bad", Expression: "revenue * 2"}, &def)
	if !errors.As(err, &e) || e.Category != sdk.CategoryValidation || !strings.Contains(e.Message, "unknown name revenue") ||
		!strings.Contains(e.Message, "revenue_net") || len(e.Fields) == 0 || e.Fields[0].Field != "expression" {
		t.Errorf("bad expression: %v %+v", err, e)
	}
	var list ListMetricsOutput
	if err := h.CallToolInto(ctx, "list_metrics", ListMetricsInput{}, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Metrics) != 1 || list.Metrics[0].Name != "revenue" || len(list.Fields) < 10 {
		t.Errorf("list: %+v", list.Metrics)
	}
	// independent: October 2026's net revenue in DKK
	want := decimal.Zero
	for _, inv := range rawList(t, srv, "/invoices", "invoices", url.Values{"state": {"approved"}}) {
		if date := inv["entryDate"].(string); date < "2026-10-01" || date > "2026-10-31" {
			continue
		}
		v := d(inv["amount"]).Mul(d(inv["exchangeRate"])).Round(2)
		if inv["type"] == "creditNote" {
			v = v.Neg()
		}
		want = want.Add(v)
	}
	var ev EvaluateMetricOutput
	if err := h.CallToolInto(ctx, "evaluate_metric", EvaluateMetricInput{Name: "revenue", From: "2026-09-01", To: "2026-10-31", By: "month"}, &ev); err != nil {
		t.Fatal(err)
	}
	if len(ev.Values) != 2 || ev.Values[1].Kind != "amount" || !ev.Values[1].Amount.Dec().Equal(want) {
		t.Errorf("October revenue %+v, independent sum %s", ev.Values, want)
	}
	// an ad-hoc formula over the records: share of EU revenue, a number
	if err := h.CallToolInto(ctx, "evaluate_metric", EvaluateMetricInput{
		Expression: `sum(map(filter(invoices, .currency == "EUR"), .net)) / revenue_net`, From: "2026-10-01", To: "2026-10-31"}, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Values[0].Kind != "number" || ev.Values[0].Number == nil || *ev.Values[0].Number <= 0 || *ev.Values[0].Number >= 1 {
		t.Errorf("EUR share %+v", ev.Values)
	}
	if err := h.CallToolInto(ctx, "evaluate_metric", EvaluateMetricInput{Name: "nope"}, &ev); !errors.As(err, &e) || e.Category != sdk.CategoryNotFound {
		t.Errorf("unknown metric: %v", err)
	}
	var del DeleteMetricOutput
	if err := h.CallToolInto(ctx, "delete_metric", DeleteMetricInput{Name: "revenue"}, &del); err != nil || !del.Deleted {
		t.Errorf("delete: %v %+v", err, del)
	}
}

func timeParse(s string) (time.Time, error) { return time.Parse(time.DateOnly, s) }
