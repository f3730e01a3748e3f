package analytics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/billy-mcp/billy-mcp/plugins/analytics/anomaly"
	"github.com/billy-mcp/billy-mcp/plugins/analytics/books"
	"github.com/billy-mcp/billy-mcp/plugins/analytics/forecast"
	"github.com/billy-mcp/billy-mcp/plugins/analytics/metrics"
	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/shopspring/decimal"
)

// modelTools are the forecast, anomaly, recommendation and custom-metric
// tools.
func (p *Plugin) modelTools() []sdk.Tool {
	read := func(s sdk.ToolSpec) sdk.ToolSpec {
		s.Effect, s.Idempotent, s.Category, s.Scopes = sdk.ReadOnly, true, "analytics", readScopes
		return s
	}
	tools := []sdk.Tool{
		sdk.NewTool(read(sdk.ToolSpec{
			Name:  "get_revenue_forecast",
			Title: "Revenue forecast",
			Description: "Forecasts net revenue (base currency) per month 1–12 months ahead with 80 % and 95 % prediction intervals. " +
				"The model (Holt-Winters/ETS, seasonal naive, or a simpler one for short histories) is chosen per organization by a rolling-origin backtest " +
				"(1–3 months ahead), and that backtest's error is reported with the forecast: MAPE, MASE, the error relative to \"same month last year\", " +
				"and how often the intervals held. Says so when the history is too short for seasonality.",
			Examples: []sdk.Example{{Title: "The next 6 months", Arguments: ForecastInput{Months: 6}}},
		}), p.revenueForecast),
		sdk.NewTool(read(sdk.ToolSpec{
			Name:  "find_anomalies",
			Title: "Find anomalies in the books",
			Description: "Looks through the working set for what an accountant should check, each with its reason and record IDs: invoices far from the customer's usual amount, " +
				"VAT rates that do not fit the customer's country (Danish 25 %, EU business 0 % reverse charge, …), unusual discounts, possible duplicate invoices, " +
				"customers paying later than usual, and months whose revenue fell below the forecast's 95 % interval.",
			Examples: []sdk.Example{{Title: "Anomalies this year", Arguments: AnomaliesInput{From: "2026-01-01"}}},
		}), p.findAnomalies),
		sdk.NewTool(read(sdk.ToolSpec{
			Name:  "get_recommendations",
			Title: "Recommended actions",
			Description: "A short list of concrete actions with their evidence: VAT to set aside for the current VAT period (from invoices and bills so far), " +
				"overdue invoices to chase (with each customer's usual lateness), customers whose payment terms deserve a review, and the anomalies that need a decision.",
			Examples: []sdk.Example{{Title: "What to do now", Arguments: RecommendationsInput{}}},
		}), p.recommendations),
	}
	return append(tools, p.metricTools()...)
}

func init() {
	forecastBandHook = func(ctx context.Context, set *books.Set, currency string, months int) ([]BandPoint, error) {
		s, err := monthlySeries(ctx, set, "invoice", time.Now().UTC())
		if err != nil {
			return nil, err
		}
		r, err := forecast.Forecast(s.values, forecast.Options{Horizon: min(max(months, 1), forecast.MaxHorizon)})
		if err != nil {
			return nil, err
		}
		var out []BandPoint
		for i, pt := range r.Points {
			out = append(out, BandPoint{Month: addMonths(s.next, i), Mean: round2(pt.Mean), Lo80: round2(pt.Lo80), Hi80: round2(pt.Hi80),
				Lo95: round2(pt.Lo95), Hi95: round2(pt.Hi95)})
		}
		return out, nil
	}
}

func round2(f float64) decimal.Decimal { return decimal.NewFromFloat(f).Round(2) }

func addMonths(month string, n int) string {
	t, _ := time.Parse("2006-01", month)
	return t.AddDate(0, n, 0).Format("2006-01")
}

// series is a monthly revenue series of complete months.
type series struct {
	months []string
	values []float64
	next   string // the month after the last one
	notes  []string
}

// monthlySeries is base-currency net revenue per complete month: from the
// first full month with data to the month before today's; a first month
// that the data enters after its 1st is left out (it is only part of a
// month), and so is the current month.
func monthlySeries(ctx context.Context, set *books.Set, basis string, now time.Time) (series, error) {
	var s series
	rows, err := set.MonthlyRevenue(ctx, basis, "", "")
	if err != nil {
		return s, err
	}
	by := map[string]decimal.Decimal{}
	first := ""
	for _, r := range rows {
		by[r.Month] = by[r.Month].Add(r.BaseNet)
		if first == "" || r.Month < first {
			first = r.Month
		}
	}
	cur := now.Format("2006-01")
	s.next = cur
	if first == "" {
		return s, nil
	}
	var firstDate string
	q := `SELECT COALESCE(MIN(entry_date),'') FROM invoices WHERE org_id=? AND state='approved'`
	if basis == "payment" {
		q = `SELECT COALESCE(MIN(entry_date),'') FROM payments WHERE org_id=? AND is_voided=0`
	}
	if err := set.DB().QueryRowContext(ctx, q, set.Info().OrganizationID).Scan(&firstDate); err != nil {
		return s, err
	}
	if len(firstDate) == 10 && firstDate[:7] == first && firstDate[8:] != "01" {
		s.notes = append(s.notes, fmt.Sprintf("%s is left out: the data starts on %s, so the month is incomplete", first, daDate(firstDate)))
		first = addMonths(first, 1)
	}
	s.notes = append(s.notes, fmt.Sprintf("the current month (%s) is left out: it is not over", cur))
	for m := first; m < cur; m = addMonths(m, 1) {
		s.months = append(s.months, m)
		f, _ := by[m].Float64()
		s.values = append(s.values, f)
	}
	return s, nil
}

// ForecastInput is get_revenue_forecast's input.
type ForecastInput struct {
	Months int    `json:"months,omitempty" jsonschema:"how many months ahead, 1–12 (default 6)"`
	Basis  string `json:"basis,omitempty" jsonschema:"invoice (default: invoiced, by invoice date) or payment (received, by payment date)"`
}

// ForecastPoint is one month's forecast.
type ForecastPoint struct {
	Month string `json:"month" jsonschema:"YYYY-MM"`
	Mean  Amount `json:"mean" jsonschema:"point forecast, base currency net"`
	Lo80  Amount `json:"lo80"`
	Hi80  Amount `json:"hi80"`
	Lo95  Amount `json:"lo95"`
	Hi95  Amount `json:"hi95"`
}

// BacktestScore is a model's rolling-origin backtest.
type BacktestScore struct {
	Model      string  `json:"model"`
	Origins    int     `json:"origins" jsonschema:"training windows tried"`
	Forecasts  int     `json:"forecasts" jsonschema:"held-out months forecast"`
	MAPE       *Amount `json:"mapePercent,omitempty" jsonschema:"mean absolute percentage error over held-out months with revenue"`
	MASE       *Amount `json:"mase,omitempty" jsonschema:"mean absolute scaled error (scaled by the in-sample seasonal naive error); below 1 beats it"`
	RelMAE     *Amount `json:"relativeToSeasonalNaive,omitempty" jsonschema:"absolute error divided by that of 'same month last year' on the same months"`
	Coverage80 *Amount `json:"coverage80Percent,omitempty" jsonschema:"share of held-out months inside the 80 % interval"`
	Coverage95 *Amount `json:"coverage95Percent,omitempty"`
}

