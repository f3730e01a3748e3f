package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// MemoryStore keeps runs in memory: for tests, and for a deployment
// without a data directory (runs then do not survive a restart).
type MemoryStore struct {
	mu        sync.Mutex
	runs      map[string][]byte
	cancelled map[string]bool
}

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{runs: map[string][]byte{}, cancelled: map[string]bool{}}
}

// RequestCancel implements Store.
func (m *MemoryStore) RequestCancel(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cancelled[id] = true
	return nil
}

// CancelRequested implements Store.
func (m *MemoryStore) CancelRequested(_ context.Context, id string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cancelled[id], nil
}

// Create implements Store.
func (m *MemoryStore) Create(_ context.Context, r *Run) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.runs[r.ID]; ok {
		return fmt.Errorf("run %s exists", r.ID)
	}
	b, err := json.Marshal(r)
	m.runs[r.ID] = b
	return err
}

// Save implements Store.
func (m *MemoryStore) Save(_ context.Context, r *Run) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.runs[r.ID] = b
	return nil
}

// Get implements Store. Each call decodes a fresh copy, as a database
// would, so the engine never shares state with a reader.
func (m *MemoryStore) Get(_ context.Context, id string) (*Run, error) {
	m.mu.Lock()
	b, ok := m.runs[id]
	m.mu.Unlock()
	if !ok {
		return nil, ErrNotFound
	}
	return decodeRun(b)
}

// List implements Store.
func (m *MemoryStore) List(_ context.Context, org string, limit int) ([]*Run, error) {
	m.mu.Lock()
	var all [][]byte
	for _, b := range m.runs {
		all = append(all, b)
	}
	m.mu.Unlock()
	return filterRuns(all, org, limit)
}

func decodeRun(b []byte) (*Run, error) {
	var r Run
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

func filterRuns(all [][]byte, org string, limit int) ([]*Run, error) {
	var out []*Run
	for _, b := range all {
		r, err := decodeRun(b)
		if err != nil {
			return nil, err
		}
		if r.OrganizationID == org {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.After(out[j].CreatedAt)
		}
		return out[i].ID > out[j].ID
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// FileStore keeps each run as a JSON file in a directory (the plugin's
// data directory): written to a temporary file, synced and renamed over
// the old one, so a crash leaves either the old state or the new one.
type FileStore struct {
	dir string
	mu  sync.Mutex
}

var runID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// NewFileStore opens (creating) dir for runs.
func NewFileStore(dir string) (*FileStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return &FileStore{dir: dir}, nil
}

func (f *FileStore) path(id string) (string, error) {
	if !runID.MatchString(id) {
		return "", ErrNotFound
	}
	return filepath.Join(f.dir, id+".json"), nil
}

// Create implements Store.
func (f *FileStore) Create(ctx context.Context, r *Run) error {
	p, err := f.path(r.ID)
	if err != nil {
		return fmt.Errorf("run ID %q", r.ID)
	}
	if _, err := os.Stat(p); err == nil {
		return fmt.Errorf("run %s exists", r.ID)
	}
	return f.Save(ctx, r)
}

// Save implements Store.
func (f *FileStore) Save(_ context.Context, r *Run) error {
	p, err := f.path(r.ID)
	if err != nil {
		return fmt.Errorf("run ID %q", r.ID)
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	tmp, err := os.CreateTemp(f.dir, ".run-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename there is nothing to remove
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p)
}

// RequestCancel implements Store: a marker file beside the run's.
func (f *FileStore) RequestCancel(_ context.Context, id string) error {
	p, err := f.path(id)
	if err != nil {
		return err
	}
	return os.WriteFile(strings.TrimSuffix(p, ".json")+".cancel", nil, 0o600)
}

// CancelRequested implements Store.
func (f *FileStore) CancelRequested(_ context.Context, id string) (bool, error) {
	p, err := f.path(id)
	if err != nil {
		return false, err
	}
	_, err = os.Stat(strings.TrimSuffix(p, ".json") + ".cancel")
	if os.IsNotExist(err) {
		return false, nil
	}
	return err == nil, err
}

// Get implements Store.
func (f *FileStore) Get(_ context.Context, id string) (*Run, error) {
	p, err := f.path(id)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if os.IsNotExist(err) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return decodeRun(b)
}

// List implements Store.
func (f *FileStore) List(_ context.Context, org string, limit int) ([]*Run, error) {
	names, err := filepath.Glob(filepath.Join(f.dir, "*.json"))
	if err != nil {
		return nil, err
	}
	var all [][]byte
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			continue // removed meanwhile
		}
		all = append(all, b)
	}
	return filterRuns(all, org, limit)
}
