package store

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
	"github.com/google/go-cmp/cmp"
)

// Every test of the store's behaviour runs on both databases, through
// eachBackend: SQLite in a temporary folder, and PostgreSQL in a fresh
// schema of the test server (testkit.PostgresURL; make test starts one).

// clock is a settable time, shared by the instances of one test.
type clock struct{ unix atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.unix.Store(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC).Unix())
	return c
}

func (c *clock) Now() time.Time               { return time.Unix(c.unix.Load(), 0) }
func (c *clock) advance(d time.Duration)      { c.unix.Add(int64(d / time.Second)) }
func (c *clock) in(d time.Duration) time.Time { return c.Now().Add(d) }

// database opens stores on one database, as the instances of a deployment
// do: every open sees what the others wrote.
type database struct {
	t     *testing.T
	opts  Options
	clock *clock
}

func (d *database) open() *Store {
	d.t.Helper()
	o := d.opts
	o.Now = d.clock.Now
	s, err := Open(context.Background(), o)
	if err != nil {
		d.t.Fatal(err)
	}
	d.t.Cleanup(func() { _ = s.Close() })
	return s
}

func eachBackend(t *testing.T, test func(t *testing.T, db *database)) {
	t.Run("sqlite", func(t *testing.T) {
		test(t, &database{t: t, opts: Options{Dir: t.TempDir()}, clock: newClock()})
	})
	t.Run("postgres", func(t *testing.T) {
		test(t, &database{t: t, opts: Options{URL: testkit.PostgresURL(t)}, clock: newClock()})
	})
}

func consume(t *testing.T, s *Store, scope, key string, until time.Time) bool {
	t.Helper()
	first, err := s.ConsumeOnce(context.Background(), scope, key, until)
	if err != nil {
		t.Fatal(err)
	}
	return first
}

func TestConsumeOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *database) {
		s := db.open()
		until := db.clock.in(5 * time.Minute)
		steps := []struct{ scope, key string }{
			{"invoices", "n1"},
			{"invoices", "n1"}, // used
			{"invoices", "n2"},
			{"moms", "n1"}, // another plugin's scope: its own keys
			{"moms", "n1"},
			{"invoices", "n1"},
		}
		var got []bool
		for _, st := range steps {
			got = append(got, consume(t, s, st.scope, st.key, until))
		}
		if diff := cmp.Diff([]bool{true, false, true, true, false, false}, got); diff != "" {
			t.Errorf("first (-want +got):\n%s", diff)
		}
		if s.Backend() != db.backend() {
			t.Errorf("Backend() = %q", s.Backend())
		}
	})
}

func (d *database) backend() string {
	if d.opts.URL != "" {
		return "postgres"
	}
	return "sqlite"
}

// TestConsumeOnceExpiry: a key is used until its expiry and free from then
// on, whether or not it was pruned.
func TestConsumeOnceExpiry(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *database) {
		s := db.open()
		if !consume(t, s, "p", "k", db.clock.in(10*time.Second)) {
			t.Fatal("first use refused")
		}
		db.clock.advance(9 * time.Second)
		if consume(t, s, "p", "k", db.clock.in(10*time.Second)) {
			t.Error("a key one second before its expiry was taken as unused")
		}
		db.clock.advance(time.Second)
		if !consume(t, s, "p", "k", db.clock.in(10*time.Second)) {
			t.Error("an expired key was still taken as used")
		}
		// Taking over an expired key recorded the new expiry.
		db.clock.advance(9 * time.Second)
		if consume(t, s, "p", "k", db.clock.in(10*time.Second)) {
			t.Error("the key taken over after expiry was not recorded again")
		}
	})
}

func TestPruneDeletesOnlyExpired(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *database) {
		s := db.open()
		consume(t, s, "p", "soon", db.clock.in(time.Minute))
		consume(t, s, "p", "later", db.clock.in(time.Hour))
		db.clock.advance(2 * time.Minute)
		n, err := s.prune(context.Background())
		if err != nil || n != 1 {
			t.Fatalf("prune: %d, %v; want 1 row", n, err)
		}
		var left []string
		rows, err := s.db.Query("SELECT once_key FROM once_keys ORDER BY once_key")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				t.Fatal(err)
			}
			left = append(left, k)
		}
		if diff := cmp.Diff([]string{"later"}, left); diff != "" {
			t.Errorf("rows after prune (-want +got):\n%s", diff)
		}
	})
}

