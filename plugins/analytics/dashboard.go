package analytics

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/billy-mcp/billy-mcp/plugins/analytics/books"
	"github.com/billy-mcp/billy-mcp/plugins/analytics/export"
	"github.com/shopspring/decimal"
)

// BandPoint is one month of a revenue forecast: the mean and the 80 % and
// 95 % prediction intervals of base-currency net revenue.
type BandPoint struct {
	Month                        string
	Mean, Lo80, Hi80, Lo95, Hi95 decimal.Decimal
}

// forecastBandHook, when set (by the forecast work, tools_models.go), gives
// the revenue forecast band the dashboard and the PDF draw; nil draws none.
var forecastBandHook func(ctx context.Context, set *books.Set, currency string, months int) ([]BandPoint, error)

// KPI is one key figure with its change against the previous period.
type KPI struct {
	Key       string  `json:"key"`
	Title     string  `json:"title" jsonschema:"Danish label"`
	Unit      string  `json:"unit" jsonschema:"a currency code, days or count"`
	Value     Amount  `json:"value"`
	Previous  *Amount `json:"previous,omitempty" jsonschema:"the same for the previous period of the same length; absent where the books cannot say (balances are only known now)"`
	Change    *Amount `json:"change,omitempty" jsonschema:"value minus previous"`
	ChangePct *Amount `json:"changePercent,omitempty" jsonschema:"change in percent of previous; absent when previous is 0"`
	Text      string  `json:"text" jsonschema:"the figure in Danish format"`
}

// SeriesPoint is one point of a chart series.
type SeriesPoint struct {
	Label string  `json:"label"`
	Value Amount  `json:"value"`
	Lo80  *Amount `json:"lo80,omitempty"`
	Hi80  *Amount `json:"hi80,omitempty"`
	Lo95  *Amount `json:"lo95,omitempty"`
	Hi95  *Amount `json:"hi95,omitempty"`
}

// ChartSeries is a named series for a chart.
type ChartSeries struct {
	Key    string        `json:"key"`
	Title  string        `json:"title"`
	Unit   string        `json:"unit"`
	Points []SeriesPoint `json:"points"`
}

// DashboardOutput is the dashboard payload.
type DashboardOutput struct {
	BasedOn      BasedOn       `json:"basedOn"`
	PreviousFrom string        `json:"previousFrom"`
	PreviousTo   string        `json:"previousTo"`
	KPIs         []KPI         `json:"kpis"`
	Series       []ChartSeries `json:"series"`
	Summary      string        `json:"summary"`
}

func kpi(key, title, unit string, v decimal.Decimal, prev *decimal.Decimal) KPI {
	k := KPI{Key: key, Title: title, Unit: unit, Value: amountOf(v)}
	switch unit {
	case "count":
		k.Text = daNumber(v, 0)
	case "days":
		k.Text = daNumber(v, 1) + " dage"
	default:
		k.Text = daAmount(v, unit)
	}
	if prev != nil {
		pa, ch := amountOf(*prev), amountOf(v.Sub(*prev))
		k.Previous, k.Change = &pa, &ch
		if !prev.IsZero() {
			pct := amountOf(v.Sub(*prev).Mul(decimal.NewFromInt(100)).DivRound(prev.Abs(), 1))
			k.ChangePct = &pct
			sign := ""
			if pct.Dec().IsPositive() {
				sign = "+"
			}
			k.Text += " (" + sign + daPercent(pct.Dec()) + ")"
		}
	}
	return k
}

