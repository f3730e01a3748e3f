package pluginhost

import (
	"runtime"
	"sync"
)

// forkThread is the OS thread a plugin process is started from.
//
// Linux sends the parent-death signal (dieWithHost) when the thread that
// forked the child ends, not when the process does. The Go runtime ends a
// thread whenever a goroutine locked to it returns, and otherwise runs any
// goroutine on any thread, so a plugin forked from an arbitrary thread could
// be killed while the host is alive and well. Each plugin is therefore
// started from a goroutine locked to a thread of its own, which stays
// blocked until the plugin has been stopped and then lets the thread end.
// That costs one parked thread per running plugin.
type forkThread struct {
	stop chan struct{}
	once sync.Once
}

func newForkThread() *forkThread { return &forkThread{stop: make(chan struct{})} }

// run calls start on the thread and returns its result; the thread lives on
// until release.
func (t *forkThread) run(start func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// No UnlockOSThread: returning while locked ends the thread,
		// which is the point once the plugin is gone.
		errc <- start()
		<-t.stop
	}()
	return <-errc
}

// release lets the thread end. Call it only once the plugin process has
// exited, or the parent-death signal kills it. Safe to call twice and on nil.
func (t *forkThread) release() {
	if t != nil {
		t.once.Do(func() { close(t.stop) })
	}
}
