package store

import (
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// connectTimeout applies when the URL sets no connect_timeout: a database
// that does not answer must not hold up the host's start for long.
const connectTimeout = 5 * time.Second

// openPostgres opens a pool for url through pgx's database/sql driver.
// Nothing is dialled until the first use.
func openPostgres(url string) (*sql.DB, string, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		// Not pgx's message: it quotes the URL, and masking the password
		// in a URL that does not parse is guesswork.
		return nil, "", errors.New("store: database.url is not a URL the PostgreSQL driver accepts; write it as postgres://user:password@host:5432/database?sslmode=require, with special characters in the password percent-encoded")
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = connectTimeout
	}
	where := fmt.Sprintf("PostgreSQL %s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
	db := stdlib.OpenDB(*cfg)
	// A host makes few, short queries; a small pool per instance leaves the
	// server's connections to the other instances.
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(4)
	db.SetConnMaxIdleTime(5 * time.Minute)
	// Connections are renewed now and then, so that a failover or a DNS
	// change reaches every instance.
	db.SetConnMaxLifetime(30 * time.Minute)
	return db, where, nil
}
