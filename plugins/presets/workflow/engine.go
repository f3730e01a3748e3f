package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"time"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// Caller is how the engine reaches tools: the presets plugin binds it to
// the sdk call being served, so every step runs as that call's caller.
type Caller interface {
	// CallTool calls a tool and returns its structured output (decoded
	// JSON), or its text when it has none. A failure is an *sdk.Error.
	CallTool(ctx context.Context, name string, args map[string]any) (any, error)
	// Progress reports progress; it may do nothing.
	Progress(ctx context.Context, done, total int, message string)
}

// Engine runs workflows and keeps their runs in Store.
type Engine struct {
	Store Store
	// Now and Sleep are time.Now and a context-aware sleep; tests replace
	// them so that retries wait for nothing.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	NewID func() string

	// Owner names this process in leases (Leaser stores).
	Owner string

	mu     sync.Mutex
	active map[string]func() // runs being executed by this process, and how to stop renewing their leases
}

// LeaseTTL is how long a lease lasts unless renewed; it is renewed every
// third of it while the run executes.
var LeaseTTL = 30 * time.Second

// NewEngine returns an engine on store.
func NewEngine(store Store, newID func() string) *Engine {
	return &Engine{Store: store, Now: time.Now, Sleep: sleep, NewID: newID}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Active says whether this process is executing the run now.
func (e *Engine) Active(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.active[id] != nil
}

// Running says whether any process executes the run now: this one, or,
// with a Leaser store, another that holds its lease.
func (e *Engine) Running(ctx context.Context, id string) bool {
	if e.Active(id) {
		return true
	}
	if l, ok := e.Store.(Leaser); ok {
		held, err := l.Leased(ctx, id)
		return err != nil || held // unknown: do not call it interrupted
	}
	return false
}

// claim makes this process the run's executor: in this process, and with
// a Leaser store across processes (renewing the lease until release).
func (e *Engine) claim(ctx context.Context, id string) bool {
	e.mu.Lock()
	if e.active == nil {
		e.active = map[string]func(){}
	}
	if e.active[id] != nil {
		e.mu.Unlock()
		return false
	}
	e.active[id] = func() {}
	e.mu.Unlock()
	l, ok := e.Store.(Leaser)
	if !ok {
		return true
	}
	if got, err := l.Lease(ctx, id, e.Owner, LeaseTTL); err != nil || !got {
		e.mu.Lock()
		delete(e.active, id)
		e.mu.Unlock()
		return false
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(LeaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				_, _ = l.Lease(context.WithoutCancel(ctx), id, e.Owner, LeaseTTL)
			}
		}
	}()
	e.mu.Lock()
	e.active[id] = func() {
		close(stop)
		<-done
		_ = l.Unlease(context.WithoutCancel(ctx), id, e.Owner)
	}
	e.mu.Unlock()
	return true
}

func (e *Engine) release(id string) {
	e.mu.Lock()
	stop := e.active[id]
	delete(e.active, id)
	e.mu.Unlock()
	if stop != nil {
		stop()
	}
}

// ErrBusy is a run another call of this process is executing now.
var ErrBusy = sdk.NewError(sdk.CategoryConflict, "preset_run_busy", "the run is being executed by another call (on this or another instance) right now; follow it with get_preset_run")

// Start checks inputs against the workflow, stores a new run and executes
// it until it ends or pauses.
func (e *Engine) Start(ctx context.Context, c Caller, w *Workflow, presetID, org, subject string, inputs map[string]any, dryRun bool) (*Run, error) {
	in, err := BindInputs(w, inputs)
	if err != nil {
		return nil, err
	}
	now := e.Now().UTC()
	r := &Run{
		ID: e.NewID(), OrganizationID: org, Subject: subject, PresetID: presetID, Workflow: w,
		Inputs: in, DryRun: dryRun, Status: RunRunning, Steps: map[string]*StepState{},
		Log: []LogEntry{}, CreatedAt: now, UpdatedAt: now,
	}
	for _, s := range w.Steps {
		r.Steps[s.ID] = &StepState{Status: StepPending}
	}
	e.log(r, "", nil, "started", fmt.Sprintf("%d steps; dry run: %v", len(w.Steps), dryRun))
	if err := e.Store.Create(ctx, r); err != nil {
		return nil, storeErr(err)
	}
	if !e.claim(ctx, r.ID) {
		return r, ErrBusy
	}
	defer e.release(r.ID)
	return r, e.execute(ctx, c, r)
}

