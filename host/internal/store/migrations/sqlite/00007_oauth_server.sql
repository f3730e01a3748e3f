-- The embedded OAuth authorization server (package oauthserver): what it
-- must remember between requests, on every instance, as JSON documents by
-- kind and ID, each with an expiry:
--   client    a client registered through dynamic registration (RFC 7591),
--             its secret (if any) only as a SHA-256;
--   request   an authorization request from /oauth/authorize to the code,
--             with the user, organizations and scopes consent bound to it;
--   code      an authorization code (by its SHA-256), naming its request;
--             taken (deleted) by the one token request that redeems it;
--   refresh   a refresh token (by its SHA-256) with its grant.
-- Expired rows are ignored at once and deleted by the store's housekeeping.
-- Times are Unix milliseconds.
-- +goose Up
CREATE TABLE oauth_state (
    kind       TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    data       TEXT    NOT NULL,
    expires_ms INTEGER  NOT NULL,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE INDEX oauth_state_expiry ON oauth_state (expires_ms);

-- +goose Down
DROP TABLE oauth_state;
