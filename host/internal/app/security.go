package app

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"

	"github.com/billy-mcp/billy-mcp/host/internal/auth"
	"github.com/billy-mcp/billy-mcp/host/internal/config"
	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/httpserver"
	"github.com/billy-mcp/billy-mcp/host/internal/logging"
	"github.com/billy-mcp/billy-mcp/host/internal/mfa"
	"github.com/billy-mcp/billy-mcp/host/internal/oauthserver"
	"github.com/billy-mcp/billy-mcp/host/internal/scopes"
	"github.com/prometheus/client_golang/prometheus"
)

// newSecurity builds the HTTP edge's authentication and limits from
// auth.*: the API keys (v1's plaintext ones with every scope), the OAuth
// resource server with its JWKS (fetched in the background until Stop),
// the protected resource metadata when discovery is on, and the rate
// limits, shared through Redis when it is configured.
func (a *App) newSecurity() (*httpserver.Security, error) {
	cfg := a.Config.Auth
	roles, err := scopes.NewRoleSet(cfg.Roles)
	if err != nil {
		return nil, fmt.Errorf("auth.roles: %w", err)
	}
	var keys []auth.Key
	for _, k := range cfg.APIKeys {
		keys = append(keys, auth.LegacyKey(k))
	}
	for i, k := range cfg.Keys {
		granted, err := roles.Expand(k.Roles, k.Scopes)
		if err != nil {
			return nil, fmt.Errorf("auth.keys[%d] (%s): %w", i, k.Principal, err)
		}
		exp, err := auth.ParseExpiry(k.Expires)
		if err != nil {
			return nil, fmt.Errorf("auth.keys[%d].expires: %w", i, err)
		}
		keys = append(keys, auth.Key{Principal: k.Principal, Hash: k.SHA256, Organizations: k.Organizations, Scopes: granted, Expires: exp})
	}
	sec := &httpserver.Security{BaselineScopes: cfg.OAuth.BaselineScopes, HealthListener: a.Config.HTTP.HealthAddr != ""}
	sec.Limits = &httpserver.Limits{Rates: edgeRates(cfg)}
	if a.limiter != nil {
		sec.Limits.Shared = a.limiter
	}
	var oauth *auth.OAuth
	if cfg.Server.Enabled {
		// The host is its own issuer: its resource server trusts the
		// authorization server's key directly, no JWKS fetch.
		if a.authServer, err = a.newAuthServer(roles, sec); err != nil {
			return nil, err
		}
		keys, err := auth.NewStaticJWKS(a.authServer.JWKS())
		if err != nil {
			return nil, fmt.Errorf("auth.server: %w", err)
		}
		o := cfg.OAuth
		oauth = &auth.OAuth{Issuer: a.authServer.Issuer(), Resource: o.Audience, Keys: keys, Algorithms: []string{"EdDSA"},
			OrganizationsClaim: oauthserver.OrganizationsClaim, Revoked: a.authServer.Revoked}
		if o.Discovery == nil || *o.Discovery {
			sec.Metadata = &auth.Metadata{Resource: o.Audience, AuthorizationServers: []string{a.authServer.Issuer()},
				ScopesSupported: o.BaselineScopes, BearerMethodsSupported: []string{"header"}, ResourceName: "Billy MCP"}
			sec.MetadataURL = metadataURL(o.Audience)
		}
	} else if o := cfg.OAuth; o.Issuer != "" {
		ctx, cancel := context.WithCancel(context.Background())
		a.closers = append(a.closers, cancel)
		log := a.Logger.Named("auth")
		jwks, err := auth.NewJWKS(ctx, o.JWKSURL, nil, func(err error) {
			log.Warn("the issuer's keys could not be fetched; tokens signed with keys not yet known are refused", "jwks_url", o.JWKSURL, "error", err.Error())
		})
		if err != nil {
			cancel()
			return nil, fmt.Errorf("auth.oauth.jwks_url: %w", err)
		}
		oauth = &auth.OAuth{Issuer: o.Issuer, Resource: o.Audience, Keys: jwks, Algorithms: o.Algorithms, OrganizationsClaim: o.OrganizationsClaim}
		if o.DiscoveryOn() {
			sec.Metadata = &auth.Metadata{Resource: o.Audience, AuthorizationServers: []string{o.Issuer},
				ScopesSupported: o.BaselineScopes, BearerMethodsSupported: []string{"header"}, ResourceName: "Billy MCP"}
			sec.MetadataURL = metadataURL(o.Audience)
		}
	}
	a.authenticator, err = auth.New(auth.Options{Keys: keys, OAuth: oauth, DefaultOrganization: a.OrganizationID})
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	sec.Auth = a.authenticator
	failures := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "billy_mcp_auth_failures_total",
		Help: "Requests refused for their credentials, by reason (missing requests are not counted)."}, []string{"reason"})
	a.Metrics.MustRegister(failures)
	log := a.Logger.Named("auth")
	sec.FailedLogin = func(_ context.Context, f httpserver.FailedLogin) {
		failures.WithLabelValues(f.Reason).Inc()
		// The durable audit record, whatever the log level; the log line
		// at warn, so that LOG_LEVEL=warn keeps it too.
		a.Dispatcher.AuditFailedLogin(dispatch.FailedLogin{Transport: f.Transport, ClientAddr: f.ClientAddr, Code: f.Reason,
			CorrelationID: f.CorrelationID})
		log.Warn("failed login", "client_addr", f.ClientAddr, "reason", f.Reason, "transport", f.Transport,
			"path", f.Path, "throttled", f.Throttled, "correlation_id", f.CorrelationID)
	}
	return sec, nil
}

