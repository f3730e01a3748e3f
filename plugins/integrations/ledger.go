package integrations

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
)

// The plugin remembers two things per organization, in its DataDir (or in
// memory when the host gives none):
//
//   - recorded-lines.json: the bank lines (by de-duplication key) recorded
//     as payments, so that an overlapping export imported later reports
//     them as already recorded instead of matching them again (a part
//     payment leaves its invoice open, so Billy's balance alone would not
//     stop a second recording);
//   - vouchers.json: the files uploaded as vouchers, by SHA-256, with the
//     Billy file and the records they are attached to, so that the same
//     receipt sent twice is recognised (Billy keeps no hash of a file, and
//     a file once uploaded can never be deleted).
//
// One file per host process: instances of a scaled-out deployment each
// keep their own, and Billy itself remains the guard between them (an
// invoice paid, a record's attachments listed).
type store[T any] struct {
	mu   sync.Mutex
	path string
	orgs map[string]map[string]T
}

type recordedLine struct {
	InvoiceID string `json:"invoice_id"`
	PaymentID string `json:"payment_id"`
	At        string `json:"at"`
}

type uploadedFile struct {
	FileID   string   `json:"file_id"`
	FileName string   `json:"file_name"`
	Size     int      `json:"size"`
	Type     string   `json:"type"`
	Owners   []string `json:"owners"` // bill:<id>, invoice:<id>, daybookTransaction:<id>
	At       string   `json:"at"`
}

type ledger = store[recordedLine]

func newLedger(dir string) *ledger { return newStore[recordedLine](dir, "recorded-lines.json") }

func newStore[T any](dir, name string) *store[T] {
	s := &store[T]{orgs: map[string]map[string]T{}}
	if dir == "" {
		return s
	}
	s.path = filepath.Join(dir, name)
	if b, err := os.ReadFile(s.path); err == nil {
		// A damaged file is ignored rather than stopping the plugin: it is
		// a second guard, Billy the first.
		_ = json.Unmarshal(b, &s.orgs)
		if s.orgs == nil {
			s.orgs = map[string]map[string]T{}
		}
	}
	return s
}

func (s *store[T]) get(org, key string) (T, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.orgs[org][key]
	return r, ok
}

// put records a value and saves the file (atomically: a temp file renamed).
func (s *store[T]) put(org, key string, v T) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.orgs[org] == nil {
		s.orgs[org] = map[string]T{}
	}
	s.orgs[org][key] = v
	if s.path == "" {
		return nil
	}
	b, err := json.Marshal(s.orgs)
	if err != nil {
		return err
	}
	tmp := s.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, s.path)
}