func (p *Plugin) dashboard(ctx context.Context, set *books.Set, in PeriodInput) (DashboardOutput, export.Document, error) {
	var out DashboardOutput
	if in.From == "" && in.To == "" {
		in.To = p.today()
		in.From = in.To[:8] + "01"
	}
	from, to, err := p.period(in.From, in.To)
	if err != nil {
		return out, export.Document{}, err
	}
	pfrom, pto := previousPeriod(from, to)
	base := set.Info().BaseCurrency
	sumBase := func(basis, a, b string, gross bool) (decimal.Decimal, int, error) {
		rows, err := set.Revenue(ctx, books.RevenueQuery{Basis: basis, From: a, To: b})
		var s decimal.Decimal
		n := 0
		for _, r := range rows {
			s = s.Add(r.BaseNet)
			if gross {
				s = s.Add(r.BaseVAT)
			}
			n += r.Invoices
		}
		return s, n, err
	}
	inv, nInv, err := sumBase("invoice", from, to, false)
	if err != nil {
		return out, export.Document{}, storeErr(err)
	}
	pinv, pnInv, err := sumBase("invoice", pfrom, pto, false)
	if err != nil {
		return out, export.Document{}, storeErr(err)
	}
	rec, _, err := sumBase("payment", from, to, true)
	if err != nil {
		return out, export.Document{}, storeErr(err)
	}
	prec, _, err := sumBase("payment", pfrom, pto, true)
	if err != nil {
		return out, export.Document{}, storeErr(err)
	}
	ar, _, err := p.receivablesReport(ctx, set, ReceivablesInput{AsOf: to})
	if err != nil {
		return out, export.Document{}, err
	}
	var open, overdue decimal.Decimal
	ageing := make([]decimal.Decimal, 5)
	for _, t := range ar.Totals {
		f := decimal.NewFromInt(1)
		if !t.Buckets.Total.Dec().IsZero() {
			f = t.TotalBase.Dec().Div(t.Buckets.Total.Dec())
		}
		open = open.Add(t.TotalBase.Dec())
		for i, v := range []Amount{t.Buckets.Current, t.Buckets.D1to30, t.Buckets.D31to60, t.Buckets.D61to90, t.Buckets.Over90} {
			b := v.Dec().Mul(f).Round(2)
			ageing[i] = ageing[i].Add(b)
			if i > 0 {
				overdue = overdue.Add(b)
			}
		}
	}
	ci, _, err := p.cashInReport(ctx, set, CashInInput{AsOf: to, Horizon: 30, By: "month"})
	if err != nil {
		return out, export.Document{}, err
	}
	var cashIn decimal.Decimal
	for _, c := range ci.Periods {
		if c.Currency == base && c.Period != "later" {
			cashIn = cashIn.Add(c.Amount.Dec())
		}
	}
	cust, _, err := p.customersReport(ctx, set, CustomersInput{From: from, To: to, Top: 1})
	if err != nil {
		return out, export.Document{}, err
	}
	pcust, _, err := p.customersReport(ctx, set, CustomersInput{From: pfrom, To: pto, Top: 1})
	if err != nil {
		return out, export.Document{}, err
	}
	ptr := func(d decimal.Decimal) *decimal.Decimal { return &d }
	out = DashboardOutput{BasedOn: basedOn(set, from, to, to, dashCurrency,
		"Invoiced: approved invoices by invoice date, net. Received: payments by payment date, gross. Receivables and cash-in as of the last sync."),
		PreviousFrom: pfrom, PreviousTo: pto}
	out.KPIs = []KPI{
		kpi("revenue_invoiced", "Faktureret omsætning (netto)", base, inv, ptr(pinv)),
		kpi("payments_received", "Indbetalt (brutto)", base, rec, ptr(prec)),
		kpi("invoices_issued", "Udstedte fakturaer", "count", decimal.NewFromInt(int64(nInv)), ptr(decimal.NewFromInt(int64(pnInv)))),
		kpi("receivables_open", "Åbne tilgodehavender", base, open, nil),
		kpi("receivables_overdue", "Forfaldne tilgodehavender", base, overdue, nil),
		kpi("cash_in_next_30_days", "Forventet indbetaling, 30 dage", base, cashIn, nil),
		kpi("new_customers", "Nye kunder", "count", decimal.NewFromInt(int64(len(cust.New))), ptr(decimal.NewFromInt(int64(len(pcust.New))))),
	}
	if ar.DSO != nil {
		out.KPIs = append(out.KPIs, kpi("dso", "Kredittid (DSO)", "days", ar.DSO.Dec(), nil))
	}
	// Twelve months of revenue up to to's month.
	end, _ := time.Parse(time.DateOnly, to)
	first := time.Date(end.Year(), end.Month()-11, 1, 0, 0, 0, 0, time.UTC)
	months := map[string][2]decimal.Decimal{}
	for i, basis := range []string{"invoice", "payment"} {
		rows, err := set.Revenue(ctx, books.RevenueQuery{Basis: basis, From: first.Format(time.DateOnly), To: to, By: "month"})
		if err != nil {
			return out, export.Document{}, storeErr(err)
		}
		for _, r := range rows {
			m := months[r.Key]
			m[i] = m[i].Add(r.BaseNet)
			months[r.Key] = m
		}
	}
	invS := ChartSeries{Key: "revenue_invoiced_monthly", Title: "Faktureret netto pr. måned", Unit: base}
	payS := ChartSeries{Key: "revenue_received_monthly", Title: "Indbetalt netto pr. måned", Unit: base}
	for m := first; !m.After(end); m = m.AddDate(0, 1, 0) {
		k := m.Format("2006-01")
		invS.Points = append(invS.Points, SeriesPoint{Label: k, Value: amountOf(months[k][0])})
		payS.Points = append(payS.Points, SeriesPoint{Label: k, Value: amountOf(months[k][1])})
	}
	ageS := ChartSeries{Key: "receivables_ageing", Title: "Aldersfordeling af tilgodehavender", Unit: base}
	for i, n := range bucketNames {
		ageS.Points = append(ageS.Points, SeriesPoint{Label: n, Value: amountOf(ageing[i])})
	}
	out.Series = []ChartSeries{invS, payS, ageS}
	if band, err := forecastBand(ctx, set, base, 6); err == nil && len(band) > 0 {
		fs := ChartSeries{Key: "revenue_forecast", Title: "Prognose, faktureret netto pr. måned", Unit: base}
		for _, b := range band {
			lo80, hi80, lo95, hi95 := amountOf(b.Lo80), amountOf(b.Hi80), amountOf(b.Lo95), amountOf(b.Hi95)
			fs.Points = append(fs.Points, SeriesPoint{Label: b.Month, Value: amountOf(b.Mean), Lo80: &lo80, Hi80: &hi80, Lo95: &lo95, Hi95: &hi95})
		}
		out.Series = append(out.Series, fs)
	}
	var parts []string
	for _, k := range out.KPIs {
		parts = append(parts, k.Title+": "+k.Text)
	}
	out.Summary = fmt.Sprintf("Nøgletal %s–%s (mod %s–%s): %s.", daDate(from), daDate(to), daDate(pfrom), daDate(pto), strings.Join(parts, "; "))

	doc := export.Document{Title: "Nøgletal", From: from, To: to, BasedOn: basedOnText(out.BasedOn)}
	t := export.Table{Name: "kpis", Title: "Nøgletal", Columns: []export.Column{{Key: "key", Title: "Nøgle", Kind: export.Text}, {Key: "title", Title: "Nøgletal", Kind: export.Text},
		{Key: "unit", Title: "Enhed", Kind: export.Text}, {Key: "value", Title: "Værdi", Kind: export.Number}, {Key: "previous", Title: "Forrige periode", Kind: export.Number},
		{Key: "change_percent", Title: "Ændring %", Kind: export.Percent}}}
	for _, k := range out.KPIs {
		var prev, pct any
		if k.Previous != nil {
			prev = k.Previous.Dec()
		}
		if k.ChangePct != nil {
			pct = k.ChangePct.Dec()
		}
		t.Rows = append(t.Rows, []any{k.Key, k.Title, k.Unit, k.Value.Dec(), prev, pct})
	}
	doc.Tables = []export.Table{t}
	ageChart := seriesChart(ageS, "bar")
	ageChart.Labels = bucketTitles
	doc.Charts = []export.Chart{trendChart(invS, out.Series), ageChart}
	return out, doc, nil
}