// metadataURL is where clients find the protected resource metadata of
// the resource: the path-inserted form for /mcp (RFC 9728 §3.1), the root
// form otherwise (both are served; only /mcp's path-inserted one).
func metadataURL(resource string) string {
	u, err := url.Parse(resource)
	if err != nil {
		return ""
	}
	base := u.Scheme + "://" + u.Host
	if u.Path == "/mcp" {
		return base + auth.MetadataPath
	}
	return base + auth.MetadataRootPath
}

// serveHealth serves /health/live and /health/ready, open, on the
// separate health listener (http.health_addr) until stop.
func (a *App) serveHealth(addr string) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s (http.health_addr): %w", addr, err)
	}
	h := a.Config.HTTP
	edge := &httpserver.Edge{ReadHeaderTimeout: h.ReadHeaderTimeout, ReadTimeout: h.ReadTimeout, WriteTimeout: h.WriteTimeout,
		IdleTimeout: h.IdleTimeout, MaxConnections: 256}
	srv := edge.Server(httpserver.HealthHandler(httpserver.Options{Plugins: a.Plugins, Dispatcher: a.Dispatcher, Version: Version, Mode: a.Config.Mode}))
	go func() { _ = srv.Serve(edge.Listen(ln)) }()
	a.Logger.Info("serving health checks", "addr", ln.Addr().String())
	return func() { _ = srv.Close() }, nil
}

// newAuthServer builds the embedded authorization server (auth.server):
// its users with their roles expanded, its signing key derived from the
// deployment's (so every instance signs alike), its state and TOTP secrets
// in the store, its limits the edge's.
func (a *App) newAuthServer(roles scopes.RoleSet, sec *httpserver.Security) (*oauthserver.Server, error) {
	cfg := a.Config.Auth
	var users []oauthserver.User
	for i, u := range cfg.Server.Users {
		granted, err := roles.Expand(u.Roles, u.Scopes)
		if err != nil {
			return nil, fmt.Errorf("auth.server.users[%d] (%s): %w", i, u.Name, err)
		}
		users = append(users, oauthserver.User{Name: u.Name, PasswordHash: u.PasswordBcrypt, Organizations: u.Organizations,
			Scopes: granted, RequireTOTP: u.RequireTOTP})
	}
	master, persistent, err := loadSigningKey(a.Config)
	if err != nil || !persistent {
		a.Logger.Warn("auth.server: no lasting signing key, so tokens this process issues die with it and other instances refuse them",
			"fix", "set signing_key (BILLY_MCP_SIGNING_KEY) or a writable data_dir")
	}
	srv, err := oauthserver.New(oauthserver.Options{
		Issuer: cfg.Server.IssuerOr(cfg.OAuth.Audience), Resource: cfg.OAuth.Audience, Seed: deriveKey(master, "oauth server"),
		Users: users, FindUser: a.findStoreUser(roles), Revocations: a.revocations, State: a.oauthState, TOTP: a.totp(), Limiter: sec.Limits, ClientIP: sec.ClientIP,
		AccessTokenTTL: cfg.Server.AccessTokenTTL, RefreshTokenTTL: cfg.Server.RefreshTokenTTL,
		Registration: cfg.Server.RegistrationOn(), BaselineScopes: cfg.OAuth.BaselineScopes, Logger: a.Logger.Named("oauth"),
		Documents: oauthserver.DocumentOptions{Enabled: cfg.Server.ClientMetadata.On(),
			AllowPrivateAddresses: cfg.Server.ClientMetadata.AllowPrivateAddresses,
			Timeout:               cfg.Server.ClientMetadata.Timeout, MaxAge: cfg.Server.ClientMetadata.MaxAge},
	})
	if err != nil {
		return nil, fmt.Errorf("auth.server: %w", err)
	}
	// zitadel/oidc logs through the process's default slog logger (it
	// offers no other): routed into the host's log, so that its lines are
	// JSON and bounded like every other.
	slog.SetDefault(logging.Slog(a.Logger.Named("oauth")))
	a.Logger.Info("authorization server on", "issuer", srv.Issuer(), "users", len(users), "registration", cfg.Server.RegistrationOn(),
		"client_metadata_documents", cfg.Server.ClientMetadata.On())
	if cfg.Server.ClientMetadata.On() && cfg.Server.ClientMetadata.AllowPrivateAddresses {
		a.Logger.Warn("auth.server.client_metadata.allow_private_addresses is on: a login can make the host fetch from its own network",
			"fix", "turn it off outside local development")
	}
	return srv, nil
}

// oauthState is the store for the authorization server, nil (an untyped
// nil) while it is not open.
func (a *App) oauthState() oauthserver.State {
	if a.store == nil {
		return nil
	}
	if s := a.store.get(); s != nil {
		return s
	}
	return nil
}

// totp is the TOTP checker over the store and the key ring.
func (a *App) totp() *mfa.TOTP {
	return &mfa.TOTP{Ring: a.keys, Issuer: "Billy MCP", Store: func() mfa.Store {
		if a.store == nil {
			return nil
		}
		if s := a.store.get(); s != nil {
			return s
		}
		return nil
	}}
}

// edgeRates are the edge's rate limits as auth.* configures them.
func edgeRates(cfg config.AuthConfig) httpserver.Rates {
	return httpserver.Rates{
		PrincipalRate: float64(cfg.PrincipalRatePerSecond), PrincipalBurst: cfg.PrincipalBurst,
		OrganizationRate: float64(cfg.OrganizationRatePerSecond), OrganizationBurst: cfg.OrganizationBurst,
		IPRate: float64(cfg.IPRatePerSecond), IPBurst: cfg.IPBurst,
		FailedLoginsPerMinute: cfg.FailedLoginsPerMinute,
	}
}
