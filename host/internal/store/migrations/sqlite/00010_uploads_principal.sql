-- uploads.max_bytes_per_principal sums a principal's uploads that have not
-- expired at each upload; this index keeps that sum off a table scan.
-- +goose Up
CREATE INDEX uploads_principal ON uploads (principal, expires_ms);

-- +goose Down
DROP INDEX uploads_principal;
