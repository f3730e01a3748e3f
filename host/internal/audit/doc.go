// Package audit records who called what, on which organization, with what
// outcome: one record for every request the host serves, refusals included,
// never with the request's arguments (they carry personal data).
//
// The audit trail is data, not a log line: records are encoded by this
// package and written by one background writer in batches, so a call pays
// for neither log formatting nor a write syscall. Nothing is ever dropped:
// when the writer falls behind, a full buffer makes callers wait
// (back-pressure, counted in billy_mcp_audit_wait_seconds_total), and a
// failed write is retried until it succeeds (counted and logged). Close
// writes what is buffered before the host exits.
//
// Records are JSON lines in the shape of the host's own log lines
// (@timestamp, @module "billy-mcp.audit"), so they sit well beside them on
// stderr, the default, and in a file (audit.path) they are one record a line.
// The tamper-evident store of the security work builds on Record.
package audit
