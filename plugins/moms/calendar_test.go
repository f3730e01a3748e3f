package moms

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestEasterSunday(t *testing.T) {
	tests := []struct {
		year int
		want time.Time
	}{
		{2023, date(2023, time.April, 9)},  // TV9: Store Bededag 5 May 2023 = Easter + 26
		{2024, date(2024, time.March, 31)}, // TV9
		{2025, date(2025, time.April, 20)}, // TV9
		{2026, date(2026, time.April, 5)},  // TV9
		{2027, date(2027, time.March, 28)}, // Nationalbanken 2027: Skærtorsdag 25 Mar
	}
	for _, tt := range tests {
		if got := easterSunday(tt.year); !got.Equal(tt.want) {
			t.Errorf("easterSunday(%d) = %s, want %s", tt.year, got.Format(time.DateOnly), tt.want.Format(time.DateOnly))
		}
	}
}

// closedWeekdays lists the Monday-Friday days of year that are not business
// days.
func closedWeekdays(year int) []string {
	var out []string
	for d := date(year, time.January, 1); d.Year() == year; d = d.AddDate(0, 0, 1) {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday && whyClosed(d) != "" {
			out = append(out, d.Format(time.DateOnly))
		}
	}
	return out
}

// weekdaysOnly drops weekend dates. Nationalbanken's lists are not
// consistent about closing days that fall on a Saturday (2026 lists Sat 26
// Dec, 2027 lists Sat 5 Jun but not Sat 25 Dec), and weekends are closed
// anyway, so only Monday-Friday is compared.
func weekdaysOnly(dates []string) []string {
	var out []string
	for _, s := range dates {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			panic(err)
		}
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			out = append(out, s)
		}
	}
	return out
}

// TestNationalbankenClosingDays compares the calendar with Nationalbanken's
// published lists for 2026 and 2027 (reference § 5.5).
func TestNationalbankenClosingDays(t *testing.T) {
	lists := map[int][]string{
		2026: {"2026-01-01", "2026-04-02", "2026-04-03", "2026-04-06", "2026-05-14", "2026-05-15", "2026-05-25",
			"2026-06-05", "2026-12-24", "2026-12-25", "2026-12-26", "2026-12-31"},
		2027: {"2027-01-01", "2027-03-25", "2027-03-26", "2027-03-29", "2027-05-06", "2027-05-07", "2027-05-17",
			"2027-06-05", "2027-12-24", "2027-12-31"},
	}
	for year, list := range lists {
		if diff := cmp.Diff(weekdaysOnly(list), closedWeekdays(year)); diff != "" {
			t.Errorf("%d closed weekdays (-Nationalbanken +ours):\n%s", year, diff)
		}
	}
}

// TestEasterHolidays2025 is TV9 for 2025, plus the fixed days.
func TestEasterHolidays2025(t *testing.T) {
	want := []string{"2025-01-01", "2025-04-17", "2025-04-18", "2025-04-21", "2025-05-29", "2025-05-30",
		"2025-06-05", "2025-06-09", "2025-12-24", "2025-12-25", "2025-12-26", "2025-12-31"}
	if diff := cmp.Diff(want, closedWeekdays(2025)); diff != "" {
		t.Errorf("2025 closed weekdays (-want +got):\n%s", diff)
	}
	// Påskedag and Pinsedag are Sundays and closed either way.
	for _, d := range []time.Time{date(2025, time.April, 20), date(2025, time.June, 8)} {
		if whyClosed(d) == "" {
			t.Errorf("%s should be closed", d.Format(time.DateOnly))
		}
	}
}

// TestStoreBededag is TV9: a holiday in 2023, a business day from 2024.
func TestStoreBededag(t *testing.T) {
	if why := whyClosed(date(2023, time.May, 5)); !strings.Contains(why, "Store Bededag") {
		t.Errorf("5 May 2023: %q, want Store Bededag", why)
	}
	if why := whyClosed(date(2024, time.April, 26)); why != "" {
		t.Errorf("26 Apr 2024 should be a business day, got %q", why)
	}
}

// TestNextBusinessDaySkipsBankClosingDays is the reference's 2017 evidence
// (§ 1.6): the April 2017 deadline, nominally Ascension Day 25 May, was 29
// May, because 26 May was the bank-closing Friday.
func TestNextBusinessDaySkipsBankClosingDays(t *testing.T) {
	got, moved := nextBusinessDay(date(2017, time.May, 25))
	if !got.Equal(date(2017, time.May, 29)) {
		t.Errorf("got %s, want 2017-05-29", got.Format(time.DateOnly))
	}
	want := []string{
		"2017-05-25 is Kristi himmelfartsdag (a public holiday)",
		"2017-05-26 is the Friday after Kristi himmelfartsdag (a bank closing day)",
		"2017-05-27 is a Saturday",
		"2017-05-28 is a Sunday",
	}
	if diff := cmp.Diff(want, moved); diff != "" {
		t.Errorf("reasons (-want +got):\n%s", diff)
	}
}
