package books

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" driver
)

// schemaVersion is the working set's layout. The working set is a copy
// of Billy, so a database of another version is dropped and synced again
// in full rather than migrated.
const schemaVersion = 2

var tables = []string{"sync_state", "contacts", "products", "tax_rates", "accounts", "invoices", "invoice_lines", "payments", "bills", "postings", "sync_seen", "exports"}

// schema is the working set. Every table is keyed by organization, so one
// database serves every organization the deployment acts for.
const schema = `
CREATE TABLE IF NOT EXISTS sync_state (
	org_id TEXT PRIMARY KEY,
	org_name TEXT NOT NULL DEFAULT '',
	base_currency TEXT NOT NULL DEFAULT 'DKK',
	last_sync TEXT NOT NULL DEFAULT '',
	inv_mark TEXT NOT NULL DEFAULT '',
	bill_mark TEXT NOT NULL DEFAULT '',
	pay_mark TEXT NOT NULL DEFAULT '',
	tx_mark TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS contacts (
	org_id TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, country_id TEXT NOT NULL,
	created_time TEXT NOT NULL, is_customer INTEGER NOT NULL,
	PRIMARY KEY (org_id, id)
);
CREATE TABLE IF NOT EXISTS products (
	org_id TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL,
	PRIMARY KEY (org_id, id)
);
CREATE TABLE IF NOT EXISTS tax_rates (
	org_id TEXT NOT NULL, id TEXT NOT NULL, rate TEXT NOT NULL,
	PRIMARY KEY (org_id, id)
);
CREATE TABLE IF NOT EXISTS accounts (
	org_id TEXT NOT NULL, id TEXT NOT NULL, account_no TEXT NOT NULL, name TEXT NOT NULL, nature TEXT NOT NULL,
	PRIMARY KEY (org_id, id)
);
CREATE TABLE IF NOT EXISTS invoices (
	org_id TEXT NOT NULL, id TEXT NOT NULL, no TEXT NOT NULL, type TEXT NOT NULL, state TEXT NOT NULL,
	contact_id TEXT NOT NULL, entry_date TEXT NOT NULL, due_date TEXT NOT NULL,
	currency TEXT NOT NULL, rate TEXT NOT NULL,
	net INTEGER NOT NULL, vat INTEGER NOT NULL, gross INTEGER NOT NULL, balance INTEGER NOT NULL,
	base_net INTEGER NOT NULL, base_vat INTEGER NOT NULL,
	is_paid INTEGER NOT NULL, credited_id TEXT NOT NULL, created_time TEXT NOT NULL,
	PRIMARY KEY (org_id, id)
);
CREATE INDEX IF NOT EXISTS invoices_entry ON invoices (org_id, state, entry_date);
CREATE INDEX IF NOT EXISTS invoices_open ON invoices (org_id, is_paid);
CREATE TABLE IF NOT EXISTS invoice_lines (
	org_id TEXT NOT NULL, invoice_id TEXT NOT NULL, id TEXT NOT NULL, product_id TEXT NOT NULL,
	description TEXT NOT NULL, quantity TEXT NOT NULL, unit_price TEXT NOT NULL,
	net INTEGER NOT NULL, vat INTEGER NOT NULL, tax_rate_id TEXT NOT NULL, discount TEXT NOT NULL, discount_amount TEXT NOT NULL,
	PRIMARY KEY (org_id, invoice_id, id)
);
CREATE TABLE IF NOT EXISTS payments (
	org_id TEXT NOT NULL, id TEXT NOT NULL, invoice_id TEXT NOT NULL, contact_id TEXT NOT NULL,
	entry_date TEXT NOT NULL, amount INTEGER NOT NULL, is_voided INTEGER NOT NULL, created_time TEXT NOT NULL,
	PRIMARY KEY (org_id, id, invoice_id)
);
CREATE INDEX IF NOT EXISTS payments_invoice ON payments (org_id, invoice_id);
CREATE INDEX IF NOT EXISTS payments_entry ON payments (org_id, entry_date);
CREATE TABLE IF NOT EXISTS bills (
	org_id TEXT NOT NULL, id TEXT NOT NULL, state TEXT NOT NULL, contact_id TEXT NOT NULL,
	entry_date TEXT NOT NULL, due_date TEXT NOT NULL, currency TEXT NOT NULL,
	net INTEGER NOT NULL, vat INTEGER NOT NULL, gross INTEGER NOT NULL, balance INTEGER NOT NULL,
	is_paid INTEGER NOT NULL, created_time TEXT NOT NULL,
	PRIMARY KEY (org_id, id)
);
CREATE TABLE IF NOT EXISTS postings (
	org_id TEXT NOT NULL, id TEXT NOT NULL, transaction_id TEXT NOT NULL, entry_date TEXT NOT NULL,
	account_id TEXT NOT NULL, amount INTEGER NOT NULL, is_voided INTEGER NOT NULL,
	PRIMARY KEY (org_id, id)
);
CREATE TABLE IF NOT EXISTS sync_seen (org_id TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (org_id, id));
CREATE TABLE IF NOT EXISTS exports (id TEXT PRIMARY KEY, org_id TEXT NOT NULL, mime TEXT NOT NULL, name TEXT NOT NULL, created TEXT NOT NULL, data BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS postings_entry ON postings (org_id, entry_date);
`

// Store is the working sets of every organization, in one SQLite file.
type Store struct {
	// Now is the clock for the last sync's time (time.Now by default).
	Now  func() time.Time
	db   *sql.DB
	path string
	// mu serializes syncs per organization; reads run beside them (WAL).
	mu    sync.Mutex
	syncs map[string]*sync.Mutex
}

// Open opens (or creates) the working set in dir; an empty dir means a
// fresh temporary directory, for a host that runs without a data_dir
// (the working set is then rebuilt after every restart).
func Open(dir string) (*Store, error) {
	if dir == "" {
		d, err := os.MkdirTemp("", "billy-mcp-analytics-")
		if err != nil {
			return nil, err
		}
		dir = d
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "analytics.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)")
	if err != nil {
		return nil, err
	}
	// One writer at a time is SQLite's rule anyway (busy_timeout queues
	// the rest); readers beside it in WAL mode. A report that streams rows
	// and queries per row (Invoices with lines) holds two connections.
	db.SetMaxOpenConns(16)
	var version int
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&version); err != nil {
		db.Close()
		return nil, fmt.Errorf("analytics working set %s: %w", path, err)
	}
	if version != schemaVersion {
		for _, t := range tables {
			if _, err := db.Exec(`DROP TABLE IF EXISTS ` + t); err != nil {
				db.Close()
				return nil, fmt.Errorf("analytics working set %s: dropping %s of layout %d: %w", path, t, version, err)
			}
		}
	}
	if _, err := db.Exec(schema + fmt.Sprintf("PRAGMA user_version = %d;", schemaVersion)); err != nil {
		db.Close()
		return nil, fmt.Errorf("analytics working set %s: %w", path, err)
	}
	return &Store{Now: time.Now, db: db, path: path, syncs: map[string]*sync.Mutex{}}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Path is the database file.
func (s *Store) Path() string { return s.path }

func (s *Store) orgLock(org string) *sync.Mutex {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.syncs[org]
	if m == nil {
		m = &sync.Mutex{}
		s.syncs[org] = m
	}
	return m
}

// Set is one organization's working set.
func (s *Store) Set(ctx context.Context, org string) (*Set, error) {
	set := &Set{db: s.db, org: org}
	if err := set.loadInfo(ctx); err != nil {
		return nil, err
	}
	return set, nil
}
