package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Tasks of MCP's Tasks extension: the store keeps them, package tasks says
// what they mean. Every update is a compare-and-set on the version, so two
// instances acting on one task at once (a cancel here, a run finishing
// there) cannot both win.

// Task is a task's row.
type Task struct {
	ID, Subject, Organization, Tool string
	Request                         []byte
	Status, Message                 string
	// Input, Result and Error are JSON, nil when absent.
	Input, Result, Error            []byte
	MayWrite                        bool
	CreatedAt, UpdatedAt, ExpiresAt time.Time
	Runner                          string
	Heartbeat                       time.Time
	Version                         int64
}

const taskColumns = `id, subject, organization, tool, request, status, message, input_json, result_json, error_json,
may_write, created_ms, updated_ms, expires_ms, runner, heartbeat_ms, version`

// CreateTask inserts a new task at version 1.
func (s *Store) CreateTask(ctx context.Context, t *Task) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	t.Version = 1
	_, err := s.db.ExecContext(ctx, s.query(`INSERT INTO tasks (`+taskColumns+`)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`),
		t.ID, t.Subject, t.Organization, t.Tool, string(t.Request), t.Status, t.Message,
		nullJSON(t.Input), nullJSON(t.Result), nullJSON(t.Error), t.MayWrite,
		t.CreatedAt.UnixMilli(), t.UpdatedAt.UnixMilli(), t.ExpiresAt.UnixMilli(), t.Runner, t.Heartbeat.UnixMilli(), t.Version)
	if err != nil {
		return s.fail("creating a task", err)
	}
	return nil
}

// GetTask reads a task; nil, nil when there is none.
func (s *Store) GetTask(ctx context.Context, id string) (*Task, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	var (
		t                                 Task
		request                           string
		input, result, failure            sql.NullString
		created, updated, expires, beaten int64
	)
	err := s.db.QueryRowContext(ctx, s.query(`SELECT `+taskColumns+` FROM tasks WHERE id = $1`), id).Scan(
		&t.ID, &t.Subject, &t.Organization, &t.Tool, &request, &t.Status, &t.Message, &input, &result, &failure,
		&t.MayWrite, &created, &updated, &expires, &t.Runner, &beaten, &t.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, s.fail("reading a task", err)
	}
	t.Request = []byte(request)
	t.Input, t.Result, t.Error = fromNull(input), fromNull(result), fromNull(failure)
	t.CreatedAt, t.UpdatedAt, t.ExpiresAt = time.UnixMilli(created), time.UnixMilli(updated), time.UnixMilli(expires)
	t.Heartbeat = time.UnixMilli(beaten)
	return &t, nil
}

// UpdateTask writes t if the stored version is still t.Version and gives t
// the next one; false when another write came first (or the task is gone).
func (s *Store) UpdateTask(ctx context.Context, t *Task) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	res, err := s.db.ExecContext(ctx, s.query(`UPDATE tasks SET request = $2, status = $3, message = $4,
input_json = $5, result_json = $6, error_json = $7, updated_ms = $8, expires_ms = $9, runner = $10, heartbeat_ms = $11,
version = version + 1 WHERE id = $1 AND version = $12`),
		t.ID, string(t.Request), t.Status, t.Message, nullJSON(t.Input), nullJSON(t.Result), nullJSON(t.Error),
		t.UpdatedAt.UnixMilli(), t.ExpiresAt.UnixMilli(), t.Runner, t.Heartbeat.UnixMilli(), t.Version)
	if err != nil {
		return false, s.fail("updating a task", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, s.fail("updating a task", err)
	}
	if n == 1 {
		t.Version++
	}
	return n == 1, nil
}

// HeartbeatTask stamps a working task runner runs; false when it does not
// run it (any more).
func (s *Store) HeartbeatTask(ctx context.Context, id, runner string, at time.Time) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	res, err := s.db.ExecContext(ctx, s.query(`UPDATE tasks SET heartbeat_ms = $3
WHERE id = $1 AND runner = $2 AND status = 'working'`), id, runner, at.UnixMilli())
	if err != nil {
		return false, s.fail("stamping a task's heartbeat", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, s.fail("stamping a task's heartbeat", err)
	}
	return n == 1, nil
}

// DeleteExpiredTasks deletes tasks expired by now, but not working ones
// whose heartbeat is after staleBefore: those still run somewhere.
func (s *Store) DeleteExpiredTasks(ctx context.Context, now, staleBefore time.Time) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	res, err := s.db.ExecContext(ctx, s.query(`DELETE FROM tasks WHERE expires_ms <= $1
AND (status <> 'working' OR heartbeat_ms <= $2)`), now.UnixMilli(), staleBefore.UnixMilli())
	if err != nil {
		return 0, s.fail("deleting expired tasks", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, s.fail("deleting expired tasks", err)
	}
	return n, nil
}

func nullJSON(b []byte) sql.NullString {
	return sql.NullString{String: string(b), Valid: b != nil}
}

func fromNull(s sql.NullString) []byte {
	if !s.Valid {
		return nil
	}
	return []byte(s.String)
}
