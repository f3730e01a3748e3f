package moms

import (
	"context"
	"fmt"
	"github.com/billy-mcp/billy-mcp/plugins/internal/dkfmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/shopspring/decimal"
)

// bookkeeping_check: what bogføringsloven (LOV 700/2022) asks for that the
// books in Billy lack, found only from what Billy's API has (reference
// § 3). Billy is a registered standard system and carries the system duties
// (§ 15); these are the business's own: reconciled bank, a voucher behind
// every entry, sequential invoice numbers, no entries in reported periods,
// and returns settled by their deadline.

// BookkeepingInput is the input of bookkeeping_check.
type BookkeepingInput struct {
	Period string `json:"period,omitempty" jsonschema:"as moms_return's; default the fiscal year to date"`
}

// BookkeepingOutput is the output of bookkeeping_check.
type BookkeepingOutput struct {
	Start    string    `json:"start"`
	End      string    `json:"end"`
	Checks   []Check   `json:"checks"`
	Findings []Finding `json:"findings"`
	Summary  string    `json:"summary"`
}

// Check is one check and how it went.
type Check struct {
	Name   string `json:"name"`
	Result string `json:"result" jsonschema:"ok, findings or not_checked"`
	Detail string `json:"detail"`
}

// maxRecordsListed bounds the records one finding names.
const maxRecordsListed = 25

func (p *plugin) bookkeepingCheckTool() sdk.Tool {
	return sdk.NewTool(booksSpec(sdk.ToolSpec{
		Name:  "bookkeeping_check",
		Title: "Bookkeeping check (bogføringsloven)",
		Description: "Checks the books in Billy against bogføringsloven: unreconciled bank lines, missing vouchers, invoice number " +
			"gaps, entries in settled VAT periods, overdue returns.",
		Examples: []sdk.Example{{Title: "The fiscal year to date", Arguments: BookkeepingInput{}}, {Title: "A quarter", Arguments: BookkeepingInput{Period: "2026-Q1"}}},
	}), p.bookkeepingCheck)
}

func (p *plugin) bookkeepingCheck(ctx context.Context, call *sdk.Call, in BookkeepingInput) (BookkeepingOutput, error) {
	var org organization
	if err := billyGet(ctx, call, "/organization", nil, "organization", &org); err != nil {
		return BookkeepingOutput{}, err
	}
	today := p.today()
	var v vatPeriod
	if in.Period != "" {
		var err error
		if v, err = parsePeriod("period", in.Period); err != nil {
			return BookkeepingOutput{}, err
		}
	} else {
		end := org.FiscalYearEndMonth
		if end < 1 || end > 12 {
			end = 12
		}
		fy, _, _, err := fiscalYear(today, monthOf(end), org.FirstFiscalYearStart, org.FirstFiscalYearEnd)
		if err != nil {
			// The first year's dates in Billy could not be read: the
			// plain fiscal year still places today.
			fy, _, _, _ = fiscalYear(today, monthOf(end), "", "")
		}
		s, _ := parseDay(fy.Start)
		v = vatPeriod{Label: fy.Start + ".." + isoDay(today), Kind: kindCustom, Start: s, End: today}
	}
	out := BookkeepingOutput{Start: isoDay(v.Start), End: isoDay(v.End)}
	cfg := p.settings()
	span := periodQuery(v)
	accts, err := billyList[account](ctx, call, "/accounts", nil, "accounts", nil)
	if err != nil {
		return out, err
	}
	byID := map[string]account{}
	for _, a := range accts {
		byID[a.ID] = a
	}
	type checkFn func() (Check, []Finding, error)
	checks := []checkFn{
		func() (Check, []Finding, error) { return checkBank(ctx, call, accts, span) },
		func() (Check, []Finding, error) { return checkVouchers(ctx, call, span) },
		func() (Check, []Finding, error) { return checkNumbering(ctx, call, span) },
		func() (Check, []Finding, error) { return checkSettledPeriods(ctx, call, v, byID, cfg, today) },
	}
	for _, c := range checks {
		chk, f, err := c()
		if err != nil {
			return out, err
		}
		out.Checks = append(out.Checks, chk)
		out.Findings = append(out.Findings, f...)
	}
	if out.Findings == nil {
		out.Findings = []Finding{}
	}
	n := map[string]int{}
	for _, f := range out.Findings {
		n[f.Severity]++
	}
	notChecked := 0
	for _, c := range out.Checks {
		if c.Result == "not_checked" {
			notChecked++
		}
	}
	out.Summary = fmt.Sprintf("%s – %s: %d errors, %d warnings, %d notes; %d of %d checks could not be made from Billy's data.",
		dkfmt.Date(v.Start), dkfmt.Date(v.End), n[sevError], n[sevWarning], n[sevInfo], notChecked, len(out.Checks))
	return out, nil
}

