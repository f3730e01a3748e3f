package pluginhost

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/go-hclog"
)

// fakeProcs is a process table in memory.
type fakeProcs struct {
	me      procID
	boot    string
	running map[int]procInfo
	// stubborn processes survive SIGTERM.
	stubborn map[int]bool
	signals  []string
}

func (f *fakeProcs) self() (procID, error)   { return f.me, nil }
func (f *fakeProcs) bootID() (string, error) { return f.boot, nil }
func (f *fakeProcs) look(pid int) (procInfo, bool) {
	p, ok := f.running[pid]
	return p, ok
}

func (f *fakeProcs) signal(pid int, sig syscall.Signal) error {
	f.signals = append(f.signals, fmt.Sprintf("%s %d", map[syscall.Signal]string{syscall.SIGTERM: "TERM", syscall.SIGKILL: "KILL"}[sig], pid))
	if sig == syscall.SIGKILL || !f.stubborn[pid] {
		delete(f.running, pid)
	}
	return nil
}

// privateTempDir is a temp dir only this user can use, as the ledger
// requires (t.TempDir's are world-readable).
func privateTempDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "ledger")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

func writeLedger(t *testing.T, dir, name string, lf ledgerFile) {
	t.Helper()
	b, err := json.Marshal(lf)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func ledgerFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "host-*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range m {
		names = append(names, filepath.Base(p))
	}
	sort.Strings(names)
	return names
}

