package mfa

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/store"
	"github.com/google/go-cmp/cmp"
)

func approvals(t *testing.T, opts store.Options) (*Approvals, *clock, string) {
	t.Helper()
	tp, clk, st := setUp(t, opts)
	u, err := tp.Enroll(context.Background(), "anna")
	if err != nil {
		t.Fatal(err)
	}
	a := &Approvals{Store: func() ApprovalStore { return st }, TOTP: tp, BaseURL: "https://mcp.example.dk", Key: []byte("k"), Now: clk.Now}
	return a, clk, secretOf(t, u)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// approve plays anna on the approval page with code; it returns the
// page's status.
func approve(t *testing.T, a *Approvals, link, code string) int {
	t.Helper()
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	path := strings.TrimPrefix(link, "https://mcp.example.dk")
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfField.FindStringSubmatch(string(b))
	if m == nil {
		return resp.StatusCode
	}
	resp, err = http.PostForm(srv.URL+path, url.Values{"csrf": {m[1]}, "code": {code}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// A sensitive call without an approval gets a link; the link with a
// right code approves it; the same call then runs once; another
// principal, organization, tool or argument gets no use of it.
func TestApprovals(t *testing.T) {
	eachBackend(t, func(t *testing.T, opts store.Options) {
		a, clk, secret := approvals(t, opts)
		ctx := context.Background()
		b := Binding{Principal: "anna", Organization: "org-a", Tool: "cancel_invoice", ArgsHash: "h1"}
		id, p, err := a.Check(ctx, b)
		link := p.URL
		if err != nil || id != "" || link != "https://mcp.example.dk"+ApprovePath+p.ID || len(p.ID) < 32 {
			t.Fatalf("first check: %q %+v %v", id, p, err)
		}
		if _, again, _ := a.Check(ctx, b); again != p {
			t.Errorf("a retry before approval made a new link: %+v, then %+v", p, again)
		}
		var told, audited []string
		a.OnApproved = func(id string) { told = append(told, id) }
		a.Audit = func(_ *http.Request, principal, org, id string, _ time.Time, code string) {
			audited = append(audited, principal+" "+org+" "+id+" "+code)
		}
		if got := approve(t, a, link, "000000"); got != http.StatusUnauthorized {
			t.Errorf("a wrong code: %d", got)
		}
		if got := approve(t, a, link, code(t, secret, clk.Now())); got != http.StatusOK {
			t.Fatalf("the right code: %d", got)
		}
		if diff := cmp.Diff([]string{p.ID}, told); diff != "" {
			t.Errorf("OnApproved (-want +got):\n%s", diff)
		}
		want := []string{"anna org-a " + p.ID + " " + AttemptWrongCode, "anna org-a " + p.ID + " "}
		if diff := cmp.Diff(want, audited); diff != "" {
			t.Errorf("Audit (-want +got):\n%s", diff)
		}
		for _, other := range []Binding{
			{Principal: "bo", Organization: "org-a", Tool: "cancel_invoice", ArgsHash: "h1"},
			{Principal: "anna", Organization: "org-b", Tool: "cancel_invoice", ArgsHash: "h1"},
			{Principal: "anna", Organization: "org-a", Tool: "delete_invoice", ArgsHash: "h1"},
			{Principal: "anna", Organization: "org-a", Tool: "cancel_invoice", ArgsHash: "h2"},
		} {
			if id, _, _ := a.Check(ctx, other); id != "" {
				t.Errorf("%+v used anna's approval", other)
			}
		}
		id, _, err = a.Check(ctx, b)
		if err != nil || id == "" {
			t.Fatalf("the approved call: %q %v", id, err)
		}
		if again, p2, _ := a.Check(ctx, b); again != "" || p2.URL == link {
			t.Errorf("the approval was used twice (%q) or its link handed out again (%s)", again, p2.URL)
		}
		// An approval not used in time expires; its page says so.
		_, p3, _ := a.Check(ctx, Binding{Principal: "anna", Organization: "org-a", Tool: "x", ArgsHash: "h"})
		clk.advance(DefaultApprovalTTL + time.Second)
		if got := approve(t, a, p3.URL, code(t, secret, clk.Now())); got != http.StatusNotFound {
			t.Errorf("an expired approval's page: %d", got)
		}
	})
}

// The form needs its CSRF field.
func TestApprovalCSRF(t *testing.T) {
	a, clk, secret := approvals(t, store.Options{Dir: t.TempDir()})
	_, p, _ := a.Check(context.Background(), Binding{Principal: "anna", Tool: "t", ArgsHash: "h"})
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	resp, err := http.PostForm(srv.URL+strings.TrimPrefix(p.URL, "https://mcp.example.dk"), url.Values{"code": {code(t, secret, clk.Now())}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a post without the form's MAC: %d", resp.StatusCode)
	}
}

// The page is anna's alone: bo, another principal with his own
// authenticator, who opens her link (sent to him, or seen in her
// client) cannot approve her call with his code, and her call stays
// refused. The code is checked against the approval's principal's
// secret, which is how the page knows who opened it.
func TestApprovalOtherPrincipal(t *testing.T) {
	a, clk, _ := approvals(t, store.Options{Dir: t.TempDir()})
	u, err := a.TOTP.Enroll(context.Background(), "bo")
	if err != nil {
		t.Fatal(err)
	}
	bo := secretOf(t, u)
	ctx := context.Background()
	b := Binding{Principal: "anna", Organization: "org-a", Tool: "cancel_invoice", ArgsHash: "h1"}
	_, p, err := a.Check(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	a.OnApproved = func(id string) { t.Errorf("bo's code approved %s", id) }
	var audited []string
	a.Audit = func(_ *http.Request, principal, _, id string, _ time.Time, code string) {
		audited = append(audited, principal+" "+id+" "+code)
	}
	if got := approve(t, a, p.URL, code(t, bo, clk.Now())); got != http.StatusUnauthorized {
		t.Errorf("bo's good code on anna's page: %d, want 401", got)
	}
	if id, again, _ := a.Check(ctx, b); id != "" || again != p {
		t.Errorf("after bo's attempt anna's call got %q %+v, want still pending %+v", id, again, p)
	}
	if diff := cmp.Diff([]string{"anna " + p.ID + " " + AttemptWrongCode}, audited); diff != "" {
		t.Errorf("the audit of bo's attempt (-want +got):\n%s", diff)
	}
}
