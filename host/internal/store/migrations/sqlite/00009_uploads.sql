-- Uploads (POST /uploads): a file an HTTP client sent the host, kept until
-- expires_ms for a plugin to read by its handle on behalf of the same
-- principal, on whichever instance the tool call lands.
-- +goose Up
CREATE TABLE uploads (
    handle       TEXT    NOT NULL PRIMARY KEY,
    principal    TEXT    NOT NULL,
    organization TEXT    NOT NULL,
    file_name    TEXT    NOT NULL,
    mime         TEXT    NOT NULL,
    sha256       TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    created_ms   INTEGER NOT NULL,
    expires_ms   INTEGER NOT NULL,
    data         BLOB    NOT NULL
) WITHOUT ROWID;
CREATE INDEX uploads_expiry ON uploads (expires_ms);

-- +goose Down
DROP TABLE uploads;
