package app

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/store"
	"github.com/billy-mcp/billy-mcp/host/internal/tasks"
)

// taskStore keeps the tasks of MCP's Tasks extension (mcpserver) in the
// durable store, which every instance of a deployment shares: a task
// started on one instance is collected on another, and after a restart.
// Until the store opens, tasks cannot start (the call says so) and tools
// that may run as tasks run as ordinary calls for clients that allow it.
type taskStore struct{ d *durable }

func (s taskStore) open() (*store.Store, error) {
	st := s.d.get()
	if st == nil {
		return nil, errStoreNotOpen
	}
	return st, nil
}

func (s taskStore) CreateTask(ctx context.Context, t *tasks.Task) error {
	st, err := s.open()
	if err != nil {
		return err
	}
	row := toRow(t)
	if err := st.CreateTask(ctx, row); err != nil {
		return err
	}
	t.Version = row.Version
	return nil
}

func (s taskStore) GetTask(ctx context.Context, id string) (*tasks.Task, error) {
	st, err := s.open()
	if err != nil {
		return nil, err
	}
	row, err := st.GetTask(ctx, id)
	if err != nil || row == nil {
		return nil, err
	}
	return fromRow(row), nil
}

func (s taskStore) UpdateTask(ctx context.Context, t *tasks.Task) (bool, error) {
	st, err := s.open()
	if err != nil {
		return false, err
	}
	row := toRow(t)
	ok, err := st.UpdateTask(ctx, row)
	t.Version = row.Version
	return ok, err
}

func (s taskStore) HeartbeatTask(ctx context.Context, id, runner string, at time.Time) (bool, error) {
	st, err := s.open()
	if err != nil {
		return false, err
	}
	return st.HeartbeatTask(ctx, id, runner, at)
}

func (s taskStore) DeleteExpiredTasks(ctx context.Context, now, staleBefore time.Time) (int64, error) {
	st, err := s.open()
	if err != nil {
		return 0, err
	}
	return st.DeleteExpiredTasks(ctx, now, staleBefore)
}

func toRow(t *tasks.Task) *store.Task {
	return &store.Task{ID: t.ID, Subject: t.Owner.Subject, Organization: t.Owner.Organization, Tool: t.Tool,
		Request: t.Request, Status: string(t.Status), Message: t.Message, Input: t.Input, Result: t.Result, Error: t.Error,
		MayWrite: t.MayWrite, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, ExpiresAt: t.ExpiresAt,
		Runner: t.Runner, Heartbeat: t.Heartbeat, Version: t.Version}
}

func fromRow(r *store.Task) *tasks.Task {
	return &tasks.Task{ID: r.ID, Owner: tasks.Owner{Subject: r.Subject, Organization: r.Organization}, Tool: r.Tool,
		Request: r.Request, Status: tasks.Status(r.Status), Message: r.Message, Input: r.Input, Result: r.Result, Error: r.Error,
		MayWrite: r.MayWrite, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, ExpiresAt: r.ExpiresAt,
		Runner: r.Runner, Heartbeat: r.Heartbeat, Version: r.Version}
}

// instanceName names this process in the tasks it runs (the host and the
// process), so an operator can tell which instance ran what.
func instanceName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "host"
	}
	return fmt.Sprintf("%s-%d", host, os.Getpid())
}