// TestInstancesShareKeys: two stores on one database (two host instances)
// racing for one key: exactly one use wins, whichever instance it is on.
func TestInstancesShareKeys(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *database) {
		a, b := db.open(), db.open()
		if !consume(t, a, "p", "shared", db.clock.in(time.Minute)) || consume(t, b, "p", "shared", db.clock.in(time.Minute)) {
			t.Fatal("a key used on one instance is unused on the other")
		}
		for round := range 5 {
			key := "race-" + string(rune('a'+round))
			var wins atomic.Int32
			var wg sync.WaitGroup
			for i := range 16 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s := a
					if i%2 == 1 {
						s = b
					}
					first, err := s.ConsumeOnce(context.Background(), "p", key, db.clock.in(time.Minute))
					if err != nil {
						t.Error(err)
					}
					if first {
						wins.Add(1)
					}
				}()
			}
			wg.Wait()
			if n := wins.Load(); n != 1 {
				t.Errorf("%s: %d uses were first, want exactly 1", key, n)
			}
		}
	})
}

// TestKeysSurviveRestart: a used key stays used after the store is closed
// and opened again, and opening again migrates nothing twice.
func TestKeysSurviveRestart(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *database) {
		s := db.open()
		consume(t, s, "p", "k", db.clock.in(time.Minute))
		version := s.SchemaVersion()
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		again := db.open()
		if consume(t, again, "p", "k", db.clock.in(time.Minute)) {
			t.Error("a used key was forgotten across a restart")
		}
		if again.SchemaVersion() != version || version != latestVersion(t, again.dialect) {
			t.Errorf("schema version %d, then %d; the migrations go to %d", version, again.SchemaVersion(), latestVersion(t, again.dialect))
		}
	})
}

// TestOpenTogether: instances starting at once on a new database all start,
// with the schema migrated once.
func TestOpenTogether(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *database) {
		const n = 3
		stores := make([]*Store, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				o := db.opts
				o.Now = db.clock.Now
				stores[i], errs[i] = Open(context.Background(), o)
			}()
		}
		wg.Wait()
		for i, s := range stores {
			if errs[i] != nil {
				t.Errorf("instance %d: %v", i, errs[i])
				continue
			}
			defer s.Close()
		}
		if t.Failed() {
			return
		}
		var applied int
		if err := stores[0].db.QueryRow("SELECT COUNT(*) FROM " + versionTable + " WHERE version_id > 0").Scan(&applied); err != nil {
			t.Fatal(err)
		}
		if want := len(versions(t, stores[0].dialect)); applied != want {
			t.Errorf("%d migrations recorded, want %d (each once)", applied, want)
		}
	})
}

// TestClosedStoreFails: a store that is gone fails the operation with an
// error, never a made-up answer.
func TestClosedStoreFails(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *database) {
		s := db.open()
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		first, err := s.ConsumeOnce(context.Background(), "p", "k", db.clock.in(time.Minute))
		if err == nil || first {
			t.Errorf("ConsumeOnce on a closed store: %v, %v; want an error", first, err)
		}
	})
}

