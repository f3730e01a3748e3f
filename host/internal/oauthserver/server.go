package oauthserver

import (
	"context"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/hashicorp/go-hclog"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/crypto/bcrypt"

	"github.com/billy-mcp/billy-mcp/host/internal/auth"
	"github.com/billy-mcp/billy-mcp/host/internal/scopes"
)

// OrganizationsClaim is the claim listing a token's organizations: the
// resource server's default (auth.DefaultOrganizationsClaim).
const OrganizationsClaim = auth.DefaultOrganizationsClaim

// The server's paths. The issuer is an origin (no path), so these are
// absolute paths on the host.
const (
	MetadataPath     = "/.well-known/oauth-authorization-server"
	OIDCMetadataPath = "/.well-known/openid-configuration"
	PathPrefix       = "/oauth/"
	registerPath     = "/oauth/register"
	loginPath        = "/oauth/login"
	consentPath      = "/oauth/consent"
	authorizePath    = "/oauth/authorize"
	callbackPath     = "/oauth/authorize/callback"
)

// User is someone who may log in.
type User struct {
	// Name is the principal (the token's sub).
	Name string
	// PasswordHash is a bcrypt hash ($2a$, $2b$ or $2y$).
	PasswordHash string
	// Organizations the user may grant a client (empty: the deployment's
	// own, which the resource server assumes for a token without any).
	Organizations []string
	// Scopes the user holds (roles already expanded).
	Scopes []string
	// RequireTOTP refuses a login without a code even before enrolment.
	RequireTOTP bool
	// Disabled refuses the user's logins and refreshes (store users).
	Disabled bool
}

func (u User) holds(scope string) bool { return scopes.Has(u.Scopes, scope) }

// SecondFactor checks TOTP codes; *mfa.TOTP is one.
type SecondFactor interface {
	Enrolled(ctx context.Context, principal string) (enrolled, confirmed bool, err error)
	Verify(ctx context.Context, principal, code, addr string) error
}

// Limiter is the edge's rate limiter; *httpserver.Limits is one.
type Limiter interface {
	// Take takes a token of key's bucket, or says how long until one.
	Take(ctx context.Context, key string, rate float64, burst int) time.Duration
	// FailedLogin counts a refused credential from ip and says how long
	// the address is blocked (0: not).
	FailedLogin(ctx context.Context, ip string) time.Duration
	// LoginBlocked says how long ip is still blocked.
	LoginBlocked(ip string) time.Duration
}

// Options configure the server.
type Options struct {
	// Issuer is the server's URL: the deployment's origin
	// (https://mcp.example.dk), no path.
	Issuer string
	// Resource is the MCP endpoint's canonical URL, every access token's aud.
	Resource string
	// Seed is 32 secret bytes the signing key is derived from (the same on
	// every instance).
	Seed  []byte
	Users []User
	// FindUser finds a user not in Users (the store's), read at every
	// login, consent and refresh; nil: Users only.
	FindUser func(ctx context.Context, name string) (User, bool, error)
	// Revocations is the shared list of revoked tokens and users, nil
	// while the store is not open; a nil func: nothing is revocable
	// before expiry.
	Revocations func() Revocations
	// State is the store now, nil while it is not open.
	State func() State
	// TOTP checks second factors; nil: no user may have one (a user with
	// RequireTOTP cannot log in).
	TOTP SecondFactor
	// Limiter and ClientIP come from the edge; nil Limiter limits nothing.
	Limiter  Limiter
	ClientIP func(*http.Request) string
	// Token lifetimes.
	AccessTokenTTL, RefreshTokenTTL time.Duration
	// Registration turns dynamic client registration on.
	Registration bool
	// RegistrationsPerMinute per client address (default 10); it also
	// bounds how many client metadata documents one address makes the
	// server fetch.
	RegistrationsPerMinute int
	// Documents configures client ID metadata documents (https client
	// IDs, fetched in place of a registration).
	Documents DocumentOptions
	// BaselineScopes are offered when a client asks for none of ours.
	BaselineScopes []string
	Logger         hclog.Logger
	Now            func() time.Time
}

