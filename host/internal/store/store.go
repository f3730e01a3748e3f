package store

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Options say which database to open.
type Options struct {
	// URL is a PostgreSQL URL (database.url); empty selects SQLite.
	URL string
	// Dir holds SQLite's file, FileName (data_dir). Empty keeps SQLite in
	// memory, for this process only: what a host without a data directory
	// can promise anyway (its signing key is its own too).
	Dir string
	// Logger gets migrations and housekeeping; nothing if nil.
	Logger hclog.Logger
	// Now decides what has expired; time.Now if nil. Every instance uses
	// its own clock, so instances should keep theirs in step (NTP), as
	// token expiry already needs.
	Now func() time.Time
}

// FileName is SQLite's database file in Options.Dir.
const FileName = "store.db"

// opTimeout bounds one operation: a store that hangs must fail the call
// that needs it with a clear error well before the call's own timeout.
const opTimeout = 5 * time.Second

// pruneEvery is how often expired rows are deleted. They are ignored as
// soon as they expire, so this only bounds the table's size.
const pruneEvery = time.Minute

// Store is an open database with its schema migrated. It is safe for
// concurrent use.
type Store struct {
	db      *sql.DB
	dialect dialect
	where   string
	version int64
	now     func() time.Time
	logger  hclog.Logger
	stop    context.CancelFunc
	done    chan struct{}
}

// dialect is what differs between the two databases.
type dialect struct {
	name  string // "sqlite" or "postgres": also the migrations' folder
	goose string // goose's dialect name
}

var (
	sqlite   = dialect{name: "sqlite", goose: "sqlite3"}
	postgres = dialect{name: "postgres", goose: "postgres"}
)

// Open opens the database o names, migrates its schema to this build's
// and starts deleting expired rows in the background until Close.
func Open(ctx context.Context, o Options) (*Store, error) {
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	var (
		db    *sql.DB
		d     dialect
		where string
		err   error
	)
	if o.URL != "" {
		d = postgres
		db, where, err = openPostgres(o.URL)
	} else {
		d = sqlite
		db, where, err = openSQLite(o.Dir)
	}
	if err != nil {
		return nil, err
	}
	if err := ping(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: cannot reach %s: %w%s", where, err, hint(d))
	}
	version, err := migrate(ctx, db, d, o.Logger)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: migrating %s: %w", where, err)
	}
	loop, stop := context.WithCancel(context.Background())
	s := &Store{db: db, dialect: d, where: where, version: version, now: o.Now, logger: o.Logger, stop: stop, done: make(chan struct{})}
	// The first pass runs before Open returns, so that no pass is in flight
	// once the caller starts using the store: a pass the scheduler delayed
	// would otherwise run against whatever the caller's clock says by then.
	s.pruneOnce(ctx)
	go s.housekeeping(loop)
	return s, nil
}

func ping(ctx context.Context, db *sql.DB) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	return db.PingContext(ctx)
}

func hint(d dialect) string {
	if d == postgres {
		return " (check database.url / BILLY_MCP_DATABASE_URL: host, port, user, password, database and sslmode)"
	}
	return " (check that data_dir / BILLY_MCP_DATA_DIR is a writable folder)"
}

// Ping asks the database whether it answers (run_ops_check, health).
func (s *Store) Ping(ctx context.Context) error { return ping(ctx, s.db) }

// Backend is "sqlite" or "postgres".
func (s *Store) Backend() string { return s.dialect.name }

// Where says which database this is, for logs, without credentials: the
// SQLite file, or PostgreSQL's user, host, port and database.
func (s *Store) Where() string { return s.where }

// SchemaVersion is the schema's migration version.
func (s *Store) SchemaVersion() int64 { return s.version }

// Close stops the housekeeping and closes the database.
func (s *Store) Close() error {
	s.stop()
	<-s.done
	return s.db.Close()
}

// housekeeping deletes expired rows now and then.
func (s *Store) housekeeping(ctx context.Context) {
	defer close(s.done)
	t := time.NewTicker(pruneEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.pruneOnce(ctx)
		}
	}
}

// pruneOnce is one housekeeping pass; a failure is logged and retried on
// the next.
func (s *Store) pruneOnce(ctx context.Context) {
	if n, err := s.prune(ctx); err != nil && ctx.Err() == nil {
		s.logger.Warn("store: deleting expired keys failed; will try again", "error", err.Error(), "store", s.where)
	} else if n > 0 {
		s.logger.Debug("store: deleted expired keys", "count", n)
	}
}

// placeholder matches PostgreSQL's numbered parameters ($1).
var placeholder = regexp.MustCompile(`\$([0-9]+)`)

// query adapts a query written for PostgreSQL to the dialect: SQLite
// writes numbered parameters ?1. Queries are written once, with numbered
// parameters, so a parameter used twice is passed once and the order of
// arguments never depends on the dialect.
func (s *Store) query(q string) string {
	if s.dialect == sqlite {
		return placeholder.ReplaceAllString(q, "?$1")
	}
	return q
}

// fail names the operation and the database in err.
func (s *Store) fail(op string, err error) error {
	return fmt.Errorf("store: %s in %s: %w", op, s.where, err)
}
