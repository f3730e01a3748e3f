package store

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // database/sql driver "sqlite", pure Go
)

// sqliteParams are set on every connection: WAL lets reads go on while one
// connection writes; the busy timeout makes a writer wait for another
// (another connection, or another host process on the same file) instead
// of failing at once; immediate transactions take the write lock when they
// begin, so two never deadlock upgrading from read to write; NORMAL
// synchronous is durable across crashes of the process under WAL (a power
// cut may lose the last transactions, never the file).
const sqliteParams = "?_busy_timeout=5000&_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate"

// openSQLite opens dir/store.db, making dir and the file (mode 0600: the
// store will hold the audit log) if missing, or an in-memory database when
// dir is empty.
func openSQLite(dir string) (*sql.DB, string, error) {
	if dir == "" {
		db, err := sql.Open("sqlite", ":memory:")
		if err != nil {
			return nil, "", fmt.Errorf("store: %w", err)
		}
		// Each connection to :memory: is a database of its own: keep
		// exactly one, for good.
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
		return db, "SQLite in memory (no data_dir: kept by this process only)", nil
	}
	path := filepath.Join(dir, FileName)
	if strings.ContainsRune(path, '?') {
		// The driver reads everything after a ? as parameters.
		return nil, "", fmt.Errorf("store: data_dir %q contains a '?', which SQLite file names cannot; choose another data_dir", dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, "", fmt.Errorf("store: making data_dir: %w%s", err, hint(sqlite))
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, "", fmt.Errorf("store: opening %s: %w%s", path, err, hint(sqlite))
	}
	f.Close()
	db, err := sql.Open("sqlite", path+sqliteParams)
	if err != nil {
		return nil, "", fmt.Errorf("store: %w", err)
	}
	// SQLite has one writer at a time whatever the pool; a few connections
	// let reads go on beside it.
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	return db, "SQLite " + path, nil
}
