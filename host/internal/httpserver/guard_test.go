package httpserver

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/billy-mcp/billy-mcp/host/internal/auth"
	"github.com/billy-mcp/billy-mcp/host/internal/auth/authtest"
	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
)

const resource = "https://mcp.example.dk/mcp"

// newSecurity authenticates with keys and, with iss, OAuth tokens of
// iss for resource (discovery on).
func newSecurity(t *testing.T, iss *authtest.Issuer, keys ...auth.Key) *Security {
	t.Helper()
	var o *auth.OAuth
	sec := &Security{BaselineScopes: []string{"billy:read"}}
	if iss != nil {
		jwks, err := auth.NewStaticJWKS(iss.JWKS())
		if err != nil {
			t.Fatal(err)
		}
		o = &auth.OAuth{Issuer: iss.URL, Resource: resource, Keys: jwks}
		sec.Metadata = &auth.Metadata{Resource: resource, AuthorizationServers: []string{iss.URL},
			ScopesSupported: []string{"billy:read"}, BearerMethodsSupported: []string{"header"}}
		sec.MetadataURL = "https://mcp.example.dk" + auth.MetadataPath
	}
	a, err := auth.New(auth.Options{Keys: keys, OAuth: o, DefaultOrganization: "org-default"})
	if err != nil {
		t.Fatal(err)
	}
	sec.Auth = a
	return sec
}

func key(t *testing.T, principal string, scopes ...string) (string, auth.Key) {
	t.Helper()
	k, h, err := auth.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return k, auth.Key{Principal: principal, Hash: h, Scopes: scopes}
}

func challenge(t *testing.T, rec *httptest.ResponseRecorder) map[string]string {
	t.Helper()
	p, ok := auth.ParseChallenge(rec.Header().Get("WWW-Authenticate"))
	if !ok {
		t.Fatalf("WWW-Authenticate %q does not parse", rec.Header().Get("WWW-Authenticate"))
	}
	return p
}

// TestChallenges: every refusal is a 401 whose challenge names the
// metadata (absolute) and the baseline scope, with invalid_token when a
// credential was presented, and a body that says no more.
func TestChallenges(t *testing.T) {
	iss := authtest.NewIssuer(t)
	good, k := key(t, "ci-bot", "billy:read")
	h := testHandler(t, func(o *Options) { o.Security = newSecurity(t, iss, k) })
	md := "https://mcp.example.dk" + auth.MetadataPath
	expired := iss.Claims(resource, "alice", "billy:read")
	expired["exp"] = time.Now().Add(-time.Hour).Unix()
	expired["iat"] = time.Now().Add(-2 * time.Hour).Unix()
	expired["nbf"] = time.Now().Add(-2 * time.Hour).Unix()
	tests := []struct {
		name   string
		path   string
		hdr    []string
		status int
		params map[string]string
		code   string
	}{
		{"no credential", "/mcp", nil, 401, map[string]string{"resource_metadata": md, "scope": "billy:read"}, "unauthenticated"},
		{"unknown key", "/mcp", []string{"Authorization", "Bearer bmcp_nope"}, 401,
			map[string]string{"error": "invalid_token", "resource_metadata": md, "scope": "billy:read"}, "invalid_token"},
		{"garbage", "/api/v1/tools", []string{"Authorization", "Bearer a.b.c"}, 401,
			map[string]string{"error": "invalid_token", "resource_metadata": md, "scope": "billy:read"}, "invalid_token"},
		{"expired token", "/mcp", []string{"Authorization", "Bearer " + iss.Sign(t, expired)}, 401,
			map[string]string{"error": "invalid_token", "resource_metadata": md, "scope": "billy:read"}, "invalid_token"},
		{"token for another server", "/mcp", []string{"Authorization", "Bearer " + iss.Sign(t, iss.Claims("https://other.example/mcp", "alice", "billy:read"))}, 401,
			map[string]string{"error": "invalid_token", "resource_metadata": md, "scope": "billy:read"}, "invalid_token"},
		{"alg none", "/mcp", []string{"Authorization", "Bearer " + iss.SignNone(t, iss.Claims(resource, "alice", "admin"))}, 401,
			map[string]string{"error": "invalid_token", "resource_metadata": md, "scope": "billy:read"}, "invalid_token"},
		{"key in the query", "/api/v1/tools?apiKey=" + good, nil, 401,
			map[string]string{"error": "invalid_token", "resource_metadata": md, "scope": "billy:read"}, "credentials_in_query"},
		{"token in the query", "/mcp?access_token=" + good, []string{"Authorization", "Bearer " + good}, 401,
			map[string]string{"error": "invalid_token", "resource_metadata": md, "scope": "billy:read"}, "credentials_in_query"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := testkit.Serve(h, "POST", tt.path, `{}`, tt.hdr...)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if diff := cmp.Diff(tt.params, challenge(t, rec)); diff != "" {
				t.Errorf("challenge (-want +got):\n%s", diff)
			}
			if got := errorCode(t, rec.Body.Bytes()); got != tt.code {
				t.Errorf("code %q, want %q", got, tt.code)
			}
			if strings.Contains(rec.Body.String(), good) || strings.Contains(rec.Body.String(), "expired") {
				t.Errorf("the body says too much: %s", rec.Body)
			}
		})
	}

	// A good token and a good key pass, on MCP and REST.
	tok := iss.Sign(t, iss.Claims(resource, "alice", "billy:read"))
	for _, hdr := range [][]string{{"Authorization", "Bearer " + tok}, {"Authorization", "Bearer " + good}, {"X-API-Key", good}} {
		if rec := testkit.Serve(h, "GET", "/api/v1/tools", "", hdr...); rec.Code != 200 {
			t.Errorf("%s: %d %s", hdr[0], rec.Code, rec.Body)
		}
	}
}

