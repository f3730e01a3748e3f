package load

import (
	"slices"
	"time"
)

// Latency summarises call latencies, in milliseconds.
type Latency struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

// summarise sorts lat in place and returns its percentiles.
func summarise(lat []time.Duration) Latency {
	if len(lat) == 0 {
		return Latency{}
	}
	slices.Sort(lat)
	var sum time.Duration
	for _, d := range lat {
		sum += d
	}
	return Latency{
		P50:  ms(percentile(lat, 500)),
		P90:  ms(percentile(lat, 900)),
		P99:  ms(percentile(lat, 990)),
		Max:  ms(lat[len(lat)-1]),
		Mean: ms(sum / time.Duration(len(lat))),
	}
}

// percentile returns the perMille/10-th percentile of sorted by the
// nearest-rank method: the smallest value with at least that share of the
// values at or below it, always one that was measured. Per mille, in
// integers, so that p99 of 100 values is the 99th and no rounding of a
// float decides it.
func percentile(sorted []time.Duration, perMille int) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := (perMille*n + 999) / 1000
	rank = max(1, min(rank, n))
	return sorted[rank-1]
}

// ms is d in milliseconds, to the microsecond.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
