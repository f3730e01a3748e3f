package moms

import (
	"context"
	"fmt"
	"github.com/billy-mcp/billy-mcp/plugins/internal/dkfmt"
	"net/url"
	"sort"
	"strings"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/shopspring/decimal"
)

// moms_return: the Danish VAT return for a period, computed from the books
// in Billy (which exposes no return figures of its own) or from totals the
// caller gives.

// ReturnInput is the input of moms_return.
type ReturnInput struct {
	Period   string            `json:"period,omitempty" jsonschema:"2026-Q1, 2026-H1, 2026-03 or 2026-01-01..2026-03-31; default the last ended period"`
	Totals   map[string]Number `json:"totals,omitempty" jsonschema:"DKK by field key: compute from these, not the books"`
	Evidence *int              `json:"evidence,omitempty" jsonschema:"records listed per field, default 20"`
}

// ReturnOutput is the output of moms_return.
type ReturnOutput struct {
	Period         string          `json:"period"`
	Start          string          `json:"start,omitempty"`
	End            string          `json:"end,omitempty"`
	Source         string          `json:"source" jsonschema:"books or totals"`
	Fields         []ReturnField   `json:"fields"`
	Afgiftstilsvar Number          `json:"afgiftstilsvar" jsonschema:"whole kroner; positive is owed, negative refunded"`
	Deadline       *ReturnDeadline `json:"deadline,omitempty"`
	Billy          *BillyReturn    `json:"billy,omitempty"`
	EUSalesList    []EUSale        `json:"eu_sales_list,omitempty"`
	Complete       bool            `json:"complete" jsonschema:"false if some records could not be placed (see findings)"`
	Findings       []Finding       `json:"findings,omitempty"`
	Summary        string          `json:"summary"`
}

// ReturnDeadline is when the return must be filed and paid.
type ReturnDeadline struct {
	Date         string   `json:"date"`
	Nominal      string   `json:"nominal"`
	MovedBecause []string `json:"moved_because,omitempty"`
	Billy        string   `json:"billy,omitempty" jsonschema:"the reportDeadline Billy has for the period"`
	Note         string   `json:"note,omitempty"`
}

// BillyReturn is the period's salesTaxReturn in Billy.
type BillyReturn struct {
	ID       string `json:"id"`
	Settled  bool   `json:"settled"`
	Paid     bool   `json:"paid"`
	Deadline string `json:"deadline,omitempty"`
}

const (
	defaultEvidence = 20
	maxEvidence     = 500
)

func (p *plugin) momsReturnTool() sdk.Tool {
	return sdk.NewTool(booksSpec(sdk.ToolSpec{
		Name:  "moms_return",
		Title: "Danish VAT return (momsangivelse)",
		Description: "The Danish VAT return for a period from the books in Billy: every field with its records, the EU sales list, " +
			"the deadline; or from given totals.",
		Examples: []sdk.Example{
			{Title: "The last ended period", Arguments: ReturnInput{}},
			{Title: "From totals", Arguments: ReturnInput{Period: "2026-Q1", Totals: map[string]Number{"salgsmoms": 25000.75, "koebsmoms": 8000.40}}},
		},
	}), p.momsReturn)
}

func (p *plugin) momsReturn(ctx context.Context, call *sdk.Call, in ReturnInput) (ReturnOutput, error) {
	cfg := p.settings()
	limit := defaultEvidence
	if in.Evidence != nil {
		if *in.Evidence < 0 || *in.Evidence > maxEvidence {
			return ReturnOutput{}, sdk.Invalid("evidence", "must be between 0 and %d, got %d", maxEvidence, *in.Evidence)
		}
		limit = *in.Evidence
	}
	if in.Totals != nil {
		return p.returnFromTotals(in, cfg)
	}
	return p.returnFromBooks(ctx, call, in, cfg, limit)
}

// returnFromTotals is the input mode: the same arithmetic over amounts the
// caller gives, so a figure can be checked by hand.
func (p *plugin) returnFromTotals(in ReturnInput, cfg *settings) (ReturnOutput, error) {
	b := newBook()
	keys := make([]string, 0, len(in.Totals))
	for k := range in.Totals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f, ok := fieldByKey(fieldKey(k))
		if !ok {
			var all []string
			for _, f := range returnFields {
				all = append(all, string(f.key))
			}
			return ReturnOutput{}, sdk.Invalid("totals."+k, "is not a field of the return; the fields are %s", strings.Join(all, ", "))
		}
		d := in.Totals[k].Dec()
		if !d.Equal(ore(d)) {
			return ReturnOutput{}, sdk.Invalid("totals."+k, "has more than 2 decimals; amounts are in kroner and øre, got %s", plain(d))
		}
		if d.Abs().GreaterThanOrEqual(decimalMillion(1_000_000)) {
			return ReturnOutput{}, sdk.Invalid("totals."+k, "must be less than 10^12 kr. in absolute value, got %s", plain(d))
		}
		b.add(f.key, recordRef{Record: "input:totals." + k}, d, "given")
	}
	out := ReturnOutput{Source: "totals", Complete: true}
	out.Fields, out.Afgiftstilsvar = settleFields(b, cfg)
	if in.Period != "" {
		v, err := parsePeriod("period", in.Period)
		if err != nil {
			return ReturnOutput{}, err
		}
		out.Period, out.Start, out.End = v.Label, isoDay(v.Start), isoDay(v.End)
		out.Deadline = deadlineOf(v, nil)
	}
	out.Summary = summaryOf(out)
	return out, nil
}

