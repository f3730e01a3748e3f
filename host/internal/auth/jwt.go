package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"

	"github.com/billy-mcp/billy-mcp/host/internal/scopes"
)

// DefaultAlgorithms are the signing algorithms accepted unless configured
// otherwise: asymmetric only. HS256 and friends are never accepted (a
// resource server holding the issuer's secret could mint tokens, and the
// old "HS256 signed with the public key" confusion is closed by never
// allowing it), and neither is "none".
var DefaultAlgorithms = []string{"RS256", "ES256", "EdDSA"}

// AllowedAlgorithms are the algorithms a configuration may choose from.
var AllowedAlgorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// DefaultOrganizationsClaim is the claim that lists the organizations a
// token may act on.
const DefaultOrganizationsClaim = "billy_orgs"

// DefaultLeeway is the clock skew tolerated on exp, nbf and iat.
const DefaultLeeway = 30 * time.Second

// OAuth validates OAuth 2.1 access tokens (JWTs) as a resource server.
type OAuth struct {
	// Issuer is the authorization server's issuer, compared exactly with
	// the token's iss.
	Issuer string
	// Resource is the MCP endpoint's canonical URL (https://host/mcp): the
	// token's aud must contain it (one trailing slash tolerated, RFC 8707).
	Resource string
	// Keys finds the key a token was signed with (see JWKS). Tokens
	// without a kid are refused.
	Keys KeySource
	// Algorithms allowed (default DefaultAlgorithms).
	Algorithms []string
	// Leeway on exp, nbf and iat (default DefaultLeeway).
	Leeway time.Duration
	// OrganizationsClaim names the claim listing the token's organizations
	// (default DefaultOrganizationsClaim).
	OrganizationsClaim string
	// Revoked, if set, says whether a valid token was revoked before its
	// exp: by its jti, or its subject's revocation at or after its iat
	// (the embedded authorization server's list). It is asked about every
	// token, so it must answer from memory.
	Revoked func(ctx context.Context, jti, subject string, issuedAt time.Time) bool
}

// KeySource finds the verification key of a token's kid. Lookup returns
// ErrUnknownKey when the issuer has no such key and another error when
// its keys cannot be had at all.
type KeySource interface {
	Lookup(ctx context.Context, kid, alg string) (any, error)
}

// ErrUnknownKey is a kid the issuer's key set does not hold.
var ErrUnknownKey = errors.New("no key with this kid")

// JWKS is a KeySource reading the issuer's JSON Web Key Set from a URL,
// cached and refreshed in the background (hourly, and at most once a
// minute when a token names a kid not yet seen, so a rotation at the
// issuer is picked up at once and garbage kids cannot make us fetch in a
// loop).
type JWKS struct{ kf keyfunc.Keyfunc }

// NewJWKS starts fetching url; ctx ends the background refresh. onError
// hears of failed fetches.
func NewJWKS(ctx context.Context, url string, client *http.Client, onError func(error)) (*JWKS, error) {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	kf, err := keyfunc.NewDefaultOverrideCtx(ctx, []string{url}, keyfunc.Override{
		Client:            client,
		HTTPTimeout:       10 * time.Second,
		RefreshInterval:   time.Hour,
		RefreshUnknownKID: rate.NewLimiter(rate.Every(time.Minute), 1),
		// jwkset bounds both the wait for the limiter and the refresh's
		// own request by this. The limiter's wait: rate.Limiter.Wait
		// refuses at once a wait longer than the deadline, so with one
		// refresh a minute an unknown kid seen again within the minute is
		// refused without waiting. The refresh: it must get a request's
		// time (1 ms here once made the first token of a rotated key fail
		// whenever the fetch took longer).
		RateLimitWaitMax: 10 * time.Second,
		RefreshErrorHandlerFunc: func(string) func(context.Context, error) {
			return func(_ context.Context, err error) {
				if onError != nil {
					onError(err)
				}
			}
		},
	})
	if err != nil {
		return nil, err
	}
	return &JWKS{kf: kf}, nil
}

// NewStaticJWKS is a KeySource over a fixed JWK Set (JSON): for an
// authorization server in the same process, and for tests.
func NewStaticJWKS(set []byte) (*JWKS, error) {
	kf, err := keyfunc.NewJWKSetJSON(set)
	if err != nil {
		return nil, err
	}
	return &JWKS{kf: kf}, nil
}

// Lookup implements KeySource.
func (j *JWKS) Lookup(ctx context.Context, kid, alg string) (any, error) {
	key, err := j.kf.KeyfuncCtx(ctx)(&jwt.Token{Header: map[string]any{"kid": kid, "alg": alg}})
	if err == nil {
		return key, nil
	}
	if ctx.Err() != nil {
		return nil, err
	}
	// An empty set means the issuer's keys were never fetched (or the
	// issuer publishes none): that is the issuer's trouble, not a bad
	// token. Otherwise the kid is not the issuer's, or the JWK names
	// another alg or use than the token: a forged header.
	if all, e := j.kf.Storage().KeyReadAll(ctx); e != nil || len(all) == 0 {
		return nil, fmt.Errorf("the issuer's key set is empty or was never fetched: %w", err)
	}
	return nil, fmt.Errorf("%w: %v", ErrUnknownKey, err)
}

