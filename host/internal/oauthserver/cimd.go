package oauthserver

// Client ID metadata documents (draft-ietf-oauth-client-id-metadata-document,
// the MCP authorization spec of 2025-11-25): a client_id that is an https
// URL names a JSON document of the client's metadata, which this server
// fetches and uses in place of a registration. Claude.ai, ChatGPT and VS
// Code prefer it to dynamic registration when the metadata says
// client_id_metadata_document_supported.
//
// Fetching a URL a stranger chose is server-side request forgery waiting
// to happen, so the fetch is fenced: https only, the address the name
// resolves to checked at connect time (no private, loopback, link-local
// or otherwise special address, unless the operator allows it for local
// development), no redirects, no proxy, a short timeout and a size cap.
// What was fetched is cached as its Cache-Control says, within bounds, so
// the authorization request, the token request and refreshes cost one
// fetch.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"golang.org/x/sync/singleflight"
)

// Bounds on fetching a client's metadata document.
const (
	// maxDocumentSize: the draft recommends 5 KB; real documents (VS
	// Code's, Claude's) are well under 1 KB. 16 KiB is the registration
	// body's cap too.
	maxDocumentSize = 16 << 10
	// defaultDocumentTimeout bounds the whole fetch (connect, TLS, body).
	defaultDocumentTimeout = 5 * time.Second
	// defaultDocumentMaxAge is the longest a document is trusted without
	// fetching it again, whatever its Cache-Control says.
	defaultDocumentMaxAge = 24 * time.Hour
	// documentFallbackAge is how long a document without caching headers
	// is kept.
	documentFallbackAge = 5 * time.Minute
	// documentFailureAge is how long a failed fetch is remembered, so a
	// broken or hostile URL is not fetched on every request.
	documentFailureAge = 30 * time.Second
	// maxCachedDocuments bounds the cache; past it, expired entries go and
	// then the whole cache is dropped (documents are cheap to fetch again).
	maxCachedDocuments = 1000
)

// DocumentOptions configure fetching client ID metadata documents.
type DocumentOptions struct {
	// Enabled accepts https client IDs and announces
	// client_id_metadata_document_supported.
	Enabled bool
	// AllowPrivateAddresses lets a document live on a loopback, private or
	// link-local address: local development and tests only.
	AllowPrivateAddresses bool
	// Timeout bounds one fetch (default 5s).
	Timeout time.Duration
	// MaxAge bounds how long a fetched document is cached (default 24h).
	MaxAge time.Duration
}

// documentError says what is wrong with a client ID URL or its document,
// in words for the person (or developer) whose client it is.
type documentError struct{ msg string }

func (e *documentError) Error() string { return e.msg }

func docErrorf(format string, args ...any) error {
	return &documentError{msg: fmt.Sprintf(format, args...)}
}

// isDocumentClientID reports whether a client_id is meant as a metadata
// document's URL (ours are bmcpc_…, never a URL).
func isDocumentClientID(id string) bool {
	return strings.HasPrefix(id, "https://") || strings.HasPrefix(id, "http://")
}

// checkDocumentURL checks a client_id URL against the draft's rules: https,
// a host, a path that is more than /, no dot segments, no fragment, no
// credentials.
func checkDocumentURL(raw string) (*url.URL, error) {
	if len(raw) > maxURILength {
		return nil, docErrorf("the client_id URL is longer than %d characters", maxURILength)
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return nil, docErrorf("the client_id %q is not an absolute URL", raw)
	}
	if u.Scheme != "https" {
		return nil, docErrorf("the client_id %q is not an https URL: a client metadata document is fetched over https only", raw)
	}
	if u.User != nil {
		return nil, docErrorf("the client_id %q carries credentials", raw)
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return nil, docErrorf("the client_id %q has a fragment", raw)
	}
	if u.Path == "" || u.Path == "/" {
		return nil, docErrorf("the client_id %q has no path: it must name a document, e.g. https://app.example/oauth/client.json", raw)
	}
	for _, seg := range strings.Split(u.EscapedPath(), "/") {
		if seg == "." || seg == ".." || strings.EqualFold(seg, "%2e") || strings.EqualFold(seg, "%2e%2e") {
			return nil, docErrorf("the client_id %q has a . or .. path segment", raw)
		}
	}
	if u.Hostname() == "" {
		return nil, docErrorf("the client_id %q has no host", raw)
	}
	return u, nil
}

