package auth_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"

	"github.com/billy-mcp/billy-mcp/host/internal/auth"
	"github.com/billy-mcp/billy-mcp/host/internal/auth/authtest"
)

// FuzzCredential throws arbitrary Authorization and X-API-Key headers at
// the authenticator (keys and OAuth both on, the issuer's keys fixed): it
// must never panic, and a request is either authenticated as a principal
// the configuration or a valid token names, or refused with a reason.
func FuzzCredential(f *testing.F) {
	iss := authtest.NewIssuer(f)
	jwks, err := auth.NewStaticJWKS(iss.JWKS())
	if err != nil {
		f.Fatal(err)
	}
	key, hash, _ := auth.NewKey()
	a, err := auth.New(auth.Options{Keys: []auth.Key{{Principal: "ci", Hash: hash, Scopes: []string{"billy:read"}}, auth.LegacyKey("legacy-key-0123456789")},
		OAuth: &auth.OAuth{Issuer: iss.URL, Resource: resource, Keys: jwks}})
	if err != nil {
		f.Fatal(err)
	}
	good := iss.Sign(f, iss.Claims(resource, "alice", "billy:read"))
	for _, s := range []string{"Bearer " + key, "bearer " + good, "Bearer " + good[:len(good)-2], "Bearer a.b.c", "Basic x", "Bearer",
		"Bearer  bmcp_", iss.SignNone(f, jwt.MapClaims{"sub": "x"}), "Bearer " + strings.Repeat("a.", 50)} {
		f.Add(s, "")
	}
	f.Add("", key)
	f.Add("", "legacy-key-0123456789")
	f.Fuzz(func(t *testing.T, authz, apiKey string) {
		r := httptest.NewRequest(http.MethodPost, "/mcp", nil)
		if authz != "" {
			r.Header["Authorization"] = []string{authz}
		}
		if apiKey != "" {
			r.Header["X-Api-Key"] = []string{apiKey}
		}
		c, fail := a.Authenticate(r)
		switch {
		case fail == nil && c.Subject == "":
			t.Fatal("neither a caller nor a failure")
		case fail != nil && c.Subject != "":
			t.Fatal("both a caller and a failure")
		case fail == nil && c.Subject != "ci" && c.Subject != "alice" && c.Subject != auth.LegacyKey("legacy-key-0123456789").Principal:
			t.Fatalf("authenticated as %q", c.Subject)
		case fail != nil && fail.Reason == "":
			t.Fatal("a failure without a reason")
		case fail != nil && fail.Err() == nil:
			t.Fatal("a failure without an error")
		}
	})
}

// FuzzChallenge builds challenges from arbitrary descriptions and scopes:
// the header value is always printable ASCII and parses back to what was
// put in (less what a header may not carry).
func FuzzChallenge(f *testing.F) {
	f.Add("needs invoices:write", "invoices:write payments:write")
	f.Add(`quote " and \ backslash`, "")
	f.Add("line\r\nbreak", "a\nb")
	f.Fuzz(func(t *testing.T, desc, scope string) {
		c := auth.Challenge{ResourceMetadata: "https://a.example/.well-known/oauth-protected-resource/mcp",
			Error: "insufficient_scope", Description: desc, Scopes: strings.Fields(scope)}
		h := c.String()
		for i := 0; i < len(h); i++ {
			if h[i] < ' ' || h[i] > '~' {
				t.Fatalf("byte %#x in %q", h[i], h)
			}
		}
		p, ok := auth.ParseChallenge(h)
		if !ok {
			t.Fatalf("does not parse: %q", h)
		}
		printable := func(s string) string {
			return strings.Map(func(r rune) rune {
				if r < ' ' || r > '~' {
					return -1
				}
				return r
			}, s)
		}
		if desc != "" && utf8.ValidString(desc) && p["error_description"] != printable(desc) {
			t.Fatalf("description %q came back as %q", desc, p["error_description"])
		}
		if p["error"] != "insufficient_scope" || p["resource_metadata"] != c.ResourceMetadata {
			t.Fatalf("params %v", p)
		}
	})
}