// Server is the authorization server.
type Server struct {
	opts     Options
	users    map[string]User
	key      *signingKey
	storage  storage
	provider *op.Provider
	docs     *documents // nil: client ID metadata documents are off
	formKey  []byte
	deny     *denylist // nil: no Revocations
	log      hclog.Logger
	handler  http.Handler
}

// New checks the options and builds the server.
func New(o Options) (*Server, error) {
	dummyHash() // made now, so the first login with an unknown name takes no longer than the next
	u, err := url.Parse(o.Issuer)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return nil, fmt.Errorf("the issuer %q must be an origin, https://host[:port], without a path", o.Issuer)
	}
	o.Issuer = strings.TrimSuffix(o.Issuer, "/")
	if o.Resource == "" {
		return nil, errors.New("the resource (the MCP endpoint's canonical URL) is required")
	}
	if len(o.Seed) < 32 {
		return nil, errors.New("the signing seed must be 32 bytes")
	}
	if o.AccessTokenTTL <= 0 {
		o.AccessTokenTTL = time.Hour
	}
	if o.RefreshTokenTTL <= 0 {
		o.RefreshTokenTTL = 30 * 24 * time.Hour
	}
	if o.RegistrationsPerMinute <= 0 {
		o.RegistrationsPerMinute = 10
	}
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	if o.ClientIP == nil {
		o.ClientIP = func(r *http.Request) string { return r.RemoteAddr }
	}
	s := &Server{opts: o, users: map[string]User{}, log: o.Logger}
	for i, u := range o.Users {
		if !auth.ValidPrincipal(u.Name) {
			return nil, fmt.Errorf("user %d: name %q is not 1 to 128 of letters, digits and ._@:+-", i, u.Name)
		}
		if _, dup := s.users[u.Name]; dup {
			return nil, fmt.Errorf("user %q is listed twice", u.Name)
		}
		if _, err := bcrypt.Cost([]byte(u.PasswordHash)); err != nil {
			return nil, fmt.Errorf("user %q: password_bcrypt is not a bcrypt hash (make one with `billy-mcp users hash-password`)", u.Name)
		}
		for _, org := range u.Organizations {
			if !auth.ValidOrganization(org) {
				return nil, fmt.Errorf("user %q: %q is not an organization ID", u.Name, org)
			}
		}
		s.users[u.Name] = u
	}
	seed, err := hkdf.Key(sha256.New, o.Seed, nil, "billy-mcp oauth server signing key", ed25519.SeedSize)
	if err != nil {
		return nil, err
	}
	priv := ed25519.NewKeyFromSeed(seed)
	kidSum := sha256.Sum256(priv.Public().(ed25519.PublicKey))
	s.key = &signingKey{id: hex.EncodeToString(kidSum[:8]), priv: priv}
	if s.formKey, err = hkdf.Key(sha256.New, o.Seed, nil, "billy-mcp oauth server forms", 32); err != nil {
		return nil, err
	}
	cryptoKey, err := hkdf.Key(sha256.New, o.Seed, nil, "billy-mcp oauth server opaque tokens", 32)
	if err != nil {
		return nil, err
	}
	s.storage = storage{s: s}
	if o.Revocations != nil {
		s.deny = &denylist{src: o.Revocations, now: s.now, warn: s.log.Warn, every: revocationRefresh}
	}
	if o.Documents.Enabled {
		s.docs = newDocuments(o.Documents, s.now, o.Logger)
	}
	cfg := &op.Config{
		CodeMethodS256:        true,
		AuthMethodPost:        true,
		GrantTypeRefreshToken: true,
		SupportedScopes:       append([]string{oidc.ScopeOpenID, oidc.ScopeOfflineAccess}, supportedScopes...),
		SupportedClaims:       []string{"sub", "aud", "exp", "iat", "iss", "auth_time", "amr", "scope", OrganizationsClaim},
	}
	copy(cfg.CryptoKey[:], cryptoKey)
	opts := []op.Option{
		op.WithCustomEndpoints(op.NewEndpoint("oauth/authorize"), op.NewEndpoint("oauth/token"), op.NewEndpoint("oauth/userinfo"),
			op.NewEndpoint("oauth/revoke"), op.NewEndpoint("oauth/end_session"), op.NewEndpoint("oauth/keys")),
		op.WithCustomIntrospectionEndpoint(op.NewEndpoint("oauth/introspect")),
		op.WithCustomDeviceAuthorizationEndpoint(op.NewEndpoint("oauth/device_authorization")),
		// The library checks an access token presented for revocation
		// against RS256, ES256 and PS256 unless told: ours are EdDSA.
		op.WithAccessTokenVerifierOpts(op.WithSupportedAccessTokenSigningAlgorithms(string(jose.EdDSA))),
	}
	if u.Scheme == "http" {
		opts = append(opts, op.WithAllowInsecure())
	}
	s.provider, err = op.NewProvider(cfg, s.storage, op.StaticIssuer(o.Issuer), opts...)
	if err != nil {
		return nil, fmt.Errorf("the OpenID provider: %w", err)
	}
	s.handler = s.routes()
	return s, nil
}

