package analytics

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/billy-mcp/billy-mcp/plugins/analytics/books"
	"github.com/billy-mcp/billy-mcp/plugins/analytics/export"
	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/shopspring/decimal"
)

// BasedOn says which data a report is based on.
type BasedOn struct {
	From             string `json:"from,omitempty" jsonschema:"first day of the period (ISO date)"`
	To               string `json:"to,omitempty" jsonschema:"last day of the period (ISO date)"`
	AsOf             string `json:"asOf,omitempty" jsonschema:"the day ages and expectations are counted from"`
	Organization     string `json:"organization"`
	LastSync         string `json:"lastSync" jsonschema:"when the working set was last synced from Billy (RFC 3339)"`
	Records          string `json:"records" jsonschema:"what the working set held"`
	CurrencyHandling string `json:"currencyHandling"`
	Basis            string `json:"basis,omitempty"`
}

func basedOn(set *books.Set, from, to, asOf, currency, basis string) BasedOn {
	info := set.Info()
	return BasedOn{From: from, To: to, AsOf: asOf, Organization: info.OrganizationName,
		LastSync: info.LastSync.UTC().Format(time.RFC3339), CurrencyHandling: currency, Basis: basis,
		Records: fmt.Sprintf("%d invoices, %d credit notes, %d payment allocations, %d bills, %d postings",
			info.Invoices, info.CreditNotes, info.Payments, info.Bills, info.Postings)}
}

// danish are the Danish words for the English explanations in BasedOn.
var danish = map[string]string{
	perCurrency:  "Beløb i hver posts egen valuta, aldrig lagt sammen på tværs af valutaer; beløb i basisvalutaen (DKK) er omregnet til hver fakturas egen kurs, som Billy bogførte den.",
	ledgerBase:   "Posteringer i basisvalutaen, som Billy bogførte dem.",
	dashCurrency: "Nøgletal i basisvalutaen; fakturaer i fremmed valuta til deres egen kurs.",
	custCurrency: "Nettoomsætning i basisvalutaen, hver faktura til sin egen kurs; kreditnotaer trukket fra.",
}

// basedOnText is BasedOn for people, in Danish.
func basedOnText(b BasedOn) string {
	var parts []string
	if b.From != "" || b.To != "" {
		parts = append(parts, "Periode "+daDate(b.From)+"–"+daDate(b.To))
	}
	if b.AsOf != "" {
		parts = append(parts, "opgjort pr. "+daDate(b.AsOf))
	}
	t, _ := time.Parse(time.RFC3339, b.LastSync)
	parts = append(parts, "data synkroniseret fra Billy "+daDateTime(t))
	cur := b.CurrencyHandling
	if da, ok := danish[cur]; ok {
		cur = da
	}
	return strings.Join(parts, "; ") + ". " + cur
}

const (
	perCurrency  = "Amounts are in each record's own currency and never added across currencies; base-currency (DKK) equivalents use each invoice's own exchange rate, as Billy booked it."
	ledgerBase   = "Postings are in the base currency, as Billy booked them."
	dashCurrency = "KPIs in the base currency: foreign-currency invoices at their own exchange rates."
	custCurrency = "Net revenue in the base currency: each invoice at its own exchange rate; credit notes subtracted."
)

// reportDef is a report: its tool, and how export_report runs it.
type reportDef struct {
	name string
	tool sdk.Tool
	run  func(ctx context.Context, call *sdk.Call, args json.RawMessage) (export.Document, error)
}

