package credentials

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/keyring"
	"github.com/billy-mcp/billy-mcp/host/internal/store"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
)

// Store is the part of the store credentials need; *store.Store is one.
type Store interface {
	PutOrganization(ctx context.Context, o store.Organization) error
	GetOrganization(ctx context.Context, id string) (*store.Organization, error)
	ListSealed(ctx context.Context) ([]store.Sealed, error)
	ReplaceSealed(ctx context.Context, kind, key, old, replacement string) (bool, error)
}

// AAD is where a sealed value of kind (store.SealedBillyToken,
// store.SealedTOTP) under key belongs: an organization's token is bound to
// the organization and its row, a TOTP secret to the principal.
func AAD(kind, key string) keyring.AAD {
	if kind == store.SealedBillyToken {
		return keyring.AAD{Organization: key, Record: key, Field: kind}
	}
	return keyring.AAD{Record: key, Field: kind}
}

// Ring holds the current key ring and reloads it on demand. The ring may
// be nil: a host without keys keeps no secret in the store.
type Ring struct {
	mu     sync.RWMutex
	ring   *keyring.Ring
	load   func() (*keyring.Ring, error)
	loaded time.Time
	// MinReload spaces reloads (default a second): a value under a key
	// no file holds must not make every call read the file.
	MinReload time.Duration
}

// NewRing returns a Ring loaded by load (which returns nil, nil when no
// key is configured).
func NewRing(load func() (*keyring.Ring, error)) (*Ring, error) {
	r := &Ring{load: load, MinReload: time.Second}
	ring, err := load()
	if err != nil {
		return nil, err
	}
	r.ring, r.loaded = ring, time.Now()
	return r, nil
}

// Current is the ring now (nil without keys).
func (r *Ring) Current() *keyring.Ring {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.ring
}

// Reload loads the ring again unless it was loaded within MinReload, and
// returns the current ring. A failed reload keeps the ring it had.
func (r *Ring) Reload() (*keyring.Ring, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if time.Since(r.loaded) < r.MinReload {
		return r.ring, nil
	}
	r.loaded = time.Now()
	ring, err := r.load()
	if err != nil {
		return r.ring, err
	}
	if ring != nil {
		r.ring = ring
	}
	return r.ring, nil
}

// open opens a sealed value, reloading the ring once if it was sealed
// under a key the ring lacks.
func (r *Ring) open(sealed string, aad keyring.AAD) ([]byte, error) {
	ring := r.Current()
	if ring == nil {
		return nil, errNoKeys
	}
	pt, _, err := ring.Open(sealed, aad)
	if errors.Is(err, keyring.ErrUnknownKey) {
		if again, rerr := r.Reload(); rerr == nil && again != ring {
			pt, _, err = again.Open(sealed, aad)
		}
	}
	return pt, err
}

var errNoKeys = errors.New("credentials: the store holds sealed credentials but no key is configured (credentials.keys or credentials.keys_file)")

// Config is a token the configuration gives for one organization.
type Config struct {
	OrganizationID, Token string
}

// Tokens gives the Billy gateway each organization's access token.
type Tokens struct {
	// Config is the configuration's organization (billy.organization_id
	// with billy.api_key), if any: served without the store.
	Config *Config
	// Store is the store, or nil while it is not open (ErrStore).
	Store func() Store
	Ring  *Ring
	// TTL is how long an opened token is kept in memory (default 30s):
	// long enough that a busy organization opens its token rarely, short
	// enough that a replaced or removed token stops being used soon.
	TTL time.Duration

	mu    sync.Mutex
	cache map[string]cachedToken
}

type cachedToken struct {
	token string
	until time.Time
}

// Token returns org's Billy access token. An organization the deployment
// does not serve is not_found; a store that cannot be read, or a token
// that does not open, is an internal error whose cause is logged, never
// shown.
func (t *Tokens) Token(ctx context.Context, org string) (string, error) {
	if c := t.Config; c != nil && org == c.OrganizationID {
		return c.Token, nil
	}
	ttl := t.TTL
	if ttl <= 0 {
		ttl = 30 * time.Second
	}
	t.mu.Lock()
	if c, ok := t.cache[org]; ok && time.Now().Before(c.until) {
		t.mu.Unlock()
		return c.token, nil
	}
	t.mu.Unlock()
	var s Store
	if t.Store != nil {
		s = t.Store()
	}
	if s == nil {
		e := errmodel.New(errmodel.UpstreamUnavailable, "store_unavailable",
			"the organization's Billy credentials are in the host's store, which is not open yet; retry shortly")
		e.RetryAfterSeconds = 2
		return "", e
	}
	o, err := s.GetOrganization(ctx, org)
	if err != nil {
		return "", fmt.Errorf("credentials: reading organization %s: %w", org, err)
	}
	if o == nil {
		return "", errmodel.New(errmodel.NotFound, "organization_not_found", "this deployment serves no organization %q", org)
	}
	if t.Ring == nil {
		return "", errNoKeys
	}
	pt, err := t.Ring.open(o.BillyToken, AAD(store.SealedBillyToken, org))
	if err != nil {
		return "", fmt.Errorf("credentials: organization %s's Billy token: %w", org, err)
	}
	t.mu.Lock()
	if t.cache == nil {
		t.cache = map[string]cachedToken{}
	}
	t.cache[org] = cachedToken{string(pt), time.Now().Add(ttl)}
	t.mu.Unlock()
	return string(pt), nil
}

// PutOrganization seals token for org under the ring's primary key and
// stores it (adding the organization, or replacing its name and token).
func PutOrganization(ctx context.Context, s Store, ring *keyring.Ring, id, name, token string) error {
	if ring == nil {
		return errors.New("credentials: no key is configured (credentials.keys or credentials.keys_file): a Billy token is never stored unencrypted")
	}
	if token == "" {
		return errors.New("credentials: the Billy token is empty")
	}
	sealed, err := ring.Seal([]byte(token), AAD(store.SealedBillyToken, id))
	if err != nil {
		return err
	}
	return s.PutOrganization(ctx, store.Organization{ID: id, Name: name, BillyToken: sealed})
}
