package mfa

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/store"
)

// Approvals of sensitive calls. A call that needs one and has none gets
// a pending approval bound to its principal, organization, tool and
// arguments hash, and a link to it; the principal opens the link (out of
// band: the code never passes through the MCP client or the model, as the
// spec requires of secrets that authorise transactions), enters a fresh
// TOTP code, and calls again with the same arguments. The retry finds the
// approval and uses it, once, on any instance: a compare-and-set in the
// store. Another principal, organization, tool or argument finds nothing.

// ApprovalStore is the part of the store approvals need.
type ApprovalStore interface {
	CreateApproval(ctx context.Context, a *store.Approval) error
	GetApproval(ctx context.Context, id string) (*store.Approval, error)
	FindApproval(ctx context.Context, principal, organization, tool, argsHash string, now time.Time) ([]store.Approval, error)
	ApproveApproval(ctx context.Context, id string, at time.Time) (bool, error)
	UseApproval(ctx context.Context, id string, at time.Time) (bool, error)
}

// DefaultApprovalTTL is how long an approval waits to be approved and
// then used: long enough to open an app, short enough to be "fresh".
const DefaultApprovalTTL = 5 * time.Minute

// ApprovePath is where approval pages are served: ApprovePath + id.
const ApprovePath = "/mfa/approve/"

// Approvals issues and checks approvals.
type Approvals struct {
	// Store is the store now, nil while it is not open.
	Store func() ApprovalStore
	// TOTP checks the code on the approval page.
	TOTP *TOTP
	// BaseURL is the host's public origin, for links.
	BaseURL string
	// Key signs the approval page's form (CSRF).
	Key []byte
	TTL time.Duration
	// ClientIP is the edge's client address (failed codes count per
	// address too); nil: the connection's.
	ClientIP func(*http.Request) string
	// OnApproved is told each approval given on the page, so that the
	// MCP session that asked for it can be sent
	// notifications/elicitation/complete; nil: nobody is told.
	OnApproved func(id string)
	// Audit records each code submitted on a page: the approval's
	// principal, organization and ID, when the attempt began, and code,
	// why it was refused (one of the Attempt codes; "" when it approved);
	// nil: not recorded.
	Audit func(r *http.Request, principal, organization, id string, start time.Time, code string)
	Now   func() time.Time
}

// The codes Audit is given for a refused attempt.
const (
	AttemptWrongCode   = "mfa_code_invalid"
	AttemptLocked      = "mfa_locked"
	AttemptNotEnrolled = "mfa_not_enrolled"
	AttemptUnavailable = "mfa_unavailable"
	AttemptExpired     = "mfa_approval_expired"
)

// Pending is an approval waiting for its principal: ID is its
// unguessable identifier (also the URL elicitation's elicitationId), URL
// the page that takes the code.
type Pending struct {
	ID, URL string
}

// Binding is what an approval is for.
type Binding struct {
	Principal, Organization, Tool, ArgsHash string
}

// errNoApprovalStore: approvals need the store.
var errNoApprovalStore = errors.New("the store is not open: approvals cannot be kept")

func (a *Approvals) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *Approvals) store() (ApprovalStore, error) {
	if a.Store == nil {
		return nil, errNoApprovalStore
	}
	s := a.Store()
	if s == nil {
		return nil, errNoApprovalStore
	}
	return s, nil
}

// Check uses an approved approval of b if there is one (id says which,
// for the audit log); otherwise it makes a pending one and returns it
// with the link the principal must open, and id "" (the call must not
// run).
func (a *Approvals) Check(ctx context.Context, b Binding) (id string, p Pending, err error) {
	s, err := a.store()
	if err != nil {
		return "", Pending{}, err
	}
	now := a.now()
	found, err := s.FindApproval(ctx, b.Principal, b.Organization, b.Tool, b.ArgsHash, now)
	if err != nil {
		return "", Pending{}, err
	}
	for _, ap := range found {
		if ap.Approved.IsZero() {
			continue
		}
		ok, err := s.UseApproval(ctx, ap.ID, now)
		if err != nil {
			return "", Pending{}, err
		}
		if ok {
			return ap.ID, Pending{}, nil
		}
	}
	// A pending one of the same binding is reused: a client retrying
	// before approval does not make the user a new link each time.
	for _, ap := range found {
		if ap.Approved.IsZero() {
			return "", a.pending(ap.ID), nil
		}
	}
	ttl := a.TTL
	if ttl <= 0 {
		ttl = DefaultApprovalTTL
	}
	var raw [24]byte
	_, _ = rand.Read(raw[:])
	ap := &store.Approval{ID: base64.RawURLEncoding.EncodeToString(raw[:]), Principal: b.Principal, Organization: b.Organization,
		Tool: b.Tool, ArgsHash: b.ArgsHash, Created: now, Expires: now.Add(ttl)}
	if err := s.CreateApproval(ctx, ap); err != nil {
		return "", Pending{}, err
	}
	return "", a.pending(ap.ID), nil
}

func (a *Approvals) pending(id string) Pending {
	return Pending{ID: id, URL: strings.TrimSuffix(a.BaseURL, "/") + ApprovePath + id}
}

