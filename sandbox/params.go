package sandbox

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// parseBool reads Billy's boolean query values.
func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean", v)
}

// parseDateParam accepts YYYY-MM-DD.
func parseDateParam(v string) (string, error) {
	if _, ok := parseDate(v); !ok {
		return "", fmt.Errorf("%q is not a date (YYYY-MM-DD)", v)
	}
	return v, nil
}

// parseTimeParam accepts the datetime forms clients send for
// minApprovedTime: "2025-06-02 12:00:00" (the docs' example),
// "2025-06-02T12:00:00" or a bare date. It returns Billy's datetime format,
// which compares correctly as a string.
func parseTimeParam(v string) (string, error) {
	for _, layout := range []string{"2006-01-02 15:04:05", datetimeLayout, time.RFC3339, dateLayout} {
		if t, err := time.Parse(layout, v); err == nil {
			return fmtDatetime(t), nil
		}
	}
	return "", fmt.Errorf("%q is not a datetime", v)
}

// period is an inclusive date range; an empty bound is open.
type period struct{ from, to string }

func (p period) contains(date string) bool {
	return (p.from == "" || date >= p.from) && (p.to == "" || date <= p.to)
}

// parsePeriod reads entryDatePeriod and approvedTimePeriod values
// (billy-api.md §4.2): all, dates:A...B, day:D, month:YYYY-MM,
// quarter:YYYY-Q, halfYear:YYYY-H (the docs also write half:), year:YYYY,
// fiscalYear:YYYY, from:D and through:D.
//
// Guess: fiscalYear:YYYY is the fiscal year that ends in YYYY, given the
// organization's fiscalYearEndMonth; with the seeded December year end it is
// the calendar year.
func parsePeriod(v string, fiscalEndMonth int) (period, error) {
	bad := fmt.Errorf("%q is not a valid period", v)
	if v == "all" {
		return period{}, nil
	}
	kind, arg, ok := strings.Cut(v, ":")
	if !ok {
		return period{}, bad
	}
	monthEnd := func(y, m int) string {
		return fmtDate(time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC))
	}
	monthStart := func(y, m int) string {
		return fmtDate(time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC))
	}
	yearPart := func(s string, n int, max int) (int, int, error) {
		y, rest, ok := strings.Cut(s, "-")
		yy, err1 := strconv.Atoi(y)
		if n == 0 {
			if ok || err1 != nil {
				return 0, 0, bad
			}
			return yy, 0, nil
		}
		k, err2 := strconv.Atoi(rest)
		if !ok || err1 != nil || err2 != nil || k < 1 || k > max {
			return 0, 0, bad
		}
		return yy, k, nil
	}
	switch kind {
	case "dates":
		a, b, ok := strings.Cut(arg, "...")
		if _, e1 := parseDateParam(a); !ok || e1 != nil {
			return period{}, bad
		}
		if _, e2 := parseDateParam(b); e2 != nil {
			return period{}, bad
		}
		return period{a, b}, nil
	case "day":
		if _, err := parseDateParam(arg); err != nil {
			return period{}, bad
		}
		return period{arg, arg}, nil
	case "from":
		if _, err := parseDateParam(arg); err != nil {
			return period{}, bad
		}
		return period{from: arg}, nil
	case "through":
		if _, err := parseDateParam(arg); err != nil {
			return period{}, bad
		}
		return period{to: arg}, nil
	case "month":
		y, m, err := yearPart(arg, 1, 12)
		if err != nil {
			return period{}, err
		}
		return period{monthStart(y, m), monthEnd(y, m)}, nil
	case "quarter":
		y, q, err := yearPart(arg, 1, 4)
		if err != nil {
			return period{}, err
		}
		return period{monthStart(y, 3*q-2), monthEnd(y, 3*q)}, nil
	case "halfYear", "half":
		y, h, err := yearPart(arg, 1, 2)
		if err != nil {
			return period{}, err
		}
		return period{monthStart(y, 6*h-5), monthEnd(y, 6*h)}, nil
	case "year":
		y, _, err := yearPart(arg, 0, 0)
		if err != nil {
			return period{}, err
		}
		return period{monthStart(y, 1), monthEnd(y, 12)}, nil
	case "fiscalYear":
		y, _, err := yearPart(arg, 0, 0)
		if err != nil {
			return period{}, err
		}
		if fiscalEndMonth < 1 || fiscalEndMonth > 12 {
			fiscalEndMonth = 12
		}
		start := time.Date(y, time.Month(fiscalEndMonth)+1, 1, 0, 0, 0, 0, time.UTC).AddDate(-1, 0, 0)
		return period{fmtDate(start), monthEnd(y, fiscalEndMonth)}, nil
	}
	return period{}, bad
}
