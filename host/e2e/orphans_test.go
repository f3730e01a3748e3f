//go:build linux

package e2e

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestOrphansDieWithAKilledHost: when the host is killed outright (as an
// OOM kill or a crash does), no plugin process it started outlives it by
// more than two seconds.
func TestOrphansDieWithAKilledHost(t *testing.T) {
	h := startHost(t, twoPlugins)
	h.waitReady(15 * time.Second)
	var pids []int
	for _, name := range []string{"hello", "moms"} {
		st := h.pluginStatus(name)
		pid, _ := st["pid"].(float64)
		if pid == 0 || !processRuns(int(pid)) {
			t.Fatalf("plugin %s: no running process in /health: %v", name, st)
		}
		pids = append(pids, int(pid))
	}

	if err := h.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	// Collect the exit, and hand it back for the cleanup's stop.
	err := <-h.done
	h.done <- err

	deadline := time.Now().Add(2 * time.Second)
	for _, pid := range pids {
		for processRuns(pid) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if processRuns(pid) {
			t.Errorf("plugin process %d still runs 2s after the host was killed", pid)
			_ = killProcess(pid)
		}
	}
}

// processRuns reports whether pid is a live process. A zombie (exited, not
// yet reaped by whoever adopted it) counts as gone.
func processRuns(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// killProcess ends a process the test failed on, so it does not linger.
func killProcess(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Kill()
}
