-- Single-use keys (ConsumeOnce): a key is in use by its scope (the plugin
-- that consumed it) until expires_unix, and may be forgotten after.
-- +goose Up
CREATE TABLE once_keys (
    scope        TEXT    NOT NULL,
    once_key     TEXT    NOT NULL,
    expires_unix INTEGER NOT NULL,
    PRIMARY KEY (scope, once_key)
) WITHOUT ROWID;
CREATE INDEX once_keys_expiry ON once_keys (expires_unix);

-- +goose Down
DROP TABLE once_keys;
