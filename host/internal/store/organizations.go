package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Organizations and sealed values. The store keeps the Billy
// organizations a deployment serves with their sealed Billy tokens
// (package credentials seals and opens them), and lists and replaces
// every sealed value it holds, tokens and TOTP secrets alike, for key
// rotation: each replacement is a compare-and-set on the old value, so a
// rotation running beside a host that re-enrols a secret never overwrites
// the newer value.

// Organization is one Billy organization served from the store.
type Organization struct {
	ID   string
	Name string
	// BillyToken is the access token, sealed.
	BillyToken string
	Created    time.Time
	Updated    time.Time
}

// PutOrganization adds an organization or replaces its name and token.
func (s *Store) PutOrganization(ctx context.Context, o Organization) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	at := s.now().UnixMilli()
	_, err := s.db.ExecContext(ctx, s.query(`INSERT INTO organizations (id, name, billy_token, created_ms, updated_ms) VALUES ($1, $2, $3, $4, $4)
ON CONFLICT (id) DO UPDATE SET name = excluded.name, billy_token = excluded.billy_token, updated_ms = excluded.updated_ms`),
		o.ID, o.Name, o.BillyToken, at)
	if err != nil {
		return s.fail("storing an organization", err)
	}
	return nil
}

// GetOrganization reads one organization; nil, nil when there is none.
func (s *Store) GetOrganization(ctx context.Context, id string) (*Organization, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	var (
		o                Organization
		created, updated int64
	)
	err := s.db.QueryRowContext(ctx, s.query(`SELECT id, name, billy_token, created_ms, updated_ms FROM organizations WHERE id = $1`), id).
		Scan(&o.ID, &o.Name, &o.BillyToken, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, s.fail("reading an organization", err)
	}
	o.Created, o.Updated = time.UnixMilli(created), time.UnixMilli(updated)
	return &o, nil
}

// ListOrganizations lists the organizations, by ID, without their tokens.
func (s *Store) ListOrganizations(ctx context.Context) ([]Organization, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, created_ms, updated_ms FROM organizations ORDER BY id`)
	if err != nil {
		return nil, s.fail("listing organizations", err)
	}
	defer rows.Close()
	var out []Organization
	for rows.Next() {
		var (
			o                Organization
			created, updated int64
		)
		if err := rows.Scan(&o.ID, &o.Name, &created, &updated); err != nil {
			return nil, s.fail("listing organizations", err)
		}
		o.Created, o.Updated = time.UnixMilli(created), time.UnixMilli(updated)
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("listing organizations", err)
	}
	return out, nil
}

// DeleteOrganization removes an organization and its token.
func (s *Store) DeleteOrganization(ctx context.Context, id string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	res, err := s.db.ExecContext(ctx, s.query(`DELETE FROM organizations WHERE id = $1`), id)
	if err != nil {
		return false, s.fail("deleting an organization", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// The kinds of sealed value the store holds (Sealed.Kind).
const (
	SealedBillyToken = "billy_token" // organizations.billy_token, by organization ID
	SealedTOTP       = "totp"        // mfa_secrets.sealed, by principal
)

// sealedColumns says where each kind lives.
var sealedColumns = map[string]struct{ table, key, column string }{
	SealedBillyToken: {"organizations", "id", "billy_token"},
	SealedTOTP:       {"mfa_secrets", "principal", "sealed"},
}

// Sealed is one sealed value the store holds.
type Sealed struct {
	// Kind is SealedBillyToken or SealedTOTP.
	Kind string
	// Key is the row: an organization's ID, a principal.
	Key string
	// Value is the sealed value.
	Value string
}

// ListSealed lists every sealed value, tokens first, each kind by key.
func (s *Store) ListSealed(ctx context.Context) ([]Sealed, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	var out []Sealed
	for _, kind := range []string{SealedBillyToken, SealedTOTP} {
		c := sealedColumns[kind]
		rows, err := s.db.QueryContext(ctx, fmt.Sprintf(`SELECT %s, %s FROM %s ORDER BY %s`, c.key, c.column, c.table, c.key))
		if err != nil {
			return nil, s.fail("listing sealed values", err)
		}
		for rows.Next() {
			v := Sealed{Kind: kind}
			if err := rows.Scan(&v.Key, &v.Value); err != nil {
				rows.Close()
				return nil, s.fail("listing sealed values", err)
			}
			out = append(out, v)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, s.fail("listing sealed values", err)
		}
	}
	return out, nil
}

// ReplaceSealed replaces a sealed value with another (the same secret
// sealed again, under the ring's new primary key) if it is still old, and
// reports whether it was.
func (s *Store) ReplaceSealed(ctx context.Context, kind, key, old, replacement string) (bool, error) {
	c, ok := sealedColumns[kind]
	if !ok {
		return false, fmt.Errorf("store: no sealed values of kind %q", kind)
	}
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	res, err := s.db.ExecContext(ctx, s.query(fmt.Sprintf(`UPDATE %s SET %s = $1 WHERE %s = $2 AND %s = $3`, c.table, c.column, c.key, c.column)),
		replacement, key, old)
	if err != nil {
		return false, s.fail("replacing a sealed value", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