// ForecastOutput is get_revenue_forecast's answer.
type ForecastOutput struct {
	Currency       string          `json:"currency"`
	Basis          string          `json:"basis"`
	Model          string          `json:"model"`
	Description    string          `json:"description"`
	IntervalMethod string          `json:"intervalMethod" jsonschema:"analytic (closed-form variance) or empirical (simulated from bootstrapped residuals)"`
	HistoryMonths  int             `json:"historyMonths"`
	HistoryFrom    string          `json:"historyFrom,omitempty"`
	HistoryTo      string          `json:"historyTo,omitempty"`
	Points         []ForecastPoint `json:"points"`
	Backtest       BacktestScore   `json:"backtest" jsonschema:"the chosen model's backtest"`
	Candidates     []BacktestScore `json:"candidates" jsonschema:"every model tried"`
	Notes          []string        `json:"notes"`
	BasedOn        BasedOn         `json:"basedOn"`
	Summary        string          `json:"summary"`
}

func optAmount(f float64, scale float64) *Amount {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	a := amountOf(decimal.NewFromFloat(f * scale).Round(2))
	return &a
}

func scoreOut(s forecast.Score) BacktestScore {
	return BacktestScore{Model: s.Model, Origins: s.Origins, Forecasts: s.Forecasts, MAPE: optAmount(s.MAPE, 1), MASE: optAmount(s.MASE, 1),
		RelMAE: optAmount(s.RelMAE, 1), Coverage80: optAmount(s.Coverage80, 100), Coverage95: optAmount(s.Coverage95, 100)}
}

func (p *Plugin) revenueForecast(ctx context.Context, call *sdk.Call, in ForecastInput) (ForecastOutput, error) {
	var out ForecastOutput
	if in.Months == 0 {
		in.Months = 6
	}
	if in.Months < 1 || in.Months > forecast.MaxHorizon {
		return out, sdk.Invalid("months", "must be from 1 to %d, got %d", forecast.MaxHorizon, in.Months)
	}
	switch in.Basis {
	case "":
		in.Basis = "invoice"
	case "invoice", "payment":
	default:
		return out, sdk.Invalid("basis", "must be invoice or payment, got %q", in.Basis)
	}
	set, err := p.workingSet(ctx, call)
	if err != nil {
		return out, err
	}
	now := p.now().UTC()
	s, err := monthlySeries(ctx, set, in.Basis, now)
	if err != nil {
		return out, storeErr(err)
	}
	info := set.Info()
	out.Currency, out.Basis, out.HistoryMonths = info.BaseCurrency, in.Basis, len(s.values)
	out.BasedOn = basedOn(set, "", "", p.today(), "Net revenue in the base currency: invoices in other currencies at their own exchange rate; credit notes subtracted.", in.Basis)
	if len(s.months) > 0 {
		out.HistoryFrom, out.HistoryTo = s.months[0], s.months[len(s.months)-1]
		out.BasedOn.From, out.BasedOn.To = s.months[0]+"-01", s.months[len(s.months)-1]
	}
	r, err := forecast.Forecast(s.values, forecast.Options{Horizon: in.Months})
	if err != nil {
		return out, sdk.NewError(sdk.CategoryValidation, "forecast_history_too_short",
			"no forecast: %d complete months of revenue in the working set, and at least %d are needed for an honest interval (%v)", len(s.values), forecast.MinPoints, err)
	}
	out.Model, out.Description, out.IntervalMethod = r.Model, r.Description, r.IntervalMethod
	out.Notes = append(s.notes, r.Notes...)
	for i, pt := range r.Points {
		out.Points = append(out.Points, ForecastPoint{Month: addMonths(s.next, i), Mean: amountOf(round2(pt.Mean)),
			Lo80: amountOf(round2(pt.Lo80)), Hi80: amountOf(round2(pt.Hi80)), Lo95: amountOf(round2(pt.Lo95)), Hi95: amountOf(round2(pt.Hi95))})
	}
	out.Backtest = scoreOut(r.Backtest)
	uncovered := ""
	if len(r.HeldOut) > 0 && len(r.HeldOut) < 12 {
		held := map[string]bool{}
		for _, i := range r.HeldOut {
			held[s.months[i][5:]] = true
		}
		var missing []string
		for m := 1; m <= 12; m++ {
			if !held[fmt.Sprintf("%02d", m)] {
				missing = append(missing, daMonths[m-1])
			}
		}
		out.Notes = append(out.Notes, "the backtest never forecast "+strings.Join(missing, ", ")+": its error and coverage say nothing about those months (a seasonal peak there may be missed)")
		uncovered = " Backtesten dækker ikke " + strings.Join(missing, ", ") + "."
	}
	for _, c := range r.Candidates {
		out.Candidates = append(out.Candidates, scoreOut(c))
	}
	cur := out.Currency
	var b strings.Builder
	fmt.Fprintf(&b, "Prognose for %s (netto, %s) de næste %d måneder, model %s, ud fra %d hele måneder:", map[string]string{"invoice": "faktureret omsætning", "payment": "indbetalinger"}[in.Basis], cur, in.Months, r.Model, len(s.values))
	for _, pt := range out.Points {
		fmt.Fprintf(&b, " %s: %s (80 %%: %s–%s);", daMonthName(pt.Month), daAmount(pt.Mean.Dec(), cur), daAmount(pt.Lo80.Dec(), cur), daAmount(pt.Hi80.Dec(), cur))
	}
	bt := r.Backtest
	fmt.Fprintf(&b, " Backtest (%d måneder, 1–3 måneder frem): MASE %s, MAPE %s, 80 %%-intervallet ramte %s af månederne.",
		bt.Forecasts, daNumber(decimal.NewFromFloat(bt.MASE), 2), pctText(bt.MAPE), pctText(100*bt.Coverage80))
	if len(s.values) < 24 {
		b.WriteString(" Under to års historik: ingen sæsonmodel.")
	}
	out.Summary = b.String() + uncovered
	return out, nil
}

func pctText(f float64) string {
	if math.IsNaN(f) {
		return "–"
	}
	return daPercent(decimal.NewFromFloat(f))
}

var daMonths = []string{"januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "december"}

// daMonthName is "december 2026" for "2026-12".
func daMonthName(m string) string {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return m
	}
	return daMonths[t.Month()-1] + " " + t.Format("2006")
}

// billyGet reads one Billy resource through the host.
func billyGet(ctx context.Context, call *sdk.Call, path string, q url.Values, into any) error {
	b, err := billyFor(call)(ctx, path, q)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, into); err != nil {
		return sdk.NewError(sdk.CategoryUpstreamUnavailable, "billy_answer_unreadable", "Billy's answer to GET %s could not be read: %v", path, err)
	}
	return nil
}

// AnomaliesInput is find_anomalies' input.
type AnomaliesInput struct {
	From  string   `json:"from,omitempty" jsonschema:"report findings from this date (YYYY-MM-DD; default 12 months ago); older history is still the baseline"`
	Kinds []string `json:"kinds,omitempty" jsonschema:"only these kinds: amount, vat_rate, discount, duplicate, late_payer, revenue_dip (default all)"`
}

// AnomalyOut is one finding.
type AnomalyOut struct {
	Kind     string   `json:"kind"`
	Severity string   `json:"severity" jsonschema:"high, medium or low"`
	Summary  string   `json:"summary"`
	Reason   string   `json:"reason" jsonschema:"the evidence, with the figures"`
	Records  []string `json:"records" jsonschema:"invoice IDs (months for revenue_dip)"`
	Labels   []string `json:"labels,omitempty" jsonschema:"the records for people: invoice numbers (months)"`
	Customer string   `json:"customer,omitempty"`
	Amount   *Amount  `json:"amount,omitempty" jsonschema:"the amount concerned, base currency"`
}

