package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// The audit log: package audit says what a row means and how the chain is
// hashed; the store keeps the rows and gives them their order. There is one
// chain per database, whatever the number of instances writing to it: an
// append locks the chain's head (audit_head) for its transaction, so the
// database decides the order and every row's predecessor, and a restarted
// instance carries on where the chain stands.

// AuditRow is one row of the audit log.
type AuditRow struct {
	// Seq is the row's place in the chain, from 1, without gaps.
	Seq                                                            int64
	At                                                             time.Time
	Instance                                                       string
	Op, Name, Plugin, Organization, Transport, Auth, CorrelationID string
	Outcome, Category, Code                                        string
	Duration                                                       time.Duration
	ArgsHash                                                       string
	// Writes is JSON (an array, "[]" when none).
	Writes   string
	Replayed bool
	Approval string
	// The personal fields, covered by PIIHash; blank once anonymized.
	Principal, ClientAddr string
	// Detail is JSON (an object).
	Detail string
	// PIISalt is "" once anonymized.
	PIISalt, PIIHash string
	// Anonymized is when retention blanked the personal fields; zero if not.
	Anonymized     time.Time
	PrevHash, Hash string
}

// AuditHead is the chain's head: how many rows, the last one's hash, and
// the compact Merkle range over every row's hash (package audit's).
type AuditHead struct {
	Size  int64
	Hash  string
	Range []string
}

// auditColumnCount is how many columns auditColumns names, and
// auditRowsPerInsert how many rows one INSERT carries on PostgreSQL (26 ×
// 100 = 2,600 parameters, within its 65,535).
const (
	auditColumnCount   = 26
	auditRowsPerInsert = 100
)

const auditColumns = `seq, at_us, instance, op, name, plugin, organization, transport, auth, correlation_id,
outcome, category, code, duration_us, args_hash, writes_json, replayed, approval, principal, client_addr, detail_json,
pii_salt, pii_hash, anonymized_us, prev_hash, hash`

// AppendAudit appends rows to the chain in one transaction: it locks the
// head, hands it to build, inserts the rows build returns (numbered from
// head.Size+1 by build) and stores the new head. Appends from every
// instance are serialized by the head's lock.
func (s *Store) AppendAudit(ctx context.Context, build func(AuditHead) ([]AuditRow, AuditHead, error)) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.fail("appending to the audit log", err)
	}
	defer func() { _ = tx.Rollback() }()
	lock := `SELECT size, hash, range_json FROM audit_head WHERE id = 1`
	if s.dialect == postgres {
		lock += ` FOR UPDATE`
	} // SQLite: the transaction began IMMEDIATE (sqliteParams), holding the write lock.
	var (
		head AuditHead
		rng  string
	)
	if err := tx.QueryRowContext(ctx, lock).Scan(&head.Size, &head.Hash, &rng); err != nil {
		return s.fail("reading the audit log's head", err)
	}
	if err := json.Unmarshal([]byte(rng), &head.Range); err != nil {
		return s.fail("reading the audit log's head", err)
	}
	rows, next, err := build(head)
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		return nil
	}
	for i := range rows {
		if r := &rows[i]; r.Seq != head.Size+int64(i)+1 {
			return fmt.Errorf("store: audit row %d numbered %d, after a head of %d", i, r.Seq, head.Size)
		}
	}
	// PostgreSQL: many rows a statement, one round trip per chunk rather
	// than per row (0.7 ms a row one by one; see BenchmarkChainAppend).
	// SQLite, in process, is fastest with one prepared statement a row.
	per := auditRowsPerInsert
	if s.dialect == sqlite {
		per = 1
	}
	var stmt *sql.Stmt
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		var (
			q    strings.Builder
			args = make([]any, 0, len(chunk)*auditColumnCount)
		)
		q.WriteString(`INSERT INTO audit_log (` + auditColumns + `) VALUES `)
		for i := range chunk {
			r := &chunk[i]
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteByte('(')
			for c := range auditColumnCount {
				if c > 0 {
					q.WriteString(", ")
				}
				fmt.Fprintf(&q, "$%d", len(args)+c+1)
			}
			q.WriteByte(')')
			args = append(args, r.Seq, r.At.UnixMicro(), r.Instance, r.Op, r.Name, r.Plugin, r.Organization, r.Transport,
				r.Auth, r.CorrelationID, r.Outcome, r.Category, r.Code, r.Duration.Microseconds(), r.ArgsHash, r.Writes, r.Replayed,
				r.Approval, r.Principal, r.ClientAddr, r.Detail, sql.NullString{String: r.PIISalt, Valid: r.PIISalt != ""}, r.PIIHash,
				sql.NullInt64{}, r.PrevHash, r.Hash)
		}
		if per > 1 {
			if _, err := tx.ExecContext(ctx, s.query(q.String()), args...); err != nil {
				return s.fail("appending to the audit log", err)
			}
			continue
		}
		if stmt == nil {
			if stmt, err = tx.PrepareContext(ctx, s.query(q.String())); err != nil {
				return s.fail("appending to the audit log", err)
			}
			defer stmt.Close()
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return s.fail("appending to the audit log", err)
		}
	}
	b, err := json.Marshal(next.Range)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.query(`UPDATE audit_head SET size = $1, hash = $2, range_json = $3 WHERE id = 1`),
		next.Size, next.Hash, string(b)); err != nil {
		return s.fail("storing the audit log's head", err)
	}
	if err := tx.Commit(); err != nil {
		return s.fail("appending to the audit log", err)
	}
	return nil
}

