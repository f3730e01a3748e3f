package sdk

import (
	"fmt"
	"os"
	"time"
)

// parentPoll is how often a plugin checks that its host is still there.
// getppid is one cheap system call; five a second keep the exit well within
// the second the host promises operators.
const parentPoll = 200 * time.Millisecond

// watchParent makes the plugin exit soon after the process that started it
// dies, however it died (SIGKILL, an OOM kill, a crash), so a dead host
// leaves no plugin holding sockets and memory behind.
//
// The host also starts plugins with a parent-death signal, but the kernel
// ties that signal to the host thread that forked, not to the host process,
// and only hosts that ask for it get it; this watcher is the plugin's own
// guarantee. On Linux an orphan is re-parented at once (to PID 1 or the
// nearest subreaper), so a getppid that differs from the one at start means
// the parent is gone.
//
// A process whose parent is PID 1 at start (launched by init, or directly by
// a container runtime) has no parent whose death it could notice, and
// exiting would be wrong: nothing is watched then. A plugin started by hand
// from a shell exits only when that shell does.
func watchParent(name string) {
	start := os.Getppid()
	if start <= 1 {
		return
	}
	go pollParent(start, os.Getppid, parentPoll, func(now int) {
		// Nobody may read this: stderr is a pipe to the dead host, and
		// writing to it can raise SIGPIPE, which ends the process just
		// the same. It is for the hand-started case.
		fmt.Fprintf(os.Stderr, "billy-mcp plugin %s: the process that started it (pid %d) is gone (parent now %d); exiting\n", name, start, now)
		os.Exit(1)
	})
}

// pollParent calls gone with the new parent's PID once getppid no longer
// returns start, and then returns.
func pollParent(start int, getppid func() int, every time.Duration, gone func(now int)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for range t.C {
		if now := getppid(); now != start {
			gone(now)
			return
		}
	}
}
