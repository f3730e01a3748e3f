package analytics

import (
	"context"
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

// bucketNames are the ageing buckets by days past due.
var bucketNames = []string{"current", "1-30", "31-60", "61-90", "90+"}

var bucketTitles = []string{"Ikke forfaldent", "1–30 dage", "31–60 dage", "61–90 dage", "Over 90 dage"}

// bucketOf is the bucket of an invoice daysPastDue past its due date.
func bucketOf(daysPastDue int) int {
	switch {
	case daysPastDue <= 0:
		return 0
	case daysPastDue <= 30:
		return 1
	case daysPastDue <= 60:
		return 2
	case daysPastDue <= 90:
		return 3
	}
	return 4
}

// ReceivablesInput is get_aged_receivables' input.
type ReceivablesInput struct {
	AsOf string `json:"asOf,omitempty" jsonschema:"count days past due from this date (YYYY-MM-DD); default today. Balances are as of the last sync."`
}

// Buckets is an amount per ageing bucket.
type Buckets struct {
	Current Amount `json:"current"`
	D1to30  Amount `json:"1-30"`
	D31to60 Amount `json:"31-60"`
	D61to90 Amount `json:"61-90"`
	Over90  Amount `json:"90+"`
	Total   Amount `json:"total"`
}

func bucketsOf(b [5]decimal.Decimal) Buckets {
	var t decimal.Decimal
	for _, v := range b {
		t = t.Add(v)
	}
	return Buckets{amountOf(b[0]), amountOf(b[1]), amountOf(b[2]), amountOf(b[3]), amountOf(b[4]), amountOf(t)}
}

// CustomerReceivable is one customer's open amounts in one currency.
type CustomerReceivable struct {
	ContactID string  `json:"contactId"`
	Name      string  `json:"name"`
	Currency  string  `json:"currency"`
	Buckets   Buckets `json:"buckets"`
	Invoices  int     `json:"openInvoices"`
	Oldest    string  `json:"oldestDueDate"`
}

// CurrencyReceivable is the open amounts in one currency.
type CurrencyReceivable struct {
	Currency  string  `json:"currency"`
	Buckets   Buckets `json:"buckets"`
	TotalBase Amount  `json:"totalInBaseCurrency" jsonschema:"at each invoice's own exchange rate"`
	Invoices  int     `json:"openInvoices"`
}

// ReceivablesOutput is the aged receivables report.
type ReceivablesOutput struct {
	BasedOn   BasedOn              `json:"basedOn"`
	Buckets   []string             `json:"bucketNames" jsonschema:"days past due"`
	Customers []CustomerReceivable `json:"customers" jsonschema:"largest total first"`
	Totals    []CurrencyReceivable `json:"totals"`
	DSO       *Amount              `json:"dso,omitempty" jsonschema:"days sales outstanding: open receivables over the last 90 days' invoiced gross revenue, times 90 (base currency); absent without revenue"`
	Summary   string               `json:"summary"`
}

type recvAcc struct {
	name     string
	b        [5]decimal.Decimal
	base     decimal.Decimal
	invoices int
	oldest   string
}

func (p *Plugin) receivablesReport(ctx context.Context, set *books.Set, in ReceivablesInput) (ReceivablesOutput, export.Document, error) {
	var out ReceivablesOutput
	if err := checkDate("asOf", in.AsOf); err != nil {
		return out, export.Document{}, err
	}
	asOf := in.AsOf
	if asOf == "" {
		asOf = p.today()
	}
	type key struct{ contact, cur string }
	byCustomer := map[key]*recvAcc{}
	byCurrency := map[string]*recvAcc{}
	var openBase decimal.Decimal
	err := set.Invoices(ctx, books.InvoiceFilter{OnlyOpen: true}, func(inv books.Invoice) error {
		amount := inv.Balance
		if inv.Type == "creditNote" {
			amount = amount.Neg()
		}
		b := bucketOf(daysBetween(inv.DueDate, asOf))
		rate := inv.ExchangeRate
		if !rate.IsPositive() {
			rate = decimal.NewFromInt(1)
		}
		base := amount.Mul(rate).Round(2)
		openBase = openBase.Add(base)
		for _, a := range []*recvAcc{acc(byCustomer, key{inv.ContactID, inv.Currency}, inv.ContactName), accCur(byCurrency, inv.Currency)} {
			a.b[b] = a.b[b].Add(amount)
			a.base = a.base.Add(base)
			a.invoices++
			if a.oldest == "" || inv.DueDate < a.oldest {
				a.oldest = inv.DueDate
			}
		}
		return nil
	})
	if err != nil {
		return out, export.Document{}, storeErr(err)
	}
	out = ReceivablesOutput{BasedOn: basedOn(set, "", "", asOf, perCurrency, "Approved invoices with a balance, as of the last sync; open credit notes subtract. Days past due counted at asOf."),
		Buckets: bucketNames, Customers: []CustomerReceivable{}, Totals: []CurrencyReceivable{}}
	for k, a := range byCustomer {
		out.Customers = append(out.Customers, CustomerReceivable{ContactID: k.contact, Name: a.name, Currency: k.cur, Buckets: bucketsOf(a.b), Invoices: a.invoices, Oldest: a.oldest})
	}
	sort.Slice(out.Customers, func(i, j int) bool {
		a, b := out.Customers[i].Buckets.Total.Dec(), out.Customers[j].Buckets.Total.Dec()
		if !a.Equal(b) {
			return a.GreaterThan(b)
		}
		return out.Customers[i].ContactID+out.Customers[i].Currency < out.Customers[j].ContactID+out.Customers[j].Currency
	})
	var curs []string
	for c := range byCurrency {
		curs = append(curs, c)
	}
	slices.Sort(curs)
	var sum []string
	for _, c := range curs {
		a := byCurrency[c]
		out.Totals = append(out.Totals, CurrencyReceivable{Currency: c, Buckets: bucketsOf(a.b), TotalBase: amountOf(a.base), Invoices: a.invoices})
		var overdue decimal.Decimal
		for _, v := range a.b[1:] {
			overdue = overdue.Add(v)
		}
		sum = append(sum, fmt.Sprintf("%s åbent, heraf %s forfaldent", daAmount(bucketsOf(a.b).Total.Dec(), c), daAmount(overdue, c)))
	}
	dso, err := dsoOf(ctx, set, asOf, openBase)
	if err != nil {
		return out, export.Document{}, err
	}
	out.DSO = dso
	if len(sum) == 0 {
		sum = []string{"ingen åbne fakturaer"}
	}
	out.Summary = "Tilgodehavender pr. " + daDate(asOf) + ": " + strings.Join(sum, "; ") + "."
	if dso != nil {
		out.Summary += " DSO " + daNumber(dso.Dec(), 1) + " dage."
	}

	doc := export.Document{Title: "Aldersfordelte tilgodehavender", To: asOf, BasedOn: basedOnText(out.BasedOn)}
	cols := []export.Column{{Key: "contact_id", Title: "Kunde-ID", Kind: export.Text}, {Key: "name", Title: "Kunde", Kind: export.Text}, {Key: "currency", Title: "Valuta", Kind: export.Text}}
	for i, n := range bucketNames {
		cols = append(cols, export.Column{Key: n, Title: bucketTitles[i], Kind: export.Money})
	}
	cols = append(cols, export.Column{Key: "total", Title: "I alt", Kind: export.Money})
	t := export.Table{Name: "receivables", Title: "Tilgodehavender pr. kunde", Columns: cols}
	for _, c := range out.Customers {
		b := c.Buckets
		t.Rows = append(t.Rows, []any{c.ContactID, c.Name, c.Currency, b.Current.Dec(), b.D1to30.Dec(), b.D31to60.Dec(), b.D61to90.Dec(), b.Over90.Dec(), b.Total.Dec()})
	}
	for _, c := range out.Totals {
		b := c.Buckets
		t.Rows = append(t.Rows, []any{"", "I alt", c.Currency, b.Current.Dec(), b.D1to30.Dec(), b.D31to60.Dec(), b.D61to90.Dec(), b.Over90.Dec(), b.Total.Dec()})
	}
	doc.Tables = []export.Table{t}
	doc.Charts = []export.Chart{ageingChart(out.Totals)}
	return out, doc, nil
}

func acc[K comparable](m map[K]*recvAcc, k K, name string) *recvAcc {
	a := m[k]
	if a == nil {
		a = &recvAcc{name: name}
		m[k] = a
	}
	return a
}

func accCur(m map[string]*recvAcc, cur string) *recvAcc { return acc(m, cur, cur) }

// dsoOf is days sales outstanding: open receivables (base currency) over
// the gross revenue invoiced in the 90 days up to asOf, times 90.
func dsoOf(ctx context.Context, set *books.Set, asOf string, open decimal.Decimal) (*Amount, error) {
	rows, err := set.Revenue(ctx, books.RevenueQuery{Basis: "invoice", From: addDays(asOf, -89), To: asOf})
	if err != nil {
		return nil, storeErr(err)
	}
	var gross decimal.Decimal
	for _, r := range rows {
		gross = gross.Add(r.BaseNet).Add(r.BaseVAT)
	}
	if !gross.IsPositive() {
		return nil, nil
	}
	d := amountOf(open.Mul(decimal.NewFromInt(90)).DivRound(gross, 1))
	return &d, nil
}

// ageingChart is the base-currency open amount per bucket.
func ageingChart(totals []CurrencyReceivable) export.Chart {
	vals := make([]float64, 5)
	// Per bucket, base-currency equivalents are only known in total; a
	// foreign currency's buckets are shown at its total's average rate.
	for _, t := range totals {
		b := t.Buckets
		f := decimal.NewFromInt(1)
		if !b.Total.Dec().IsZero() {
			f = t.TotalBase.Dec().Div(b.Total.Dec())
		}
		for i, v := range []Amount{b.Current, b.D1to30, b.D31to60, b.D61to90, b.Over90} {
			vals[i] += v.Dec().Mul(f).InexactFloat64()
		}
	}
	return export.Chart{Title: "Aldersfordeling af tilgodehavender (DKK)", Kind: "bar", Labels: bucketTitles, Series: []export.Series{{Name: "Åbent", Values: vals}}}
}

// ---- cash-in forecast ----

// CashInInput is get_cash_in_forecast's input.
type CashInInput struct {
	AsOf    string `json:"asOf,omitempty" jsonschema:"the forecast starts here (YYYY-MM-DD); default today"`
	Horizon int    `json:"horizonDays,omitempty" jsonschema:"how many days ahead (1-366, default 90); later payments are summed as later"`
	By      string `json:"by,omitempty" jsonschema:"week (default) or month"`
}

// CashInPeriod is what is expected in one week or month, in one currency.
type CashInPeriod struct {
	Period   string `json:"period" jsonschema:"2026-W48, 2026-12, or later (beyond the horizon)"`
	Currency string `json:"currency"`
	Amount   Amount `json:"amount"`
	Overdue  Amount `json:"overdueIncluded" jsonschema:"of which already overdue and expected now"`
	Invoices int    `json:"invoices"`
}

// CashInInvoice is one open invoice's expectation.
type CashInInvoice struct {
	InvoiceID   string `json:"invoiceId"`
	No          string `json:"invoiceNo"`
	ContactID   string `json:"contactId"`
	Name        string `json:"customer"`
	Currency    string `json:"currency"`
	Balance     Amount `json:"balance"`
	DueDate     string `json:"dueDate"`
	AvgDaysLate Amount `json:"customerAverageDaysLate"`
	History     int    `json:"customerPayments" jsonschema:"payments the average is based on (0: the organization's average is used)"`
	Expected    string `json:"expectedDate"`
}

// CashInOutput is the cash-in forecast.
type CashInOutput struct {
	BasedOn  BasedOn         `json:"basedOn"`
	Periods  []CashInPeriod  `json:"periods"`
	Invoices []CashInInvoice `json:"invoices" jsonschema:"the open invoices, earliest expected first (at most 200)"`
	Summary  string          `json:"summary"`
}

func (p *Plugin) cashInReport(ctx context.Context, set *books.Set, in CashInInput) (CashInOutput, export.Document, error) {
	var out CashInOutput
	if err := checkDate("asOf", in.AsOf); err != nil {
		return out, export.Document{}, err
	}
	asOf, horizon, by := in.AsOf, in.Horizon, in.By
	if asOf == "" {
		asOf = p.today()
	}
	if horizon == 0 {
		horizon = 90
	}
	if horizon < 1 || horizon > 366 {
		return out, export.Document{}, sdk.Invalid("horizonDays", "must be 1 to 366, got %d", horizon)
	}
	if by == "" {
		by = "week"
	}
	if by != "week" && by != "month" {
		return out, export.Document{}, sdk.Invalid("by", "must be week or month, got %q", by)
	}
	beh, err := set.PaymentBehaviour(ctx)
	if err != nil {
		return out, export.Document{}, storeErr(err)
	}
	late := map[string]books.PayBehaviour{}
	var sum decimal.Decimal
	var n int
	for _, b := range beh {
		late[b.ContactID] = b
		sum = sum.Add(b.AvgDaysLate.Mul(decimal.NewFromInt(int64(b.Payments))))
		n += b.Payments
	}
	orgAvg := decimal.Zero
	if n > 0 {
		orgAvg = sum.DivRound(decimal.NewFromInt(int64(n)), 1)
	}
	end := addDays(asOf, horizon)
	type key struct{ period, cur string }
	periods := map[key]*CashInPeriod{}
	var pdec = map[key][2]decimal.Decimal{}
	err = set.Invoices(ctx, books.InvoiceFilter{OnlyOpen: true}, func(inv books.Invoice) error {
		if inv.Type == "creditNote" {
			return nil // refunds owed are not cash in
		}
		b, ok := late[inv.ContactID]
		avg := orgAvg
		if ok {
			avg = b.AvgDaysLate
		}
		expected := addDays(inv.DueDate, int(avg.Round(0).IntPart()))
		overdue := expected < asOf
		if overdue {
			expected = asOf
		}
		period := "later"
		if expected <= end {
			period = periodKey(expected, by)
		}
		k := key{period, inv.Currency}
		c := periods[k]
		if c == nil {
			c = &CashInPeriod{Period: period, Currency: inv.Currency}
			periods[k] = c
		}
		d := pdec[k]
		d[0] = d[0].Add(inv.Balance)
		if overdue {
			d[1] = d[1].Add(inv.Balance)
		}
		pdec[k] = d
		c.Invoices++
		out.Invoices = append(out.Invoices, CashInInvoice{InvoiceID: inv.ID, No: inv.No, ContactID: inv.ContactID, Name: inv.ContactName, Currency: inv.Currency,
			Balance: amountOf(inv.Balance), DueDate: inv.DueDate, AvgDaysLate: amountOf(avg), History: b.Payments, Expected: expected})
		return nil
	})
	if err != nil {
		return out, export.Document{}, storeErr(err)
	}
	out.BasedOn = basedOn(set, asOf, end, asOf, perCurrency,
		fmt.Sprintf("Open invoices as of the last sync; each expected on its due date plus its customer's average days late over all their payments (the organization's average, %s days, for customers without payments); overdue ones expected at asOf.", orgAvg.String()))
	out.Periods = []CashInPeriod{}
	for k, c := range periods {
		c.Amount, c.Overdue = amountOf(pdec[k][0]), amountOf(pdec[k][1])
		out.Periods = append(out.Periods, *c)
	}
	sort.Slice(out.Periods, func(i, j int) bool {
		a, b := out.Periods[i], out.Periods[j]
		if a.Period != b.Period {
			return a.Period < b.Period // "later" sorts after digits
		}
		return a.Currency < b.Currency
	})
	sort.SliceStable(out.Invoices, func(i, j int) bool {
		if out.Invoices[i].Expected != out.Invoices[j].Expected {
			return out.Invoices[i].Expected < out.Invoices[j].Expected
		}
		return out.Invoices[i].InvoiceID < out.Invoices[j].InvoiceID
	})
	if out.Invoices == nil {
		out.Invoices = []CashInInvoice{}
	}
	totals := map[string]decimal.Decimal{}
	for k, d := range pdec {
		if k.period != "later" {
			totals[k.cur] = totals[k.cur].Add(d[0])
		}
	}
	var parts []string
	for _, c := range sortedKeys(totals) {
		parts = append(parts, daAmount(totals[c], c))
	}
	if len(parts) == 0 {
		parts = []string{"intet"}
	}
	out.Summary = fmt.Sprintf("Forventet indbetaling %s–%s: %s (%d åbne fakturaer).", daDate(asOf), daDate(end), strings.Join(parts, ", "), len(out.Invoices))

	doc := export.Document{Title: "Forventede indbetalinger", From: asOf, To: end, BasedOn: basedOnText(out.BasedOn)}
	t := export.Table{Name: "cash_in", Title: "Forventet indbetaling pr. " + map[string]string{"week": "uge", "month": "måned"}[by], Columns: []export.Column{
		{Key: "period", Title: "Periode", Kind: export.Text}, {Key: "currency", Title: "Valuta", Kind: export.Text},
		{Key: "amount", Title: "Beløb", Kind: export.Money}, {Key: "overdue", Title: "Heraf forfaldent", Kind: export.Money}, {Key: "invoices", Title: "Fakturaer", Kind: export.Int}}}
	chart := export.Chart{Title: "Forventet indbetaling", Kind: "bar", Series: []export.Series{{Name: "Beløb"}}}
	for _, c := range out.Periods {
		t.Rows = append(t.Rows, []any{c.Period, c.Currency, c.Amount.Dec(), c.Overdue.Dec(), c.Invoices})
		if c.Currency == set.Info().BaseCurrency {
			chart.Labels = append(chart.Labels, c.Period)
			chart.Series[0].Values = append(chart.Series[0].Values, c.Amount.Dec().InexactFloat64())
		}
	}
	it := export.Table{Name: "cash_in_invoices", Title: "Åbne fakturaer", Columns: []export.Column{
		{Key: "invoice_no", Title: "Faktura", Kind: export.Text}, {Key: "customer", Title: "Kunde", Kind: export.Text}, {Key: "currency", Title: "Valuta", Kind: export.Text},
		{Key: "balance", Title: "Restbeløb", Kind: export.Money}, {Key: "due_date", Title: "Forfald", Kind: export.Date},
		{Key: "avg_days_late", Title: "Gns. dage for sent", Kind: export.Number}, {Key: "expected_date", Title: "Forventet", Kind: export.Date}}}
	for _, i := range out.Invoices {
		it.Rows = append(it.Rows, []any{i.No, i.Name, i.Currency, i.Balance.Dec(), i.DueDate, i.AvgDaysLate.Dec(), i.Expected})
	}
	if len(out.Invoices) > 200 {
		out.Invoices = out.Invoices[:200]
	}
	doc.Tables = []export.Table{t, it}
	if len(chart.Labels) > 0 {
		doc.Charts = []export.Chart{chart}
	}
	return out, doc, nil
}

func periodKey(iso, by string) string {
	t, _ := time.Parse(time.DateOnly, iso)
	if by == "month" {
		return t.Format("2006-01")
	}
	y, w := t.ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