// AnomaliesOutput is find_anomalies' answer.
type AnomaliesOutput struct {
	Findings []AnomalyOut   `json:"findings"`
	Counts   map[string]int `json:"counts" jsonschema:"findings per kind"`
	Notes    []string       `json:"notes"`
	BasedOn  BasedOn        `json:"basedOn"`
	Summary  string         `json:"summary"`
}

var anomalyKinds = []string{"amount", "vat_rate", "discount", "duplicate", "late_payer", "revenue_dip"}

var anomalyDanish = map[string]string{"amount": "usædvanligt beløb", "vat_rate": "momssats passer ikke til kunden", "discount": "usædvanlig rabat",
	"duplicate": "mulig dobbeltfaktura", "late_payer": "kunde betaler senere end normalt", "revenue_dip": "omsætningsfald"}

// evidence is what the anomaly detectors and the recommendations read.
type evidence struct {
	linesFrom string
	prior     map[string]anomaly.DiscountHistory
	invs      []anomaly.Invoice
	pays      []anomaly.Payment
	customers map[string]anomaly.Customer
	notes     []string
}

// gather reads the working set (and the customers' kind from Billy) into
// the detectors' types: every invoice (the baseline), but the lines only of
// those from linesFrom on, read in one query, so that a long history stays
// cheap; the discount history before linesFrom is counted in SQL.
func (p *Plugin) gather(ctx context.Context, call *sdk.Call, set *books.Set, linesFrom string) (*evidence, error) {
	ev := &evidence{linesFrom: linesFrom}
	index := map[string]int{}
	err := set.Invoices(ctx, books.InvoiceFilter{}, func(inv books.Invoice) error {
		a := anomaly.Invoice{ID: inv.ID, No: inv.No, Type: inv.Type, CustomerID: inv.ContactID, Customer: inv.ContactName, Country: inv.CountryID,
			EntryDate: inv.EntryDate, DueDate: inv.DueDate, Currency: inv.Currency, Gross: inv.Gross, BaseNet: baseOf(inv.Net, inv),
			Balance: inv.Balance, IsPaid: inv.IsPaid, CreditedID: inv.CreditedInvoiceID}
		index[inv.ID] = len(ev.invs)
		ev.invs = append(ev.invs, a)
		return nil
	})
	if err != nil {
		return nil, storeErr(err)
	}
	org := set.Info().OrganizationID
	rows, err := set.DB().QueryContext(ctx, `SELECT l.invoice_id, l.product_id, COALESCE(NULLIF(l.description,''), COALESCE(p.name,'')), l.quantity,
		l.net, l.vat, COALESCE(t.rate,''), l.discount
		FROM invoice_lines l JOIN invoices i ON i.org_id=l.org_id AND i.id=l.invoice_id
		LEFT JOIN products p ON p.org_id=l.org_id AND p.id=l.product_id
		LEFT JOIN tax_rates t ON t.org_id=l.org_id AND t.id=l.tax_rate_id
		WHERE l.org_id=? AND i.state='approved' AND i.entry_date >= ? ORDER BY l.invoice_id, l.id`, org, linesFrom)
	if err != nil {
		return nil, storeErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, prod, desc, qty, rate, disc string
		var net, vat int64
		if err := rows.Scan(&id, &prod, &desc, &qty, &net, &vat, &rate, &disc); err != nil {
			return nil, storeErr(err)
		}
		i, ok := index[id]
		if !ok {
			continue
		}
		l := anomaly.Line{ProductID: prod, Description: desc, Net: books.Dec(net)}
		l.Quantity, _ = decimal.NewFromString(qty)
		if r, err := decimal.NewFromString(rate); err == nil {
			l.TaxRate = r
		} else if net != 0 {
			l.TaxRate = books.Dec(vat).DivRound(books.Dec(net), 4)
		}
		if d, err := decimal.NewFromString(disc); err == nil {
			l.DiscountPercent = d
		}
		ev.invs[i].Lines = append(ev.invs[i].Lines, l)
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr(err)
	}
	// discount history before linesFrom, per customer
	ev.prior = map[string]anomaly.DiscountHistory{}
	hrows, err := set.DB().QueryContext(ctx, `SELECT i.contact_id, COUNT(*),
		SUM(CASE WHEN EXISTS (SELECT 1 FROM invoice_lines l WHERE l.org_id=i.org_id AND l.invoice_id=i.id AND l.discount NOT IN ('','0')) THEN 1 ELSE 0 END)
		FROM invoices i WHERE i.org_id=? AND i.state='approved' AND i.type='invoice' AND i.entry_date < ? GROUP BY i.contact_id`, org, linesFrom)
	if err != nil {
		return nil, storeErr(err)
	}
	defer hrows.Close()
	for hrows.Next() {
		var c string
		var h anomaly.DiscountHistory
		if err := hrows.Scan(&c, &h.Invoices, &h.Discounted); err != nil {
			return nil, storeErr(err)
		}
		ev.prior[c] = h
	}
	if err := hrows.Err(); err != nil {
		return nil, storeErr(err)
	}
	err = set.Payments(ctx, "", "", func(pm books.Payment) error {
		ev.pays = append(ev.pays, anomaly.Payment{InvoiceID: pm.InvoiceID, CustomerID: pm.ContactID, Date: pm.EntryDate, DaysLate: pm.DaysLate})
		return nil
	})
	if err != nil {
		return nil, storeErr(err)
	}
	ev.customers, err = customerKinds(ctx, call)
	if err != nil {
		// The VAT rule then uses the country alone (Danish customers);
		// say so rather than fail the whole analysis.
		ev.notes = append(ev.notes, "the customers' kind (company or private) could not be read from Billy, so only Danish customers' VAT was checked: "+err.Error())
	}
	return ev, nil
}

// baseOf converts an invoice-currency amount at the invoice's own rate.
func baseOf(d decimal.Decimal, inv books.Invoice) decimal.Decimal {
	if inv.ExchangeRate.IsZero() {
		return d
	}
	return d.Mul(inv.ExchangeRate).Round(2)
}

// customerKinds reads every customer's type, VAT number and exemption
// from Billy (the working set keeps only name and country).
func customerKinds(ctx context.Context, call *sdk.Call) (map[string]anomaly.Customer, error) {
	out := map[string]anomaly.Customer{}
	for page := 1; page <= 100; page++ {
		var body struct {
			Contacts []struct {
				ID               string `json:"id"`
				Type             string `json:"type"`
				RegistrationNo   string `json:"registrationNo"`
				IsSalesTaxExempt bool   `json:"isSalesTaxExempt"`
			} `json:"contacts"`
			Meta struct {
				Paging struct {
					PageCount int `json:"pageCount"`
				} `json:"paging"`
			} `json:"meta"`
		}
		q := url.Values{"isCustomer": {"true"}, "pageSize": {"1000"}, "page": {fmt.Sprint(page)}}
		if err := billyGet(ctx, call, "/contacts", q, &body); err != nil {
			return nil, err
		}
		for _, c := range body.Contacts {
			out[c.ID] = anomaly.Customer{Known: true, Company: c.Type == "company" || c.RegistrationNo != "", SalesTaxExempt: c.IsSalesTaxExempt}
		}
		if page >= body.Meta.Paging.PageCount {
			break
		}
	}
	return out, nil
}

