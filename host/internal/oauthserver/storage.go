package oauthserver

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// State is where the server keeps what it must remember between requests;
// *store.Store is one.
type State interface {
	PutOAuth(ctx context.Context, kind, id string, data []byte, expires time.Time) error
	GetOAuth(ctx context.Context, kind, id string) ([]byte, error)
	TakeOAuth(ctx context.Context, kind, id string) ([]byte, error)
	DeleteOAuth(ctx context.Context, kind, id string) error
}

// The kinds of state (the store's oauth_state.kind).
const (
	kindClient  = "client"
	kindRequest = "request"
	kindCode    = "code"
	kindRefresh = "refresh"
)

// How long what is remembered lives.
const (
	// requestTTL bounds a login: from the client's redirect to the code.
	requestTTL = 15 * time.Minute
	// codeTTL bounds a code's redemption (RFC 6749 §4.1.2: at most 10 min).
	codeTTL = time.Minute
	// clientTTL: a registered client unused this long is forgotten (Claude
	// registers one per connection); each token issued with a refresh
	// token renews it.
	clientTTL = 90 * 24 * time.Hour
)

var errNoStore = errors.New("the store is not open: the authorization server cannot remember logins")

// authRequest is one authorization request, from /oauth/authorize to the
// token. The login fills Subject, the consent Scopes and Organizations.
type authRequest struct {
	ID                  string    `json:"id"`
	ClientID            string    `json:"client_id"`
	RedirectURI         string    `json:"redirect_uri"`
	State               string    `json:"state,omitempty"`
	Nonce               string    `json:"nonce,omitempty"`
	ResponseType        string    `json:"response_type"`
	ResponseMode        string    `json:"response_mode,omitempty"`
	Requested           []string  `json:"requested"`
	Scopes              []string  `json:"scopes"`
	CodeChallenge       string    `json:"code_challenge"`
	CodeChallengeMethod string    `json:"code_challenge_method"`
	Created             time.Time `json:"created"`
	// Browser is the SHA-256 of the login page's cookie: consent is given
	// only from the browser that logged in.
	Browser       string    `json:"browser,omitempty"`
	Subject       string    `json:"subject,omitempty"`
	AuthTime      time.Time `json:"auth_time,omitzero"`
	AMR           []string  `json:"amr,omitempty"`
	Organizations []string  `json:"organizations,omitempty"`
	Consented     bool      `json:"consented,omitempty"`
	// Coded says a code was issued: the callback issues one only once.
	Coded    bool   `json:"coded,omitempty"`
	resource string // set by the server before tokens are made
}

