package invoices

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/shopspring/decimal"
)

// get_revenue fixes what v1's version got wrong (tekup-billy-inventory.md
// §3.5): it summed amounts across currencies, judged "paid" by invoice date,
// had no VAT split, counted overdue invoices twice and used date filters
// Billy ignores. Here:
//
//   - amounts are per currency, never added across currencies;
//   - each amount is split into net, VAT and gross;
//   - the basis is explicit: "payment" (default) counts money received by
//     payment date; "invoice" counts approved invoices by invoice date;
//   - credit notes subtract (their refunds on the payment basis, the credit
//     notes themselves on the invoice basis);
//   - records are deduplicated by ID, so a record that shifts between pages
//     while they are read is never counted twice;
//   - the answer says which period and basis it used;
//   - each foreign currency also has its base-currency (DKK) equivalent at
//     the invoices' own exchange rates (what Billy booked them at),
//     labelled as such, and the equivalents add up to a total.
//
// Money is summed in decimals, so that nothing is lost to binary floating
// point; amounts are rounded to the currency's minor unit where one
// invoice's share is worked out, never in the sums.

// maxRevenuePages bounds one computation (1000 records per page); a longer
// period has to be split.
const maxRevenuePages = 25

// RevenueInput is the period and basis.
type RevenueInput struct {
	StartDate string `json:"startDate,omitempty" jsonschema:"required"`
	EndDate   string `json:"endDate,omitempty" jsonschema:"required"`
	Basis     string `json:"basis,omitempty" jsonschema:"payment (default): received, by payment date; invoice: approved invoices, by invoice date"`
	GroupBy   string `json:"groupBy,omitempty" jsonschema:"day, week or month"`
}

// Amounts is net, VAT and gross in one currency.
type Amounts struct {
	Currency string `json:"currency"`
	Net      Number `json:"net" jsonschema:"excluding VAT"`
	VAT      Number `json:"vat"`
	Gross    Number `json:"gross" jsonschema:"including VAT"`
}

// BaseAmounts is a foreign currency's revenue in the base currency.
type BaseAmounts struct {
	Amounts
	Rates string `json:"rates" jsonschema:"which exchange rates were used"`
}

// CurrencyRevenue is the total in one currency.
type CurrencyRevenue struct {
	Amounts
	InBaseCurrency *BaseAmounts `json:"inBaseCurrency,omitempty" jsonschema:"a foreign currency's amounts in the base currency, at each invoice's own exchange rate"`
	Invoices       int          `json:"invoices" jsonschema:"distinct invoices counted"`
	CreditNotes    int          `json:"creditNotes" jsonschema:"distinct credit notes counted (subtracted)"`
	Payments       int          `json:"payments,omitempty" jsonschema:"payment basis: distinct bank payments counted"`
	Outstanding    *Number      `json:"outstanding,omitempty" jsonschema:"invoice basis: what is still owed on these invoices now"`
	Overdue        *int         `json:"overdue,omitempty" jsonschema:"invoice basis: how many of them are past due and unpaid now"`
}

// RevenueGroup is one day, week or month.
type RevenueGroup struct {
	Period     string    `json:"period" jsonschema:"2025-03-14, 2025-W11 or 2025-03"`
	Currencies []Amounts `json:"currencies"`
}

// RevenueOutput is revenue for a period.
type RevenueOutput struct {
	StartDate      string            `json:"startDate"`
	EndDate        string            `json:"endDate"`
	Basis          string            `json:"basis"`
	BasisExplained string            `json:"basisExplained"`
	GroupBy        string            `json:"groupBy,omitempty"`
	Currencies     []CurrencyRevenue `json:"currencies" jsonschema:"one entry per currency; amounts in different currencies are never added"`
	Total          *BaseAmounts      `json:"totalInBaseCurrency,omitempty" jsonschema:"all currencies in the base currency: base-currency amounts plus the others' equivalents"`
	Groups         []RevenueGroup    `json:"groups,omitempty"`
}

