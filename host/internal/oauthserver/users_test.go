package oauthserver

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/billy-mcp/billy-mcp/host/internal/auth"
	"github.com/billy-mcp/billy-mcp/host/internal/store"
	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
)

func postgresURL(t *testing.T) string { return testkit.PostgresURL(t) }

// storeRevocations adapts the store as package app does.
type storeRevocations struct{ s *store.Store }

func (r storeRevocations) Revoke(ctx context.Context, v Revocation) error {
	return r.s.RevokeOAuth(ctx, store.OAuthRevocation(v))
}

func (r storeRevocations) Revocations(ctx context.Context) ([]Revocation, error) {
	rs, err := r.s.OAuthRevocations(ctx)
	out := make([]Revocation, len(rs))
	for i, v := range rs {
		out[i] = Revocation(v)
	}
	return out, err
}

func findIn(s *store.Store) func(context.Context, string) (User, bool, error) {
	return func(ctx context.Context, name string) (User, bool, error) {
		u, err := s.OAuthUser(ctx, name)
		if err != nil || u == nil {
			return User{}, false, err
		}
		return User{Name: u.Name, PasswordHash: u.PasswordHash, Organizations: u.Organizations, Scopes: u.Scopes,
			RequireTOTP: u.RequireTOTP, Disabled: u.Disabled}, true, nil
	}
}

// instance is one host of a deployment: its authorization server and
// resource server over the deployment's store.
type instance struct {
	*fixture
	st *store.Store
}