// supportedScopes are the scopes of our vocabulary a client may ask for.
var supportedScopes = []string{scopes.BillyRead, scopes.BillyWrite, scopes.BillyApprove, scopes.MomsRead, scopes.MomsFile,
	scopes.AuditRead, scopes.Metrics, scopes.Admin}

// isBillyScope reports whether s is a scope of our vocabulary (what the
// access token's scope claim carries), as opposed to openid or
// offline_access.
func isBillyScope(s string) bool { return s != scopes.All && scopes.Valid(s) }

func (s *Server) now() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now()
	}
	return time.Now()
}

// Issuer is the server's issuer URL.
func (s *Server) Issuer() string { return s.opts.Issuer }

// JWKS is the public key set the server signs with, for the resource
// server in the same process (auth.NewStaticJWKS).
func (s *Server) JWKS() []byte {
	b, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{s.key.jwk()}})
	return b
}

// Handler serves the server's endpoints: the metadata at the two
// well-known paths and everything under /oauth/.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	md := http.HandlerFunc(s.metadata)
	mux.Handle(MetadataPath, md)
	mux.Handle(OIDCMetadataPath, md)
	if s.opts.Registration {
		mux.HandleFunc(registerPath, s.register)
	}
	mux.HandleFunc(loginPath, s.login)
	mux.HandleFunc(consentPath, s.consent)
	mux.Handle(authorizePath, s.checkResource(s.provider))
	mux.Handle(callbackPath, withIss(s.opts.Issuer, s.provider))
	for _, p := range []string{"/oauth/token", "/oauth/revoke", "/oauth/introspect"} {
		mux.Handle(p, s.fetchBudget(s.provider))
	}
	for _, p := range []string{"/oauth/keys", "/oauth/userinfo"} {
		mux.Handle(p, s.provider)
	}
	return noStore(mux)
}

// noStore marks every answer uncacheable (RFC 6749 §5.1 for tokens; the
// pages carry per-request secrets) and framing-proof (clickjacking the
// consent button).
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if w.Header().Get("Cache-Control") == "" {
			w.Header().Set("Cache-Control", "no-store")
		}
		w.Header().Set("X-Frame-Options", "DENY")
		w.Header().Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