// AuditHeadNow reads the chain's head.
func (s *Store) AuditHeadNow(ctx context.Context) (AuditHead, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	var (
		head AuditHead
		rng  string
	)
	if err := s.db.QueryRowContext(ctx, `SELECT size, hash, range_json FROM audit_head WHERE id = 1`).Scan(&head.Size, &head.Hash, &rng); err != nil {
		return head, s.fail("reading the audit log's head", err)
	}
	if err := json.Unmarshal([]byte(rng), &head.Range); err != nil {
		return head, s.fail("reading the audit log's head", err)
	}
	return head, nil
}

// ScanAudit calls fn for every row whose seq is above after, in the order
// of the rows' seq column (whatever it holds: verification judges it), in
// pages, until fn returns false or an error.
func (s *Store) ScanAudit(ctx context.Context, after int64, fn func(AuditRow) (bool, error)) error {
	const page = 1000
	for {
		rows, err := s.auditRows(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`, after, page)
		if err != nil {
			return err
		}
		for _, r := range rows {
			more, err := fn(r)
			if err != nil || !more {
				return err
			}
			after = r.Seq
		}
		if len(rows) < page {
			return nil
		}
	}
}

// AuditQuery selects rows for list_audit_logs: newest first.
type AuditQuery struct {
	// Organizations the rows must belong to (one at least).
	Organizations []string
	// Since and Until bound the rows' time (Until exclusive; zero: none).
	Since, Until time.Time
	// Name, Outcome and Principal filter when set.
	Name, Outcome, Principal string
	// Before continues a listing: rows with a lower seq only (0: from the newest).
	Before int64
	Limit  int
}

// QueryAudit returns the rows q selects, newest first.
func (s *Store) QueryAudit(ctx context.Context, q AuditQuery) ([]AuditRow, error) {
	if len(q.Organizations) == 0 {
		return nil, nil
	}
	var (
		where []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	in := make([]string, len(q.Organizations))
	for i, o := range q.Organizations {
		in[i] = arg(o)
	}
	where = append(where, "organization IN ("+strings.Join(in, ", ")+")")
	if !q.Since.IsZero() {
		where = append(where, "at_us >= "+arg(q.Since.UnixMicro()))
	}
	if !q.Until.IsZero() {
		where = append(where, "at_us < "+arg(q.Until.UnixMicro()))
	}
	if q.Name != "" {
		where = append(where, "name = "+arg(q.Name))
	}
	if q.Outcome != "" {
		where = append(where, "outcome = "+arg(q.Outcome))
	}
	if q.Principal != "" {
		where = append(where, "principal = "+arg(q.Principal))
	}
	if q.Before > 0 {
		where = append(where, "seq < "+arg(q.Before))
	}
	limit := q.Limit
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	return s.auditRows(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE `+strings.Join(where, " AND ")+
		` ORDER BY seq DESC LIMIT `+arg(limit), args...)
}

// AnonymizeAudit blanks the personal fields (principal, client address,
// detail) and the salt of their hash in up to limit rows older than before,
// oldest first, and says how many it changed. The rows' pii_hash stays, so
// the chain still verifies.
func (s *Store) AnonymizeAudit(ctx context.Context, before time.Time, limit int) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	res, err := s.db.ExecContext(ctx, s.query(`UPDATE audit_log SET principal = '', client_addr = '', detail_json = '{}',
pii_salt = NULL, anonymized_us = $1 WHERE seq IN (SELECT seq FROM audit_log WHERE at_us < $2 AND anonymized_us IS NULL ORDER BY seq LIMIT $3)`),
		s.now().UnixMicro(), before.UnixMicro(), limit)
	if err != nil {
		return 0, s.fail("anonymizing old audit rows", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, s.fail("anonymizing old audit rows", err)
	}
	return n, nil
}

func (s *Store) auditRows(ctx context.Context, q string, args ...any) ([]AuditRow, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	rows, err := s.db.QueryContext(ctx, s.query(q), args...)
	if err != nil {
		return nil, s.fail("reading the audit log", err)
	}
	defer rows.Close()
	var out []AuditRow
	for rows.Next() {
		var (
			r            AuditRow
			at, duration int64
			salt         sql.NullString
			anonymized   sql.NullInt64
		)
		if err := rows.Scan(&r.Seq, &at, &r.Instance, &r.Op, &r.Name, &r.Plugin, &r.Organization, &r.Transport, &r.Auth,
			&r.CorrelationID, &r.Outcome, &r.Category, &r.Code, &duration, &r.ArgsHash, &r.Writes, &r.Replayed, &r.Approval,
			&r.Principal, &r.ClientAddr, &r.Detail, &salt, &r.PIIHash, &anonymized, &r.PrevHash, &r.Hash); err != nil {
			return nil, s.fail("reading the audit log", err)
		}
		r.At, r.Duration, r.PIISalt = time.UnixMicro(at).UTC(), time.Duration(duration)*time.Microsecond, salt.String
		if anonymized.Valid {
			r.Anonymized = time.UnixMicro(anonymized.Int64).UTC()
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("reading the audit log", err)
	}
	return out, nil
}
