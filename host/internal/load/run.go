package load

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"time"
)

// grace is how long calls in flight may finish after the run is
// interrupted, before they are cancelled too.
const grace = 2 * time.Second

// Run connects the clients, warms up, measures and reports. It fails only
// when it cannot measure at all: a client cannot connect, or a process to
// watch is not there. Failed calls are counted in the report, not
// returned.
func Run(ctx context.Context, o Options) (*Report, error) {
	server, err := serverWatch(o)
	if err != nil {
		return nil, err
	}
	m := &meters{root: o.procRoot(), server: server, self: cpuWatch{root: o.procRoot(), pids: []int{os.Getpid()}}}

	callers, err := connect(ctx, o)
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, c := range callers {
			c.close()
		}
	}()

	// Interrupted, calls in flight may end on their own for a moment; then
	// they are cancelled.
	calls, cancelCalls := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelCalls()
	stopGrace := context.AfterFunc(ctx, func() { time.AfterFunc(grace, cancelCalls) })
	defer stopGrace()

	if o.Warmup > 0 {
		phase(ctx, calls, o, callers, "warm-up", time.Now().Add(o.Warmup), 0)
	}
	if err := m.start(); err != nil {
		return nil, err
	}
	start := time.Now()
	t := phase(ctx, calls, o, callers, "measuring", start.Add(o.Duration), o.Calls)
	elapsed := time.Since(start)
	m.stop()

	r := newReport(o, t, elapsed)
	r.Interrupted = ctx.Err() != nil
	m.fill(r)
	return r, nil
}

// serverWatch resolves the processes whose CPU is measured, and reads them
// once, so that a wrong PID is an error before any load is sent.
func serverWatch(o Options) (*cpuWatch, error) {
	pids := slices.Clone(o.PIDs)
	children := o.Children
	if o.PIDOfHost {
		pid, err := listenerPID(o.procRoot(), o.URL)
		if err != nil {
			return nil, fmt.Errorf("--pid-of-host: %v", err)
		}
		if !slices.Contains(pids, pid) {
			pids = append(pids, pid)
		}
		children = true
	}
	if len(pids) == 0 {
		return nil, nil
	}
	w := &cpuWatch{root: o.procRoot(), pids: pids, children: children}
	if _, err := w.sample(); err != nil {
		return nil, fmt.Errorf("--pids: %v", err)
	}
	return w, nil
}

// connect makes the clients, all at once; one that cannot connect stops
// the run, since the load would not be what was asked for.
func connect(ctx context.Context, o Options) ([]caller, error) {
	callers := make([]caller, o.Clients)
	if o.Transport == TransportREST {
		for i := range callers {
			callers[i] = newRESTCaller(o.URL, o.APIKey)
		}
		return callers, nil
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	errs := make([]error, o.Clients)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			c, err := dialMCP(ctx, o.URL+o.MCPPath, o.Protocol, o.APIKey)
			if err != nil {
				errs[i] = fmt.Errorf("client %d: connecting to %s: %v", i+1, o.URL+o.MCPPath, err)
				return
			}
			callers[i] = c
		})
	}
	wg.Wait()
	if err := firstErr(errs); err != nil {
		for _, c := range callers {
			if c != nil {
				c.close()
			}
		}
		return nil, err
	}
	return callers, nil
}

// firstErr is the first error and how many more there are: 64 clients
// refused alike would say the same thing 64 times.
func firstErr(errs []error) error {
	n := 0
	var first error
	for _, e := range errs {
		if e != nil {
			if first == nil {
				first = e
			}
			n++
		}
	}
	if n > 1 {
		return fmt.Errorf("%v (and %d more clients)", first, n-1)
	}
	return first
}

// phase runs the clients until the deadline (total == 0) or until total
// calls are made, and returns what they saw. Client k makes the workload's
// calls k, k+N, k+2N, ...: a replay goes round-robin across the clients.
// At the deadline no new call starts; calls in flight finish and count.
func phase(ctx, calls context.Context, o Options, callers []caller, what string, deadline time.Time, total int) *tally {
	prog := startProgress(o.Progress, o.ProgressInPlace, what, total)
	tallies := make([]*tally, len(callers))
	var wg sync.WaitGroup
	for k, c := range callers {
		wg.Go(func() {
			t := newTally()
			tallies[k] = t
			rng := rand.New(rand.NewPCG(o.Seed, uint64(k)))
			for j := 0; ; j++ {
				index := k + j*len(callers)
				if (total > 0 && index >= total) || (total == 0 && !time.Now().Before(deadline)) || ctx.Err() != nil {
					return
				}
				call := o.Workload.next(index, rng)
				cctx, cancel := context.WithTimeout(calls, o.Timeout)
				t0 := time.Now()
				out := c.call(cctx, call)
				d := time.Since(t0)
				cancel()
				t.add(call.Tool, d, out)
				prog.count(out.OK())
			}
		})
	}
	wg.Wait()
	prog.end()
	all := newTally()
	for _, t := range tallies {
		all.merge(t)
	}
	return all
}