// forecastBand asks the forecast hook, if there is one.
func forecastBand(ctx context.Context, set *books.Set, currency string, months int) ([]BandPoint, error) {
	if forecastBandHook == nil {
		return nil, nil
	}
	return forecastBandHook(ctx, set, currency, months)
}

// trendChart is the monthly revenue line, continued by the forecast's
// mean with its 80 % band when the dashboard has one.
func trendChart(hist ChartSeries, all []ChartSeries) export.Chart {
	c := seriesChart(hist, "line")
	c.Title = "Omsætning pr. måned (netto, " + hist.Unit + ")"
	for _, s := range all {
		if s.Key != "revenue_forecast" {
			continue
		}
		n := len(c.Labels)
		band := &export.Band{Name: "80 % prognoseinterval", Lo: make([]float64, n), Hi: make([]float64, n)}
		// No band over the history; it opens from the last actual month.
		for i := range n {
			band.Lo[i], band.Hi[i] = math.NaN(), math.NaN()
		}
		if n > 0 {
			band.Lo[n-1], band.Hi[n-1] = c.Series[0].Values[n-1], c.Series[0].Values[n-1]
		}
		for _, pt := range s.Points {
			c.Labels = append(c.Labels, pt.Label)
			c.Series[0].Values = append(c.Series[0].Values, float64(pt.Value))
			band.Lo, band.Hi = append(band.Lo, float64(*pt.Lo80)), append(band.Hi, float64(*pt.Hi80))
		}
		c.Band = band
	}
	return c
}

func seriesChart(s ChartSeries, kind string) export.Chart {
	c := export.Chart{Title: s.Title, Kind: kind, Series: []export.Series{{Name: s.Title}}}
	for _, pt := range s.Points {
		c.Labels = append(c.Labels, pt.Label)
		c.Series[0].Values = append(c.Series[0].Values, float64(pt.Value))
	}
	return c
}