// TestInsufficientScope: a key without metrics gets 403 on /metrics and
// /health, with every scope needed in one challenge.
func TestInsufficientScope(t *testing.T) {
	iss := authtest.NewIssuer(t)
	reader, k1 := key(t, "reader", "billy:read")
	ops, k2 := key(t, "ops", "metrics")
	h := testHandler(t, func(o *Options) { o.Security = newSecurity(t, iss, k1, k2) })
	for _, path := range []string{"/metrics", "/health"} {
		rec := testkit.Serve(h, "GET", path, "", "Authorization", "Bearer "+reader)
		if rec.Code != 403 {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
		}
		p := challenge(t, rec)
		want := map[string]string{"error": "insufficient_scope", "scope": "metrics",
			"resource_metadata": "https://mcp.example.dk" + auth.MetadataPath, "error_description": "this needs the scope metrics"}
		if diff := cmp.Diff(want, p); diff != "" {
			t.Errorf("%s: challenge (-want +got):\n%s", path, diff)
		}
		if got := errorCode(t, rec.Body.Bytes()); got != "insufficient_scope" {
			t.Errorf("%s: code %q", path, got)
		}
		if rec := testkit.Serve(h, "GET", path, "", "Authorization", "Bearer "+ops); rec.Code != 200 {
			t.Errorf("%s with metrics: %d", path, rec.Code)
		}
	}
}

// TestMetadata: the protected resource metadata at both well-known
// paths, and none when discovery is off (no challenge names it then).
func TestMetadata(t *testing.T) {
	iss := authtest.NewIssuer(t)
	h := testHandler(t, func(o *Options) { o.Security = newSecurity(t, iss) })
	for _, path := range []string{"/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"} {
		rec := testkit.Serve(h, "GET", path, "")
		if rec.Code != 200 || rec.Header().Get("Access-Control-Allow-Origin") != "*" {
			t.Fatalf("%s: %d %v", path, rec.Code, rec.Header())
		}
		var got map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"resource": resource, "authorization_servers": []any{iss.URL},
			"scopes_supported": []any{"billy:read"}, "bearer_methods_supported": []any{"header"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", path, diff)
		}
		if rec := testkit.Serve(h, "OPTIONS", path, ""); rec.Code != 204 {
			t.Errorf("OPTIONS %s: %d", path, rec.Code)
		}
	}

	_, k := key(t, "ci", "admin")
	off := testHandler(t, func(o *Options) { o.Security = newSecurity(t, nil, k) })
	for _, path := range []string{"/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"} {
		if rec := testkit.Serve(off, "GET", path, ""); rec.Code != 404 {
			t.Errorf("discovery off: %s answered %d", path, rec.Code)
		}
	}
	rec := testkit.Serve(off, "POST", "/mcp", "{}")
	if p := challenge(t, rec); p["resource_metadata"] != "" {
		t.Errorf("discovery off, and the challenge names metadata: %v", p)
	}
}

