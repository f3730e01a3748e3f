package tasks

import (
	"context"
	"encoding/json"
	"time"
)

// Status is where a task is. Completed, Failed and Cancelled are final.
type Status string

// The statuses of MCP's Tasks extension.
const (
	Working       Status = "working"
	InputRequired Status = "input_required"
	Completed     Status = "completed"
	Failed        Status = "failed"
	Cancelled     Status = "cancelled"
)

// Terminal reports whether s is final.
func (s Status) Terminal() bool { return s == Completed || s == Failed || s == Cancelled }

// Owner is who a task belongs to: only they see it, and a task ID of
// anyone else's is unknown to them.
type Owner struct {
	Subject      string
	Organization string
}

// Task is one task as the store keeps it.
type Task struct {
	ID    string
	Owner Owner
	// Tool is the tool the task runs.
	Tool string
	// Request is what the transport needs to run the task again on any
	// instance (arguments, caller, the answers so far); opaque here.
	Request json.RawMessage
	Status  Status
	// Message says what the task is doing or why it ended, for people.
	Message string
	// Input holds the questions an InputRequired task waits on; Result a
	// Completed task's result; Error a Failed task's error. Opaque here.
	Input, Result, Error json.RawMessage
	// MayWrite: the tool writes, so a run cut off may have written.
	MayWrite                        bool
	CreatedAt, UpdatedAt, ExpiresAt time.Time
	// Runner is the instance running a Working task; Heartbeat when it
	// last said so.
	Runner    string
	Heartbeat time.Time
	// Version increases with every write; writes check it (UpdateTask).
	Version int64
}

// Store keeps tasks where every instance sees them.
type Store interface {
	// CreateTask writes a new task (Version 1).
	CreateTask(ctx context.Context, t *Task) error
	// GetTask reads a task; nil, nil when there is none.
	GetTask(ctx context.Context, id string) (*Task, error)
	// UpdateTask writes t if the stored version is still t.Version, and
	// then gives t the next version; false when another write came first.
	UpdateTask(ctx context.Context, t *Task) (bool, error)
	// HeartbeatTask stamps a Working task runner runs; false when it is
	// not (any more): cancelled, or taken over.
	HeartbeatTask(ctx context.Context, id, runner string, at time.Time) (bool, error)
	// DeleteExpiredTasks deletes tasks expired by now, except Working ones
	// whose heartbeat is after staleBefore (still running somewhere).
	DeleteExpiredTasks(ctx context.Context, now, staleBefore time.Time) (int64, error)
}
