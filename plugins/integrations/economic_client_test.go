package integrations

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/sandbox/economic"
	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/google/go-cmp/cmp"
)

// testEconomicClient is a client of the fake at srv, recording its waits
// instead of sleeping.
func testEconomicClient(srv *httptest.Server, grant string, waits *[]time.Duration) *economicClient {
	return &economicClient{base: srv.URL, app: "app-secret", grant: grant, hc: srv.Client(), maxBody: economicMaxBody,
		maxPages: economicMaxPages, pageSize: economicPageSize,
		sleep: func(_ context.Context, d time.Duration) error { *waits = append(*waits, d); return nil }}
}

func TestEconomicClientPaging(t *testing.T) {
	fake := economic.New(economic.Options{})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	var waits []time.Duration
	c := testEconomicClient(srv, "demo-grant", &waits)
	c.pageSize = 3
	got, err := economicAll[economicCustomer](context.Background(), c, "/customers")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, cu := range got {
		names = append(names, cu.Name)
	}
	if d := cmp.Diff([]string{"Nordlys Café ApS", "Hansen Tømrer & Snedker", "Berlin Design GmbH", "Mette Jensen"}, names); d != "" {
		t.Errorf("customers (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"/customers?pagesize=3&skippages=0", "/customers?pagesize=3&skippages=1"}, fake.Requests()); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}
	// The bound: two pages allowed, four customers at one a page.
	c.pageSize, c.maxPages = 1, 2
	if _, err := economicAll[economicCustomer](context.Background(), c, "/customers"); sdk.AsError(err).Code != "too_many_records" {
		t.Errorf("past maxPages: %v", err)
	}
	// An empty collection is one page.
	c.pageSize, c.maxPages = 1000, 50
	if got, err := economicAll[economicSupplier](context.Background(), c, "/suppliers"); err != nil || len(got) != 2 {
		t.Errorf("suppliers: %v %d", err, len(got))
	}
}

// TestEconomicClientErrors: a bad token is economic_unauthorized naming
// the config keys but no token; 429s and 5xx are retried (waiting
// Retry-After, else backing off) and give up after four attempts; a
// malformed or oversized body and a page without a collection are refused.
func TestEconomicClientErrors(t *testing.T) {
	ctx := context.Background()
	fake := economic.New(economic.Options{})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	var waits []time.Duration

	bad := testEconomicClient(srv, "wrong-grant-t0ken", &waits)
	_, err := economicAll[economicCustomer](ctx, bad, "/customers")
	e := sdk.AsError(err)
	if e.Code != "economic_unauthorized" || e.Category != sdk.CategoryUnauthorized || e.UpstreamCode != "E00500" ||
		!strings.Contains(e.Message, "economic.agreement_grant_tokens") || strings.Contains(e.Message, "t0ken") || strings.Contains(e.Message, "app-secret") || len(waits) != 0 {
		t.Errorf("401: %+v, waits %v", e, waits)
	}

	c := testEconomicClient(srv, "demo-grant", &waits)
	fake.FailNext(2, 429)
	if got, err := economicAll[economicCustomer](ctx, c, "/customers"); err != nil || len(got) != 4 {
		t.Errorf("429 twice, then success: %v", err)
	}
	if d := cmp.Diff([]time.Duration{time.Second, time.Second}, waits); d != "" {
		t.Errorf("waits (-want +got):\n%s", d)
	}

	waits = nil
	fake.FailNext(9, 503)
	err = c.get(ctx, "/self", nil, &struct{}{})
	if e := sdk.AsError(err); e.Code != "economic_unavailable" || !e.Retryable || !strings.Contains(e.Message, "after 4 attempts") {
		t.Errorf("503 always: %+v", e)
	}
	if d := cmp.Diff([]time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second}, waits); d != "" {
		t.Errorf("backoff (-want +got):\n%s", d)
	}
	fake.FailNext(0, 0)

	if err := c.get(ctx, "/nowhere", nil, &struct{}{}); sdk.AsError(err).Code != "economic_not_found" {
		t.Errorf("404: %v", err)
	}

	for name, body := range map[string]string{
		"malformed":     `{"collection": [{"customerNumber": "x"`,
		"no collection": `{"pagination": {}}`,
		"wrong type":    `{"collection": {"customerNumber": 1}}`,
	} {
		odd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(body)) }))
		waits = nil
		_, err := economicAll[economicCustomer](ctx, testEconomicClient(odd, "g", &waits), "/customers")
		if e := sdk.AsError(err); e.Code != "economic_unexpected_response" || len(waits) != 0 {
			t.Errorf("%s: %+v", name, e)
		}
		odd.Close()
	}
	small := testEconomicClient(srv, "demo-grant", &waits)
	small.maxBody = 100
	if _, err := economicAll[economicCustomer](ctx, small, "/customers"); sdk.AsError(err).Code != "economic_response_too_large" {
		t.Errorf("too large: %v", err)
	}
}