// tokenClaims are the claims read from an access token.
type tokenClaims struct {
	sub, clientID string
	scopes, orgs  []string
}

// verify validates a JWT access token; the Failure says why it is not one.
func (o *OAuth) verify(ctx context.Context, raw string, now func() time.Time) (tokenClaims, *Failure) {
	fail := func(reason string, guess bool, detail string) (tokenClaims, *Failure) {
		return tokenClaims{}, &Failure{Reason: reason, Presented: true, Guess: guess, Detail: detail}
	}
	algs := o.Algorithms
	if len(algs) == 0 {
		algs = DefaultAlgorithms
	}
	leeway := o.Leeway
	if leeway == 0 {
		leeway = DefaultLeeway
	}
	var keyErr error
	parser := jwt.NewParser(jwt.WithValidMethods(algs), jwt.WithIssuer(o.Issuer), jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(), jwt.WithLeeway(leeway), jwt.WithTimeFunc(now))
	claims := jwt.MapClaims{}
	tok, err := parser.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			keyErr = ErrUnknownKey
			return nil, errors.New("the token names no kid")
		}
		alg, _ := t.Header["alg"].(string)
		k, err := o.Keys.Lookup(ctx, kid, alg)
		keyErr = err
		return k, err
	})
	switch {
	case err == nil:
	case keyErr != nil && !errors.Is(keyErr, ErrUnknownKey):
		return fail(ReasonJWKS, false, keyErr.Error())
	case errors.Is(err, jwt.ErrTokenMalformed), errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return fail(ReasonSignature, true, err.Error())
	case errors.Is(err, jwt.ErrTokenExpired), errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		// Signed by the issuer: a genuine token used too late or early.
		return fail(ReasonTokenExpired, false, err.Error())
	default:
		return fail(ReasonClaims, false, err.Error())
	}
	// RFC 9068 access tokens say typ at+jwt; other issuers say JWT or
	// nothing. Anything else (an ID token's "id_token+jwt", a logout
	// token) is not an access token.
	if typ, ok := tok.Header["typ"]; ok {
		s, _ := typ.(string)
		switch strings.ToLower(s) {
		case "jwt", "at+jwt", "application/at+jwt":
		default:
			return fail(ReasonClaims, false, fmt.Sprintf("typ %q is not an access token's", s))
		}
	}
	aud, err := claims.GetAudience()
	if err != nil || !slices.ContainsFunc(aud, func(a string) bool { return MatchesResource(a, o.Resource) }) {
		return fail(ReasonClaims, false, fmt.Sprintf("aud %q does not name this server (%s)", aud, o.Resource))
	}
	var c tokenClaims
	c.sub, _ = claims["sub"].(string)
	if !ValidPrincipal(c.sub) {
		return fail(ReasonClaims, false, "sub is missing, or not 1 to 128 of letters, digits and ._@:+-")
	}
	if o.Revoked != nil {
		jti, _ := claims["jti"].(string)
		var iat time.Time
		if t, err := claims.GetIssuedAt(); err == nil && t != nil {
			iat = t.Time
		}
		if o.Revoked(ctx, jti, c.sub, iat) {
			return fail(ReasonRevoked, false, "the token was revoked")
		}
	}
	c.clientID, _ = claims["client_id"].(string)
	if c.clientID == "" {
		c.clientID, _ = claims["azp"].(string)
	}
	// scope (RFC 9068, a space-separated string) or scp (Okta, Entra: an
	// array). Scopes outside our vocabulary (openid, profile) are dropped.
	for _, name := range []string{"scope", "scp"} {
		list, ok := stringList(claims[name])
		if !ok {
			return fail(ReasonClaims, false, name+" is neither a string nor a list of strings")
		}
		for _, s := range list {
			if scopes.Valid(s) && !slices.Contains(c.scopes, s) {
				c.scopes = append(c.scopes, s)
			}
		}
	}
	orgClaim := o.OrganizationsClaim
	if orgClaim == "" {
		orgClaim = DefaultOrganizationsClaim
	}
	orgs, ok := stringList(claims[orgClaim])
	if !ok {
		return fail(ReasonClaims, false, orgClaim+" is neither a string nor a list of strings")
	}
	for _, id := range orgs {
		if !ValidOrganization(id) {
			return fail(ReasonClaims, false, orgClaim+" holds something that is not an organization ID")
		}
		if !slices.Contains(c.orgs, id) {
			c.orgs = append(c.orgs, id)
		}
	}
	return c, nil
}

// stringList reads a claim that is a space-separated string or a list of
// strings; absent is an empty list.
func stringList(v any) ([]string, bool) {
	switch v := v.(type) {
	case nil:
		return nil, true
	case string:
		return strings.Fields(v), true
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

// MatchesResource reports whether an aud value names resource: equal, or
// equal but for one trailing slash (identity providers differ on it:
// Google trims it, Auth0 keeps it, and clients echo whichever they got).
func MatchesResource(aud, resource string) bool {
	if aud == "" || resource == "" {
		return false
	}
	return aud == resource || strings.TrimSuffix(aud, "/") == strings.TrimSuffix(resource, "/") &&
		(strings.HasSuffix(aud, "/") != strings.HasSuffix(resource, "/"))
}
