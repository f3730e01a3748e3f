package oauthserver

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/bcrypt"

	"github.com/billy-mcp/billy-mcp/host/internal/auth"
	"github.com/billy-mcp/billy-mcp/host/internal/mfa"
	"github.com/billy-mcp/billy-mcp/host/internal/store"
)

const (
	testResource = "https://mcp.example.dk/mcp"
	redirect     = "http://127.0.0.1:33418/oauth/callback"
)

// fakeTOTP stands in for package mfa (tested with real codes there):
// anna is enrolled and her code is 123456.
type fakeTOTP struct{}

func (fakeTOTP) Enrolled(_ context.Context, p string) (bool, bool, error) {
	return p == "anna", p == "anna", nil
}
func (fakeTOTP) Verify(_ context.Context, p, code, _ string) error {
	if p != "anna" {
		return mfa.ErrNotEnrolled
	}
	if code != "123456" {
		return mfa.ErrInvalidCode
	}
	return nil
}

// countingLimiter records failed logins and never limits.
type countingLimiter struct {
	mu     sync.Mutex
	failed int
}

func (l *countingLimiter) Take(context.Context, string, float64, int) time.Duration { return 0 }
func (l *countingLimiter) FailedLogin(context.Context, string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failed++
	return 0
}
func (l *countingLimiter) LoginBlocked(string) time.Duration { return 0 }

type fixture struct {
	t      *testing.T
	srv    *Server
	ts     *httptest.Server
	lim    *countingLimiter
	authn  *auth.Authenticator
	client string
}