// detect runs the chosen detectors.
func (p *Plugin) detect(ctx context.Context, set *books.Set, ev *evidence, since string, kinds map[string]bool) ([]anomaly.Finding, []string, error) {
	opt := anomaly.Options{Today: p.today(), Since: since, LinesFrom: ev.linesFrom, PriorDiscounts: ev.prior}
	var fs []anomaly.Finding
	notes := append([]string(nil), ev.notes...)
	if kinds["amount"] {
		fs = append(fs, anomaly.Amounts(ev.invs, opt)...)
	}
	if kinds["vat_rate"] {
		fs = append(fs, anomaly.VATRates(ev.invs, ev.customers, opt)...)
	}
	if kinds["discount"] {
		fs = append(fs, anomaly.Discounts(ev.invs, opt)...)
	}
	if kinds["duplicate"] {
		fs = append(fs, anomaly.Duplicates(ev.invs, opt)...)
	}
	if kinds["late_payer"] {
		fs = append(fs, anomaly.LatePayers(ev.invs, ev.pays, opt)...)
	}
	if kinds["revenue_dip"] {
		s, err := monthlySeries(ctx, set, "invoice", p.now().UTC())
		if err != nil {
			return nil, nil, storeErr(err)
		}
		// the complete months since `since`, at most the last 12
		n := 0
		for _, m := range s.months {
			if m+"-31" >= since {
				n++
			}
		}
		dips, dn := anomaly.RevenueDips(s.months, s.values, min(n, 12))
		fs = append(fs, dips...)
		notes = append(notes, dn...)
	}
	anomaly.Sort(fs)
	return fs, notes, nil
}

func (p *Plugin) findAnomalies(ctx context.Context, call *sdk.Call, in AnomaliesInput) (AnomaliesOutput, error) {
	var out AnomaliesOutput
	if err := checkDate("from", in.From); err != nil {
		return out, err
	}
	since := in.From
	if since == "" {
		since = p.now().UTC().AddDate(-1, 0, 0).Format(time.DateOnly)
	}
	kinds := map[string]bool{}
	for _, k := range in.Kinds {
		ok := false
		for _, a := range anomalyKinds {
			ok = ok || a == k
		}
		if !ok {
			return out, sdk.Invalid("kinds", "%q is not a kind; allowed: %s", k, strings.Join(anomalyKinds, ", "))
		}
		kinds[k] = true
	}
	if len(kinds) == 0 {
		for _, a := range anomalyKinds {
			kinds[a] = true
		}
	}
	set, err := p.workingSet(ctx, call)
	if err != nil {
		return out, err
	}
	ev, err := p.gather(ctx, call, set, addDays(since, -7))
	if err != nil {
		return out, err
	}
	fs, notes, err := p.detect(ctx, set, ev, since, kinds)
	if err != nil {
		return out, err
	}
	info := set.Info()
	out.BasedOn = basedOn(set, since, p.today(), p.today(), "Amounts compared in the base currency, at each invoice's own exchange rate.", "")
	out.Notes = append(notes, "findings are reported from "+since+"; the whole history is the baseline")
	out.Counts = map[string]int{}
	out.Findings = []AnomalyOut{}
	for _, f := range fs {
		a := AnomalyOut{Kind: f.Kind, Severity: f.Severity, Summary: f.Summary, Reason: f.Reason, Records: f.Records, Labels: f.Labels, Customer: f.Customer}
		if f.Amount != nil {
			v := amountOf(*f.Amount)
			a.Amount = &v
		}
		out.Findings = append(out.Findings, a)
		out.Counts[f.Kind]++
	}
	var parts []string
	for _, k := range anomalyKinds {
		if n := out.Counts[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s: %s", anomalyDanish[k], daInt(n)))
		}
	}
	if len(parts) == 0 {
		out.Summary = fmt.Sprintf("Ingen afvigelser fundet siden %s i %s.", daDate(since), info.OrganizationName)
	} else {
		out.Summary = fmt.Sprintf("%s afvigelser siden %s i %s (%s).", daInt(len(fs)), daDate(since), info.OrganizationName, strings.Join(parts, ", "))
		for i, f := range fs {
			if i == 5 {
				break
			}
			out.Summary += " " + danishFinding(f, info.BaseCurrency)
		}
	}
	return out, nil
}

// RecommendationsInput is get_recommendations' input.
type RecommendationsInput struct {
	Limit int `json:"limit,omitempty" jsonschema:"at most this many actions, 1–20 (default 8)"`
}

// RecommendationOut is one action.
type RecommendationOut struct {
	Kind     string   `json:"kind" jsonschema:"reserve_vat, chase_overdue, review_terms, check_duplicate, correct_vat, investigate_dip or check_invoice"`
	Priority string   `json:"priority" jsonschema:"high, medium or low"`
	Action   string   `json:"action"`
	Evidence []string `json:"evidence"`
	Records  []string `json:"records,omitempty" jsonschema:"invoice, customer IDs or months the action is about"`
	Labels   []string `json:"labels,omitempty" jsonschema:"the same records for people: invoice numbers, customer names, months"`
	Amount   *Amount  `json:"amount,omitempty" jsonschema:"base currency"`
}

// VATReserve is the current VAT period's estimate.
type VATReserve struct {
	Period    string `json:"period"`
	From      string `json:"from"`
	To        string `json:"to"`
	Deadline  string `json:"deadline" jsonschema:"return and payment due (weekends rolled forward; bank holidays not applied)"`
	OutputVAT Amount `json:"outputVat"`
	InputVAT  Amount `json:"inputVat"`
	Reserve   Amount `json:"reserve" jsonschema:"output less input VAT so far; 0 when negative (a refund)"`
}

// RecommendationsOutput is get_recommendations' answer.
type RecommendationsOutput struct {
	Recommendations []RecommendationOut `json:"recommendations"`
	VAT             *VATReserve         `json:"vat,omitempty"`
	Notes           []string            `json:"notes"`
	BasedOn         BasedOn             `json:"basedOn"`
	Summary         string              `json:"summary"`
}

// vatPeriodOf is the VAT period (danish-compliance.md §1.6) holding today
// for Billy's vatPeriod setting, with its deadline: monthly the 25th of the
// next month (June: 17 August); quarterly and half-yearly the 1st of the
// third month after the period; a weekend deadline moves to Monday.
func vatPeriodOf(kind string, today time.Time) (label string, from, to, deadline time.Time, ok bool) {
	y, m := today.Year(), today.Month()
	date := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	switch kind {
	case "monthly":
		from = date(y, m, 1)
		to = from.AddDate(0, 1, -1)
		deadline = date(y, m+1, 25)
		if m == time.June {
			deadline = date(y, time.August, 17)
		}
		label = daMonths[m-1] + " " + fmt.Sprint(y)
	case "quarterly":
		q := (int(m) - 1) / 3
		from = date(y, time.Month(3*q+1), 1)
		to = from.AddDate(0, 3, -1)
		deadline = date(to.Year(), to.Month()+3, 1)
		label = fmt.Sprintf("%d. kvartal %d", q+1, y)
	case "semianually", "semiannually", "halfyearly":
		h := (int(m) - 1) / 6
		from = date(y, time.Month(6*h+1), 1)
		to = from.AddDate(0, 6, -1)
		deadline = date(to.Year(), to.Month()+3, 1)
		label = fmt.Sprintf("%d. halvår %d", h+1, y)
	default:
		return "", from, to, deadline, false
	}
	for deadline.Weekday() == time.Saturday || deadline.Weekday() == time.Sunday {
		deadline = deadline.AddDate(0, 0, 1)
	}
	return label, from, to, deadline, true
}