// newInstances starts n instances over one store (SQLite in one
// directory, or PostgreSQL), all issuing as the first one's URL: a
// deployment behind a load balancer. The configuration holds bo; the
// store holds eva, and a bo of its own whom the configuration's shadows.
func newInstances(t *testing.T, n int, opts store.Options) []*instance {
	t.Helper()
	var out []*instance
	var issuer string
	var ts []*httptest.Server
	for range n {
		s := httptest.NewUnstartedServer(nil)
		ts = append(ts, s)
	}
	issuer = "http://" + ts[0].Listener.Addr().String()
	for i := range n {
		st, err := store.Open(context.Background(), opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		f := &fixture{t: t, lim: &countingLimiter{}, ts: ts[i]}
		f.srv, err = New(Options{
			Issuer: issuer, Resource: testResource, Seed: make([]byte, 32),
			Users:    []User{{Name: "bo", PasswordHash: hash(t, "bo-password"), Scopes: []string{"billy:write"}}},
			FindUser: findIn(st), Revocations: func() Revocations { return storeRevocations{st} },
			State: func() State { return st }, TOTP: fakeTOTP{}, Limiter: f.lim, Registration: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		f.srv.deny.every = time.Millisecond
		f.ts.Config.Handler = f.srv.Handler()
		f.ts.Start()
		t.Cleanup(f.ts.Close)
		keys, err := auth.NewStaticJWKS(f.srv.JWKS())
		if err != nil {
			t.Fatal(err)
		}
		f.authn, err = auth.New(auth.Options{OAuth: &auth.OAuth{Issuer: issuer, Resource: testResource, Keys: keys,
			Revoked: f.srv.Revoked}, DefaultOrganization: "org-default"})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, &instance{fixture: f, st: st})
	}
	ctx := context.Background()
	for _, u := range []store.OAuthUser{
		{Name: "eva", PasswordHash: hash(t, "eva-password"), Organizations: []string{"org-a"}, Scopes: []string{"billy:write"}},
		{Name: "bo", PasswordHash: hash(t, "store-bo-password"), Scopes: []string{"admin"}},
	} {
		if err := out[0].st.AddOAuthUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	out[0].client = out[0].register(map[string]any{"redirect_uris": []string{redirect}, "token_endpoint_auth_method": "none",
		"grant_types": []string{"authorization_code", "refresh_token"}})["client_id"].(string)
	for _, in := range out[1:] {
		in.client = out[0].client
	}
	return out
}

// tokens logs user in on in and returns the access and refresh tokens.
func (in *instance) tokens(user, password string, consent url.Values) (string, string) {
	in.t.Helper()
	q := in.loginAndConsent(in.browser(), in.authorizeURL(nil), user, password, "", consent)
	status, tok := in.exchange(q.Get("code"), verifier)
	if status != 200 {
		in.t.Fatalf("token: %d %v", status, tok)
	}
	access, _ := tok["access_token"].(string)
	refresh, _ := tok["refresh_token"].(string)
	return access, refresh
}

func (in *instance) refresh(rt string) (int, map[string]any) {
	return in.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {in.client}})
}

func (in *instance) verify(access string) (dispatchCaller, *auth.Failure) {
	c, f := in.authn.Verify(httptest.NewRequest("POST", "/mcp", nil), access)
	return dispatchCaller{Subject: c.Subject, Scopes: c.Scopes}, f
}

type dispatchCaller struct {
	Subject string
	Scopes  []string
}

func (in *instance) revoke(token, hint string) int {
	in.t.Helper()
	v := url.Values{"token": {token}, "client_id": {in.client}}
	if hint != "" {
		v.Set("token_type_hint", hint)
	}
	resp, body := post(in.t, http.DefaultClient, in.ts.URL+"/oauth/revoke", v)
	if resp.StatusCode != 200 {
		in.t.Logf("revoke: %d %s", resp.StatusCode, body)
	}
	return resp.StatusCode
}

// eventually polls cond for up to 10 s: another instance reads the
// revocations in the background.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A store user logs in; a change to them in the store applies at their
// next refresh; disabling them (with their revocation, as `billy-mcp
// users disable` does) refuses their access token at once, their refresh
// token and their next login. The configuration's bo shadows the store's.
func TestStoreUsers(t *testing.T) {
	in := newInstances(t, 1, store.Options{Dir: t.TempDir()})[0]
	ctx := context.Background()

	// Config wins: the store's bo and password are not bo's.
	c := in.browser()
	resp, _ := get(t, c, in.authorizeURL(nil))
	_, body := get(t, c, resp.Header.Get("Location"))
	v := formFields(t, body)
	v.Set("username", "bo")
	v.Set("password", "store-bo-password")
	if resp, _ := post(t, c, in.ts.URL+"/oauth/login", v); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("bo with the store's password: %d, want 401 (the configuration's bo wins)", resp.StatusCode)
	}

	access, refresh := in.tokens("eva", "eva-password", url.Values{"action": {"allow"}, "scope": {"billy:read", "billy:write"},
		"organization": {"org-a"}})
	if got, f := in.verify(access); f != nil || got.Subject != "eva" {
		t.Fatalf("eva's token: %+v %+v", got, f)
	}
	// Stripped of billy:write in the store: the next refresh drops it.
	u, _ := in.st.OAuthUser(ctx, "eva")
	u.Scopes = []string{"billy:read"}
	if ok, err := in.st.UpdateOAuthUser(ctx, *u); !ok || err != nil {
		t.Fatal(ok, err)
	}
	status, tok := in.refresh(refresh)
	if status != 200 {
		t.Fatalf("refresh: %d %v", status, tok)
	}
	got, f := in.verify(tok["access_token"].(string))
	if diff := cmp.Diff(dispatchCaller{Subject: "eva", Scopes: []string{"billy:read"}}, got); diff != "" || f != nil {
		t.Errorf("after the store change (-want +got):\n%s %+v", diff, f)
	}
	access, refresh = tok["access_token"].(string), tok["refresh_token"].(string)

	// Disabled and revoked.
	u.Disabled = true
	if _, err := in.st.UpdateOAuthUser(ctx, *u); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second))) // iat is whole seconds
	if err := in.srv.RevokeUser(ctx, "eva"); err != nil {
		t.Fatal(err)
	}
	if _, f := in.verify(access); f == nil || f.Reason != auth.ReasonRevoked {
		t.Errorf("eva's access token after her revocation: %+v", f)
	}
	if status, out := in.refresh(refresh); status == 200 {
		t.Errorf("eva's refresh token after her revocation: %v", out)
	}
	// A new token of bo's is not touched by eva's revocation.
	boAccess, _ := in.tokens("bo", "bo-password", url.Values{"action": {"allow"}, "scope": {"billy:read"}})
	if _, f := in.verify(boAccess); f != nil {
		t.Errorf("bo's token: %+v", f)
	}
	c = in.browser()
	resp, _ = get(t, c, in.authorizeURL(nil))
	_, body = get(t, c, resp.Header.Get("Location"))
	v = formFields(t, body)
	v.Set("username", "eva")
	v.Set("password", "eva-password")
	if resp, _ := post(t, c, in.ts.URL+"/oauth/login", v); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("disabled eva logging in: %d", resp.StatusCode)
	}
	// Enabled again, she logs in, and her new token works.
	u.Disabled = false
	_, _ = in.st.UpdateOAuthUser(ctx, *u)
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
	access, _ = in.tokens("eva", "eva-password", url.Values{"action": {"allow"}, "scope": {"billy:read"}, "organization": {"org-a"}})
	if _, f := in.verify(access); f != nil {
		t.Errorf("eva's new token after she was enabled: %+v", f)
	}
}