func monthOf(m int) time.Month { return time.Month(m) }

// listOrMissing lists a resource, reporting a Billy without it (404) as
// missing rather than failing.
func listOrMissing[T any](ctx context.Context, call *sdk.Call, path string, q url.Values, root string) ([]T, bool, error) {
	recs, err := billyList[T](ctx, call, path, q, root, nil)
	switch {
	case err == nil:
		return recs, true, nil
	case isNotFound(err):
		return nil, false, nil
	}
	return nil, false, err
}

type bankLine struct {
	ID           string `json:"id"`
	AccountID    string `json:"accountId"`
	EntryDate    string `json:"entryDate"`
	Description  string `json:"description"`
	Amount       Exact  `json:"amount"`
	Side         string `json:"side"`
	MatchID      string `json:"matchId"`
	IsReconciled *bool  `json:"isReconciled"`
}

// checkBank: bank lines not reconciled (bogføringsloven § 11: reconcile so
// that filings rest on updated figures). Billy's bankLines need an account
// (billy-api.md §4.2); where Billy answers none, the bank postings not
// matched to a bank line are reported instead.
func checkBank(ctx context.Context, call *sdk.Call, accts []account, span func() url.Values) (Check, []Finding, error) {
	chk := Check{Name: "bank_reconciliation"}
	var findings []Finding
	banks := 0
	fallback := false
	for _, a := range accts {
		if !a.IsBankAccount || a.IsArchived {
			continue
		}
		banks++
		q := span()
		q.Set("accountId", a.ID)
		lines, ok, err := listOrMissing[bankLine](ctx, call, "/bankLines", q, "bankLines")
		if err != nil {
			return chk, nil, err
		}
		if ok {
			var open []string
			sum := decZero
			for _, l := range lines {
				reconciled := l.MatchID != ""
				if l.IsReconciled != nil {
					reconciled = *l.IsReconciled
				}
				if !reconciled {
					open = append(open, "bankLine:"+l.ID)
					sum = sum.Add(signed(l.Amount.Dec(), l.Side))
				}
			}
			if len(open) > 0 {
				findings = append(findings, Finding{Rule: "bogføringsloven § 11 (afstemning)", Severity: sevWarning,
					Message: fmt.Sprintf("%d bank line(s) on %d %s are not reconciled (net %s): match them before the VAT return is filed", len(open), a.AccountNo, a.Name, kr(sum)),
					Records: capRecords(open)})
			}
			continue
		}
		fallback = true
		q = span()
		q.Set("accountId", a.ID)
		q.Set("isBankMatched", "false")
		ps, err := billyList[posting](ctx, call, "/postings", q, "postings", nil)
		if err != nil {
			return chk, nil, err
		}
		var open []string
		sum := decZero
		for _, ps := range ps {
			if !ps.IsBankMatched && !ps.IsVoided {
				open = append(open, "posting:"+ps.ID)
				sum = sum.Add(signed(ps.Amount.Dec(), ps.Side))
			}
		}
		if len(open) > 0 {
			findings = append(findings, Finding{Rule: "bogføringsloven § 11 (afstemning)", Severity: sevInfo,
				Message: fmt.Sprintf("%d posting(s) on bank account %d %s are not matched to a bank line (net %s); this Billy answers no bank lines, so the statement side was not seen", len(open), a.AccountNo, a.Name, kr(sum)),
				Records: capRecords(open)})
		}
	}
	switch {
	case banks == 0:
		chk.Result, chk.Detail = "not_checked", "the chart has no bank account"
	case len(findings) > 0:
		chk.Result, chk.Detail = "findings", fmt.Sprintf("%d bank account(s) checked", banks)
	default:
		chk.Result, chk.Detail = "ok", fmt.Sprintf("%d bank account(s): everything reconciled", banks)
	}
	if fallback {
		chk.Detail += "; Billy answered no bank lines, so bank postings not matched to a line were checked instead"
	}
	return chk, findings, nil
}

func signed(d decimal.Decimal, side string) decimal.Decimal {
	if side == "credit" {
		return d.Neg()
	}
	return d
}

