package sandbox

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// call is one API request being served.
type call struct {
	s     *Server
	r     *http.Request
	q     url.Values
	cred  credential
	org   *orgState
	id    string                     // the record ID in /v2/{plural}/{id}
	body  map[string]json.RawMessage // the root record of a write
	start time.Time
	now   time.Time
	base  string // scheme://host the client used
	incl  []includeSpec
}

// op is what a request asks of a resource.
type op int

const (
	opList op = iota
	opGet
	opCreate
	opUpdate
	opDelete
	opAction
)

func (o op) write() bool { return o == opCreate || o == opUpdate || o == opDelete || o == opAction }

// serveAPI answers /v2 requests, checking in the order Billy was seen to
// (billy-api.md §1.2): an invalid token is 401 on any path, then an unknown
// path is 404 UNKNOWN_RESOURCE, then an unsupported method is 405, and only
// then does a missing credential give 401 AUTHENTICATION_REQUIRED.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	s.stats.requests.Add(1)
	start := time.Now()
	plan, answered := s.injectFaults(w, r)
	if answered {
		return
	}
	now := s.now()
	parts := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, "/v2"), "/"), "/")
	if parts[0] == "downloads" {
		s.serveDownload(w, r, parts[1:])
		return
	}
	if r.Method == http.MethodOptions {
		// Billy answers OPTIONS 204 with a wide CORS method list (§5.4).
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS")
		w.Header().Set("Access-Control-Allow-Headers", "Content-Type, X-Access-Token, Authorization")
		w.WriteHeader(http.StatusNoContent)
		return
	}

	res, o, action, id, routeErr := route(r.Method, parts)
	c := &call{s: s, r: r, q: r.URL.Query(), id: id, start: start, now: now, base: baseURL(r)}
	fail := func(err error) {
		s.log.Debug("sandbox request failed", "method", r.Method, "path", r.URL.Path, "error", err)
		writeError(w, err, now)
	}

	// Bodies are read before taking the lock so that a slow client cannot
	// hold writers up.
	bodyOrg := ""
	if routeErr == nil && (o == opCreate || o == opUpdate || o == opAction) {
		root := res.singular
		if o == opAction {
			root = res.actions[action].root
		}
		var rec map[string]json.RawMessage
		var err error
		if o == opCreate && res.rawUpload {
			rec, err = uploadBody(r)
		} else {
			rec, err = readRoot(r.Body, root)
		}
		if err != nil {
			routeErr = err
		} else {
			c.body = rec
			var orgID string
			if raw, ok := rec["organizationId"]; ok && json.Unmarshal(raw, &orgID) == nil {
				bodyOrg = orgID
			}
		}
	}

	if plan.slowCommit > 0 && routeErr == nil && o.write() {
		// The body is in hand; the commit comes after the wait whether or
		// not the client is still there.
		s.stats.slowCommit.Add(1)
		if !s.waitSlowCommit(r.Context(), plan.slowCommit) {
			abortConnection(w) // a restart cut the connection: lost, as in a crash
			return
		}
	}

	if o.write() {
		s.mu.Lock()
		defer s.mu.Unlock()
	} else {
		s.mu.RLock()
		defer s.mu.RUnlock()
	}
	c.cred = s.authenticate(r)
	if c.cred.present && !c.cred.valid {
		fail(authError(c.cred))
		return
	}
	var authNeeded bool
	if res != nil {
		authNeeded = !res.public
	}
	if routeErr != nil {
		var ae *apiError
		// An unknown path or method is answered before asking for
		// credentials; a bad body only after.
		if asAPIError(routeErr, &ae) && ae.code != codeUnknownResource && ae.code != codeMethodNotAllow && !c.cred.present && authNeeded {
			fail(errAuthRequired())
			return
		}
		fail(routeErr)
		return
	}
	if !c.cred.present && authNeeded {
		fail(errAuthRequired())
		return
	}
	if c.cred.present {
		org, err := s.pickOrganization(r, c.cred, bodyOrg)
		if err != nil {
			fail(err)
			return
		}
		c.org = org
	} else {
		c.org = s.orgs[0] // public reference data needs no organization
	}
	incl, err := parseIncludes(c.q.Get("include"))
	if err != nil {
		fail(err)
		return
	}
	c.incl = incl

	out, err := res.handler(o, action)(c)
	if err != nil {
		fail(err)
		return
	}
	if o.write() {
		s.stats.commits.Add(1)
		s.record(c, o, action)
		if plan.dropAfterCommit {
			s.stats.dropAfterCommit.Add(1)
			s.log.Debug("sandbox fault: write committed, connection dropped", "method", r.Method, "path", r.URL.Path)
			abortConnection(w)
			return
		}
	}
	body, status, err := c.render(out)
	if err != nil {
		fail(err)
		return
	}
	s.log.Debug("sandbox request", "method", r.Method, "path", r.URL.Path, "status", status,
		"organization", c.org.org.ID, "took", time.Since(start))
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if plan.partialPage && o == opList && status == http.StatusOK {
		// The full length is announced and half the body sent, then the
		// connection dies: the client reads an unexpected EOF.
		s.stats.partialPage.Add(1)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		_, _ = w.Write(body[:len(body)/2])
		_ = http.NewResponseController(w).Flush()
		abortConnection(w)
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// route maps a method and path to a resource and operation. Paths are
// /{plural}, /{plural}/{id} and /{plural}/{id}/{action}.
func route(method string, parts []string) (res *resource, o op, action, id string, err error) {
	res = resources[parts[0]]
	if res == nil || len(parts) > 3 || parts[0] == "" {
		return nil, 0, "", "", errUnknownResource()
	}
	if res.singleton {
		// /organization and /user are GET-only singletons; /user/organizations
		// lists what the credential reaches.
		if len(parts) == 2 && res.sub != nil && parts[1] == "organizations" {
			if method != http.MethodGet {
				return res, 0, "", "", errMethod(verb(method))
			}
			return res.sub, opList, "", "", nil
		}
		if len(parts) != 1 {
			return nil, 0, "", "", errUnknownResource()
		}
		if method != http.MethodGet {
			return res, 0, "", "", errMethod(verb(method))
		}
		return res, opGet, "", "", nil
	}
	switch len(parts) {
	case 1:
		switch method {
		case http.MethodGet:
			o = opList
		case http.MethodPost:
			o = opCreate
		default:
			// Bulk save (PATCH) and bulk delete (DELETE ?ids[]=) are P1 in
			// the reference and not implemented.
			return res, 0, "", "", errMethod(verb(method))
		}
	case 2:
		id = parts[1]
		switch method {
		case http.MethodGet:
			o = opGet
		case http.MethodPut, http.MethodPatch:
			o = opUpdate
		case http.MethodDelete:
			o = opDelete
		default:
			return res, 0, "", "", errMethod(verb(method))
		}
	case 3:
		id, action = parts[1], parts[2]
		a, ok := res.actions[action]
		if !ok || id == "" {
			return nil, 0, "", "", errUnknownResource()
		}
		if method != a.method {
			return res, 0, "", "", errMethod(verb(method))
		}
		return res, opAction, action, id, nil
	}
	if id == "" && o != opList && o != opCreate {
		return nil, 0, "", "", errUnknownResource()
	}
	if res.handler(o, "") == nil {
		return res, 0, "", "", errMethod(verb(method))
	}
	return res, o, "", id, nil
}

func verb(method string) string {
	switch method {
	case http.MethodPost:
		return "creating"
	case http.MethodPut, http.MethodPatch:
		return "updating"
	case http.MethodDelete:
		return "deleting"
	}
	return "reading"
}

func asAPIError(err error, target **apiError) bool {
	ae, ok := err.(*apiError)
	if ok {
		*target = ae
	}
	return ok
}

// baseURL is the scheme and host the client used, honouring a TLS
// terminating proxy's X-Forwarded-Proto.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	return requestBase(scheme, r.Host)
}

// handler returns the resource's handler for an operation (nil when the
// resource does not support it).
func (res *resource) handler(o op, action string) handler {
	switch o {
	case opList:
		return res.list
	case opGet:
		return res.get
	case opCreate:
		return res.create
	case opUpdate:
		return res.update
	case opDelete:
		return res.del
	case opAction:
		return res.actions[action].h
	}
	return nil
}
