package sandbox

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestReset(t *testing.T) {
	sb := newSandbox(t, Options{})
	before := sb.do("GET", "/v2/contacts", nil).ok(t).list("contacts")
	r := sb.do("POST", "/v2/contacts", obj{"contact": obj{"name": "Ny Kunde ApS", "countryId": "DK"}}).ok(t)
	created := str(r.list("contacts")[0], "id")
	sb.do("PUT", "/v2/organizations/"+sb.s.DefaultOrganizationID(), obj{"organization": obj{"name": "Omdøbt"}}).ok(t)
	sb.s.SetFaults(Faults{Latency: time.Millisecond})

	sb.do("POST", "/_sandbox/reset", nil).ok(t)
	if r := sb.do("GET", "/v2/contacts/"+created, nil); r.status != 404 {
		t.Errorf("created contact survived the reset: %d", r.status)
	}
	if diff := cmp.Diff(before, sb.do("GET", "/v2/contacts", nil).ok(t).list("contacts")); diff != "" {
		t.Errorf("contacts differ after reset (-before +after):\n%s", diff)
	}
	if name := str(sb.do("GET", "/v2/organization", nil).ok(t).obj("organization"), "name"); name == "Omdøbt" {
		t.Errorf("organization name survived the reset")
	}
	if sb.s.Faults() != (Faults{}) {
		t.Errorf("faults survived the reset: %+v", sb.s.Faults())
	}
	// IDs created after a reset repeat: the sandbox is deterministic.
	r2 := sb.do("POST", "/v2/contacts", obj{"contact": obj{"name": "Ny Kunde ApS", "countryId": "DK"}}).ok(t)
	if got := str(r2.list("contacts")[0], "id"); got != created {
		t.Errorf("ID after reset %s, want %s", got, created)
	}
	if r := sb.do("GET", "/_sandbox/reset", nil); r.status != 405 {
		t.Errorf("GET reset: %d", r.status)
	}
}

func TestAdminOrganizations(t *testing.T) {
	sb := newSandbox(t, Options{})
	r := sb.do("GET", "/_sandbox/organizations", nil, "X-Access-Token", "").ok(t)
	orgs := r.list("organizations")
	if len(orgs) != 1 || str(orgs[0], "business") != "freelancer" || str(orgs[0], "id") != str(r.body, "defaultOrganizationId") {
		t.Fatalf("organizations %s", r.raw)
	}
	token := str(orgs[0], "accessToken")
	if !strings.HasPrefix(token, "sbx-freelancer-") || strings.Contains(token, testToken) {
		t.Errorf("accessToken %q", token)
	}
	if got := str(sb.do("GET", "/v2/organization", nil, "X-Access-Token", token).ok(t).obj("organization"), "name"); got != str(orgs[0], "name") {
		t.Errorf("organization name %q, want %q", got, orgs[0]["name"])
	}
	if r := sb.do("GET", "/_sandbox/nothing", nil); r.status != 404 {
		t.Errorf("unknown admin path: %d", r.status)
	}
}

func TestNewRejectsUnknownBusiness(t *testing.T) {
	if _, err := New(Options{Business: "bakery"}); err == nil {
		t.Error("New accepted an unknown business")
	}
}
