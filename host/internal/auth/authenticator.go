package auth

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/scopes"
)

// How a caller authenticated (dispatch.Caller.Auth).
const (
	MethodAPIKey = "api_key"
	MethodOAuth  = "oauth"
	MethodLocal  = "local"
)

// Options configure an Authenticator.
type Options struct {
	// Keys are the API keys accepted (LegacyKey for v1's plaintext ones).
	Keys []Key
	// OAuth validates access tokens; nil accepts none.
	OAuth *OAuth
	// DefaultOrganization is the deployment's own organization: the one a
	// credential without memberships acts on.
	DefaultOrganization string
	// Now is the clock (tests); nil is time.Now.
	Now func() time.Time
}

// Authenticator turns a request's credential into its caller.
type Authenticator struct {
	keys  map[string]Key // by hash
	oauth *OAuth
	org   string
	now   func() time.Time
}

// New checks the keys and builds an Authenticator. With neither keys nor
// OAuth every request is the local operator (Required is false); the
// configuration allows that only on loopback.
func New(o Options) (*Authenticator, error) {
	a := &Authenticator{keys: map[string]Key{}, oauth: o.OAuth, org: o.DefaultOrganization, now: o.Now}
	if a.now == nil {
		a.now = time.Now
	}
	for i, k := range o.Keys {
		if !ValidHash(k.Hash) {
			return nil, fmt.Errorf("key %d (%s): the hash is not 64 lower-case hex characters", i, k.Principal)
		}
		if !ValidPrincipal(k.Principal) {
			return nil, fmt.Errorf("key %d: principal %q is not 1 to 128 of letters, digits and ._@:+-", i, k.Principal)
		}
		if prev, dup := a.keys[k.Hash]; dup && !(prev.Legacy && k.Legacy) {
			return nil, fmt.Errorf("key %d (%s) has the same hash as %s's: one key, two entries", i, k.Principal, prev.Principal)
		}
		a.keys[k.Hash] = k
	}
	if o.OAuth != nil && (o.OAuth.Issuer == "" || o.OAuth.Resource == "" || o.OAuth.Keys == nil) {
		return nil, fmt.Errorf("OAuth needs an issuer, the resource URL and the issuer's keys")
	}
	return a, nil
}

// Required reports whether requests must carry credentials: false only
// when no key and no OAuth issuer is configured (the loopback default).
func (a *Authenticator) Required() bool { return len(a.keys) > 0 || a.oauth != nil }

// OAuth reports whether access tokens are accepted.
func (a *Authenticator) OAuth() *OAuth { return a.oauth }

// Local is the caller of every request when no credentials are required:
// the operator on this machine, with every scope.
func (a *Authenticator) Local() dispatch.Caller {
	return dispatch.Caller{Subject: "local", OrganizationID: a.org, Scopes: []string{scopes.Admin}, Auth: MethodLocal}
}

// Authenticate returns the request's caller (Transport and ClientAddr are
// the edge's to fill), or why it has none.
func (a *Authenticator) Authenticate(r *http.Request) (dispatch.Caller, *Failure) {
	if !a.Required() {
		return a.Local(), nil
	}
	p, f := presented(r)
	if f != nil {
		return dispatch.Caller{}, f
	}
	return a.Verify(r, p.Token)
}

// Verify checks a credential already taken from the request.
func (a *Authenticator) Verify(r *http.Request, tok string) (dispatch.Caller, *Failure) {
	if k, ok := a.lookup(tok); ok {
		if !k.Expires.IsZero() && !a.now().Before(k.Expires) {
			return dispatch.Caller{}, &Failure{Reason: ReasonKeyExpired, Presented: true,
				Detail: fmt.Sprintf("the key of %s expired at %s", k.Principal, k.Expires.UTC().Format(time.RFC3339))}
		}
		return a.caller(k.Principal, MethodAPIKey, k.Organizations, k.Scopes), nil
	}
	if strings.HasPrefix(tok, KeyPrefix) {
		return dispatch.Caller{}, &Failure{Reason: ReasonUnknownKey, Presented: true, Guess: true, Detail: "no such API key"}
	}
	if strings.Count(tok, ".") != 2 {
		return dispatch.Caller{}, &Failure{Reason: ReasonUnknownKey, Presented: true, Guess: true, Detail: "neither a known key nor a JWT"}
	}
	if a.oauth == nil {
		return dispatch.Caller{}, &Failure{Reason: ReasonNoOAuth, Presented: true, Guess: true, Detail: "a JWT, but OAuth is not configured (auth.oauth.issuer)"}
	}
	c, f := a.oauth.verify(r.Context(), tok, a.now)
	if f != nil {
		return dispatch.Caller{}, f
	}
	return a.caller(c.sub, MethodOAuth, c.orgs, c.scopes), nil
}

// lookup finds the key whose hash is tok's. The map lookup is on the
// hash, which tells a timing observer nothing about any key; the final
// comparison is constant-time anyway.
func (a *Authenticator) lookup(tok string) (Key, bool) {
	if len(a.keys) == 0 {
		return Key{}, false
	}
	h := HashKey(tok)
	k, ok := a.keys[h]
	if !ok || subtle.ConstantTimeCompare([]byte(h), []byte(k.Hash)) != 1 {
		return Key{}, false
	}
	return k, true
}

// caller builds the authenticated caller. OrganizationID is the only
// organization a principal has, or the deployment's own when it lists
// none; a principal of several organizations names one per call, which
// the tenancy stage checks against Organizations.
func (a *Authenticator) caller(subject, method string, orgs, granted []string) dispatch.Caller {
	c := dispatch.Caller{Subject: subject, Auth: method, Organizations: slices.Clone(orgs), Scopes: slices.Clone(granted)}
	switch len(orgs) {
	case 0:
		c.OrganizationID = a.org
	case 1:
		c.OrganizationID = orgs[0]
	}
	return c
}