func TestConsumeOnceNeedsScopeAndKey(t *testing.T) {
	s, err := Open(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, sk := range [][2]string{{"", "k"}, {"p", ""}} {
		if _, err := s.ConsumeOnce(context.Background(), sk[0], sk[1], time.Now().Add(time.Minute)); err == nil {
			t.Errorf("ConsumeOnce(%q, %q) accepted", sk[0], sk[1])
		}
	}
}

// TestInMemory: without a data directory the store lives in the process,
// on one connection (each connection to :memory: is a database of its own).
func TestInMemory(t *testing.T) {
	db := &database{t: t, clock: newClock()}
	s := db.open()
	if !strings.Contains(s.Where(), "memory") {
		t.Errorf("Where() = %q", s.Where())
	}
	var wg sync.WaitGroup
	var wins atomic.Int32
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if first, err := s.ConsumeOnce(context.Background(), "p", "k", db.clock.in(time.Minute)); err != nil {
				t.Error(err)
			} else if first {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Errorf("%d first uses, want 1", wins.Load())
	}
}

func TestSQLiteFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state") // made by Open
	db := &database{t: t, opts: Options{Dir: dir}, clock: newClock()}
	s := db.open()
	info, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600: the store will hold the audit log", FileName, info.Mode().Perm())
	}
	var mode string
	if err := s.db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode %q (%v), want wal", mode, err)
	}
	if !strings.HasSuffix(s.Where(), filepath.Join(dir, FileName)) {
		t.Errorf("Where() = %q", s.Where())
	}
}

// TestOpenErrors: what cannot be opened says what to check, quickly, and
// never shows the password.
func TestOpenErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"nobody listens", Options{URL: "postgres://billy:s3cret-pw@127.0.0.1:1/billy?sslmode=disable"}, "database.url"},
		{"not a URL", Options{URL: "postgres://billy:s3cret-pw@[::1/billy"}, "database.url"},
		{"data_dir is a file", Options{Dir: file}, "data_dir"},
		{"? in data_dir", Options{Dir: t.TempDir() + "/what?"}, "data_dir"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			s, err := Open(context.Background(), tt.opts)
			if err == nil {
				s.Close()
				t.Fatal("opened")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error does not name %s: %v", tt.want, err)
			}
			if strings.Contains(err.Error(), "s3cret-pw") {
				t.Errorf("error shows the password: %v", err)
			}
			if d := time.Since(start); d > 2*opTimeout {
				t.Errorf("took %s", d)
			}
		})
	}
}

func TestOpenHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if s, err := Open(ctx, Options{Dir: t.TempDir()}); err == nil {
		s.Close()
		t.Fatal("opened with a cancelled context")
	} else if !errors.Is(err, context.Canceled) {
		t.Errorf("error does not say cancelled: %v", err)
	}
}

var migrationName = regexp.MustCompile(`^([0-9]{5})_[a-z0-9_]+\.sql$`)

// versions lists a dialect's migrations by version, checking their names.
func versions(t *testing.T, d dialect) []string {
	t.Helper()
	entries, err := fs.ReadDir(migrations, "migrations/"+d.name)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			t.Errorf("migrations/%s/%s: name it NNNNN_what.sql", d.name, e.Name())
			continue
		}
		body, _ := fs.ReadFile(migrations, "migrations/"+d.name+"/"+e.Name())
		if !strings.Contains(string(body), "-- +goose Up") || !strings.Contains(string(body), "-- +goose Down") {
			t.Errorf("migrations/%s/%s: needs -- +goose Up and -- +goose Down sections", d.name, e.Name())
		}
		out = append(out, m[1])
	}
	return out
}

func latestVersion(t *testing.T, d dialect) int64 {
	v := versions(t, d)
	var n int64
	for _, c := range v[len(v)-1] {
		n = n*10 + int64(c-'0')
	}
	return n
}

// TestMigrationsMatch: both dialects have the same versions, so a version
// number means one schema whichever database holds it.
func TestMigrationsMatch(t *testing.T) {
	if diff := cmp.Diff(versions(t, sqlite), versions(t, postgres)); diff != "" {
		t.Errorf("migration versions differ between sqlite and postgres (-sqlite +postgres):\n%s", diff)
	}
}

func TestQueryPlaceholders(t *testing.T) {
	q := "SELECT $1, $2, $10, $1"
	if got := (&Store{dialect: sqlite}).query(q); got != "SELECT ?1, ?2, ?10, ?1" {
		t.Errorf("sqlite: %s", got)
	}
	if got := (&Store{dialect: postgres}).query(q); got != q {
		t.Errorf("postgres: %s", got)
	}
}
