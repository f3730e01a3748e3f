package oauthserver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/billy-mcp/billy-mcp/host/internal/auth"
	"github.com/billy-mcp/billy-mcp/host/internal/store"
)

// docServer serves client metadata documents over TLS, counting fetches.
type docServer struct {
	ts      *httptest.Server
	fetches atomic.Int64
	// answer writes the response for a path.
	answer func(w http.ResponseWriter, r *http.Request)
}

func newDocServer(t *testing.T) *docServer {
	t.Helper()
	d := &docServer{}
	d.ts = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.fetches.Add(1)
		d.answer(w, r)
	}))
	t.Cleanup(d.ts.Close)
	return d
}

func (d *docServer) url(path string) string { return d.ts.URL + path }

// serveJSON answers every fetch with doc as JSON and the headers given.
func (d *docServer) serveJSON(doc any, header ...string) {
	b, _ := json.Marshal(doc)
	d.answer = func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		_, _ = w.Write(b)
	}
}

// newDocFixture is newFixture's server with client ID metadata documents
// on, trusting ds's certificate.
func newDocFixture(t *testing.T, ds *docServer, o DocumentOptions) *fixture {
	t.Helper()
	st, err := store.Open(context.Background(), store.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	f := &fixture{t: t, lim: &countingLimiter{}}
	f.ts = httptest.NewUnstartedServer(nil)
	issuer := "http://" + f.ts.Listener.Addr().String()
	o.Enabled = true
	f.srv, err = New(Options{
		Issuer: issuer, Resource: testResource, Seed: make([]byte, 32),
		Users: []User{{Name: "bo", PasswordHash: hash(t, "bo-password"), Organizations: []string{"org-a"}, Scopes: []string{"billy:write"}}},
		State: func() State { return st }, Limiter: f.lim, Registration: true, Documents: o,
		BaselineScopes: []string{"billy:read"},
	})
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ds.ts.Certificate())
	f.srv.docs.client.Transport.(*http.Transport).TLSClientConfig = &tls.Config{RootCAs: pool}
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
	return f
}

// A client whose client_id is its metadata document's URL goes through
// the whole flow without registering: the server announces support, the
// consent page names the client and the document's URL, the code is
// redeemed without a secret, the refresh works, and the document is
// fetched once for all of it (its max-age covers the flow).
func TestDocumentClientFlow(t *testing.T) {
	ds := newDocServer(t)
	id := ds.url("/oauth/client.json")
	ds.serveJSON(map[string]any{"client_id": id, "client_name": "Docs Client", "redirect_uris": []string{redirect},
		"token_endpoint_auth_method": "none", "grant_types": []string{"authorization_code", "refresh_token"},
		"response_types": []string{"code"}, "logo_uri": "https://example.com/logo.png"}, "Cache-Control", "public, max-age=600")
	f := newDocFixture(t, ds, DocumentOptions{AllowPrivateAddresses: true})
	f.client = id

	_, body := get(t, http.DefaultClient, f.ts.URL+MetadataPath)
	var md map[string]any
	if err := json.Unmarshal([]byte(body), &md); err != nil {
		t.Fatal(err)
	}
	if md["client_id_metadata_document_supported"] != true || !strings.Contains(body, `"none"`) {
		t.Errorf("metadata: %s", body)
	}

	c := f.browser()
	resp, _ := get(t, c, f.authorizeURL(nil))
	_, page := get(t, c, resp.Header.Get("Location"))
	if !strings.Contains(page, "Docs Client") {
		t.Errorf("the login page does not name the client:\n%s", page)
	}
	q := f.loginAndConsent(f.browser(), f.authorizeURL(nil), "bo", "bo-password", "", url.Values{"action": {"allow"},
		"scope": {"billy:read", "billy:write"}, "organization": {"org-a"}})
	status, tok := f.exchange(q.Get("code"), verifier)
	if status != 200 || tok["access_token"] == nil || tok["refresh_token"] == nil {
		t.Fatalf("token: %d %v", status, tok)
	}
	caller, fail := f.authn.Verify(httptest.NewRequest("POST", "/mcp", nil), tok["access_token"].(string))
	if fail != nil || caller.Subject != "bo" {
		t.Fatalf("the resource server: %+v %+v", caller, fail)
	}
	status, ref := f.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}, "client_id": {id}})
	if status != 200 || ref["access_token"] == nil {
		t.Fatalf("refresh: %d %v", status, ref)
	}
	if n := ds.fetches.Load(); n != 1 {
		t.Errorf("the document was fetched %d times, want once (max-age=600)", n)
	}
	// Nothing was registered: the client lives in its document only.
	if _, err := f.srv.storage.GetClientByClientID(context.Background(), id); err != nil {
		t.Errorf("the client: %v", err)
	}
	// A redirect URI the document does not list is refused.
	resp, body = get(t, f.browser(), f.authorizeURL(func(v url.Values) { v.Set("redirect_uri", "https://evil.example/cb") }))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "redirect_uri") {
		t.Errorf("an unlisted redirect URI: %d %s", resp.StatusCode, body)
	}
}

