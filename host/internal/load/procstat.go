package load

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ticksPerSecond is USER_HZ, the unit of the CPU times in /proc/PID/stat.
// Linux fixes it at 100 for user space on every architecture Go supports
// (the kernel's own HZ may differ; /proc converts), and reading it
// through sysconf would need cgo.
const ticksPerSecond = 100

// procStat is the part of /proc/PID/stat the CPU figures need.
type procStat struct {
	PID  int
	PPID int
	// Start (starttime, in ticks since boot) tells a process from a later
	// one that got the same PID.
	Start uint64
	// Own is utime + stime: CPU the process's threads used.
	Own uint64
	// Reaped is cutime + cstime: CPU of children it has waited for.
	Reaped uint64
	// Comm is the kernel's short name (15 bytes at most).
	Comm string
}

// parseStat reads one /proc/PID/stat line. The command name is in
// parentheses and may itself hold spaces and parentheses, so the fields are
// counted from the last ")".
func parseStat(line string) (procStat, error) {
	open := strings.IndexByte(line, '(')
	end := strings.LastIndexByte(line, ')')
	if open < 0 || end < open {
		return procStat{}, fmt.Errorf("unexpected /proc stat line %q", line)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line[:open]))
	if err != nil {
		return procStat{}, fmt.Errorf("unexpected /proc stat line %q", line)
	}
	// After ")": state(3) ppid(4) ... utime(14) stime(15) cutime(16)
	// cstime(17) ... starttime(22), numbered as in proc(5).
	f := strings.Fields(line[end+1:])
	if len(f) < 20 {
		return procStat{}, fmt.Errorf("short /proc stat line for pid %d", pid)
	}
	field := func(n int) (uint64, error) {
		// cutime and cstime are signed in the kernel's format; they are
		// never negative in practice.
		v, err := strconv.ParseInt(f[n-3], 10, 64)
		if err != nil || v < 0 {
			return 0, fmt.Errorf("field %d of pid %d's stat is %q", n, pid, f[n-3])
		}
		return uint64(v), nil
	}
	var vals [5]uint64
	for i, n := range []int{4, 14, 15, 16, 17} {
		if vals[i], err = field(n); err != nil {
			return procStat{}, err
		}
	}
	start, err := field(22)
	if err != nil {
		return procStat{}, err
	}
	return procStat{PID: pid, PPID: int(vals[0]), Start: start, Own: vals[1] + vals[2], Reaped: vals[3] + vals[4], Comm: line[open+1 : end]}, nil
}

// readStat reads /proc/PID/stat under root (/proc, or a test's copy).
func readStat(root string, pid int) (procStat, error) {
	b, err := os.ReadFile(filepath.Join(root, strconv.Itoa(pid), "stat"))
	if err != nil {
		return procStat{}, err
	}
	return parseStat(string(bytes.TrimSpace(b)))
}

// pids lists the numeric entries of root: the processes.
func pids(root string) ([]int, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	var out []int
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			out = append(out, pid)
		}
	}
	return out, nil
}

// processName is the base name of the process's executable as its command
// line gives it (plugin names are longer than comm's 15 bytes), else comm.
func processName(root string, st procStat) string {
	b, err := os.ReadFile(filepath.Join(root, strconv.Itoa(st.PID), "cmdline"))
	if err == nil {
		if argv0, _, _ := bytes.Cut(b, []byte{0}); len(argv0) > 0 {
			return filepath.Base(string(argv0))
		}
	}
	return st.Comm
}
