package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Upload is a file an HTTP client sent the host (POST /uploads), kept in
// the store so that a tool call on any instance can read it by its handle.
// It is bound to the principal that sent it (and the organization the
// request named, if any), and is reusable until it expires: a tool that
// previews and then, confirmed, executes reads it twice.
type Upload struct {
	Handle       string
	Principal    string
	Organization string
	FileName     string
	MIME         string
	SHA256       string
	Size         int64
	Created      time.Time
	Expires      time.Time
	Data         []byte
}

// PutUpload stores u.
func (s *Store) PutUpload(ctx context.Context, u *Upload) error {
	if u.Handle == "" || u.Principal == "" {
		return errors.New("store: PutUpload needs a handle and a principal")
	}
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	_, err := s.db.ExecContext(ctx, s.query(`INSERT INTO uploads
(handle, principal, organization, file_name, mime, sha256, size, created_ms, expires_ms, data)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`),
		u.Handle, u.Principal, u.Organization, u.FileName, u.MIME, u.SHA256, u.Size,
		u.Created.UnixMilli(), u.Expires.UnixMilli(), u.Data)
	if err != nil {
		return s.fail("storing an upload", err)
	}
	return nil
}

// UploadBytes is how many bytes principal keeps in uploads that have not
// expired at now: what uploads.max_bytes_per_principal bounds.
func (s *Store) UploadBytes(ctx context.Context, principal string, now time.Time) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	var n int64
	err := s.db.QueryRowContext(ctx, s.query(`SELECT COALESCE(SUM(size), 0) FROM uploads WHERE principal = $1 AND expires_ms > $2`),
		principal, now.UnixMilli()).Scan(&n)
	if err != nil {
		return 0, s.fail("summing a principal's uploads", err)
	}
	return n, nil
}

// GetUpload returns the upload under handle, nil when there is none or it
// has expired at now. The caller checks the principal: the store returns
// whichever principal's upload it is, so that the caller can tell "not
// yours" from "not there" in its audit log (it answers the client the same
// for both).
func (s *Store) GetUpload(ctx context.Context, handle string, now time.Time) (*Upload, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	var (
		u                  Upload
		created, expiresMS int64
	)
	err := s.db.QueryRowContext(ctx, s.query(`SELECT handle, principal, organization, file_name, mime, sha256, size,
created_ms, expires_ms, data FROM uploads WHERE handle = $1 AND expires_ms > $2`), handle, now.UnixMilli()).
		Scan(&u.Handle, &u.Principal, &u.Organization, &u.FileName, &u.MIME, &u.SHA256, &u.Size, &created, &expiresMS, &u.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, s.fail("reading an upload", err)
	}
	u.Created, u.Expires = time.UnixMilli(created), time.UnixMilli(expiresMS)
	return &u, nil
}
