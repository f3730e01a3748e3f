package tasks

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var alice = Owner{Subject: "key:alice", Organization: "org-1"}

// clock is a settable time shared by the services of a test.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newService(t *testing.T, store Store, c *clock, instance string) *Service {
	t.Helper()
	s := New(Options{Store: store, Instance: instance, TTL: time.Hour, Lease: 500 * time.Millisecond, Now: c.Now,
		Interrupted: func(t *Task) json.RawMessage { return json.RawMessage(`{"cut":"` + t.ID + `"}`) }})
	t.Cleanup(s.Close)
	return s
}

func begin(t *testing.T, s *Service, mayWrite bool) (*Run, *atomic.Bool) {
	t.Helper()
	var cancelled atomic.Bool
	run, err := s.Begin(context.Background(), &Task{Owner: alice, Tool: "slow", Request: json.RawMessage(`{}`), MayWrite: mayWrite},
		func() { cancelled.Store(true) })
	if err != nil {
		t.Fatal(err)
	}
	return run, &cancelled
}

func get(t *testing.T, s *Service, id string) *Task {
	t.Helper()
	task, err := s.Get(context.Background(), id, alice)
	if err != nil {
		t.Fatal(err)
	}
	return task
}

// brief is what a test compares of a task.
type brief struct {
	Status                Status
	Message               string
	Input, Result, Errors string
	Runner                string
}

func briefOf(t *Task) brief {
	return brief{t.Status, t.Message, string(t.Input), string(t.Result), string(t.Error), t.Runner}
}

func TestLifecycle(t *testing.T) {
	c := &clock{now: time.Unix(1_800_000_000, 0)}
	s := newService(t, NewMemory(), c, "a")
	run, _ := begin(t, s, false)
	if diff := cmp.Diff(brief{Status: Working, Runner: "a"}, briefOf(get(t, s, run.ID()))); diff != "" {
		t.Errorf("after Begin (-want +got):\n%s", diff)
	}
	run.Progress("half done")
	if got := get(t, s, run.ID()).Message; got != "half done" {
		t.Errorf("message = %q", got)
	}
	run.Progress("too soon") // within noteEvery of the last: dropped
	if got := get(t, s, run.ID()).Message; got != "half done" {
		t.Errorf("message = %q after a note too soon", got)
	}
	c.add(59*time.Minute + 30*time.Second)
	run.Finish(Outcome{Status: Completed, Result: json.RawMessage(`{"ok":true}`)})
	task := get(t, s, run.ID())
	if diff := cmp.Diff(brief{Status: Completed, Result: `{"ok":true}`}, briefOf(task)); diff != "" {
		t.Errorf("after Finish (-want +got):\n%s", diff)
	}
	if want := c.Now().Add(MinRetention); !task.ExpiresAt.Equal(want) {
		t.Errorf("a result near its TTL is kept until %v, want %v", task.ExpiresAt, want)
	}
	if other, _ := s.Get(context.Background(), run.ID(), Owner{Subject: "key:bob", Organization: "org-1"}); other != nil {
		t.Error("another caller sees the task")
	}
}

func TestCancel(t *testing.T) {
	tests := []struct {
		name     string
		mayWrite bool
		want     string
	}{
		{"a read", false, "cancelled by the client"},
		{"a write", true, "cancelled by the client; it may have written before it stopped: check before repeating it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{now: time.Unix(1_800_000_000, 0)}
			s := newService(t, NewMemory(), c, "a")
			run, cancelled := begin(t, s, tt.mayWrite)
			task, err := s.Cancel(context.Background(), run.ID(), alice)
			if err != nil || task.Status != Cancelled || task.Message != tt.want {
				t.Fatalf("Cancel = %+v, %v", task, err)
			}
			if !cancelled.Load() {
				t.Error("the run was not stopped")
			}
			run.Finish(Outcome{Status: Completed, Result: json.RawMessage(`{}`)})
			if got := get(t, s, run.ID()).Status; got != Cancelled {
				t.Errorf("a run finishing after the cancel made it %s", got)
			}
			again, err := s.Cancel(context.Background(), run.ID(), alice)
			if err != nil || again.Status != Cancelled {
				t.Errorf("cancelling again: %+v, %v", again, err)
			}
		})
	}
}

