package auth

import (
	"net/http"
	"strings"
)

// MaxCredentialBytes bounds a presented credential: an access token of a
// few claims is well under 2 KB, and a token of megabytes is an attack on
// the parser, not a login.
const MaxCredentialBytes = 8 << 10

// queryCredentialNames are query parameters that carry credentials in
// other servers (RFC 6750's access_token, v1's apiKey). They are never
// read: a key in a URL ends up in proxy and browser logs.
var queryCredentialNames = []string{"access_token", "apiKey", "api_key", "apikey", "key", "token"}

// Presented is the credential a request carries and where.
type Presented struct {
	// Token is the credential: "" when none was sent.
	Token string
	// Header is where it came from: "authorization" or "x-api-key".
	Header string
}

// presented reads the request's credential from its headers. A malformed
// header is a Failure (a credential was sent, and it is not one); so is a
// credential sent only in the query string.
func presented(r *http.Request) (Presented, *Failure) {
	authz := r.Header.Values("Authorization")
	keys := r.Header.Values("X-API-Key")
	if len(authz) > 1 || len(keys) > 1 {
		return Presented{}, &Failure{Reason: ReasonMalformed, Presented: true, Guess: true, Detail: "more than one credential header"}
	}
	if len(authz) == 1 && hasScheme(authz[0], "bearer") {
		tok, ok := bearer(authz[0])
		if !ok {
			return Presented{}, &Failure{Reason: ReasonMalformed, Presented: true, Guess: true, Detail: "malformed Authorization header"}
		}
		return Presented{Token: tok, Header: "authorization"}, nil
	}
	// Authorization with another scheme (Basic, from a proxy) is not ours:
	// X-API-Key may still carry the key.
	if len(keys) == 1 {
		k := strings.TrimSpace(keys[0])
		if !wellFormed(k) {
			return Presented{}, &Failure{Reason: ReasonMalformed, Presented: true, Guess: true, Detail: "malformed X-API-Key header"}
		}
		return Presented{Token: k, Header: "x-api-key"}, nil
	}
	q := r.URL.Query()
	for _, name := range queryCredentialNames {
		if q.Has(name) {
			return Presented{}, &Failure{Reason: ReasonQuery, Detail: "credential in the query string (" + name + ")"}
		}
	}
	return Presented{}, &Failure{Reason: ReasonMissing}
}

func hasScheme(h, scheme string) bool {
	h = strings.TrimLeft(h, " ")
	return len(h) >= len(scheme) && strings.EqualFold(h[:len(scheme)], scheme) &&
		(len(h) == len(scheme) || h[len(scheme)] == ' ')
}

// bearer parses "Bearer <token>" (RFC 6750 §2.1): the scheme in any case,
// then one token and nothing else.
func bearer(h string) (string, bool) {
	if !hasScheme(h, "bearer") {
		return "", false
	}
	tok := strings.TrimSpace(strings.TrimLeft(h, " ")[len("bearer"):])
	if !wellFormed(tok) {
		return "", false
	}
	return tok, true
}

// wellFormed accepts a credential of 1 to MaxCredentialBytes visible
// ASCII characters: no spaces, no control characters (which would reach
// logs), nothing a header parser disagrees about.
func wellFormed(tok string) bool {
	if tok == "" || len(tok) > MaxCredentialBytes {
		return false
	}
	for i := 0; i < len(tok); i++ {
		if c := tok[i]; c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}
