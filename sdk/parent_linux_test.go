package sdk

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestPollParentNoticesANewParent(t *testing.T) {
	tests := []struct {
		name string
		ppid []int // what getppid returns, poll after poll
		want []int // polls made when gone was called, and the PID it got
	}{
		{name: "parent stays for a while, then init adopts", ppid: []int{7, 7, 7, 1}, want: []int{4, 1}},
		{name: "a subreaper adopts", ppid: []int{7, 42}, want: []int{2, 42}},
		{name: "gone at the first look", ppid: []int{1}, want: []int{1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			polls := 0
			getppid := func() int {
				polls++
				if polls > len(tt.ppid) {
					t.Fatalf("polled %d times; the parent changed at poll %d", polls, len(tt.ppid))
				}
				return tt.ppid[polls-1]
			}
			var got []int
			done := make(chan struct{})
			go func() {
				defer close(done)
				pollParent(7, getppid, time.Millisecond, func(now int) { got = []int{polls, now} })
			}()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("pollParent did not return after the parent changed")
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("gone called at (-want +got):\n%s", diff)
			}
		})
	}
}

// parentHelperEnv makes the test binary act as a process of
// TestPluginExitsWhenItsParentDies instead of running tests.
const parentHelperEnv = "SDK_PARENT_WATCH_HELPER"

// TestPluginExitsWhenItsParentDies runs the real watcher in a grandchild
// process, lets the child in between exit without waiting for it, and
// expects the orphaned grandchild to end within a second or so.
func TestPluginExitsWhenItsParentDies(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestParentWatchHelper$")
	cmd.Env = append(os.Environ(), parentHelperEnv+"=middle")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("helper printed %q, not a PID", out)
	}
	deadline := time.Now().Add(2 * time.Second)
	for processRuns(pid) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("process %d still runs 2s after its parent exited", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestParentWatchHelper is not a test: it is the middle and the watched
// process of TestPluginExitsWhenItsParentDies.
func TestParentWatchHelper(t *testing.T) {
	switch os.Getenv(parentHelperEnv) {
	case "middle":
		child := exec.Command(os.Args[0], "-test.run=^TestParentWatchHelper$")
		child.Env = append(os.Environ(), parentHelperEnv+"=watched")
		stdout, err := child.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := child.Start(); err != nil {
			t.Fatal(err)
		}
		// Wait until the watcher runs: exiting earlier would make the
		// grandchild see PID 1 as its first parent and watch nothing.
		if _, err := bufio.NewReader(stdout).ReadString('\n'); err != nil {
			t.Fatal(err)
		}
		fmt.Println(child.Process.Pid)
		os.Exit(0)
	case "watched":
		watchParent("helper")
		fmt.Println("watching")
		time.Sleep(30 * time.Second)
		os.Exit(3)
	default:
		t.Skip("helper process for TestPluginExitsWhenItsParentDies")
	}
}

// processRuns reports whether pid is a live process; a zombie (exited,
// waiting for its new parent to reap it) counts as gone.
func processRuns(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}
