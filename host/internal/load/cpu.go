package load

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
)

// CPU is the CPU time a set of processes used over the measured window.
type CPU struct {
	Seconds float64 `json:"seconds"`
	// PerCallUS is Seconds per call (successes and errors), in µs.
	PerCallUS float64 `json:"per_call_us"`
	// Cores is Seconds over the window's length: how many cores were busy.
	Cores     float64      `json:"cores"`
	Processes []ProcessCPU `json:"processes"`
}

// ProcessCPU is one measured process's share. A child that exited during
// the window is counted in its parent's figure.
type ProcessCPU struct {
	PID     int     `json:"pid"`
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
}

// cpuWatch reads the CPU time of some processes, and optionally of all their
// descendants, from /proc.
type cpuWatch struct {
	root     string // "/proc"
	pids     []int
	children bool
}

type procKey struct {
	pid   int
	start uint64
}

// cpuSample is one reading: each process's ticks, and its stat.
type cpuSample map[procKey]procStat

// sample reads the watched processes. With children it walks the whole
// process table for descendants, and counts each process's reaped
// children too: a child that exits and is waited for moves its ticks into
// its parent's cutime/cstime, so the sum stays right when plugins restart.
func (w cpuWatch) sample() (cpuSample, error) {
	out := cpuSample{}
	if !w.children {
		for _, pid := range w.pids {
			st, err := readStat(w.root, pid)
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("process %d: not running", pid)
			}
			if err != nil {
				return nil, fmt.Errorf("process %d: %v", pid, err)
			}
			out[procKey{pid, st.Start}] = st
		}
		return out, nil
	}
	all, err := pids(w.root)
	if err != nil {
		return nil, err
	}
	byParent := map[int][]procStat{}
	stats := map[int]procStat{}
	for _, pid := range all {
		st, err := readStat(w.root, pid)
		if err != nil {
			continue // gone since the listing
		}
		stats[pid] = st
		byParent[st.PPID] = append(byParent[st.PPID], st)
	}
	queue := slices.Clone(w.pids)
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		st, ok := stats[pid]
		if !ok {
			if slices.Contains(w.pids, pid) {
				return nil, fmt.Errorf("process %d: not running", pid)
			}
			continue
		}
		k := procKey{pid, st.Start}
		if _, seen := out[k]; seen {
			continue
		}
		out[k] = st
		for _, c := range byParent[pid] {
			queue = append(queue, c.PID)
		}
	}
	return out, nil
}

// ticks is what a process counts for: its own CPU, plus its reaped
// children's when descendants are measured.
func (w cpuWatch) ticks(st procStat) uint64 {
	if w.children {
		return st.Own + st.Reaped
	}
	return st.Own
}

// delta is the CPU the processes used between two samples. A process only
// in the second started in between and counts from zero; one only in the
// first ended, and its ticks, now in its parent's reaped time, are taken
// off again so that nothing counts twice.
func (w cpuWatch) delta(before, after cpuSample, nameOf func(procStat) string) (seconds float64, procs []ProcessCPU) {
	var total int64
	for k, a := range after {
		d := int64(w.ticks(a))
		if b, ok := before[k]; ok {
			d -= int64(w.ticks(b))
		}
		total += d
		procs = append(procs, ProcessCPU{PID: k.pid, Name: nameOf(a), Seconds: float64(d) / ticksPerSecond})
	}
	for k, b := range before {
		if _, ok := after[k]; !ok {
			total -= int64(w.ticks(b))
		}
	}
	slices.SortFunc(procs, func(x, y ProcessCPU) int { return x.PID - y.PID })
	return float64(total) / ticksPerSecond, procs
}
