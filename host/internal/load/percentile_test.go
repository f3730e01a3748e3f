package load

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestPercentile(t *testing.T) {
	ms := func(xs ...int) []time.Duration {
		out := make([]time.Duration, len(xs))
		for i, x := range xs {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	tests := []struct {
		name     string
		sorted   []time.Duration
		perMille int
		want     time.Duration
	}{
		{"empty", nil, 500, 0},
		{"one value is every percentile", ms(7), 990, 7 * time.Millisecond},
		{"p50 of two is the first", ms(1, 2), 500, time.Millisecond},
		{"p50 of three is the middle", ms(1, 2, 3), 500, 2 * time.Millisecond},
		{"p50 of four is the second", ms(1, 2, 3, 4), 500, 2 * time.Millisecond},
		{"p90 of ten is the ninth", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 900, 9 * time.Millisecond},
		{"p99 of ten is the largest", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 990, 10 * time.Millisecond},
		{"p99 of a hundred is the 99th", hundred, 990, 99 * time.Millisecond},
		{"p99.9 of a hundred is the largest", hundred, 999, 100 * time.Millisecond},
		{"p100 is the largest", hundred, 1000, 100 * time.Millisecond},
		{"p0 is the smallest", hundred, 0, time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, percentile(tt.sorted, tt.perMille)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestSummarise(t *testing.T) {
	tests := []struct {
		name string
		lat  []time.Duration
		want Latency
	}{
		{"nothing", nil, Latency{}},
		{"unsorted input, to the microsecond", []time.Duration{3 * time.Millisecond, 1500 * time.Microsecond, 1234567 * time.Nanosecond, 10 * time.Millisecond},
			Latency{P50: 1.5, P90: 10, P99: 10, Max: 10, Mean: 3.933}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, summarise(tt.lat)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
