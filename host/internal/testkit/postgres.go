package testkit

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// PostgresEnv names the PostgreSQL server tests use: a URL whose user may
// create schemas. scripts/test.sh starts a throwaway server and sets it
// (scripts/postgres.sh start prints it for a shell). It is outside the
// BILLY_MCP_ names, which the host refuses when it does not know them.
const PostgresEnv = "BILLY_TEST_POSTGRES_URL"

// PostgresURL returns a URL to a fresh schema of the test server, dropped
// when the test ends, so tests never see each other's tables. Without the
// server the test fails, unless it runs with -short, the local opt-out:
// make test always provides one, and a test that skipped there would prove
// nothing about PostgreSQL.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		if testing.Short() {
			t.Skipf("%s is not set and -short is given: skipping the PostgreSQL run", PostgresEnv)
		}
		t.Fatalf("%s is not set: run `eval \"$(scripts/postgres.sh start)\"` from the repository root first (make test does), or pass -short to skip the PostgreSQL runs", PostgresEnv)
	}
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("%s: %v", PostgresEnv, err)
	}
	defer db.Close()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "test_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("creating a schema on the test PostgreSQL (%s): %v", PostgresEnv, err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("dropping the test schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s is not a URL: %v", PostgresEnv, err)
	}
	q := u.Query()
	// pgx sends parameters it does not know to the server as settings.
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