type fakeBucket struct {
	mu   sync.Mutex
	keys []string
}

func (f *fakeBucket) Reserve(_ context.Context, key string, _ float64, _ int, _ time.Duration) (time.Duration, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keys = append(f.keys, key)
	if strings.HasPrefix(key, "principal/api_key/limited") {
		return 1500 * time.Millisecond, nil
	}
	return 0, nil
}

// TestRateLimits: a principal over its rate gets 429 with Retry-After on
// MCP and REST; another principal from the same address is not held up;
// the shared bucket is asked, keyed by principal and organization.
func TestRateLimits(t *testing.T) {
	limited, k1 := key(t, "limited", "admin")
	free, k2 := key(t, "free", "admin")
	k2.Organizations = []string{"org-b"}
	b := &fakeBucket{}
	h := testHandler(t, func(o *Options) {
		o.Security = newSecurity(t, nil, k1, k2)
		o.Security.Limits = &Limits{Shared: b, Rates: Rates{PrincipalRate: 1, PrincipalBurst: 1, OrganizationRate: 1, OrganizationBurst: 1}}
	})
	for _, path := range []string{"/mcp", "/api/v1/tools/x"} {
		rec := testkit.Serve(h, "POST", path, "{}", "Authorization", "Bearer "+limited)
		if rec.Code != 429 || rec.Header().Get("Retry-After") != "2" {
			t.Errorf("%s: %d Retry-After %q: %s", path, rec.Code, rec.Header().Get("Retry-After"), rec.Body)
		}
		if got := errorCode(t, rec.Body.Bytes()); got != "rate_limited" {
			t.Errorf("%s: code %q", path, got)
		}
	}
	if rec := testkit.Serve(h, "GET", "/api/v1/tools", "", "Authorization", "Bearer "+free); rec.Code != 200 {
		t.Errorf("another principal: %d %s", rec.Code, rec.Body)
	}
	want := []string{"principal/api_key/limited", "principal/api_key/limited", "principal/api_key/free", "org/org-b"}
	if diff := cmp.Diff(want, b.keys); diff != "" {
		t.Errorf("buckets asked (-want +got):\n%s", diff)
	}
}

// TestLocalLimits: without a shared bucket each instance counts: burst
// requests pass, the next waits.
func TestLocalLimits(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	l := &Limits{Rates: Rates{PrincipalRate: 1, PrincipalBurst: 2}, now: func() time.Time { return now }}
	var got []time.Duration
	for range 3 {
		w, _ := l.allowCaller(context.Background(), newCaller("p"))
		got = append(got, w)
	}
	if diff := cmp.Diff([]time.Duration{0, 0, time.Second}, got); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	now = now.Add(time.Second)
	if w, _ := l.allowCaller(context.Background(), newCaller("p")); w != 0 {
		t.Errorf("after a second: wait %s", w)
	}
}

// TestSetRates: a reload's new limits hold from the next request: a
// larger burst lets more through at once, a zero rate turns the limit off,
// and a smaller one holds again.
func TestSetRates(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	l := &Limits{Rates: Rates{PrincipalRate: 1, PrincipalBurst: 1}, now: func() time.Time { return now }}
	passed := func(n int) int {
		ok := 0
		for range n {
			if w, _ := l.allowCaller(context.Background(), newCaller("p")); w == 0 {
				ok++
			}
		}
		return ok
	}
	var got []int
	got = append(got, passed(5))
	l.SetRates(Rates{PrincipalRate: 1, PrincipalBurst: 3})
	got = append(got, passed(5))
	l.SetRates(Rates{})
	got = append(got, passed(5))
	l.SetRates(Rates{PrincipalRate: 1, PrincipalBurst: 2})
	got = append(got, passed(5))
	if diff := cmp.Diff([]int{1, 3, 5, 2}, got); diff != "" {
		t.Errorf("requests let through per round (-want +got):\n%s", diff)
	}
}

