// Package store is the host's durable state: one SQL database that every
// instance of a deployment shares and that outlives restarts.
//
// It is SQLite by default, a file (store.db) in the data directory, through
// a pure-Go driver (modernc.org/sqlite), so a newcomer's laptop and a stdio
// host need nothing installed; and PostgreSQL (pgx) when database.url is
// set, which is how instances behind a load balancer share it. The schema is
// versioned with goose: SQL migrations are embedded per dialect
// (migrations/sqlite, migrations/postgres; both list the same versions, a
// test holds them to it) and applied at Open, under an advisory lock on
// PostgreSQL so that instances starting together migrate once.
//
// The API is small and typed: callers say what they want kept, never SQL:
// single-use keys (ConsumeOnce, for confirmation tokens) and idempotency
// keys (ClaimIdempotencyKey and the calls that end a claim, for create tools
// retried with the same key). It is where the audit log and workflow runs go
// next.
//
// The host does not need the store to serve reads: when it cannot be opened
// or stops answering, only what needs it fails (a confirmed write cannot
// prove its token unused), with a retryable error, and the host keeps
// trying to open it (see app).
package store