func hash(t *testing.T, pw string) string {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := store.Open(context.Background(), store.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	f := &fixture{t: t, lim: &countingLimiter{}}
	f.ts = httptest.NewUnstartedServer(nil)
	issuer := "http://" + f.ts.Listener.Addr().String()
	f.srv, err = New(Options{
		Issuer: issuer, Resource: testResource, Seed: make([]byte, 32),
		Users: []User{
			{Name: "bo", PasswordHash: hash(t, "bo-password"), Organizations: []string{"org-a", "org-b"}, Scopes: []string{"billy:write"}},
			{Name: "anna", PasswordHash: hash(t, "anna-password"), Scopes: []string{"admin"}},
		},
		State: func() State { return st }, TOTP: fakeTOTP{}, Limiter: f.lim, Registration: true,
		BaselineScopes: []string{"billy:read"},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.ts.Config.Handler = f.srv.Handler()
	f.ts.Start()
	t.Cleanup(f.ts.Close)
	keys, err := auth.NewStaticJWKS(f.srv.JWKS())
	if err != nil {
		t.Fatal(err)
	}
	f.authn, err = auth.New(auth.Options{OAuth: &auth.OAuth{Issuer: issuer, Resource: testResource, Keys: keys}, DefaultOrganization: "org-default"})
	if err != nil {
		t.Fatal(err)
	}
	f.client = f.register(map[string]any{"redirect_uris": []string{redirect}, "token_endpoint_auth_method": "none",
		"grant_types": []string{"authorization_code", "refresh_token"}, "client_name": "Test client"})["client_id"].(string)
	return f
}

func (f *fixture) register(body map[string]any) map[string]any {
	f.t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(f.ts.URL+"/oauth/register", "application/json", strings.NewReader(string(b)))
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	out["status"] = float64(resp.StatusCode)
	return out
}

// browser is a user agent that stops at redirects, as a test must to see
// them.
func (f *fixture) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

const verifier = "a-verifier-of-enough-length-0123456789-abcdefghijklmnop"

func (f *fixture) authorizeURL(mod func(url.Values)) string {
	q := url.Values{"response_type": {"code"}, "client_id": {f.client}, "redirect_uri": {redirect}, "state": {"st4te"},
		"scope": {"billy:read billy:write offline_access"}, "code_challenge": {challenge(verifier)}, "code_challenge_method": {"S256"},
		"resource": {testResource}}
	if mod != nil {
		mod(q)
	}
	return f.ts.URL + "/oauth/authorize?" + q.Encode()
}

var hidden = regexp.MustCompile(`name="(id|csrf)" value="([^"]+)"`)

func formFields(t *testing.T, body string) url.Values {
	t.Helper()
	v := url.Values{}
	for _, m := range hidden.FindAllStringSubmatch(body, -1) {
		v.Set(m[1], m[2])
	}
	if v.Get("id") == "" || v.Get("csrf") == "" {
		t.Fatalf("no form in %s", body)
	}
	return v
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func post(t *testing.T, c *http.Client, u string, v url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(u, v)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// loginAndConsent drives the pages as a user would and returns the
// redirect to the client: its code, state and iss.
func (f *fixture) loginAndConsent(c *http.Client, authorize, user, password, code string, consent url.Values) url.Values {
	t := f.t
	t.Helper()
	resp, _ := get(t, c, authorize)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	loginURL := resp.Header.Get("Location")
	resp, body := get(t, c, loginURL)
	if resp.StatusCode != 200 {
		t.Fatalf("login page: %d %s", resp.StatusCode, body)
	}
	v := formFields(t, body)
	v.Set("username", user)
	v.Set("password", password)
	v.Set("code", code)
	resp, body = post(t, c, f.ts.URL+"/oauth/login", v)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
	resp, body = get(t, c, f.ts.URL+resp.Header.Get("Location"))
	if resp.StatusCode != 200 {
		t.Fatalf("consent page: %d %s", resp.StatusCode, body)
	}
	v = formFields(t, body)
	for k, vs := range consent {
		v[k] = vs
	}
	resp, body = post(t, c, f.ts.URL+"/oauth/consent", v)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("consent: %d %s", resp.StatusCode, body)
	}
	resp, _ = get(t, c, resp.Header.Get("Location"))
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc.String(), redirect) {
		t.Fatalf("callback: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query()
}

func (f *fixture) token(v url.Values) (int, map[string]any) {
	f.t.Helper()
	resp, err := http.PostForm(f.ts.URL+"/oauth/token", v)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func (f *fixture) exchange(code, verifier string) (int, map[string]any) {
	return f.token(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect},
		"client_id": {f.client}, "code_verifier": {verifier}, "resource": {testResource}})
}

// The whole flow: metadata, registration, PKCE, login, consent, code,
// token; the token is accepted by the resource server with what consent
// granted (scopes and organizations), and only that.
func TestFlow(t *testing.T) {
	f := newFixture(t)
	resp, body := get(t, http.DefaultClient, f.ts.URL+MetadataPath)
	var md map[string]any
	if err := json.Unmarshal([]byte(body), &md); err != nil || resp.StatusCode != 200 {
		t.Fatalf("metadata: %d %s", resp.StatusCode, body)
	}
	for k, want := range map[string]any{
		"issuer": f.ts.URL, "authorization_endpoint": f.ts.URL + "/oauth/authorize", "token_endpoint": f.ts.URL + "/oauth/token",
		"registration_endpoint": f.ts.URL + "/oauth/register", "jwks_uri": f.ts.URL + "/oauth/keys",
		"code_challenge_methods_supported": []any{"S256"}, "authorization_response_iss_parameter_supported": true,
		"response_types_supported": []any{"code"},
	} {
		if diff := cmp.Diff(want, md[k]); diff != "" {
			t.Errorf("metadata %s (-want +got):\n%s", k, diff)
		}
	}
	for _, k := range []string{"introspection_endpoint_auth_signing_alg_values_supported", "revocation_endpoint_auth_signing_alg_values_supported",
		"device_authorization_endpoint", "end_session_endpoint"} {
		if v, ok := md[k]; ok {
			t.Errorf("metadata %s = %v: nothing here serves it", k, v)
		}
	}
	if m, ok := md["token_endpoint_auth_methods_supported"].([]any); !ok || !slices.Contains(m, any("none")) {
		t.Errorf("token_endpoint_auth_methods_supported %v lacks none", md["token_endpoint_auth_methods_supported"])
	}

	c := f.browser()
	// bo holds billy:write (which covers billy:read) on org-a and org-b;
	// he allows billy:read only, on org-b only.
	q := f.loginAndConsent(c, f.authorizeURL(nil), "bo", "bo-password", "",
		url.Values{"action": {"allow"}, "scope": {"billy:read"}, "organization": {"org-b"}})
	if q.Get("state") != "st4te" || q.Get("iss") != f.ts.URL || q.Get("code") == "" {
		t.Fatalf("callback query %v", q)
	}
	status, tok := f.exchange(q.Get("code"), verifier)
	if status != 200 {
		t.Fatalf("token: %d %v", status, tok)
	}
	access, _ := tok["access_token"].(string)
	req := httptest.NewRequest("POST", "/mcp", nil)
	caller, fail := f.authn.Verify(req, access)
	if fail != nil {
		t.Fatalf("the resource server refused the token: %+v", fail)
	}
	if diff := cmp.Diff([]string{"billy:read"}, caller.Scopes); diff != "" {
		t.Errorf("scopes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"org-b"}, caller.Organizations); diff != "" {
		t.Errorf("organizations (-want +got):\n%s", diff)
	}
	if caller.Subject != "bo" || caller.OrganizationID != "org-b" {
		t.Errorf("caller %+v", caller)
	}
	// The audience is the MCP endpoint: a resource server for another URL
	// refuses the token.
	other, _ := auth.NewStaticJWKS(f.srv.JWKS())
	elsewhere, _ := auth.New(auth.Options{OAuth: &auth.OAuth{Issuer: f.ts.URL, Resource: "https://other.example/mcp", Keys: other}})
	if _, fail := elsewhere.Verify(req, access); fail == nil {
		t.Error("a resource server at another URL accepted the token")
	}

	// The code works once.
	if status, out := f.exchange(q.Get("code"), verifier); status != 400 || out["error"] != "invalid_grant" {
		t.Errorf("code reused: %d %v", status, out)
	}

	// The refresh token is rotated: the new one works, the old one no more.
	refresh, _ := tok["refresh_token"].(string)
	if refresh == "" {
		t.Fatal("no refresh token with offline_access")
	}
	status, tok2 := f.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {f.client}})
	if status != 200 || tok2["refresh_token"] == refresh {
		t.Fatalf("refresh: %d %v", status, tok2)
	}
	if c2, fail := f.authn.Verify(req, tok2["access_token"].(string)); fail != nil || !slices.Equal(c2.Organizations, []string{"org-b"}) {
		t.Errorf("refreshed token: %+v %+v", c2, fail)
	}
	if status, out := f.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {f.client}}); status == 200 {
		t.Errorf("old refresh token worked again: %v", out)
	}
}

// PKCE is required, with S256: a request without a challenge or with
// plain is refused, and a code is redeemed only with its verifier.
func TestPKCE(t *testing.T) {
	f := newFixture(t)
	c := f.browser()
	for name, mod := range map[string]func(url.Values){
		"missing challenge": func(q url.Values) { q.Del("code_challenge"); q.Del("code_challenge_method") },
		"plain":             func(q url.Values) { q.Set("code_challenge", verifier); q.Set("code_challenge_method", "plain") },
		"no method":         func(q url.Values) { q.Del("code_challenge_method") },
	} {
		resp, body := get(t, c, f.authorizeURL(mod))
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if loc == nil || loc.Query().Get("error") != "invalid_request" || strings.Contains(loc.Path, "login") {
			t.Errorf("%s: %d %s %s", name, resp.StatusCode, resp.Header.Get("Location"), body)
		}
	}
	for name, v := range map[string]string{"missing verifier": "", "wrong verifier": verifier + "x"} {
		q := f.loginAndConsent(c, f.authorizeURL(nil), "bo", "bo-password", "", url.Values{"action": {"allow"}, "scope": {"billy:read"}, "organization": {"org-a"}})
		if status, out := f.exchange(q.Get("code"), v); status != 400 || (out["error"] != "invalid_grant" && out["error"] != "invalid_request") {
			t.Errorf("%s: %d %v", name, status, out)
		}
	}
}

// Redirect URIs match exactly: another port, path or query is refused
// before any login page, and registration accepts only https and http on
// loopback.
func TestRedirectURIs(t *testing.T) {
	f := newFixture(t)
	c := f.browser()
	for _, uri := range []string{
		"http://127.0.0.1:33419/oauth/callback", "http://127.0.0.1:33418/oauth/callback/", "http://127.0.0.1:33418/oauth/callback?x=1",
		"http://localhost:33418/oauth/callback", "https://evil.example/oauth/callback",
	} {
		resp, body := get(t, c, f.authorizeURL(func(q url.Values) { q.Set("redirect_uri", uri) }))
		if resp.StatusCode == http.StatusFound && strings.HasPrefix(resp.Header.Get("Location"), strings.Split(uri, "?")[0]) {
			t.Errorf("%s: redirected there: %s", uri, resp.Header.Get("Location"))
		}
		if strings.Contains(resp.Header.Get("Location"), "/oauth/login") {
			t.Errorf("%s: reached the login page", uri)
		}
		_ = body
	}
	for uri, ok := range map[string]bool{
		"https://claude.ai/api/mcp/auth_callback": true, "http://localhost:8976/cb": true, "http://[::1]:9/cb": true,
		"http://example.com/cb": false, "javascript:alert(1)": false, "https://a.example/cb#frag": false,
		"https://user:pw@a.example/cb": false, "myapp:/cb": false,
	} {
		out := f.register(map[string]any{"redirect_uris": []string{uri}, "token_endpoint_auth_method": "none"})
		if got := out["status"] == float64(201); got != ok {
			t.Errorf("register %s: %v", uri, out)
		}
	}
}

// A resource indicator for another server is refused.
func TestResourceIndicator(t *testing.T) {
	f := newFixture(t)
	resp, _ := get(t, f.browser(), f.authorizeURL(func(q url.Values) { q.Set("resource", "https://other.example/mcp") }))
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("another resource: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Without scope (optional in OAuth 2.1) the request asks for the
	// baseline, and consent offers it.
	c := f.browser()
	resp, _ = get(t, c, f.authorizeURL(func(q url.Values) { q.Del("scope") }))
	if !strings.Contains(resp.Header.Get("Location"), "/oauth/login") {
		t.Fatalf("no scope: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// The login: a wrong password or a missing or wrong code is refused and
// counted; a form without the browser's cookie (CSRF) is refused; consent
// only from the browser that logged in; anna (enrolled) logs in with her
// code and her token says so (amr is not checked here: the resource
// server does not read it).
func TestLogin(t *testing.T) {
	f := newFixture(t)
	c := f.browser()
	resp, _ := get(t, c, f.authorizeURL(nil))
	loginURL := resp.Header.Get("Location")
	_, body := get(t, c, loginURL)
	v := formFields(t, body)
	try := func(c *http.Client, user, pw, code string) int {
		w := url.Values{"id": v["id"], "csrf": v["csrf"], "username": {user}, "password": {pw}, "code": {code}}
		resp, _ := post(t, c, f.ts.URL+"/oauth/login", w)
		return resp.StatusCode
	}
	cases := []struct {
		name           string
		user, pw, code string
		want           int
	}{
		{"wrong password", "bo", "nope", "", 401},
		{"no such user", "eve", "bo-password", "", 401},
		{"enrolled, no code", "anna", "anna-password", "", 401},
		{"enrolled, wrong code", "anna", "anna-password", "000000", 401},
	}
	for _, tc := range cases {
		if got := try(c, tc.user, tc.pw, tc.code); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	if f.lim.failed != 3 {
		t.Errorf("failed logins counted %d, want 3 (wrong password, no such user, wrong code)", f.lim.failed)
	}
	// Another browser (no cookie) posting the same form: refused.
	if got := try(f.browser(), "bo", "bo-password", ""); got != http.StatusForbidden {
		t.Errorf("form from another browser: %d", got)
	}
	if got := try(c, "anna", "anna-password", "123456"); got != http.StatusSeeOther {
		t.Fatalf("anna with her code: %d", got)
	}
	// The consent page in another browser: refused.
	resp, _ = get(t, f.browser(), f.ts.URL+"/oauth/consent?id="+url.QueryEscape(v.Get("id")))
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("consent in another browser: %d", resp.StatusCode)
	}
}

// Denying consent sends the client access_denied, and the request is gone.
func TestDeny(t *testing.T) {
	f := newFixture(t)
	c := f.browser()
	resp, _ := get(t, c, f.authorizeURL(nil))
	_, body := get(t, c, resp.Header.Get("Location"))
	v := formFields(t, body)
	v.Set("username", "bo")
	v.Set("password", "bo-password")
	resp, _ = post(t, c, f.ts.URL+"/oauth/login", v)
	_, body = get(t, c, f.ts.URL+resp.Header.Get("Location"))
	w := formFields(t, body)
	w.Set("action", "deny")
	resp, _ = post(t, c, f.ts.URL+"/oauth/consent", w)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc == nil || loc.Query().Get("error") != "access_denied" || !strings.HasPrefix(loc.String(), redirect) {
		t.Errorf("deny: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	good := Options{Issuer: "https://mcp.example.dk", Resource: testResource, Seed: make([]byte, 32)}
	for name, mod := range map[string]func(*Options){
		"issuer with a path": func(o *Options) { o.Issuer = "https://mcp.example.dk/auth" },
		"no resource":        func(o *Options) { o.Resource = "" },
		"short seed":         func(o *Options) { o.Seed = make([]byte, 8) },
		"plaintext password": func(o *Options) { o.Users = []User{{Name: "bo", PasswordHash: "hunter2"}} },
		"bad organization": func(o *Options) {
			o.Users = []User{{Name: "bo", PasswordHash: hash(t, "x"), Organizations: []string{"a b"}}}
		},
	} {
		o := good
		mod(&o)
		if _, err := New(o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := New(good); err != nil {
		t.Error(err)
	}
}