func settleFields(b *book, cfg *settings) ([]ReturnField, Number) {
	fields, tilsvar := b.settle(cfg.rounding, 0)
	for i := range fields {
		fields[i].Evidence, fields[i].MoreRecords, fields[i].MoreAmount = nil, 0, nil
	}
	return fields, numberOf(tilsvar)
}

// deadlineOf is the period's statutory deadline, compared with Billy's.
func deadlineOf(v vatPeriod, sr *salesTaxReturn) *ReturnDeadline {
	nominal, deadline, moved, ok := v.deadline()
	if !ok {
		if sr != nil && sr.ReportDeadline != "" {
			return &ReturnDeadline{Date: sr.ReportDeadline, Billy: sr.ReportDeadline, Note: "a custom span has no statutory deadline; this is Billy's"}
		}
		return nil
	}
	d := &ReturnDeadline{Date: isoDay(deadline), Nominal: isoDay(nominal), MovedBecause: moved}
	if note, ok := skatDiscrepancies[v.Label]; ok {
		d.Note = note
	}
	if sr != nil && sr.ReportDeadline != "" {
		d.Billy = sr.ReportDeadline
		if sr.ReportDeadline != d.Date {
			d.Note = strings.TrimSpace(d.Note + " Billy has " + sr.ReportDeadline + " for this period; the statute plus roll-forward gives " + d.Date + ". skat.dk's calendar decides.")
		}
	}
	return d
}

// summaryOf says the result for people, in Danish formats.
func summaryOf(out ReturnOutput) string {
	var b strings.Builder
	if out.Period != "" {
		fmt.Fprintf(&b, "Momsangivelse %s", out.Period)
		if s, ok1 := parseDay(out.Start); ok1 {
			e, _ := parseDay(out.End)
			fmt.Fprintf(&b, " (%s – %s)", dkfmt.Date(s), dkfmt.Date(e))
		}
		b.WriteString(": ")
	}
	t := out.Afgiftstilsvar.Dec()
	switch {
	case t.IsPositive():
		fmt.Fprintf(&b, "afgiftstilsvar %s to pay", wholeKr(t))
	case t.IsNegative():
		fmt.Fprintf(&b, "afgiftstilsvar %s to get back", wholeKr(t.Neg()))
	default:
		b.WriteString("afgiftstilsvar 0 kr. (a zero return must still be filed)")
	}
	if out.Deadline != nil {
		if d, ok := parseDay(out.Deadline.Date); ok {
			fmt.Fprintf(&b, ", file and pay by %s", dkfmt.Date(d))
		}
	}
	b.WriteString(".")
	if out.Billy != nil {
		if out.Billy.Settled {
			b.WriteString(" Billy marks the period settled.")
		} else {
			b.WriteString(" Billy has not settled the period.")
		}
	}
	if !out.Complete {
		b.WriteString(" Incomplete: some records could not be placed on the return (see findings).")
	}
	return b.String()
}

