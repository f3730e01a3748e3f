package analytics

import (
	"context"
	"fmt"
	"sort"

	"github.com/billy-mcp/billy-mcp/plugins/analytics/books"
	"github.com/billy-mcp/billy-mcp/plugins/analytics/export"
	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/shopspring/decimal"
)

// ---- customers ----

// CustomersInput is get_customer_report's input.
type CustomersInput struct {
	From string `json:"from,omitempty" jsonschema:"first day (YYYY-MM-DD); default 1 January of to's year"`
	To   string `json:"to,omitempty" jsonschema:"last day (YYYY-MM-DD); default today"`
	Top  int    `json:"top,omitempty" jsonschema:"how many top customers (1-100, default 10)"`
}

// CustomerLine is a customer in the report.
type CustomerLine struct {
	ContactID    string `json:"contactId"`
	Name         string `json:"name"`
	Net          Amount `json:"net" jsonschema:"net revenue in the period, base currency, credit notes subtracted"`
	PreviousNet  Amount `json:"previousNet" jsonschema:"the same in the period before"`
	Invoices     int    `json:"invoices"`
	FirstInvoice string `json:"firstInvoice"`
	LastInvoice  string `json:"lastInvoice"`
}

// CustomersOutput is the customer report.
type CustomersOutput struct {
	BasedOn      BasedOn        `json:"basedOn"`
	PreviousFrom string         `json:"previousFrom"`
	PreviousTo   string         `json:"previousTo"`
	Top          []CustomerLine `json:"top"`
	New          []CustomerLine `json:"new" jsonschema:"first invoice ever in the period"`
	Lapsed       []CustomerLine `json:"lapsed" jsonschema:"invoiced in the period before, not in this one"`
	ActiveCount  int            `json:"activeCustomers"`
	TopShare     Amount         `json:"topShare" jsonschema:"the top customers' share of net revenue, percent"`
	Summary      string         `json:"summary"`
}

func (p *Plugin) customersReport(ctx context.Context, set *books.Set, in CustomersInput) (CustomersOutput, export.Document, error) {
	var out CustomersOutput
	from, to, err := p.period(in.From, in.To)
	if err != nil {
		return out, export.Document{}, err
	}
	top := in.Top
	if top == 0 {
		top = 10
	}
	if top < 1 || top > 100 {
		return out, export.Document{}, sdk.Invalid("top", "must be 1 to 100, got %d", top)
	}
	pfrom, pto := previousPeriod(from, to)
	acts, err := set.Customers(ctx, from, to, pfrom, pto)
	if err != nil {
		return out, export.Document{}, storeErr(err)
	}
	out = CustomersOutput{BasedOn: basedOn(set, from, to, "", custCurrency, "Approved invoices by invoice date."),
		PreviousFrom: pfrom, PreviousTo: pto, Top: []CustomerLine{}, New: []CustomerLine{}, Lapsed: []CustomerLine{}}
	line := func(a books.CustomerActivity) CustomerLine {
		return CustomerLine{ContactID: a.ContactID, Name: a.Name, Net: amountOf(a.Net), PreviousNet: amountOf(a.PreviousNet), Invoices: a.Invoices, FirstInvoice: a.FirstInvoice, LastInvoice: a.LastInvoice}
	}
	var total, topSum decimal.Decimal
	var active []books.CustomerActivity
	for _, a := range acts {
		if a.Invoices > 0 {
			active = append(active, a)
			total = total.Add(a.Net)
		}
		if a.FirstInvoice >= from && a.FirstInvoice <= to {
			out.New = append(out.New, line(a))
		}
		if a.PrevInvoices > 0 && a.Invoices == 0 {
			out.Lapsed = append(out.Lapsed, line(a))
		}
	}
	sort.SliceStable(active, func(i, j int) bool { return active[i].Net.GreaterThan(active[j].Net) })
	for i, a := range active {
		if i == top {
			break
		}
		out.Top = append(out.Top, line(a))
		topSum = topSum.Add(a.Net)
	}
	sort.SliceStable(out.Lapsed, func(i, j int) bool {
		return out.Lapsed[i].PreviousNet.Dec().GreaterThan(out.Lapsed[j].PreviousNet.Dec())
	})
	out.ActiveCount = len(active)
	if total.IsPositive() {
		out.TopShare = amountOf(topSum.Mul(decimal.NewFromInt(100)).DivRound(total, 1))
	}
	out.Summary = fmt.Sprintf("%d aktive kunder %s–%s; de %d største står for %s af omsætningen. %d nye, %d ophørte (købte %s–%s, ikke i perioden).",
		out.ActiveCount, daDate(from), daDate(to), len(out.Top), daPercent(out.TopShare.Dec()), len(out.New), len(out.Lapsed), daDate(pfrom), daDate(pto))

	doc := export.Document{Title: "Kunder", From: from, To: to, BasedOn: basedOnText(out.BasedOn)}
	cols := func() []export.Column {
		return []export.Column{{Key: "contact_id", Title: "Kunde-ID", Kind: export.Text}, {Key: "name", Title: "Kunde", Kind: export.Text},
			{Key: "net", Title: "Netto", Kind: export.Money}, {Key: "previous_net", Title: "Netto forrige periode", Kind: export.Money},
			{Key: "invoices", Title: "Fakturaer", Kind: export.Int}, {Key: "first_invoice", Title: "Første faktura", Kind: export.Date}, {Key: "last_invoice", Title: "Seneste faktura", Kind: export.Date}}
	}
	for _, g := range []struct {
		name, title string
		rows        []CustomerLine
	}{{"top", "Største kunder", out.Top}, {"new", "Nye kunder", out.New}, {"lapsed", "Ophørte kunder", out.Lapsed}} {
		t := export.Table{Name: "customers_" + g.name, Title: g.title, Columns: cols(), Currency: set.Info().BaseCurrency}
		for _, c := range g.rows {
			t.Rows = append(t.Rows, []any{c.ContactID, c.Name, c.Net.Dec(), c.PreviousNet.Dec(), c.Invoices, c.FirstInvoice, c.LastInvoice})
		}
		doc.Tables = append(doc.Tables, t)
	}
	if len(out.Top) > 0 {
		ch := export.Chart{Title: "Største kunder, netto (DKK)", Kind: "bar", Series: []export.Series{{Name: "Netto"}}}
		for _, c := range out.Top {
			ch.Labels = append(ch.Labels, c.Name)
			ch.Series[0].Values = append(ch.Series[0].Values, c.Net.Dec().InexactFloat64())
		}
		doc.Charts = []export.Chart{ch}
	}
	return out, doc, nil
}

