package load

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// statLine is a /proc/PID/stat line with the fields the load tool reads set
// and the others plausible.
func statLine(pid, ppid int, comm string, utime, stime, cutime, cstime, start uint64) string {
	return fmt.Sprintf("%d (%s) S %d %d %d 0 -1 4194560 1 0 0 0 %d %d %d %d 20 0 9 0 %d 1000000 500 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0",
		pid, comm, ppid, pid, pid, utime, stime, cutime, cstime, start)
}

func TestParseStat(t *testing.T) {
	tests := []struct {
		name string
		line string
		want procStat
		err  bool
	}{
		{"a host", statLine(100, 1, "billy-mcp", 250, 50, 7, 3, 12345),
			procStat{PID: 100, PPID: 1, Start: 12345, Own: 300, Reaped: 10, Comm: "billy-mcp"}, false},
		{"spaces and parentheses in the name", statLine(7, 100, "a) (b c", 1, 2, 0, 0, 9),
			procStat{PID: 7, PPID: 100, Start: 9, Own: 3, Comm: "a) (b c"}, false},
		{"truncated", "7 (x) S 1 2 3", procStat{}, true},
		{"no name", "7 x S 1", procStat{}, true},
		{"a field that is not a number", "7 (x) S 1 7 7 0 -1 4194560 1 0 0 0 ten 2 0 0 20 0 9 0 9 1", procStat{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStat(tt.line)
			if (err != nil) != tt.err {
				t.Fatalf("error %v, want one: %v", err, tt.err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// fakeProc is a /proc with the given stat lines.
type fakeProc string

func (f fakeProc) set(t *testing.T, pid int, line string) {
	t.Helper()
	dir := filepath.Join(string(f), strconv.Itoa(pid))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "stat"), []byte(line+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (f fakeProc) remove(t *testing.T, pid int) {
	t.Helper()
	if err := os.RemoveAll(filepath.Join(string(f), strconv.Itoa(pid))); err != nil {
		t.Fatal(err)
	}
}

// TestCPUDelta follows a host and its plugins through a window in which a
// plugin crashes and is reaped, its replacement starts, and an unrelated
// process burns CPU.
func TestCPUDelta(t *testing.T) {
	p := fakeProc(t.TempDir())
	p.set(t, 100, statLine(100, 1, "billy-mcp", 1000, 0, 0, 0, 5))
	p.set(t, 101, statLine(101, 100, "billy-mcp-plugi", 400, 0, 0, 0, 6)) // crashes during the window
	p.set(t, 102, statLine(102, 100, "billy-mcp-plugi", 200, 0, 0, 0, 6))
	p.set(t, 103, statLine(103, 102, "helper", 10, 0, 0, 0, 7)) // a grandchild
	p.set(t, 500, statLine(500, 1, "other", 0, 0, 0, 0, 3))
	name := func(st procStat) string { return st.Comm }

	withChildren := cpuWatch{root: string(p), pids: []int{100}, children: true}
	alone := cpuWatch{root: string(p), pids: []int{100}}
	before, err := withChildren.sample()
	if err != nil {
		t.Fatal(err)
	}
	beforeAlone, err := alone.sample()
	if err != nil {
		t.Fatal(err)
	}

	// 101 used 50 more ticks, exited and was reaped: 450 now in the host's
	// cutime. 104 replaced it and used 30. The host used 100 itself, 102
	// 20, 103 5. The unrelated process used 999.
	p.remove(t, 101)
	p.set(t, 100, statLine(100, 1, "billy-mcp", 1100, 0, 450, 0, 5))
	p.set(t, 102, statLine(102, 100, "billy-mcp-plugi", 210, 10, 0, 0, 6))
	p.set(t, 103, statLine(103, 102, "helper", 15, 0, 0, 0, 7))
	p.set(t, 104, statLine(104, 100, "billy-mcp-plugi", 30, 0, 0, 0, 90))
	p.set(t, 500, statLine(500, 1, "other", 999, 0, 0, 0, 3))
	after, err := withChildren.sample()
	if err != nil {
		t.Fatal(err)
	}
	afterAlone, err := alone.sample()
	if err != nil {
		t.Fatal(err)
	}

	seconds, procs := withChildren.delta(before, after, name)
	// 100 (host) + 50 (101's last ticks) + 20 + 5 + 30 = 205 ticks.
	if diff := cmp.Diff(2.05, seconds); diff != "" {
		t.Errorf("with children, seconds (-want +got):\n%s", diff)
	}
	want := []ProcessCPU{
		{PID: 100, Name: "billy-mcp", Seconds: 5.5}, // its own 100 and 101's whole 450 once reaped
		{PID: 102, Name: "billy-mcp-plugi", Seconds: 0.2},
		{PID: 103, Name: "helper", Seconds: 0.05},
		{PID: 104, Name: "billy-mcp-plugi", Seconds: 0.3},
	}
	if diff := cmp.Diff(want, procs); diff != "" {
		t.Errorf("with children, processes (-want +got):\n%s", diff)
	}

	seconds, _ = alone.delta(beforeAlone, afterAlone, name)
	if diff := cmp.Diff(1.0, seconds); diff != "" {
		t.Errorf("the host alone, seconds (-want +got):\n%s", diff)
	}
}

// TestCPUReusedPID: a PID that now names another process counts from zero.
func TestCPUReusedPID(t *testing.T) {
	p := fakeProc(t.TempDir())
	p.set(t, 100, statLine(100, 1, "host", 0, 0, 0, 0, 5))
	p.set(t, 101, statLine(101, 100, "plugin", 500, 0, 0, 0, 6))
	w := cpuWatch{root: string(p), pids: []int{100}, children: true}
	before, _ := w.sample()
	p.set(t, 100, statLine(100, 1, "host", 0, 0, 510, 0, 5))     // 101 used 10 more, exited
	p.set(t, 101, statLine(101, 100, "plugin", 20, 0, 0, 0, 80)) // a new plugin with the old PID
	after, _ := w.sample()
	seconds, _ := w.delta(before, after, func(st procStat) string { return st.Comm })
	if diff := cmp.Diff(0.3, seconds); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestCPUWatchMissingProcess(t *testing.T) {
	p := fakeProc(t.TempDir())
	for _, children := range []bool{false, true} {
		_, err := cpuWatch{root: string(p), pids: []int{42}, children: children}.sample()
		if err == nil || err.Error() != "process 42: not running" {
			t.Errorf("children=%v: error %v, want process 42: not running", children, err)
		}
	}
}