// defineReport builds a report's tool and its export runner from one
// function, so that the tool and its export never differ.
func defineReport[I, O any](p *Plugin, name string, spec sdk.ToolSpec, f func(ctx context.Context, set *books.Set, in I) (O, export.Document, error)) reportDef {
	spec.Effect, spec.Idempotent, spec.Category, spec.Scopes = sdk.ReadOnly, true, "analytics", readScopes
	handler := func(ctx context.Context, call *sdk.Call, in I) (O, error) {
		var zero O
		set, err := p.workingSet(ctx, call)
		if err != nil {
			return zero, err
		}
		out, _, err := f(ctx, set, in)
		return out, err
	}
	run := func(ctx context.Context, call *sdk.Call, args json.RawMessage) (export.Document, error) {
		var in I
		if len(args) > 0 && string(args) != "null" {
			dec := json.NewDecoder(strings.NewReader(string(args)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&in); err != nil {
				return export.Document{}, sdk.Invalid("arguments", "do not fit report %s: %v", name, err)
			}
		}
		set, err := p.workingSet(ctx, call)
		if err != nil {
			return export.Document{}, err
		}
		out, doc, err := f(ctx, set, in)
		if err != nil {
			return doc, err
		}
		info := set.Info()
		doc.Report, doc.Organization, doc.LastSync, doc.Currency, doc.Data = name, info.OrganizationName, info.LastSync, info.BaseCurrency, out
		doc.Generated = p.now()
		return doc, nil
	}
	return reportDef{name: name, tool: sdk.NewTool(spec, handler), run: run}
}

// reports are every report, by name.
func (p *Plugin) reports() []reportDef {
	return []reportDef{
		defineReport(p, "revenue", sdk.ToolSpec{
			Name: "get_revenue_report", Title: "Revenue report",
			Description: "Revenue from the analytics working set by month, quarter, year, day, customer, product or currency: net, VAT and gross per currency, " +
				"on the invoice basis (approved invoices by invoice date) or the payment basis (money received by payment date); credit notes subtracted, drafts and voided invoices left out, " +
				"the same rules as get_revenue. Fast for long periods (it reads the local working set, synced from Billy).",
			Examples: []sdk.Example{{Title: "Invoiced per month this year", Arguments: RevenueReportInput{From: "2026-01-01", To: "2026-11-30", Basis: "invoice", By: "month"}}},
		}, p.revenueReport),
		defineReport(p, "receivables", sdk.ToolSpec{
			Name: "get_aged_receivables", Title: "Aged receivables",
			Description: "Open invoices (and open credit notes, subtracted) by customer in ageing buckets by days past due (current, 1-30, 31-60, 61-90, 90+), per currency, with days sales outstanding (DSO).",
			Examples:    []sdk.Example{{Title: "Receivables today", Arguments: ReceivablesInput{}}},
		}, p.receivablesReport),
		defineReport(p, "cash_in", sdk.ToolSpec{
			Name: "get_cash_in_forecast", Title: "Cash-in forecast",
			Description: "When the open invoices are expected to be paid: each invoice's due date moved by its customer's average days late (from their payment history), summed by week or month per currency.",
			Examples:    []sdk.Example{{Title: "Cash in over the next 90 days by week", Arguments: CashInInput{Horizon: 90, By: "week"}}},
		}, p.cashInReport),
		defineReport(p, "customers", sdk.ToolSpec{
			Name: "get_customer_report", Title: "Top, new and lapsed customers",
			Description: "Customers by net revenue in a period (base currency, invoice basis), which customers are new (first invoice ever in the period) and which have lapsed (invoiced in the period before, not in this one).",
			Examples:    []sdk.Example{{Title: "This year's customers", Arguments: CustomersInput{From: "2026-01-01", To: "2026-11-30", Top: 10}}},
		}, p.customersReport),
		defineReport(p, "profit_and_loss", sdk.ToolSpec{
			Name: "get_profit_and_loss", Title: "Profit and loss",
			Description: "Profit and loss (resultatopgørelse) for a period from the ledger's postings: revenue and expense accounts with their totals and the result, in the base currency.",
			Examples:    []sdk.Example{{Title: "Profit and loss this year", Arguments: PeriodInput{From: "2026-01-01", To: "2026-11-30"}}},
		}, p.profitAndLoss),
		defineReport(p, "trial_balance", sdk.ToolSpec{
			Name: "get_trial_balance", Title: "Trial balance",
			Description: "Trial balance (saldobalance): every account's debit, credit and balance from the ledger's postings up to a date (from a date, if given), in the base currency; debits and credits add up.",
			Examples:    []sdk.Example{{Title: "Trial balance today", Arguments: PeriodInput{}}},
		}, p.trialBalance),
		defineReport(p, "dashboard", sdk.ToolSpec{
			Name: "get_analytics_dashboard", Title: "Analytics dashboard",
			Description: "Dashboard data: KPIs (revenue, payments received, open and overdue receivables, DSO, expected cash-in, new customers) with the change against the previous period of the same length, and series for charts (monthly revenue, receivables ageing, the revenue forecast band when available).",
			Examples:    []sdk.Example{{Title: "This month against last month", Arguments: PeriodInput{From: "2026-11-01", To: "2026-11-30"}}},
		}, p.dashboard),
	}
}

func (p *Plugin) reportTools() []sdk.Tool {
	var tools []sdk.Tool
	for _, r := range p.reports() {
		tools = append(tools, r.tool)
	}
	return append(tools, p.exportTool())
}

// today is the plugin's date, for defaults.
func (p *Plugin) today() string { return p.now().UTC().Format(time.DateOnly) }

func checkDate(field, v string) error {
	if v == "" {
		return nil
	}
	if _, err := time.Parse(time.DateOnly, v); err != nil {
		return sdk.Invalid(field, "must be a date YYYY-MM-DD, got %q", v)
	}
	return nil
}

// period validates and defaults a period: to defaults to today, from to
// the first day of to's year.
func (p *Plugin) period(from, to string) (string, string, error) {
	if err := checkDate("from", from); err != nil {
		return "", "", err
	}
	if err := checkDate("to", to); err != nil {
		return "", "", err
	}
	if to == "" {
		to = p.today()
	}
	if from == "" {
		from = to[:4] + "-01-01"
	}
	if from > to {
		return "", "", sdk.Invalid("from", "must be on or before to (%s), got %s", to, from)
	}
	return from, to, nil
}

func addDays(iso string, n int) string {
	t, _ := time.Parse(time.DateOnly, iso)
	return t.AddDate(0, 0, n).Format(time.DateOnly)
}

func daysBetween(a, b string) int {
	ta, _ := time.Parse(time.DateOnly, a)
	tb, _ := time.Parse(time.DateOnly, b)
	return int(tb.Sub(ta).Hours() / 24)
}

// previousPeriod is the period of the same length just before from..to.
func previousPeriod(from, to string) (string, string) {
	n := daysBetween(from, to)
	pto := addDays(from, -1)
	return addDays(pto, -n), pto
}

// ---- revenue ----

// RevenueReportInput is get_revenue_report's input.
type RevenueReportInput struct {
	From  string `json:"from,omitempty" jsonschema:"first day (YYYY-MM-DD); default 1 January of to's year"`
	To    string `json:"to,omitempty" jsonschema:"last day (YYYY-MM-DD); default today"`
	Basis string `json:"basis,omitempty" jsonschema:"payment (default, as get_revenue): received, by payment date; invoice: approved invoices, by invoice date"`
	By    string `json:"by,omitempty" jsonschema:"month (default), quarter, year, day, customer, product (invoice basis only) or currency"`
}

// RevenueLine is one group's revenue in one currency.
type RevenueLine struct {
	Key         string `json:"key" jsonschema:"2026-03, 2026-Q1, 2026, 2026-03-14, a contact ID, a product ID, or empty for by currency"`
	Label       string `json:"label,omitempty" jsonschema:"the customer's or product's name"`
	Currency    string `json:"currency"`
	Net         Amount `json:"net"`
	VAT         Amount `json:"vat"`
	Gross       Amount `json:"gross"`
	NetBase     Amount `json:"netInBaseCurrency"`
	Invoices    int    `json:"invoices"`
	CreditNotes int    `json:"creditNotes"`
}

// RevenueReportOutput is the revenue report.
type RevenueReportOutput struct {
	BasedOn BasedOn       `json:"basedOn"`
	Basis   string        `json:"basis"`
	By      string        `json:"by"`
	Rows    []RevenueLine `json:"rows"`
	Totals  []RevenueLine `json:"totals" jsonschema:"one per currency"`
	NetBase Amount        `json:"totalNetInBaseCurrency"`
	Summary string        `json:"summary"`
}

func (p *Plugin) revenueReport(ctx context.Context, set *books.Set, in RevenueReportInput) (RevenueReportOutput, export.Document, error) {
	var out RevenueReportOutput
	from, to, err := p.period(in.From, in.To)
	if err != nil {
		return out, export.Document{}, err
	}
	basis, by := in.Basis, in.By
	if basis == "" {
		basis = "payment"
	}
	if by == "" {
		by = "month"
	}
	if !slices.Contains([]string{"payment", "invoice"}, basis) {
		return out, export.Document{}, sdk.Invalid("basis", "must be payment or invoice, got %q", basis)
	}
	if !slices.Contains([]string{"month", "quarter", "year", "day", "customer", "product", "currency"}, by) {
		return out, export.Document{}, sdk.Invalid("by", "must be month, quarter, year, day, customer, product or currency, got %q", by)
	}
	if by == "product" && basis == "payment" {
		return out, export.Document{}, sdk.Invalid("by", "product needs basis invoice: a payment settles an invoice, not its lines")
	}
	rows, err := set.Revenue(ctx, books.RevenueQuery{Basis: basis, From: from, To: to, By: by})
	if err != nil {
		return out, export.Document{}, storeErr(err)
	}
	explain := "Approved invoices by invoice date; credit notes subtracted; drafts and voided invoices left out."
	if basis == "payment" {
		explain = "Money received by payment date (voided payments left out), each payment split into net and VAT in the proportion of the invoice it paid; refunds of credit notes subtract."
	}
	out = RevenueReportOutput{BasedOn: basedOn(set, from, to, "", perCurrency, explain), Basis: basis, By: by, Rows: []RevenueLine{}, Totals: []RevenueLine{}}
	totals := map[string]*books.RevenueRow{}
	var base decimal.Decimal
	for _, r := range rows {
		out.Rows = append(out.Rows, revenueLine(r))
		t := totals[r.Currency]
		if t == nil {
			t = &books.RevenueRow{Currency: r.Currency}
			totals[r.Currency] = t
		}
		t.Net, t.VAT, t.BaseNet = t.Net.Add(r.Net), t.VAT.Add(r.VAT), t.BaseNet.Add(r.BaseNet)
		t.Invoices += r.Invoices
		t.CreditNotes += r.CreditNotes
		base = base.Add(r.BaseNet)
	}
	if by == "customer" || by == "product" {
		sort.SliceStable(out.Rows, func(i, j int) bool { return out.Rows[i].NetBase.Dec().GreaterThan(out.Rows[j].NetBase.Dec()) })
	}
	var curs []string
	for c := range totals {
		curs = append(curs, c)
	}
	slices.Sort(curs)
	var sum []string
	for _, c := range curs {
		out.Totals = append(out.Totals, revenueLine(*totals[c]))
		sum = append(sum, daAmount(totals[c].Net, c)+" ekskl. moms")
	}
	out.NetBase = amountOf(base)
	basisDa := map[string]string{"payment": "indbetalt (betalingsdato)", "invoice": "faktureret (fakturadato)"}[basis]
	if len(sum) == 0 {
		sum = []string{"ingen omsætning"}
	}
	out.Summary = fmt.Sprintf("Omsætning %s %s–%s: %s.", basisDa, daDate(from), daDate(to), strings.Join(sum, ", "))

	doc := export.Document{Title: "Omsætning", From: from, To: to, BasedOn: basedOnText(out.BasedOn)}
	keyTitle := map[string]string{"month": "Måned", "quarter": "Kvartal", "year": "År", "day": "Dato", "customer": "Kunde", "product": "Vare", "currency": "Valuta"}[by]
	t := export.Table{Name: "revenue", Title: "Omsætning pr. " + strings.ToLower(keyTitle) + " (" + basisDa + ")", Columns: []export.Column{
		{Key: "key", Title: keyTitle, Kind: export.Text}, {Key: "label", Title: "Navn", Kind: export.Text}, {Key: "currency", Title: "Valuta", Kind: export.Text},
		{Key: "net", Title: "Netto", Kind: export.Money}, {Key: "vat", Title: "Moms", Kind: export.Money}, {Key: "gross", Title: "Brutto", Kind: export.Money},
		{Key: "net_base", Title: "Netto i DKK", Kind: export.Money}, {Key: "invoices", Title: "Fakturaer", Kind: export.Int}, {Key: "credit_notes", Title: "Kreditnotaer", Kind: export.Int},
	}}
	if by == "day" {
		t.Columns[0].Kind = export.Date
	}
	for _, r := range out.Rows {
		t.Rows = append(t.Rows, []any{r.Key, r.Label, r.Currency, r.Net.Dec(), r.VAT.Dec(), r.Gross.Dec(), r.NetBase.Dec(), r.Invoices, r.CreditNotes})
	}
	for _, r := range out.Totals {
		t.Rows = append(t.Rows, []any{"I alt", "", r.Currency, r.Net.Dec(), r.VAT.Dec(), r.Gross.Dec(), r.NetBase.Dec(), r.Invoices, r.CreditNotes})
	}
	doc.Tables = []export.Table{t}
	if by == "month" || by == "quarter" || by == "year" {
		doc.Charts = []export.Chart{revenueChart(rows, "Omsætning netto i DKK ("+basisDa+")")}
	}
	if by == "month" && basis == "invoice" {
		// The trend with the forecast's 80 % band, when there is a
		// forecast (it is of invoiced revenue, so only on this basis).
		if band, err := forecastBand(ctx, set, set.Info().BaseCurrency, 6); err == nil && len(band) > 0 {
			c := revenueChart(rows, "")
			hist := ChartSeries{Key: "revenue", Title: "Faktureret netto", Unit: set.Info().BaseCurrency}
			for i, l := range c.Labels {
				hist.Points = append(hist.Points, SeriesPoint{Label: l, Value: Amount(c.Series[0].Values[i])})
			}
			fc := ChartSeries{Key: "revenue_forecast"}
			for _, b := range band {
				lo, hi := amountOf(b.Lo80), amountOf(b.Hi80)
				fc.Points = append(fc.Points, SeriesPoint{Label: b.Month, Value: amountOf(b.Mean), Lo80: &lo, Hi80: &hi})
			}
			doc.Charts = append(doc.Charts, trendChart(hist, []ChartSeries{hist, fc}))
		}
	}
	return out, doc, nil
}

func revenueLine(r books.RevenueRow) RevenueLine {
	return RevenueLine{Key: r.Key, Label: r.Label, Currency: r.Currency, Net: amountOf(r.Net), VAT: amountOf(r.VAT), Gross: amountOf(r.Net.Add(r.VAT)),
		NetBase: amountOf(r.BaseNet), Invoices: r.Invoices, CreditNotes: r.CreditNotes}
}

// revenueChart is base-currency net per key, all currencies together.
func revenueChart(rows []books.RevenueRow, title string) export.Chart {
	by := map[string]decimal.Decimal{}
	var keys []string
	for _, r := range rows {
		if _, ok := by[r.Key]; !ok {
			keys = append(keys, r.Key)
		}
		by[r.Key] = by[r.Key].Add(r.BaseNet)
	}
	slices.Sort(keys)
	s := export.Series{Name: "Netto"}
	for _, k := range keys {
		s.Values = append(s.Values, by[k].InexactFloat64())
	}
	return export.Chart{Title: title, Kind: "bar", Labels: keys, Series: []export.Series{s}}
}