// TestAcrossInstances: two instances share a store. One cancels what the
// other runs, and finds it cut off once its instance stops heartbeating.
func TestAcrossInstances(t *testing.T) {
	store := NewMemory()
	c := &clock{now: time.Unix(1_800_000_000, 0)}
	a, b := newService(t, store, c, "a"), newService(t, store, c, "b")

	run, cancelled := begin(t, a, false)
	if _, err := b.Cancel(context.Background(), run.ID(), alice); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !cancelled.Load() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !cancelled.Load() {
		t.Error("the instance running the task did not stop it after a cancel elsewhere")
	}

	run2, _ := begin(t, a, false)
	a.Close() // no more heartbeats: the instance is gone
	if got := get(t, b, run2.ID()).Status; got != Working {
		t.Fatalf("within the lease: %s", got)
	}
	c.add(time.Second)
	task := get(t, b, run2.ID())
	want := brief{Status: Failed, Message: "the instance running the task stopped before it finished", Errors: `{"cut":"` + run2.ID() + `"}`}
	if diff := cmp.Diff(want, briefOf(task)); diff != "" {
		t.Errorf("after the lease (-want +got):\n%s", diff)
	}
}

func TestAnswer(t *testing.T) {
	c := &clock{now: time.Unix(1_800_000_000, 0)}
	s := newService(t, NewMemory(), c, "a")
	run, _ := begin(t, s, false)
	run.Finish(Outcome{Status: InputRequired, Input: json.RawMessage(`["a","b"]`)})

	// The update keeps what it is given in the request, and the questions
	// still open in Input.
	update := func(answer string) func(*Task) (bool, error) {
		return func(t *Task) (bool, error) {
			var open []string
			_ = json.Unmarshal(t.Input, &open)
			var left []string
			for _, q := range open {
				if q != answer {
					left = append(left, q)
				}
			}
			t.Input, _ = json.Marshal(left)
			t.Request = json.RawMessage(`{"answered":"` + answer + `"}`)
			return len(left) == 0, nil
		}
	}
	task, again, err := s.Answer(context.Background(), run.ID(), alice, update("a"), nil)
	if err != nil || again != nil {
		t.Fatalf("partial answer: run %v, err %v", again, err)
	}
	if diff := cmp.Diff(brief{Status: InputRequired, Input: `["b"]`}, briefOf(task)); diff != "" {
		t.Errorf("after a partial answer (-want +got):\n%s", diff)
	}
	task, again, err = s.Answer(context.Background(), run.ID(), alice, update("b"), nil)
	if err != nil || again == nil {
		t.Fatalf("last answer: run %v, err %v", again, err)
	}
	if diff := cmp.Diff(brief{Status: Working, Runner: "a"}, briefOf(task)); diff != "" {
		t.Errorf("after the last answer (-want +got):\n%s", diff)
	}
	if string(task.Request) != `{"answered":"b"}` {
		t.Errorf("request = %s", task.Request)
	}
	// A working task has nothing to answer: unchanged, no run.
	if _, third, err := s.Answer(context.Background(), run.ID(), alice, update("c"), nil); err != nil || third != nil {
		t.Errorf("answering a working task: run %v, err %v", third, err)
	}
}

func TestExpiredTasksAreDeleted(t *testing.T) {
	store := NewMemory()
	c := &clock{now: time.Unix(1_800_000_000, 0)}
	s := newService(t, store, c, "a")
	done, _ := begin(t, s, false)
	done.Finish(Outcome{Status: Completed})
	running, _ := begin(t, s, false)
	c.add(2 * time.Hour)
	if ok, _ := store.HeartbeatTask(context.Background(), running.ID(), "a", c.Now()); !ok {
		t.Fatal("no heartbeat")
	}
	n, err := store.DeleteExpiredTasks(context.Background(), c.Now(), c.Now().Add(-time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("deleted %d, %v; want the finished one only", n, err)
	}
	if get(t, s, done.ID()) != nil || get(t, s, running.ID()) == nil {
		t.Error("the wrong task went")
	}
}
