package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// The embedded OAuth authorization server's state (package oauthserver
// says what each kind holds): JSON documents by kind and ID, each with an
// expiry, so that a login begun on one instance can finish on another and
// registered clients and refresh tokens outlive a restart.

// PutOAuth stores (or replaces) the document of kind and id until expires.
func (s *Store) PutOAuth(ctx context.Context, kind, id string, data []byte, expires time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	_, err := s.db.ExecContext(ctx, s.query(`INSERT INTO oauth_state (kind, id, data, expires_ms) VALUES ($1, $2, $3, $4)
ON CONFLICT (kind, id) DO UPDATE SET data = excluded.data, expires_ms = excluded.expires_ms`),
		kind, id, string(data), expires.UnixMilli())
	if err != nil {
		return s.fail("storing OAuth state", err)
	}
	return nil
}

// GetOAuth reads the document of kind and id; nil, nil when there is none
// or it expired.
func (s *Store) GetOAuth(ctx context.Context, kind, id string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	var data string
	err := s.db.QueryRowContext(ctx, s.query(`SELECT data FROM oauth_state WHERE kind = $1 AND id = $2 AND expires_ms > $3`),
		kind, id, s.now().UnixMilli()).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, s.fail("reading OAuth state", err)
	}
	return []byte(data), nil
}

// TakeOAuth deletes the document of kind and id and returns it; nil, nil
// when there is none or it expired. Of two instances taking the same
// document at once, one gets it: an authorization code is redeemed once.
func (s *Store) TakeOAuth(ctx context.Context, kind, id string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	var data string
	err := s.db.QueryRowContext(ctx, s.query(`DELETE FROM oauth_state WHERE kind = $1 AND id = $2 AND expires_ms > $3 RETURNING data`),
		kind, id, s.now().UnixMilli()).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, s.fail("taking OAuth state", err)
	}
	return []byte(data), nil
}

// DeleteOAuth deletes the document of kind and id, if any.
func (s *Store) DeleteOAuth(ctx context.Context, kind, id string) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	if _, err := s.db.ExecContext(ctx, s.query(`DELETE FROM oauth_state WHERE kind = $1 AND id = $2`), kind, id); err != nil {
		return s.fail("deleting OAuth state", err)
	}
	return nil
}
