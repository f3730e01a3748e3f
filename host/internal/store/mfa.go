package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// MFA for sensitive calls: package mfa says what the rows mean. The store
// keeps each principal's sealed TOTP secret, the approvals of sensitive
// calls (single use: approving and using are compare-and-set updates, so
// two instances cannot both use one), and counters of failed attempts.

// MFASecret is a principal's enrolled TOTP secret.
type MFASecret struct {
	Principal string
	// Sealed is the secret encrypted and bound to the principal; the store
	// never sees it in the clear.
	Sealed    string
	Created   time.Time
	Confirmed time.Time // zero until a first code confirmed enrolment
}

// PutMFASecret enrols (or re-enrols) a principal, unconfirmed.
func (s *Store) PutMFASecret(ctx context.Context, principal, sealed string, at time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	_, err := s.db.ExecContext(ctx, s.query(`INSERT INTO mfa_secrets (principal, sealed, created_ms, confirmed_ms) VALUES ($1, $2, $3, 0)
ON CONFLICT (principal) DO UPDATE SET sealed = excluded.sealed, created_ms = excluded.created_ms, confirmed_ms = 0`),
		principal, sealed, at.UnixMilli())
	if err != nil {
		return s.fail("storing a TOTP secret", err)
	}
	return nil
}

// GetMFASecret reads a principal's secret; nil, nil when not enrolled.
func (s *Store) GetMFASecret(ctx context.Context, principal string) (*MFASecret, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	var (
		m                  MFASecret
		created, confirmed int64
	)
	err := s.db.QueryRowContext(ctx, s.query(`SELECT principal, sealed, created_ms, confirmed_ms FROM mfa_secrets WHERE principal = $1`), principal).
		Scan(&m.Principal, &m.Sealed, &created, &confirmed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, s.fail("reading a TOTP secret", err)
	}
	m.Created = time.UnixMilli(created)
	if confirmed > 0 {
		m.Confirmed = time.UnixMilli(confirmed)
	}
	return &m, nil
}

// ConfirmMFASecret marks a principal's enrolment confirmed; false when the
// principal is not enrolled.
func (s *Store) ConfirmMFASecret(ctx context.Context, principal string, at time.Time) (bool, error) {
	return s.exec1(ctx, "confirming a TOTP secret", `UPDATE mfa_secrets SET confirmed_ms = $2 WHERE principal = $1`, principal, at.UnixMilli())
}

// DeleteMFASecret removes a principal's secret; false when there was none.
func (s *Store) DeleteMFASecret(ctx context.Context, principal string) (bool, error) {
	return s.exec1(ctx, "removing a TOTP secret", `DELETE FROM mfa_secrets WHERE principal = $1`, principal)
}

// Approval is one sensitive call's approval.
type Approval struct {
	ID                                      string
	Principal, Organization, Tool, ArgsHash string
	Created, Expires                        time.Time
	Approved, Used                          time.Time // zero: not yet
}

const approvalColumns = `id, principal, organization, tool, args_hash, created_ms, expires_ms, approved_ms, used_ms`

