package load

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// progress prints a line a second while a phase runs: calls so far, the
// rate over the last second and errors. On a terminal it rewrites one line;
// elsewhere (a log, CI) it adds a line each time.
type progress struct {
	w       io.Writer
	inPlace bool
	done    atomic.Int64
	failed  atomic.Int64
	stop    chan struct{}
	wg      sync.WaitGroup
}

// startProgress starts the ticker for a phase called what; target is the
// phase's call count, or 0 when it runs for a time. With a nil w it only
// counts.
func startProgress(w io.Writer, inPlace bool, what string, target int) *progress {
	p := &progress{w: w, inPlace: inPlace, stop: make(chan struct{})}
	if w == nil {
		return p
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		start := time.Now()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		last := int64(0)
		for {
			select {
			case <-p.stop:
				if p.inPlace {
					fmt.Fprint(p.w, "\r\x1b[K")
				}
				return
			case now := <-tick.C:
				done := p.done.Load()
				of := ""
				if target > 0 {
					of = fmt.Sprintf("/%d", target)
				}
				line := fmt.Sprintf("load: %s %3.0fs  %d%s calls  %d/s  %d errors",
					what, now.Sub(start).Seconds(), done, of, done-last, p.failed.Load())
				last = done
				if p.inPlace {
					fmt.Fprintf(p.w, "\r%s\x1b[K", line)
				} else {
					fmt.Fprintln(p.w, line)
				}
			}
		}
	}()
	return p
}

func (p *progress) count(ok bool) {
	p.done.Add(1)
	if !ok {
		p.failed.Add(1)
	}
}

// end stops the ticker and clears its line.
func (p *progress) end() {
	close(p.stop)
	p.wg.Wait()
}