func (a *authRequest) GetID() string          { return a.ID }
func (a *authRequest) GetACR() string         { return "" }
func (a *authRequest) GetAMR() []string       { return a.AMR }
func (a *authRequest) GetAudience() []string  { return audience(a.resource, a.ClientID, a.Scopes) }
func (a *authRequest) GetAuthTime() time.Time { return a.AuthTime }
func (a *authRequest) GetClientID() string    { return a.ClientID }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	return &oidc.CodeChallenge{Challenge: a.CodeChallenge, Method: oidc.CodeChallengeMethod(a.CodeChallengeMethod)}
}
func (a *authRequest) GetNonce() string                   { return a.Nonce }
func (a *authRequest) GetRedirectURI() string             { return a.RedirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType { return oidc.ResponseType(a.ResponseType) }
func (a *authRequest) GetResponseMode() oidc.ResponseMode { return oidc.ResponseMode(a.ResponseMode) }
func (a *authRequest) GetScopes() []string                { return a.Scopes }
func (a *authRequest) GetState() string                   { return a.State }
func (a *authRequest) GetSubject() string                 { return a.Subject }
func (a *authRequest) Done() bool                         { return a.Subject != "" && a.Consented }
func (a *authRequest) organizations() []string            { return a.Organizations }

// audience is a token's aud: the MCP endpoint (RFC 8707: the token is for
// it and nothing else), and the client too when it asked for an ID token,
// whose aud must name it (OpenID Connect Core §2).
func audience(resource, clientID string, granted []string) []string {
	aud := []string{resource}
	if slices.Contains(granted, oidc.ScopeOpenID) {
		aud = append(aud, clientID)
	}
	return aud
}

// refreshGrant is what a refresh token stands for.
type refreshGrant struct {
	ID            string    `json:"id"`
	ClientID      string    `json:"client_id"`
	Subject       string    `json:"subject"`
	Scopes        []string  `json:"scopes"`
	Organizations []string  `json:"organizations,omitempty"`
	AuthTime      time.Time `json:"auth_time"`
	AMR           []string  `json:"amr,omitempty"`
	Expires       time.Time `json:"expires"`
	// Issued is when this refresh token was issued: a user revoked since
	// loses it. (Zero in grants from before it was kept: AuthTime, no
	// later, stands in.)
	Issued   time.Time `json:"issued,omitzero"`
	resource string
}

func (g *refreshGrant) GetAMR() []string                 { return g.AMR }
func (g *refreshGrant) GetAudience() []string            { return audience(g.resource, g.ClientID, g.Scopes) }
func (g *refreshGrant) GetAuthTime() time.Time           { return g.AuthTime }
func (g *refreshGrant) GetClientID() string              { return g.ClientID }
func (g *refreshGrant) GetScopes() []string              { return g.Scopes }
func (g *refreshGrant) GetSubject() string               { return g.Subject }
func (g *refreshGrant) SetCurrentScopes(scopes []string) { g.Scopes = scopes }
func (g *refreshGrant) organizations() []string          { return g.Organizations }

// storage is zitadel/oidc's op.Storage over State.
type storage struct{ s *Server }

var _ op.Storage = storage{}
var _ op.CanGetPrivateClaimsFromRequest = storage{}

func (st storage) state() (State, error) {
	if st.s.opts.State == nil {
		return nil, errNoStore
	}
	s := st.s.opts.State()
	if s == nil {
		return nil, errNoStore
	}
	return s, nil
}

func (st storage) put(ctx context.Context, kind, id string, v any, expires time.Time) error {
	s, err := st.state()
	if err != nil {
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.PutOAuth(ctx, kind, id, b, expires)
}

// get reads kind/id into v; false when there is none.
func (st storage) get(ctx context.Context, kind, id string, v any, take bool) (bool, error) {
	s, err := st.state()
	if err != nil {
		return false, err
	}
	var b []byte
	if take {
		b, err = s.TakeOAuth(ctx, kind, id)
	} else {
		b, err = s.GetOAuth(ctx, kind, id)
	}
	if err != nil || b == nil {
		return false, err
	}
	return true, json.Unmarshal(b, v)
}

// randomID is 256 random bits, URL-safe.
func randomID() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// hashID is how a secret (a code, a refresh token, a client secret) is
// kept: its SHA-256, so the store never holds one that works.
func hashID(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

type notFound struct{ what string }

func (e notFound) Error() string { return e.what + " not found or expired" }
func (notFound) IsNotFound()     {}

// CreateAuthRequest keeps a validated authorization request. PKCE with
// S256 is required of every client (OAuth 2.1): the library accepts a
// request without a challenge, or with plain, and this refuses both.
func (st storage) CreateAuthRequest(ctx context.Context, r *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	if r.CodeChallenge == "" {
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge is required (PKCE with S256)")
	}
	if r.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge_method must be S256")
	}
	if r.ResponseType != oidc.ResponseTypeCode {
		return nil, oidc.ErrInvalidRequest().WithDescription("only response_type code is supported")
	}
	a := &authRequest{ID: randomID(), ClientID: r.ClientID, RedirectURI: r.RedirectURI, State: r.State, Nonce: r.Nonce,
		ResponseType: string(r.ResponseType), ResponseMode: string(r.ResponseMode), Requested: slices.Clone(r.Scopes),
		CodeChallenge: r.CodeChallenge, CodeChallengeMethod: string(r.CodeChallengeMethod), Created: st.s.now()}
	if err := st.put(ctx, kindRequest, a.ID, a, a.Created.Add(requestTTL)); err != nil {
		return nil, err
	}
	a.resource = st.s.opts.Resource
	return a, nil
}

func (st storage) request(ctx context.Context, id string) (*authRequest, error) {
	var a authRequest
	ok, err := st.get(ctx, kindRequest, id, &a, false)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFound{"authorization request"}
	}
	a.resource = st.s.opts.Resource
	return &a, nil
}

func (st storage) saveRequest(ctx context.Context, a *authRequest) error {
	return st.put(ctx, kindRequest, a.ID, a, a.Created.Add(requestTTL))
}

func (st storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	return st.request(ctx, id)
}

// AuthRequestByCode redeems a code: it is taken from the store, so a
// second redemption (a replay, or two racing requests) finds nothing.
func (st storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	var id string
	ok, err := st.get(ctx, kindCode, hashID(code), &id, true)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFound{"code"}
	}
	return st.request(ctx, id)
}

