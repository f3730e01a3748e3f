package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
)

// ledger remembers which bank lines (by de-duplication key) were recorded
// as payments, per organization, so that importing an overlapping export
// later reports those lines as already recorded instead of matching them
// again (a part payment leaves its invoice open, so Billy's balance alone
// would not stop a second recording). It lives in the plugin's DataDir
// (recorded-lines.json), or in memory when the host gives none. One file
// for one host process: instances of a scaled-out deployment each keep
// their own, and Billy's balances remain the guard between them.
type ledger struct {
	mu   sync.Mutex
	path string
	orgs map[string]map[string]recordedLine
}

type recordedLine struct {
	InvoiceID string `json:"invoice_id"`
	PaymentID string `json:"payment_id"`
	At        string `json:"at"`
}

func newLedger(dir string) *ledger {
	l := &ledger{orgs: map[string]map[string]recordedLine{}}
	if dir == "" {
		return l
	}
	l.path = filepath.Join(dir, "recorded-lines.json")
	if b, err := os.ReadFile(l.path); err == nil {
		// A damaged file is ignored rather than stopping the plugin: the
		// ledger is a second guard, Billy's balances the first.
		_ = json.Unmarshal(b, &l.orgs)
		if l.orgs == nil {
			l.orgs = map[string]map[string]recordedLine{}
		}
	}
	return l
}

func (l *ledger) get(org, key string) (recordedLine, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.orgs[org][key]
	return r, ok
}

// put records a line and saves the file (atomically: a temp file renamed).
func (l *ledger) put(org, key string, r recordedLine) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.orgs[org] == nil {
		l.orgs[org] = map[string]recordedLine{}
	}
	l.orgs[org][key] = r
	if l.path == "" {
		return nil
	}
	b, err := json.Marshal(l.orgs)
	if err != nil {
		return err
	}
	tmp := l.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, l.path)
}
