package moms

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// VAT periods always follow the calendar, whatever the fiscal year
// (reference § 4): months, quarters (Q1-Q4) and half-years (H1, H2).

// Period kinds.
const (
	kindMonthly    = "monthly"
	kindQuarterly  = "quarterly"
	kindHalfYearly = "half_yearly"
	kindCustom     = "custom"
)

// vatPeriod is one VAT period, or a custom span of days.
type vatPeriod struct {
	Label      string
	Kind       string
	Start, End time.Time // inclusive civil dates
}

func (v vatPeriod) months() int {
	switch v.Kind {
	case kindMonthly:
		return 1
	case kindQuarterly:
		return 3
	case kindHalfYearly:
		return 6
	}
	return 0
}

// periodOf returns the period of the kind that starts in year at month.
func periodOf(kind string, year int, month time.Month) vatPeriod {
	start := date(year, month, 1)
	v := vatPeriod{Kind: kind, Start: start}
	switch kind {
	case kindMonthly:
		v.Label = fmt.Sprintf("%d-%02d", year, month)
	case kindQuarterly:
		v.Label = fmt.Sprintf("%d-Q%d", year, (int(month)-1)/3+1)
	case kindHalfYearly:
		v.Label = fmt.Sprintf("%d-H%d", year, (int(month)-1)/6+1)
	}
	v.End = start.AddDate(0, v.months(), -1)
	return v
}

// periodContaining returns the period of the kind that contains d.
func periodContaining(kind string, d time.Time) vatPeriod {
	n := map[string]int{kindMonthly: 1, kindQuarterly: 3, kindHalfYearly: 6}[kind]
	m := time.Month((int(d.Month())-1)/n*n + 1)
	return periodOf(kind, d.Year(), m)
}

// previous returns the period before v (same kind).
func (v vatPeriod) previous() vatPeriod {
	p := v.Start.AddDate(0, -v.months(), 0)
	return periodOf(v.Kind, p.Year(), p.Month())
}

// lastEnded returns the latest period of the kind that has ended by today:
// the one whose return is due next or was due last.
func lastEnded(kind string, today time.Time) vatPeriod {
	return periodContaining(kind, today).previous()
}

