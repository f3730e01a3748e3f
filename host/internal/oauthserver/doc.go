// Package oauthserver is the host's own OAuth 2.1 authorization server,
// for deployments without an identity provider: Claude.ai and ChatGPT
// connect only through OAuth, and an accounting firm rarely runs Keycloak.
//
// It is zitadel/oidc's OpenID Provider (pkg/op) over the host's store,
// with what that library leaves to its user written here:
//
//   - users from the configuration (auth.server.users: a bcrypt password
//     hash, never the password; organizations; roles and scopes) and from
//     the store (billy-mcp users add; Options.FindUser, read at every
//     login, consent and refresh; the configuration wins on a name in
//     both), with a TOTP code at login when the user is enrolled (package
//     mfa);
//   - plain server-rendered login and consent pages (no script, no CDN),
//     CSRF-protected, the consent bound to the browser that logged in,
//     password guesses counted in the edge's failed-login budget;
//   - consent that binds organizations and scopes to the grant: the
//     access token's scope and billy_orgs claims carry what the user
//     allowed, never more than the user holds;
//   - dynamic client registration (RFC 7591) of public and confidential
//     clients, redirect URIs https or http on loopback, matched exactly;
//   - client ID metadata documents (cimd.go): an https client_id names
//     the client's metadata, fetched (SSRF-fenced: public addresses only,
//     no redirects, a timeout and a size cap), validated, cached per its
//     Cache-Control, and used in place of a registration;
//   - authorization code with PKCE, S256 only (plain and a missing
//     challenge are refused), codes redeemed once (a compare-and-delete in
//     the store), refresh tokens rotated on every use;
//   - access tokens are JWTs signed with Ed25519 (a key derived from the
//     deployment's signing key, the same on every instance) whose aud is
//     the MCP endpoint's canonical URL, so the resource server (package
//     auth) accepts them through this server's JWKS and nobody else's;
//   - revocation (RFC 7009 at /oauth/revoke) of refresh tokens and of
//     access tokens too: a revoked access token's jti, and a revoked
//     user's name with the time (tokens issued until then are refused),
//     go into a list in the store that every instance's resource server
//     checks from an in-memory copy read again every 2 seconds (users.go);
//   - RFC 8414 metadata at /.well-known/oauth-authorization-server (and
//     OpenID discovery), with the RFC 9207 iss parameter on every
//     authorization response.
//
// Everything it remembers between requests (clients, authorization
// requests, codes, refresh tokens) is in the store, so a login begun on
// one instance finishes on any other.
package oauthserver