// metadata serves RFC 8414 authorization server metadata (the same
// document answers OpenID discovery).
func (s *Server) metadata(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodOptions {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Allow-Methods", "GET, OPTIONS")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD, OPTIONS")
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	ctx := op.ContextWithIssuer(r.Context(), s.opts.Issuer)
	d := op.CreateDiscoveryConfig(ctx, s.provider, s.storage)
	// The library lists endpoints this server does not route.
	d.DeviceAuthorizationEndpoint, d.EndSessionEndpoint, d.CheckSessionIframe = "", "", ""
	// Nor does it take private_key_jwt anywhere, whose algorithms the
	// library lists for introspection and revocation.
	d.IntrospectionEndpointAuthSigningAlgValuesSupported, d.RevocationEndpointAuthSigningAlgValuesSupported = nil, nil
	d.CodeChallengeMethodsSupported = []oidc.CodeChallengeMethod{oidc.CodeChallengeMethodS256}
	d.ResponseTypesSupported = []string{string(oidc.ResponseTypeCode)}
	d.GrantTypesSupported = []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
	if s.opts.Registration {
		d.RegistrationEndpoint = s.opts.Issuer + registerPath
	}
	if s.docs != nil {
		// Such clients are public (PKCE, no secret), hence none among the
		// token endpoint's methods, which clients check before using one.
		d.ClientIDMetadataDocumentSupported = true
		if !slices.Contains(d.TokenEndpointAuthMethodsSupported, oidc.AuthMethodNone) {
			d.TokenEndpointAuthMethodsSupported = append(d.TokenEndpointAuthMethodsSupported, oidc.AuthMethodNone)
		}
	}
	b, err := json.Marshal(d)
	if err != nil {
		http.Error(w, "metadata", http.StatusInternalServerError)
		return
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	// RFC 9207: every authorization response carries iss (withIss).
	m["authorization_response_iss_parameter_supported"] = true
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_ = json.NewEncoder(w).Encode(m)
}

// checkResource refuses an authorization request whose resource
// indicator (RFC 8707) names anything but our MCP endpoint: the token
// would be for us whatever it says, and a client that meant another
// resource must not get it. A request without scope (optional in OAuth
// 2.1, and the library refuses it) asks for the baseline scopes.
func (s *Server) checkResource(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, "invalid_request: the request does not parse", http.StatusBadRequest)
			return
		}
		if id := r.Form.Get("client_id"); isDocumentClientID(id) && !s.checkDocumentClient(w, r, id) {
			return
		}
		for _, res := range r.Form["resource"] {
			if !auth.MatchesResource(res, s.opts.Resource) {
				http.Error(w, fmt.Sprintf("invalid_target: this server issues tokens for %s only", s.opts.Resource), http.StatusBadRequest)
				return
			}
		}
		if strings.TrimSpace(r.Form.Get("scope")) == "" && len(s.opts.BaselineScopes) > 0 {
			r.Form.Set("scope", strings.Join(s.opts.BaselineScopes, " "))
		}
		// The library issues a refresh token only for offline_access,
		// which MCP clients rarely ask for (the TypeScript SDK asks for
		// the scopes the resource names, no more): their users would sign
		// in again every access_token_ttl. A client registered (or
		// described) with the refresh_token grant gets one as if it had
		// asked; refresh tokens rotate on every use.
		if scope := r.Form.Get("scope"); !slices.Contains(strings.Fields(scope), oidc.ScopeOfflineAccess) && s.mayRefresh(r.Context(), r.Form.Get("client_id")) {
			r.Form.Set("scope", strings.TrimSpace(scope+" "+oidc.ScopeOfflineAccess))
		}
		next.ServeHTTP(w, r)
	})
}