// CreateApproval inserts a pending approval.
func (s *Store) CreateApproval(ctx context.Context, a *Approval) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	_, err := s.db.ExecContext(ctx, s.query(`INSERT INTO mfa_approvals (`+approvalColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 0)`),
		a.ID, a.Principal, a.Organization, a.Tool, a.ArgsHash, a.Created.UnixMilli(), a.Expires.UnixMilli())
	if err != nil {
		return s.fail("creating an approval", err)
	}
	return nil
}

// GetApproval reads an approval; nil, nil when there is none.
func (s *Store) GetApproval(ctx context.Context, id string) (*Approval, error) {
	as, err := s.approvals(ctx, `SELECT `+approvalColumns+` FROM mfa_approvals WHERE id = $1`, id)
	if err != nil || len(as) == 0 {
		return nil, err
	}
	return &as[0], nil
}

// FindApproval returns the unused, unexpired approvals of one binding,
// approved ones first, then the newest.
func (s *Store) FindApproval(ctx context.Context, principal, organization, tool, argsHash string, now time.Time) ([]Approval, error) {
	return s.approvals(ctx, `SELECT `+approvalColumns+` FROM mfa_approvals WHERE principal = $1 AND organization = $2 AND tool = $3
AND args_hash = $4 AND used_ms = 0 AND expires_ms > $5 ORDER BY approved_ms DESC, created_ms DESC`, principal, organization, tool, argsHash, now.UnixMilli())
}

// ApproveApproval marks a pending, unexpired approval approved; false when
// it is not (approved already, used, expired or unknown).
func (s *Store) ApproveApproval(ctx context.Context, id string, at time.Time) (bool, error) {
	return s.exec1(ctx, "approving", `UPDATE mfa_approvals SET approved_ms = $2 WHERE id = $1 AND approved_ms = 0 AND used_ms = 0 AND expires_ms > $2`,
		id, at.UnixMilli())
}

// UseApproval marks an approved, unused, unexpired approval used; false
// when it is not, so an approval lets one call through on any instance.
func (s *Store) UseApproval(ctx context.Context, id string, at time.Time) (bool, error) {
	return s.exec1(ctx, "using an approval", `UPDATE mfa_approvals SET used_ms = $2 WHERE id = $1 AND approved_ms > 0 AND used_ms = 0 AND expires_ms > $2`,
		id, at.UnixMilli())
}

// CountHit adds one to the counter of key in scope for the fixed window of
// length window that now falls in, and returns the count so far in it.
func (s *Store) CountHit(ctx context.Context, scope, key string, window time.Duration) (int64, error) {
	start, expires := s.window(window)
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	var n int64
	err := s.db.QueryRowContext(ctx, s.query(`INSERT INTO counters (scope, counter_key, window_unix, count, expires_unix) VALUES ($1, $2, $3, 1, $4)
ON CONFLICT (scope, counter_key) DO UPDATE SET
count = CASE WHEN counters.window_unix = excluded.window_unix THEN counters.count + 1 ELSE 1 END,
window_unix = excluded.window_unix, expires_unix = excluded.expires_unix
RETURNING count`), scope, key, start, expires).Scan(&n)
	if err != nil {
		return 0, s.fail("counting", err)
	}
	return n, nil
}

// Count returns the count of key in scope in the current window.
func (s *Store) Count(ctx context.Context, scope, key string, window time.Duration) (int64, error) {
	start, _ := s.window(window)
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	var n int64
	err := s.db.QueryRowContext(ctx, s.query(`SELECT count FROM counters WHERE scope = $1 AND counter_key = $2 AND window_unix = $3`),
		scope, key, start).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, s.fail("reading a counter", err)
	}
	return n, nil
}

// window is the start of the fixed window now falls in, and when it ends.
func (s *Store) window(window time.Duration) (start, end int64) {
	w := max(int64(window/time.Second), 1)
	start = s.now().Unix() / w * w
	return start, start + w
}

func (s *Store) approvals(ctx context.Context, q string, args ...any) ([]Approval, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	rows, err := s.db.QueryContext(ctx, s.query(q), args...)
	if err != nil {
		return nil, s.fail("reading approvals", err)
	}
	defer rows.Close()
	var out []Approval
	for rows.Next() {
		var (
			a                                Approval
			created, expires, approved, used int64
		)
		if err := rows.Scan(&a.ID, &a.Principal, &a.Organization, &a.Tool, &a.ArgsHash, &created, &expires, &approved, &used); err != nil {
			return nil, s.fail("reading approvals", err)
		}
		a.Created, a.Expires = time.UnixMilli(created), time.UnixMilli(expires)
		if approved > 0 {
			a.Approved = time.UnixMilli(approved)
		}
		if used > 0 {
			a.Used = time.UnixMilli(used)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("reading approvals", err)
	}
	return out, nil
}

// exec1 runs a statement that changes at most one row and says whether it
// did.
func (s *Store) exec1(ctx context.Context, what, q string, args ...any) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	res, err := s.db.ExecContext(ctx, s.query(q), args...)
	if err != nil {
		return false, s.fail(what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, s.fail(what, err)
	}
	return n == 1, nil
}