func (p *plugin) getRevenueTool() sdk.Tool {
	return sdk.NewTool(readSpec(sdk.ToolSpec{
		Name:  "get_revenue",
		Title: "Revenue for a period",
		Description: "Computes revenue for a period per currency (net, VAT, gross), credit notes subtracted, optionally by day, week or month. " +
			"Long periods are slow: prefer a month or a quarter.",
		Category: "invoices",
		Scopes:   []string{"invoices:read"},
		Examples: []sdk.Example{
			{Title: "Cash received in Q1", Arguments: RevenueInput{StartDate: "2025-01-01", EndDate: "2025-03-31", GroupBy: "month"}},
			{Title: "Invoiced in March", Arguments: RevenueInput{StartDate: "2025-03-01", EndDate: "2025-03-31", Basis: "invoice"}},
		},
	}), p.getRevenue)
}

// tally sums one currency (or one currency in one group).
type tally struct {
	net, vat, gross decimal.Decimal
	// baseNet and baseVAT are the same in the base currency.
	baseNet, baseVAT decimal.Decimal
	invoices         map[string]bool
	creditNotes      map[string]bool
	payments         map[string]bool
	outstanding      decimal.Decimal
	overdue          int
}

type revenue struct {
	groupBy string
	base    string // the organization's base currency
	total   map[string]*tally
	groups  map[string]map[string]*tally
}

func newRevenue(groupBy, base string) *revenue {
	return &revenue{groupBy: groupBy, base: base, total: map[string]*tally{}, groups: map[string]map[string]*tally{}}
}

func tallyIn(m map[string]*tally, cur string) *tally {
	t := m[cur]
	if t == nil {
		t = &tally{invoices: map[string]bool{}, creditNotes: map[string]bool{}, payments: map[string]bool{}}
		m[cur] = t
	}
	return t
}

// add counts net and VAT of one record in its currency; a credit note's
// are subtracted. rate is the record's exchange rate to the base currency
// (its own, as Billy booked it), which gives the base-currency equivalent,
// rounded to øre per record as Billy's postings are.
func (r *revenue) add(inv billyInvoice, date string, net, vat decimal.Decimal) *tally {
	s := sign(inv)
	net, vat = s.Mul(net), s.Mul(vat)
	rate := inv.ExchangeRate
	if !rate.IsPositive() {
		rate = decOne
	}
	baseNet, baseVAT := roundAmount(net.Mul(rate), r.base), roundAmount(vat.Mul(rate), r.base)
	t := tallyIn(r.total, inv.CurrencyID)
	t.add(net, vat, baseNet, baseVAT)
	if r.groupBy != "" {
		key := groupKey(date, r.groupBy)
		if r.groups[key] == nil {
			r.groups[key] = map[string]*tally{}
		}
		tallyIn(r.groups[key], inv.CurrencyID).add(net, vat, baseNet, baseVAT)
	}
	return t
}

func (t *tally) add(net, vat, baseNet, baseVAT decimal.Decimal) {
	t.net, t.vat, t.gross = t.net.Add(net), t.vat.Add(vat), t.gross.Add(net).Add(vat)
	t.baseNet, t.baseVAT = t.baseNet.Add(baseNet), t.baseVAT.Add(baseVAT)
}

func groupKey(date, by string) string {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	switch by {
	case "week":
		y, w := d.ISOWeek()
		return fmt.Sprintf("%04d-W%02d", y, w)
	case "month":
		return d.Format("2006-01")
	}
	return date
}

func amounts(cur string, t *tally) Amounts {
	return Amounts{Currency: cur, Net: numberOf(t.net), VAT: numberOf(t.vat), Gross: numberOf(t.gross)}
}

// baseRates labels the base-currency equivalents.
const baseRates = "each invoice's own exchange rate, as Billy booked it"