// vatReserve estimates the current period's VAT from the working set.
func (p *Plugin) vatReserve(ctx context.Context, call *sdk.Call, set *books.Set) (*anomaly.VATPeriod, *VATReserve, []string, error) {
	var org struct {
		Organization struct {
			VatPeriod      string `json:"vatPeriod"`
			HasVat         *bool  `json:"hasVat"`
			BaseCurrencyID string `json:"baseCurrencyId"`
		} `json:"organization"`
	}
	if err := billyGet(ctx, call, "/organization", nil, &org); err != nil {
		return nil, nil, []string{"the VAT period could not be read from Billy, so no VAT reserve is suggested: " + err.Error()}, nil
	}
	if org.Organization.HasVat != nil && !*org.Organization.HasVat {
		return nil, nil, []string{"the organization is not VAT-registered: no VAT reserve"}, nil
	}
	today, _ := time.Parse(time.DateOnly, p.today())
	label, from, to, deadline, ok := vatPeriodOf(org.Organization.VatPeriod, today)
	if !ok {
		return nil, nil, []string{fmt.Sprintf("unknown VAT period %q in Billy: no VAT reserve", org.Organization.VatPeriod)}, nil
	}
	lo, hi := from.Format(time.DateOnly), p.today()
	rows, err := set.Revenue(ctx, books.RevenueQuery{Basis: "invoice", From: lo, To: hi})
	if err != nil {
		return nil, nil, nil, storeErr(err)
	}
	out := decimal.Zero
	for _, r := range rows {
		out = out.Add(r.BaseVAT)
	}
	base := set.Info().BaseCurrency
	in := decimal.Zero
	var notes []string
	brows, err := set.DB().QueryContext(ctx, `SELECT currency, COALESCE(SUM(vat),0), COUNT(*) FROM bills WHERE org_id=? AND state='approved' AND entry_date BETWEEN ? AND ? GROUP BY currency`,
		set.Info().OrganizationID, lo, hi)
	if err != nil {
		return nil, nil, nil, storeErr(err)
	}
	defer brows.Close()
	for brows.Next() {
		var cur string
		var vat int64
		var n int
		if err := brows.Scan(&cur, &vat, &n); err != nil {
			return nil, nil, nil, storeErr(err)
		}
		if cur != base {
			notes = append(notes, fmt.Sprintf("%d bills in %s are left out of the input VAT (no exchange rate in the working set)", n, cur))
			continue
		}
		in = in.Add(books.Dec(vat))
	}
	if err := brows.Err(); err != nil {
		return nil, nil, nil, storeErr(err)
	}
	notes = append(notes, "an estimate from approved invoices, credit notes and bills in the working set; the VAT return (moms_return) is the authority: it also counts reverse-charge purchases, duties and corrections")
	vp := &anomaly.VATPeriod{Label: label, From: lo, To: to.Format(time.DateOnly), Deadline: deadline.Format(time.DateOnly), OutputVAT: out, InputVAT: in, Notes: notes}
	reserve := decimal.Max(out.Sub(in), decimal.Zero)
	vr := &VATReserve{Period: label, From: lo, To: vp.To, Deadline: vp.Deadline, OutputVAT: amountOf(out), InputVAT: amountOf(in), Reserve: amountOf(reserve)}
	return vp, vr, nil, nil
}

func (p *Plugin) recommendations(ctx context.Context, call *sdk.Call, in RecommendationsInput) (RecommendationsOutput, error) {
	var out RecommendationsOutput
	if in.Limit == 0 {
		in.Limit = 8
	}
	if in.Limit < 1 || in.Limit > 20 {
		return out, sdk.Invalid("limit", "must be from 1 to 20, got %d", in.Limit)
	}
	set, err := p.workingSet(ctx, call)
	if err != nil {
		return out, err
	}
	since := p.now().UTC().AddDate(0, -3, 0).Format(time.DateOnly)
	ev, err := p.gather(ctx, call, set, addDays(since, -7))
	if err != nil {
		return out, err
	}
	all := map[string]bool{}
	for _, k := range anomalyKinds {
		all[k] = true
	}
	fs, notes, err := p.detect(ctx, set, ev, since, all)
	if err != nil {
		return out, err
	}
	today := p.today()
	var open []anomaly.OpenInvoice
	err = set.Invoices(ctx, books.InvoiceFilter{OnlyOpen: true}, func(inv books.Invoice) error {
		if inv.Type != "invoice" || !inv.Balance.IsPositive() {
			return nil
		}
		open = append(open, anomaly.OpenInvoice{ID: inv.ID, No: inv.No, CustomerID: inv.ContactID, Customer: inv.ContactName, DueDate: inv.DueDate,
			Currency: inv.Currency, Balance: inv.Balance, BaseBalance: baseOf(inv.Balance, inv), DaysOverdue: daysBetween(inv.DueDate, today)})
		return nil
	})
	if err != nil {
		return out, storeErr(err)
	}
	pb, err := set.PaymentBehaviour(ctx)
	if err != nil {
		return out, storeErr(err)
	}
	var beh []anomaly.Behaviour
	for _, b := range pb {
		beh = append(beh, anomaly.Behaviour{CustomerID: b.ContactID, Customer: b.ContactName, Payments: b.Payments, AvgDaysLate: b.AvgDaysLate, MaxDaysLate: b.MaxDaysLate})
	}
	vp, vr, vnotes, err := p.vatReserve(ctx, call, set)
	if err != nil {
		return out, err
	}
	out.VAT = vr
	recs := anomaly.Recommend(fs, open, beh, vp, in.Limit)
	out.Recommendations = []RecommendationOut{}
	base := set.Info().BaseCurrency
	var lines []string
	for i, r := range recs {
		o := RecommendationOut{Kind: r.Kind, Priority: r.Priority, Action: r.Action, Evidence: r.Evidence, Records: r.Records, Labels: r.Labels}
		if r.Amount != nil {
			v := amountOf(*r.Amount)
			o.Amount = &v
		}
		out.Recommendations = append(out.Recommendations, o)
		lines = append(lines, fmt.Sprintf("%d. %s", i+1, danishAction(r, base, vp)))
	}
	out.Notes = append(append(notes, vnotes...), "anomalies are looked for since "+since+"; the whole history is the baseline")
	if vp != nil {
		out.Notes = append(out.Notes, vp.Notes...)
	}
	out.BasedOn = basedOn(set, since, today, today, "Amounts in the base currency, at each invoice's own exchange rate.", "")
	if len(lines) == 0 {
		out.Summary = "Ingen handlinger at anbefale lige nu."
	} else {
		out.Summary = "Anbefalede handlinger: " + strings.Join(lines, " ")
	}
	return out, nil
}

