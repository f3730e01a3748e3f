package load

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestComparison(t *testing.T) {
	run := func(label string, clients int, rate, p50, p99, cpu float64, errors int) *Report {
		r := &Report{Label: label, Clients: clients, CallsPerSecond: rate, Latency: Latency{P50: p50, P99: p99}, Errors: errors}
		if cpu > 0 {
			other := 0.25
			r.ServerCPU = &CPU{PerCallUS: cpu}
			r.MachineCPU = &MachineCPU{BusyCores: 1.9, OtherCores: &other}
		}
		return r
	}
	// As bench.sh writes them: one JSON report after another in one file.
	var file bytes.Buffer
	enc := json.NewEncoder(&file)
	for _, r := range []*Report{
		run("bare", 1, 4000, 0.21, 0.9, 120, 0),
		run("billy-mcp", 1, 1300, 0.65, 3.1, 480, 0),
		run("bare", 16, 9000, 1.7, 4.2, 95, 0),
		run("billy-mcp", 16, 3000, 4.5, 19.1, 410, 2),
		run("other", 64, 10, 12, 130, 0, 0),
	} {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	reports, err := ReadReports("runs.json", &file)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := WriteComparison(&out, reports, ""); err != nil {
		t.Fatal(err)
	}
	want := `| server | clients | calls/s | ratio to bare | p50 | p99 | server CPU per call | other processes' CPU | errors |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| bare | 1 | 4,000 | 1.00 | 210 µs | 900 µs | 120 µs | 0.25 cores | 0 |
| billy-mcp | 1 | 1,300 | 0.33 | 650 µs | 3.10 ms | 480 µs | 0.25 cores | 0 |
| bare | 16 | 9,000 | 1.00 | 1.70 ms | 4.20 ms | 95 µs | 0.25 cores | 0 |
| billy-mcp | 16 | 3,000 | 0.33 | 4.50 ms | 19.1 ms | 410 µs | 0.25 cores | 2 |
| other | 64 | 10 | – | 12.0 ms | 130 ms | – | – | 0 |
`
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	err = WriteComparison(&out, reports, "nginx")
	if err == nil || !strings.Contains(err.Error(), `no run is labelled "nginx" (the labels are "bare", "billy-mcp", "other")`) {
		t.Errorf("unknown baseline: %v", err)
	}
	if _, err := ReadReports("bad.json", strings.NewReader(`{"calls": 1} {"calls": "x"}`)); err == nil || !strings.Contains(err.Error(), "bad.json: report 2") {
		t.Errorf("a broken report: %v", err)
	}
}

func TestThousands(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 999.4: "999", 1000: "1,000", 123456.7: "123,457", 1234567: "1,234,567"} {
		if got := thousands(in); got != want {
			t.Errorf("thousands(%v) = %q, want %q", in, got, want)
		}
	}
}