func capRecords(r []string) []string {
	if len(r) > maxRecordsListed {
		return append(r[:maxRecordsListed:maxRecordsListed], fmt.Sprintf("… and %d more", len(r)-maxRecordsListed))
	}
	return r
}

type daybookTransaction struct {
	ID            string     `json:"id"`
	EntryDate     string     `json:"entryDate"`
	VoucherNo     flexString `json:"voucherNo"`
	Description   string     `json:"description"`
	State         string     `json:"state"`
	AttachmentIDs []string   `json:"attachmentIds"`
	Attachments   []struct {
		ID string `json:"id"`
	} `json:"attachments"`
	Lines []daybookLine `json:"lines"`
}

// daybookLine is a line of a daybook entry (billy-api.md §7.9): its
// amount on accountId, on side, with the contra account on the other.
type daybookLine struct {
	ID        string `json:"id"`
	Text      string `json:"text"`
	AccountID string `json:"accountId"`
	TaxRateID string `json:"taxRateId"`
	Amount    Exact  `json:"amount"`
	Side      string `json:"side"`
}

type attachment struct {
	ID             string `json:"id"`
	OwnerReference string `json:"ownerReference"`
}

// checkVouchers: bills and daybook entries without an attached voucher
// (bogføringsloven § 9: every entry is documented by a voucher). A sales
// invoice issued in Billy is its own voucher.
func checkVouchers(ctx context.Context, call *sdk.Call, span func() url.Values) (Check, []Finding, error) {
	chk := Check{Name: "vouchers"}
	type owner struct{ ref, no, date string }
	var owners []owner
	attached := map[string]bool{}
	needLookup := false
	// Bills.
	bq := span()
	bq.Set("state", "approved")
	bq.Set("include", "bill.attachments:sideload")
	bills, err := billyList[bill](ctx, call, "/bills", bq, "bills", nil)
	if err != nil && refused(err) {
		bq.Del("include")
		bills, err = billyList[bill](ctx, call, "/bills", bq, "bills", nil)
		needLookup = true
	}
	billsOK := true
	switch {
	case err == nil:
	case isNotFound(err):
		billsOK = false
	default:
		return chk, nil, err
	}
	for _, b := range bills {
		ref := "bill:" + b.ID
		owners = append(owners, owner{ref, firstNonEmpty(string(b.VoucherNo), b.SuppliersInvoiceNo), b.EntryDate})
		if len(b.AttachmentIDs) > 0 || len(b.Attachments) > 0 {
			attached[ref] = true
		}
	}
	// Daybook entries.
	dq := span()
	dq.Set("state", "approved")
	dq.Set("include", "daybookTransaction.attachments:sideload")
	dts, err := billyList[daybookTransaction](ctx, call, "/daybookTransactions", dq, "daybookTransactions", nil)
	if err != nil && refused(err) {
		dq.Del("include")
		dts, err = billyList[daybookTransaction](ctx, call, "/daybookTransactions", dq, "daybookTransactions", nil)
		needLookup = true
	}
	daybookOK := true
	switch {
	case err == nil:
	case isNotFound(err):
		daybookOK = false
	default:
		return chk, nil, err
	}
	for _, d := range dts {
		ref := "daybookTransaction:" + d.ID
		owners = append(owners, owner{ref, string(d.VoucherNo), d.EntryDate})
		if len(d.AttachmentIDs) > 0 || len(d.Attachments) > 0 {
			attached[ref] = true
		}
	}
	if !billsOK && !daybookOK {
		chk.Result, chk.Detail = "not_checked", "this Billy answers neither bills nor daybook transactions"
		return chk, nil, nil
	}
	if needLookup && len(owners) > 0 {
		// The include was refused: read the attachments by owner.
		atts, ok, err := listOrMissing[attachment](ctx, call, "/attachments", nil, "attachments")
		if err != nil {
			return chk, nil, err
		}
		if !ok {
			chk.Result, chk.Detail = "not_checked", "this Billy answers no attachments, so vouchers could not be seen"
			return chk, nil, nil
		}
		for _, a := range atts {
			attached[a.OwnerReference] = true
		}
	}
	var missing []string
	for _, o := range owners {
		if !attached[o.ref] {
			missing = append(missing, o.ref)
		}
	}
	sort.Strings(missing)
	var findings []Finding
	if len(missing) > 0 {
		findings = append(findings, Finding{Rule: "bogføringsloven § 9 (every entry is documented by a voucher)", Severity: sevWarning,
			Message: fmt.Sprintf("%d of %d bills and daybook entries have no voucher attached: attach the supplier's invoice or receipt", len(missing), len(owners)),
			Records: capRecords(missing)})
		chk.Result = "findings"
	} else {
		chk.Result = "ok"
	}
	chk.Detail = fmt.Sprintf("%d bills and daybook entries checked; sales invoices issued in Billy are their own vouchers", len(owners))
	if !billsOK {
		chk.Detail += "; this Billy answers no bills"
	}
	if !daybookOK {
		chk.Detail += "; this Billy answers no daybook transactions"
	}
	return chk, findings, nil
}