// danishFinding is a finding's headline in Danish, with Danish number
// formats (the structured reason keeps machine formats).
func danishFinding(f anomaly.Finding, cur string) string {
	amt := ""
	if f.Amount != nil {
		amt = " (" + daAmount(*f.Amount, cur) + ")"
	}
	who := ""
	if f.Customer != "" {
		who = " til " + f.Customer
	}
	labels := strings.Join(f.Labels, " og ")
	switch f.Kind {
	case "amount":
		return "Faktura " + labels + who + ": usædvanligt beløb" + amt + "."
	case "vat_rate":
		return "Faktura " + labels + who + ": momssatsen passer ikke til kunden."
	case "discount":
		return "Faktura " + labels + who + ": usædvanlig rabat."
	case "duplicate":
		return "Fakturaerne " + labels + who + ": muligvis den samme faktura to gange" + amt + "."
	case "late_payer":
		return f.Customer + " betaler senere end normalt."
	case "revenue_dip":
		var ms []string
		for _, m := range f.Labels {
			ms = append(ms, daMonthName(m))
		}
		return "Omsætningen i " + strings.Join(ms, ", ") + " lå under prognosens 95 %-interval" + strings.Replace(amt, "(", "(manko ", 1) + "."
	}
	return f.Summary + "."
}

// danishAction is a recommendation's headline in Danish, with Danish
// number and date formats.
func danishAction(r anomaly.Recommendation, cur string, vp *anomaly.VATPeriod) string {
	amt := ""
	if r.Amount != nil {
		amt = daAmount(*r.Amount, cur)
	}
	switch r.Kind {
	case "reserve_vat":
		if vp != nil {
			return fmt.Sprintf("Sæt %s til side til moms for %s (frist %s).", amt, vp.Label, daDate(vp.Deadline))
		}
		return fmt.Sprintf("Sæt %s til side til moms.", amt)
	case "chase_overdue":
		return fmt.Sprintf("Ryk for forfaldne fakturaer (%s), i alt %s", strings.Join(r.Labels, ", "), amt)
	case "review_terms":
		return "Gennemgå betalingsbetingelserne for " + strings.Join(r.Labels, ", ") + ", der betaler sent."
	case "check_duplicate":
		return "Tjek mulig dobbeltfaktura: faktura " + strings.Join(r.Labels, " og ") + "."
	case "correct_vat":
		return "Tjek momsen på faktura " + strings.Join(r.Labels, ", ") + "."
	case "investigate_dip":
		var ms []string
		for _, m := range r.Labels {
			ms = append(ms, daMonthName(m))
		}
		return "Undersøg omsætningsfaldet i " + strings.Join(ms, ", ") + "."
	}
	return "Tjek faktura " + strings.Join(r.Labels, ", ") + " (usædvanligt beløb eller rabat)."
}

// Custom metrics -------------------------------------------------------------

// metricStores holds each Plugin's metric store, opened on first use (the
// Plugin struct belongs to the core; this keeps the metrics' state beside it).
var metricStores = struct {
	sync.Mutex
	m map[*Plugin]*metricsStore
}{m: map[*Plugin]*metricsStore{}}

type metricsStore struct {
	st      *metrics.Store
	durable bool
}

// metricStore opens the metric definitions: in the deployment's PostgreSQL
// (schema analytics) when the operator granted the plugin the database, so
// that every instance sees a metric defined on any of them; else in the
// plugin's data directory (SQLite) when the host gives one; else in a
// temporary directory that does not outlive the process (and the tools
// say so).
func (p *Plugin) metricStore() (*metricsStore, error) {
	metricStores.Lock()
	defer metricStores.Unlock()
	if s := metricStores.m[p]; s != nil {
		return s, nil
	}
	p.mu.Lock()
	dir, url := p.dataDir, p.databaseURL
	p.mu.Unlock()
	if url != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		st, err := metrics.OpenPostgres(ctx, url, "analytics")
		if err != nil {
			// The cause names the database's host and user: not for the
			// client.
			return nil, sdk.NewError(sdk.CategoryUpstreamUnavailable, "metrics_store_unavailable",
				"the metric definitions are kept in the deployment's database, which could not be reached; try again shortly")
		}
		s := &metricsStore{st: st, durable: true}
		metricStores.m[p] = s
		return s, nil
	}
	durable := dir != ""
	if !durable {
		tmp, err := os.MkdirTemp("", "billy-mcp-analytics-metrics-")
		if err != nil {
			return nil, sdk.NewError(sdk.CategoryInternal, "metrics_store_unavailable", "the metric definitions could not be stored: %v", err)
		}
		dir = tmp
	}
	st, err := metrics.OpenSQLite(dir)
	if err != nil {
		return nil, sdk.NewError(sdk.CategoryInternal, "metrics_store_unavailable", "the metric definitions could not be opened: %v", err)
	}
	s := &metricsStore{st: st, durable: durable}
	metricStores.m[p] = s
	return s, nil
}

func metricsErr(err error) error {
	return sdk.NewError(sdk.CategoryInternal, "metrics_store_failed", "the metric definitions could not be read or written: %v", err)
}

func (p *Plugin) metricTools() []sdk.Tool {
	read := func(s sdk.ToolSpec) sdk.ToolSpec {
		s.Effect, s.Idempotent, s.Category, s.Scopes = sdk.ReadOnly, true, "analytics", readScopes
		return s
	}
	// Saving or deleting a definition changes the organization's saved
	// reports (not Billy): reports:write, which billy:write includes.
	write := func(s sdk.ToolSpec, effect sdk.Effect) sdk.ToolSpec {
		s.Effect, s.Idempotent, s.ClosedWorld, s.Category, s.Scopes = effect, true, true, "analytics", []string{"reports:write"}
		return s
	}
	return []sdk.Tool{
		sdk.NewTool(write(sdk.ToolSpec{
			Name:  "define_metric",
			Title: "Define a custom metric",
			Description: "Saves a custom metric for the organization: a formula in a small safe expression language over a period's figures " +
				"(revenue_net, revenue_vat, receivables, overdue, invoice_count, …) and records (invoices, payments), e.g. " +
				"`overdue / receivables` or `sum(map(filter(invoices, .country != \"DK\"), .net))`. Amounts are exact decimals. " +
				"A formula with the same name is replaced. list_metrics lists the fields and functions.",
			Examples: []sdk.Example{{Title: "Share of receivables overdue", Arguments: DefineMetricInput{Name: "overdue_share", Expression: "overdue / receivables",
				Description: "Andel af tilgodehavender, der er forfaldne"}}},
		}, sdk.Additive), p.defineMetric),
		sdk.NewTool(read(sdk.ToolSpec{
			Name:        "list_metrics",
			Title:       "List custom metrics",
			Description: "Lists the organization's saved custom metrics, and the fields, functions and limits of the metric language.",
			Examples:    []sdk.Example{{Title: "List them", Arguments: ListMetricsInput{}}},
		}), p.listMetrics),
		sdk.NewTool(read(sdk.ToolSpec{
			Name:  "evaluate_metric",
			Title: "Evaluate a custom metric",
			Description: "Evaluates a saved metric (name) or a formula given here (expression) over a period of the working set, " +
				"optionally month by month (by: month) for a chart.",
			Examples: []sdk.Example{{Title: "Overdue share, month by month this year", Arguments: EvaluateMetricInput{Name: "overdue_share", From: "2026-01-01", By: "month"}}},
		}), p.evaluateMetric),
		sdk.NewTool(write(sdk.ToolSpec{
			Name:        "delete_metric",
			Title:       "Delete a custom metric",
			Description: "Deletes one of the organization's saved custom metrics.",
			Examples:    []sdk.Example{{Title: "Delete one", Arguments: DeleteMetricInput{Name: "overdue_share"}}},
		}, sdk.Destructive), p.deleteMetric),
	}
}