func TestEconomicConfig(t *testing.T) {
	dir := t.TempDir()
	app := filepath.Join(dir, "app")
	grants := filepath.Join(dir, "grants.json")
	if err := os.WriteFile(app, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(grants, []byte(`{"org2": "g2"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		in   economicConfig
		want economicConfig
		err  string // the field of the error
	}{
		{"defaults", economicConfig{}, economicConfig{BaseURL: economicDefaultBase}, ""},
		{"files", economicConfig{AppSecretTokenFile: app, AgreementGrantTokens: map[string]string{"org1": "g1"}, AgreementGrantTokensFile: grants},
			economicConfig{BaseURL: economicDefaultBase, AppSecretToken: "s3cret", AppSecretTokenFile: app, AgreementGrantTokens: map[string]string{"org1": "g1", "org2": "g2"}, AgreementGrantTokensFile: grants}, ""},
		{"loopback http", economicConfig{BaseURL: "http://127.0.0.1:8080/"}, economicConfig{BaseURL: "http://127.0.0.1:8080"}, ""},
		{"plain http", economicConfig{BaseURL: "http://restapi.e-conomic.com"}, economicConfig{}, "economic.base_url"},
		{"not a URL", economicConfig{BaseURL: "restapi.e-conomic.com"}, economicConfig{}, "economic.base_url"},
		{"both app tokens", economicConfig{AppSecretToken: "a", AppSecretTokenFile: app}, economicConfig{}, "economic.app_secret_token_file"},
		{"relative file", economicConfig{AppSecretTokenFile: "app"}, economicConfig{}, "economic.app_secret_token_file"},
		{"grants twice", economicConfig{AgreementGrantTokens: map[string]string{"org2": "x"}, AgreementGrantTokensFile: grants}, economicConfig{}, "economic.agreement_grant_tokens_file"},
		{"empty grant", economicConfig{AgreementGrantTokens: map[string]string{"org1": " "}}, economicConfig{}, "economic.agreement_grant_tokens"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.in
			err := got.load()
			if tt.err != "" {
				e := sdk.AsError(err)
				if e == nil || len(e.Fields) == 0 || e.Fields[0].Field != tt.err || strings.Contains(e.Message, "s3cret") {
					t.Errorf("error %+v, want one about %s", e, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

// answerTransport answers every request with one status and body, in
// memory.
type answerTransport struct {
	status int
	header http.Header
	body   []byte
}

func (a answerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	h := a.header
	if h == nil {
		h = http.Header{}
	}
	return &http.Response{StatusCode: a.status, Header: h, Body: io.NopCloser(bytes.NewReader(a.body)), Request: r}, nil
}

// FuzzEconomicAnswer: whatever e-conomic answers (any status, any body,
// any Retry-After), the client reads a collection or refuses it with one
// of its error codes, never panics, never waits past economicMaxWait, and
// never puts a token in the error.
func FuzzEconomicAnswer(f *testing.F) {
	f.Add(200, "", []byte(`{"collection":[{"customerNumber":1,"name":"A"}],"pagination":{"results":1}}`))
	f.Add(200, "", []byte(`{"collection":[],"pagination":{"nextPage":"x"}}`))
	f.Add(401, "", []byte(`{"message":"Unauthorized","errorCode":"E00500","logId":"1","httpStatusCode":401}`))
	f.Add(429, "5", []byte(`{"message":"Too many requests"}`))
	f.Add(503, "-1", []byte(`<html>`))
	f.Add(200, "", []byte(`{"collection":{"a":1}}`))
	codes := map[string]bool{"economic_unauthorized": true, "economic_not_found": true, "economic_rate_limited": true, "economic_unavailable": true,
		"economic_request_rejected": true, "economic_unexpected_response": true, "economic_response_too_large": true, "too_many_records": true}
	f.Fuzz(func(t *testing.T, status int, retryAfter string, body []byte) {
		if status < 100 || status > 599 {
			return
		}
		var waited time.Duration
		c := &economicClient{base: "http://127.0.0.1:1", app: "app-tok3n", grant: "grant-tok3n", maxBody: 4096, maxPages: 3, pageSize: 1000,
			hc:    &http.Client{Transport: answerTransport{status: status, header: http.Header{"Retry-After": {retryAfter}}, body: body}},
			sleep: func(_ context.Context, d time.Duration) error { waited = max(waited, d); return nil }}
		got, err := economicAll[economicCustomer](context.Background(), c, "/customers")
		if waited > economicMaxWait {
			t.Fatalf("waited %s", waited)
		}
		if err == nil {
			if got == nil {
				t.Fatal("no error and no collection")
			}
			return
		}
		e := sdk.AsError(err)
		if !codes[e.Code] || strings.Contains(e.Message, "tok3n") {
			t.Fatalf("error %+v", e)
		}
	})
}

// TestEconomicNoRedirect: a redirect to another host is not followed, so
// the tokens never reach it.
func TestEconomicNoRedirect(t *testing.T) {
	var leaked []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked = append(leaked, r.Header.Get("X-AgreementGrantToken"))
		_, _ = w.Write([]byte(`{"collection":[],"pagination":{}}`))
	}))
	defer other.Close()
	redirecting := httptest.NewServer(http.RedirectHandler(other.URL+"/customers", http.StatusFound))
	defer redirecting.Close()
	var waits []time.Duration
	c := testEconomicClient(redirecting, "grant", &waits)
	c.hc = newEconomicHTTP()
	_, err := economicAll[economicCustomer](context.Background(), c, "/customers")
	if e := sdk.AsError(err); e == nil || e.Code != "economic_request_rejected" || len(leaked) != 0 {
		t.Errorf("a redirect: %+v; the other host saw %v", e, leaked)
	}
}
