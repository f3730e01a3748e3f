package metrics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for the deployment's PostgreSQL
	_ "modernc.org/sqlite"             // the "sqlite" driver
)

// Definition is a saved metric.
type Definition struct {
	Name        string
	Expression  string
	Description string
	Created     time.Time
	Updated     time.Time
}

// MaxPerOrganization is how many metrics one organization may save.
const MaxPerOrganization = 100

var nameRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// ValidName reports whether name is a metric name: 1 to 40 of a–z, 0–9
// and _, starting with a letter.
func ValidName(name string) bool { return nameRe.MatchString(name) }

// ErrLimit is returned when an organization has MaxPerOrganization metrics.
var ErrLimit = fmt.Errorf("an organization may save at most %d metrics", MaxPerOrganization)

// Store keeps metric definitions per organization, in SQLite (a file in the
// plugin's data directory) or in the deployment's PostgreSQL (shared by
// every instance), in a schema of its own.
type Store struct {
	db    *sql.DB
	pg    bool
	table string
}

// OpenSQLite opens (creating) dir/metrics.db.
func OpenSQLite(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "metrics.db")+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1) // one writer; the table is tiny
	s := &Store{db: db, table: "metrics"}
	if err := s.migrate(context.Background()); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

var schemaRe = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// OpenPostgres opens the table in schema (created if missing) of the
// PostgreSQL database at url. The URL is a secret: errors never carry it.
func OpenPostgres(ctx context.Context, url, schema string) (*Store, error) {
	if !schemaRe.MatchString(schema) {
		return nil, fmt.Errorf("metrics: bad schema name %q", schema)
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, errors.New("metrics: the database URL is not valid")
	}
	db.SetMaxOpenConns(4)
	s := &Store{db: db, pg: true, table: schema + ".metrics"}
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("metrics: creating schema %s: %w", schema, scrub(err, url))
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, scrub(err, url)
	}
	return s, nil
}

// scrub keeps the URL out of an error's text.
func scrub(err error, url string) error {
	if url != "" && strings.Contains(err.Error(), url) {
		return errors.New(strings.ReplaceAll(err.Error(), url, "<database url>"))
	}
	return err
}

func (s *Store) migrate(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+s.table+` (
	org_id TEXT NOT NULL, name TEXT NOT NULL, expression TEXT NOT NULL, description TEXT NOT NULL,
	created TEXT NOT NULL, updated TEXT NOT NULL,
	PRIMARY KEY (org_id, name))`)
	return err
}

// q turns ? placeholders into PostgreSQL's $n.
func (s *Store) q(query string) string {
	if !s.pg {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Put saves d for org, replacing a metric of the same name; created says
// whether it is new.
func (s *Store) Put(ctx context.Context, org string, d Definition, now time.Time) (created bool, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	var old string
	err = tx.QueryRowContext(ctx, s.q(`SELECT created FROM `+s.table+` WHERE org_id = ? AND name = ?`), org, d.Name).Scan(&old)
	ts := now.UTC().Format(time.RFC3339)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		var n int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM `+s.table+` WHERE org_id = ?`), org).Scan(&n); err != nil {
			return false, err
		}
		if n >= MaxPerOrganization {
			return false, ErrLimit
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO `+s.table+` (org_id, name, expression, description, created, updated) VALUES (?, ?, ?, ?, ?, ?)`),
			org, d.Name, d.Expression, d.Description, ts, ts); err != nil {
			return false, err
		}
		created = true
	case err != nil:
		return false, err
	default:
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE `+s.table+` SET expression = ?, description = ?, updated = ? WHERE org_id = ? AND name = ?`),
			d.Expression, d.Description, ts, org, d.Name); err != nil {
			return false, err
		}
	}
	return created, tx.Commit()
}

// List returns org's metrics by name.
func (s *Store) List(ctx context.Context, org string) ([]Definition, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT name, expression, description, created, updated FROM `+s.table+` WHERE org_id = ? ORDER BY name`), org)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Definition
	for rows.Next() {
		var d Definition
		var c, u string
		if err := rows.Scan(&d.Name, &d.Expression, &d.Description, &c, &u); err != nil {
			return nil, err
		}
		d.Created, _ = time.Parse(time.RFC3339, c)
		d.Updated, _ = time.Parse(time.RFC3339, u)
		out = append(out, d)
	}
	return out, rows.Err()
}

// Get returns one metric of org.
func (s *Store) Get(ctx context.Context, org, name string) (Definition, bool, error) {
	var d Definition
	var c, u string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT name, expression, description, created, updated FROM `+s.table+` WHERE org_id = ? AND name = ?`), org, name).
		Scan(&d.Name, &d.Expression, &d.Description, &c, &u)
	if errors.Is(err, sql.ErrNoRows) {
		return d, false, nil
	}
	if err != nil {
		return d, false, err
	}
	d.Created, _ = time.Parse(time.RFC3339, c)
	d.Updated, _ = time.Parse(time.RFC3339, u)
	return d, true, nil
}

// Delete removes one metric of org; false when there was none.
func (s *Store) Delete(ctx context.Context, org, name string) (bool, error) {
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM `+s.table+` WHERE org_id = ? AND name = ?`), org, name)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
