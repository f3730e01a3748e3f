package confirm

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// Confirmation tokens make a destructive write a two-step affair without
// keeping the pending request anywhere: the preview hands out a token that
// is bound to
//
//   - the tool,
//   - the canonical arguments (aliases folded in; the token and dry_run left
//     out),
//   - the caller's organization and principal (a token issued to one
//     principal is refused to any other, even of the same organization), and
//   - the state of the record(s) as read from Billy for the preview, and the
//     exact requests planned from it,
//
// and expires after TTL. Executing re-reads the record, plans again
// and checks that everything still hashes the same, so a token cannot be
// replayed against an invoice that was paid, edited or approved meanwhile,
// or stretched to other arguments.
//
// Each binding is hashed separately (SHA-256) so that a refusal can say
// which one differs. The token is the payload plus an HMAC-SHA256 over it
// with the signing key the host gives the plugin (sdk.DeploymentFrom): the
// same on every instance of a deployment and after restarts, so a client
// that starts a new stdio host for every call (the MCP Inspector's CLI)
// can confirm a preview it got from the previous one. A host too old to
// give a key leaves the one drawn at process start.
//
// A random nonce makes every token unique, and redeeming a token uses its
// nonce up through the host (sdk.Host.ConsumeOnce): the host records it in
// its durable store until the token would have expired anyway, so a token
// confirms one write on any instance of the deployment and across
// restarts. When the host cannot reach its store, the write is refused
// rather than risk a second use. A host too old to keep nonces leaves
// this process's memory, as before the store existed: single-use within a
// process, and across processes only the binding to the record's state
// (which the first write changed) stops a replay.

const (
	// TTL is how long a token confirms: five minutes from its preview.
	TTL         = 5 * time.Minute
	tokenPrefix = "ct1."
	// onceKeyPrefix names what a ConsumeOnce key of this plugin is, in
	// case it keeps other kinds of single-use key later.
	onceKeyPrefix = "confirmation:"
)

// Binding is what a token is bound to.
type Binding struct {
	Tool      string
	Org       string // the caller's organization ID
	Principal string // the caller's subject
	Args      []byte // canonical JSON of the arguments
	State     []byte // canonical JSON of the record state and the planned requests
}

type tokenPayload struct {
	Tool    string `json:"t"`
	Org     string `json:"o"`
	Who     string `json:"p"` // the principal's digest
	Args    string `json:"a"`
	State   string `json:"s"`
	Expires int64  `json:"e"` // unix seconds
	Nonce   string `json:"n"`
}

// Tokens issues and redeems confirmation tokens.
type Tokens struct {
	owner string // the plugin's name, for the panics of a broken machine
	now   func() time.Time
	// key is read by every issue and redeem and replaced once, by
	// configure, when the host gives the deployment's key.
	key atomic.Pointer[[]byte]

	// hostLacksOnce is set once the host has said it keeps no nonces (it
	// predates ConsumeOnce): used then is the only record.
	hostLacksOnce atomic.Bool

	mu   sync.Mutex
	used map[string]time.Time // nonce → expiry, when the host keeps none
}

// NewTokens returns the tokens of the plugin named owner, with a key drawn
// from random until UseKey gives the deployment's.
func NewTokens(owner string, now func() time.Time, random io.Reader) *Tokens {
	key := make([]byte, 32)
	if _, err := io.ReadFull(random, key); err != nil {
		// Without randomness tokens would be forgeable; refuse to start
		// rather than run unsafely.
		panic(fmt.Sprintf("%s: cannot draw the confirmation key: %v", owner, err))
	}
	t := &Tokens{owner: owner, now: now, used: map[string]time.Time{}}
	t.key.Store(&key)
	return t
}

// UseKey replaces the key drawn at start with the deployment's (an empty
// key, from a host too old to give one, keeps it).
func (t *Tokens) UseKey(key []byte) {
	if len(key) == 0 {
		return
	}
	k := append([]byte(nil), key...)
	t.key.Store(&k)
}

// Digest is a short hex SHA-256 of b: what a token holds of each binding,
// and a key for single-use holds that must not carry the IDs in clear.
func Digest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// Issue returns a token for b and when it expires.
func (t *Tokens) Issue(b Binding) (string, time.Time) {
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		panic(fmt.Sprintf("%s: crypto/rand failed: %v", t.owner, err))
	}
	exp := t.now().Add(TTL).Truncate(time.Second)
	p := tokenPayload{Tool: b.Tool, Org: Digest([]byte(b.Org)), Who: Digest([]byte(b.Principal)), Args: Digest(b.Args), State: Digest(b.State),
		Expires: exp.Unix(), Nonce: base64.RawURLEncoding.EncodeToString(nonce)}
	body, _ := json.Marshal(p)
	enc := base64.RawURLEncoding.EncodeToString(body)
	return tokenPrefix + enc + "." + base64.RawURLEncoding.EncodeToString(t.mac(enc)), exp
}

func (t *Tokens) mac(s string) []byte {
	m := hmac.New(sha256.New, *t.key.Load())
	m.Write([]byte(tokenPrefix + s))
	return m.Sum(nil)
}

