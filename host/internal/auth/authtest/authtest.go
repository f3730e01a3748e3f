// Package authtest is an OAuth issuer for tests: it serves a JSON Web Key
// Set over HTTP and mints access tokens, good ones and every kind of bad
// one (wrong audience, expired, alg none, HS256 signed with the public
// key, an unknown kid, a key rotated away), so that the host's resource
// server can be tested against the real HTTP path without an identity
// provider.
package authtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Issuer is an authorization server as far as a resource server sees it:
// an issuer URL, its keys at JWKSURL, and the tokens it signs.
type Issuer struct {
	// URL is the issuer (the iss of its tokens): the test server's URL.
	URL string
	// JWKSURL serves the published keys.
	JWKSURL string

	mu        sync.Mutex
	keys      map[string]*ecdsa.PrivateKey
	published []string
	rsaKey    *rsa.PrivateKey
	fetches   int
}

// NewIssuer starts an issuer with one published ES256 key, kid "k1", and
// an RS256 key, kid "r1"; it stops with the test.
func NewIssuer(t testing.TB) *Issuer {
	t.Helper()
	i := &Issuer{keys: map[string]*ecdsa.PrivateKey{}}
	i.addKey(t, "k1")
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	i.rsaKey = rk
	srv := httptest.NewServer(http.HandlerFunc(i.serveJWKS))
	t.Cleanup(srv.Close)
	i.URL = srv.URL
	i.JWKSURL = srv.URL + "/jwks.json"
	return i
}

func (i *Issuer) addKey(t testing.TB, kid string) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.keys[kid] = k
	i.published = append(i.published, kid)
}

// Rotate publishes a new key under kid and withdraws every other ES256
// key: tokens signed with the old ones no longer verify once the
// resource server refetches the set.
func (i *Issuer) Rotate(t testing.TB, kid string) {
	i.mu.Lock()
	i.published = nil
	i.mu.Unlock()
	i.addKey(t, kid)
}

// Fetches counts the requests for the key set.
func (i *Issuer) Fetches() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.fetches
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// JWKS is the published key set as JSON.
func (i *Issuer) JWKS() []byte {
	i.mu.Lock()
	defer i.mu.Unlock()
	var keys []map[string]string
	for _, kid := range i.published {
		// Bytes is the uncompressed point: 0x04, then X and Y of 32
		// bytes each on P-256.
		raw, err := i.keys[kid].PublicKey.Bytes()
		if err != nil {
			panic(err) // a P-256 key always encodes
		}
		x, y := raw[1:33], raw[33:65]
		keys = append(keys, map[string]string{"kty": "EC", "crv": "P-256", "x": b64(x), "y": b64(y), "kid": kid, "alg": "ES256", "use": "sig"})
	}
	pub := i.rsaKey.PublicKey
	keys = append(keys, map[string]string{"kty": "RSA", "n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes()),
		"kid": "r1", "alg": "RS256", "use": "sig"})
	b, _ := json.Marshal(map[string]any{"keys": keys})
	return b
}

func (i *Issuer) serveJWKS(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/jwks.json" {
		http.NotFound(w, r)
		return
	}
	i.mu.Lock()
	i.fetches++
	i.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(i.JWKS())
}

// Claims are an access token's claims for resource: issued now by this
// issuer to sub, valid for an hour, with the scopes (space-separated, as
// RFC 9068 writes them).
func (i *Issuer) Claims(resource, sub, scope string) jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{"iss": i.URL, "sub": sub, "aud": resource, "scope": scope, "client_id": "test-client",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": b64(randomBytes(8))}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// Sign signs claims with the ES256 key kid (k1 unless named), typ at+jwt.
func (i *Issuer) Sign(t testing.TB, claims jwt.MapClaims, kid ...string) string {
	t.Helper()
	id := "k1"
	if len(kid) > 0 {
		id = kid[0]
	}
	i.mu.Lock()
	k := i.keys[id]
	i.mu.Unlock()
	if k == nil {
		var err error
		if k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			t.Fatal(err)
		}
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	tok.Header["kid"] = id
	tok.Header["typ"] = "at+jwt"
	s, err := tok.SignedString(k)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// SignRS256 signs claims with the RSA key (kid r1).
func (i *Issuer) SignRS256(t testing.TB, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = "r1"
	s, err := tok.SignedString(i.rsaKey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// SignNone is claims with alg none and no signature.
func (i *Issuer) SignNone(t testing.TB, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodNone, claims)
	tok.Header["kid"] = "k1"
	s, err := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// SignHS256WithPublicKey is the algorithm-confusion forgery: HS256, keyed
// with the RSA public key as a server that trusts the header's alg would
// verify it.
func (i *Issuer) SignHS256WithPublicKey(t testing.TB, claims jwt.MapClaims) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(&i.rsaKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	tok.Header["kid"] = "r1"
	s, err := tok.SignedString(pemKey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
