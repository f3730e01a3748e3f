package auth

import "github.com/billy-mcp/billy-mcp/proto/errmodel"

// Why a request was not authenticated: the reason label of the failures
// metric and the log line. Never shown to the client, which learns only
// that its credential was missing or refused.
const (
	ReasonMissing      = "missing"       // no credential at all
	ReasonQuery        = "query"         // a credential only in the query string
	ReasonMalformed    = "malformed"     // a header that is not a credential
	ReasonUnknownKey   = "unknown_key"   // no such API key
	ReasonKeyExpired   = "key_expired"   // a known key past its expiry
	ReasonSignature    = "signature"     // a token not signed by the issuer (or unparsable)
	ReasonTokenExpired = "token_expired" // a genuine token past exp, or not yet valid
	ReasonClaims       = "claims"        // a genuine token for someone else: iss, aud, typ, sub, organizations
	ReasonNoOAuth      = "oauth_off"     // a JWT where OAuth is not configured
	ReasonJWKS         = "jwks"          // the issuer's keys could not be fetched
	ReasonRevoked      = "revoked"       // a genuine token revoked before its exp (or its user since it was issued)
)

// Failure is why a request was not authenticated.
type Failure struct {
	// Reason is one of the Reason constants.
	Reason string
	// Presented says a credential was sent and refused: the challenge
	// then carries error="invalid_token" (RFC 6750 §3.1).
	Presented bool
	// Guess says the credential could be a guess (an unknown key, a bad
	// signature, garbage): these count against the client address's
	// failed-login budget. A genuine credential that merely expired is
	// not a guess: a client refreshing its token must not be locked out.
	Guess bool
	// Detail says more, for the log line only; it never holds the
	// credential.
	Detail string
}

// Err is what the client is told: no detail beyond missing, in the query
// string, or not accepted.
func (f *Failure) Err() *errmodel.Error {
	switch {
	case f.Reason == ReasonQuery:
		return errmodel.New(errmodel.Unauthorized, "credentials_in_query",
			"credentials are not accepted in the URL: send 'Authorization: Bearer <key or token>' or 'X-API-Key: <key>'")
	case f.Presented:
		return errmodel.New(errmodel.Unauthorized, "invalid_token", "the credentials were not accepted")
	case f.Reason == ReasonJWKS:
		e := errmodel.New(errmodel.UpstreamUnavailable, "authorization_server_unavailable",
			"the authorization server's keys could not be fetched; retry shortly")
		e.RetryAfterSeconds = 5
		return e
	}
	return errmodel.New(errmodel.Unauthorized, "unauthenticated",
		"this server requires credentials: send 'Authorization: Bearer <key or token>' or 'X-API-Key: <key>'")
}
