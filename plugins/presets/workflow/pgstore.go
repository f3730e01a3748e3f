package workflow

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for the deployment's PostgreSQL
)

// PGStore keeps runs in the deployment's PostgreSQL, in a schema of the
// plugin's own (tables runs and custom_presets), so every instance of a
// deployment sees every run: a run paused or interrupted on one instance
// is resumed on another. It also leases runs (Leaser), so two instances
// never execute the same run at once.
type PGStore struct {
	DB     *sql.DB
	schema string
}

var schemaName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// OpenPG connects to url and creates schema's tables if missing. Errors
// never carry the URL (it holds a password).
func OpenPG(ctx context.Context, url, schema string) (*PGStore, error) {
	if !schemaName.MatchString(schema) {
		return nil, fmt.Errorf("presets: bad schema name %q", schema)
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, scrub(err, url)
	}
	db.SetMaxOpenConns(4)
	s := &PGStore{DB: db, schema: schema}
	stmts := []string{
		`CREATE SCHEMA IF NOT EXISTS ` + schema,
		`CREATE TABLE IF NOT EXISTS ` + schema + `.runs (
			id text PRIMARY KEY,
			organization_id text NOT NULL,
			created_at timestamptz NOT NULL,
			doc jsonb NOT NULL,
			lease_owner text NOT NULL DEFAULT '',
			lease_until timestamptz NOT NULL DEFAULT 'epoch',
			cancel_requested boolean NOT NULL DEFAULT false)`,
		`CREATE INDEX IF NOT EXISTS runs_org ON ` + schema + `.runs (organization_id, created_at DESC)`,
		`CREATE TABLE IF NOT EXISTS ` + schema + `.custom_presets (
			organization_id text NOT NULL,
			id text NOT NULL,
			doc jsonb NOT NULL,
			PRIMARY KEY (organization_id, id))`,
	}
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			db.Close()
			return nil, fmt.Errorf("presets: preparing schema %s: %w", schema, scrub(err, url))
		}
	}
	return s, nil
}

func scrub(err error, url string) error {
	if err == nil {
		return nil
	}
	return errors.New(strings.ReplaceAll(err.Error(), url, "(database url)"))
}

func (s *PGStore) t(name string) string { return s.schema + "." + name }

// Create implements Store.
func (s *PGStore) Create(ctx context.Context, r *Run) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = s.DB.ExecContext(ctx, `INSERT INTO `+s.t("runs")+` (id, organization_id, created_at, doc) VALUES ($1, $2, $3, $4)`,
		r.ID, r.OrganizationID, r.CreatedAt, b)
	return err
}

// Save implements Store.
func (s *PGStore) Save(ctx context.Context, r *Run) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	res, err := s.DB.ExecContext(ctx, `UPDATE `+s.t("runs")+` SET doc = $2 WHERE id = $1`, r.ID, b)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// Get implements Store.
func (s *PGStore) Get(ctx context.Context, id string) (*Run, error) {
	var b []byte
	err := s.DB.QueryRowContext(ctx, `SELECT doc FROM `+s.t("runs")+` WHERE id = $1`, id).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return decodeRun(b)
}

// List implements Store.
func (s *PGStore) List(ctx context.Context, org string, limit int) ([]*Run, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT doc FROM `+s.t("runs")+` WHERE organization_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, org, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Run
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		r, err := decodeRun(b)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RequestCancel implements Store.
func (s *PGStore) RequestCancel(ctx context.Context, id string) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE `+s.t("runs")+` SET cancel_requested = true WHERE id = $1`, id)
	return err
}

// CancelRequested implements Store.
func (s *PGStore) CancelRequested(ctx context.Context, id string) (bool, error) {
	var c bool
	err := s.DB.QueryRowContext(ctx, `SELECT cancel_requested FROM `+s.t("runs")+` WHERE id = $1`, id).Scan(&c)
	if errors.Is(err, sql.ErrNoRows) {
		return false, ErrNotFound
	}
	return c, err
}

// Lease implements Leaser: owner gets (or renews) the run until ttl from
// now, unless another owner holds an unexpired lease.
func (s *PGStore) Lease(ctx context.Context, id, owner string, ttl time.Duration) (bool, error) {
	res, err := s.DB.ExecContext(ctx, `UPDATE `+s.t("runs")+` SET lease_owner = $2, lease_until = now() + $3 * interval '1 millisecond'
		WHERE id = $1 AND (lease_owner = $2 OR lease_until < now())`, id, owner, ttl.Milliseconds())
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// Unlease implements Leaser.
func (s *PGStore) Unlease(ctx context.Context, id, owner string) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE `+s.t("runs")+` SET lease_owner = '', lease_until = 'epoch' WHERE id = $1 AND lease_owner = $2`, id, owner)
	return err
}

// Leased implements Leaser.
func (s *PGStore) Leased(ctx context.Context, id string) (bool, error) {
	var held bool
	err := s.DB.QueryRowContext(ctx, `SELECT lease_until > now() FROM `+s.t("runs")+` WHERE id = $1`, id).Scan(&held)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return held, err
}

// Close closes the connection pool.
func (s *PGStore) Close() error { return s.DB.Close() }
