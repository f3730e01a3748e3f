-- Idempotency keys (dispatch): a create tool's call that carried an
-- idempotency_key, per caller (scope: organization and subject). state is
-- running (owner holds it until lease_unix), done (result is the answer to
-- replay) or unknown (a write's outcome could not be told; settled_unix is
-- when the host gave up on it). request_hash binds the key to one tool and
-- one set of arguments. Rows may be forgotten after expires_unix.
-- +goose Up
CREATE TABLE idempotency_keys (
    scope        TEXT    NOT NULL,
    idem_key     TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    owner        TEXT    NOT NULL,
    lease_unix   INTEGER NOT NULL,
    settled_unix INTEGER NOT NULL,
    result       TEXT,
    expires_unix INTEGER NOT NULL,
    PRIMARY KEY (scope, idem_key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_unix);

-- +goose Down
DROP TABLE idempotency_keys;