// Resume goes on with a stored run: one that was interrupted, or one
// waiting for a confirmation (confirm true goes ahead, false declines and
// undoes what was done). A run that has ended is returned as it is.
func (e *Engine) Resume(ctx context.Context, c Caller, r *Run, confirm *bool) (*Run, error) {
	if !e.claim(ctx, r.ID) {
		return r, ErrBusy
	}
	defer e.release(r.ID)
	// Read it again now that it is ours: another process may have moved it
	// on since the caller read it.
	fresh, err := e.Store.Get(ctx, r.ID)
	if err != nil {
		return r, storeErr(err)
	}
	r = fresh
	if stop, err := e.cancelled(ctx, r); err != nil || stop {
		switch r.Status {
		case RunRunning, RunInterrupted, RunWaiting:
			r.Waiting = nil
			return r, e.stop(ctx, c, r, err)
		}
		return r, err
	}
	switch r.Status {
	case RunWaiting:
		if confirm == nil {
			return r, nil
		}
		w := r.Waiting
		it := r.Steps[w.Step].Iterations[w.Iteration]
		if !*confirm {
			e.log(r, w.Step, &w.Iteration, "declined", "the caller declined the confirmation")
			it.Status = StepFailed
			it.Error = &RunError{Step: w.Step, Code: "confirmation_declined", Category: string(sdk.CategoryConflict), Message: "the caller declined to confirm " + w.Step}
			r.Error = it.Error
			r.Waiting = nil
			e.compensate(ctx, c, r)
			return r, e.save(ctx, r)
		}
		it.Confirmed = true
		it.Status = StepPending
		r.Waiting = nil
		r.Status = RunRunning
		e.log(r, w.Step, &w.Iteration, "confirmed", "")
	case RunRunning, RunInterrupted:
		r.Status = RunRunning
		e.log(r, "", nil, "resumed", "")
	default:
		return r, nil
	}
	if err := e.save(ctx, r); err != nil {
		return r, err
	}
	return r, e.execute(ctx, c, r)
}

// errPause stops execution at a confirmation point.
var errPause = errors.New("paused for confirmation")

// execute runs the steps that are not done yet.
func (e *Engine) execute(ctx context.Context, c Caller, r *Run) error {
	w := r.Workflow
	for si := range w.Steps {
		s := &w.Steps[si]
		st := r.Steps[s.ID]
		switch st.Status {
		case StepDone, StepSkipped, StepWouldRun, StepFailed:
			continue
		}
		if stop, err := e.cancelled(ctx, r); err != nil || stop {
			return e.stop(ctx, c, r, err)
		}
		if ctx.Err() != nil {
			return e.interrupt(r)
		}
		if st.Iterations == nil {
			env := e.env(r, s, nil, 0, nil)
			if s.If != "" {
				ok, err := evalBool(s.If, env)
				if err != nil {
					return e.fail(ctx, c, r, s.ID, exprErr(s.ID, "if", err))
				}
				if !ok {
					st.Status = StepSkipped
					e.log(r, s.ID, nil, "skipped", "condition false: "+s.If)
					if err := e.save(ctx, r); err != nil {
						return err
					}
					continue
				}
			}
			n := 1
			if s.ForEach != "" {
				v, err := eval(s.ForEach, env)
				if err != nil {
					return e.fail(ctx, c, r, s.ID, exprErr(s.ID, "for_each", err))
				}
				items, ok := asList(v)
				if !ok {
					return e.fail(ctx, c, r, s.ID, &RunError{Step: s.ID, Code: "for_each_not_a_list", Category: string(sdk.CategoryValidation),
						Message: fmt.Sprintf("step %s: for_each gave %T, not a list", s.ID, v)})
				}
				if len(items) > s.maxItems() {
					return e.fail(ctx, c, r, s.ID, &RunError{Step: s.ID, Code: "for_each_too_many_items", Category: string(sdk.CategoryValidation),
						Message: fmt.Sprintf("step %s: for_each gave %d items; the step allows at most %d (max_items)", s.ID, len(items), s.maxItems())})
				}
				st.Items = items
				n = len(items)
			}
			st.Iterations = make([]*Iteration, n)
			for i := range st.Iterations {
				st.Iterations[i] = &Iteration{Status: StepPending}
			}
			st.Status = StepStarted
			if err := e.save(ctx, r); err != nil {
				return err
			}
		}
		failed := false
		for i, it := range st.Iterations {
			if it.Status == StepDone || it.Status == StepWouldRun || it.Status == StepFailed {
				continue
			}
			if i > 0 {
				if stop, err := e.cancelled(ctx, r); err != nil || stop {
					return e.stop(ctx, c, r, err)
				}
			}
			err := e.iterate(ctx, c, r, s, i, it)
			if errors.Is(err, errPause) {
				r.Status = RunWaiting
				return e.save(ctx, r)
			}
			if err != nil {
				if ctx.Err() != nil {
					return e.interrupt(r)
				}
				re := toRunError(s.ID, err)
				it.Status = StepFailed
				if re.Code == "write_outcome_unknown" {
					it.Status = StepUnknown
				}
				it.Error = re
				e.log(r, s.ID, intp(i), "failed", re.Message)
				if s.ContinueOnError {
					failed = true
					if err := e.save(ctx, r); err != nil {
						return err
					}
					continue
				}
				return e.fail(ctx, c, r, s.ID, re)
			}
		}
		st.Status = StepDone
		if r.DryRun && s.Write {
			st.Status = StepWouldRun
		}
		if failed {
			st.Status = StepFailed
		}
		e.log(r, s.ID, nil, st.Status, "")
		c.Progress(ctx, si+1, len(w.Steps), fmt.Sprintf("%s: %s", s.ID, st.Status))
		if err := e.save(ctx, r); err != nil {
			return err
		}
	}
	out := map[string]any{}
	names := make([]string, 0, len(w.Output))
	for k := range w.Output {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v, err := eval(w.Output[k], e.env(r, nil, nil, 0, nil))
		if err != nil {
			if r.DryRun {
				continue // a dry run does not have every output to compute from
			}
			return e.fail(ctx, c, r, "", exprErr("", "output."+k, err))
		}
		out[k] = v
	}
	r.Output = out
	r.Status = RunSucceeded
	if r.DryRun {
		r.Status = RunDryRun
	}
	e.log(r, "", nil, r.Status, "")
	return e.save(ctx, r)
}