// SaveAuthCode keeps a code for a finished request, once: the callback
// hit again does not mint a second code.
func (st storage) SaveAuthCode(ctx context.Context, id, code string) error {
	a, err := st.request(ctx, id)
	if err != nil {
		return err
	}
	if a.Coded {
		return oidc.ErrInvalidRequest().WithDescription("a code was issued for this request already")
	}
	a.Coded = true
	if err := st.saveRequest(ctx, a); err != nil {
		return err
	}
	return st.put(ctx, kindCode, hashID(code), id, st.s.now().Add(codeTTL))
}

func (st storage) DeleteAuthRequest(ctx context.Context, id string) error {
	s, err := st.state()
	if err != nil {
		return err
	}
	return s.DeleteOAuth(ctx, kindRequest, id)
}

func (st storage) CreateAccessToken(_ context.Context, _ op.TokenRequest) (string, time.Time, error) {
	return randomID(), st.s.now().Add(st.s.opts.AccessTokenTTL), nil
}

// CreateAccessAndRefreshTokens issues a refresh token with the access
// token; the one presented (a refresh) was already taken from the store.
func (st storage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, _ string) (string, string, time.Time, error) {
	g := &refreshGrant{ID: randomID(), Subject: req.GetSubject(), Scopes: req.GetScopes()}
	switch r := req.(type) {
	case *authRequest:
		g.ClientID, g.Organizations, g.AuthTime, g.AMR = r.ClientID, r.Organizations, r.AuthTime, r.AMR
	case *refreshGrant:
		g.ClientID, g.Organizations, g.AuthTime, g.AMR = r.ClientID, r.Organizations, r.AuthTime, r.AMR
	default:
		return "", "", time.Time{}, fmt.Errorf("a refresh token for a %T", req)
	}
	now := st.s.now()
	// A client in use is kept: its registration lives clientTTL from its
	// last token with a refresh token.
	var c client
	if ok, err := st.get(ctx, kindClient, g.ClientID, &c, false); err != nil {
		return "", "", time.Time{}, err
	} else if ok {
		if err := st.put(ctx, kindClient, c.ID, &c, now.Add(clientTTL)); err != nil {
			return "", "", time.Time{}, err
		}
	}
	g.Expires, g.Issued = now.Add(st.s.opts.RefreshTokenTTL), now
	token := randomID()
	if err := st.put(ctx, kindRefresh, hashID(token), g, g.Expires); err != nil {
		return "", "", time.Time{}, err
	}
	return randomID(), token, now.Add(st.s.opts.AccessTokenTTL), nil
}