func (p *plugin) getRevenue(ctx context.Context, call *sdk.Call, in RevenueInput) (RevenueOutput, error) {
	var out RevenueOutput
	switch {
	case in.StartDate == "":
		return out, sdk.Invalid("startDate", "is required (YYYY-MM-DD)")
	case in.EndDate == "":
		return out, sdk.Invalid("endDate", "is required (YYYY-MM-DD)")
	}
	basis := in.Basis
	if basis == "" {
		basis = "payment"
	}
	if err := firstErr(checkDate("startDate", in.StartDate), checkDate("endDate", in.EndDate), checkRange("startDate", in.StartDate, "endDate", in.EndDate),
		oneOf("basis", basis, "payment", "invoice"), oneOf("groupBy", in.GroupBy, "day", "week", "month")); err != nil {
		return out, err
	}
	base, err := baseCurrency(ctx, call)
	if err != nil {
		return out, err
	}
	r := newRevenue(in.GroupBy, base)
	if basis == "payment" {
		out.BasisExplained = "Money received by payment date: bank payments dated in the period (voided ones left out); refunds of credit notes subtract. " +
			"A credit note set off against an unpaid invoice lowers what is paid instead. Net and VAT are an estimate: each payment is split in " +
			"proportion to the invoice it paid. The VAT return (momsangivelse) uses VAT by invoice date: use basis invoice for it. " +
			"Amounts are in each invoice's currency; inBaseCurrency converts a foreign currency at " + baseRates + "."
		err = p.paymentRevenue(ctx, call, in, r)
	} else {
		out.BasisExplained = "Approved invoices by invoice date (drafts and voided invoices left out): net is the amount excluding VAT; credit notes dated " +
			"in the period subtract. Amounts are in each invoice's currency; inBaseCurrency converts a foreign currency at " + baseRates +
			". Outstanding and overdue are as of now."
		err = p.invoiceRevenue(ctx, call, in, r)
	}
	if err != nil {
		return out, err
	}
	out.StartDate, out.EndDate, out.Basis, out.GroupBy = in.StartDate, in.EndDate, basis, in.GroupBy
	out.Currencies = []CurrencyRevenue{}
	var totalNet, totalVAT decimal.Decimal
	for _, cur := range sortedKeys(r.total) {
		t := r.total[cur]
		cr := CurrencyRevenue{Amounts: amounts(cur, t), Invoices: len(t.invoices), CreditNotes: len(t.creditNotes), Payments: len(t.payments)}
		if cur != base {
			cr.InBaseCurrency = &BaseAmounts{Amounts: Amounts{Currency: base, Net: numberOf(t.baseNet), VAT: numberOf(t.baseVAT),
				Gross: numberOf(t.baseNet.Add(t.baseVAT))}, Rates: baseRates}
		}
		totalNet, totalVAT = totalNet.Add(t.baseNet), totalVAT.Add(t.baseVAT)
		if basis == "invoice" {
			o, n := numberOf(t.outstanding), t.overdue
			cr.Outstanding, cr.Overdue = &o, &n
		}
		out.Currencies = append(out.Currencies, cr)
	}
	if len(out.Currencies) > 1 || len(out.Currencies) == 1 && out.Currencies[0].Currency != base {
		out.Total = &BaseAmounts{Amounts: Amounts{Currency: base, Net: numberOf(totalNet), VAT: numberOf(totalVAT), Gross: numberOf(totalNet.Add(totalVAT))},
			Rates: "base-currency amounts as they are; others at " + baseRates}
	}
	for _, key := range sortedKeys(r.groups) {
		g := RevenueGroup{Period: key, Currencies: []Amounts{}}
		for _, cur := range sortedKeys(r.groups[key]) {
			g.Currencies = append(g.Currencies, amounts(cur, r.groups[key][cur]))
		}
		out.Groups = append(out.Groups, g)
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// eachPage reads every page of a list (bounded by maxRevenuePages),
// reporting progress, and hands each page's envelope to f.
func eachPage(ctx context.Context, call *sdk.Call, path string, q url.Values, f func(env *envelope) error) error {
	for page := 1; ; page++ {
		if page > maxRevenuePages {
			return sdk.NewError(sdk.CategoryValidation, "period_too_large",
				"the period holds more than %d records; ask for a shorter period (a month or a quarter) and add the results", maxRevenuePages*1000)
		}
		env, err := listPage(ctx, call, path, q, page, 1000)
		if err != nil {
			return err
		}
		if err := f(env); err != nil {
			return err
		}
		count := 1
		if env.meta.Paging != nil {
			count = env.meta.Paging.PageCount
		}
		_ = call.Host.Progress(ctx, float64(page), float64(max(count, page)), fmt.Sprintf("read page %d of %d", page, count))
		if page >= count {
			return nil
		}
	}
}

// invoiceRevenue sums approved invoices and credit notes by invoice date.
func (p *plugin) invoiceRevenue(ctx context.Context, call *sdk.Call, in RevenueInput, r *revenue) error {
	q := url.Values{"state": {"approved"}, "minEntryDate": {in.StartDate}, "maxEntryDate": {in.EndDate},
		"sortProperty": {"entryDate"}, "sortDirection": {"ASC"}}
	seen := map[string]bool{}
	today := p.today()
	return eachPage(ctx, call, "/invoices", q, func(env *envelope) error {
		var invs []billyInvoice
		if err := env.decodeRoot("invoices", &invs); err != nil {
			return err
		}
		for _, inv := range invs {
			// Dedupe, and re-check the filters rather than trust that Billy
			// applied them.
			if seen[inv.ID] || inv.State != "approved" || inv.EntryDate < in.StartDate || inv.EntryDate > in.EndDate {
				continue
			}
			seen[inv.ID] = true
			t := r.add(inv, inv.EntryDate, inv.Amount, inv.GrossAmount.Sub(inv.Amount))
			if inv.Type == "creditNote" {
				t.creditNotes[inv.ID] = true
				continue
			}
			t.invoices[inv.ID] = true
			t.outstanding = t.outstanding.Add(inv.Balance)
			if isOverdue(inv, today) {
				t.overdue++
			}
		}
		return nil
	})
}

// paymentRevenue sums bank payments by payment date.
func (p *plugin) paymentRevenue(ctx context.Context, call *sdk.Call, in RevenueInput, r *revenue) error {
	q := url.Values{"minEntryDate": {in.StartDate}, "maxEntryDate": {in.EndDate}, "include": {paymentIncludes},
		"sortProperty": {"entryDate"}, "sortDirection": {"ASC"}}
	seen := map[string]bool{}
	invoices := map[string]billyInvoice{} // read once each
	return eachPage(ctx, call, "/bankPayments", q, func(env *envelope) error {
		var bps []billyBankPayment
		if err := env.decodeRoot("bankPayments", &bps); err != nil {
			return err
		}
		for _, bp := range bps {
			if seen[bp.ID] || bp.IsVoided || bp.EntryDate < in.StartDate || bp.EntryDate > in.EndDate {
				continue
			}
			seen[bp.ID] = true
			var parts []billyBalanceModifier
			for _, a := range bp.Associations {
				if typ, _ := splitRef(a.SubjectReference); typ == "invoice" && !a.IsVoided {
					parts = append(parts, a)
				}
			}
			for _, part := range parts {
				settled := part.Amount.Abs()
				if settled.IsZero() && len(parts) == 1 {
					settled = cashSettled(bp)
				}
				_, id := splitRef(part.SubjectReference)
				inv, ok := invoices[id]
				if !ok {
					var err error
					// Totals only: no lines or contact needed.
					if _, err = getOne(ctx, call, kindInvoice, id, nil, &inv); err != nil {
						return withContext(err, "reading invoice %s paid by bank payment %s", id, bp.ID)
					}
					invoices[id] = inv
				}
				net, vat := splitGross(settled, inv)
				t := r.add(inv, bp.EntryDate, net, vat)
				t.payments[bp.ID] = true
				if inv.Type == "creditNote" {
					t.creditNotes[inv.ID] = true
				} else {
					t.invoices[inv.ID] = true
				}
			}
		}
		return nil
	})
}

// cashSettled is what a single-invoice payment settled, in the invoice's
// currency, when Billy's association does not carry the amount: money in
// settles the cash plus the fee (the fee is deducted by the bank), money
// out the cash minus it (§7.6).
func cashSettled(bp billyBankPayment) decimal.Decimal {
	settled := bp.CashAmount.Add(bp.FeeAmount)
	if bp.CashSide == "credit" {
		settled = bp.CashAmount.Sub(bp.FeeAmount)
	}
	places := minorUnits(bp.SubjectCurrencyID)
	if bp.CashExchangeRate.IsPositive() {
		return divRound(settled, bp.CashExchangeRate, places)
	}
	return settled.Round(places)
}

// splitGross splits a paid gross amount into net and VAT in the proportion
// of the invoice it paid, rounded to the currency's minor unit.
func splitGross(gross decimal.Decimal, inv billyInvoice) (net, vat decimal.Decimal) {
	if inv.GrossAmount.IsZero() {
		return gross, decimal.Zero
	}
	net = divRound(gross.Mul(inv.Amount), inv.GrossAmount, minorUnits(inv.CurrencyID))
	return net, gross.Sub(net)
}