// RFC 7009 at /oauth/revoke: an access token revoked on instance A is
// refused there at once and on instance B as soon as B reads the list; a
// refresh token revoked no longer refreshes; an unknown token is fine.
func TestRevoke(t *testing.T) {
	for name, opts := range map[string]func(t *testing.T) store.Options{
		"sqlite":   func(t *testing.T) store.Options { return store.Options{Dir: t.TempDir()} },
		"postgres": func(t *testing.T) store.Options { return store.Options{URL: postgresURL(t)} },
	} {
		t.Run(name, func(t *testing.T) {
			ins := newInstances(t, 2, opts(t))
			a, b := ins[0], ins[1]
			access, refresh := a.tokens("eva", "eva-password", url.Values{"action": {"allow"}, "scope": {"billy:read"},
				"organization": {"org-a"}})
			other, _ := a.tokens("eva", "eva-password", url.Values{"action": {"allow"}, "scope": {"billy:read"},
				"organization": {"org-a"}})
			for _, in := range ins {
				if _, f := in.verify(access); f != nil {
					t.Fatalf("before revocation: %+v", f)
				}
			}
			if got := a.revoke(access, "access_token"); got != 200 {
				t.Fatalf("revoking the access token: %d", got)
			}
			if _, f := a.verify(access); f == nil || f.Reason != auth.ReasonRevoked {
				t.Errorf("instance A after revocation: %+v", f)
			}
			eventually(t, "instance B refuses the revoked token", func() bool {
				_, f := b.verify(access)
				return f != nil && f.Reason == auth.ReasonRevoked
			})
			if _, f := b.verify(other); f != nil {
				t.Errorf("another token of eva's was refused: %+v", f)
			}
			// Without a hint too; and the refresh token.
			if got := b.revoke(refresh, ""); got != 200 {
				t.Fatalf("revoking the refresh token: %d", got)
			}
			if status, out := a.refresh(refresh); status == 200 {
				t.Errorf("revoked refresh token refreshed: %v", out)
			}
			if got := a.revoke("not-a-token", ""); got != 200 {
				t.Errorf("revoking garbage: %d, want 200 (RFC 7009 §2.2)", got)
			}
		})
	}
}

// The resource server's cost per call, with and without the revocation
// check (a hundred revoked tokens and users listed): a token signed as the
// server signs its access tokens, verified as the edge verifies them.
//
//	go test -run '^$' -bench BenchmarkVerify -benchmem ./internal/oauthserver/
func BenchmarkVerify(b *testing.B) {
	st, err := store.Open(context.Background(), store.Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	const issuer = "https://mcp.example.dk"
	srv, err := New(Options{Issuer: issuer, Resource: testResource, Seed: make([]byte, 32), State: func() State { return st },
		Revocations: func() Revocations { return storeRevocations{st} }})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	now := time.Now()
	for i := range 100 {
		_ = srv.revoke(ctx, Revocation{Kind: RevokedToken, ID: fmt.Sprintf("jti-%d", i), At: now, Expires: now.Add(time.Hour)})
		_ = srv.revoke(ctx, Revocation{Kind: RevokedPrincipal, ID: fmt.Sprintf("user-%d", i), At: now, Expires: now.Add(time.Hour)})
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{"iss": issuer, "sub": "eva", "aud": []string{testResource},
		"exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "jti": randomID(), "client_id": "c", "scope": "billy:read",
		OrganizationsClaim: []string{"org-a"}})
	tok.Header["kid"] = srv.key.id
	tok.Header["typ"] = "at+jwt"
	access, err := tok.SignedString(srv.key.priv)
	if err != nil {
		b.Fatal(err)
	}
	keys, err := auth.NewStaticJWKS(srv.JWKS())
	if err != nil {
		b.Fatal(err)
	}
	for _, withList := range []bool{false, true} {
		o := &auth.OAuth{Issuer: issuer, Resource: testResource, Keys: keys}
		name := "without_revocation_check"
		if withList {
			o.Revoked, name = srv.Revoked, "with_revocation_check"
		}
		authn, err := auth.New(auth.Options{OAuth: o})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			req := httptest.NewRequest("POST", "/mcp", nil)
			b.ReportAllocs()
			for b.Loop() {
				if _, f := authn.Verify(req, access); f != nil {
					b.Fatal(f)
				}
			}
		})
	}
}

