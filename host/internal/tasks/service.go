package tasks

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Options configure a Service.
type Options struct {
	Store Store
	// Instance names this process among the deployment's instances.
	// Empty: a random name.
	Instance string
	// TTL is how long a task and its result are kept after creation
	// (default 1 hour); a result is kept at least MinRetention after the
	// task ends.
	TTL time.Duration
	// Lease is how long a running task may go without a heartbeat before
	// it counts as cut off (default 15s); heartbeats come every Lease/5.
	Lease time.Duration
	// Interrupted is the error of a task whose instance stopped while it
	// ran, as the transport shows it.
	Interrupted func(t *Task) json.RawMessage
	Logger      hclog.Logger
	Now         func() time.Time
}

// MinRetention is how long a task's result is kept after it ends, at least.
const MinRetention = time.Minute

// cleanupEvery is how often expired tasks are deleted.
const cleanupEvery = time.Minute

// casAttempts bounds the retries of a write that lost a race.
const casAttempts = 5

// ErrConflict is returned when writes kept racing.
var ErrConflict = errors.New("tasks: the task kept changing under the write; try again")

// Service keeps the deployment's tasks and runs this instance's share of
// the bookkeeping.
type Service struct {
	opts Options

	mu      sync.Mutex
	running map[string]*Run

	stop context.CancelFunc
	done chan struct{}
}

// New starts a Service; Close stops it.
func New(opts Options) *Service {
	if opts.Instance == "" {
		opts.Instance = "instance-" + randomHex(6)
	}
	if opts.TTL <= 0 {
		opts.TTL = time.Hour
	}
	if opts.Lease <= 0 {
		opts.Lease = 15 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Interrupted == nil {
		opts.Interrupted = func(*Task) json.RawMessage { return json.RawMessage(`{"code":-32603,"message":"interrupted"}`) }
	}
	ctx, stop := context.WithCancel(context.Background())
	s := &Service{opts: opts, running: map[string]*Run{}, stop: stop, done: make(chan struct{})}
	go s.loop(ctx)
	return s
}

// Close stops the heartbeats and the cleanup. Runs still going are left
// to finish; their tasks count as cut off once their lease runs out.
func (s *Service) Close() {
	s.stop()
	<-s.done
}

// TTL is how long tasks are kept.
func (s *Service) TTL() time.Duration { return s.opts.TTL }

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("tasks: drawing an ID: %v", err))
	}
	return hex.EncodeToString(b)
}

// NewID draws a task ID: 128 random bits, so IDs cannot be guessed.
func NewID() string { return randomHex(16) }

// Run is this instance's run of a working task.
type Run struct {
	s      *Service
	id     string
	cancel context.CancelFunc

	mu       sync.Mutex
	lastNote time.Time
}

// ID is the task's.
func (r *Run) ID() string { return r.id }

// noteEvery bounds how often progress is written: a tool reporting every
// row of a long job must not become a write per row.
const noteEvery = 250 * time.Millisecond

// Begin writes t as a new Working task run by this instance, durably:
// once it returns, tasks/get finds the task on every instance. cancel is
// called when the task is cancelled, on any instance.
func (s *Service) Begin(ctx context.Context, t *Task, cancel context.CancelFunc) (*Run, error) {
	now := s.opts.Now()
	t.Status, t.Runner, t.Heartbeat = Working, s.opts.Instance, now
	t.CreatedAt, t.UpdatedAt, t.ExpiresAt = now, now, now.Add(s.opts.TTL)
	if t.ID == "" {
		t.ID = NewID()
	}
	if err := s.opts.Store.CreateTask(ctx, t); err != nil {
		return nil, err
	}
	return s.track(t.ID, cancel), nil
}

func (s *Service) track(id string, cancel context.CancelFunc) *Run {
	r := &Run{s: s, id: id, cancel: cancel}
	s.mu.Lock()
	s.running[id] = r
	s.mu.Unlock()
	return r
}

func (s *Service) untrack(id string) {
	s.mu.Lock()
	delete(s.running, id)
	s.mu.Unlock()
}

// Progress records what the run is doing as the task's status message.
// It is best-effort and rate-limited: progress is news, not state.
func (r *Run) Progress(message string) {
	r.mu.Lock()
	now := r.s.opts.Now()
	if now.Sub(r.lastNote) < noteEvery {
		r.mu.Unlock()
		return
	}
	r.lastNote = now
	r.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := r.s.modify(ctx, r.id, func(t *Task) bool {
		if t.Status != Working || t.Runner != r.s.opts.Instance {
			return false
		}
		t.Message = message
		return true
	})
	if err != nil {
		r.s.opts.Logger.Debug("task progress not recorded", "task", r.id, "error", err)
	}
}

// Outcome is how a run ended.
type Outcome struct {
	// Status is Completed, Failed or InputRequired.
	Status  Status
	Message string
	// Input, Result or Error, by Status.
	Input, Result, Error json.RawMessage
	// Request, when set, replaces the task's request (the answers it
	// collected).
	Request json.RawMessage
}

// Finish records how the run ended, unless the task was cancelled (or
// taken over) meanwhile: a cancelled task stays cancelled.
func (r *Run) Finish(o Outcome) {
	defer r.s.untrack(r.id)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := r.s.modify(ctx, r.id, func(t *Task) bool {
		if t.Status != Working || t.Runner != r.s.opts.Instance {
			return false
		}
		now := r.s.opts.Now()
		t.Status, t.Message, t.Input, t.Result, t.Error = o.Status, o.Message, o.Input, o.Result, o.Error
		if o.Request != nil {
			t.Request = o.Request
		}
		t.Runner = ""
		if t.Status.Terminal() && t.ExpiresAt.Before(now.Add(MinRetention)) {
			t.ExpiresAt = now.Add(MinRetention)
		}
		return true
	})
	if err != nil {
		r.s.opts.Logger.Error("task outcome not recorded; it will count as cut off", "task", r.id, "status", o.Status, "error", err)
	}
}