// metadataDocument is the part of a client metadata document this server
// reads; other fields are ignored.
type metadataDocument struct {
	ClientID                string   `json:"client_id"`
	ClientName              string   `json:"client_name"`
	RedirectURIs            []string `json:"redirect_uris"`
	TokenEndpointAuthMethod *string  `json:"token_endpoint_auth_method"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
	ClientSecret            *string  `json:"client_secret"`
	ClientSecretExpiresAt   *int64   `json:"client_secret_expires_at"`
}

// parseDocument validates a fetched document for the client_id it was
// fetched from and makes the client it describes. A document client is
// public: no secret can be shared through a public URL, so the token
// endpoint takes it with PKCE alone.
func parseDocument(clientID string, body []byte) (*client, error) {
	var d metadataDocument
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, docErrorf("the client metadata document at %s is not a JSON object of client metadata: %s", clientID, jsonProblem(err))
	}
	if d.ClientID != clientID {
		return nil, docErrorf("the client metadata document at %s says its client_id is %q: it must be the document's URL, exactly", clientID, truncate(d.ClientID, 200))
	}
	if d.ClientSecret != nil || d.ClientSecretExpiresAt != nil {
		return nil, docErrorf("the client metadata document at %s has a client_secret: a public document cannot hold a secret", clientID)
	}
	if d.TokenEndpointAuthMethod != nil && *d.TokenEndpointAuthMethod != string(oidc.AuthMethodNone) {
		return nil, docErrorf("the client metadata document at %s has token_endpoint_auth_method %q: this server takes none (PKCE) for a client ID URL", clientID, truncate(*d.TokenEndpointAuthMethod, 50))
	}
	if len(d.RedirectURIs) == 0 || len(d.RedirectURIs) > maxRedirects {
		return nil, docErrorf("the client metadata document at %s must list 1 to %d redirect_uris, and lists %d", clientID, maxRedirects, len(d.RedirectURIs))
	}
	for _, r := range d.RedirectURIs {
		if err := checkRedirect(r); err != nil {
			return nil, docErrorf("the client metadata document at %s: %v", clientID, err)
		}
	}
	if len(d.ClientName) > maxNameLength || hasControl(d.ClientName) {
		return nil, docErrorf("the client metadata document at %s has a client_name that is not at most %d printable characters", clientID, maxNameLength)
	}
	if len(d.ResponseTypes) > 0 && !slices.Contains(d.ResponseTypes, string(oidc.ResponseTypeCode)) {
		return nil, docErrorf("the client metadata document at %s has response_types without code", clientID)
	}
	// Grants this server does not offer (a device code, client
	// credentials) are dropped rather than refused: the same document
	// serves many servers. Without grant_types the client may refresh too:
	// clients that omit it (RFC 7591's default is authorization_code
	// alone) would otherwise lose every session after one access token.
	grants := []string{string(oidc.GrantTypeCode), string(oidc.GrantTypeRefreshToken)}
	if d.GrantTypes != nil {
		grants = slices.DeleteFunc(slices.Clone(d.GrantTypes), func(g string) bool {
			return g != string(oidc.GrantTypeCode) && g != string(oidc.GrantTypeRefreshToken)
		})
		if !slices.Contains(grants, string(oidc.GrantTypeCode)) {
			return nil, docErrorf("the client metadata document at %s has grant_types without authorization_code", clientID)
		}
		slices.Sort(grants)
		grants = slices.Compact(grants)
	}
	// The consent page links the client's URI: for a document client
	// that is the document's URL, the one thing about it that is not
	// self-asserted (its host vouches for it).
	return &client{ID: clientID, Name: d.ClientName, URI: clientID, Redirects: d.RedirectURIs,
		Method: string(oidc.AuthMethodNone), Grants: grants}, nil
}

// jsonProblem names a JSON decoding problem without echoing the document.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Sprintf("%s is not a %s", te.Field, te.Type)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	}
	return "not a JSON object"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// documents fetches and caches client metadata documents.
type documents struct {
	opts   DocumentOptions
	client *http.Client
	now    func() time.Time
	log    hclog.Logger
	group  singleflight.Group

	mu    sync.Mutex
	cache map[string]cachedDocument
}

type cachedDocument struct {
	c       *client
	err     error
	expires time.Time
}

func newDocuments(o DocumentOptions, now func() time.Time, log hclog.Logger) *documents {
	if o.Timeout <= 0 {
		o.Timeout = defaultDocumentTimeout
	}
	if o.MaxAge <= 0 {
		o.MaxAge = defaultDocumentMaxAge
	}
	if log == nil {
		log = hclog.NewNullLogger()
	}
	d := &documents{opts: o, now: now, log: log, cache: map[string]cachedDocument{}}
	dialer := &net.Dialer{Timeout: o.Timeout, Control: d.checkAddress}
	d.client = &http.Client{
		Timeout: o.Timeout,
		Transport: &http.Transport{
			// No proxy: the address check must see the address really
			// connected to, and a proxy would fetch on our behalf.
			Proxy:                  nil,
			DialContext:            dialer.DialContext,
			TLSHandshakeTimeout:    o.Timeout,
			ResponseHeaderTimeout:  o.Timeout,
			MaxResponseHeaderBytes: 16 << 10,
			MaxIdleConns:           10,
			IdleConnTimeout:        30 * time.Second,
			ForceAttemptHTTP2:      true,
		},
		// A document is where its client_id says, not elsewhere: a
		// redirect could lead the fetch to an address the check would
		// refuse only at connect time, or to a document whose client_id
		// no longer matches what the user was shown.
		CheckRedirect: func(*http.Request, []*http.Request) error { return errRedirect },
	}
	return d
}

var errRedirect = errors.New("redirect refused")

// checkAddress refuses connections to addresses a public client's
// metadata cannot live at: it runs after name resolution, on the address
// actually dialled, so DNS rebinding gains nothing.
func (d *documents) checkAddress(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return err
	}
	if !d.opts.AllowPrivateAddresses && !publicAddress(ip) {
		return &documentError{msg: fmt.Sprintf("its host resolves to %s, a private, loopback or otherwise non-public address", ip)}
	}
	return nil
}

// nonPublic are IPv4 and IPv6 ranges beyond what netip's predicates
// cover that are not the public internet (RFC 6890 and its successors).
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // this network
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and broadcast
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64: would reach any IPv4 address
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local NAT64
	netip.MustParsePrefix("100::/64"),        // discard
	netip.MustParsePrefix("2001::/23"),       // IETF protocol assignments (Teredo and more)
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("2002::/16"),       // 6to4: embeds any IPv4 address
	netip.MustParsePrefix("fc00::/7"),        // unique local
	netip.MustParsePrefix("fec0::/10"),       // site-local (deprecated)
}

// publicAddress reports whether ip is a global unicast address on the
// public internet.
func publicAddress(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || !ip.IsGlobalUnicast() || ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() ||
		ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// cached is a document from the cache, if it is there and fresh.
func (d *documents) cached(id string) (cachedDocument, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	e, ok := d.cache[id]
	if !ok || !d.now().Before(e.expires) {
		return cachedDocument{}, false
	}
	return e, true
}

// get is the client a client_id URL names: from the cache, or fetched
// (once, however many ask at the same time).
func (d *documents) get(ctx context.Context, id string) (*client, error) {
	if e, ok := d.cached(id); ok {
		return e.c, e.err
	}
	if _, err := checkDocumentURL(id); err != nil {
		return nil, err
	}
	v, err, _ := d.group.Do(id, func() (any, error) {
		// Detached from the caller's cancellation (others may wait on
		// this fetch), bounded by the client's timeout.
		c, age, err := d.fetch(context.WithoutCancel(ctx), id)
		if err != nil {
			age = documentFailureAge
		}
		d.store(id, cachedDocument{c: c, err: err, expires: d.now().Add(age)})
		return c, err
	})
	if err != nil {
		return nil, err
	}
	return v.(*client), nil
}

func (d *documents) store(id string, e cachedDocument) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.cache) >= maxCachedDocuments {
		now := d.now()
		for k, v := range d.cache {
			if !now.Before(v.expires) {
				delete(d.cache, k)
			}
		}
		if len(d.cache) >= maxCachedDocuments {
			clear(d.cache)
		}
	}
	d.cache[id] = e
}

// fetch gets and validates the document, and says how long it may be
// cached.
func (d *documents) fetch(ctx context.Context, id string) (*client, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, id, nil)
	if err != nil {
		return nil, 0, docErrorf("the client_id %q is not a URL this server can fetch", id)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "billy-mcp (client metadata document fetch)")
	resp, err := d.client.Do(req)
	if err != nil {
		return nil, 0, docErrorf("the client metadata document at %s could not be fetched: %s", id, fetchProblem(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, 0, docErrorf("the client metadata document at %s could not be fetched: the server answered %d, not 200", id, resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return nil, 0, docErrorf("the client metadata document at %s is served as %q, not application/json", id, truncate(ct, 100))
		}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocumentSize+1))
	if err != nil {
		return nil, 0, docErrorf("the client metadata document at %s could not be read: %s", id, fetchProblem(err))
	}
	if len(body) > maxDocumentSize {
		return nil, 0, docErrorf("the client metadata document at %s is larger than %d bytes", id, maxDocumentSize)
	}
	c, err := parseDocument(id, body)
	if err != nil {
		return nil, 0, err
	}
	age := cacheAge(resp.Header, d.opts.MaxAge)
	d.log.Info("client metadata document fetched", "client_id", id, "client_name", c.Name, "redirect_uris", c.Redirects,
		"cached_for", age.String())
	return c, age, nil
}

// fetchProblem names why a fetch failed, without the Go error's noise.
func fetchProblem(err error) string {
	var de *documentError
	switch {
	case errors.As(err, &de):
		return de.msg
	case errors.Is(err, errRedirect):
		return "it answered with a redirect, and a document must be served at its client_id URL itself"
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return "it did not answer in time"
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return "its host name does not resolve"
	}
	if strings.Contains(err.Error(), "certificate") || strings.Contains(err.Error(), "tls:") {
		return "its TLS certificate is not valid for the host"
	}
	return "the connection failed"
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// cacheAge is how long a response may be cached (RFC 9111's max-age,
// no-store and no-cache, then Expires), between 0 and limit; without
// caching headers, documentFallbackAge.
func cacheAge(h http.Header, limit time.Duration) time.Duration {
	bound := func(d time.Duration) time.Duration { return max(0, min(d, limit)) }
	if cc := h.Get("Cache-Control"); cc != "" {
		var maxAge = -1
		for _, part := range strings.Split(cc, ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
			switch strings.ToLower(k) {
			case "no-store", "no-cache":
				return 0
			case "max-age":
				if n, err := strconv.Atoi(strings.Trim(v, `"`)); err == nil && n >= 0 {
					maxAge = n
				}
			}
		}
		if maxAge >= 0 {
			// Age says how long a shared cache on the way has held it.
			if a, err := strconv.Atoi(h.Get("Age")); err == nil && a > 0 {
				maxAge -= a
			}
			return bound(time.Duration(maxAge) * time.Second)
		}
	}
	if exp := h.Get("Expires"); exp != "" {
		t, err := http.ParseTime(exp)
		if err != nil {
			return 0 // RFC 9111 §5.3: an invalid Expires means already expired
		}
		date, err := http.ParseTime(h.Get("Date"))
		if err != nil {
			date = time.Now()
		}
		return bound(t.Sub(date))
	}
	return bound(documentFallbackAge)
}