// Use checks token against b and, if it holds, uses it up, through host
// (nil: in this process's memory). It refuses, naming the reason in the
// error code, a token that is not ours, is for another tool, organization
// or arguments, has expired, was used, or whose record has changed; and,
// with a retryable error, one whose use cannot be checked because the
// host's store does not answer.
func (t *Tokens) Use(ctx context.Context, host sdk.Host, token string, b Binding) error {
	again := fmt.Sprintf("call %s again without confirmation_token to get a fresh preview and token", b.Tool)
	p, ok := t.open(token)
	if !ok {
		return tokenError("confirmation_token_invalid", sdk.CategoryValidation,
			"confirmation_token is not a token this deployment issued (or it was altered); %s", again)
	}
	switch {
	case p.Tool != b.Tool:
		return tokenError("confirmation_token_wrong_tool", sdk.CategoryValidation,
			"this confirmation token was issued for %s, not %s; %s", p.Tool, b.Tool, again)
	case !hmac.Equal([]byte(p.Org), []byte(Digest([]byte(b.Org)))):
		return tokenError("confirmation_token_wrong_organization", sdk.CategoryValidation,
			"this confirmation token was issued for another Billy organization; %s", again)
	case !hmac.Equal([]byte(p.Who), []byte(Digest([]byte(b.Principal)))):
		return tokenError("confirmation_token_wrong_principal", sdk.CategoryValidation,
			"this confirmation token was issued to another principal; %s", again)
	case !hmac.Equal([]byte(p.Args), []byte(Digest(b.Args))):
		return tokenError("confirmation_token_arguments_mismatch", sdk.CategoryValidation,
			"the arguments differ from those the confirmation token was issued for; repeat exactly the previewed call with the token, or %s", again)
	}
	expired := func() error {
		return tokenError("confirmation_token_expired", sdk.CategoryConflict,
			"this confirmation token expired (tokens last %d minutes); %s", int(TTL.Minutes()), again)
	}
	if !t.now().Before(time.Unix(p.Expires, 0)) {
		return expired()
	}
	// The nonce is used up before the state is compared: the store's
	// single atomic step decides, and a replay of a token whose write went
	// through (which changed the record) is reported as used, the clearer
	// reason. A token refused for a changed record is used up too: it
	// could never confirm anything again.
	first, err := t.spend(ctx, host, p)
	var e *sdk.Error
	switch {
	case err != nil && errors.As(err, &e) && len(e.Fields) > 0 && e.Fields[0].Field == "expires_unix":
		// The host found the expiry past: the token expired between our
		// check and its.
		return expired()
	case err != nil:
		return unverifiable(err, b.Tool)
	case !first:
		return tokenError("confirmation_token_used", sdk.CategoryConflict,
			"this confirmation token was already used; a token confirms one write only; %s", again)
	}
	if !hmac.Equal([]byte(p.State), []byte(Digest(b.State))) {
		return tokenError("confirmation_state_changed", sdk.CategoryConflict,
			"the record changed in Billy since the preview (or the planned request would now differ), so the confirmation no longer describes what would happen; nothing was written; %s", again)
	}
	return nil
}

// HostLacksOnce reports whether the host said it keeps no nonces (it
// predates ConsumeOnce), so tokens are single-use in this process only.
func (t *Tokens) HostLacksOnce() bool { return t.hostLacksOnce.Load() }

// spend uses the token's nonce up and says whether this was its first use:
// in the deployment's store through host, or, when there is no host or it
// keeps no nonces, in this process's memory.
func (t *Tokens) spend(ctx context.Context, host sdk.Host, p tokenPayload) (bool, error) {
	until := time.Unix(p.Expires, 0)
	if host != nil && !t.hostLacksOnce.Load() {
		first, err := host.ConsumeOnce(ctx, onceKeyPrefix+p.Nonce, until)
		if !errors.Is(err, sdk.ErrHostFeatureMissing) {
			return first, err
		}
		t.hostLacksOnce.Store(true)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.prune(t.now())
	if _, dup := t.used[p.Nonce]; dup {
		return false, nil
	}
	t.used[p.Nonce] = until
	return true, nil
}

// unverifiable is the refusal when the host could not say whether the
// token was used: nothing is written, and the same token may be tried
// again, keeping the host's code, category and retryable flag.
func unverifiable(err error, tool string) error {
	e := sdk.AsError(err)
	out := *e
	out.Message = fmt.Sprintf("nothing was written: whether this confirmation token was used before cannot be checked right now, so %s was not done; try the same call with the same token again in a moment (the host said: %s)", tool, e.Message)
	return &out
}

// open verifies the MAC and decodes the payload.
func (t *Tokens) open(token string) (tokenPayload, bool) {
	rest, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok {
		return tokenPayload{}, false
	}
	enc, sig, ok := strings.Cut(rest, ".")
	if !ok {
		return tokenPayload{}, false
	}
	mac, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(mac, t.mac(enc)) {
		return tokenPayload{}, false
	}
	body, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return tokenPayload{}, false
	}
	var p tokenPayload
	if err := json.Unmarshal(body, &p); err != nil || p.Nonce == "" {
		return tokenPayload{}, false
	}
	return p, true
}

// prune forgets used nonces whose tokens have expired: they are refused as
// expired from then on, so remembering them is no longer needed.
func (t *Tokens) prune(now time.Time) {
	for n, exp := range t.used {
		if !now.Before(exp) {
			delete(t.used, n)
		}
	}
}

func tokenError(code string, cat sdk.Category, format string, args ...any) *sdk.Error {
	return &sdk.Error{Code: code, Category: cat, Message: fmt.Sprintf(format, args...),
		Fields: []sdk.FieldError{{Field: "confirmation_token", Message: code}}}
}
