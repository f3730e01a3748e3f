package httpserver

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/auth"
	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/httpjson"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	"github.com/hashicorp/go-hclog"
)

// FailedLogin is a request refused for its credentials, for the audit
// log: never the credential itself.
type FailedLogin struct {
	// ClientAddr is the client's IP address.
	ClientAddr string
	// Transport is "mcp-http", "rest" or "admin" (health, metrics).
	Transport string
	// Path is the URL path asked for.
	Path string
	// Reason is one of auth's Reason constants.
	Reason string
	// Throttled says the address had used up its failed-login budget and
	// the credential was not even looked at.
	Throttled bool
	// CorrelationID is the request's.
	CorrelationID string
}

// Security is the authentication side of the HTTP surface.
type Security struct {
	// Auth authenticates requests; nil is the local operator for all
	// (tests and stdio-like embeddings).
	Auth *auth.Authenticator
	// Metadata is the protected resource metadata served at both
	// well-known paths; nil serves none (OAuth discovery off, key-only).
	Metadata *auth.Metadata
	// MetadataURL is the absolute URL of the metadata, named in every
	// challenge (resource_metadata); empty with Metadata nil.
	MetadataURL string
	// BaselineScopes are the scopes a 401's challenge names.
	BaselineScopes []string
	// Limits are the edge's rate limits; nil limits nothing.
	Limits *Limits
	// FailedLogin hears of every refused credential (the audit log).
	FailedLogin func(context.Context, FailedLogin)
	// HealthListener says a separate listener serves /health/ready to the
	// platform: on this one it needs credentials.
	HealthListener bool
}

// clientIP is the client's address: the connection's, or, behind a
// proxy of http.trusted_proxies, the one it forwarded (proxies.go).
func clientIP(r *http.Request) string {
	if a, ok := r.Context().Value(clientAddrKey{}).(string); ok {
		return a
	}
	return peerAddr(r)
}

// ClientIP is the request's client address as the edge sees it (for the
// authorization server's limits and logs).
func (s *Security) ClientIP(r *http.Request) string { return clientIP(r) }

// queryCredentials are the query parameters a credential travels in
// elsewhere (v1's apiKey, RFC 6750's access_token). A request carrying one
// is refused even when it also has a good header: the secret is in a URL,
// which proxies and browsers log, and the client must be told so.
var queryCredentials = []string{"apiKey", "api_key", "apikey", "access_token"}

// guard authenticates the request for transport and puts the caller in
// its context; it answers 401 (with the challenge), 429 when the client's
// address has used up its failed logins, and 429 when the principal or
// its organization is over its rate. need, if any, are scopes the route
// needs (403 insufficient_scope without them).
func (s *Security) guard(transport string, logger hclog.Logger, need []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		corr := dispatch.CorrelationIDFrom(r.Context())
		ip := clientIP(r)
		fail := func(f *auth.Failure, throttled bool) {
			if s.FailedLogin != nil && (f.Presented || f.Reason == auth.ReasonQuery || throttled) {
				s.FailedLogin(r.Context(), FailedLogin{ClientAddr: ip, Transport: transport, Path: r.URL.Path,
					Reason: f.Reason, Throttled: throttled, CorrelationID: corr})
			}
			logger.Info("refused credentials", "reason", f.Reason, "detail", f.Detail, "client_addr", ip,
				"path", r.URL.Path, "correlation_id", corr)
		}
		if s.Auth != nil && s.Auth.Required() {
			if wait := s.Limits.loginBlocked(ip); wait > 0 {
				fail(&auth.Failure{Reason: "throttled", Detail: "too many refused credentials from this address"}, true)
				tooMany(w, corr, wait, "too_many_failed_logins", "too many requests with refused credentials from this address")
				return
			}
		}
		q := r.URL.Query()
		for _, name := range queryCredentials {
			if q.Has(name) {
				f := &auth.Failure{Reason: auth.ReasonQuery, Detail: "credential in the query string (" + name + ")"}
				fail(f, false)
				s.challenge(w, r, f)
				return
			}
		}
		caller := dispatch.Caller{Subject: "local", Scopes: []string{"admin"}, Auth: auth.MethodLocal}
		if s.Auth != nil {
			c, f := s.Auth.Authenticate(r)
			if f != nil {
				throttled := false
				if f.Guess {
					if wait := s.Limits.failedLogin(r.Context(), ip); wait > 0 {
						throttled = true
					}
				}
				fail(f, false)
				if throttled {
					tooMany(w, corr, s.Limits.loginBlocked(ip), "too_many_failed_logins", "too many requests with refused credentials from this address")
					return
				}
				s.challenge(w, r, f)
				return
			}
			caller = c
		}
		caller.Transport = transport
		caller.ClientAddr = ip
		if missing := missingScopes(caller, need); len(missing) > 0 {
			s.insufficientScope(w, r, need)
			return
		}
		if caller.Auth != auth.MethodLocal {
			if wait, what := s.Limits.allowCaller(r.Context(), caller); wait > 0 {
				logger.Debug("rate limited", "limit", what, "principal", caller.Subject, "organization", caller.OrganizationID,
					"retry_after_ms", wait.Milliseconds(), "correlation_id", corr)
				tooMany(w, corr, wait, "rate_limited", "too many requests for this "+what)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(dispatch.WithCaller(r.Context(), caller)))
	})
}

func missingScopes(c dispatch.Caller, need []string) []string {
	var out []string
	for _, s := range need {
		if !c.HasScope(s) {
			out = append(out, s)
		}
	}
	return out
}

// retrySeconds rounds a wait up to whole seconds, as Retry-After says it.
func retrySeconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	return max(s, 1)
}

// tooMany answers 429 with Retry-After (and retryAfterSeconds in the
// body, for clients that do not read headers).
func tooMany(w http.ResponseWriter, corr string, wait time.Duration, code, what string) {
	e := errmodel.New(errmodel.RateLimited, code, "%s; retry after %d s", what, retrySeconds(wait))
	e.Retryable = true
	e.RetryAfterSeconds = retrySeconds(wait)
	httpjson.Error(w, e.WithCorrelation(corr))
}

// challenge answers 401 (RFC 6750 §3, RFC 9728 §5.1): resource_metadata
// when discovery is on, the baseline scopes, and error="invalid_token"
// when a credential was presented. The body says no more than that.
func (s *Security) challenge(w http.ResponseWriter, r *http.Request, f *auth.Failure) {
	c := auth.Challenge{ResourceMetadata: s.MetadataURL, Scopes: s.BaselineScopes}
	if f.Presented || f.Reason == auth.ReasonQuery {
		c.Error = "invalid_token"
	}
	e := f.Err()
	if e.Category == errmodel.Unauthorized {
		w.Header().Set("WWW-Authenticate", c.String())
	}
	httpjson.Error(w, e.WithCorrelation(dispatch.CorrelationIDFrom(r.Context())))
}

// insufficientScope answers 403 with every scope the operation needs in
// one challenge (MCP 2026-07-28: never one scope at a time).
func (s *Security) insufficientScope(w http.ResponseWriter, r *http.Request, need []string) {
	c := auth.Challenge{Error: "insufficient_scope", ResourceMetadata: s.MetadataURL, Scopes: need,
		Description: "this needs the scope " + strings.Join(need, " ")}
	w.Header().Set("WWW-Authenticate", c.String())
	e := errmodel.New(errmodel.Forbidden, "insufficient_scope", "this needs the scope %s; ask for a key or token that grants it",
		strings.Join(need, " "))
	httpjson.Error(w, e.WithCorrelation(dispatch.CorrelationIDFrom(r.Context())))
}
