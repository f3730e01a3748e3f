package moms

import (
	"context"
	"fmt"
	"time"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// The years vat_deadlines answers for. The rules come from momsloven as
// consolidated in LBK 209/2024 and Store Bededag is gone from 2024, so
// earlier years may have had other rules; later years are limited so that
// the rules get re-checked (law, bank closing days) before they are trusted
// further ahead.
const (
	minDeadlineYear = 2024
	maxDeadlineYear = 2030
)

// deadlineBasis is the legal basis, returned with every answer so the model
// can cite it.
const deadlineBasis = "Momsloven § 57 stk. 2-4 (LBK 209/2024): a monthly period is due on the 25th of the " +
	"following month, except June, due 17 August; a quarterly or half-yearly period is due on the 1st of the " +
	"3rd month after it ends. The return must be filed and the VAT paid by the same date. A deadline on a " +
	"Saturday, Sunday or public holiday moves to the next business day (skat.dk); Skattestyrelsen also skips " +
	"bank closing days (the Friday after Ascension, 5 June, 24 and 31 December). skat.dk's published " +
	"calendar is authoritative."

// skatDiscrepancies are periods where skat.dk's published calendar differs
// from the statute plus roll-forward (reference § 1.6 and § 8 item 5).
// We return the statutory date and flag the difference rather than copy a
// date that looks like a typo.
var skatDiscrepancies = map[string]string{
	"2024-06": "skat.dk lists 17 Aug 2024 for this period, but that is a Saturday; the statute plus roll-forward gives 19 Aug 2024. Check skat.dk.",
	"2025-05": "skat.dk lists 26 Jun 2025 for this period, but 25 Jun 2025 is a Wednesday and the statute gives 25 Jun 2025. Check skat.dk.",
}

// DeadlinesInput is the input of vat_deadlines.
type DeadlinesInput struct {
	PeriodKind string `json:"period_kind" jsonschema:"half_yearly (turnover up to 5 mio. DKK), quarterly (up to 50 mio., and new businesses) or monthly"`
	Year       int    `json:"year" jsonschema:"of the periods, 2024-2030"`
}

// DeadlinesOutput is the output of vat_deadlines.
type DeadlinesOutput struct {
	PeriodKind string           `json:"period_kind"`
	Year       int              `json:"year"`
	Periods    []PeriodDeadline `json:"periods"`
	Basis      string           `json:"basis" jsonschema:"the rules applied, with their legal source"`
}

// PeriodDeadline is one VAT period and its deadline.
type PeriodDeadline struct {
	Period          string   `json:"period" jsonschema:"the period: 2025-01 (month), 2025-Q1 or 2025-H1"`
	Start           string   `json:"start" jsonschema:"first day of the period, YYYY-MM-DD"`
	End             string   `json:"end" jsonschema:"last day of the period, YYYY-MM-DD"`
	NominalDeadline string   `json:"nominal_deadline" jsonschema:"the deadline as the statute states it, before moving off closed days"`
	Deadline        string   `json:"deadline" jsonschema:"last day to file the VAT return and pay, YYYY-MM-DD"`
	Weekday         string   `json:"weekday" jsonschema:"the deadline's day of the week"`
	MovedBecause    []string `json:"moved_because,omitempty" jsonschema:"why the deadline moved from the nominal date, one entry per skipped day"`
	Note            string   `json:"note,omitempty" jsonschema:"a known difference from skat.dk's published calendar"`
}

func vatDeadlinesTool() sdk.Tool {
	return sdk.NewTool(pureSpec(sdk.ToolSpec{
		Name:  "vat_deadlines",
		Title: "Danish VAT return deadlines",
		Description: "Lists the Danish VAT return (momsangivelse) deadlines of each period of a year: the last day to file and pay, " +
			"moved off weekends, holidays and bank closing days. skat.dk's calendar is authoritative.",
		Examples: []sdk.Example{
			{Title: "Quarterly deadlines for 2026", Arguments: DeadlinesInput{PeriodKind: "quarterly", Year: 2026}},
			{Title: "Half-yearly deadlines for 2025", Arguments: DeadlinesInput{PeriodKind: "half_yearly", Year: 2025}},
		},
	}), func(_ context.Context, _ *sdk.Call, in DeadlinesInput) (DeadlinesOutput, error) {
		if in.Year < minDeadlineYear || in.Year > maxDeadlineYear {
			return DeadlinesOutput{}, sdk.Invalid("year", "must be between %d and %d, got %d", minDeadlineYear, maxDeadlineYear, in.Year)
		}
		periods, err := vatPeriods(in.PeriodKind, in.Year)
		if err != nil {
			return DeadlinesOutput{}, err
		}
		return DeadlinesOutput{PeriodKind: in.PeriodKind, Year: in.Year, Periods: periods, Basis: deadlineBasis}, nil
	})
}

// vatPeriods lists the periods of one kind in year with their deadlines.
// VAT periods always follow the calendar, whatever the fiscal year
// (reference § 4).
func vatPeriods(kind string, year int) ([]PeriodDeadline, error) {
	var out []PeriodDeadline
	add := func(label string, start time.Time, months int, nominal time.Time) {
		deadline, moved := nextBusinessDay(nominal)
		out = append(out, PeriodDeadline{
			Period:          label,
			Start:           start.Format(time.DateOnly),
			End:             start.AddDate(0, months, -1).Format(time.DateOnly),
			NominalDeadline: nominal.Format(time.DateOnly),
			Deadline:        deadline.Format(time.DateOnly),
			Weekday:         deadline.Weekday().String(),
			MovedBecause:    moved,
			Note:            skatDiscrepancies[label],
		})
	}
	// time.Date normalizes month overflow, so month 15 is March next year.
	switch kind {
	case "monthly":
		for m := time.January; m <= time.December; m++ {
			nominal := date(year, m+1, 25)
			if m == time.June {
				nominal = date(year, time.August, 17) // reference § 1.6: 1 month and 17 days after the period
			}
			add(fmt.Sprintf("%d-%02d", year, m), date(year, m, 1), 1, nominal)
		}
	case "quarterly":
		for q := 1; q <= 4; q++ {
			end := time.Month(3 * q)
			add(fmt.Sprintf("%d-Q%d", year, q), date(year, end-2, 1), 3, date(year, end+3, 1))
		}
	case "half_yearly":
		for h := 1; h <= 2; h++ {
			end := time.Month(6 * h)
			add(fmt.Sprintf("%d-H%d", year, h), date(year, end-5, 1), 6, date(year, end+3, 1))
		}
	default:
		return nil, sdk.Invalid("period_kind", "must be monthly, quarterly or half_yearly, got %q", kind)
	}
	return out, nil
}
