package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"
)

// The embedded authorization server's users kept in the store (billy-mcp
// users add and friends), and the tokens revoked before they expired.

// OAuthUser is a user of the embedded authorization server kept in the
// store.
type OAuthUser struct {
	Name string
	// PasswordHash is a bcrypt hash, never the password.
	PasswordHash string
	// Organizations the user may grant; Roles are expanded to scopes when
	// the user is read (auth.roles), Scopes are granted as they are.
	Organizations, Roles, Scopes []string
	RequireTOTP, Disabled        bool
	Created, Updated             time.Time
}

// ErrUserExists is a user added under a name the store already holds.
var ErrUserExists = errors.New("store: a user by that name exists already")

const userColumns = `name, password_bcrypt, organizations, roles, scopes, require_totp, disabled, created_ms, updated_ms`

func list(v []string) string {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// AddOAuthUser adds u (Created and Updated are now); ErrUserExists when
// the name is taken.
func (s *Store) AddOAuthUser(ctx context.Context, u OAuthUser) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	now := s.now().UnixMilli()
	res, err := s.db.ExecContext(ctx, s.query(`INSERT INTO oauth_users (`+userColumns+`)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (name) DO NOTHING`),
		u.Name, u.PasswordHash, list(u.Organizations), list(u.Roles), list(u.Scopes), u.RequireTOTP, u.Disabled, now)
	if err != nil {
		return s.fail("adding a user", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return s.fail("adding a user", err)
	} else if n == 0 {
		return ErrUserExists
	}
	return nil
}

// UpdateOAuthUser replaces everything of the user named u.Name but its
// creation time; false when there is no such user.
func (s *Store) UpdateOAuthUser(ctx context.Context, u OAuthUser) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	res, err := s.db.ExecContext(ctx, s.query(`UPDATE oauth_users SET password_bcrypt = $2, organizations = $3, roles = $4,
scopes = $5, require_totp = $6, disabled = $7, updated_ms = $8 WHERE name = $1`),
		u.Name, u.PasswordHash, list(u.Organizations), list(u.Roles), list(u.Scopes), u.RequireTOTP, u.Disabled, s.now().UnixMilli())
	if err != nil {
		return false, s.fail("updating a user", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, s.fail("updating a user", err)
	}
	return n == 1, nil
}

// DeleteOAuthUser removes the user; false when there was none.
func (s *Store) DeleteOAuthUser(ctx context.Context, name string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	res, err := s.db.ExecContext(ctx, s.query(`DELETE FROM oauth_users WHERE name = $1`), name)
	if err != nil {
		return false, s.fail("removing a user", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, s.fail("removing a user", err)
	}
	return n == 1, nil
}

type scanner interface{ Scan(...any) error }

func scanUser(row scanner) (OAuthUser, error) {
	var (
		u                   OAuthUser
		orgs, roles, scopes string
		created, updated    int64
	)
	if err := row.Scan(&u.Name, &u.PasswordHash, &orgs, &roles, &scopes, &u.RequireTOTP, &u.Disabled, &created, &updated); err != nil {
		return u, err
	}
	for _, f := range []struct {
		raw string
		to  *[]string
	}{{orgs, &u.Organizations}, {roles, &u.Roles}, {scopes, &u.Scopes}} {
		if err := json.Unmarshal([]byte(f.raw), f.to); err != nil {
			return u, err
		}
		if len(*f.to) == 0 {
			*f.to = nil
		}
	}
	u.Created, u.Updated = time.UnixMilli(created), time.UnixMilli(updated)
	return u, nil
}

// OAuthUser reads the user by name; nil, nil when there is none.
func (s *Store) OAuthUser(ctx context.Context, name string) (*OAuthUser, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	u, err := scanUser(s.db.QueryRowContext(ctx, s.query(`SELECT `+userColumns+` FROM oauth_users WHERE name = $1`), name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, s.fail("reading a user", err)
	}
	return &u, nil
}

// OAuthUsers lists every user by name.
func (s *Store) OAuthUsers(ctx context.Context) ([]OAuthUser, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	rows, err := s.db.QueryContext(ctx, `SELECT `+userColumns+` FROM oauth_users ORDER BY name`)
	if err != nil {
		return nil, s.fail("listing users", err)
	}
	defer rows.Close()
	var out []OAuthUser
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, s.fail("listing users", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("listing users", err)
	}
	return out, nil
}

// The kinds of revocation (oauth_revocations.kind).
const (
	// RevokedToken is one access token, by its jti.
	RevokedToken = "token"
	// RevokedPrincipal is every token of a user issued at or before At.
	RevokedPrincipal = "principal"
)

// OAuthRevocation is a revoked token, or every token of a principal
// issued at or before At.
type OAuthRevocation struct {
	Kind, ID    string
	At, Expires time.Time
}

// RevokeOAuth records a revocation until expires. A principal revoked
// again keeps the later time.
func (s *Store) RevokeOAuth(ctx context.Context, r OAuthRevocation) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	_, err := s.db.ExecContext(ctx, s.query(`INSERT INTO oauth_revocations (kind, id, at_ms, expires_ms) VALUES ($1, $2, $3, $4)
ON CONFLICT (kind, id) DO UPDATE SET
  at_ms = CASE WHEN excluded.at_ms > oauth_revocations.at_ms THEN excluded.at_ms ELSE oauth_revocations.at_ms END,
  expires_ms = CASE WHEN excluded.expires_ms > oauth_revocations.expires_ms THEN excluded.expires_ms ELSE oauth_revocations.expires_ms END`),
		r.Kind, r.ID, r.At.UnixMilli(), r.Expires.UnixMilli())
	if err != nil {
		return s.fail("recording a revocation", err)
	}
	return nil
}

// OAuthRevocations lists every unexpired revocation: a few rows (a
// token's lives no longer than the access token did), read whole by every
// instance every few seconds.
func (s *Store) OAuthRevocations(ctx context.Context) ([]OAuthRevocation, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	rows, err := s.db.QueryContext(ctx, s.query(`SELECT kind, id, at_ms, expires_ms FROM oauth_revocations WHERE expires_ms > $1`),
		s.now().UnixMilli())
	if err != nil {
		return nil, s.fail("reading revocations", err)
	}
	defer rows.Close()
	var out []OAuthRevocation
	for rows.Next() {
		var (
			r      OAuthRevocation
			at, ex int64
		)
		if err := rows.Scan(&r.Kind, &r.ID, &at, &ex); err != nil {
			return nil, s.fail("reading revocations", err)
		}
		r.At, r.Expires = time.UnixMilli(at), time.UnixMilli(ex)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("reading revocations", err)
	}
	return out, nil
}