// DefineMetricInput is define_metric's input.
type DefineMetricInput struct {
	Name        string `json:"name" jsonschema:"1 to 40 of a-z, 0-9 and _, starting with a letter"`
	Expression  string `json:"expression" jsonschema:"the formula (see list_metrics for the fields and functions)"`
	Description string `json:"description,omitempty" jsonschema:"what it measures, for people"`
}

// MetricOut is a saved metric.
type MetricOut struct {
	Name        string `json:"name"`
	Expression  string `json:"expression"`
	Description string `json:"description,omitempty"`
	Created     string `json:"created"`
	Updated     string `json:"updated"`
}

// DefineMetricOutput is define_metric's answer.
type DefineMetricOutput struct {
	Metric  MetricOut `json:"metric"`
	Created bool      `json:"created" jsonschema:"false when a metric of that name was replaced"`
	Durable bool      `json:"durable" jsonschema:"false when the host gave the plugin no data directory: the metric lasts until the plugin restarts"`
	Summary string    `json:"summary"`
}

func metricOut(d metrics.Definition) MetricOut {
	return MetricOut{Name: d.Name, Expression: d.Expression, Description: d.Description,
		Created: d.Created.UTC().Format(time.RFC3339), Updated: d.Updated.UTC().Format(time.RFC3339)}
}

// compileMetric compiles a formula, turning a language error into a
// validation error on field that names what is allowed.
func compileMetric(field, src string) (*metrics.Program, error) {
	prog, err := metrics.Compile(src)
	if err != nil {
		var le *metrics.Error
		if errors.As(err, &le) {
			return nil, sdk.Invalid(field, "%s. Allowed: %s", le.Message, le.Allowed)
		}
		return nil, sdk.Invalid(field, "%v", err)
	}
	return prog, nil
}

func (p *Plugin) defineMetric(ctx context.Context, call *sdk.Call, in DefineMetricInput) (DefineMetricOutput, error) {
	var out DefineMetricOutput
	org, err := orgOf(call)
	if err != nil {
		return out, err
	}
	if !metrics.ValidName(in.Name) {
		return out, sdk.Invalid("name", "must be 1 to 40 of a-z, 0-9 and _, starting with a letter, got %q", in.Name)
	}
	if len(in.Description) > 500 {
		return out, sdk.Invalid("description", "must be at most 500 characters, got %d", len(in.Description))
	}
	if _, err := compileMetric("expression", in.Expression); err != nil {
		return out, err
	}
	ms, err := p.metricStore()
	if err != nil {
		return out, err
	}
	created, err := ms.st.Put(ctx, org, metrics.Definition{Name: in.Name, Expression: in.Expression, Description: in.Description}, p.now())
	if errors.Is(err, metrics.ErrLimit) {
		return out, sdk.NewError(sdk.CategoryConflict, "metrics_limit_reached", "%v; delete one with delete_metric first", err)
	}
	if err != nil {
		return out, metricsErr(err)
	}
	d, _, err := ms.st.Get(ctx, org, in.Name)
	if err != nil {
		return out, metricsErr(err)
	}
	out.Metric, out.Created, out.Durable = metricOut(d), created, ms.durable
	verb := "gemt"
	if !created {
		verb = "erstattet"
	}
	out.Summary = fmt.Sprintf("Nøgletallet %s er %s: %s.", in.Name, verb, in.Expression)
	if !ms.durable {
		out.Summary += " Bemærk: værten har ingen datamappe, så det gemmes kun, til pluginet genstarter."
	}
	return out, nil
}

// ListMetricsInput is list_metrics' input (nothing).
type ListMetricsInput struct{}

// LanguageItem describes a field or function of the metric language.
type LanguageItem struct {
	Name        string `json:"name"`
	Kind        string `json:"kind,omitempty"`
	Description string `json:"description"`
}

// ListMetricsOutput is list_metrics' answer.
type ListMetricsOutput struct {
	Metrics   []MetricOut    `json:"metrics"`
	Fields    []LanguageItem `json:"fields"`
	Functions []LanguageItem `json:"functions"`
	Limits    string         `json:"limits"`
	Summary   string         `json:"summary"`
}

func (p *Plugin) listMetrics(ctx context.Context, call *sdk.Call, _ ListMetricsInput) (ListMetricsOutput, error) {
	var out ListMetricsOutput
	org, err := orgOf(call)
	if err != nil {
		return out, err
	}
	ms, err := p.metricStore()
	if err != nil {
		return out, err
	}
	defs, err := ms.st.List(ctx, org)
	if err != nil {
		return out, metricsErr(err)
	}
	out.Metrics = []MetricOut{}
	var names []string
	for _, d := range defs {
		out.Metrics = append(out.Metrics, metricOut(d))
		names = append(names, d.Name)
	}
	for _, f := range metrics.Fields() {
		out.Fields = append(out.Fields, LanguageItem{Name: f.Name, Kind: f.Kind, Description: f.Description})
	}
	for _, f := range metrics.Functions() {
		out.Functions = append(out.Functions, LanguageItem{Name: f.Name, Kind: f.Kind, Description: f.Description})
	}
	out.Limits = fmt.Sprintf("at most %d characters and %d syntax nodes; no list function inside another's predicate; a memory budget that grows with the records; %v per evaluation; %d metrics per organization",
		metrics.MaxLength, metrics.MaxNodes, metrics.DefaultTimeout, metrics.MaxPerOrganization)
	if len(names) == 0 {
		out.Summary = "Ingen gemte nøgletal endnu; opret et med define_metric."
	} else {
		out.Summary = fmt.Sprintf("%s gemte nøgletal: %s.", daInt(len(names)), strings.Join(names, ", "))
	}
	return out, nil
}

// EvaluateMetricInput is evaluate_metric's input.
type EvaluateMetricInput struct {
	Name       string `json:"name,omitempty" jsonschema:"a saved metric (give name or expression)"`
	Expression string `json:"expression,omitempty" jsonschema:"a formula to evaluate without saving it"`
	From       string `json:"from,omitempty" jsonschema:"first day (YYYY-MM-DD; default 1 January of to's year)"`
	To         string `json:"to,omitempty" jsonschema:"last day (default today)"`
	By         string `json:"by,omitempty" jsonschema:"month: one value per calendar month of the period; default one value for the whole period"`
}

// MetricValue is a metric's value for one period.
type MetricValue struct {
	From   string  `json:"from"`
	To     string  `json:"to"`
	Kind   string  `json:"kind" jsonschema:"amount, number or bool"`
	Amount *Amount `json:"amount,omitempty" jsonschema:"for kind amount: base currency, exact"`
	Number *Amount `json:"number,omitempty" jsonschema:"for kind number"`
	Bool   *bool   `json:"bool,omitempty"`
	Text   string  `json:"text"`
}

// EvaluateMetricOutput is evaluate_metric's answer.
type EvaluateMetricOutput struct {
	Name       string        `json:"name,omitempty"`
	Expression string        `json:"expression"`
	Currency   string        `json:"currency"`
	Values     []MetricValue `json:"values"`
	BasedOn    BasedOn       `json:"basedOn"`
	Summary    string        `json:"summary"`
}

