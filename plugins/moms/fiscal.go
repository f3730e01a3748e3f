package moms

import (
	"context"
	"fmt"
	"github.com/billy-mcp/billy-mcp/plugins/internal/dkfmt"
	"time"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// Fiscal years, accounting periods and retention (reference § 4, § 3.1):
// a fiscal year is 12 months between fixed dates, the first may be shorter
// or longer but at most 18 months (ÅRL § 15); records are kept 5 years
// from the end of the fiscal year they concern (bogføringsloven § 12); VAT
// periods follow the calendar whatever the fiscal year.

// FiscalInput is the input of fiscal_periods.
type FiscalInput struct {
	Date         string  `json:"date,omitempty" jsonschema:"default today"`
	YearEndMonth int     `json:"fiscal_year_end_month,omitempty" jsonschema:"1-12; default Billy's"`
	FirstStart   string  `json:"first_year_start,omitempty" jsonschema:"the business's first day"`
	FirstEnd     string  `json:"first_year_end,omitempty" jsonschema:"a proposed first year end, to check"`
	Turnover     *Number `json:"turnover,omitempty" jsonschema:"annual taxable turnover, DKK"`
	NewBusiness  bool    `json:"new_business,omitempty"`
}

// FiscalOutput is the output of fiscal_periods.
type FiscalOutput struct {
	FiscalYear  FiscalYear     `json:"fiscal_year"`
	FirstYear   *FirstYear     `json:"first_year,omitempty"`
	RetainUntil string         `json:"retain_until" jsonschema:"keep this fiscal year's records until this day (5 years from its end)"`
	VATPeriod   *VATPeriodInfo `json:"vat_period,omitempty"`
	Findings    []Finding      `json:"findings,omitempty"`
	Source      string         `json:"source" jsonschema:"input or billy"`
}

// FiscalYear is one fiscal year and its accounting periods (months).
type FiscalYear struct {
	Start   string   `json:"start"`
	End     string   `json:"end"`
	Months  int      `json:"months"`
	First   bool     `json:"first,omitempty"`
	Periods []string `json:"periods" jsonschema:"its accounting periods: the calendar months it spans"`
}

// FirstYear is the first fiscal year's possible ends.
type FirstYear struct {
	Start      string `json:"start"`
	Earliest   string `json:"earliest_end" jsonschema:"the first fiscal year end after the start"`
	Latest     string `json:"latest_end" jsonschema:"the last end within 18 months"`
	Proposed   string `json:"proposed_end,omitempty"`
	ProposedOK *bool  `json:"proposed_ok,omitempty"`
}

// VATPeriodInfo is the VAT period that applies and the one containing the
// date.
type VATPeriodInfo struct {
	Kind     string `json:"kind"`
	Basis    string `json:"basis"`
	Current  string `json:"current"`
	Start    string `json:"start"`
	End      string `json:"end"`
	Deadline string `json:"deadline"`
}

func (p *plugin) fiscalPeriodsTool() sdk.Tool {
	return sdk.NewTool(booksSpec(sdk.ToolSpec{
		Name:  "fiscal_periods",
		Title: "Fiscal year, periods and retention",
		Description: "A date's fiscal year (a first year up to 18 months), its accounting periods, the retention date, and the VAT period " +
			"from turnover or Billy's settings (read only for what is not given).",
		Examples: []sdk.Example{
			{Title: "A first year", Arguments: FiscalInput{Date: "2025-06-01", YearEndMonth: 12, FirstStart: "2025-03-15", FirstEnd: "2026-12-31"}},
			{Title: "VAT period by turnover", Arguments: FiscalInput{Date: "2026-05-01", YearEndMonth: 6, Turnover: numberPtr(5000001)}},
		},
	}), p.fiscalPeriods)
}

func numberPtr(f float64) *Number { n := Number(f); return &n }

func (p *plugin) fiscalPeriods(ctx context.Context, call *sdk.Call, in FiscalInput) (FiscalOutput, error) {
	day := p.today()
	if in.Date != "" {
		d, ok := parseDay(in.Date)
		if !ok || d.Year() < 2000 || d.Year() > 2100 {
			return FiscalOutput{}, sdk.Invalid("date", "must be a date YYYY-MM-DD between 2000 and 2100, got %q", in.Date)
		}
		day = d
	}
	out := FiscalOutput{Source: "input"}
	endMonth, firstStart, firstEnd := in.YearEndMonth, in.FirstStart, in.FirstEnd
	var org *organization
	if endMonth == 0 || (in.Turnover == nil && !in.NewBusiness) {
		// What is not given comes from the organization's settings.
		var o organization
		if err := billyGet(ctx, call, "/organization", nil, "organization", &o); err != nil {
			if endMonth == 0 {
				return FiscalOutput{}, withContext(err, "fiscal_year_end_month was not given, so it is read from Billy")
			}
		} else {
			org = &o
			out.Source = "billy"
			if endMonth == 0 {
				endMonth = o.FiscalYearEndMonth
				if firstStart == "" && firstEnd == "" {
					firstStart, firstEnd = o.FirstFiscalYearStart, o.FirstFiscalYearEnd
				}
			}
		}
	}
	if endMonth < 1 || endMonth > 12 {
		return FiscalOutput{}, sdk.Invalid("fiscal_year_end_month", "must be a month 1-12, got %d", endMonth)
	}
	fy, first, findings, err := fiscalYear(day, time.Month(endMonth), firstStart, firstEnd)
	if err != nil {
		return FiscalOutput{}, err
	}
	out.FiscalYear, out.FirstYear, out.Findings = fy, first, findings
	end, _ := parseDay(fy.End)
	out.RetainUntil = isoDay(retentionUntil(end))

	kind, basis := "", ""
	switch {
	case in.Turnover != nil || in.NewBusiness:
		t := Number(0)
		if in.Turnover != nil {
			t = *in.Turnover
		}
		if t.Dec().IsNegative() {
			return FiscalOutput{}, sdk.Invalid("turnover", "must not be negative, got %s", t)
		}
		kind, basis = periodForTurnover(t, in.NewBusiness)
		basis += "; Skattestyrelsen measures turnover 1 July-30 June and moves a business from 1 January"
	case org != nil:
		if k, ok := orgPeriodKind(*org); ok {
			kind, basis = k, fmt.Sprintf("the organization's VAT period in Billy (vatPeriod %q)", org.VatPeriod)
		}
	}
	if kind != "" {
		v := periodContaining(kind, day)
		_, deadline, _, _ := v.deadline()
		out.VATPeriod = &VATPeriodInfo{Kind: kind, Basis: basis, Current: v.Label, Start: isoDay(v.Start), End: isoDay(v.End), Deadline: isoDay(deadline)}
	}
	return out, nil
}

// retentionUntil is the last day records of a fiscal year ending on end
// must be kept: 5 years from the end (bogføringsloven § 12; TV19).
func retentionUntil(end time.Time) time.Time {
	return date(end.Year()+5, end.Month(), 1).AddDate(0, 1, -1)
}

// monthEnd is the last day of year's month m.
func monthEnd(year int, m time.Month) time.Time { return date(year, m+1, 0) }

// fiscalYear finds the fiscal year containing day, with the first year
// (when its start is known) between its start and an end within 18 months
// (ÅRL § 15).
func fiscalYear(day time.Time, endMonth time.Month, firstStart, firstEnd string) (FiscalYear, *FirstYear, []Finding, error) {
	var findings []Finding
	var first *FirstYear
	var fStart, fEnd time.Time
	if firstStart != "" {
		s, ok := parseDay(firstStart)
		if !ok {
			return FiscalYear{}, nil, nil, sdk.Invalid("first_year_start", "must be a date YYYY-MM-DD, got %q", firstStart)
		}
		earliest := monthEnd(s.Year(), endMonth)
		if earliest.Before(s) {
			earliest = monthEnd(s.Year()+1, endMonth)
		}
		limit := s.AddDate(0, 18, -1)
		latest := earliest
		for next := monthEnd(latest.Year()+1, endMonth); !next.After(limit); next = monthEnd(next.Year()+1, endMonth) {
			latest = next
		}
		first = &FirstYear{Start: isoDay(s), Earliest: isoDay(earliest), Latest: isoDay(latest)}
		fStart, fEnd = s, earliest
		if firstEnd != "" {
			e, ok := parseDay(firstEnd)
			if !ok {
				return FiscalYear{}, nil, nil, sdk.Invalid("first_year_end", "must be a date YYYY-MM-DD, got %q", firstEnd)
			}
			okEnd := !e.Before(s) && !e.After(limit) && e.Equal(monthEnd(e.Year(), endMonth))
			first.Proposed, first.ProposedOK = isoDay(e), &okEnd
			if okEnd {
				fEnd = e
			} else {
				findings = append(findings, Finding{Rule: "årsregnskabsloven § 15", Severity: sevError,
					Message: fmt.Sprintf("a first fiscal year from %s may end on the last day of the fiscal year's end month within 18 months, at the latest %s; %s is %s",
						dkfmt.Date(s), dkfmt.Date(latest), dkfmt.Date(e), firstYearProblem(s, e, limit, endMonth))})
			}
		}
		if !day.Before(s) && !day.After(fEnd) {
			fy := FiscalYear{Start: isoDay(s), End: isoDay(fEnd), Months: monthsSpanned(s, fEnd), First: true, Periods: monthLabels(s, fEnd)}
			return fy, first, findings, nil
		}
	}
	end := monthEnd(day.Year(), endMonth)
	if end.Before(day) {
		end = monthEnd(day.Year()+1, endMonth)
	}
	start := end.AddDate(0, 0, 1).AddDate(-1, 0, 0)
	if first != nil && day.Before(fStart) {
		findings = append(findings, Finding{Rule: "årsregnskabsloven § 15", Severity: sevInfo,
			Message: fmt.Sprintf("%s is before the business's first day %s", dkfmt.Date(day), dkfmt.Date(fStart))})
	}
	return FiscalYear{Start: isoDay(start), End: isoDay(end), Months: 12, Periods: monthLabels(start, end)}, first, findings, nil
}

func firstYearProblem(s, e, limit time.Time, endMonth time.Month) string {
	switch {
	case e.Before(s):
		return "before the start"
	case e.After(limit):
		return fmt.Sprintf("%d months and more after the start, over the 18 allowed", monthsSpanned(s, e)-1)
	}
	return fmt.Sprintf("not the last day of %s, the fiscal year's end month", dkfmt.Month(time.Month(endMonth)))
}

// monthsSpanned counts the calendar months from a's month to b's.
func monthsSpanned(a, b time.Time) int {
	return (b.Year()-a.Year())*12 + int(b.Month()) - int(a.Month()) + 1
}

func monthLabels(a, b time.Time) []string {
	var out []string
	for m := date(a.Year(), a.Month(), 1); !m.After(b); m = m.AddDate(0, 1, 0) {
		out = append(out, m.Format("2006-01"))
	}
	return out
}
