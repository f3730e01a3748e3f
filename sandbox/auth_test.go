package sandbox

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Billy's order of checks (billy-api.md §1.2): a bad token is 401 on any
// path, then an unknown path is 404, then an unsupported method is 405,
// and only then is a missing credential 401.
func TestAuthAndRouting(t *testing.T) {
	sb := newSandbox(t, Options{})
	orgToken := sb.s.Organizations()[0].AccessToken
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("owner@example.dk:"+testToken))
	badBasic := "Basic " + base64.StdEncoding.EncodeToString([]byte("owner@example.dk:nope"))
	tests := []struct {
		name         string
		method, path string
		headers      []string
		wantStatus   int
		wantCode     string
	}{
		{"no token", "GET", "/v2/invoices", []string{"X-Access-Token", ""}, 401, "AUTHENTICATION_REQUIRED"},
		{"wrong token", "GET", "/v2/invoices", []string{"X-Access-Token", "wrong"}, 401, "OAUTH_INVALID_ACCESS_TOKEN"},
		{"wrong token on unknown path", "GET", "/v2/webhooks", []string{"X-Access-Token", "wrong"}, 401, "OAUTH_INVALID_ACCESS_TOKEN"},
		{"unknown path without token", "GET", "/v2/webhooks", []string{"X-Access-Token", ""}, 404, "UNKNOWN_RESOURCE"},
		{"unknown path with token", "GET", "/v2/recurringInvoices", nil, 404, "UNKNOWN_RESOURCE"},
		{"no approve route", "POST", "/v2/invoices/x/approve", nil, 404, "UNKNOWN_RESOURCE"},
		{"unsupported method without token", "DELETE", "/v2/bankPayments/x", []string{"X-Access-Token", ""}, 405, "METHOD_NOT_ALLOWED"},
		{"read-only resource", "POST", "/v2/postings", nil, 405, "METHOD_NOT_ALLOWED"},
		{"organization is GET-only", "PUT", "/v2/organization", nil, 405, "METHOD_NOT_ALLOWED"},
		{"public reference data", "GET", "/v2/countries", []string{"X-Access-Token", ""}, 200, ""},
		{"valid token", "GET", "/v2/invoices?pageSize=1", nil, 200, ""},
		{"company token", "GET", "/v2/organization", []string{"X-Access-Token", orgToken}, 200, ""},
		{"company token, other organization", "GET", "/v2/contacts?organizationId=other", []string{"X-Access-Token", orgToken}, 403, "ACCESS_DENIED"},
		{"unknown organization", "GET", "/v2/contacts", []string{"X-Organization-Id", "nope"}, 403, "ACCESS_DENIED"},
		{"basic auth", "GET", "/v2/user", []string{"X-Access-Token", "", "Authorization", basic}, 200, ""},
		{"bad basic auth", "GET", "/v2/user", []string{"X-Access-Token", "", "Authorization", badBasic}, 401, "AUTHENTICATION_REQUIRED"},
		{"unknown record", "GET", "/v2/invoices/nope", nil, 404, "RECORD_NOT_FOUND"},
		{"outside /v2", "GET", "/v1/invoices", nil, 404, "UNKNOWN_RESOURCE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sb.do(tt.method, tt.path, nil, tt.headers...)
			if r.status != tt.wantStatus || r.errorCode() != tt.wantCode {
				t.Fatalf("got %d %q, want %d %q: %s", r.status, r.errorCode(), tt.wantStatus, tt.wantCode, r.raw)
			}
		})
	}
}

// The 401 body is Billy's error envelope, as seen live (§5.1).
func TestAuthErrorEnvelope(t *testing.T) {
	sb := newSandbox(t, Options{})
	r := sb.do("GET", "/v2/invoices", nil, "X-Access-Token", "")
	delete(r.body, "errorTime")
	want := map[string]any{
		"meta":         map[string]any{"statusCode": float64(401), "success": false},
		"errorCode":    "AUTHENTICATION_REQUIRED",
		"errorMessage": "You must use Basic auth or an OAuth access token to make requests to the API.",
		"helpUrl":      "https://www.billy.dk/support/",
	}
	if diff := cmp.Diff(want, r.body); diff != "" {
		t.Errorf("401 body (-want +got):\n%s", diff)
	}
	if r.header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", r.header.Get("Content-Type"))
	}
}

// With no Options.Token any non-empty token works.
func TestAnyTokenWhenNoneConfigured(t *testing.T) {
	s, err := New(Options{Business: BusinessFreelancer, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	for token, want := range map[string]int{"whatever": 200, "": 401} {
		req, _ := http.NewRequest("GET", "/v2/organization", nil)
		req.Header.Set("X-Access-Token", token)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("token %q: status %d, want %d", token, rec.Code, want)
		}
	}
}

// A user-level token picks the organization with organizationId; a company
// token is tied to its own.
func TestOrganizationSelection(t *testing.T) {
	sb := newSandbox(t, Options{Business: allBusinesses})
	orgs := sb.s.Organizations()
	var kinds []string
	for _, o := range orgs {
		kinds = append(kinds, o.Business)
	}
	if diff := cmp.Diff([]string{"freelancer", "retail", "service"}, kinds); diff != "" {
		t.Fatalf("organizations (-want +got):\n%s", diff)
	}
	if !orgs[0].IsDefault || sb.s.DefaultOrganizationID() != orgs[0].ID {
		t.Fatalf("default organization is not the first: %+v", orgs)
	}
	orgOf := func(r response) string { return str(r.ok(t).obj("organization"), "id") }
	tests := []struct {
		name    string
		path    string
		headers []string
		want    string
	}{
		{"default", "/v2/organization", nil, orgs[0].ID},
		{"query parameter", "/v2/organization?organizationId=" + orgs[1].ID, nil, orgs[1].ID},
		{"header", "/v2/organization", []string{"X-Organization-Id", orgs[2].ID}, orgs[2].ID},
		{"company token", "/v2/organization", []string{"X-Access-Token", orgs[2].AccessToken}, orgs[2].ID},
	}
	for _, tt := range tests {
		if got := orgOf(sb.do("GET", tt.path, nil, tt.headers...)); got != tt.want {
			t.Errorf("%s: organization %s, want %s", tt.name, got, tt.want)
		}
	}
	if n := len(sb.do("GET", "/v2/organizations", nil).ok(t).list("organizations")); n != 3 {
		t.Errorf("user token sees %d organizations, want 3", n)
	}
	if n := len(sb.do("GET", "/v2/user/organizations", nil, "X-Access-Token", orgs[1].AccessToken).ok(t).list("organizations")); n != 1 {
		t.Errorf("company token sees %d organizations, want 1", n)
	}
	// organizationId in the written record picks the organization too.
	r := sb.do("POST", "/v2/contacts", map[string]any{"contact": map[string]any{
		"organizationId": orgs[1].ID, "name": "Testkunde ApS", "countryId": "DK"}}).ok(t)
	if got := str(r.list("contacts")[0], "organizationId"); got != orgs[1].ID {
		t.Errorf("contact created in %s, want %s", got, orgs[1].ID)
	}
}
