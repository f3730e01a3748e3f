package books

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Exports are rendered reports kept for a while so that a client can read
// them as resources instead of having them pasted into the chat.

// ExportTTL is how long an export is kept.
const ExportTTL = 24 * time.Hour

// ErrNoExport is an export that does not exist (any more) for the
// organization.
var ErrNoExport = errors.New("no such export")

// SaveExport keeps an export and drops the expired ones.
func (s *Store) SaveExport(ctx context.Context, id, org, mime, name string, data []byte, now time.Time) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM exports WHERE created < ?`, now.Add(-ExportTTL).UTC().Format(time.RFC3339Nano)); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO exports (id, org_id, mime, name, created, data) VALUES (?,?,?,?,?,?)`,
		id, org, mime, name, now.UTC().Format(time.RFC3339Nano), data)
	return err
}

// LoadExport reads an export of the organization.
func (s *Store) LoadExport(ctx context.Context, id, org string, now time.Time) (mime, name string, data []byte, err error) {
	var created string
	err = s.db.QueryRowContext(ctx, `SELECT mime, name, created, data FROM exports WHERE id=? AND org_id=?`, id, org).Scan(&mime, &name, &created, &data)
	if err == sql.ErrNoRows {
		return "", "", nil, ErrNoExport
	}
	if err != nil {
		return "", "", nil, err
	}
	if t, _ := time.Parse(time.RFC3339Nano, created); now.Sub(t) > ExportTTL {
		return "", "", nil, ErrNoExport
	}
	return mime, name, data, nil
}