var (
	reMonth   = regexp.MustCompile(`^(\d{4})-(\d{2})$`)
	reQuarter = regexp.MustCompile(`^(\d{4})-?Q([1-4])$`)
	reHalf    = regexp.MustCompile(`^(\d{4})-?H([12])$`)
	reSpan    = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})(?:\.\.|/)(\d{4}-\d{2}-\d{2})$`)
)

// parsePeriod reads a period as the tools take it: 2026-03, 2026-Q1,
// 2026-H1, or a span 2026-01-01..2026-03-31 (a span that is exactly one
// calendar period is that period).
func parsePeriod(field, s string) (vatPeriod, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	bad := func() (vatPeriod, error) {
		return vatPeriod{}, sdk.Invalid(field, "must be a month (2026-03), a quarter (2026-Q1), a half-year (2026-H1) or a span of days (2026-01-01..2026-03-31), got %q", s)
	}
	year := func(y string) (int, bool) {
		n, err := strconv.Atoi(y)
		return n, err == nil && n >= 2000 && n <= 2100
	}
	if m := reMonth.FindStringSubmatch(s); m != nil {
		y, ok := year(m[1])
		mo, _ := strconv.Atoi(m[2])
		if !ok || mo < 1 || mo > 12 {
			return bad()
		}
		return periodOf(kindMonthly, y, time.Month(mo)), nil
	}
	if m := reQuarter.FindStringSubmatch(s); m != nil {
		y, ok := year(m[1])
		q, _ := strconv.Atoi(m[2])
		if !ok {
			return bad()
		}
		return periodOf(kindQuarterly, y, time.Month(3*q-2)), nil
	}
	if m := reHalf.FindStringSubmatch(s); m != nil {
		y, ok := year(m[1])
		h, _ := strconv.Atoi(m[2])
		if !ok {
			return bad()
		}
		return periodOf(kindHalfYearly, y, time.Month(6*h-5)), nil
	}
	if m := reSpan.FindStringSubmatch(s); m != nil {
		from, ok1 := parseDay(m[1])
		to, ok2 := parseDay(m[2])
		if !ok1 || !ok2 || to.Before(from) || from.Year() < 2000 || to.Year() > 2100 {
			return bad()
		}
		if to.Sub(from) > 400*24*time.Hour {
			return vatPeriod{}, sdk.Invalid(field, "a span may be at most a year long, got %s to %s", m[1], m[2])
		}
		for _, kind := range []string{kindMonthly, kindQuarterly, kindHalfYearly} {
			if p := periodContaining(kind, from); p.Start.Equal(from) && p.End.Equal(to) {
				return p, nil
			}
		}
		return vatPeriod{Label: isoDay(from) + ".." + isoDay(to), Kind: kindCustom, Start: from, End: to}, nil
	}
	return bad()
}

// nominalDeadline is the deadline of a period as momsloven § 57 stk. 2-4
// states it (reference § 1.6, R7): a month is due the 25th of the next
// month, June on 17 August; a quarter or half-year the 1st of the 3rd
// month after it ends.
func (v vatPeriod) nominalDeadline() (time.Time, bool) {
	y, m := v.Start.Year(), v.Start.Month()
	switch v.Kind {
	case kindMonthly:
		if m == time.June {
			return date(y, time.August, 17), true
		}
		return date(y, m+1, 25), true
	case kindQuarterly:
		return date(y, m+5, 1), true
	case kindHalfYearly:
		return date(y, m+8, 1), true
	}
	return time.Time{}, false
}

// deadline is the nominal deadline moved off closed days (R8).
func (v vatPeriod) deadline() (nominal, deadline time.Time, moved []string, ok bool) {
	nominal, ok = v.nominalDeadline()
	if !ok {
		return
	}
	deadline, moved = nextBusinessDay(nominal)
	return
}

// orgPeriodKind reads the organization's VAT period setting (vatPeriod, or
// salesTaxPeriod as one client names it; billy-api.md §7.1). Billy's values
// include the misspelt "semianually".
func orgPeriodKind(org organization) (string, bool) {
	v := org.VatPeriod
	if v == "" {
		v = org.SalesTaxPeriod
	}
	switch strings.ToLower(strings.NewReplacer("_", "", "-", "", " ", "").Replace(v)) {
	case "monthly", "month":
		return kindMonthly, true
	case "quarterly", "quarter":
		return kindQuarterly, true
	case "semianually", "semiannually", "semiannual", "halfyearly", "halfyear", "biannually":
		return kindHalfYearly, true
	}
	return "", false
}

// periodForTurnover is the period Skattestyrelsen assigns by annual taxable
// turnover (ML § 57 stk. 2-4, reference § 1.6, R6, TV20): above 50 mio. DKK
// monthly, above 5 mio. quarterly, else half-yearly; a new business files
// quarterly for at least 18 months.
func periodForTurnover(turnover Number, newBusiness bool) (string, string) {
	t := turnover.Dec()
	switch {
	case newBusiness:
		return kindQuarterly, "a newly registered business files quarterly for at least 18 months (skat.dk), whatever its turnover"
	case t.GreaterThan(decimalMillion(50)):
		return kindMonthly, "annual taxable turnover above 50 mio. kr. (ML § 57 stk. 2)"
	case t.GreaterThan(decimalMillion(5)):
		return kindQuarterly, "annual taxable turnover above 5 mio. and at most 50 mio. kr. (ML § 57 stk. 3)"
	}
	return kindHalfYearly, "annual taxable turnover at most 5 mio. kr. (ML § 57 stk. 4); half-yearly also requires filing and paying on time"
}