// returnFromBooks reads the period's records from Billy and computes the
// return.
func (p *plugin) returnFromBooks(ctx context.Context, call *sdk.Call, in ReturnInput, cfg *settings, limit int) (ReturnOutput, error) {
	var org organization
	if err := billyGet(ctx, call, "/organization", nil, "organization", &org); err != nil {
		return ReturnOutput{}, err
	}
	if org.BaseCurrencyID != "" && !strings.EqualFold(org.BaseCurrencyID, "DKK") {
		return ReturnOutput{}, sdk.NewError(sdk.CategoryValidation, "base_currency_not_dkk",
			"the organization keeps its books in %s; the Danish VAT return is computed in DKK from books kept in DKK", org.BaseCurrencyID)
	}
	var v vatPeriod
	var findings []Finding
	if in.Period != "" {
		var err error
		if v, err = parsePeriod("period", in.Period); err != nil {
			return ReturnOutput{}, err
		}
	} else {
		kind, ok := orgPeriodKind(org)
		if !ok {
			return ReturnOutput{}, sdk.Invalid("period", "the organization's VAT period (vatPeriod %q) is not one this tool knows; give the period, e.g. 2026-Q1", org.VatPeriod)
		}
		v = lastEnded(kind, p.today())
	}
	if kind, ok := orgPeriodKind(org); ok && v.Kind != kindCustom && kind != v.Kind {
		findings = append(findings, Finding{Rule: "ML § 57 stk. 2-4", Severity: sevWarning,
			Message: fmt.Sprintf("the organization files %s in Billy, but %s is a %s period", strings.ReplaceAll(kind, "_", "-"), v.Label, strings.ReplaceAll(v.Kind, "_", "-"))})
	}
	bk, err := readBooks(ctx, call, v, cfg)
	if err != nil {
		return ReturnOutput{}, err
	}
	res := computeReturn(bk, v, cfg)
	out := ReturnOutput{Period: v.Label, Start: isoDay(v.Start), End: isoDay(v.End), Source: "books", Complete: res.complete}
	fields, tilsvar := res.book.settle(cfg.rounding, limit)
	out.Fields, out.Afgiftstilsvar = fields, numberOf(tilsvar)
	list, goods, services := res.eu.lines(cfg.rounding)
	out.EUSalesList = list
	findings = append(findings, res.findings...)
	findings = append(findings, checkEUList(list, goods, services, res.book, cfg.rounding)...)
	sr := matchReturn(bk.returns, v)
	out.Deadline = deadlineOf(v, sr)
	if sr != nil {
		out.Billy = &BillyReturn{ID: sr.ID, Settled: sr.IsSettled, Paid: sr.IsPaid, Deadline: sr.ReportDeadline}
	} else if bk.returnsRead {
		findings = append(findings, Finding{Rule: "billy-api.md §7.5 (salesTaxReturns)", Severity: sevInfo,
			Message: "Billy has no salesTaxReturn for exactly this period, so whether it is settled is not known"})
	}
	today := p.today()
	if !v.End.Before(today) {
		findings = append(findings, Finding{Rule: "ML § 57", Severity: sevInfo,
			Message: fmt.Sprintf("the period ends %s and has not ended yet: the figures can still change", dkfmt.Date(v.End))})
	} else if out.Deadline != nil && out.Billy != nil && !out.Billy.Settled {
		if d, ok := parseDay(out.Deadline.Date); ok && d.Before(today) {
			findings = append(findings, Finding{Rule: "ML § 57 stk. 2-4; bogføringsloven § 11", Severity: sevWarning,
				Message: fmt.Sprintf("the deadline %s has passed and Billy has not settled the period: if the return was filed, settle it in Billy; if not, file it now (SKAT sets a provisional assessment and charges 800 kr. for a missing return)", dkfmt.Date(d)),
				Records: []string{"salesTaxReturn:" + out.Billy.ID}})
		}
	}
	out.Findings = findings
	out.Summary = summaryOf(out)
	return out, nil
}

// matchReturn finds the period's salesTaxReturn: the same dates, the
// latest correction.
func matchReturn(rs []salesTaxReturn, v vatPeriod) *salesTaxReturn {
	var best *salesTaxReturn
	for i := range rs {
		r := &rs[i]
		if r.StartDate == isoDay(v.Start) && r.EndDate == isoDay(v.End) && (best == nil || r.CorrectionNo > best.CorrectionNo) {
			best = r
		}
	}
	return best
}

// books is what the return is computed from: the period's records.
type books struct {
	taxRates     map[string]taxRate
	accounts     map[string]account
	contacts     map[string]contact
	invoices     []invoice
	bills        []bill
	billsRead    bool // false when this Billy has no bills resource
	daybook      []daybookTransaction
	transactions map[string]transaction
	postings     []posting
	returns      []salesTaxReturn
	returnsRead  bool
}

