package sandbox

import (
	"encoding/base64"
	"net/http"
	"strings"
)

// credential is who a request is, once authenticated.
type credential struct {
	present bool      // some credential was sent
	valid   bool      // and it was accepted
	bound   *orgState // a company token reaches this organization only
	basic   bool      // the credential was HTTP Basic
}

// authenticate reads X-Access-Token, or HTTP Basic auth, which Billy also
// accepts for user-level credentials (billy-api.md §1.2).
//
// A token equal to an organization's own token is a company token bound to
// that organization, as every Billy access token is. Options.Token (or, when
// it is empty, any non-empty token) acts like a user-level credential that
// reaches every seeded organization. For Basic auth the password is the
// token and the user name is ignored.
func (s *Server) authenticate(r *http.Request) credential {
	token := strings.TrimSpace(r.Header.Get("X-Access-Token"))
	basic := false
	if token == "" {
		if user, pass, ok := basicAuth(r); ok {
			_ = user
			token, basic = pass, true
			if token == "" {
				return credential{present: true, basic: true}
			}
		}
	}
	if token == "" {
		return credential{}
	}
	for _, o := range s.orgs {
		if token == o.accessToken {
			return credential{present: true, valid: true, bound: o, basic: basic}
		}
	}
	if s.opts.Token == "" || token == s.opts.Token {
		return credential{present: true, valid: true, basic: basic}
	}
	return credential{present: true, basic: basic}
}

func basicAuth(r *http.Request) (user, pass string, ok bool) {
	h := r.Header.Get("Authorization")
	const prefix = "Basic "
	if len(h) < len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", "", false
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(h[len(prefix):]))
	if err != nil {
		return "", "", false
	}
	user, pass, ok = strings.Cut(string(b), ":")
	return user, pass, ok
}

// authError is the 401 for a credential that was sent but not accepted:
// OAUTH_INVALID_ACCESS_TOKEN for a token, as seen live; for Basic auth the
// real code is unknown, so the generic one is used.
func authError(cred credential) *apiError {
	if cred.basic {
		return &apiError{status: http.StatusUnauthorized, code: codeAuthRequired,
			message: "Invalid email or password."}
	}
	return &apiError{status: http.StatusUnauthorized, code: codeInvalidToken,
		message: "Invalid OAuth 2 access token."}
}

func errAuthRequired() *apiError {
	return &apiError{status: http.StatusUnauthorized, code: codeAuthRequired,
		message: "You must use Basic auth or an OAuth access token to make requests to the API."}
}

// pickOrganization decides which organization a request works on. A company
// token decides alone; naming another organization is refused (Guess: 403,
// billy-api.md §1.2 suggests 403 or 422). A user-level credential names one
// with the organizationId query parameter, the X-Organization-Id header
// (Billy's own x-organizationid, from its file upload, also works) or
// organizationId in the written record, and otherwise gets the default
// organization.
func (s *Server) pickOrganization(r *http.Request, cred credential, bodyOrgID string) (*orgState, error) {
	named := r.URL.Query().Get("organizationId")
	if named == "" {
		named = r.Header.Get("X-Organization-Id")
	}
	if named == "" {
		named = r.Header.Get("X-Organizationid")
	}
	if named == "" {
		named = bodyOrgID
	}
	deny := func() error {
		return &apiError{status: http.StatusForbidden, code: codeForbidden,
			message: "You do not have access to organization " + named + "."}
	}
	if cred.bound != nil {
		if named != "" && named != cred.bound.org.ID {
			return nil, deny()
		}
		return cred.bound, nil
	}
	if named == "" {
		return s.orgs[0], nil
	}
	if o, ok := s.byID[named]; ok {
		return o, nil
	}
	return nil, deny()
}

// reachable lists the organizations the credential can see.
func (s *Server) reachable(cred credential) []*orgState {
	if cred.bound != nil {
		return []*orgState{cred.bound}
	}
	return s.orgs
}
