package tasks

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Memory is a Store in this process's memory: for tests, and a host that
// is one process anyway. It copies tasks in and out, as a database would.
type Memory struct {
	mu    sync.Mutex
	tasks map[string]Task
}

// NewMemory returns an empty Memory.
func NewMemory() *Memory { return &Memory{tasks: map[string]Task{}} }

func (m *Memory) CreateTask(_ context.Context, t *Task) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.tasks[t.ID]; ok {
		return errors.New("tasks: a task with this ID exists")
	}
	t.Version = 1
	m.tasks[t.ID] = *t
	return nil
}

func (m *Memory) GetTask(_ context.Context, id string) (*Task, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tasks[id]
	if !ok {
		return nil, nil
	}
	return &t, nil
}

func (m *Memory) UpdateTask(_ context.Context, t *Task) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.tasks[t.ID]
	if !ok || cur.Version != t.Version {
		return false, nil
	}
	t.Version++
	m.tasks[t.ID] = *t
	return true, nil
}

func (m *Memory) HeartbeatTask(_ context.Context, id, runner string, at time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tasks[id]
	if !ok || t.Status != Working || t.Runner != runner {
		return false, nil
	}
	t.Heartbeat = at
	m.tasks[id] = t
	return true, nil
}

func (m *Memory) DeleteExpiredTasks(_ context.Context, now, staleBefore time.Time) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var n int64
	for id, t := range m.tasks {
		if !t.ExpiresAt.After(now) && (t.Status != Working || !t.Heartbeat.After(staleBefore)) {
			delete(m.tasks, id)
			n++
		}
	}
	return n, nil
}