// readBooks reads what the return needs for the period.
func readBooks(ctx context.Context, call *sdk.Call, v vatPeriod, cfg *settings) (*books, error) {
	bk := &books{taxRates: map[string]taxRate{}, accounts: map[string]account{}, contacts: map[string]contact{}, transactions: map[string]transaction{}}
	var err error
	if bk.taxRates, err = readTaxRates(ctx, call); err != nil {
		return nil, err
	}
	accts, err := billyList[account](ctx, call, "/accounts", nil, "accounts", nil)
	if err != nil {
		return nil, err
	}
	for _, a := range accts {
		bk.accounts[a.ID] = a
	}
	span := periodQuery(v)
	iq := span()
	iq.Set("state", "approved")
	iq.Set("include", "invoice.lines:embed,invoice.contact:sideload")
	var contacts []contact
	if bk.invoices, err = billyList[invoice](ctx, call, "/invoices", iq, "invoices", map[string]any{"contacts": &contacts}); err != nil {
		return nil, err
	}
	for _, c := range contacts {
		bk.contacts[c.ID] = c
	}
	bq := span()
	bq.Set("state", "approved")
	bq.Set("include", "bill.lines:embed,bill.contact:sideload")
	contacts = nil
	bk.bills, err = billyList[bill](ctx, call, "/bills", bq, "bills", map[string]any{"contacts": &contacts})
	if err != nil && refused(err) {
		bq.Set("include", "bill.lines:embed")
		bk.bills, err = billyList[bill](ctx, call, "/bills", bq, "bills", nil)
	}
	for _, c := range contacts {
		bk.contacts[c.ID] = c
	}
	switch {
	case err == nil:
		bk.billsRead = true
	case isNotFound(err):
		// A Billy without bills (an old sandbox): the purchases are then
		// only what the ledger has, and the return says so.
	default:
		return nil, err
	}
	// Daybook entries: their VAT reaches the return through the postings
	// below; the lines are read for the rubrik values of entries booked
	// with a zero-rated or reverse-charge rate.
	dq := span()
	dq.Set("state", "approved")
	dq.Set("include", "daybookTransaction.lines:embed")
	bk.daybook, err = billyList[daybookTransaction](ctx, call, "/daybookTransactions", dq, "daybookTransactions", nil)
	if err != nil && !isNotFound(err) && !refused(err) {
		return nil, err
	}
	txs, err := billyList[transaction](ctx, call, "/transactions", span(), "transactions", nil)
	if err != nil {
		return nil, err
	}
	for _, t := range txs {
		bk.transactions[t.ID] = t
	}
	var ledgerAccounts []string
	for _, a := range accts {
		if _, _, ok := accountField(a, cfg); ok {
			ledgerAccounts = append(ledgerAccounts, a.ID)
		}
	}
	sort.Strings(ledgerAccounts)
	for _, id := range ledgerAccounts {
		q := span()
		q.Set("accountId", id)
		ps, err := billyList[posting](ctx, call, "/postings", q, "postings", nil)
		if err != nil {
			return nil, err
		}
		bk.postings = append(bk.postings, ps...)
	}
	bk.returns, err = billyList[salesTaxReturn](ctx, call, "/salesTaxReturns", nil, "salesTaxReturns", nil)
	switch {
	case err == nil:
		bk.returnsRead = true
	case isNotFound(err):
	default:
		return nil, err
	}
	// A buyer or supplier the sideloads did not bring (a fake, an older
	// Billy) is read one by one: the EU sales list needs the buyer's VAT
	// number, rubrik A the supplier's country.
	var ids []string
	for _, inv := range bk.invoices {
		ids = append(ids, inv.ContactID)
	}
	for _, b := range bk.bills {
		ids = append(ids, b.ContactID)
	}
	for _, id := range ids {
		if _, ok := bk.contacts[id]; ok || id == "" {
			continue
		}
		var c contact
		if err := billyGet(ctx, call, "/contacts/"+url.PathEscape(id), nil, "contact", &c); err != nil {
			if isNotFound(err) {
				bk.contacts[id] = contact{ID: id}
				continue
			}
			return nil, err
		}
		bk.contacts[id] = c
	}
	return bk, nil
}

// periodQuery returns a function making a fresh query for the period's
// entry dates (inclusive, billy-api.md §4.2).
func periodQuery(v vatPeriod) func() url.Values {
	return func() url.Values {
		return url.Values{"minEntryDate": {isoDay(v.Start)}, "maxEntryDate": {isoDay(v.End)}}
	}
}

// returnResult is what computeReturn finds.
type returnResult struct {
	book     *book
	eu       *euList
	findings []Finding
	complete bool
}

// unplaced collects the records whose tax rate could not be placed.
type unplaced struct {
	rate    taxRate
	side    side
	records []string
	net     decimal.Decimal
	tax     decimal.Decimal
}

