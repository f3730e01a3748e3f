package moms

import (
	"context"
	"testing"

	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
	"github.com/google/go-cmp/cmp"
)

func deadlines(t *testing.T, h *sdktest.Harness, kind string, year int) map[string]PeriodDeadline {
	t.Helper()
	var out DeadlinesOutput
	if err := h.CallToolInto(context.Background(), "vat_deadlines", DeadlinesInput{PeriodKind: kind, Year: year}, &out); err != nil {
		t.Fatal(err)
	}
	byPeriod := map[string]PeriodDeadline{}
	for _, p := range out.Periods {
		byPeriod[p.Period] = p
	}
	return byPeriod
}

// TestVATDeadlines checks reference TV7 and every deadline skat.dk publishes
// (reference § 1.6), except the two the reference flags as skat.dk errors,
// which TestSkatDiscrepancies covers.
func TestVATDeadlines(t *testing.T) {
	h := sdktest.New(t, New())
	tests := []struct {
		kind   string
		year   int
		period string
		want   string
	}{
		// TV7.
		{"quarterly", 2025, "2025-Q1", "2025-06-02"},
		{"quarterly", 2025, "2025-Q4", "2026-03-02"},
		{"quarterly", 2026, "2026-Q1", "2026-06-01"},
		{"quarterly", 2026, "2026-Q3", "2026-12-01"},
		{"half_yearly", 2024, "2024-H1", "2024-09-02"},
		{"half_yearly", 2024, "2024-H2", "2025-03-03"},
		{"half_yearly", 2026, "2026-H2", "2027-03-01"},
		// skat.dk, half-yearly.
		{"half_yearly", 2025, "2025-H1", "2025-09-01"},
		{"half_yearly", 2025, "2025-H2", "2026-03-02"},
		// skat.dk, quarterly.
		{"quarterly", 2024, "2024-Q1", "2024-06-03"},
		{"quarterly", 2024, "2024-Q3", "2024-12-02"},
		{"quarterly", 2024, "2024-Q4", "2025-03-03"},
		{"quarterly", 2025, "2025-Q2", "2025-09-01"},
		{"quarterly", 2025, "2025-Q3", "2025-12-01"},
		// skat.dk, monthly.
		{"monthly", 2024, "2024-11", "2024-12-27"},
		{"monthly", 2024, "2024-12", "2025-01-27"},
		{"monthly", 2025, "2025-04", "2025-05-26"},
		{"monthly", 2025, "2025-06", "2025-08-18"},
		{"monthly", 2025, "2025-09", "2025-10-27"},
		{"monthly", 2025, "2025-11", "2025-12-29"},
		{"monthly", 2025, "2025-12", "2026-01-26"},
	}
	for _, tt := range tests {
		t.Run(tt.period, func(t *testing.T) {
			got, ok := deadlines(t, h, tt.kind, tt.year)[tt.period]
			if !ok {
				t.Fatalf("no period %s", tt.period)
			}
			if got.Deadline != tt.want {
				t.Errorf("%s deadline = %s, want %s", tt.period, got.Deadline, tt.want)
			}
			if got.Note != "" {
				t.Errorf("%s: unexpected note %q", tt.period, got.Note)
			}
		})
	}
}

// TestSkatDiscrepancies: where skat.dk's calendar contradicts the statute
// (reference § 1.6), the tool gives the statutory date and says so.
func TestSkatDiscrepancies(t *testing.T) {
	h := sdktest.New(t, New())
	for _, tt := range []struct {
		year          int
		period, want  string
		movedBecauses int
	}{
		{2024, "2024-06", "2024-08-19", 2}, // skat.dk: 17 Aug 2024, a Saturday
		{2025, "2025-05", "2025-06-25", 0}, // skat.dk: 26 Jun 2025
	} {
		got := deadlines(t, h, "monthly", tt.year)[tt.period]
		if got.Deadline != tt.want || got.Note == "" || len(got.MovedBecause) != tt.movedBecauses {
			t.Errorf("%s = %+v, want deadline %s with a note and %d reasons", tt.period, got, tt.want, tt.movedBecauses)
		}
	}
}

