// Package audit records who called what, on which organization, with what
// outcome: one record for every request the host serves (tool calls,
// listings, resource reads, prompts, refusals and failed logins), never with
// the request's arguments (they carry personal data): a keyed hash of them
// (ArgsHash) instead.
//
// # Writing
//
// The audit trail is data, not a log line, and does not depend on the log
// level: records are written by background writers in batches, so a call
// pays for neither formatting nor a write. Nothing is ever dropped: when a
// writer falls behind, a full buffer makes callers wait (back-pressure,
// counted in billy_mcp_audit_wait_seconds_total{sink}), and a failed write
// is retried until it succeeds (counted and logged). Close writes what is
// buffered before the host exits. There are two writers: the durable,
// tamper-evident log in the store (Chain), and JSON lines in the shape of
// the host's own log lines on stderr or in audit.path (Encode), for log
// collectors.
//
// # The chain
//
// Every row of the store's audit_log is chained to the one before it:
//
//	hash = SHA-256(entry-domain, seq, time, instance, op, name, plugin, organization,
//	               transport, auth, correlation ID, outcome, category, code, duration,
//	               arguments hash, writes, replayed, approval, pii_hash, prev_hash)
//
// every field length-prefixed, so no two rows encode alike. There is one
// chain per database, not one per instance: an append takes the lock on
// the chain's head row in its transaction, so the database assigns the
// order, instances writing to one PostgreSQL interleave their batches in
// one chain, and a restarted instance carries on from the head. (A chain
// per instance would avoid that lock, but every instance's chain would end
// unverifiably when the instance goes away, and a deployment's scale-out
// would multiply the chains an auditor must hold; one lock per batch of up
// to 512 records costs little.)
//
// # Personal data and retention
//
// The personal fields (principal, client address, and a detail object
// holding an internal error's cause and the plugin's note, such as
// cancel_invoice's reason) are not hashed into the row directly: the row's
// hash covers pii_hash = SHA-256(pii-domain, salt, principal, address,
// detail) with a random salt per row. Retention (audit.retention) blanks
// the personal fields of rows older than it and deletes their salt; the
// row keeps pii_hash and is marked anonymized, so the chain still verifies,
// and without the salt nobody can test guesses (an IP address is easily
// guessed) against the hash that is left.
//
// # Checkpoints
//
// The rows' hashes are also the leaves of a Merkle tree (RFC 6962 hashing,
// transparency-dev/merkle's compact range, kept in the head so any instance
// extends it). Every audit.checkpoints.interval, and after
// audit.checkpoints.every entries, the host signs a checkpoint of the tree
// (origin, size, root; C2SP's tlog-checkpoint in a signed note, Ed25519)
// and appends it to a file a day in audit.checkpoints.dir, outside the
// database. Someone who can rewrite the audit table, even recomputing every
// hash, cannot sign what they wrote.
//
// # Verification
//
// Verify reads the chain in order and names the first entry that is not as
// written: an edited one (its fields or its personal fields no longer give
// its hashes), a removed one (its number is missing), reordered ones (the
// first that no longer follows its predecessor), entries cut off the end
// (the head or a checkpoint is larger than the chain), and a rewrite with
// recomputed hashes (the first checkpoint whose root the entries no longer
// give, which bounds the rewritten range). Checkpoints that do not verify
// under the deployment's public key are refused. `billy-mcp audit verify`
// runs it.
package audit
