-- Uploads (POST /uploads): a file an HTTP client sent the host, kept until
-- expires_ms for a plugin to read by its handle on behalf of the same
-- principal, on whichever instance the tool call lands.
-- +goose Up
CREATE TABLE uploads (
    handle       TEXT   NOT NULL PRIMARY KEY,
    principal    TEXT   NOT NULL,
    organization TEXT   NOT NULL,
    file_name    TEXT   NOT NULL,
    mime         TEXT   NOT NULL,
    sha256       TEXT   NOT NULL,
    size         BIGINT NOT NULL,
    created_ms   BIGINT NOT NULL,
    expires_ms   BIGINT NOT NULL,
    data         BYTEA  NOT NULL
);
CREATE INDEX uploads_expiry ON uploads (expires_ms);

-- +goose Down
DROP TABLE uploads;
