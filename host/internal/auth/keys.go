package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// KeyPrefix starts every API key the host makes, so that keys are easy to
// recognise in a leaked file (secret scanners) and are never mistaken for
// an OAuth token.
const KeyPrefix = "bmcp_"

// keyBytes is the randomness in a key: 256 bits.
const keyBytes = 32

// NewKey makes an API key and returns it with the hash the configuration
// holds instead of it (auth.keys[].sha256). The key is shown once; only
// the hash is kept.
func NewKey() (key, hash string, err error) {
	var b [keyBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", fmt.Errorf("reading randomness for a key: %w", err)
	}
	key = KeyPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return key, HashKey(key), nil
}

// HashKey is the hash of a key as the configuration holds it: SHA-256 of
// the whole key, prefix included, as 64 lower-case hex characters. A key
// has 256 random bits, so a fast hash is enough: there is nothing to
// guess from it.
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// Key is one API key the host accepts, as the configuration describes it.
type Key struct {
	// Principal names whoever holds the key: the caller's Subject.
	Principal string
	// Hash is HashKey of the key.
	Hash string
	// Organizations the key may act on; empty: the deployment's own.
	Organizations []string
	// Scopes the key grants (a role already expanded).
	Scopes []string
	// Expires is when the key stops working; zero: never.
	Expires time.Time
	// Legacy marks a v1 plaintext key (auth.api_keys, MCP_API_KEY).
	Legacy bool
}

// LegacyKey is a v1 plaintext key (auth.api_keys, MCP_API_KEY): every
// scope, the deployment's own organization, a principal named after its
// hash (key:1a2b3c4d, as v1's audit lines named it).
func LegacyKey(plain string) Key {
	h := HashKey(plain)
	return Key{Principal: "key:" + h[:8], Hash: h, Scopes: []string{"admin"}, Legacy: true}
}

var (
	hashPattern      = regexp.MustCompile(`^[0-9a-f]{64}$`)
	principalPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@:+-]{0,127}$`)
	orgPattern       = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
)

// ValidHash reports whether h is a key hash as HashKey writes it.
func ValidHash(h string) bool { return hashPattern.MatchString(h) }

// ValidPrincipal reports whether p may name a principal: 1 to 128 of
// letters, digits and ._@:+- starting with a letter or digit (an e-mail
// address, a service name), nothing a log line could be forged with.
func ValidPrincipal(p string) bool { return principalPattern.MatchString(p) }

// ValidOrganization reports whether id has the form of a Billy
// organization ID.
func ValidOrganization(id string) bool { return orgPattern.MatchString(id) }

// ParseExpiry reads auth.keys[].expires: a date (the key stops working at
// the start of that day, UTC) or an RFC 3339 time. Empty is never.
func ParseExpiry(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither a date (2027-06-30) nor an RFC 3339 time (2027-06-30T12:00:00Z)", s)
	}
	return t, nil
}