// TokenRequestByRefreshToken redeems a refresh token (taken: rotation,
// and a stolen one works once at most), re-checking the grant against the
// user as configured (or stored) now: a user removed or disabled, revoked
// since the token was issued, or stripped of a scope or an organization,
// loses it at the next refresh.
func (st storage) TokenRequestByRefreshToken(ctx context.Context, token string) (op.RefreshTokenRequest, error) {
	var g refreshGrant
	ok, err := st.get(ctx, kindRefresh, hashID(token), &g, true)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, op.ErrInvalidRefreshToken
	}
	u, ok, err := st.s.user(ctx, g.Subject)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, op.ErrInvalidRefreshToken
	}
	issued := g.Issued
	if issued.IsZero() {
		issued = g.AuthTime
	}
	if revoked, err := st.s.userRevokedAfter(ctx, g.Subject, issued); err != nil {
		return nil, err
	} else if revoked {
		return nil, op.ErrInvalidRefreshToken
	}
	g.Scopes = slices.DeleteFunc(g.Scopes, func(s string) bool { return isBillyScope(s) && !u.holds(s) })
	g.Organizations = slices.DeleteFunc(g.Organizations, func(o string) bool { return !slices.Contains(u.Organizations, o) })
	g.resource = st.s.opts.Resource
	return &g, nil
}

func (st storage) TerminateSession(context.Context, string, string) error { return nil }

// refreshPrefix marks the token ID GetRefreshTokenInfo hands the library
// for RevokeToken: the refresh token's key in the store.
const refreshPrefix = "refresh:"

// RevokeToken revokes a token (RFC 7009). The library passes a refresh
// token as the ID GetRefreshTokenInfo gave it, and an access token (a JWT
// it has verified: our signature, not expired) as its jti with the
// subject set. A refresh token is deleted; an access token's jti joins
// the revocation list, which every instance's resource server checks,
// until the token has surely expired. Anything else is unknown, which
// RFC 7009 §2.2 says is not an error.
func (st storage) RevokeToken(ctx context.Context, token, subject, clientID string) *oidc.Error {
	if key, ok := strings.CutPrefix(token, refreshPrefix); ok {
		var g refreshGrant
		ok, err := st.get(ctx, kindRefresh, key, &g, false)
		if err != nil {
			return oidc.ErrServerError()
		}
		if !ok {
			return nil
		}
		if g.ClientID != clientID {
			return oidc.ErrInvalidClient().WithDescription("the token was not issued to this client")
		}
		s, err := st.state()
		if err == nil {
			err = s.DeleteOAuth(ctx, kindRefresh, key)
		}
		if err != nil {
			return oidc.ErrServerError()
		}
		st.s.log.Info("refresh token revoked", "user", g.Subject, "client_id", clientID)
		return nil
	}
	if subject == "" || token == "" {
		return nil
	}
	if st.s.deny == nil {
		return &oidc.Error{ErrorType: "unsupported_token_type", Description: "this server does not revoke access tokens (no store)"}
	}
	// Whoever holds an access token may revoke it: it is theirs to use
	// anyway. Its exp is not passed on; it is at most AccessTokenTTL away.
	now := st.s.now()
	if err := st.s.revoke(ctx, Revocation{Kind: RevokedToken, ID: token, At: now,
		Expires: now.Add(st.s.opts.AccessTokenTTL + revocationSlack)}); err != nil {
		st.s.log.Error("revoking an access token failed", "error", err.Error())
		return oidc.ErrServerError().WithDescription("the token could not be revoked; try again")
	}
	st.s.log.Info("access token revoked", "user", subject, "client_id", clientID)
	return nil
}

// GetRefreshTokenInfo identifies a refresh token for RevokeToken. A
// refresh token of another client is identified too, so that RevokeToken
// answers invalid_client (RFC 7009 §2.1) rather than pretending to have
// revoked it.
func (st storage) GetRefreshTokenInfo(ctx context.Context, clientID, token string) (string, string, error) {
	var g refreshGrant
	ok, err := st.get(ctx, kindRefresh, hashID(token), &g, false)
	if err != nil {
		return "", "", err
	}
	if !ok {
		return "", "", op.ErrInvalidRefreshToken
	}
	return g.Subject, refreshPrefix + hashID(token), nil
}