// checkNumbering: gaps and duplicates in the invoice numbers of the period
// (momsbek. § 58 stk. 1 nr. 2: a sequential number from one or more
// series; reference § 2.4). Approved and voided invoices and credit notes
// keep their numbers.
func checkNumbering(ctx context.Context, call *sdk.Call, span func() url.Values) (Check, []Finding, error) {
	chk := Check{Name: "invoice_numbering"}
	type numbered struct {
		n   int64
		ref string
	}
	series := map[string][]numbered{}
	count := 0
	for _, state := range []string{"approved", "voided"} {
		q := span()
		q.Set("state", state)
		invs, err := billyList[invoice](ctx, call, "/invoices", q, "invoices", nil)
		if err != nil {
			return chk, nil, err
		}
		for _, inv := range invs {
			if inv.InvoiceNo == "" {
				continue
			}
			count++
			s, n, ok := splitInvoiceNo(string(inv.InvoiceNo))
			if !ok {
				continue
			}
			series[s] = append(series[s], numbered{n, "invoice:" + inv.ID})
		}
	}
	var findings []Finding
	names := make([]string, 0, len(series))
	for s := range series {
		names = append(names, s)
	}
	sort.Strings(names)
	for _, s := range names {
		nums := series[s]
		sort.Slice(nums, func(i, j int) bool { return nums[i].n < nums[j].n })
		label := strings.Replace(s, "#", "N", 1)
		var gaps []string
		missingCount := int64(0)
		for i := 1; i < len(nums); i++ {
			prev, cur := nums[i-1], nums[i]
			if cur.n == prev.n {
				findings = append(findings, Finding{Rule: "momsbek. § 58 stk. 1 nr. 2", Severity: sevError,
					Message: fmt.Sprintf("invoice number %s is used twice", strings.Replace(s, "#", fmt.Sprint(cur.n), 1)),
					Records: []string{prev.ref, cur.ref}})
				continue
			}
			if cur.n > prev.n+1 {
				missingCount += cur.n - prev.n - 1
				if len(gaps) < 10 {
					if cur.n == prev.n+2 {
						gaps = append(gaps, fmt.Sprint(prev.n+1))
					} else {
						gaps = append(gaps, fmt.Sprintf("%d-%d", prev.n+1, cur.n-1))
					}
				}
			}
		}
		if missingCount > 0 {
			findings = append(findings, Finding{Rule: "momsbek. § 58 stk. 1 nr. 2; reference § 2.4", Severity: sevWarning,
				Message: fmt.Sprintf("the series %s has %d number(s) missing in the period: %s. A number may belong to an invoice dated outside the period; otherwise explain the gap (a deleted draft keeps no number in Billy)",
					label, missingCount, strings.Join(gaps, ", "))})
		}
	}
	chk.Result, chk.Detail = "ok", fmt.Sprintf("%d numbered invoices and credit notes in %d series", count, len(series))
	if len(findings) > 0 {
		chk.Result = "findings"
	}
	return chk, findings, nil
}

