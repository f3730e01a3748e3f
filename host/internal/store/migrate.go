package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Migrations are SQL files per dialect, numbered 00001_what.sql, each with
// its -- +goose Up and Down sections, in migrations/sqlite and
// migrations/postgres. Both folders have the same versions (a test holds
// them to it), so a version means the same schema on either database. A
// migration, once released, is never edited: add the next one. Keep them
// additive (new tables, new nullable columns), so that an instance of the
// previous build keeps working beside one that migrated during a rolling
// deploy.
//
//go:embed migrations
var migrations embed.FS

// versionTable is goose's record of applied migrations, named for us so
// that it does not collide with another application's in a shared
// database.
const versionTable = "billy_mcp_schema_migrations"

// lockID is the PostgreSQL advisory lock held while migrating, so that
// instances starting together migrate once. Ours, not goose's default,
// which another application in the same database may use.
const lockID = 0x62696c6c796d6370 // "billymcp"

// sqliteAttempts: SQLite has no advisory lock. Two processes migrating the
// same new file at once both see it empty; one applies each migration, the
// other's transaction fails and rolls back (the table exists) and its next
// attempt finds the migration applied.
const sqliteAttempts = 3

// migrate applies the pending migrations and returns the schema's version.
func migrate(ctx context.Context, db *sql.DB, d dialect, logger hclog.Logger) (int64, error) {
	fsys, err := fs.Sub(migrations, "migrations/"+d.name)
	if err != nil {
		return 0, err
	}
	attempts := 1
	if d == sqlite {
		attempts = sqliteAttempts
	}
	var last error
	for i := range attempts {
		if i > 0 {
			select {
			case <-ctx.Done():
				return 0, errors.Join(last, ctx.Err())
			case <-time.After(time.Duration(i) * 100 * time.Millisecond):
			}
		}
		version, err := migrateOnce(ctx, db, d, fsys, logger)
		if err == nil {
			return version, nil
		}
		last = err
	}
	return 0, last
}

func migrateOnce(ctx context.Context, db *sql.DB, d dialect, fsys fs.FS, logger hclog.Logger) (int64, error) {
	opts := []goose.ProviderOption{goose.WithTableName(versionTable), goose.WithDisableGlobalRegistry(true)}
	if d == postgres {
		// Wait up to two minutes, checking every second, for another
		// instance's migration.
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(lockID), lock.WithLockTimeout(1, 120))
		if err != nil {
			return 0, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	// A new provider per attempt: a provider remembers that it made its
	// version table even when making it failed.
	p, err := goose.NewProvider(goose.Dialect(d.goose), db, fsys, opts...)
	if err != nil {
		return 0, err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return 0, err
	}
	for _, r := range results {
		logger.Info("store: migrated", "version", r.Source.Version, "file", r.Source.Path, "duration_ms", r.Duration.Milliseconds())
	}
	current, known, err := p.GetVersions(ctx)
	if err != nil {
		return 0, err
	}
	if current > known {
		// A newer build migrated it (a rolling deploy); migrations are
		// additive, so this build works on it.
		logger.Warn("store: the database's schema is newer than this build's; continuing, as migrations only add",
			"schema_version", current, "build_version", known)
	}
	if current < known {
		return 0, fmt.Errorf("schema at version %d after migrating, want %d", current, known)
	}
	return current, nil
}
