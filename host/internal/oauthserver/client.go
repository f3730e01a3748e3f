package oauthserver

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// client is a registered client.
type client struct {
	ID         string    `json:"client_id"`
	SecretHash string    `json:"secret_sha256,omitempty"`
	Name       string    `json:"client_name,omitempty"`
	URI        string    `json:"client_uri,omitempty"`
	Redirects  []string  `json:"redirect_uris"`
	Method     string    `json:"token_endpoint_auth_method"`
	Grants     []string  `json:"grant_types"`
	Created    time.Time `json:"created"`
	loginURL   string
}

var _ op.Client = (*client)(nil)

func (c *client) GetID() string                    { return c.ID }
func (c *client) RedirectURIs() []string           { return c.Redirects }
func (c *client) PostLogoutRedirectURIs() []string { return nil }

// ApplicationType is web for every client: the library then matches
// redirect URIs exactly, loopback ones included (for a native client it
// would accept any port on loopback), and registration already refused
// anything but https and http on loopback.
func (c *client) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (c *client) AuthMethod() oidc.AuthMethod         { return oidc.AuthMethod(c.Method) }
func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *client) GrantTypes() []oidc.GrantType {
	out := make([]oidc.GrantType, 0, len(c.Grants))
	for _, g := range c.Grants {
		out = append(out, oidc.GrantType(g))
	}
	return out
}
func (c *client) LoginURL(id string) string            { return c.loginURL + "?id=" + url.QueryEscape(id) }
func (c *client) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeJWT }
func (c *client) IDTokenLifetime() time.Duration       { return time.Hour }
func (c *client) DevMode() bool                        { return false }
func (c *client) IsScopeAllowed(scope string) bool     { return isBillyScope(scope) }
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return false }
func (c *client) ClockSkew() time.Duration             { return 0 }
func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

// registration is the body of a registration request (RFC 7591 §2): the
// fields this server reads; others are ignored.
type registration struct {
	RedirectURIs            []string `json:"redirect_uris"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
	ClientName              string   `json:"client_name"`
	ClientURI               string   `json:"client_uri"`
}

// Limits on what a registration may hold.
const (
	maxRedirects      = 10
	maxURILength      = 2000
	maxNameLength     = 200
	maxRegistrationSz = 16 << 10
)

// regError answers a registration error (RFC 7591 §3.2.2).
func regError(w http.ResponseWriter, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

// checkRedirect allows https URLs, and http only on loopback (RFC 8252
// §7.3: a native client's local listener); never a fragment, never
// credentials in the URL.
func checkRedirect(raw string) error {
	if len(raw) > maxURILength {
		return fmt.Errorf("a redirect URI is longer than %d characters", maxURILength)
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return fmt.Errorf("redirect URI %q is not an absolute URL", raw)
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return fmt.Errorf("redirect URI %q has a fragment", raw)
	}
	if u.User != nil {
		return fmt.Errorf("redirect URI %q carries credentials", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		h := u.Hostname()
		if h == "localhost" || (net.ParseIP(h) != nil && net.ParseIP(h).IsLoopback()) {
			return nil
		}
		return fmt.Errorf("redirect URI %q is http on a host other than loopback: use https", raw)
	}
	return fmt.Errorf("redirect URI %q is neither https nor http on loopback", raw)
}

// register is dynamic client registration (RFC 7591): public clients
// (token_endpoint_auth_method none, what MCP clients use) and confidential
// ones (client_secret_basic or client_secret_post, the secret returned
// once and kept as a hash).
func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "POST a client's metadata (RFC 7591)", http.StatusMethodNotAllowed)
		return
	}
	if wait := s.limit(r, "as-register", s.opts.RegistrationsPerMinute); wait > 0 {
		tooMany(w, wait)
		return
	}
	var reg registration
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRegistrationSz))
	if err := dec.Decode(&reg); err != nil {
		regError(w, "invalid_client_metadata", "the body is not a JSON object of client metadata")
		return
	}
	if len(reg.RedirectURIs) == 0 || len(reg.RedirectURIs) > maxRedirects {
		regError(w, "invalid_redirect_uri", fmt.Sprintf("redirect_uris must list 1 to %d URIs", maxRedirects))
		return
	}
	for _, u := range reg.RedirectURIs {
		if err := checkRedirect(u); err != nil {
			regError(w, "invalid_redirect_uri", err.Error())
			return
		}
	}
	method := reg.TokenEndpointAuthMethod
	switch method {
	case "":
		method = string(oidc.AuthMethodBasic) // RFC 7591 §2's default
	case string(oidc.AuthMethodNone), string(oidc.AuthMethodBasic), string(oidc.AuthMethodPost):
	default:
		regError(w, "invalid_client_metadata", "token_endpoint_auth_method must be none, client_secret_basic or client_secret_post")
		return
	}
	grants := reg.GrantTypes
	if len(grants) == 0 {
		grants = []string{string(oidc.GrantTypeCode)}
	}
	for _, g := range grants {
		if g != string(oidc.GrantTypeCode) && g != string(oidc.GrantTypeRefreshToken) {
			regError(w, "invalid_client_metadata", "grant_types may hold authorization_code and refresh_token only")
			return
		}
	}
	if !slices.Contains(grants, string(oidc.GrantTypeCode)) {
		grants = append(grants, string(oidc.GrantTypeCode))
	}
	for _, rt := range reg.ResponseTypes {
		if rt != string(oidc.ResponseTypeCode) {
			regError(w, "invalid_client_metadata", "response_types may hold code only")
			return
		}
	}
	if len(reg.ClientName) > maxNameLength || len(reg.ClientURI) > maxURILength || hasControl(reg.ClientName) {
		regError(w, "invalid_client_metadata", fmt.Sprintf("client_name is at most %d printable characters", maxNameLength))
		return
	}
	if reg.ClientURI != "" {
		if u, err := url.Parse(reg.ClientURI); err != nil || (u.Scheme != "https" && u.Scheme != "http") {
			reg.ClientURI = "" // shown on the consent page only as a link: drop anything else
		}
	}
	c := &client{ID: "bmcpc_" + randomID()[:32], Name: reg.ClientName, URI: reg.ClientURI, Redirects: reg.RedirectURIs,
		Method: method, Grants: grants, Created: s.now()}
	var secret string
	if method != string(oidc.AuthMethodNone) {
		secret = randomID()
		c.SecretHash = hashID(secret)
	}
	if err := s.storage.put(r.Context(), kindClient, c.ID, c, c.Created.Add(clientTTL)); err != nil {
		s.log.Error("registering a client failed", "error", err.Error())
		unavailable(w)
		return
	}
	s.log.Info("client registered", "client_id", c.ID, "client_name", c.Name, "redirect_uris", c.Redirects, "auth_method", method)
	resp := map[string]any{
		"client_id": c.ID, "client_id_issued_at": c.Created.Unix(), "redirect_uris": c.Redirects,
		"token_endpoint_auth_method": method, "grant_types": grants, "response_types": []string{"code"},
	}
	if c.Name != "" {
		resp["client_name"] = c.Name
	}
	if secret != "" {
		resp["client_secret"] = secret
		resp["client_secret_expires_at"] = 0
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(resp)
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f })
}

func unavailable(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "5")
	http.Error(w, "the authorization server cannot reach its store; try again shortly", http.StatusServiceUnavailable)
}

func tooMany(w http.ResponseWriter, wait time.Duration) {
	secs := int((wait + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", fmt.Sprint(max(secs, 1)))
	http.Error(w, "too many requests from this address; try again later", http.StatusTooManyRequests)
}