// ---- ledger ----

// PeriodInput is a period.
type PeriodInput struct {
	From string `json:"from,omitempty" jsonschema:"first day (YYYY-MM-DD); default 1 January of to's year"`
	To   string `json:"to,omitempty" jsonschema:"last day (YYYY-MM-DD); default today"`
}

// AccountLine is an account's totals.
type AccountLine struct {
	AccountNo string `json:"accountNo"`
	Name      string `json:"name"`
	Nature    string `json:"nature" jsonschema:"revenue, expense, asset, liability or equity"`
	Debit     Amount `json:"debit"`
	Credit    Amount `json:"credit"`
	Balance   Amount `json:"balance" jsonschema:"debit minus credit"`
	Amount    Amount `json:"amount" jsonschema:"in the profit and loss: revenue positive, expenses positive"`
}

// ProfitAndLossOutput is the profit and loss.
type ProfitAndLossOutput struct {
	BasedOn  BasedOn       `json:"basedOn"`
	Revenue  []AccountLine `json:"revenue"`
	Expenses []AccountLine `json:"expenses"`
	TotalRev Amount        `json:"totalRevenue"`
	TotalExp Amount        `json:"totalExpenses"`
	Result   Amount        `json:"result" jsonschema:"revenue minus expenses (positive: profit)"`
	Summary  string        `json:"summary"`
}

func accountLine(a books.AccountTotal, amount decimal.Decimal) AccountLine {
	return AccountLine{AccountNo: a.AccountNo, Name: a.Name, Nature: a.Nature, Debit: amountOf(a.Debit), Credit: amountOf(a.Credit), Balance: amountOf(a.Balance), Amount: amountOf(amount)}
}

