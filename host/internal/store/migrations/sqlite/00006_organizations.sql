-- organizations: the Billy organizations the deployment serves from the
-- store (package credentials), each with its Billy access token sealed
-- under the key ring (package keyring: AES-256-GCM, the key ID in the
-- value, bound to the organization, the row and the field); the store
-- never sees a token in the clear. A single-organization deployment may
-- keep its token in the configuration instead and have no row here.
-- Times are Unix milliseconds.
-- +goose Up
CREATE TABLE organizations (
    id           TEXT    NOT NULL PRIMARY KEY,
    name         TEXT    NOT NULL,
    billy_token  TEXT    NOT NULL,
    created_ms   BIGINT  NOT NULL,
    updated_ms   BIGINT  NOT NULL
);

-- +goose Down
DROP TABLE organizations;