// fetchBudget charges a request whose client_id is an https URL with no
// document cached to the address's registration budget, as the
// authorization endpoint does: the library looks the client up (and so
// fetches its document) before it checks anything else, so without this
// anyone could make the host fetch made-up URLs as fast as they can post.
func (s *Server) fetchBudget(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.docs != nil && r.Method == http.MethodPost && r.ParseForm() == nil {
			if id := r.PostForm.Get("client_id"); isDocumentClientID(id) {
				if _, fresh := s.docs.cached(id); !fresh {
					if wait := s.limit(r, "as-register", s.opts.RegistrationsPerMinute); wait > 0 {
						tooMany(w, wait)
						return
					}
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// mayRefresh reports whether a client lists the refresh_token grant.
func (s *Server) mayRefresh(ctx context.Context, clientID string) bool {
	if clientID == "" {
		return false
	}
	c, err := s.storage.GetClientByClientID(ctx, clientID)
	return err == nil && slices.Contains(c.GrantTypes(), oidc.GrantTypeRefreshToken)
}

// checkDocumentClient fetches (or finds cached) the metadata document an
// https client_id names before the library looks the client up, so that a
// bad one is answered with what is wrong with it: the library would say
// only "unable to retrieve client by id". Fetches that miss the cache
// count against the address's registration budget, as a registration
// would.
func (s *Server) checkDocumentClient(w http.ResponseWriter, r *http.Request, id string) bool {
	if s.docs == nil {
		http.Error(w, "invalid_client: this server does not accept client ID metadata documents (a URL as client_id); register the client instead", http.StatusBadRequest)
		return false
	}
	if _, fresh := s.docs.cached(id); !fresh {
		if wait := s.limit(r, "as-register", s.opts.RegistrationsPerMinute); wait > 0 {
			tooMany(w, wait)
			return false
		}
	}
	if _, err := s.docs.get(r.Context(), id); err != nil {
		s.log.Info("client metadata document refused", "client_id", truncate(id, 200), "problem", err.Error())
		http.Error(w, "invalid_client: "+err.Error(), http.StatusBadRequest)
		return false
	}
	return true
}

// withIss adds RFC 9207's iss to the authorization response's redirect,
// so a client talking to several servers can tell whose code it got.
func withIss(issuer string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&issWriter{ResponseWriter: w, issuer: issuer}, r)
	})
}

type issWriter struct {
	http.ResponseWriter
	issuer string
	done   bool
}

func (w *issWriter) WriteHeader(code int) {
	if !w.done && code >= 300 && code < 400 {
		if loc, err := url.Parse(w.Header().Get("Location")); err == nil && loc.IsAbs() {
			q := loc.Query()
			if !q.Has("iss") {
				q.Set("iss", w.issuer)
				loc.RawQuery = q.Encode()
				w.Header().Set("Location", loc.String())
			}
		}
	}
	w.done = true
	w.ResponseWriter.WriteHeader(code)
}

func (w *issWriter) Write(b []byte) (int, error) {
	if !w.done {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// limit takes from the client address's bucket of what, perMinute a
// minute; the wait when empty.
func (s *Server) limit(r *http.Request, what string, perMinute int) time.Duration {
	if s.opts.Limiter == nil || perMinute <= 0 {
		return 0
	}
	return s.opts.Limiter.Take(r.Context(), what+"/"+s.opts.ClientIP(r), float64(perMinute)/60, perMinute)
}

// signingKey is the Ed25519 key tokens are signed with.
type signingKey struct {
	id   string
	priv ed25519.PrivateKey
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.EdDSA }
func (k *signingKey) Algorithm() jose.SignatureAlgorithm          { return jose.EdDSA }
func (k *signingKey) Key() any                                    { return k.priv.Public() }
func (k *signingKey) ID() string                                  { return k.id }
func (k *signingKey) Use() string                                 { return "sig" }
func (k *signingKey) jwk() jose.JSONWebKey {
	return jose.JSONWebKey{Key: k.priv.Public(), KeyID: k.id, Algorithm: string(jose.EdDSA), Use: "sig"}
}

// privateSigningKey is what op.SignerFromKey signs with: the private key
// (the key set publishes the public one).
type privateSigningKey struct{ *signingKey }

func (k privateSigningKey) Key() any { return k.priv }