// computeReturn computes the return from the books (no I/O). The rules:
//
//   - Invoices and credit notes (approved, entry date in the period) and
//     bills and their credit notes: per document and tax rate, the lines'
//     net amounts and VAT are summed in the document's currency and
//     converted to DKK at its exchange rate, rounded to øre. A credit note
//     counts negative.
//   - The tax rate's treatment places them (fields.go): Danish VAT on sales
//     to salgsmoms; zero-rated sales' net to rubrik B or C; purchase VAT's
//     deductible share (rounded to øre) to købsmoms; reverse-charge
//     purchases' VAT (the line's VAT, or 25 % of the net when Billy put
//     none) to moms af varekøb or ydelseskøb i udlandet, its deductible
//     share to købsmoms, and EU purchases' net to rubrik A.
//   - A bill line booked straight to a VAT or duty account adds its amount
//     to that field.
//   - The VAT and duty accounts' postings from other transactions (daybook
//     entries, manual postings) add to their field; the settlement of a
//     period (salesTaxReturn, salesTaxPayment) is left out. Postings from
//     invoices and bills are compared with the documents, not added.
func computeReturn(bk *books, v vatPeriod, cfg *settings) returnResult {
	res := returnResult{book: newBook(), eu: newEUList(), complete: true}
	docTotals := map[fieldKey]decimal.Decimal{}
	add := func(f fieldKey, ref recordRef, amount decimal.Decimal, note string) {
		res.book.add(f, ref, amount, note)
		docTotals[f] = docTotals[f].Add(amount)
	}
	lost := map[string]*unplaced{}
	miss := func(rateID string, sd side, ref recordRef, net, tax decimal.Decimal) {
		key := sd.String() + "\x00" + rateID
		u := lost[key]
		if u == nil {
			tr, ok := bk.taxRates[rateID]
			if !ok {
				tr = taxRate{ID: rateID}
			}
			u = &unplaced{rate: tr, side: sd}
			lost[key] = u
		}
		u.records = append(u.records, ref.Record)
		u.net, u.tax = u.net.Add(net), u.tax.Add(tax)
	}
	start, end := isoDay(v.Start), isoDay(v.End)
	inPeriod := func(d string) bool { return d >= start && d <= end }

	for _, inv := range bk.invoices {
		if inv.State != "approved" || !inPeriod(inv.EntryDate) {
			continue
		}
		ref := recordRef{Record: "invoice:" + inv.ID, No: string(inv.InvoiceNo), Date: inv.EntryDate}
		sign := decOne
		kindWord := "invoice"
		if inv.Type == "creditNote" {
			sign, kindWord = decOne.Neg(), "credit note"
		}
		xr, fxNote, ok := exchange(inv.CurrencyID, inv.ExchangeRate)
		if !ok {
			res.findings = append(res.findings, Finding{Rule: "bogføringsloven § 10 (the transaction-day rate)", Severity: sevError,
				Message: fmt.Sprintf("%s %s is in %s without an exchange rate, so it cannot be converted to DKK", kindWord, ref.No, inv.CurrencyID), Records: []string{ref.Record}})
			res.complete = false
			continue
		}
		for _, g := range groupInvoiceLines(inv.Lines) {
			net, tax := ore(g.net.Mul(xr)).Mul(sign), ore(g.tax.Mul(xr)).Mul(sign)
			if g.rateID == "" {
				if !tax.IsZero() || !net.IsZero() {
					miss("", sideSales, ref, net, tax)
				}
				continue
			}
			tr := bk.taxRates[g.rateID]
			cls, ok := classifyTaxRate(tr, sideSales, cfg)
			if !ok {
				miss(g.rateID, sideSales, ref, net, tax)
				continue
			}
			note := rateNote(tr, cls) + fxNote
			if cls.Treatment == tSalesDomestic || !tax.IsZero() {
				// VAT charged is VAT owed, whatever the rate says.
				add(fSalgsmoms, ref, tax, note)
			}
			if !tax.IsZero() && cls.Treatment != tSalesDomestic {
				res.findings = append(res.findings, Finding{Rule: "ML § 52 (VAT charged on an invoice is owed)", Severity: sevWarning,
					Message: fmt.Sprintf("%s %s charges %s VAT on lines whose rate (%s) is %s; the VAT is reported as salgsmoms", kindWord, ref.No, kr(tax), rateName(tr), cls.Treatment.describe()),
					Records: []string{ref.Record}})
			}
			if r := cls.Treatment.rubrik(); r != "" {
				add(r, ref, net, note)
			}
			if cls.Treatment == tSalesEUGoods || cls.Treatment == tSalesEUServices {
				res.addEU(bk, inv, ref, cls.Treatment, net)
			}
		}
	}

	for _, b := range bk.bills {
		if b.State != "approved" || !inPeriod(b.EntryDate) {
			continue
		}
		no := string(b.VoucherNo)
		if no == "" {
			no = b.SuppliersInvoiceNo
		}
		ref := recordRef{Record: "bill:" + b.ID, No: no, Date: b.EntryDate}
		sign := decOne
		kindWord := "bill"
		if b.Type == "creditNote" {
			sign, kindWord = decOne.Neg(), "bill credit note"
		}
		xr, fxNote, ok := exchange(b.CurrencyID, b.ExchangeRate)
		if !ok {
			res.findings = append(res.findings, Finding{Rule: "bogføringsloven § 10 (the transaction-day rate)", Severity: sevError,
				Message: fmt.Sprintf("%s %s is in %s without an exchange rate, so it cannot be converted to DKK", kindWord, no, b.CurrencyID), Records: []string{ref.Record}})
			res.complete = false
			continue
		}
		var rest []billLine
		for _, l := range b.Lines {
			a, ok := bk.accounts[l.AccountID]
			if f, _, isLedger := accountField(a, cfg); ok && isLedger {
				amt := ore(billLineNet(b, l).Mul(xr)).Mul(sign)
				fd, _ := fieldByKey(f)
				if fd.credit {
					// A bill debits the account: that lowers a VAT-owed field.
					amt = amt.Neg()
				}
				add(f, ref, amt, fmt.Sprintf("booked to account %d %s", a.AccountNo, a.Name)+fxNote)
				continue
			}
			rest = append(rest, l)
		}
		for _, g := range groupBillLines(b, rest) {
			net, tax := ore(g.net.Mul(xr)).Mul(sign), ore(g.tax.Mul(xr)).Mul(sign)
			if g.rateID == "" {
				if !tax.IsZero() {
					miss("", sidePurchase, ref, net, tax)
				}
				continue
			}
			tr := bk.taxRates[g.rateID]
			cls, ok := classifyTaxRate(tr, sidePurchase, cfg)
			if !ok {
				miss(g.rateID, sidePurchase, ref, net, tax)
				continue
			}
			note := rateNote(tr, cls) + fxNote
			if sc := bk.contacts[b.ContactID].CountryID; sc != "" && !isEUCountry(sc) {
				// Rubrik A is for purchases from other EU countries only:
				// the same rate used for a supplier outside the EU is a
				// service bought from abroad, or an import.
				switch cls.Treatment {
				case tPurchEUServices:
					cls.Treatment = tPurchWorldServ
					note += "; the supplier is in " + sc + ", outside the EU: not in rubrik A"
				case tPurchEUGoods:
					cls.Treatment = tPurchImport
					note += "; the supplier is in " + sc + ", outside the EU: an import, not in rubrik A"
				}
			}
			// VAT and its deductible share are worked out in the bill's
			// currency and then converted, each to the øre, as the ledger
			// books them (a DKK bill is the same either way).
			toDKK := func(cur decimal.Decimal) decimal.Decimal { return ore(ore(cur).Mul(xr)).Mul(sign) }
			switch {
			case cls.Treatment == tPurchDomestic:
				add(fKoebsmoms, ref, toDKK(g.tax.Mul(cls.Deductible)), note)
			case cls.Treatment.reverseCharge():
				vatCur := g.tax
				if vatCur.IsZero() {
					// Billy put no VAT on the line: the buyer's VAT is 25 %
					// of the value (ML § 33, § 46).
					vatCur = ore(g.net.Mul(vatRate25))
				}
				add(cls.Treatment.selfAssessedField(), ref, toDKK(vatCur), note)
				add(fKoebsmoms, ref, toDKK(vatCur.Mul(cls.Deductible)), note)
				if r := cls.Treatment.rubrik(); r != "" {
					add(r, ref, net, note)
				}
			default:
				if !tax.IsZero() {
					res.findings = append(res.findings, Finding{Rule: "ML § 37 (only VAT on purchases for taxable sales is deductible)", Severity: sevWarning,
						Message: fmt.Sprintf("%s %s has %s VAT on lines whose rate (%s) is %s; it is not deducted", kindWord, no, kr(tax), rateName(tr), cls.Treatment.describe()),
						Records: []string{ref.Record}})
				}
			}
		}
	}
	// Daybook entries booked with a rate that has a rubrik: the line's
	// amount is the value without VAT (a zero-rated sale, or a
	// reverse-charge purchase whose VAT the postings carry).
	for _, d := range bk.daybook {
		if d.State != "approved" || !inPeriod(d.EntryDate) {
			continue
		}
		ref := recordRef{Record: "daybookTransaction:" + d.ID, No: string(d.VoucherNo), Date: d.EntryDate}
		for _, l := range d.Lines {
			tr, ok := bk.taxRates[l.TaxRateID]
			if l.TaxRateID == "" || !ok {
				continue
			}
			sd := sidePurchase
			if tr.AppliesToSales && !tr.AppliesToPurchases {
				sd = sideSales
			}
			cls, ok := classifyTaxRate(tr, sd, cfg)
			if !ok {
				continue
			}
			r := cls.Treatment.rubrik()
			if r == "" {
				continue
			}
			amt := l.Amount.Dec()
			if (l.Side == "credit") != (sd == sideSales) {
				amt = amt.Neg()
			}
			res.book.add(r, ref, amt, rateNote(tr, cls)+", daybook line")
		}
	}
	if !bk.billsRead {
		res.complete = false
		res.findings = append(res.findings, Finding{Rule: "billy-api.md §7.7 (bills)", Severity: sevWarning,
			Message: "this Billy answers no bills, so purchases are only what the ledger's VAT accounts hold from other entries; købsmoms and rubrik A may be short"})
	}

	// The ledger: postings on the VAT and duty accounts.
	ledgerFromDocs := map[fieldKey]decimal.Decimal{}
	mapped := map[fieldKey]bool{}
	for _, a := range bk.accounts {
		if f, _, ok := accountField(a, cfg); ok {
			mapped[f] = true
		}
	}
	for _, ps := range bk.postings {
		// A voided entry stays in the books with the transaction that
		// reverses it (isVoid), dated when it was voided (billy-api.md
		// §7.9; bogføringsloven § 9 stk. 3: the original and the change
		// both visible). Both count, each in its own period: in one period
		// they cancel out; a void after the period corrects the next.
		if !inPeriod(ps.EntryDate) {
			continue
		}
		a := bk.accounts[ps.AccountID]
		f, _, ok := accountField(a, cfg)
		if !ok {
			continue
		}
		tx, haveTx := bk.transactions[ps.TransactionID]
		amt := ps.Amount.Dec()
		if ps.BaseAmount != nil && ps.CurrencyID != "" && !strings.EqualFold(ps.CurrencyID, "DKK") {
			amt = ps.BaseAmount.Dec()
		}
		fd, _ := fieldByKey(f)
		if (ps.Side == "debit") == fd.credit {
			amt = amt.Neg()
		}
		origin, _, _ := strings.Cut(tx.OriginatorReference, ":")
		switch {
		case origin == "invoice" || origin == "bill":
			ledgerFromDocs[f] = ledgerFromDocs[f].Add(amt)
			continue
		case strings.HasPrefix(origin, "salesTax"):
			continue
		}
		ref := recordRef{Record: "posting:" + ps.ID, Date: ps.EntryDate}
		note := fmt.Sprintf("posting on account %d %s", a.AccountNo, a.Name)
		if haveTx {
			ref.Record = "transaction:" + tx.ID
			ref.No = string(tx.VoucherNo)
			if ref.No == "" && tx.TransactionNo != 0 {
				ref.No = fmt.Sprint(tx.TransactionNo)
			}
			if tx.OriginatorName != "" {
				note += ", " + tx.OriginatorName
			} else if tx.OriginatorReference != "" {
				note += ", " + tx.OriginatorReference
			}
			switch {
			case tx.IsVoid:
				note += " (reverses a voided entry)"
			case tx.IsVoided || ps.IsVoided:
				note += " (voided; its reversal counts where it is dated)"
			}
		}
		if ps.Text != "" {
			note += ": " + ps.Text
		}
		res.book.add(f, ref, amt, note)
	}
	for _, f := range returnFields {
		if f.sign == 0 {
			continue
		}
		if !mapped[f.key] {
			if f.key == fSalgsmoms || f.key == fKoebsmoms {
				res.findings = append(res.findings, Finding{Rule: "bogføringsloven § 11 (reconcile before filing)", Severity: sevInfo,
					Message: fmt.Sprintf("no account in the chart was recognised as %s, so the documents were not compared with the ledger; name it with the config key accounts", f.name)})
			}
			continue
		}
		if docs, led := docTotals[f.key], ledgerFromDocs[f.key]; !docs.Equal(led) {
			res.findings = append(res.findings, Finding{Rule: "bogføringsloven § 11 (reconcile before filing)", Severity: sevWarning,
				Message: fmt.Sprintf("%s: the invoices and bills give %s, but their postings on the %s account(s) sum to %s (difference %s); check the tax rates and the postings",
					f.name, kr(docs), f.name, kr(led), kr(docs.Sub(led)))})
		}
	}

	keys := make([]string, 0, len(lost))
	for k := range lost {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		u := lost[k]
		res.complete = false
		what := "has no tax rate"
		if u.rate.ID != "" {
			what = fmt.Sprintf("uses tax rate %s, which cannot be placed on the return; place it with the config key tax_rates[%q] (a %s treatment)", rateName(u.rate), configKeyOf(u.rate), u.side)
		}
		res.findings = append(res.findings, Finding{Rule: "ML § 57 stk. 1 (every field must be reported)", Severity: sevError,
			Message: fmt.Sprintf("%d %s record(s) with net %s and VAT %s: the lines %s", len(u.records), u.side, kr(u.net), kr(u.tax), what),
			Records: u.records})
	}
	return res
}