// A bad document, or a URL that cannot be one, is refused at the
// authorization endpoint with what is wrong with it.
func TestDocumentRefused(t *testing.T) {
	ds := newDocServer(t)
	f := newDocFixture(t, ds, DocumentOptions{AllowPrivateAddresses: true})
	good := func(id string) map[string]any {
		return map[string]any{"client_id": id, "client_name": "X", "redirect_uris": []string{redirect}}
	}
	for _, tc := range []struct {
		name   string
		path   string
		id     string // instead of ds's URL for path
		answer func(id string, w http.ResponseWriter)
		want   string
	}{
		{name: "client_id differs", path: "/a.json", answer: func(id string, w http.ResponseWriter) {
			writeJSON(w, map[string]any{"client_id": "https://other.example/a.json", "redirect_uris": []string{redirect}})
		}, want: `says its client_id is "https://other.example/a.json"`},
		{name: "no redirect_uris", path: "/b.json", answer: func(id string, w http.ResponseWriter) {
			writeJSON(w, map[string]any{"client_id": id})
		}, want: "must list 1 to 10 redirect_uris, and lists 0"},
		{name: "bad redirect", path: "/c.json", answer: func(id string, w http.ResponseWriter) {
			writeJSON(w, map[string]any{"client_id": id, "redirect_uris": []string{"http://evil.example/cb"}})
		}, want: "is http on a host other than loopback"},
		{name: "secret method", path: "/d.json", answer: func(id string, w http.ResponseWriter) {
			d := good(id)
			d["token_endpoint_auth_method"] = "client_secret_basic"
			writeJSON(w, d)
		}, want: `token_endpoint_auth_method "client_secret_basic"`},
		{name: "a secret", path: "/e.json", answer: func(id string, w http.ResponseWriter) {
			d := good(id)
			d["client_secret"] = "s3cret"
			writeJSON(w, d)
		}, want: "cannot hold a secret"},
		{name: "not JSON", path: "/f.json", answer: func(id string, w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte("{nope"))
		}, want: "is not a JSON object of client metadata"},
		{name: "wrong type", path: "/g.json", answer: func(id string, w http.ResponseWriter) {
			writeJSON(w, map[string]any{"client_id": id, "redirect_uris": "https://a.example/cb"})
		}, want: "redirect_uris is not a []string"},
		{name: "too large", path: "/h.json", answer: func(id string, w http.ResponseWriter) {
			d := good(id)
			d["padding"] = strings.Repeat("x", maxDocumentSize)
			writeJSON(w, d)
		}, want: "is larger than 16384 bytes"},
		{name: "HTML", path: "/i.json", answer: func(id string, w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html>"))
		}, want: `is served as "text/html", not application/json`},
		{name: "not found", path: "/j.json", answer: func(id string, w http.ResponseWriter) {
			http.NotFound(w, nil)
		}, want: "the server answered 404, not 200"},
		{name: "redirect", path: "/k.json", answer: func(id string, w http.ResponseWriter) {
			w.Header().Set("Location", "/a.json")
			w.WriteHeader(http.StatusFound)
		}, want: "answered with a redirect"},
		{name: "no code grant", path: "/l.json", answer: func(id string, w http.ResponseWriter) {
			d := good(id)
			d["grant_types"] = []string{"client_credentials"}
			writeJSON(w, d)
		}, want: "grant_types without authorization_code"},
		{name: "http", id: "http://127.0.0.1:1/client.json", want: "is not an https URL"},
		{name: "no path", id: "https://127.0.0.1:1/", want: "has no path"},
		{name: "dot segment", id: "https://127.0.0.1:1/a/../client.json", want: "has a . or .. path segment"},
		{name: "credentials", id: "https://u:p@127.0.0.1:1/client.json", want: "carries credentials"},
		{name: "unreachable", id: "https://127.0.0.1:1/client.json", want: "could not be fetched: the connection failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := tc.id
			if id == "" {
				id = ds.url(tc.path)
			}
			answer := tc.answer
			ds.answer = func(w http.ResponseWriter, r *http.Request) {
				if answer != nil && r.URL.Path == tc.path {
					answer(id, w)
					return
				}
				http.NotFound(w, r)
			}
			f.client = id
			resp, body := get(t, f.browser(), f.authorizeURL(nil))
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, tc.want) || !strings.HasPrefix(body, "invalid_client: ") {
				t.Errorf("%d %q, want 400 with %q", resp.StatusCode, body, tc.want)
			}
		})
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// Without allow_private_addresses, a document on a loopback address is
// not fetched: the check runs on the address dialled, after resolution,
// so a name that resolves to 127.0.0.1 (localhost here) is refused too.
func TestDocumentPrivateAddressRefused(t *testing.T) {
	ds := newDocServer(t)
	f := newDocFixture(t, ds, DocumentOptions{})
	for _, id := range []string{ds.url("/client.json"), strings.Replace(ds.url("/client.json"), "127.0.0.1", "localhost", 1)} {
		ds.serveJSON(map[string]any{"client_id": id, "redirect_uris": []string{redirect}})
		f.client = id
		resp, body := get(t, f.browser(), f.authorizeURL(nil))
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "a private, loopback or otherwise non-public address") {
			t.Errorf("%s: %d %s", id, resp.StatusCode, body)
		}
	}
	if n := ds.fetches.Load(); n != 0 {
		t.Errorf("the document server was reached %d times", n)
	}
}

