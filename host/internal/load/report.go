package load

import (
	"math"
	"runtime"
	"slices"
	"time"
)

// Report is the result of a run, as --json prints it.
type Report struct {
	Label     string `json:"label,omitempty"`
	Transport string `json:"transport"`
	Protocol  string `json:"protocol,omitempty"`
	Endpoint  string `json:"endpoint"`
	Workload  string `json:"workload"`
	Clients   int    `json:"clients"`
	// MachineCores is what the load tool, the server and anything else on
	// this machine share.
	MachineCores   int     `json:"machine_cores"`
	WarmupSeconds  float64 `json:"warmup_seconds"`
	ElapsedSeconds float64 `json:"elapsed_seconds"`
	Interrupted    bool    `json:"interrupted,omitempty"`

	// Calls = Successes + Errors, over the measured window only.
	Calls          int     `json:"calls"`
	Successes      int     `json:"successes"`
	Errors         int     `json:"errors"`
	CallsPerSecond float64 `json:"calls_per_second"`
	// Latency is over every measured call, failed ones included.
	Latency      Latency      `json:"latency_ms"`
	ErrorsByCode []ErrorCount `json:"errors_by_code"`
	// Tools breaks the figures down per tool when the workload has more
	// than one.
	Tools []ToolStats `json:"tools,omitempty"`

	ServerCPU  *CPU        `json:"server_cpu,omitempty"`
	ClientCPU  *CPU        `json:"client_cpu,omitempty"`
	MachineCPU *MachineCPU `json:"machine_cpu,omitempty"`
	Warnings   []string    `json:"warnings,omitempty"`
}

// ToolStats are one tool's figures in a mixed workload or replay.
type ToolStats struct {
	Tool    string  `json:"tool"`
	Calls   int     `json:"calls"`
	Errors  int     `json:"errors"`
	Latency Latency `json:"latency_ms"`
}

func newReport(o Options, t *tally, elapsed time.Duration) *Report {
	r := &Report{
		Label: o.Label, Transport: o.Transport, Endpoint: o.endpoint(), Workload: o.Workload.Describe,
		Clients: o.Clients, MachineCores: runtime.NumCPU(),
		WarmupSeconds: o.Warmup.Seconds(), ElapsedSeconds: round(elapsed.Seconds(), 3),
		ErrorsByCode: t.errorList(),
	}
	if o.Transport == TransportMCP {
		r.Protocol = o.Protocol
	}
	var all []time.Duration
	names := make([]string, 0, len(t.tools))
	for name, tt := range t.tools {
		names = append(names, name)
		all = append(all, tt.lat...)
		r.Errors += tt.errors
	}
	slices.Sort(names)
	r.Calls = len(all)
	r.Successes = r.Calls - r.Errors
	if elapsed > 0 {
		r.CallsPerSecond = round(float64(r.Calls)/elapsed.Seconds(), 1)
	}
	r.Latency = summarise(all)
	if len(names) > 1 {
		for _, name := range names {
			tt := t.tools[name]
			r.Tools = append(r.Tools, ToolStats{Tool: name, Calls: len(tt.lat), Errors: tt.errors, Latency: summarise(tt.lat)})
		}
	}
	return r
}

// fewTicks is the least CPU time, in ticks, a figure is trusted from: each
// reading may be up to a tick off, so below 50 ticks (0.5 s) the error can
// pass 4 %.
const fewTicks = 50

// cpuFigure turns two samples into a CPU figure for calls calls over
// elapsed seconds, and says whether there were enough ticks to trust it.
func cpuFigure(w cpuWatch, before, after cpuSample, calls int, elapsed float64, root string) (c *CPU, enough bool) {
	seconds, procs := w.delta(before, after, func(st procStat) string { return processName(root, st) })
	c = &CPU{Seconds: round(seconds, 2), Processes: procs}
	if calls > 0 {
		c.PerCallUS = round(seconds*1e6/float64(calls), 1)
	}
	if elapsed > 0 {
		c.Cores = round(seconds/elapsed, 2)
	}
	return c, seconds*ticksPerSecond >= fewTicks
}

// machineFigure is the machine's busy time over the window, and what of it
// was neither the server's nor the load tool's. Tick rounding in the three
// readings can take that a hair below zero; it is shown as zero.
func machineFigure(busyTicks uint64, elapsed float64, server *CPU, selfSeconds float64) *MachineCPU {
	busy := float64(busyTicks) / ticksPerSecond
	m := &MachineCPU{BusyCores: round(busy/elapsed, 2)}
	if server != nil {
		other := round(max(0, (busy-server.Seconds-selfSeconds)/elapsed), 2)
		m.OtherCores = &other
	}
	return m
}

// round keeps JSON figures to the precision they have.
func round(x float64, decimals int) float64 {
	p := math.Pow10(decimals)
	return math.Round(x*p) / p
}