func (st storage) SigningKey(context.Context) (op.SigningKey, error) {
	return privateSigningKey{st.s.key}, nil
}
func (st storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.EdDSA}, nil
}
func (st storage) KeySet(context.Context) ([]op.Key, error) { return []op.Key{st.s.key}, nil }

// GetClientByClientID finds a registered client, or the one an https
// client_id's metadata document describes (cimd.go).
func (st storage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	if st.s.docs != nil && isDocumentClientID(id) {
		c, err := st.s.docs.get(ctx, id)
		if err != nil {
			return nil, err
		}
		cc := *c
		cc.loginURL = st.s.opts.Issuer + loginPath
		return &cc, nil
	}
	var c client
	ok, err := st.get(ctx, kindClient, id, &c, false)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFound{"client"}
	}
	c.loginURL = st.s.opts.Issuer + loginPath
	return &c, nil
}

// AuthorizeClientIDSecret checks a confidential client's secret.
func (st storage) AuthorizeClientIDSecret(ctx context.Context, id, secret string) error {
	var c client
	ok, err := st.get(ctx, kindClient, id, &c, false)
	if err != nil {
		return err
	}
	if !ok || c.SecretHash == "" || subtle.ConstantTimeCompare([]byte(c.SecretHash), []byte(hashID(secret))) != 1 {
		return oidc.ErrInvalidClient().WithDescription("unknown client or wrong secret")
	}
	return nil
}

func (st storage) SetUserinfoFromScopes(_ context.Context, info *oidc.UserInfo, userID, _ string, _ []string) error {
	info.Subject = userID
	return nil
}

func (st storage) SetUserinfoFromToken(_ context.Context, info *oidc.UserInfo, _, subject, _ string) error {
	info.Subject = subject
	return nil
}

// errInactive makes the library answer an introspection {"active":
// false}: it sets active itself unless SetIntrospectionFromToken fails.
var errInactive = errors.New("the token is revoked or its user is gone")

// SetIntrospectionFromToken answers RFC 7662 for a token the library
// verified (signature, exp): inactive when it was revoked, or its user is
// gone, disabled, or revoked within the access token lifetime (the library
// passes the jti and subject, not iat, so a user's revocation makes even
// tokens issued after it inactive here until access_token_ttl has passed:
// the cautious answer; the resource server itself checks iat).
func (st storage) SetIntrospectionFromToken(ctx context.Context, r *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	if st.s.deny != nil {
		snap := st.s.deny.current(ctx)
		if _, revoked := snap.tokens[tokenID]; revoked {
			return errInactive
		}
		if at, ok := snap.principals[subject]; ok && at.After(st.s.now().Add(-st.s.opts.AccessTokenTTL-revocationSlack)) {
			return errInactive
		}
	}
	if _, ok, err := st.s.user(ctx, subject); err != nil {
		return err
	} else if !ok {
		return errInactive
	}
	r.Subject = subject
	r.ClientID = clientID
	return nil
}

func (st storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

// GetPrivateClaimsFromRequest puts what consent granted into the access
// token: the scopes of our vocabulary (scope) and the organizations
// (billy_orgs), which the resource server reads.
func (st storage) GetPrivateClaimsFromRequest(_ context.Context, req op.TokenRequest, _ []string) (map[string]any, error) {
	claims := map[string]any{}
	var granted []string
	for _, s := range req.GetScopes() {
		if isBillyScope(s) {
			granted = append(granted, s)
		}
	}
	claims["scope"] = oidc.SpaceDelimitedArray(granted).String()
	if o, ok := req.(interface{ organizations() []string }); ok && len(o.organizations()) > 0 {
		claims[OrganizationsClaim] = o.organizations()
	}
	return claims, nil
}

func (st storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("private_key_jwt is not supported")
}

func (st storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("the JWT profile grant is not supported")
}

func (st storage) Health(context.Context) error {
	_, err := st.state()
	return err
}
