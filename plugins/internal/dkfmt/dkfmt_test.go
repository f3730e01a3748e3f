package dkfmt

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func TestNumber(t *testing.T) {
	tests := []struct {
		in     string
		places int32
		want   string
	}{
		{"0", 2, "0,00"},
		{"1234.5", 2, "1.234,50"},
		{"1234567.891", 2, "1.234.567,89"},
		{"-1250", 2, "-1.250,00"},
		{"-0.004", 2, "0,00"},
		{"999.995", 2, "1.000,00"},
		{"12345", 0, "12.345"},
		{"2.3456", 4, "2,3456"},
		{"100", 3, "100,000"},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, Number(decimal.RequireFromString(tt.in), tt.places)); diff != "" {
			t.Errorf("Number(%s, %d) (-want +got):\n%s", tt.in, tt.places, diff)
		}
	}
	if got := Kr(decimal.RequireFromString("1250")); got != "1.250,00 kr." {
		t.Errorf("Kr = %q", got)
	}
}

func TestDate(t *testing.T) {
	tests := map[string]string{
		"2026-11-16": "16. november 2026",
		"2026-01-01": "1. januar 2026",
		"2027-05-31": "31. maj 2027",
		"16.11.2026": "16.11.2026",
		"":           "",
	}
	for in, want := range tests {
		if got := DateISO(in); got != want {
			t.Errorf("DateISO(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Month(time.December); got != "december" {
		t.Errorf("Month = %q", got)
	}
	if got := Date(time.Date(2026, 3, 9, 23, 0, 0, 0, time.UTC)); got != "9. marts 2026" {
		t.Errorf("Date = %q", got)
	}
}
