package auth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/billy-mcp/billy-mcp/host/internal/auth"
	"github.com/billy-mcp/billy-mcp/host/internal/auth/authtest"
	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
)

const resource = "https://mcp.example.dk/mcp"

func newAuth(t *testing.T, iss *authtest.Issuer, keys ...auth.Key) *auth.Authenticator {
	t.Helper()
	var o *auth.OAuth
	if iss != nil {
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		jwks, err := auth.NewJWKS(ctx, iss.JWKSURL, nil, func(err error) { t.Logf("jwks: %v", err) })
		if err != nil {
			t.Fatal(err)
		}
		o = &auth.OAuth{Issuer: iss.URL, Resource: resource, Keys: jwks}
	}
	a, err := auth.New(auth.Options{Keys: keys, OAuth: o, DefaultOrganization: "org-default"})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

type result struct {
	Caller    dispatch.Caller
	Reason    string
	Presented bool
	Guess     bool
}

func authenticate(a *auth.Authenticator, set func(*http.Request)) result {
	r := httptest.NewRequest(http.MethodPost, "/mcp", nil)
	set(r)
	c, f := a.Authenticate(r)
	if f != nil {
		return result{Reason: f.Reason, Presented: f.Presented, Guess: f.Guess}
	}
	return result{Caller: c}
}

func bearer(tok string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
}

func TestAPIKeys(t *testing.T) {
	k1, h1, err := auth.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	k2, h2, _ := auth.NewKey()
	k3, h3, _ := auth.NewKey()
	legacy := "v1-plain-key-0123456789"
	a := newAuth(t, nil,
		auth.Key{Principal: "ci-bot", Hash: h1, Organizations: []string{"org-a"}, Scopes: []string{"billy:read"}},
		auth.Key{Principal: "firm@example.dk", Hash: h2, Organizations: []string{"org-a", "org-b"}, Scopes: []string{"billy:write"},
			Expires: time.Now().Add(time.Hour)},
		auth.Key{Principal: "old", Hash: h3, Scopes: []string{"admin"}, Expires: time.Now().Add(-time.Second)},
		auth.LegacyKey(legacy))
	hdr := func(k, v string) func(*http.Request) { return func(r *http.Request) { r.Header.Set(k, v) } }
	tests := []struct {
		name string
		set  func(*http.Request)
		want result
	}{
		{"bearer", bearer(k1), result{Caller: dispatch.Caller{Subject: "ci-bot", OrganizationID: "org-a", Organizations: []string{"org-a"},
			Scopes: []string{"billy:read"}, Auth: "api_key"}}},
		{"x-api-key", hdr("X-API-Key", k1), result{Caller: dispatch.Caller{Subject: "ci-bot", OrganizationID: "org-a", Organizations: []string{"org-a"},
			Scopes: []string{"billy:read"}, Auth: "api_key"}}},
		{"scheme in any case", hdr("Authorization", "bEaReR   "+k1), result{Caller: dispatch.Caller{Subject: "ci-bot", OrganizationID: "org-a",
			Organizations: []string{"org-a"}, Scopes: []string{"billy:read"}, Auth: "api_key"}}},
		{"two organizations: none chosen", bearer(k2), result{Caller: dispatch.Caller{Subject: "firm@example.dk",
			Organizations: []string{"org-a", "org-b"}, Scopes: []string{"billy:write"}, Auth: "api_key"}}},
		{"legacy key: every scope, the deployment's organization", hdr("X-API-Key", legacy), result{Caller: dispatch.Caller{
			Subject: auth.LegacyKey(legacy).Principal, OrganizationID: "org-default", Scopes: []string{"admin"}, Auth: "api_key"}}},
		{"expired key", bearer(k3), result{Reason: "key_expired", Presented: true}},
		{"unknown bmcp key", bearer(k1[:len(k1)-1] + "x"), result{Reason: "unknown_key", Presented: true, Guess: true}},
		{"a key's hash is not the key", bearer(h1), result{Reason: "unknown_key", Presented: true, Guess: true}},
		{"no credential", func(*http.Request) {}, result{Reason: "missing"}},
		{"Basic is not ours", hdr("Authorization", "Basic dXNlcjpwYXNz"), result{Reason: "missing"}},
		{"Basic, with the key in X-API-Key", func(r *http.Request) {
			r.Header.Set("Authorization", "Basic dXNlcjpwYXNz")
			r.Header.Set("X-API-Key", k1)
		}, result{Caller: dispatch.Caller{Subject: "ci-bot", OrganizationID: "org-a", Organizations: []string{"org-a"},
			Scopes: []string{"billy:read"}, Auth: "api_key"}}},
		{"Bearer wins over X-API-Key", func(r *http.Request) {
			r.Header.Set("Authorization", "Bearer "+k3)
			r.Header.Set("X-API-Key", k1)
		}, result{Reason: "key_expired", Presented: true}},
		{"empty bearer", hdr("Authorization", "Bearer "), result{Reason: "malformed", Presented: true, Guess: true}},
		{"two tokens", hdr("Authorization", "Bearer "+k1+" "+k2), result{Reason: "malformed", Presented: true, Guess: true}},
		{"two Authorization headers", func(r *http.Request) {
			r.Header.Add("Authorization", "Bearer "+k1)
			r.Header.Add("Authorization", "Bearer "+k1)
		}, result{Reason: "malformed", Presented: true, Guess: true}},
		{"control character", hdr("X-API-Key", k1+"\x01"), result{Reason: "malformed", Presented: true, Guess: true}},
		{"oversize", bearer("bmcp_" + strings.Repeat("a", auth.MaxCredentialBytes)), result{Reason: "malformed", Presented: true, Guess: true}},
		{"in the query: refused", func(r *http.Request) { r.URL.RawQuery = "apiKey=" + k1 }, result{Reason: "query"}},
		{"access_token in the query: refused", func(r *http.Request) { r.URL.RawQuery = "access_token=" + k1 }, result{Reason: "query"}},
		{"a JWT without OAuth", bearer("a.b.c"), result{Reason: "oauth_off", Presented: true, Guess: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, authenticate(a, tt.set), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewKey(t *testing.T) {
	k, h, err := auth.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(k, "bmcp_") || len(k) != 48 {
		t.Errorf("key %q: want bmcp_ and 43 characters", k)
	}
	if h != auth.HashKey(k) || !auth.ValidHash(h) {
		t.Errorf("hash %q", h)
	}
	if k2, _, _ := auth.NewKey(); k2 == k {
		t.Error("two keys alike")
	}
}

func TestNewRefusesBadKeys(t *testing.T) {
	_, h, _ := auth.NewKey()
	for name, keys := range map[string][]auth.Key{
		"bad hash":       {{Principal: "a", Hash: "ABC"}},
		"bad principal":  {{Principal: "a\nb", Hash: h}},
		"duplicate hash": {{Principal: "a", Hash: h}, {Principal: "b", Hash: h}},
	} {
		if _, err := auth.New(auth.Options{Keys: keys}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestLocalWhenNothingConfigured(t *testing.T) {
	a := newAuth(t, nil)
	if a.Required() {
		t.Fatal("required without keys")
	}
	want := dispatch.Caller{Subject: "local", OrganizationID: "org-default", Scopes: []string{"admin"}, Auth: "local"}
	if diff := cmp.Diff(want, authenticate(a, bearer("whatever")).Caller); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestOAuthTokens(t *testing.T) {
	iss := authtest.NewIssuer(t)
	_, h, _ := auth.NewKey()
	a := newAuth(t, iss, auth.Key{Principal: "ci", Hash: h, Scopes: []string{"admin"}})
	good := func() jwt.MapClaims { return iss.Claims(resource, "alice", "billy:read openid invoices:write") }
	with := func(k string, v any) jwt.MapClaims {
		c := good()
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	now := time.Now()
	ok := func(c dispatch.Caller) result { return result{Caller: c} }
	alice := dispatch.Caller{Subject: "alice", OrganizationID: "org-default", Scopes: []string{"billy:read", "invoices:write"}, Auth: "oauth"}
	bad := result{Reason: "claims", Presented: true}
	forged := result{Reason: "signature", Presented: true, Guess: true}
	late := result{Reason: "token_expired", Presented: true}
	tests := []struct {
		name string
		tok  string
		want result
	}{
		{"good", iss.Sign(t, good()), ok(alice)},
		{"RS256", iss.SignRS256(t, good()), ok(alice)},
		{"aud with a trailing slash", iss.Sign(t, with("aud", resource+"/")), ok(alice)},
		{"aud a list naming us", iss.Sign(t, with("aud", []any{"https://other.example", resource})), ok(alice)},
		{"scp list (Okta, Entra)", iss.Sign(t, with("scope", nil)), ok(dispatch.Caller{Subject: "alice", OrganizationID: "org-default", Auth: "oauth"})},
		{"organizations claim, one", iss.Sign(t, with("billy_orgs", []any{"org-7"})), ok(dispatch.Caller{Subject: "alice", OrganizationID: "org-7",
			Organizations: []string{"org-7"}, Scopes: []string{"billy:read", "invoices:write"}, Auth: "oauth"})},
		{"organizations claim, two, as a string", iss.Sign(t, with("billy_orgs", "org-7 org-8")), ok(dispatch.Caller{Subject: "alice",
			Organizations: []string{"org-7", "org-8"}, Scopes: []string{"billy:read", "invoices:write"}, Auth: "oauth"})},
		{"organization ID with a newline", iss.Sign(t, with("billy_orgs", []any{"org\n7"})), bad},
		{"organizations not strings", iss.Sign(t, with("billy_orgs", []any{7})), bad},
		{"expired", iss.Sign(t, with("exp", now.Add(-time.Minute).Unix())), late},
		{"expired within the leeway", iss.Sign(t, with("exp", now.Add(-10*time.Second).Unix())), ok(alice)},
		{"no exp", iss.Sign(t, with("exp", nil)), bad},
		{"not yet valid", iss.Sign(t, with("nbf", now.Add(5*time.Minute).Unix())), late},
		{"issued in the future", iss.Sign(t, with("iat", now.Add(5*time.Minute).Unix())), late},
		{"wrong iss", iss.Sign(t, with("iss", "https://evil.example")), bad},
		{"iss with a trailing slash", iss.Sign(t, with("iss", iss.URL+"/")), bad},
		{"wrong aud", iss.Sign(t, with("aud", "https://other.example/mcp")), bad},
		{"aud of a longer path", iss.Sign(t, with("aud", resource+"/x")), bad},
		{"no aud", iss.Sign(t, with("aud", nil)), bad},
		{"no sub", iss.Sign(t, with("sub", nil)), bad},
		{"sub with a newline", iss.Sign(t, with("sub", "alice\nsubject=admin")), bad},
		{"scope not a string", iss.Sign(t, with("scope", 7)), bad},
		{"alg none", iss.SignNone(t, good()), forged},
		{"HS256 signed with the public key", iss.SignHS256WithPublicKey(t, good()), forged},
		{"unknown kid", iss.Sign(t, good(), "nobody"), forged},
		{"no kid", noKid(t, iss.Sign(t, good())), forged},
		{"tampered payload", tamper(iss.Sign(t, good())), forged},
		{"garbage with two dots", "x.y.z", forged},
		{"an API key still works beside OAuth", "", result{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.tok == "" {
				return
			}
			if diff := cmp.Diff(tt.want, authenticate(a, bearer(tt.tok)), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	k, h2, _ := auth.NewKey()
	a2 := newAuth(t, iss, auth.Key{Principal: "ci", Hash: h2, Scopes: []string{"admin"}})
	if got := authenticate(a2, bearer(k)); got.Caller.Subject != "ci" {
		t.Errorf("key beside OAuth: %+v", got)
	}
}

// noKid re-signs nothing: it drops the kid from the header, which breaks
// the signature too; either way the token must not pass.
func noKid(t *testing.T, tok string) string {
	parts := strings.Split(tok, ".")
	parts[0] = "eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9" // {"alg":"ES256","typ":"at+jwt"}
	return strings.Join(parts, ".")
}

func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	b := []byte(parts[1])
	b[len(b)/2] ^= 1
	parts[1] = string(b)
	return strings.Join(parts, ".")
}

// TestKeyRotation: a token of a key the issuer withdrew is refused once
// the set is refetched, and a token of the new key is accepted at once
// (an unknown kid triggers one refetch).
func TestKeyRotation(t *testing.T) {
	iss := authtest.NewIssuer(t)
	a := newAuth(t, iss)
	old := iss.Sign(t, iss.Claims(resource, "alice", "billy:read"), "k1")
	if got := authenticate(a, bearer(old)); got.Caller.Subject != "alice" {
		t.Fatalf("before rotation: %+v", got)
	}
	iss.Rotate(t, "k2")
	fresh := iss.Sign(t, iss.Claims(resource, "bob", "billy:read"), "k2")
	if got := authenticate(a, bearer(fresh)); got.Caller.Subject != "bob" {
		t.Errorf("new key after rotation: %+v", got)
	}
	if got := authenticate(a, bearer(old)); got.Reason != "signature" {
		t.Errorf("withdrawn key after rotation: %+v", got)
	}
	// Unknown kids do not make the host fetch the set again and again.
	before := iss.Fetches()
	for range 20 {
		authenticate(a, bearer(iss.Sign(t, iss.Claims(resource, "x", ""), "garbage")))
	}
	if n := iss.Fetches() - before; n > 1 {
		t.Errorf("20 unknown kids fetched the set %d times", n)
	}
}

// TestIssuerDown: when the issuer's keys were never fetched, a token is
// not held against its sender as a guess; it is the issuer's trouble.
func TestIssuerDown(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	jwks, err := auth.NewJWKS(ctx, srv.URL+"/jwks.json", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	iss := authtest.NewIssuer(t)
	a, err := auth.New(auth.Options{OAuth: &auth.OAuth{Issuer: iss.URL, Resource: resource, Keys: jwks}})
	if err != nil {
		t.Fatal(err)
	}
	got := authenticate(a, bearer(iss.Sign(t, iss.Claims(resource, "alice", ""))))
	if diff := cmp.Diff(result{Reason: "jwks", Presented: true}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestMatchesResource(t *testing.T) {
	tests := []struct {
		aud, res string
		want     bool
	}{
		{"https://a/mcp", "https://a/mcp", true},
		{"https://a/mcp/", "https://a/mcp", true},
		{"https://a/mcp", "https://a/mcp/", true},
		{"https://a/mcp//", "https://a/mcp", false},
		{"https://a/mcpx", "https://a/mcp", false},
		{"https://a/", "https://a/mcp", false},
		{"", "", false},
	}
	for _, tt := range tests {
		if got := auth.MatchesResource(tt.aud, tt.res); got != tt.want {
			t.Errorf("MatchesResource(%q, %q) = %v", tt.aud, tt.res, got)
		}
	}
}

func TestParseExpiry(t *testing.T) {
	d, err := auth.ParseExpiry("2027-06-30")
	if err != nil || !d.Equal(time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("date: %v %v", d, err)
	}
	ts, err := auth.ParseExpiry("2027-06-30T12:00:00+02:00")
	if err != nil || !ts.Equal(time.Date(2027, 6, 30, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("time: %v %v", ts, err)
	}
	if z, err := auth.ParseExpiry(""); err != nil || !z.IsZero() {
		t.Errorf("empty: %v %v", z, err)
	}
	if _, err := auth.ParseExpiry("next week"); err == nil {
		t.Error("next week accepted")
	}
}