func (a *Approvals) mac(id string) string {
	m := hmac.New(sha256.New, a.Key)
	m.Write([]byte("mfa approval\x00" + id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Handler serves the approval pages at ApprovePath.
func (a *Approvals) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
		id := strings.TrimPrefix(r.URL.Path, ApprovePath)
		if id == "" || len(id) > 64 || strings.ContainsAny(id, "/?") {
			a.page(w, http.StatusNotFound, pageData{Error: "There is no such approval."})
			return
		}
		s, err := a.store()
		if err != nil {
			a.page(w, http.StatusServiceUnavailable, pageData{Error: "Approvals are unavailable right now; try again shortly."})
			return
		}
		ap, err := s.GetApproval(r.Context(), id)
		if err != nil {
			a.page(w, http.StatusServiceUnavailable, pageData{Error: "Approvals are unavailable right now; try again shortly."})
			return
		}
		now := a.now()
		if ap == nil || !now.Before(ap.Expires) || !ap.Used.IsZero() {
			a.page(w, http.StatusNotFound, pageData{Error: "This approval has expired or was used. Call the tool again for a new link."})
			return
		}
		d := pageData{ID: id, CSRF: a.mac(id), Principal: ap.Principal, Organization: ap.Organization, Tool: ap.Tool,
			Expires: ap.Expires.UTC().Format("15:04:05 MST"), Approved: !ap.Approved.IsZero()}
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			a.page(w, http.StatusOK, d)
			return
		case http.MethodPost:
		default:
			w.Header().Set("Allow", "GET, POST")
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		if !hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(d.CSRF)) {
			d.Error = "This form did not come from this page. Open the link again."
			a.page(w, http.StatusForbidden, d)
			return
		}
		if d.Approved {
			a.page(w, http.StatusOK, d)
			return
		}
		addr := ""
		if a.ClientIP != nil {
			addr = a.ClientIP(r)
		}
		start := time.Now()
		audit := func(code string) {
			if a.Audit != nil {
				a.Audit(r, ap.Principal, ap.Organization, id, start, code)
			}
		}
		if err := a.TOTP.Verify(r.Context(), ap.Principal, strings.TrimSpace(r.PostFormValue("code")), addr); err != nil {
			status, code := http.StatusUnauthorized, AttemptWrongCode
			switch {
			case errors.Is(err, ErrLocked):
				status, code, d.Error = http.StatusTooManyRequests, AttemptLocked, "Too many wrong codes. Wait 15 minutes and try again."
			case errors.Is(err, ErrNotEnrolled):
				status, code, d.Error = http.StatusForbidden, AttemptNotEnrolled, fmt.Sprintf("%s has no authenticator app enrolled: ask the administrator (billy-mcp users totp enroll).", ap.Principal)
			case errors.Is(err, ErrInvalidCode), errors.Is(err, ErrReplayed):
				d.Error = "The code is wrong or was used already. Enter the next code your app shows."
			default:
				status, code, d.Error = http.StatusServiceUnavailable, AttemptUnavailable, "The code cannot be checked right now; try again shortly."
			}
			audit(code)
			a.page(w, status, d)
			return
		}
		ok, err := s.ApproveApproval(r.Context(), id, a.now())
		if err != nil || !ok {
			audit(AttemptExpired)
			d.Error = "This approval has expired or was used. Call the tool again for a new link."
			a.page(w, http.StatusConflict, d)
			return
		}
		audit("")
		d.Approved = true
		if a.OnApproved != nil {
			a.OnApproved(id)
		}
		a.page(w, http.StatusOK, d)
	})
}

type pageData struct {
	ID, CSRF, Principal, Organization, Tool, Expires, Error string
	Approved                                                bool
}

func (a *Approvals) page(w http.ResponseWriter, status int, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = approvalPage.Execute(w, d)
}

var approvalPage = template.Must(template.New("approve").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Billy MCP – approve</title>
<style>body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;padding:2rem 1rem;color:#1d2330}
main{max-width:28rem;margin:0 auto;background:#fff;border-radius:8px;padding:1.5rem 2rem;box-shadow:0 1px 4px #0002}
.error{background:#fde8e8;color:#8a1c1c;padding:.6rem;border-radius:4px}.ok{background:#e6f6ea;color:#1c5a2c;padding:.6rem;border-radius:4px}
input{font-size:1.2rem;padding:.4rem;width:8rem}button{margin-left:.5rem;padding:.5rem 1rem;font-size:1rem}</style></head>
<body><main><h1>Approve a sensitive call</h1>
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
{{if .ID}}<p><b>{{.Principal}}</b> asks to run <b>{{.Tool}}</b>{{if .Organization}} on organization <b>{{.Organization}}</b>{{end}}. This approval lets that exact call run once, until {{.Expires}}.</p>
{{if .Approved}}<p class="ok">Approved. Go back to your assistant: it retries the call by itself if it can, or ask it to call the tool again with the same arguments.</p>
{{else}}<form method="post"><input type="hidden" name="csrf" value="{{.CSRF}}">
<label for="code">One-time code from {{.Principal}}'s authenticator app</label><br>
<input id="code" name="code" inputmode="numeric" pattern="[0-9]{6}" autocomplete="one-time-code" required autofocus><button type="submit">Approve</button>
</form><p>If you did not ask for this, close this page: nothing runs without the code.</p>{{end}}{{end}}
</main></body></html>`))