// addEU adds an EU sale to the EU sales list under its buyer's VAT number.
func (res *returnResult) addEU(bk *books, inv invoice, ref recordRef, t treatment, net decimal.Decimal) {
	c, ok := bk.contacts[inv.ContactID]
	name, country := inv.ContactID, ""
	if ok {
		name, country = c.Name, c.CountryID
	}
	vat := ""
	if ok && strings.TrimSpace(c.RegistrationNo) != "" {
		if v := parseVATNumber(c.RegistrationNo, c.CountryID); v.Valid {
			vat = v.Number
		} else {
			res.findings = append(res.findings, Finding{Rule: "momsbek. § 62; ML § 34 stk. 1 (the buyer's VAT number)", Severity: sevError,
				Message: fmt.Sprintf("the buyer %s of invoice %s has the VAT number %q, which is not well-formed (%s)", name, ref.No, c.RegistrationNo, v.Message),
				Records: []string{ref.Record, "contact:" + inv.ContactID}})
		}
	} else {
		res.findings = append(res.findings, Finding{Rule: "momsbek. § 62; ML § 34 stk. 1 (the buyer's VAT number)", Severity: sevError,
			Message: fmt.Sprintf("the EU sale in invoice %s to %s has no buyer VAT number in Billy: a VAT-free EU sale needs it, and the EU sales list lists sales by it", ref.No, name),
			Records: []string{ref.Record, "contact:" + inv.ContactID}})
	}
	if country == "DK" || (country != "" && !isEUCountry(country)) {
		res.findings = append(res.findings, Finding{Rule: "ML § 34 stk. 1 nr. 1 (a buyer in another EU country)", Severity: sevWarning,
			Message: fmt.Sprintf("invoice %s is an EU sale, but its buyer %s is in %s", ref.No, name, country),
			Records: []string{ref.Record}})
	}
	key := vat
	if key == "" {
		key = "contact:" + inv.ContactID
	}
	goods, services := decZero, decZero
	if t == tSalesEUGoods {
		goods = net
	} else {
		services = net
	}
	res.eu.add(key, vat, country, name, goods, services, ref.Record)
}

