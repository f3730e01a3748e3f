package main

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"slices"
	"time"

	"github.com/billy-mcp/billy-mcp/sdk"
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
//   - the answer says which period and basis it used.
//
// Money is summed in integer øre so that rounding is exact.

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
	Currency string  `json:"currency"`
	Net      float64 `json:"net" jsonschema:"excluding VAT"`
	VAT      float64 `json:"vat"`
	Gross    float64 `json:"gross" jsonschema:"including VAT"`
}

// CurrencyRevenue is the total in one currency.
type CurrencyRevenue struct {
	Amounts
	Invoices    int      `json:"invoices" jsonschema:"distinct invoices counted"`
	CreditNotes int      `json:"creditNotes" jsonschema:"distinct credit notes counted (subtracted)"`
	Payments    int      `json:"payments,omitempty" jsonschema:"payment basis: distinct bank payments counted"`
	Outstanding *float64 `json:"outstanding,omitempty" jsonschema:"invoice basis: what is still owed on these invoices now"`
	Overdue     *int     `json:"overdue,omitempty" jsonschema:"invoice basis: how many of them are past due and unpaid now"`
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
	net, vat, gross int64
	invoices        map[string]bool
	creditNotes     map[string]bool
	payments        map[string]bool
	outstanding     int64
	overdue         int
}

type revenue struct {
	groupBy string
	total   map[string]*tally
	groups  map[string]map[string]*tally
}

func newRevenue(groupBy string) *revenue {
	return &revenue{groupBy: groupBy, total: map[string]*tally{}, groups: map[string]map[string]*tally{}}
}

func tallyIn(m map[string]*tally, cur string) *tally {
	t := m[cur]
	if t == nil {
		t = &tally{invoices: map[string]bool{}, creditNotes: map[string]bool{}, payments: map[string]bool{}}
		m[cur] = t
	}
	return t
}

// add counts an amount; sign is -1 for credit notes.
func (r *revenue) add(cur, date string, sign, net, vat int64) *tally {
	t := tallyIn(r.total, cur)
	t.net += sign * net
	t.vat += sign * vat
	t.gross += sign * (net + vat)
	if r.groupBy != "" {
		key := groupKey(date, r.groupBy)
		if r.groups[key] == nil {
			r.groups[key] = map[string]*tally{}
		}
		g := tallyIn(r.groups[key], cur)
		g.net += sign * net
		g.vat += sign * vat
		g.gross += sign * (net + vat)
	}
	return t
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

func ore(v float64) int64    { return int64(math.Round(v * 100)) }
func kroner(o int64) float64 { return float64(o) / 100 }
func amounts(cur string, t *tally) Amounts {
	return Amounts{Currency: cur, Net: kroner(t.net), VAT: kroner(t.vat), Gross: kroner(t.gross)}
}

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
	r := newRevenue(in.GroupBy)
	var err error
	if basis == "payment" {
		out.BasisExplained = "Money received by payment date: bank payments dated in the period (voided ones left out), each split into net and VAT " +
			"in proportion to the invoice it paid; refunds of credit notes subtract. A credit note set off against an unpaid invoice lowers what is paid " +
			"instead. Amounts are in each invoice's currency and never converted."
		err = p.paymentRevenue(ctx, call, in, r)
	} else {
		out.BasisExplained = "Approved invoices by invoice date (drafts and voided invoices left out): net is the amount excluding VAT; credit notes dated " +
			"in the period subtract. Amounts are in each invoice's currency and never converted. Outstanding and overdue are as of now."
		err = p.invoiceRevenue(ctx, call, in, r)
	}
	if err != nil {
		return out, err
	}
	out.StartDate, out.EndDate, out.Basis, out.GroupBy = in.StartDate, in.EndDate, basis, in.GroupBy
	out.Currencies = []CurrencyRevenue{}
	for _, cur := range sortedKeys(r.total) {
		t := r.total[cur]
		cr := CurrencyRevenue{Amounts: amounts(cur, t), Invoices: len(t.invoices), CreditNotes: len(t.creditNotes), Payments: len(t.payments)}
		if basis == "invoice" {
			o, n := kroner(t.outstanding), t.overdue
			cr.Outstanding, cr.Overdue = &o, &n
		}
		out.Currencies = append(out.Currencies, cr)
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
			sign := int64(1)
			if inv.Type == "creditNote" {
				sign = -1
			}
			t := r.add(inv.CurrencyID, inv.EntryDate, sign, ore(inv.Amount), ore(inv.GrossAmount)-ore(inv.Amount))
			if inv.Type == "creditNote" {
				t.creditNotes[inv.ID] = true
				continue
			}
			t.invoices[inv.ID] = true
			t.outstanding += ore(inv.Balance)
			if summaryOf(inv, "", today).IsOverdue {
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
				settled := ore(math.Abs(part.Amount))
				if settled == 0 && len(parts) == 1 {
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
				sign := int64(1)
				if inv.Type == "creditNote" {
					sign = -1
				}
				t := r.add(inv.CurrencyID, bp.EntryDate, sign, net, vat)
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
func cashSettled(bp billyBankPayment) int64 {
	settled := bp.CashAmount + bp.FeeAmount
	if bp.CashSide == "credit" {
		settled = bp.CashAmount - bp.FeeAmount
	}
	if bp.CashExchangeRate > 0 {
		settled /= bp.CashExchangeRate
	}
	return ore(settled)
}

// splitGross splits a paid gross amount into net and VAT in the proportion
// of the invoice it paid.
func splitGross(gross int64, inv billyInvoice) (net, vat int64) {
	g := ore(inv.GrossAmount)
	if g == 0 {
		return gross, 0
	}
	net = int64(math.Round(float64(gross) * float64(ore(inv.Amount)) / float64(g)))
	return net, gross - net
}
