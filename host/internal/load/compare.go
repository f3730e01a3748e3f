package load

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// ReadReports reads --json reports, one after another in r (a file the
// runs appended to).
func ReadReports(name string, r io.Reader) ([]*Report, error) {
	dec := json.NewDecoder(r)
	var out []*Report
	for {
		var rep Report
		err := dec.Decode(&rep)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: report %d: %v", name, len(out)+1, err)
		}
		out = append(out, &rep)
	}
}

// WriteComparison prints runs side by side as a Markdown table, one row a
// run, grouped by client count, with each run's calls/s as a ratio of the
// baseline's at the same client count. The baseline is the label given, or
// the first run's label. "Other processes' CPU" is what the rest of the
// machine used meanwhile: rows are comparable when it is alike.
func WriteComparison(w io.Writer, reports []*Report, baseline string) error {
	if len(reports) == 0 {
		return errors.New("no reports to compare")
	}
	if baseline == "" {
		baseline = labelOf(reports[0])
	}
	base := map[int]float64{}
	for _, r := range reports {
		if labelOf(r) == baseline {
			base[r.Clients] = r.CallsPerSecond
		}
	}
	if len(base) == 0 {
		return fmt.Errorf("no run is labelled %q (the labels are %s)", baseline, strings.Join(labels(reports), ", "))
	}
	rows := slices.Clone(reports)
	slices.SortStableFunc(rows, func(a, b *Report) int { return a.Clients - b.Clients })
	fmt.Fprintf(w, "| server | clients | calls/s | ratio to %s | p50 | p99 | server CPU per call | other processes' CPU | errors |\n", baseline)
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, r := range rows {
		ratio := "–"
		if b := base[r.Clients]; b > 0 {
			ratio = fmt.Sprintf("%.2f", r.CallsPerSecond/b)
		}
		cpu := "–"
		if r.ServerCPU != nil {
			cpu = usText(r.ServerCPU.PerCallUS)
		}
		others := "–"
		if r.MachineCPU != nil && r.MachineCPU.OtherCores != nil {
			others = fmt.Sprintf("%.2f cores", *r.MachineCPU.OtherCores)
		}
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %s | %s | %d |\n", labelOf(r), r.Clients, thousands(r.CallsPerSecond),
			ratio, msText(r.Latency.P50), msText(r.Latency.P99), cpu, others, r.Errors)
	}
	return nil
}

// labelOf names a run: its label, else its transport.
func labelOf(r *Report) string {
	if r.Label != "" {
		return r.Label
	}
	return strings.TrimSpace(r.Transport + " " + r.Protocol)
}

func labels(reports []*Report) []string {
	var out []string
	for _, r := range reports {
		if l := fmt.Sprintf("%q", labelOf(r)); !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// thousands prints a rate as a whole number with thousands separators.
func thousands(x float64) string {
	s := fmt.Sprintf("%.0f", x)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