// lineGroup is a document's lines of one tax rate, summed.
type lineGroup struct {
	rateID   string
	net, tax decimal.Decimal
}

func groupInvoiceLines(lines []invoiceLine) []lineGroup {
	idx := map[string]int{}
	var out []lineGroup
	for _, l := range lines {
		i, ok := idx[l.TaxRateID]
		if !ok {
			i = len(out)
			idx[l.TaxRateID] = i
			out = append(out, lineGroup{rateID: l.TaxRateID})
		}
		// An invoice line's amount is its net whatever the tax mode
		// (billy-api.md §7.3.1).
		out[i].net = out[i].net.Add(l.Amount.Dec())
		out[i].tax = out[i].tax.Add(l.Tax.Dec())
	}
	return out
}

func groupBillLines(b bill, lines []billLine) []lineGroup {
	idx := map[string]int{}
	var out []lineGroup
	for _, l := range lines {
		i, ok := idx[l.TaxRateID]
		if !ok {
			i = len(out)
			idx[l.TaxRateID] = i
			out = append(out, lineGroup{rateID: l.TaxRateID})
		}
		out[i].net = out[i].net.Add(billLineNet(b, l))
		out[i].tax = out[i].tax.Add(l.Tax.Dec())
	}
	return out
}

// billLineNet is a bill line's value without VAT. A bill line's amount is
// the net when the bill's tax mode is excl and the gross when incl
// (billy-api.md §7.7).
func billLineNet(b bill, l billLine) decimal.Decimal {
	if b.TaxMode == "incl" {
		return l.Amount.Dec().Sub(l.Tax.Dec())
	}
	return l.Amount.Dec()
}

