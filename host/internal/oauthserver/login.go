package oauthserver

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/crypto/bcrypt"

	"github.com/billy-mcp/billy-mcp/host/internal/mfa"
)

// The login and consent pages. A flow is one authorization request (its
// random ID in the URL) and one browser: the login page sets a random
// cookie, every form carries an HMAC of the request ID and that cookie
// (CSRF: another site can neither read the cookie nor forge the MAC), and
// the login records the cookie's hash on the request, so consent is
// accepted only from the browser that logged in.

// loginsPerMinute is the login and consent posts one client address may
// make a minute, besides the failed-login budget the edge keeps.
const loginsPerMinute = 30

// dummyHash is compared against when the user does not exist, so that a
// wrong name takes as long as a wrong password. It is made by New, not at
// package initialisation: the host binary is also the built-in plugins'
// binary, and a bcrypt hash at initialisation cost every plugin process
// ~160 ms of CPU for a login page it never serves.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("billy-mcp: no such user"), bcrypt.DefaultCost)
	return h
})

func (s *Server) cookieName() string {
	if strings.HasPrefix(s.opts.Issuer, "https://") {
		return "__Host-billy_oauth"
	}
	return "billy_oauth"
}

// browserCookie returns the flow cookie, setting a new one if the browser
// has none.
func (s *Server) browserCookie(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(s.cookieName()); err == nil && len(c.Value) >= 32 && len(c.Value) <= 64 {
		return c.Value
	}
	v := randomID()
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: v, Path: "/", HttpOnly: true,
		Secure: strings.HasPrefix(s.opts.Issuer, "https://"), SameSite: http.SameSiteLaxMode, MaxAge: int(requestTTL.Seconds())})
	return v
}

func (s *Server) mac(form, id, cookie string) string {
	m := hmac.New(sha256.New, s.formKey)
	m.Write([]byte(form + "\x00" + id + "\x00" + cookie))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Server) checkMAC(r *http.Request, form, id string) (cookie string, ok bool) {
	c, err := r.Cookie(s.cookieName())
	if err != nil || c.Value == "" {
		return "", false
	}
	want := s.mac(form, id, c.Value)
	return c.Value, hmac.Equal([]byte(want), []byte(r.PostFormValue("csrf")))
}

func (s *Server) setPageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
}

// page renders one of the templates with status.
func (s *Server) page(w http.ResponseWriter, status int, name string, data any) {
	s.setPageHeaders(w)
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, name, data); err != nil {
		s.log.Error("rendering a page", "page", name, "error", err.Error())
	}
}

func (s *Server) problem(w http.ResponseWriter, status int, msg string) {
	s.page(w, status, "problem", map[string]string{"Message": msg})
}

// flow loads the authorization request a page is for.
func (s *Server) flow(w http.ResponseWriter, r *http.Request, id string) (*authRequest, *client, bool) {
	if id == "" || len(id) > 100 {
		s.problem(w, http.StatusBadRequest, "This sign-in link is incomplete. Start again from your application.")
		return nil, nil, false
	}
	a, err := s.storage.request(r.Context(), id)
	if err != nil {
		var nf notFound
		if errors.As(err, &nf) {
			s.problem(w, http.StatusBadRequest, "This sign-in has expired or was finished already. Start again from your application.")
		} else {
			s.log.Error("reading an authorization request", "error", err.Error())
			unavailable(w)
		}
		return nil, nil, false
	}
	oc, err := s.storage.GetClientByClientID(r.Context(), a.ClientID)
	if err != nil {
		s.problem(w, http.StatusBadRequest, "The application that sent you here is no longer registered. Start again from your application.")
		return nil, nil, false
	}
	return a, oc.(*client), true
}

type loginData struct {
	ID, CSRF, Client, RedirectHost, User, Error string
}

