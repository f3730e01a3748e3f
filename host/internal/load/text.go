package load

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteText prints the report as a table for people.
func WriteText(w io.Writer, r *Report) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	what := r.Transport
	if r.Protocol != "" {
		what += " " + r.Protocol
	}
	if r.Label != "" {
		what = r.Label + ": " + what
	}
	fmt.Fprintf(w, "%s  %s  %s\n", what, r.Endpoint, r.Workload)
	warm := "without a warm-up"
	if r.WarmupSeconds > 0 {
		warm = fmt.Sprintf("after a %gs warm-up", r.WarmupSeconds)
	}
	stopped := ""
	if r.Interrupted {
		stopped = " (interrupted)"
	}
	fmt.Fprintf(w, "%s, measured %.2fs %s%s; %d cores on this machine\n\n", plural(r.Clients, "client"), r.ElapsedSeconds, warm, stopped, r.MachineCores)
	fmt.Fprintf(tw, "calls\t%d\t%d ok, %d errors\n", r.Calls, r.Successes, r.Errors)
	fmt.Fprintf(tw, "calls/s\t%.1f\t\n", r.CallsPerSecond)
	l := r.Latency
	fmt.Fprintf(tw, "latency p50\t%s\tp90 %s, p99 %s, max %s, mean %s\n", msText(l.P50), msText(l.P90), msText(l.P99), msText(l.Max), msText(l.Mean))
	if r.ServerCPU != nil {
		fmt.Fprintf(tw, "server CPU\t%s/call\t%s\n", usText(r.ServerCPU.PerCallUS), cpuDetail(r.ServerCPU))
	}
	if r.ClientCPU != nil {
		fmt.Fprintf(tw, "client CPU\t%s/call\t%.2fs, %.2f cores (this load tool)\n", usText(r.ClientCPU.PerCallUS), r.ClientCPU.Seconds, r.ClientCPU.Cores)
	}
	if m := r.MachineCPU; m != nil {
		other := ""
		if m.OtherCores != nil {
			other = fmt.Sprintf("%.2f of them by other processes", *m.OtherCores)
		}
		fmt.Fprintf(tw, "machine CPU\t%.2f cores\t%s\n", m.BusyCores, other)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Tools) > 0 {
		fmt.Fprintln(w, "\nby tool")
		fmt.Fprintln(tw, "  tool\tcalls\terrors\tp50\tp99")
		for _, t := range r.Tools {
			fmt.Fprintf(tw, "  %s\t%d\t%d\t%s\t%s\n", t.Tool, t.Calls, t.Errors, msText(t.Latency.P50), msText(t.Latency.P99))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(r.ErrorsByCode) > 0 {
		fmt.Fprintln(w, "\nerrors by category and code")
		fmt.Fprintln(tw, "  category\tcode\tcount\texample")
		for _, e := range r.ErrorsByCode {
			fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\n", e.Category, e.Code, e.Count, oneLine(e.Example))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	for _, warning := range r.Warnings {
		fmt.Fprintln(w, "warning:", warning)
	}
	return nil
}

func cpuDetail(c *CPU) string {
	parts := make([]string, 0, len(c.Processes))
	for _, p := range c.Processes {
		parts = append(parts, fmt.Sprintf("%s[%d] %.2fs", p.Name, p.PID, p.Seconds))
	}
	return fmt.Sprintf("%.2fs, %.2f cores: %s", c.Seconds, c.Cores, strings.Join(parts, ", "))
}

// msText prints milliseconds with three significant digits, in µs below 1 ms.
func msText(ms float64) string {
	switch {
	case ms < 1:
		return fmt.Sprintf("%.0f µs", ms*1000)
	case ms < 10:
		return fmt.Sprintf("%.2f ms", ms)
	case ms < 100:
		return fmt.Sprintf("%.1f ms", ms)
	}
	return fmt.Sprintf("%.0f ms", ms)
}

// usText prints microseconds, in ms from 1 ms on, like msText.
func usText(us float64) string {
	if us >= 1000 {
		return msText(us / 1000)
	}
	return fmt.Sprintf("%.0f µs", us)
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