// modify applies change to the stored task and writes it, retrying when
// another write came first; change returns false to write nothing.
func (s *Service) modify(ctx context.Context, id string, change func(*Task) bool) error {
	for range casAttempts {
		t, err := s.opts.Store.GetTask(ctx, id)
		if err != nil || t == nil {
			return err
		}
		if !change(t) {
			return nil
		}
		t.UpdatedAt = s.opts.Now()
		ok, err := s.opts.Store.UpdateTask(ctx, t)
		if err != nil || ok {
			return err
		}
	}
	return ErrConflict
}

// Get reads owner's task id; nil when there is none. A Working task whose
// runner stopped heartbeating is recorded as failed first.
func (s *Service) Get(ctx context.Context, id string, owner Owner) (*Task, error) {
	t, err := s.opts.Store.GetTask(ctx, id)
	if err != nil || t == nil || t.Owner != owner {
		return nil, err
	}
	if !s.cutOff(t) {
		return t, nil
	}
	err = s.modify(ctx, id, func(cur *Task) bool {
		if !s.cutOff(cur) {
			*t = *cur
			return false
		}
		cur.Status, cur.Runner = Failed, ""
		cur.Message = "the instance running the task stopped before it finished"
		cur.Error = s.opts.Interrupted(cur)
		*t = *cur
		return true
	})
	return t, err
}

func (s *Service) cutOff(t *Task) bool {
	return t.Status == Working && s.opts.Now().Sub(t.Heartbeat) > s.opts.Lease
}

// Cancel cancels owner's task id unless it has ended (cancelling an ended
// task changes nothing); nil when there is none. A run on this instance
// stops at once, one elsewhere at its next heartbeat.
func (s *Service) Cancel(ctx context.Context, id string, owner Owner) (*Task, error) {
	t, err := s.Get(ctx, id, owner)
	if err != nil || t == nil || t.Status.Terminal() {
		return t, err
	}
	err = s.modify(ctx, id, func(cur *Task) bool {
		if cur.Status.Terminal() {
			*t = *cur
			return false
		}
		wasRunning := cur.Status == Working
		cur.Status, cur.Runner, cur.Input = Cancelled, "", nil
		cur.Message = "cancelled by the client"
		if wasRunning && cur.MayWrite {
			cur.Message += "; it may have written before it stopped: check before repeating it"
		}
		*t = *cur
		return true
	})
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	r := s.running[id]
	s.mu.Unlock()
	if r != nil && r.cancel != nil {
		r.cancel()
	}
	return t, nil
}

// Answer applies update to owner's task id while it waits for input:
// update records the answers and reports whether the task has all it
// needs. When it has, the task is claimed for this instance and a Run is
// returned for the caller to run it again. A task that waits for nothing
// is returned unchanged (there is nothing to answer). nil when there is
// no such task.
func (s *Service) Answer(ctx context.Context, id string, owner Owner, update func(*Task) (ready bool, err error), cancel context.CancelFunc) (*Task, *Run, error) {
	t, err := s.Get(ctx, id, owner)
	if err != nil || t == nil || t.Status != InputRequired {
		return t, nil, err
	}
	var ready bool
	var updateErr error
	err = s.modify(ctx, id, func(cur *Task) bool {
		*t = *cur
		if cur.Status != InputRequired {
			ready = false
			return false
		}
		if ready, updateErr = update(cur); updateErr != nil {
			return false
		}
		if ready {
			now := s.opts.Now()
			cur.Status, cur.Input, cur.Runner, cur.Heartbeat = Working, nil, s.opts.Instance, now
			cur.Message = ""
		}
		*t = *cur
		return true
	})
	if updateErr != nil {
		return nil, nil, updateErr
	}
	if err != nil || !ready {
		return t, nil, err
	}
	return t, s.track(id, cancel), nil
}

// loop stamps heartbeats, stops runs cancelled elsewhere and deletes
// expired tasks.
func (s *Service) loop(ctx context.Context) {
	defer close(s.done)
	beat := time.NewTicker(s.opts.Lease / 5)
	defer beat.Stop()
	lastCleanup := time.Time{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-beat.C:
		}
		s.heartbeat(ctx)
		if now := s.opts.Now(); now.Sub(lastCleanup) >= cleanupEvery {
			lastCleanup = now
			n, err := s.opts.Store.DeleteExpiredTasks(ctx, now, now.Add(-s.opts.Lease))
			switch {
			case err != nil && ctx.Err() == nil:
				s.opts.Logger.Warn("deleting expired tasks failed; will try again", "error", err)
			case n > 0:
				s.opts.Logger.Debug("deleted expired tasks", "count", n)
			}
		}
	}
}

func (s *Service) heartbeat(ctx context.Context) {
	s.mu.Lock()
	runs := make([]*Run, 0, len(s.running))
	for _, r := range s.running {
		runs = append(runs, r)
	}
	s.mu.Unlock()
	for _, r := range runs {
		ok, err := s.opts.Store.HeartbeatTask(ctx, r.id, s.opts.Instance, s.opts.Now())
		if err != nil {
			s.opts.Logger.Warn("task heartbeat failed", "task", r.id, "error", err)
			continue
		}
		if !ok {
			// Cancelled (or declared cut off) by another instance.
			s.untrack(r.id)
			if r.cancel != nil {
				r.cancel()
			}
		}
	}
}
