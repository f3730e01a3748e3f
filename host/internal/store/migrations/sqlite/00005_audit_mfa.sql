-- The tamper-evident audit log (package audit) and MFA for sensitive
-- calls (package mfa).
--
-- audit_log: one row per request, in one hash chain whose order the
-- database assigns (seq, under audit_head's lock): hash is SHA-256 over the
-- row's fields, pii_hash and the previous row's hash (prev_hash). The
-- personal fields (principal, client_addr, detail_json) are covered through
-- pii_hash, a salted hash of them, so retention can blank them (and the
-- salt) and set anonymized_us without breaking the chain. Rows are never
-- updated otherwise and never deleted. Times are Unix microseconds.
--
-- audit_head: the chain's head (size, last hash) and the compact Merkle
-- range over every row's hash (for signed checkpoints), one row.
--
-- mfa_secrets: a principal's TOTP secret, sealed (encrypted, bound to the
-- principal); confirmed_ms is 0 until a first code confirmed enrolment.
-- mfa_approvals: one approval of one sensitive call, bound to principal,
-- organization, tool and arguments hash: approved_ms once a code was
-- accepted, used_ms once the call ran (single use). counters: fixed-window
-- counts (failed TOTP attempts per principal and per address).
-- +goose Up
CREATE TABLE audit_log (
    seq            INTEGER NOT NULL PRIMARY KEY,
    at_us          INTEGER NOT NULL,
    instance       TEXT    NOT NULL,
    op             TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    plugin         TEXT    NOT NULL,
    organization   TEXT    NOT NULL,
    transport      TEXT    NOT NULL,
    auth           TEXT    NOT NULL,
    correlation_id TEXT    NOT NULL,
    outcome        TEXT    NOT NULL,
    category       TEXT    NOT NULL,
    code           TEXT    NOT NULL,
    duration_us    INTEGER NOT NULL,
    args_hash      TEXT    NOT NULL,
    writes_json    TEXT    NOT NULL,
    replayed       INTEGER NOT NULL,
    approval       TEXT    NOT NULL,
    principal      TEXT    NOT NULL,
    client_addr    TEXT    NOT NULL,
    detail_json    TEXT    NOT NULL,
    pii_salt       TEXT,
    pii_hash       TEXT    NOT NULL,
    anonymized_us  INTEGER,
    prev_hash      TEXT    NOT NULL,
    hash           TEXT    NOT NULL
);
CREATE INDEX audit_log_organization ON audit_log (organization, at_us);
CREATE INDEX audit_log_time ON audit_log (at_us);

CREATE TABLE audit_head (
    id         INTEGER NOT NULL PRIMARY KEY,
    size       INTEGER NOT NULL,
    hash       TEXT    NOT NULL,
    range_json TEXT    NOT NULL
);
INSERT INTO audit_head (id, size, hash, range_json) VALUES (1, 0, '', '[]');

CREATE TABLE mfa_secrets (
    principal    TEXT    NOT NULL PRIMARY KEY,
    sealed       TEXT    NOT NULL,
    created_ms   INTEGER NOT NULL,
    confirmed_ms INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE mfa_approvals (
    id           TEXT    NOT NULL PRIMARY KEY,
    principal    TEXT    NOT NULL,
    organization TEXT    NOT NULL,
    tool         TEXT    NOT NULL,
    args_hash    TEXT    NOT NULL,
    created_ms   INTEGER NOT NULL,
    expires_ms   INTEGER NOT NULL,
    approved_ms  INTEGER NOT NULL,
    used_ms      INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX mfa_approvals_binding ON mfa_approvals (principal, tool, args_hash);
CREATE INDEX mfa_approvals_expiry ON mfa_approvals (expires_ms);

CREATE TABLE counters (
    scope        TEXT    NOT NULL,
    counter_key  TEXT    NOT NULL,
    window_unix  INTEGER NOT NULL,
    count        INTEGER NOT NULL,
    expires_unix INTEGER NOT NULL,
    PRIMARY KEY (scope, counter_key)
) WITHOUT ROWID;
CREATE INDEX counters_expiry ON counters (expires_unix);

-- +goose Down
DROP TABLE counters;
DROP TABLE mfa_approvals;
DROP TABLE mfa_secrets;
DROP TABLE audit_head;
DROP TABLE audit_log;