func redirectHost(c *client, a *authRequest) string {
	if u, err := url.Parse(a.RedirectURI); err == nil {
		return u.Host
	}
	return ""
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		a, c, ok := s.flow(w, r, r.URL.Query().Get("id"))
		if !ok {
			return
		}
		cookie := s.browserCookie(w, r)
		s.page(w, http.StatusOK, "login", loginData{ID: a.ID, CSRF: s.mac("login", a.ID, cookie), Client: clientName(c), RedirectHost: redirectHost(c, a)})
	case http.MethodPost:
		s.loginPost(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

func clientName(c *client) string {
	if c.Name != "" {
		return c.Name
	}
	return "An application"
}

func (s *Server) loginPost(w http.ResponseWriter, r *http.Request) {
	ip := s.opts.ClientIP(r)
	if s.opts.Limiter != nil {
		if wait := s.opts.Limiter.LoginBlocked(ip); wait > 0 {
			tooMany(w, wait)
			return
		}
	}
	if wait := s.limit(r, "as-login", loginsPerMinute); wait > 0 {
		tooMany(w, wait)
		return
	}
	id := r.PostFormValue("id")
	a, c, ok := s.flow(w, r, id)
	if !ok {
		return
	}
	cookie, ok := s.checkMAC(r, "login", id)
	if !ok {
		s.problem(w, http.StatusForbidden, "This form was not sent from the sign-in page this browser opened. Start again from your application.")
		return
	}
	again := func(status int, msg, user string) {
		s.page(w, status, "login", loginData{ID: a.ID, CSRF: s.mac("login", a.ID, cookie), Client: clientName(c),
			RedirectHost: redirectHost(c, a), User: user, Error: msg})
	}
	name := strings.TrimSpace(r.PostFormValue("username"))
	u, known, err := s.user(r.Context(), name)
	if err != nil {
		s.log.Error("reading a user", "error", err.Error())
		unavailable(w)
		return
	}
	hash := dummyHash()
	if known {
		hash = []byte(u.PasswordHash)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(r.PostFormValue("password"))) != nil || !known {
		s.refused(r, ip, name, "password")
		again(http.StatusUnauthorized, "The user name or password is wrong.", name)
		return
	}
	amr := []string{"pwd"}
	code := strings.TrimSpace(r.PostFormValue("code"))
	need, err := s.needsCode(r.Context(), u)
	if err != nil {
		s.log.Error("reading a second factor", "user", u.Name, "error", err.Error())
		unavailable(w)
		return
	}
	if need && s.opts.TOTP == nil {
		again(http.StatusUnauthorized, "This user needs a one-time code, and this server has no second factor configured. Ask the administrator.", name)
		return
	}
	if need || code != "" {
		if code == "" {
			again(http.StatusUnauthorized, "Enter the 6-digit code from your authenticator app.", name)
			return
		}
		if err := s.opts.TOTP.Verify(r.Context(), u.Name, code, ip); err != nil {
			switch {
			case errors.Is(err, mfa.ErrLocked):
				again(http.StatusTooManyRequests, "Too many wrong codes. Wait 15 minutes and try again.", name)
			case errors.Is(err, mfa.ErrNotEnrolled):
				again(http.StatusUnauthorized, "This user has no authenticator app enrolled: ask the administrator (billy-mcp users totp enroll).", name)
			case errors.Is(err, mfa.ErrInvalidCode), errors.Is(err, mfa.ErrReplayed):
				s.refused(r, ip, name, "totp")
				again(http.StatusUnauthorized, "The code is wrong or was used already. Enter the next code your app shows.", name)
			default:
				s.log.Error("checking a one-time code", "user", u.Name, "error", err.Error())
				unavailable(w)
			}
			return
		}
		amr = append(amr, "otp", "mfa")
	}
	a.Subject, a.AuthTime, a.AMR = u.Name, s.now(), amr
	sum := sha256.Sum256([]byte(cookie))
	a.Browser = base64.RawURLEncoding.EncodeToString(sum[:])
	if err := s.storage.saveRequest(r.Context(), a); err != nil {
		s.log.Error("saving a login", "error", err.Error())
		unavailable(w)
		return
	}
	s.log.Info("user logged in", "user", u.Name, "client_id", a.ClientID, "amr", strings.Join(amr, " "), "client_addr", ip)
	http.Redirect(w, r, consentPath+"?id="+url.QueryEscape(a.ID), http.StatusSeeOther)
}

// needsCode says whether u must give a code: when the configuration
// requires one, or once u's enrolment is confirmed.
func (s *Server) needsCode(ctx context.Context, u User) (bool, error) {
	if u.RequireTOTP {
		return true, nil
	}
	if s.opts.TOTP == nil {
		return false, nil
	}
	_, confirmed, err := s.opts.TOTP.Enrolled(ctx, u.Name)
	return confirmed, err
}

// refused counts a wrong password or code against the address's
// failed-login budget, and logs it (never what was typed).
func (s *Server) refused(r *http.Request, ip, user, what string) {
	if s.opts.Limiter != nil {
		s.opts.Limiter.FailedLogin(r.Context(), ip)
	}
	s.log.Warn("failed login", "factor", what, "user", user, "client_addr", ip)
}

type scopeChoice struct {
	Name, About string
	Checked     bool
}

type consentData struct {
	ID, CSRF, Client, ClientURI, RedirectHost, RedirectURI, User, Error string
	Scopes                                                              []scopeChoice
	Refused                                                             []string
	Organizations                                                       []scopeChoice
	Loopback                                                            bool
}

// offered are the scopes of ours the request asked for that the user
// holds, and those it asked for that the user does not.
func (s *Server) offered(a *authRequest, u User) (offer, refused []string) {
	asked := slices.DeleteFunc(slices.Clone(a.Requested), func(x string) bool { return !isBillyScope(x) })
	if len(asked) == 0 {
		asked = s.opts.BaselineScopes
	}
	for _, x := range asked {
		if u.holds(x) {
			offer = append(offer, x)
		} else {
			refused = append(refused, x)
		}
	}
	return offer, refused
}

var scopeAbout = map[string]string{
	"billy:read":    "read your books: invoices, contacts, products, payments, reports",
	"billy:write":   "create and change invoices, contacts, products and payments",
	"billy:approve": "approve, send and cancel invoices",
	"moms:read":     "read VAT (moms) figures",
	"moms:file":     "prepare VAT (moms) returns",
	"audit:read":    "read the audit log",
	"metrics":       "read the server's metrics and health",
	"admin":         "administer this server (everything)",
}

func (s *Server) consentPage(w http.ResponseWriter, status int, a *authRequest, c *client, u User, cookie, msg string) {
	offer, refused := s.offered(a, u)
	d := consentData{ID: a.ID, CSRF: s.mac("consent", a.ID, cookie), Client: clientName(c), ClientURI: c.URI,
		RedirectHost: redirectHost(c, a), RedirectURI: a.RedirectURI, User: u.Name, Error: msg, Refused: refused}
	if h, ok := op.HTTPLoopbackOrLocalhost(a.RedirectURI); ok && h != nil {
		d.Loopback = true
	}
	for _, x := range offer {
		d.Scopes = append(d.Scopes, scopeChoice{Name: x, About: scopeAbout[x], Checked: true})
	}
	for _, o := range u.Organizations {
		d.Organizations = append(d.Organizations, scopeChoice{Name: o, Checked: len(u.Organizations) == 1})
	}
	s.page(w, status, "consent", d)
}

func (s *Server) consent(w http.ResponseWriter, r *http.Request) {
	var id string
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		id = r.URL.Query().Get("id")
	case http.MethodPost:
		if wait := s.limit(r, "as-login", loginsPerMinute); wait > 0 {
			tooMany(w, wait)
			return
		}
		id = r.PostFormValue("id")
	default:
		w.Header().Set("Allow", "GET, POST")
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	a, c, ok := s.flow(w, r, id)
	if !ok {
		return
	}
	ck, err := r.Cookie(s.cookieName())
	sum := sha256.Sum256([]byte(func() string {
		if err == nil {
			return ck.Value
		}
		return ""
	}()))
	if a.Subject == "" || err != nil || !hmac.Equal([]byte(a.Browser), []byte(base64.RawURLEncoding.EncodeToString(sum[:]))) {
		s.problem(w, http.StatusForbidden, "Sign in first, in this browser. Start again from your application.")
		return
	}
	u, known, err := s.user(r.Context(), a.Subject)
	if err != nil {
		s.log.Error("reading a user", "error", err.Error())
		unavailable(w)
		return
	}
	if !known {
		s.problem(w, http.StatusForbidden, "This user no longer exists.")
		return
	}
	if r.Method != http.MethodPost {
		s.consentPage(w, http.StatusOK, a, c, u, ck.Value, "")
		return
	}
	if _, ok := s.checkMAC(r, "consent", id); !ok {
		s.problem(w, http.StatusForbidden, "This form was not sent from the consent page this browser opened. Start again from your application.")
		return
	}
	ctx := op.ContextWithIssuer(r.Context(), s.opts.Issuer)
	if r.PostFormValue("action") != "allow" {
		s.log.Info("consent denied", "user", u.Name, "client_id", a.ClientID)
		_ = s.storage.DeleteAuthRequest(ctx, a.ID)
		op.AuthRequestError(w, r.WithContext(ctx), a, oidc.ErrAccessDenied().WithDescription("the user denied access"), s.provider)
		return
	}
	offer, _ := s.offered(a, u)
	var granted []string
	for _, x := range r.PostForm["scope"] {
		if slices.Contains(offer, x) && !slices.Contains(granted, x) {
			granted = append(granted, x)
		}
	}
	var orgs []string
	for _, o := range r.PostForm["organization"] {
		if slices.Contains(u.Organizations, o) && !slices.Contains(orgs, o) {
			orgs = append(orgs, o)
		}
	}
	if len(granted) == 0 {
		s.consentPage(w, http.StatusBadRequest, a, c, u, ck.Value, "Choose at least one permission, or deny.")
		return
	}
	if len(u.Organizations) > 0 && len(orgs) == 0 {
		s.consentPage(w, http.StatusBadRequest, a, c, u, ck.Value, "Choose at least one organization, or deny.")
		return
	}
	// openid and offline_access pass through as asked: they grant an ID
	// token and a refresh token, not access to the books.
	for _, x := range a.Requested {
		if x == oidc.ScopeOpenID || x == oidc.ScopeOfflineAccess {
			granted = append(granted, x)
		}
	}
	a.Scopes, a.Organizations, a.Consented = granted, orgs, true
	if err := s.storage.saveRequest(ctx, a); err != nil {
		s.log.Error("saving a consent", "error", err.Error())
		unavailable(w)
		return
	}
	s.log.Info("consent given", "user", u.Name, "client_id", a.ClientID, "scopes", strings.Join(granted, " "),
		"organizations", strings.Join(orgs, " "))
	http.Redirect(w, r, s.opts.Issuer+callbackPath+"?id="+url.QueryEscape(a.ID), http.StatusSeeOther)
}

var pages = template.Must(template.New("").Parse(`
{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Billy MCP – sign in</title>
<style>
body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;padding:2rem 1rem;color:#1d2330}
main{max-width:28rem;margin:0 auto;background:#fff;border-radius:8px;padding:1.5rem 2rem;box-shadow:0 1px 4px #0002}
h1{font-size:1.3rem}label{display:block;margin:.8rem 0 .2rem;font-weight:600}
input[type=text],input[type=password]{width:100%;padding:.5rem;box-sizing:border-box;font-size:1rem}
button{margin-top:1.2rem;padding:.6rem 1.2rem;font-size:1rem;border-radius:4px;border:1px solid #245;cursor:pointer}
button.allow{background:#245;color:#fff}.error{background:#fde8e8;color:#8a1c1c;padding:.6rem;border-radius:4px}
.note{color:#555;font-size:.9rem}.scope{margin:.4rem 0}.scope small{display:block;color:#555;margin-left:1.6rem}
</style></head><body><main>{{end}}
{{define "foot"}}</main></body></html>{{end}}

{{define "problem"}}{{template "head"}}<h1>Billy MCP</h1><p class="error">{{.Message}}</p>{{template "foot"}}{{end}}

{{define "login"}}{{template "head"}}
<h1>Sign in to Billy MCP</h1>
<p class="note">{{.Client}} asks to use your Billy books. After signing in, it will get the access you allow, sent to <b>{{.RedirectHost}}</b>.</p>
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
<form method="post" action="/oauth/login" autocomplete="on">
<input type="hidden" name="id" value="{{.ID}}"><input type="hidden" name="csrf" value="{{.CSRF}}">
<label for="username">User name</label><input type="text" id="username" name="username" value="{{.User}}" autocomplete="username" required autofocus>
<label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required>
<label for="code">One-time code</label><input type="text" id="code" name="code" inputmode="numeric" pattern="[0-9]{6}" autocomplete="one-time-code" placeholder="from your authenticator app, if you use one">
<button class="allow" type="submit">Sign in</button>
</form>{{template "foot"}}{{end}}

{{define "consent"}}{{template "head"}}
<h1>Allow {{.Client}}?</h1>
<p>Signed in as <b>{{.User}}</b>. {{.Client}}{{if .ClientURI}} (<a href="{{.ClientURI}}" rel="noopener noreferrer">{{.ClientURI}}</a>){{end}} will receive its access at <b>{{.RedirectHost}}</b>.</p>
{{if .Loopback}}<p class="note">It redirects to this computer ({{.RedirectURI}}): allow it only if you just started it here yourself.</p>{{end}}
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
<form method="post" action="/oauth/consent">
<input type="hidden" name="id" value="{{.ID}}"><input type="hidden" name="csrf" value="{{.CSRF}}">
<fieldset><legend>It may</legend>
{{range .Scopes}}<div class="scope"><label><input type="checkbox" name="scope" value="{{.Name}}"{{if .Checked}} checked{{end}}> {{.Name}}</label><small>{{.About}}</small></div>{{end}}
{{if .Refused}}<p class="note">It also asked for {{range $i, $s := .Refused}}{{if $i}}, {{end}}{{$s}}{{end}}, which your account does not have.</p>{{end}}
</fieldset>
{{if .Organizations}}<fieldset><legend>For the organizations</legend>
{{range .Organizations}}<div class="scope"><label><input type="checkbox" name="organization" value="{{.Name}}"{{if .Checked}} checked{{end}}> {{.Name}}</label></div>{{end}}
</fieldset>{{end}}
<button class="allow" type="submit" name="action" value="allow">Allow</button>
<button type="submit" name="action" value="deny">Deny</button>
</form>{{template "foot"}}{{end}}
`))