func (p *Plugin) evaluateMetric(ctx context.Context, call *sdk.Call, in EvaluateMetricInput) (EvaluateMetricOutput, error) {
	var out EvaluateMetricOutput
	org, err := orgOf(call)
	if err != nil {
		return out, err
	}
	if (in.Name == "") == (in.Expression == "") {
		return out, sdk.Invalid("name", "give either name (a saved metric) or expression (a formula), not both or neither")
	}
	if in.By != "" && in.By != "month" {
		return out, sdk.Invalid("by", "must be month or left out, got %q", in.By)
	}
	from, to, err := p.period(in.From, in.To)
	if err != nil {
		return out, err
	}
	src := in.Expression
	field := "expression"
	if in.Name != "" {
		ms, err := p.metricStore()
		if err != nil {
			return out, err
		}
		d, ok, err := ms.st.Get(ctx, org, in.Name)
		if err != nil {
			return out, metricsErr(err)
		}
		if !ok {
			return out, sdk.NotFound("metric_not_found", "no metric named %q; list_metrics lists the saved ones", in.Name)
		}
		src, field = d.Expression, "name"
	}
	prog, err := compileMetric(field, src)
	if err != nil {
		return out, err
	}
	periods := [][2]string{{from, to}}
	if in.By == "month" {
		periods = nil
		t, _ := time.Parse(time.DateOnly, from)
		for m := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC); m.Format(time.DateOnly) <= to; m = m.AddDate(0, 1, 0) {
			lo, hi := m.Format(time.DateOnly), m.AddDate(0, 1, -1).Format(time.DateOnly)
			periods = append(periods, [2]string{max(lo, from), min(hi, to)})
		}
		if len(periods) > 36 {
			return out, sdk.Invalid("from", "by month covers at most 36 months, this period has %d", len(periods))
		}
	}
	set, err := p.workingSet(ctx, call)
	if err != nil {
		return out, err
	}
	base := set.Info().BaseCurrency
	out.Name, out.Expression, out.Currency = in.Name, src, base
	var texts []string
	for _, per := range periods {
		env, err := metricEnv(ctx, set, per[0], per[1], p.today())
		if err != nil {
			return out, storeErr(err)
		}
		v, err := prog.Eval(ctx, env)
		if err != nil {
			return out, sdk.Invalid(field, "the metric could not be evaluated for %s–%s: %v", per[0], per[1], err)
		}
		mv := MetricValue{From: per[0], To: per[1], Kind: v.Kind}
		switch v.Kind {
		case "amount":
			a := amountOf(v.Amount.Round(2))
			mv.Amount, mv.Text = &a, daAmount(v.Amount, base)
		case "number":
			a := amountOf(decimal.NewFromFloat(v.Number).Round(4))
			mv.Number, mv.Text = &a, daNumber(decimal.NewFromFloat(v.Number), 2)
		case "bool":
			b := v.Bool
			mv.Bool, mv.Text = &b, map[bool]string{true: "ja", false: "nej"}[b]
		}
		out.Values = append(out.Values, mv)
		texts = append(texts, fmt.Sprintf("%s–%s: %s", daDate(per[0]), daDate(per[1]), mv.Text))
	}
	out.BasedOn = basedOn(set, from, to, p.today(), "Amounts in the base currency, at each invoice's own exchange rate; credit notes count negative.", "invoice")
	label := in.Name
	if label == "" {
		label = src
	}
	out.Summary = fmt.Sprintf("%s: %s.", label, strings.Join(texts, "; "))
	return out, nil
}

// metricEnv builds a metric's environment for one period from the working
// set: the period's invoices and credit notes (by entry date, credit notes
// negative), its payments, and the receivables as of today.
func metricEnv(ctx context.Context, set *books.Set, from, to, today string) (metrics.Env, error) {
	env := metrics.Env{From: from, To: to, Currency: set.Info().BaseCurrency}
	var net, vat decimal.Decimal
	customers := map[string]bool{}
	err := set.Invoices(ctx, books.InvoiceFilter{From: from, To: to}, func(inv books.Invoice) error {
		sign := decimal.NewFromInt(1)
		if inv.Type == "creditNote" {
			sign = decimal.NewFromInt(-1)
			env.CreditCount++
		} else {
			env.InvoiceCount++
			customers[inv.ContactID] = true
		}
		bn, bv := baseOf(inv.Net, inv).Mul(sign), baseOf(inv.VAT, inv).Mul(sign)
		net, vat = net.Add(bn), vat.Add(bv)
		late := 0
		switch {
		case inv.PaidDate != "" && inv.IsPaid:
			late = daysBetween(inv.DueDate, inv.PaidDate)
		default:
			late = daysBetween(inv.DueDate, today)
		}
		open := inv.Type == "invoice" && !inv.IsPaid && inv.Balance.IsPositive()
		env.Invoices = append(env.Invoices, metrics.Invoice{ID: inv.ID, No: inv.No, Type: inv.Type, CustomerID: inv.ContactID, Customer: inv.ContactName,
			Country: inv.CountryID, Currency: inv.Currency, EntryDate: inv.EntryDate, DueDate: inv.DueDate,
			Net: metrics.M(bn), VAT: metrics.M(bv), Gross: metrics.M(bn.Add(bv)), Balance: metrics.M(baseOf(inv.Balance, inv)),
			Paid: inv.IsPaid, Overdue: open && inv.DueDate < today, DaysLate: late})
		return nil
	})
	if err != nil {
		return env, err
	}
	env.RevenueNet, env.RevenueVAT, env.RevenueGross = metrics.M(net), metrics.M(vat), metrics.M(net.Add(vat))
	env.Customers = len(customers)
	var rec, over decimal.Decimal
	err = set.Invoices(ctx, books.InvoiceFilter{OnlyOpen: true}, func(inv books.Invoice) error {
		if inv.Type != "invoice" {
			return nil
		}
		b := baseOf(inv.Balance, inv)
		rec = rec.Add(b)
		if inv.DueDate < today {
			over = over.Add(b)
		}
		return nil
	})
	if err != nil {
		return env, err
	}
	env.Receivables, env.OverdueAmt = metrics.M(rec), metrics.M(over)
	err = set.Payments(ctx, from, to, func(pm books.Payment) error {
		env.Payments = append(env.Payments, metrics.Payment{ID: pm.ID, InvoiceID: pm.InvoiceID, CustomerID: pm.ContactID, Date: pm.EntryDate,
			Amount: metrics.M(pm.Amount), DaysLate: pm.DaysLate})
		return nil
	})
	return env, err
}

// DeleteMetricInput is delete_metric's input.
type DeleteMetricInput struct {
	Name string `json:"name" jsonschema:"the metric to delete"`
}

// DeleteMetricOutput is delete_metric's answer.
type DeleteMetricOutput struct {
	Deleted bool   `json:"deleted" jsonschema:"false when there was no metric of that name"`
	Summary string `json:"summary"`
}

func (p *Plugin) deleteMetric(ctx context.Context, call *sdk.Call, in DeleteMetricInput) (DeleteMetricOutput, error) {
	var out DeleteMetricOutput
	org, err := orgOf(call)
	if err != nil {
		return out, err
	}
	if !metrics.ValidName(in.Name) {
		return out, sdk.Invalid("name", "must be 1 to 40 of a-z, 0-9 and _, starting with a letter, got %q", in.Name)
	}
	ms, err := p.metricStore()
	if err != nil {
		return out, err
	}
	ok, err := ms.st.Delete(ctx, org, in.Name)
	if err != nil {
		return out, metricsErr(err)
	}
	out.Deleted = ok
	out.Summary = fmt.Sprintf("Nøgletallet %s er slettet.", in.Name)
	if !ok {
		out.Summary = fmt.Sprintf("Der var intet nøgletal ved navn %s.", in.Name)
	}
	return out, nil
}