func TestReapStale(t *testing.T) {
	deadHost := procID{PID: 10, Start: 5}
	plugin := pluginRecord{PID: 20, Start: 7, Name: "moms", Exe: "/opt/bin/billy-mcp-plugin-moms"}
	tests := []struct {
		name     string
		boot     string           // of the recorded file; "b1" is this boot
		running  map[int]procInfo // besides this host
		stubborn bool
		want     []string // signals sent
		wantKept bool     // the recorded file is still there
	}{
		{name: "orphan of a dead host is ended", boot: "b1",
			running: map[int]procInfo{20: {7, plugin.Exe}}, want: []string{"TERM 20"}},
		{name: "binary rebuilt while the orphan ran", boot: "b1",
			running: map[int]procInfo{20: {7, plugin.Exe + " (deleted)"}}, want: []string{"TERM 20"}},
		{name: "orphan ignoring SIGTERM is killed", boot: "b1", stubborn: true,
			running: map[int]procInfo{20: {7, plugin.Exe}}, want: []string{"TERM 20", "KILL 20"}},
		{name: "host PID now another process", boot: "b1",
			running: map[int]procInfo{10: {6, "/usr/bin/bash"}, 20: {7, plugin.Exe}}, want: []string{"TERM 20"}},
		{name: "another binary at the PID is not ours", boot: "b1",
			running: map[int]procInfo{20: {7, "/usr/bin/vim"}}},
		{name: "PID reused by a later process", boot: "b1",
			running: map[int]procInfo{20: {9, plugin.Exe}}},
		{name: "exe unreadable (another user's process)", boot: "b1",
			running: map[int]procInfo{20: {7, ""}}},
		{name: "host still runs: its plugins are its own", boot: "b1", wantKept: true,
			running: map[int]procInfo{10: {5, "/opt/bin/billy-mcp"}, 20: {7, plugin.Exe}}},
		{name: "written before a reboot", boot: "b0",
			running: map[int]procInfo{20: {7, plugin.Exe}}},
		{name: "plugin already gone", boot: "b1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := privateTempDir(t)
			procs := &fakeProcs{me: procID{PID: 30, Start: 100}, boot: "b1", running: map[int]procInfo{30: {100, "/opt/bin/billy-mcp"}}, stubborn: map[int]bool{20: tt.stubborn}}
			for pid, p := range tt.running {
				procs.running[pid] = p
			}
			writeLedger(t, dir, "host-10-5.json", ledgerFile{Boot: tt.boot, Host: deadHost, Plugins: []pluginRecord{plugin}})
			l := openLedger(dir, procs, hclog.NewNullLogger())
			if l == nil {
				t.Fatal("no ledger in a private temp dir")
			}
			l.reapStale()
			if diff := cmp.Diff(tt.want, procs.signals); diff != "" {
				t.Errorf("signals (-want +got):\n%s", diff)
			}
			var want []string
			if tt.wantKept {
				want = []string{"host-10-5.json"}
			}
			if diff := cmp.Diff(want, ledgerFiles(t, dir)); diff != "" {
				t.Errorf("ledger files left (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLedgerRecordsRunningPlugins(t *testing.T) {
	dir := privateTempDir(t)
	procs := &fakeProcs{me: procID{PID: 30, Start: 100}, boot: "b1", running: map[int]procInfo{
		30: {100, "/opt/bin/billy-mcp"}, 41: {101, "/opt/bin/billy-mcp-plugin-a"}, 42: {102, "/opt/bin/billy-mcp-plugin-b"}, 43: {103, "/opt/bin/billy-mcp-plugin-a"}}}
	l := openLedger(dir, procs, hclog.NewNullLogger())
	read := func() []pluginRecord {
		var lf ledgerFile
		b, err := os.ReadFile(filepath.Join(dir, "host-30-100.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &lf); err != nil {
			t.Fatal(err)
		}
		if lf.Boot != "b1" || lf.Host != procs.me {
			t.Errorf("file names boot %q host %v, want b1 and %v", lf.Boot, lf.Host, procs.me)
		}
		return lf.Plugins
	}
	l.add("a", 41)
	l.add("b", 42)
	l.add("a", 43) // a restarted
	l.remove("b")
	want := []pluginRecord{{PID: 43, Start: 103, Name: "a", Exe: "/opt/bin/billy-mcp-plugin-a"}}
	if diff := cmp.Diff(want, read()); diff != "" {
		t.Errorf("recorded (-want +got):\n%s", diff)
	}
	l.close()
	if got := ledgerFiles(t, dir); len(got) != 0 {
		t.Errorf("a stopped host left %v", got)
	}
}

func TestLedgerRefusesADirOthersCanWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "shared")
	if err := os.Mkdir(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil { // past the umask
		t.Fatal(err)
	}
	procs := &fakeProcs{me: procID{PID: 30, Start: 100}, boot: "b1"}
	if l := openLedger(dir, procs, hclog.NewNullLogger()); l != nil {
		t.Errorf("a ledger in a world-writable directory: %v", l.path)
	}
}

// reapHelperEnv makes the test binary sleep, as a stand-in plugin process.
const reapHelperEnv = "PLUGINS_REAP_TEST_SLEEPER"

func TestReapHelperSleeper(t *testing.T) {
	if os.Getenv(reapHelperEnv) == "" {
		t.Skip("helper process for TestReapStaleRealProcesses")
	}
	time.Sleep(time.Minute)
	os.Exit(3)
}

func startSleeper(t *testing.T) (*exec.Cmd, procInfo) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestReapHelperSleeper$")
	cmd.Env = append(os.Environ(), reapHelperEnv+"=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	info, ok := procfs{}.look(cmd.Process.Pid)
	if !ok || info.exe == "" {
		t.Fatalf("cannot read /proc for the helper %d", cmd.Process.Pid)
	}
	return cmd, info
}

// TestReapStaleRealProcesses ends a real left-behind process and leaves
// alone one whose binary is not the recorded one.
func TestReapStaleRealProcesses(t *testing.T) {
	orphan, orphanInfo := startSleeper(t)
	other, otherInfo := startSleeper(t)
	self, err := procfs{}.self()
	if err != nil {
		t.Fatal(err)
	}
	boot, err := procfs{}.bootID()
	if err != nil {
		t.Fatal(err)
	}
	dir := privateTempDir(t)
	// Recorded by "a host" whose PID is now this test (started at
	// another time), so that host is dead.
	writeLedger(t, dir, "host-1-1.json", ledgerFile{Boot: boot, Host: procID{PID: self.PID, Start: self.Start + 1}, Plugins: []pluginRecord{
		{PID: orphan.Process.Pid, Start: orphanInfo.start, Name: "orphan", Exe: orphanInfo.exe},
		{PID: other.Process.Pid, Start: otherInfo.start, Name: "other", Exe: "/opt/bin/billy-mcp-plugin-other"},
	}})
	l := openLedger(dir, procfs{}, hclog.NewNullLogger())
	if l == nil {
		t.Fatal("no ledger in a private temp dir")
	}
	l.reapStale()

	// Wait reaps the zombie and says how it ended.
	err = orphan.Wait()
	if st, ok := orphan.ProcessState.Sys().(syscall.WaitStatus); !ok || !st.Signaled() || st.Signal() != syscall.SIGTERM {
		t.Errorf("the recorded orphan ended with %v, want SIGTERM", err)
	}
	if _, ok := (procfs{}).look(other.Process.Pid); !ok {
		t.Errorf("process %d runs %s, not the recorded binary, and was ended anyway", other.Process.Pid, otherInfo.exe)
	}
}