// iterate runs one call of a step, with its retries.
func (e *Engine) iterate(ctx context.Context, c Caller, r *Run, s *Step, i int, it *Iteration) error {
	st := r.Steps[s.ID]
	if it.Args == nil {
		var item any
		if st.Items != nil {
			item = st.Items[i]
		}
		env := e.env(r, s, item, i, nil)
		args, err := resolveArgs(s.Args, env)
		if err != nil {
			return exprErr(s.ID, "args", err)
		}
		it.Args = args
	}
	if s.FailIf != "" {
		var item any
		if st.Items != nil {
			item = st.Items[i]
		}
		bad, err := evalBool(s.FailIf, e.env(r, s, item, i, nil))
		if err != nil {
			return exprErr(s.ID, "fail_if", err)
		}
		if bad {
			msg := s.FailMessage
			if msg == "" {
				msg = "fail_if held: " + s.FailIf
			}
			return &RunError{Step: s.ID, Code: "precondition_failed", Category: string(sdk.CategoryValidation), Message: fmt.Sprintf("step %s: %s", s.ID, msg)}
		}
	}
	if s.Confirm && !it.Confirmed && !r.DryRun {
		it.Status = StepWaiting
		r.Waiting = &Waiting{Step: s.ID, Iteration: i, Preview: map[string]any{"tool": s.Tool, "arguments": it.Args},
			Message: fmt.Sprintf("step %s calls %s with these arguments; run execute_preset with run_id and confirm: true to go ahead, or confirm: false to stop and undo", s.ID, s.Tool)}
		e.log(r, s.ID, intp(i), "waiting_confirmation", "")
		return errPause
	}
	if r.DryRun && s.Write {
		it.Status = StepWouldRun
		e.log(r, s.ID, intp(i), "would_run", s.Tool)
		return nil
	}
	if s.takesKey() {
		it.Key = fmt.Sprintf("preset-%s-%s-%d", r.ID, s.ID, i)
	}
	attempts, backoff, maxBackoff := 1, time.Second, 30*time.Second
	if s.Retry != nil {
		attempts = s.Retry.Attempts
		if s.Retry.Backoff > 0 {
			backoff = time.Duration(s.Retry.Backoff)
		}
		if s.Retry.MaxBackoff > 0 {
			maxBackoff = time.Duration(s.Retry.MaxBackoff)
		}
	}
	var waited time.Duration
	for attempt := 1; ; attempt++ {
		args := copyArgs(it.Args)
		if it.Key != "" {
			args["idempotency_key"] = it.Key
		}
		if it.Token != "" {
			args["confirmation_token"] = it.Token
		}
		// The step is recorded as started before its call goes out, so a
		// run resumed after a crash knows the call may have been made (and
		// makes it again with the same idempotency key, which the host
		// answers from its record instead of writing twice).
		it.Status = StepStarted
		it.Attempts++
		e.log(r, s.ID, intp(i), "call", fmt.Sprintf("%s (attempt %d)", s.Tool, attempt))
		if err := e.save(ctx, r); err != nil {
			return err
		}
		cctx, cancel := ctx, context.CancelFunc(func() {})
		if s.Timeout > 0 {
			cctx, cancel = context.WithTimeout(ctx, time.Duration(s.Timeout))
		}
		out, err := c.CallTool(cctx, s.Tool, args)
		timedOut := cctx.Err() != nil && ctx.Err() == nil
		cancel()
		if err == nil {
			out = plain(out)
			if m, ok := out.(map[string]any); ok {
				switch m["status"] {
				case "confirmation_required":
					tok, _ := m["confirmation_token"].(string)
					if tok == "" {
						return &RunError{Step: s.ID, Code: "confirmation_token_missing", Category: string(sdk.CategoryInternal), Message: s.Tool + " asked for a confirmation without a token"}
					}
					it.Token = tok
					it.Status = StepWaiting
					msg, _ := m["message"].(string)
					r.Waiting = &Waiting{Step: s.ID, Iteration: i, Preview: m["preview"],
						Message: fmt.Sprintf("%s needs a confirmation (%s); run execute_preset with run_id and confirm: true to go ahead, or confirm: false to stop and undo", s.Tool, msg)}
					e.log(r, s.ID, intp(i), "waiting_confirmation", s.Tool)
					return errPause
				case "declined", "cancelled":
					return &RunError{Step: s.ID, Code: "confirmation_declined", Category: string(sdk.CategoryConflict), Message: fmt.Sprintf("%s: the user said no; nothing was written", s.Tool)}
				}
			}
			it.Output = out
			it.Token = ""
			it.Status = StepDone
			it.Error = nil
			e.log(r, s.ID, intp(i), "done", "")
			return e.save(ctx, r)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		se := sdk.AsError(err)
		if timedOut {
			se = sdk.NewError(sdk.CategoryUpstreamUnavailable, "step_timeout", "step %s: %s did not answer within %s", s.ID, s.Tool, time.Duration(s.Timeout))
			if s.Write {
				// A write cut off by the timeout may have happened.
				se = sdk.NewError(sdk.CategoryUpstreamUnavailable, "write_outcome_unknown",
					"step %s: %s did not answer within %s, so whether it wrote is unknown; check in Billy before running the preset again", s.ID, s.Tool, time.Duration(s.Timeout))
				se.Retryable = false
			}
		}
		if keyBusy[se.Code] && it.Key != "" {
			// The host still holds an earlier call with this key (the
			// process that made it died, or it is settling): its answer
			// is the step's. Waiting is safe, and retrying with the same
			// key gets that answer; it costs no attempt. Past keyWait the
			// outcome is unknown: say so rather than fail as if nothing
			// was written.
			wait := time.Duration(max(se.RetryAfterSeconds, 1)) * time.Second
			if waited+wait > keyWait {
				u := sdk.NewError(sdk.CategoryUpstreamUnavailable, "write_outcome_unknown",
					"step %s: the host still holds an earlier call of %s with idempotency key %s (%s), so whether it wrote is unknown; run execute_preset with run_id again later, or check in Billy", s.ID, s.Tool, it.Key, se.Code)
				u.Retryable = false
				return u
			}
			waited += wait
			attempt--
			e.log(r, s.ID, intp(i), "wait", fmt.Sprintf("%s: waiting %s for the earlier call with the same key", se.Code, wait))
			if err := e.Sleep(ctx, wait); err != nil {
				return err
			}
			continue
		}
		if !retryable(se, s.Write) || attempt >= attempts {
			return se
		}
		e.log(r, s.ID, intp(i), "retry", fmt.Sprintf("%s: %s; waiting %s", se.Code, se.Message, backoff))
		if err := e.Sleep(ctx, backoff); err != nil {
			return err
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

// keyBusy are the host's answers for an idempotency key whose earlier
// call has not ended (or is settling an unknown write).
var keyBusy = map[string]bool{"idempotency_key_in_use": true, "idempotency_key_settling": true}

// keyWait bounds how long a step waits for the host to finish an earlier
// call with its key.
var keyWait = 3 * time.Minute

// retryable says whether an error may be retried: only what the error
// model marks retryable, and never a write whose outcome is unknown.
func retryable(e *sdk.Error, write bool) bool {
	if e.Code == "write_outcome_unknown" {
		return false
	}
	return e.Retryable
}

// fail records the run's failure and undoes what it did.
func (e *Engine) fail(ctx context.Context, c Caller, r *Run, step string, re *RunError) error {
	r.Error = re
	if step != "" {
		if st := r.Steps[step]; st != nil && st.Status != StepDone {
			st.Status = StepFailed
		}
	}
	e.log(r, step, nil, "run_failed", re.Message)
	e.compensate(ctx, c, r)
	return e.save(ctx, r)
}

// cancelled reads the stored run for a cancel request; if there is one it
// compensates and ends the run.
func (e *Engine) cancelled(ctx context.Context, r *Run) (bool, error) {
	c, err := e.Store.CancelRequested(ctx, r.ID)
	if err != nil {
		return false, storeErr(err)
	}
	if c {
		r.CancelRequested = true
	}
	return c, nil
}

// stop ends a run whose cancel was requested, undoing what it did.
func (e *Engine) stop(ctx context.Context, c Caller, r *Run, err error) error {
	if err != nil {
		return err
	}
	r.Error = &RunError{Code: "preset_run_cancelled", Category: string(sdk.CategoryConflict), Message: "the run was cancelled"}
	e.log(r, "", nil, "cancelled", "")
	e.compensate(ctx, c, r)
	return e.save(ctx, r)
}

// Cancel asks a run to stop: a run this process is executing stops at its
// next step boundary (and undoes what it did when compensate is set); a
// run that is paused or interrupted stops now.
func (e *Engine) Cancel(ctx context.Context, c Caller, r *Run, compensate bool) (*Run, error) {
	switch r.Status {
	case RunSucceeded, RunDryRun, RunFailed, RunCompFailed, RunCancelled:
		return r, nil
	}
	if err := e.Store.RequestCancel(ctx, r.ID); err != nil {
		return r, storeErr(err)
	}
	if !e.claim(ctx, r.ID) {
		// The executing call sees the mark at its next step boundary
		// (its document is its own to write meanwhile).
		r.CancelRequested = true
		return r, nil
	}
	defer e.release(r.ID)
	if fresh, err := e.Store.Get(ctx, r.ID); err == nil {
		r = fresh // what the last executor left, now that no one runs it
	}
	switch r.Status {
	case RunSucceeded, RunDryRun, RunFailed, RunCompFailed, RunCancelled:
		return r, nil
	}
	r.CancelRequested = true
	e.log(r, "", nil, "cancel_requested", "")
	r.Waiting = nil
	r.Error = &RunError{Code: "preset_run_cancelled", Category: string(sdk.CategoryConflict), Message: "the run was cancelled"}
	if compensate {
		e.compensate(ctx, c, r)
	}
	r.Status = RunCancelled
	if r.Steps != nil && compensate {
		for _, s := range r.Steps {
			for _, it := range s.Iterations {
				if it.Status == StepCompFailed {
					r.Status = RunCompFailed
				}
			}
		}
	}
	return r, e.save(ctx, r)
}

// compensate undoes, in reverse order, every iteration that was done and
// whose step has a compensation. It sets the run's final status.
func (e *Engine) compensate(ctx context.Context, c Caller, r *Run) {
	ok := true
	w := r.Workflow
	for si := len(w.Steps) - 1; si >= 0; si-- {
		s := &w.Steps[si]
		st := r.Steps[s.ID]
		for i := len(st.Iterations) - 1; i >= 0; i-- {
			it := st.Iterations[i]
			if (it.Status == StepStarted || it.Status == StepUnknown) && s.Write {
				// Its call went out and its answer never came back: it may
				// have written. Say so rather than guess.
				ok = false
				e.log(r, s.ID, intp(i), "compensation_unknown", fmt.Sprintf("the outcome of %s is unknown; check it in Billy", s.Tool))
				continue
			}
			if it.Status != StepDone || s.Compensate == nil {
				continue
			}
			var item any
			if st.Items != nil {
				item = st.Items[i]
			}
			env := e.env(r, s, item, i, it.Output)
			if s.Compensate.If != "" {
				run, err := evalBool(s.Compensate.If, env)
				if err != nil {
					ok = false
					it.Status = StepCompFailed
					it.Compensation = &Compensation{Status: StepFailed, Error: exprErr(s.ID, "compensate.if", err)}
					continue
				}
				if !run {
					continue
				}
			}
			comp := &Compensation{Status: StepStarted}
			it.Compensation = comp
			args, err := resolveArgs(s.Compensate.Args, env)
			if err == nil {
				comp.Args = args
				err = e.callCompensation(ctx, c, r, s, i, comp)
			}
			if err != nil {
				ok = false
				comp.Status = StepFailed
				comp.Error = toRunError(s.ID, err)
				it.Status = StepCompFailed
				e.log(r, s.ID, intp(i), "compensation_failed", comp.Error.Message)
			} else {
				comp.Status = StepDone
				it.Status = StepCompensated
				e.log(r, s.ID, intp(i), "compensated", s.Compensate.Tool)
			}
			if err := e.save(context.WithoutCancel(ctx), r); err != nil {
				ok = false
			}
		}
	}
	if r.CancelRequested {
		r.Status = RunCancelled
	} else {
		r.Status = RunFailed
	}
	if !ok {
		r.Status = RunCompFailed
	}
}

func (e *Engine) callCompensation(ctx context.Context, c Caller, r *Run, s *Step, i int, comp *Compensation) error {
	// Compensation runs even when the call that drove the run is being
	// cancelled: leaving half a change behind is worse than finishing
	// the undo.
	ctx = context.WithoutCancel(ctx)
	attempts, backoff := 3, time.Second
	if s.Retry != nil {
		attempts = max(s.Retry.Attempts, 1)
		if s.Retry.Backoff > 0 {
			backoff = time.Duration(s.Retry.Backoff)
		}
	}
	if s.Compensate.IdempotencyKey {
		comp.Key = fmt.Sprintf("preset-%s-%s-%d-undo", r.ID, s.ID, i)
	}
	for attempt := 1; ; attempt++ {
		args := copyArgs(comp.Args)
		if comp.Key != "" {
			args["idempotency_key"] = comp.Key
		}
		comp.Attempts++
		out, err := c.CallTool(ctx, s.Compensate.Tool, args)
		if err == nil {
			if m, ok := plain(out).(map[string]any); ok && m["status"] == "confirmation_required" {
				// An undo that needs a human's yes is not done: report it,
				// with what to run.
				return &RunError{Step: s.ID, Code: "compensation_needs_confirmation", Category: string(sdk.CategoryConflict),
					Message: fmt.Sprintf("undoing step %s needs a confirmation: call %s with %s yourself", s.ID, s.Compensate.Tool, mustJSON(comp.Args))}
			}
			comp.Output = plain(out)
			return nil
		}
		se := sdk.AsError(err)
		if !retryable(se, true) || attempt >= attempts {
			return se
		}
		if err := e.Sleep(ctx, backoff); err != nil {
			return err
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}

// interrupt marks a run whose driving call ended (the client went away,
// the plugin is stopping): it is resumed by calling execute_preset again.
func (e *Engine) interrupt(r *Run) error {
	r.Status = RunInterrupted
	e.log(r, "", nil, "interrupted", "the call running it ended; execute_preset with run_id resumes it")
	return e.save(context.Background(), r)
}

func (e *Engine) save(ctx context.Context, r *Run) error {
	r.UpdatedAt = e.Now().UTC()
	if err := e.Store.Save(context.WithoutCancel(ctx), r); err != nil {
		return storeErr(err)
	}
	return nil
}

func (e *Engine) log(r *Run, step string, index *int, event, msg string) {
	r.Log = append(r.Log, LogEntry{At: e.Now().UTC(), Step: step, Index: index, Event: event, Message: msg})
	if len(r.Log) > MaxLog {
		r.Log = r.Log[len(r.Log)-MaxLog:]
	}
}

// env is what expressions see: inputs, the steps' states, the run and a
// loop's variables.
func (e *Engine) env(r *Run, s *Step, item any, index int, output any) map[string]any {
	steps := map[string]any{}
	for id, st := range r.Steps {
		v := stepView{Status: st.Status}
		for _, it := range st.Iterations {
			v.Outputs = append(v.Outputs, it.Output)
		}
		if len(st.Iterations) == 1 && st.Items == nil {
			v.Output = st.Iterations[0].Output
		}
		steps[id] = v.asMap()
	}
	env := map[string]any{"inputs": plain(r.Inputs), "steps": steps,
		"run": runView{ID: r.ID, DryRun: r.DryRun, StartedAt: r.CreatedAt.Format(time.RFC3339)}.asMap()}
	if s != nil && s.ForEach != "" {
		env[s.itemName()] = plain(item)
		env["index"] = index
	}
	if output != nil || (s != nil && s.Compensate != nil) {
		env["output"] = output
	}
	return env
}

// BindInputs checks the given inputs against the declared ones and fills
// in defaults.
func BindInputs(w *Workflow, given map[string]any) (map[string]any, error) {
	out := map[string]any{}
	var fields []sdk.FieldError
	names := make([]string, 0, len(given))
	for k := range given {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		in, ok := w.Inputs[k]
		if !ok {
			fields = append(fields, sdk.FieldError{Field: "parameters." + k, Message: fmt.Sprintf("preset %s takes no input %q (it takes: %s)", w.ID, k, inputList(w))})
			continue
		}
		if !typeOK(in.Type, given[k]) {
			fields = append(fields, sdk.FieldError{Field: "parameters." + k, Message: fmt.Sprintf("must be of type %s", in.Type)})
			continue
		}
		out[k] = given[k]
	}
	for k, in := range w.Inputs {
		if _, ok := out[k]; ok {
			continue
		}
		if in.Default != nil {
			out[k] = in.Default
		} else if in.Required {
			fields = append(fields, sdk.FieldError{Field: "parameters." + k, Message: "is required: " + in.Description})
		} else {
			out[k] = nil
		}
	}
	if len(fields) > 0 {
		sort.Slice(fields, func(i, j int) bool { return fields[i].Field < fields[j].Field })
		e := sdk.NewError(sdk.CategoryValidation, sdk.CodeInvalidArguments, "the preset's parameters are not right: %s", fields[0].Field+" "+fields[0].Message)
		e.Fields = fields
		return nil, e
	}
	return out, nil
}

func inputList(w *Workflow) string {
	m := map[string]any{}
	for k := range w.Inputs {
		m[k] = nil
	}
	return keyList(m)
}

func typeOK(t string, v any) bool {
	switch x := plain(v).(type) {
	case nil:
		return true
	case string:
		return t == "string"
	case bool:
		return t == "boolean"
	case int:
		return t == "integer" || t == "number"
	case float64:
		return t == "number"
	case []any:
		return t == "array"
	case map[string]any:
		return t == "object"
	default:
		_ = x
		return false
	}
}

func resolveArgs(args map[string]any, env map[string]any) (map[string]any, error) {
	out := map[string]any{}
	for k, v := range args {
		r, err := resolve(v, env)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		if r == nil {
			continue // an expression that gives nil leaves the argument out
		}
		out[k] = r
	}
	return out, nil
}

func copyArgs(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+2)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// asList accepts any slice an expression can give.
func asList(v any) ([]any, bool) {
	if l, ok := v.([]any); ok {
		return l, true
	}
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || (rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array) {
		return nil, false
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, true
}

func exprErr(step, field string, err error) *RunError {
	return &RunError{Step: step, Code: "expression_failed", Category: string(sdk.CategoryValidation),
		Message: fmt.Sprintf("step %s: %s: %s", step, field, oneLine(err.Error()))}
}

func toRunError(step string, err error) *RunError {
	var re *RunError
	if errors.As(err, &re) {
		return re
	}
	se := sdk.AsError(err)
	return &RunError{Step: step, Code: se.Code, Category: string(se.Category), Message: se.Message, Retryable: se.Retryable}
}

func (e *RunError) Error() string { return e.Message }

func storeErr(err error) error {
	return sdk.NewError(sdk.CategoryUpstreamUnavailable, "preset_store_unavailable", "the presets plugin could not save the run's state (%v); nothing more was called", err)
}

func intp(i int) *int { return &i }

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
