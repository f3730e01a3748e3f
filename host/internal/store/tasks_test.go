package store

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func newTask(c *clock, id string) *Task {
	now := c.Now()
	return &Task{ID: id, Subject: "key:1", Organization: "org-1", Tool: "slow_compute", Request: []byte(`{"arguments":{"seconds":2}}`),
		Status: "working", Message: "", MayWrite: true, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Hour),
		Runner: "a", Heartbeat: now}
}

func getTask(t *testing.T, s *Store, id string) *Task {
	t.Helper()
	got, err := s.GetTask(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestTaskRoundTrip(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *database) {
		s := db.open()
		ctx := context.Background()
		task := newTask(db.clock, "t1")
		if err := s.CreateTask(ctx, task); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(task, getTask(t, s, "t1")); diff != "" {
			t.Errorf("as written (-want +got):\n%s", diff)
		}
		if got := getTask(t, s, "missing"); got != nil {
			t.Errorf("a missing task: %+v", got)
		}

		// Another instance of the deployment finishes it; a write based on
		// what was read before loses.
		other := db.open()
		stale := getTask(t, s, "t1")
		done := getTask(t, other, "t1")
		done.Status, done.Result, done.Runner, done.UpdatedAt = "completed", []byte(`{"content":[]}`), "", db.clock.in(time.Second)
		if ok, err := other.UpdateTask(ctx, done); err != nil || !ok || done.Version != 2 {
			t.Fatalf("update: %v %v, version %d", ok, err, done.Version)
		}
		stale.Status = "cancelled"
		if ok, err := s.UpdateTask(ctx, stale); err != nil || ok {
			t.Fatalf("a stale update won: %v %v", ok, err)
		}
		if diff := cmp.Diff(done, getTask(t, s, "t1")); diff != "" {
			t.Errorf("after the update (-want +got):\n%s", diff)
		}
		if err := s.CreateTask(ctx, newTask(db.clock, "t1")); err == nil {
			t.Error("a second task with the same ID was created")
		}
	})
}

func TestTaskHeartbeat(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *database) {
		s := db.open()
		ctx := context.Background()
		if err := s.CreateTask(ctx, newTask(db.clock, "t1")); err != nil {
			t.Fatal(err)
		}
		later := db.clock.in(5 * time.Second)
		tests := []struct {
			name, runner string
			want         bool
		}{
			{"its runner", "a", true},
			{"another instance", "b", false},
		}
		for _, tt := range tests {
			if ok, err := s.HeartbeatTask(ctx, "t1", tt.runner, later); err != nil || ok != tt.want {
				t.Errorf("%s: %v %v", tt.name, ok, err)
			}
		}
		if got := getTask(t, s, "t1"); !got.Heartbeat.Equal(later) || got.Version != 1 {
			t.Errorf("heartbeat %v, version %d", got.Heartbeat, got.Version)
		}
		cancelled := getTask(t, s, "t1")
		cancelled.Status, cancelled.Runner = "cancelled", ""
		if ok, _ := s.UpdateTask(ctx, cancelled); !ok {
			t.Fatal("cancel lost")
		}
		if ok, err := s.HeartbeatTask(ctx, "t1", "a", later); err != nil || ok {
			t.Errorf("a cancelled task took a heartbeat: %v %v", ok, err)
		}
	})
}

func TestDeleteExpiredTasks(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *database) {
		s := db.open()
		ctx := context.Background()
		for _, id := range []string{"done", "running", "abandoned", "fresh"} {
			task := newTask(db.clock, id)
			switch id {
			case "done":
				task.Status, task.Runner = "completed", ""
			case "fresh":
				task.ExpiresAt = db.clock.in(3 * time.Hour)
			}
			if err := s.CreateTask(ctx, task); err != nil {
				t.Fatal(err)
			}
		}
		db.clock.advance(2 * time.Hour)
		if ok, _ := s.HeartbeatTask(ctx, "running", "a", db.clock.Now()); !ok {
			t.Fatal("no heartbeat")
		}
		n, err := s.DeleteExpiredTasks(ctx, db.clock.Now(), db.clock.in(-15*time.Second))
		if err != nil || n != 2 {
			t.Fatalf("deleted %d, %v; want done and abandoned", n, err)
		}
		var left []string
		for _, id := range []string{"done", "running", "abandoned", "fresh"} {
			if getTask(t, s, id) != nil {
				left = append(left, id)
			}
		}
		if diff := cmp.Diff([]string{"running", "fresh"}, left); diff != "" {
			t.Errorf("left (-want +got):\n%s", diff)
		}
	})
}