// With the feature off, the metadata does not announce it and an https
// client_id is refused with a reason.
func TestDocumentsOff(t *testing.T) {
	f := newFixture(t)
	_, body := get(t, http.DefaultClient, f.ts.URL+MetadataPath)
	if strings.Contains(body, "client_id_metadata_document_supported") {
		t.Errorf("metadata announces documents: %s", body)
	}
	f.client = "https://app.example/client.json"
	resp, body := get(t, f.browser(), f.authorizeURL(nil))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "does not accept client ID metadata documents") {
		t.Errorf("%d %s", resp.StatusCode, body)
	}
}

// A failed fetch is remembered briefly, a good one as long as its
// headers say within the bound; both are fetched again after.
func TestDocumentCache(t *testing.T) {
	ds := newDocServer(t)
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	d := newDocuments(DocumentOptions{Enabled: true, AllowPrivateAddresses: true, MaxAge: time.Hour}, func() time.Time { return now }, nil)
	pool := x509.NewCertPool()
	pool.AddCert(ds.ts.Certificate())
	d.client.Transport.(*http.Transport).TLSClientConfig = &tls.Config{RootCAs: pool}
	id := ds.url("/c.json")
	ds.answer = func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
	ctx := context.Background()
	for range 2 {
		if _, err := d.get(ctx, id); err == nil {
			t.Fatal("a 404 was accepted")
		}
	}
	if n := ds.fetches.Load(); n != 1 {
		t.Errorf("a failure was fetched %d times within %s", n, documentFailureAge)
	}
	now = now.Add(documentFailureAge)
	ds.serveJSON(map[string]any{"client_id": id, "redirect_uris": []string{redirect}}, "Cache-Control", "max-age=86400")
	for range 2 {
		if _, err := d.get(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	now = now.Add(time.Hour - time.Second)
	if _, err := d.get(ctx, id); err != nil {
		t.Fatal(err)
	}
	if n := ds.fetches.Load(); n != 2 {
		t.Errorf("%d fetches, want 2", n)
	}
	now = now.Add(time.Second) // max-age=86400, bounded to MaxAge 1h
	if _, err := d.get(ctx, id); err != nil {
		t.Fatal(err)
	}
	if n := ds.fetches.Load(); n != 3 {
		t.Errorf("%d fetches, want 3: the cache outlived its bound", n)
	}
}

func TestCacheAge(t *testing.T) {
	date := "Sat, 28 Nov 2026 12:00:00 GMT"
	for _, tc := range []struct {
		name string
		h    http.Header
		want time.Duration
	}{
		{"none", http.Header{}, documentFallbackAge},
		{"max-age", http.Header{"Cache-Control": {"public, max-age=600"}}, 10 * time.Minute},
		{"max-age bounded", http.Header{"Cache-Control": {"max-age=999999"}}, time.Hour},
		{"max-age less Age", http.Header{"Cache-Control": {"max-age=600"}, "Age": {"60"}}, 9 * time.Minute},
		{"Age past max-age", http.Header{"Cache-Control": {"max-age=60"}, "Age": {"600"}}, 0},
		{"no-store", http.Header{"Cache-Control": {"no-store"}}, 0},
		{"no-cache wins", http.Header{"Cache-Control": {"max-age=600, no-cache"}}, 0},
		{"bad max-age falls to Expires", http.Header{"Cache-Control": {"max-age=x"}, "Date": {date}, "Expires": {"Sat, 28 Nov 2026 12:02:00 GMT"}}, 2 * time.Minute},
		{"bad Expires", http.Header{"Expires": {"0"}}, 0},
		{"past Expires", http.Header{"Date": {date}, "Expires": {"Sat, 28 Nov 2026 11:00:00 GMT"}}, 0},
	} {
		if got := cacheAge(tc.h, time.Hour); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestPublicAddress(t *testing.T) {
	got := map[string]bool{}
	for _, a := range []string{"8.8.8.8", "2606:4700::1111", "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
		"100.64.0.1", "0.0.0.0", "::1", "::", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "::ffff:8.8.8.8", "64:ff9b::a00:1",
		"2002:a00:1::", "224.0.0.1", "255.255.255.255", "198.18.0.1", "192.0.2.1"} {
		got[a] = publicAddress(netip.MustParseAddr(a))
	}
	want := map[string]bool{"8.8.8.8": true, "2606:4700::1111": true, "::ffff:8.8.8.8": true}
	for a := range got {
		if !want[a] {
			want[a] = false
		}
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("publicAddress (-want +got):\n%s", d)
	}
}

func TestParseDocument(t *testing.T) {
	id := "https://app.example/oauth/client.json"
	for _, tc := range []struct {
		name string
		doc  string
		want *client
	}{
		{"minimal: grants default to code and refresh", `{"client_id":"` + id + `","redirect_uris":["https://app.example/cb"]}`,
			&client{ID: id, URI: id, Redirects: []string{"https://app.example/cb"}, Method: "none", Grants: []string{"authorization_code", "refresh_token"}}},
		{"unknown grants dropped", `{"client_id":"` + id + `","client_name":"App","redirect_uris":["http://127.0.0.1/cb"],"token_endpoint_auth_method":"none",` +
			`"grant_types":["urn:ietf:params:oauth:grant-type:device_code","authorization_code","authorization_code"]}`,
			&client{ID: id, Name: "App", URI: id, Redirects: []string{"http://127.0.0.1/cb"}, Method: "none", Grants: []string{"authorization_code"}}},
	} {
		got, err := parseDocument(id, []byte(tc.doc))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if d := cmp.Diff(tc.want, got, cmp.AllowUnexported(client{})); d != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, d)
		}
	}
}

// FuzzParseDocument: whatever a client ID URL and its document, an
// accepted client is public, is exactly the URL it was fetched from,
// redirects only where registration would allow, and may use the code and
// refresh grants only; an accepted URL is https with a path.
func FuzzParseDocument(f *testing.F) {
	id := "https://app.example/oauth/client.json"
	for _, s := range []string{
		`{"client_id":"` + id + `","client_name":"App","redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"none"}`,
		`{"client_id":"` + id + `","redirect_uris":["http://127.0.0.1:3000/cb"],"grant_types":["authorization_code","refresh_token","client_credentials"]}`,
		`{"client_id":"` + id + `","redirect_uris":["http://evil.example/cb"]}`,
		`{"client_id":"https://other.example/c.json","redirect_uris":["https://a.example/cb"]}`,
		`{"client_id":"` + id + `","redirect_uris":["https://a.example/cb"],"client_secret":"x"}`,
		`[]`, `null`, `{"client_id":1}`,
	} {
		f.Add(id, []byte(s))
	}
	f.Add("https://a.example/", []byte(`{}`))
	f.Add("https://a.example/x/../c.json", []byte(`{}`))
	f.Fuzz(func(t *testing.T, raw string, body []byte) {
		if u, err := checkDocumentURL(raw); err == nil {
			if u.Scheme != "https" || u.Host == "" || u.Path == "" || u.Path == "/" || u.User != nil || u.Fragment != "" {
				t.Fatalf("accepted client_id URL %q: %+v", raw, u)
			}
		}
		c, err := parseDocument(raw, body)
		if err != nil {
			var de *documentError
			if !errors.As(err, &de) {
				t.Fatalf("an error of type %T: %v", err, err)
			}
			return
		}
		if c.ID != raw || c.URI != raw || c.Method != "none" || c.SecretHash != "" {
			t.Fatalf("accepted %q as %+v", raw, c)
		}
		if len(c.Redirects) == 0 || len(c.Redirects) > maxRedirects {
			t.Fatalf("%d redirect URIs", len(c.Redirects))
		}
		for _, r := range c.Redirects {
			if checkRedirect(r) != nil {
				t.Fatalf("accepted redirect URI %q", r)
			}
		}
		if !slices.Contains(c.Grants, "authorization_code") {
			t.Fatalf("grants %v", c.Grants)
		}
		for _, g := range c.Grants {
			if g != "authorization_code" && g != "refresh_token" {
				t.Fatalf("grant %q", g)
			}
		}
		if len(c.Name) > maxNameLength || hasControl(c.Name) {
			t.Fatalf("client_name %q", c.Name)
		}
	})
}

// A client registered with the refresh_token grant gets a refresh token
// without asking for offline_access (MCP clients rarely do); one
// registered without that grant does not.
func TestRefreshWithoutOfflineAccess(t *testing.T) {
	f := newFixture(t)
	noRefresh := f.register(map[string]any{"redirect_uris": []string{redirect}, "token_endpoint_auth_method": "none"})["client_id"].(string)
	for _, tc := range []struct {
		client      string
		wantRefresh bool
	}{{f.client, true}, {noRefresh, false}} {
		f.client = tc.client
		authorize := f.authorizeURL(func(v url.Values) { v.Set("scope", "billy:read") })
		q := f.loginAndConsent(f.browser(), authorize, "bo", "bo-password", "", url.Values{"action": {"allow"},
			"scope": {"billy:read"}, "organization": {"org-a"}})
		status, tok := f.exchange(q.Get("code"), verifier)
		if status != 200 {
			t.Fatalf("token: %d %v", status, tok)
		}
		if _, got := tok["refresh_token"]; got != tc.wantRefresh {
			t.Errorf("client %s: refresh token %v, want %v (%v)", tc.client, got, tc.wantRefresh, tok)
		}
	}
}

// refusingLimiter has no tokens left for registrations (and document
// fetches).
type refusingLimiter struct{ countingLimiter }

func (*refusingLimiter) Take(_ context.Context, key string, _ float64, _ int) time.Duration {
	if strings.HasPrefix(key, "as-register/") {
		return time.Minute
	}
	return 0
}

// A document not cached is fetched only within the address's
// registration budget, at the authorization and the token endpoint alike;
// a cached one costs nothing.
func TestDocumentFetchBudget(t *testing.T) {
	ds := newDocServer(t)
	id := ds.url("/client.json")
	ds.serveJSON(map[string]any{"client_id": id, "redirect_uris": []string{redirect}}, "Cache-Control", "max-age=600")
	f := newDocFixture(t, ds, DocumentOptions{AllowPrivateAddresses: true})
	f.client = id
	lim := &refusingLimiter{}
	f.srv.opts.Limiter = lim
	resp, _ := get(t, f.browser(), f.authorizeURL(nil))
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("authorize: %d, want 429", resp.StatusCode)
	}
	status, body := f.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}, "client_id": {id}})
	if status != http.StatusTooManyRequests {
		t.Errorf("token: %d %v, want 429", status, body)
	}
	if n := ds.fetches.Load(); n != 0 {
		t.Errorf("%d fetches past the budget", n)
	}
	// Cached (fetched while the budget allowed): no budget needed.
	if _, err := f.srv.docs.get(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	resp, _ = get(t, f.browser(), f.authorizeURL(nil))
	if resp.StatusCode != http.StatusFound {
		t.Errorf("authorize with the document cached: %d, want 302", resp.StatusCode)
	}
}