// exchange returns the DKK value of one unit of the document's currency
// (Billy's exchangeRate, billy-api.md §7.3) and a note for the evidence.
func exchange(currency string, rate Exact) (decimal.Decimal, string, bool) {
	if currency == "" || strings.EqualFold(currency, "DKK") {
		return decOne, "", true
	}
	r := rate.Dec()
	if !r.IsPositive() {
		return decimal.Decimal{}, "", false
	}
	return r, fmt.Sprintf(" (%s at %s)", strings.ToUpper(currency), dkfmt.Number(r, max(2, -r.Exponent()))), true
}

func rateName(tr taxRate) string {
	switch {
	case tr.Name != "" && tr.Abbreviation != "":
		return fmt.Sprintf("%q (%s)", tr.Name, tr.Abbreviation)
	case tr.Name != "":
		return fmt.Sprintf("%q", tr.Name)
	}
	return tr.ID
}

func rateNote(tr taxRate, cls rateClass) string {
	n := rateName(tr) + ": " + cls.Treatment.describe()
	if cls.Treatment.purchase() && !cls.Deductible.Equal(decOne) {
		n += fmt.Sprintf(", %s %% deductible", plain(cls.Deductible.Mul(decHundred)))
	}
	return n
}

// configKeyOf is the key an operator would use in tax_rates for the rate.
func configKeyOf(tr taxRate) string {
	if tr.Name != "" {
		return tr.Name
	}
	return tr.ID
}