func (p *Plugin) profitAndLoss(ctx context.Context, set *books.Set, in PeriodInput) (ProfitAndLossOutput, export.Document, error) {
	var out ProfitAndLossOutput
	from, to, err := p.period(in.From, in.To)
	if err != nil {
		return out, export.Document{}, err
	}
	accts, err := set.AccountTotals(ctx, from, to)
	if err != nil {
		return out, export.Document{}, storeErr(err)
	}
	out = ProfitAndLossOutput{BasedOn: basedOn(set, from, to, "", ledgerBase, "Postings dated in the period on revenue and expense accounts; voided postings and their reversals both counted, so they cancel."),
		Revenue: []AccountLine{}, Expenses: []AccountLine{}}
	var rev, exp decimal.Decimal
	for _, a := range accts {
		switch a.Nature {
		case "revenue":
			amt := a.Balance.Neg()
			rev = rev.Add(amt)
			out.Revenue = append(out.Revenue, accountLine(a, amt))
		case "expense":
			exp = exp.Add(a.Balance)
			out.Expenses = append(out.Expenses, accountLine(a, a.Balance))
		}
	}
	out.TotalRev, out.TotalExp, out.Result = amountOf(rev), amountOf(exp), amountOf(rev.Sub(exp))
	cur := set.Info().BaseCurrency
	out.Summary = fmt.Sprintf("Resultatopgørelse %s–%s: indtægter %s, omkostninger %s, resultat %s", daDate(from), daDate(to), daAmount(rev, cur), daAmount(exp, cur), daAmount(rev.Sub(exp), cur))
	doc := export.Document{Title: "Resultatopgørelse", From: from, To: to, BasedOn: basedOnText(out.BasedOn)}
	t := export.Table{Name: "profit_and_loss", Title: "Resultatopgørelse", Currency: cur, Columns: []export.Column{
		{Key: "section", Title: "Afsnit", Kind: export.Text}, {Key: "account_no", Title: "Konto", Kind: export.Text}, {Key: "name", Title: "Navn", Kind: export.Text}, {Key: "amount", Title: "Beløb", Kind: export.Money}}}
	for _, a := range out.Revenue {
		t.Rows = append(t.Rows, []any{"Indtægter", a.AccountNo, a.Name, a.Amount.Dec()})
	}
	t.Rows = append(t.Rows, []any{"Indtægter i alt", "", "", rev})
	for _, a := range out.Expenses {
		t.Rows = append(t.Rows, []any{"Omkostninger", a.AccountNo, a.Name, a.Amount.Dec()})
	}
	t.Rows = append(t.Rows, []any{"Omkostninger i alt", "", "", exp}, []any{"Resultat", "", "", rev.Sub(exp)})
	doc.Tables = []export.Table{t}
	return out, doc, nil
}

// TrialBalanceOutput is the trial balance.
type TrialBalanceOutput struct {
	BasedOn  BasedOn       `json:"basedOn"`
	Accounts []AccountLine `json:"accounts"`
	Debit    Amount        `json:"totalDebit"`
	Credit   Amount        `json:"totalCredit"`
	Balanced bool          `json:"balanced" jsonschema:"total debit equals total credit"`
	Summary  string        `json:"summary"`
}

func (p *Plugin) trialBalance(ctx context.Context, set *books.Set, in PeriodInput) (TrialBalanceOutput, export.Document, error) {
	var out TrialBalanceOutput
	if err := checkDate("from", in.From); err != nil {
		return out, export.Document{}, err
	}
	if err := checkDate("to", in.To); err != nil {
		return out, export.Document{}, err
	}
	to := in.To
	if to == "" {
		to = p.today()
	}
	if in.From != "" && in.From > to {
		return out, export.Document{}, sdk.Invalid("from", "must be on or before to (%s), got %s", to, in.From)
	}
	accts, err := set.AccountTotals(ctx, in.From, to)
	if err != nil {
		return out, export.Document{}, storeErr(err)
	}
	out = TrialBalanceOutput{BasedOn: basedOn(set, in.From, to, "", ledgerBase, "Every posting dated up to to (from from, if given)."), Accounts: []AccountLine{}}
	var d, c decimal.Decimal
	for _, a := range accts {
		out.Accounts = append(out.Accounts, accountLine(a, a.Balance))
		d, c = d.Add(a.Debit), c.Add(a.Credit)
	}
	out.Debit, out.Credit, out.Balanced = amountOf(d), amountOf(c), d.Equal(c)
	cur := set.Info().BaseCurrency
	bal := "stemmer"
	if !out.Balanced {
		bal = "stemmer IKKE (forskel " + daAmount(d.Sub(c), cur) + ")"
	}
	out.Summary = fmt.Sprintf("Saldobalance pr. %s: %d konti, debet %s, kredit %s; balancen %s.", daDate(to), len(out.Accounts), daAmount(d, cur), daAmount(c, cur), bal)
	doc := export.Document{Title: "Saldobalance", From: in.From, To: to, BasedOn: basedOnText(out.BasedOn)}
	t := export.Table{Name: "trial_balance", Title: "Saldobalance", Currency: cur, Columns: []export.Column{
		{Key: "account_no", Title: "Konto", Kind: export.Text}, {Key: "name", Title: "Navn", Kind: export.Text},
		{Key: "debit", Title: "Debet", Kind: export.Money}, {Key: "credit", Title: "Kredit", Kind: export.Money}, {Key: "balance", Title: "Saldo", Kind: export.Money}}}
	for _, a := range out.Accounts {
		t.Rows = append(t.Rows, []any{a.AccountNo, a.Name, a.Debit.Dec(), a.Credit.Dec(), a.Balance.Dec()})
	}
	t.Rows = append(t.Rows, []any{"", "I alt", d, c, d.Sub(c)})
	doc.Tables = []export.Table{t}
	return out, doc, nil
}