// TestVATDeadlinesWhole checks one answer in full: periods, nominal dates,
// weekdays and reasons.
func TestVATDeadlinesWhole(t *testing.T) {
	h := sdktest.New(t, New())
	var got DeadlinesOutput
	if err := h.CallToolInto(context.Background(), "vat_deadlines", DeadlinesInput{PeriodKind: "half_yearly", Year: 2024}, &got); err != nil {
		t.Fatal(err)
	}
	want := DeadlinesOutput{PeriodKind: "half_yearly", Year: 2024, Basis: deadlineBasis, Periods: []PeriodDeadline{
		{Period: "2024-H1", Start: "2024-01-01", End: "2024-06-30", NominalDeadline: "2024-09-01", Deadline: "2024-09-02",
			Weekday: "Monday", MovedBecause: []string{"2024-09-01 is a Sunday"}},
		{Period: "2024-H2", Start: "2024-07-01", End: "2024-12-31", NominalDeadline: "2025-03-01", Deadline: "2025-03-03",
			Weekday: "Monday", MovedBecause: []string{"2025-03-01 is a Saturday", "2025-03-02 is a Sunday"}},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("vat_deadlines (-want +got):\n%s", diff)
	}
}

// TestVATPeriodsCoverTheYear: every kind's periods are contiguous, cover the
// year, and their deadlines are business days on or after the nominal date.
func TestVATPeriodsCoverTheYear(t *testing.T) {
	for year := minDeadlineYear; year <= maxDeadlineYear; year++ {
		for kind, n := range map[string]int{"monthly": 12, "quarterly": 4, "half_yearly": 2} {
			periods, err := vatPeriods(kind, year)
			if err != nil {
				t.Fatal(err)
			}
			if len(periods) != n {
				t.Fatalf("%s %d: %d periods, want %d", kind, year, len(periods), n)
			}
			next := date(year, 1, 1)
			for _, p := range periods {
				start, end := mustDate(t, p.Start), mustDate(t, p.End)
				nominal, deadline := mustDate(t, p.NominalDeadline), mustDate(t, p.Deadline)
				if !start.Equal(next) || end.Before(start) {
					t.Errorf("%s %s: %s..%s does not follow on", kind, p.Period, p.Start, p.End)
				}
				next = end.AddDate(0, 0, 1)
				if deadline.Before(nominal) || whyClosed(deadline) != "" || deadline.Weekday().String() != p.Weekday {
					t.Errorf("%s %s: deadline %s (%s) is not a business day on or after %s", kind, p.Period, p.Deadline, p.Weekday, p.NominalDeadline)
				}
			}
			if !next.Equal(date(year+1, 1, 1)) {
				t.Errorf("%s %d: periods end on %s", kind, year, next.AddDate(0, 0, -1).Format("2006-01-02"))
			}
		}
	}
}

func TestVATDeadlinesRejects(t *testing.T) {
	h := sdktest.New(t, New())
	tests := []struct {
		name  string
		args  any
		field string
	}{
		{"unknown kind", DeadlinesInput{PeriodKind: "weekly", Year: 2025}, "period_kind"},
		{"missing kind", map[string]any{"year": 2025}, "period_kind"},
		{"year too early", DeadlinesInput{PeriodKind: "monthly", Year: 2023}, "year"},
		{"year too late", DeadlinesInput{PeriodKind: "monthly", Year: 2031}, "year"},
		{"missing year", map[string]any{"period_kind": "monthly"}, "year"},
		{"year as string", map[string]any{"period_kind": "monthly", "year": "2025"}, "year"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got DeadlinesOutput
			wantFieldError(t, h.CallToolInto(context.Background(), "vat_deadlines", tt.args, &got), tt.field)
		})
	}
}