// The revocation check alone, as the resource server asks it.
func BenchmarkRevoked(b *testing.B) {
	st, err := store.Open(context.Background(), store.Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	srv, err := New(Options{Issuer: "https://mcp.example.dk", Resource: testResource, Seed: make([]byte, 32),
		Revocations: func() Revocations { return storeRevocations{st} }})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	now := time.Now()
	_ = srv.revoke(ctx, Revocation{Kind: RevokedToken, ID: "jti-0", At: now, Expires: now.Add(time.Hour)})
	_ = srv.revoke(ctx, Revocation{Kind: RevokedPrincipal, ID: "bo", At: now, Expires: now.Add(time.Hour)})
	b.ReportAllocs()
	for b.Loop() {
		if srv.Revoked(ctx, "jti-1", "eva", now) {
			b.Fatal("revoked")
		}
	}
}

// RFC 7662: a confidential client introspecting a token hears it is
// active until it is revoked, and inactive after.
func TestIntrospectRevoked(t *testing.T) {
	in := newInstances(t, 1, store.Options{Dir: t.TempDir()})[0]
	conf := in.register(map[string]any{"redirect_uris": []string{redirect}, "token_endpoint_auth_method": "client_secret_post"})
	access, _ := in.tokens("eva", "eva-password", url.Values{"action": {"allow"}, "scope": {"billy:read"}, "organization": {"org-a"}})
	active := func() bool {
		t.Helper()
		req, _ := http.NewRequest("POST", in.ts.URL+"/oauth/introspect", strings.NewReader(url.Values{"token": {access}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(url.QueryEscape(conf["client_id"].(string)), url.QueryEscape(conf["client_secret"].(string)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body := string(b)
		if resp.StatusCode != 200 {
			t.Fatalf("introspect: %d %s", resp.StatusCode, body)
		}
		var out struct {
			Active bool   `json:"active"`
			Sub    string `json:"sub"`
		}
		_ = json.Unmarshal([]byte(body), &out)
		return out.Active
	}
	if !active() {
		t.Fatal("a good token introspected inactive")
	}
	if got := in.revoke(access, "access_token"); got != 200 {
		t.Fatalf("revoke: %d", got)
	}
	if active() {
		t.Error("a revoked token introspected active")
	}
}

// A refresh reads the revocations from the store, not the instance's
// copy: a user revoked on A cannot refresh on B even while B's copy is
// stale (which would otherwise mint tokens newer than the revocation).
func TestRefreshSeesRevocationAtOnce(t *testing.T) {
	ins := newInstances(t, 2, store.Options{Dir: t.TempDir()})
	a, b := ins[0], ins[1]
	b.srv.deny.every = time.Hour
	access, refresh := a.tokens("eva", "eva-password", url.Values{"action": {"allow"}, "scope": {"billy:read"},
		"organization": {"org-a"}})
	if _, f := b.verify(access); f != nil {
		t.Fatalf("B before the revocation: %+v", f)
	}
	if err := a.srv.RevokeUser(context.Background(), "eva"); err != nil {
		t.Fatal(err)
	}
	if _, f := b.verify(access); f != nil {
		t.Fatalf("B's copy is meant to be stale here (read every hour), yet it refused: %+v", f)
	}
	if status, out := b.refresh(refresh); status == 200 {
		t.Errorf("B refreshed a revoked user's token from its stale copy: %v", out)
	}
	if _, f := b.verify(access); f == nil || f.Reason != auth.ReasonRevoked {
		t.Errorf("B after reading the list for the refresh: %+v", f)
	}
}