// checkSettledPeriods: entries dated in a VAT period Billy has settled
// (BEK 205/2024 § 3 stk. 3 as the reference cites it: no entries in closed
// or reported periods; bogføringsloven § 9 stk. 3: a correction shows as
// one), and returns not settled or paid by their deadline (ML § 57).
func checkSettledPeriods(ctx context.Context, call *sdk.Call, v vatPeriod, accounts map[string]account, cfg *settings, today time.Time) (Check, []Finding, error) {
	chk := Check{Name: "vat_periods"}
	returns, ok, err := listOrMissing[salesTaxReturn](ctx, call, "/salesTaxReturns", nil, "salesTaxReturns")
	if err != nil {
		return chk, nil, err
	}
	if !ok {
		chk.Result, chk.Detail = "not_checked", "this Billy answers no salesTaxReturns"
		return chk, nil, nil
	}
	var findings []Finding
	start, end := isoDay(v.Start), isoDay(v.End)
	settled := 0
	for _, r := range returns {
		if r.EndDate < start || r.StartDate > end {
			continue
		}
		label := firstNonEmpty(r.PeriodText, r.Period, r.StartDate+".."+r.EndDate)
		if !r.IsSettled {
			if r.ReportDeadline != "" && r.ReportDeadline < isoDay(today) {
				findings = append(findings, Finding{Rule: "ML § 57 stk. 2-4; bogføringsloven § 11", Severity: sevError,
					Message: fmt.Sprintf("the VAT return for %s was due %s and Billy has not settled it: file it (or, if filed, settle it in Billy)", label, danishDayISO(r.ReportDeadline)),
					Records: []string{"salesTaxReturn:" + r.ID}})
			}
			continue
		}
		settled++
		if !r.IsPaid && r.ReportDeadline != "" && r.ReportDeadline < isoDay(today) {
			findings = append(findings, Finding{Rule: "ML § 57 stk. 2-4 (file and pay by the same day)", Severity: sevWarning,
				Message: fmt.Sprintf("the VAT return for %s is settled but Billy does not mark it paid, and its deadline %s has passed", label, danishDayISO(r.ReportDeadline)),
				Records: []string{"salesTaxReturn:" + r.ID}})
		}
		late, err := lateEntries(ctx, call, r, accounts, cfg)
		if err != nil {
			return chk, nil, err
		}
		if len(late) > 0 {
			findings = append(findings, Finding{Rule: "BEK 205/2024 § 3 stk. 3; bogføringsloven § 9 stk. 3", Severity: sevWarning,
				Message: fmt.Sprintf("%d entr(ies) dated in %s were made after the period was reported: correct a reported period with a visible correction entry and, if the VAT changes, a corrected return", len(late), label),
				Records: capRecords(late)})
		}
	}
	chk.Result, chk.Detail = "ok", fmt.Sprintf("%d VAT return period(s) in Billy overlap the check, %d settled", countOverlap(returns, start, end), settled)
	if len(findings) > 0 {
		chk.Result = "findings"
	}
	return chk, findings, nil
}

func countOverlap(rs []salesTaxReturn, start, end string) int {
	n := 0
	for _, r := range rs {
		if r.EndDate >= start && r.StartDate <= end {
			n++
		}
	}
	return n
}

// lateEntries finds entries in a settled period made after it was
// reported. Two signs, from what Billy has: a VAT posting in the period
// not tied to the period's return (salesTaxReturnId) while others are, and
// a transaction in the period created after the return's deadline.
func lateEntries(ctx context.Context, call *sdk.Call, r salesTaxReturn, accounts map[string]account, cfg *settings) ([]string, error) {
	q := url.Values{"minEntryDate": {r.StartDate}, "maxEntryDate": {r.EndDate}}
	seen := map[string]bool{}
	var out []string
	var ids []string
	for id, a := range accounts {
		if _, _, ok := accountField(a, cfg); ok {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	var vatPostings []posting
	linked := false
	for _, id := range ids {
		qq := url.Values{"minEntryDate": {r.StartDate}, "maxEntryDate": {r.EndDate}, "accountId": {id}}
		ps, err := billyList[posting](ctx, call, "/postings", qq, "postings", nil)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if p.IsVoided {
				continue
			}
			vatPostings = append(vatPostings, p)
			if p.SalesTaxReturnID == r.ID {
				linked = true
			}
		}
	}
	if linked {
		for _, p := range vatPostings {
			if p.SalesTaxReturnID != r.ID && !seen["transaction:"+p.TransactionID] {
				seen["transaction:"+p.TransactionID] = true
				out = append(out, "transaction:"+p.TransactionID)
			}
		}
	}
	if r.ReportDeadline != "" {
		txs, err := billyList[transaction](ctx, call, "/transactions", q, "transactions", nil)
		if err != nil {
			return nil, err
		}
		for _, t := range txs {
			if t.IsVoided || len(t.CreatedTime) < 10 || t.CreatedTime[:10] <= r.ReportDeadline {
				continue
			}
			if origin, _, _ := strings.Cut(t.OriginatorReference, ":"); strings.HasPrefix(origin, "salesTax") {
				continue // the settlement itself
			}
			if !seen["transaction:"+t.ID] {
				seen["transaction:"+t.ID] = true
				out = append(out, "transaction:"+t.ID)
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

func danishDayISO(s string) string {
	if d, ok := parseDay(s); ok {
		return dkfmt.Date(d)
	}
	return s
}
