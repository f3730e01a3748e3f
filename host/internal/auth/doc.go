// Package auth authenticates the host's HTTP requests: it turns the
// credential a request carries into a dispatch.Caller (the principal, its
// organizations and scopes), or into a Failure that says why not.
//
// Two kinds of credential are accepted, both only in headers
// (Authorization: Bearer, or X-API-Key), never in the query string:
//
//   - API keys: prefixed random strings (bmcp_…) that the configuration
//     holds only as SHA-256 hashes, each with a principal, organizations,
//     scopes (or a role) and an expiry; v1's plaintext keys
//     (auth.api_keys, MCP_API_KEY) still work with every scope.
//   - OAuth 2.1 access tokens (JWTs), validated as a resource server:
//     signature against the issuer's JWKS with an algorithm allow-list, iss
//     exact, exp required, nbf and iat with a small leeway, and aud equal to
//     the MCP endpoint's canonical URL (one trailing slash tolerated).
//
// It also builds what a client needs to find its way to a credential: the
// WWW-Authenticate challenges of RFC 6750 and the protected resource
// metadata document of RFC 9728. Rate limits, the listener and routing are
// the httpserver's; scope enforcement per tool is dispatch's.
package auth
