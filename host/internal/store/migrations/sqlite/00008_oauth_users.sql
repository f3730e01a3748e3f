-- The embedded authorization server's users kept in the store (billy-mcp
-- users add|set|passwd|disable|enable|remove), beside those in the
-- configuration (auth.server.users, which win on a name in both), and
-- what has been revoked before it expired.
--
-- oauth_users: organizations, roles and scopes are JSON arrays of
-- strings; roles are expanded to scopes when the user is read, so a
-- change to auth.roles applies to them too. Times are Unix milliseconds.
--
-- oauth_revocations:
--   token      an access token (id: its jti), refused until expires_ms,
--              which is no earlier than the token's own exp;
--   principal  every token of a user (id: the name) issued at or before
--              at_ms: access tokens by iat, refresh tokens by issue time;
--              kept until the longest-lived of them has expired.
-- Every instance reads the unexpired rows every few seconds (package
-- oauthserver's denylist); expired rows are deleted by housekeeping.
-- +goose Up
CREATE TABLE oauth_users (
    name            TEXT    NOT NULL PRIMARY KEY,
    password_bcrypt TEXT    NOT NULL,
    organizations   TEXT    NOT NULL,
    roles           TEXT    NOT NULL,
    scopes          TEXT    NOT NULL,
    require_totp    INTEGER NOT NULL,
    disabled        INTEGER NOT NULL,
    created_ms      INTEGER NOT NULL,
    updated_ms      INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE oauth_revocations (
    kind       TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    at_ms      INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE INDEX oauth_revocations_expiry ON oauth_revocations (expires_ms);

-- +goose Down
DROP TABLE oauth_revocations;
DROP TABLE oauth_users;