// TestFailedLogins: an address that sends too many refused credentials
// gets 429 and is then not even heard, right key or not; each refusal is
// reported for the audit log; other addresses are not held up.
func TestFailedLogins(t *testing.T) {
	good, k := key(t, "ci", "admin")
	var mu sync.Mutex
	var failed []FailedLogin
	h := testHandler(t, func(o *Options) {
		o.Security = newSecurity(t, nil, k)
		o.Security.Limits = &Limits{Rates: Rates{FailedLoginsPerMinute: 2}}
		o.Security.FailedLogin = func(_ context.Context, f FailedLogin) {
			mu.Lock()
			failed = append(failed, f)
			mu.Unlock()
		}
	})
	send := func(addr, tok string) int {
		req := httptest.NewRequest("POST", "http://localhost/api/v1/tools/x", strings.NewReader("{}"))
		req.RemoteAddr = addr + ":1234"
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code == 429 && rec.Header().Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
		return rec.Code
	}
	got := []int{send("192.0.2.1", "bmcp_guess1"), send("192.0.2.1", "bmcp_guess2"), send("192.0.2.1", "bmcp_guess3"),
		send("192.0.2.1", good), send("192.0.2.2", "bmcp_guess"), send("192.0.2.2", good)}
	if diff := cmp.Diff([]int{401, 401, 429, 429, 401, 404}, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	mu.Lock()
	defer mu.Unlock()
	var reasons []string
	for _, f := range failed {
		if f.Path != "/api/v1/tools/x" || f.Transport != "rest" || f.ClientAddr == "" {
			t.Errorf("failed login %+v", f)
		}
		reasons = append(reasons, f.ClientAddr+" "+f.Reason)
	}
	want := []string{"192.0.2.1 unknown_key", "192.0.2.1 unknown_key", "192.0.2.1 unknown_key", "192.0.2.1 throttled", "192.0.2.2 unknown_key"}
	if diff := cmp.Diff(want, reasons); diff != "" {
		t.Errorf("failed logins (-want +got):\n%s", diff)
	}
}

func TestControlCharactersRefused(t *testing.T) {
	h := testHandler(t, nil)
	for _, path := range []string{"/api/v1/tools/evil%0Atool", "/api/v1/tools/a%1Bb"} {
		rec := testkit.Serve(h, "POST", path, "{}")
		if rec.Code != 400 || errorCode(t, rec.Body.Bytes()) != "invalid_path" {
			t.Errorf("%s: %d %s", path, rec.Code, rec.Body)
		}
	}
}

func newCaller(subject string) dispatch.Caller {
	return dispatch.Caller{Subject: subject, Auth: auth.MethodAPIKey}
}

// TestAddressLimit: a remote address over its rate gets 429 before
// authentication; loopback (this machine, or a proxy on it) is not
// limited by address.
func TestAddressLimit(t *testing.T) {
	h := testHandler(t, func(o *Options) {
		o.AllowedHosts = []string{"mcp.example.dk"}
		o.Security = &Security{Limits: &Limits{Rates: Rates{IPRate: 1, IPBurst: 2}}}
	})
	send := func(addr string) int {
		req := httptest.NewRequest("GET", "http://localhost/api/v1/tools", nil)
		req.RemoteAddr = addr + ":4321"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	var got []int
	for _, addr := range []string{"192.0.2.7", "192.0.2.7", "192.0.2.7", "127.0.0.1", "127.0.0.1", "127.0.0.1", "::1"} {
		got = append(got, send(addr))
	}
	if diff := cmp.Diff([]int{200, 200, 429, 200, 200, 200, 200}, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
}
