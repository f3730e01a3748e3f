package config

import (
	"strings"
	"time"
)

// The types below are the configuration's single source of truth. The
// json tag of each field is its key in YAML files, in the JSON Schema
// (configs/billy-mcp.schema.json, generated from these types) and, upper-
// cased with "." written as "_" and prefixed BILLY_MCP_, its environment
// variable. Every tag carries omitempty because every key is optional: an
// absent key keeps its default.
//
// The doc comment of each field is its description in the published schema,
// which editors show on hover: write it for an operator, not for a Go
// reader, and say what the value means, not which Go type holds it (the
// schema says that). Allowed values and ranges live in rules (schema.go) so
// that the file, the environment and Validate all check the same thing.

// Config is the host's whole configuration. Defaults live in Default; Load
// layers a file and the environment on top and Validate says what is
// allowed.
type Config struct {
	// sandbox (the embedded fake Billy with Danish demo data) or production
	// (the real Billy). Leave it unset to derive it: production when
	// billy.api_key is set, else sandbox. Setting production explicitly
	// makes a missing Billy token an error at start.
	Mode string `json:"mode,omitempty"`
	// The HTTP listener: MCP Streamable HTTP at /mcp, the REST API at
	// /api/v1, /health and /metrics.
	HTTP HTTPConfig `json:"http,omitzero"`
	// The host's structured logs, always written to stderr.
	Log LogConfig `json:"log,omitzero"`
	// How the host reaches Billy's API. The host is the only holder of
	// Billy credentials: plugins reach Billy through it.
	Billy BillyConfig `json:"billy,omitzero"`
	// How MCP and REST callers authenticate.
	Auth AuthConfig `json:"auth,omitzero"`
	// Limits on tool calls.
	Calls CallsConfig `json:"calls,omitzero"`
	// The plugins to start, by name. Entries are added to the built-in set
	// (invoices, moms, analytics, presets and integrations); an entry with a built-in name changes that
	// plugin, key by key (enabled: false switches it off). Set plugin_set
	// to replace to start only the plugins listed here. Plugins are
	// configured only in the file, never by environment variables.
	Plugins map[string]PluginConfig `json:"plugins,omitempty"`
	// How the plugins section combines with the built-in plugin set: add
	// (the default) adds the listed plugins to the built-in ones and
	// changes built-in entries of the same name; replace starts only the
	// plugins listed in the file.
	PluginSet string `json:"plugin_set,omitempty"`
	// Settings that apply to every plugin.
	PluginDefaults PluginDefaults `json:"plugin_defaults,omitzero"`
	// The write policy: how tools that change data in Billy behave.
	Writes WritesConfig `json:"writes,omitzero"`
	// The embedded fake Billy that serves sandbox mode.
	Sandbox SandboxConfig `json:"sandbox,omitzero"`
	// A second listener for diagnostics: Go's profiler at /debug/pprof/,
	// for measuring the host under load. Off unless an address is given,
	// and only ever on loopback: profiles show what the host holds in
	// memory.
	Admin AdminConfig `json:"admin,omitzero"`
	// The audit trail: one record for every request (who called what, for
	// which organization, with what outcome), never with its arguments.
	Audit AuditConfig `json:"audit,omitzero"`
	// Redis, shared by every instance of a deployment: the second cache
	// tier, cache invalidation between instances, MCP sessions and the
	// per-organization Billy rate limit. Leave url and addrs empty to run
	// without it: one instance then works alone, as before.
	Redis RedisConfig `json:"redis,omitzero"`
	// The cache of Billy reads in the host's gateway: in-process first,
	// then Redis when configured. Writes are never cached; they invalidate
	// what they change on every instance.
	Cache CacheConfig `json:"cache,omitzero"`
	// The host's durable store, shared by every instance of a deployment
	// and kept across restarts: which confirmation tokens were used (so
	// each works once on any instance). SQLite in data_dir unless url is
	// set.
	Database DatabaseConfig `json:"database,omitzero"`
	// Where the host keeps its state: the signing key (signing.key) and,
	// unless database.url is set, the store (store.db, SQLite). Leave it
	// unset to derive it: $XDG_STATE_HOME/billy-mcp,
	// else $HOME/.local/state/billy-mcp. Made at start if missing (mode
	// 0700).
	DataDir string `json:"data_dir,omitempty"`
	// Signs what the host and its plugins hand to clients to bring back
	// later: confirmation tokens and the request state of multi round-trip
	// calls. Every instance of a deployment, and every stdio process a
	// desktop client starts, must use the same key, or a token issued by one
	// is refused by the next. A secret of at least 32 characters. Leave it
	// unset to use data_dir/signing.key, made on first start.
	SigningKey string `json:"signing_key,omitempty"`
	// The key ring that encrypts the secrets kept in the store: each
	// organization's Billy token, the principals' TOTP secrets. There is
	// no built-in key: without one the host keeps no secret in the store,
	// and refuses to start when the store already holds some.
	Credentials CredentialsConfig `json:"credentials,omitzero"`
	// How MCP clients are shown the tools.
	MCP MCPConfig `json:"mcp,omitzero"`
	// OpenTelemetry traces: a span for each request, the call into its
	// plugin and each Billy request the plugin makes, in one trace (with
	// the client's, when it sends a traceparent). Off unless endpoint is
	// set.
	Tracing TracingConfig `json:"tracing,omitzero"`
	// The upload endpoint, POST /uploads on the HTTP listener: a client
	// sends a file's bytes there (authenticated as for /mcp) and names the
	// handle it gets in a tool's upload argument instead of pasting the
	// file. Uploads are kept in the durable store until they expire.
	Uploads UploadsConfig `json:"uploads,omitzero"`
}

// UploadsConfig limits the upload endpoint.
type UploadsConfig struct {
	// The largest file taken, in bytes; a larger body is refused with 413.
	// The default, 15 MiB, is the most the integrations plugin attaches to
	// a voucher, and also the most allowed: the host hands an upload to a
	// plugin in one message, and the plugin protocol's messages stop at
	// 16 MiB.
	MaxBytes int64 `json:"max_bytes,omitempty"`
	// How long a handle can be used (by the principal that uploaded it,
	// as often as it likes) before it expires and is deleted.
	TTL time.Duration `json:"ttl,omitempty"`
	// How many uploads one instance reads at once. A body is held in
	// memory whole until it is stored, so this times max_bytes bounds the
	// memory uploads take; one more is refused with 429 and Retry-After.
	MaxConcurrent int `json:"max_concurrent,omitempty"`
	// The most bytes one principal may keep in uploads that have not
	// expired, across instances (the store is shared); an upload past it
	// is refused with 429 until older ones expire. 0: no limit.
	MaxBytesPerPrincipal int64 `json:"max_bytes_per_principal,omitempty"`
}

// TracingConfig is where traces go.
type TracingConfig struct {
	// The OpenTelemetry collector's OTLP/HTTP base URL, e.g.
	// http://otel-collector:4318; spans are sent to its /v1/traces in
	// batches. Empty sends none. A vendor's API key goes in the standard
	// OTEL_EXPORTER_OTLP_HEADERS variable (api-key=...), never here.
	Endpoint string `json:"endpoint,omitempty"`
	// The share of requests traced, in percent (0 to 100). Every span of
	// a trace follows one decision, taken from the trace ID; a client's
	// traceparent does not override it.
	SamplePercent int `json:"sample_percent,omitempty"`
	// The service name traces are filed under.
	ServiceName string `json:"service_name,omitempty"`
}

// DatabaseConfig is where the host's durable state lives.
type DatabaseConfig struct {
	// A PostgreSQL URL, postgres://user:password@host:5432/database?sslmode=require,
	// for a store every instance shares (Supabase: its direct connection
	// or session pooler, not the transaction pooler). A secret when it
	// carries a password: set it in the environment. Leave it unset for
	// SQLite: the file store.db in data_dir, which needs nothing installed
	// but is shared only by processes that share that folder. Migrated at
	// start. If the database cannot be reached the host still starts and
	// keeps trying; until then confirmed writes are refused.
	URL string `json:"url,omitempty"`
}

// SandboxConfig is the embedded fake Billy that serves sandbox mode.
type SandboxConfig struct {
	// Makes the demo data reproducible: the same seed gives the same
	// organizations, contacts and invoices.
	Seed int64 `json:"seed,omitempty"`
	// freelancer, retail or service for one demo business, or empty for
	// all three as separate organizations (freelancer is then the default
	// organization).
	Business string `json:"business,omitempty"`
	// The day the demo history ends, as YYYY-MM-DD; empty for today. With
	// a seed it pins every record, date and ID, for demos and recorded
	// sessions that must not change from one day to the next.
	Today string `json:"today,omitempty"`
}

// HTTPConfig is the HTTP listener (MCP Streamable HTTP, REST, health, metrics).
type HTTPConfig struct {
	// The address to listen on, as host:port (0.0.0.0:8080 for every
	// interface). Any host but loopback requires auth.api_keys.
	Addr string `json:"addr,omitempty"`
	// Extra Host header values accepted when bound to loopback; localhost
	// names always are (DNS-rebinding protection). List your public host
	// name here when a proxy forwards it.
	AllowedHosts []string `json:"allowed_hosts,omitempty"`
	// Extra Origin header values accepted, matched exactly, for browser
	// clients on another origin.
	AllowedOrigins []string `json:"allowed_origins,omitempty"`
	// How long in-flight requests get to finish after SIGTERM.
	ShutdownTimeout time.Duration `json:"shutdown_timeout,omitempty"`
	// The largest request body accepted, in bytes (the default, 10 MiB, is
	// v1's limit).
	MaxBodyBytes int64 `json:"max_body_bytes,omitempty"`
	// After SIGTERM, how long the host goes on serving new calls while
	// /health/ready answers 503, before it refuses them and drains: time
	// for a load balancer to notice and stop sending. Meanwhile every
	// answer closes its connection, so none is reused once the host
	// closes. Set it to the balancer's health-check interval times its
	// failure threshold (Render: 5s); 0s (the default) drains at once.
	DrainDelay time.Duration `json:"drain_delay,omitempty"`
	// How long a client may take to send a request's headers.
	ReadHeaderTimeout time.Duration `json:"read_header_timeout,omitempty"`
	// How long a client may take to send a whole request, body included:
	// a body sent a byte at a time is cut off after this.
	ReadTimeout time.Duration `json:"read_timeout,omitempty"`
	// How long one write of an answer may wait for a client that does not
	// read. Long answers and event streams are not cut off: each write
	// gets this long.
	WriteTimeout time.Duration `json:"write_timeout,omitempty"`
	// How long an idle keep-alive connection is kept open.
	IdleTimeout time.Duration `json:"idle_timeout,omitempty"`
	// The most connections the listener holds at once. Beyond it, the
	// connection idle longest (or still silent) is closed to make room,
	// so that a flood of idle connections cannot lock clients out.
	MaxConnections int `json:"max_connections,omitempty"`
	// A second listener, host:port, serving only /health/live and
	// /health/ready without credentials, for the platform's health checks
	// (e.g. 0.0.0.0:8081 inside a container). When set, /health/ready on
	// the main listener needs credentials too. Empty: no second listener,
	// and /health/ready stays open on the main one.
	HealthAddr string `json:"health_addr,omitempty"`
	// How long an MCP session (2025-11-25's Mcp-Session-Id) lives without
	// a request; after it the client is told the session is gone (404)
	// and starts a new one.
	SessionIdleTTL time.Duration `json:"session_idle_ttl,omitempty"`
	// The longest an MCP session lives, however busy.
	SessionMaxAge time.Duration `json:"session_max_age,omitempty"`
	// The addresses of your reverse proxies or load balancers, as IPs or
	// CIDR ranges (10.0.0.0/8, 2001:db8::/32). Only a connection from one
	// of them has its X-Forwarded-For read: the client's address is then
	// the last one in it that is not a proxy of this list. It is the
	// address the per-address rate limits count, failed logins are
	// charged to and the audit log records. Empty: X-Forwarded-For is
	// ignored and the connection's own address is the client's.
	TrustedProxies []string `json:"trusted_proxies,omitempty"`
}

// LogConfig controls the host's structured logs (always on stderr).
type LogConfig struct {
	// The least severe level logged.
	Level string `json:"level,omitempty"`
	// json for log collectors, text for people.
	Format string `json:"format,omitempty"`
}

// BillyConfig is the Billy gateway's configuration.
type BillyConfig struct {
	// The Billy access token. Keep it out of files: set it in the
	// environment. Empty selects sandbox mode unless mode says otherwise.
	APIKey string `json:"api_key,omitempty"`
	// The Billy organization to work on.
	OrganizationID string `json:"organization_id,omitempty"`
	// Billy's API base URL; change it only for a proxy or a test double.
	APIBase string `json:"api_base,omitempty"`
	// The longest a single request to Billy may take.
	Timeout time.Duration `json:"timeout,omitempty"`
	// Requests per second toward Billy, per organization (a token bucket).
	// Billy documents no limit; the default is deliberately polite.
	// Identical concurrent reads share one request and count once.
	RateLimitPerSecond int `json:"rate_limit_per_second,omitempty"`
	// How many requests toward Billy may go at once after a quiet spell,
	// per organization (the token bucket's size).
	RateLimitBurst int `json:"rate_limit_burst,omitempty"`
	// How many failed requests in a row (network errors, timeouts, 5xx)
	// make the host stop calling Billy for an organization for a while
	// (the circuit breaker opens): calls then fail at once, retryably,
	// instead of waiting on a Billy that is down.
	BreakerFailures int `json:"breaker_failures,omitempty"`
	// How long an open breaker fails calls at once before it lets a probe
	// through to see whether Billy is back.
	BreakerOpenTimeout time.Duration `json:"breaker_open_timeout,omitempty"`
}

// CredentialsConfig is the key ring for the secrets at rest (AES-256-GCM,
// the key's ID in every value, each value bound to its organization and
// row). Give keys in keys or keys_file, or both; `billy-mcp keys new`
// prints one, `billy-mcp keys rotate` adds one and re-encrypts.
type CredentialsConfig struct {
	// The keys, as id:base64 of 32 random bytes (openssl rand -base64 32),
	// separated by commas or new lines; the first is the primary (the one
	// that encrypts) unless primary names another. Keep them out of files:
	// set them in the environment (BILLY_MCP_CREDENTIALS_KEYS).
	Keys string `json:"keys,omitempty"`
	// A file holding keys in the same form, one per line (# starts a
	// comment), mode 0600; `billy-mcp keys rotate` writes the new key at
	// its top. Its first key is the primary, before those of keys. A
	// running host re-reads it when it meets a value encrypted under a key
	// it does not hold yet.
	KeysFile string `json:"keys_file,omitempty"`
	// The ID of the key that encrypts; 0 for the first key given. The
	// others only decrypt, until no value is left under them (`billy-mcp
	// keys status`) and they can be removed.
	Primary int64 `json:"primary,omitempty"`
	// v1's ENCRYPTION_KEY, to read Billy tokens v1 stored
	// (iv:tag:ciphertext) until `billy-mcp keys rotate` has re-encrypted
	// them. Set it in the environment, and remove it after the rotation.
	V1Key string `json:"v1_key,omitempty"`
	// v1's ENCRYPTION_SALT, with v1_key.
	V1Salt string `json:"v1_salt,omitempty"`
}

// AuthConfig is how MCP and REST callers authenticate.
type AuthConfig struct {
	// v1's keys: accepted as "Authorization: Bearer <key>" or "X-API-Key:
	// <key>", each with every scope on the deployment's own organization.
	// Keep them out of files: set them in the environment (MCP_API_KEY).
	// Prefer keys, which are stored as hashes and carry their own
	// principal, organizations, scopes and expiry. With no key of either
	// kind and no oauth.issuer there is no authentication, which is
	// refused on any address but loopback.
	APIKeys []string `json:"api_keys,omitempty"`
	// API keys, one entry per key; the file holds only each key's SHA-256.
	// Make a key with KEY=bmcp_$(openssl rand -hex 32), give it to the
	// client, and put the output of printf %s "$KEY" | sha256sum here.
	Keys []APIKeyConfig `json:"keys,omitempty"`
	// Roles as scope sets, added to or replacing the built-in ones
	// (read-only: billy:read; bookkeeper: billy:write; accountant:
	// billy:approve, moms:file, audit:read; admin: admin). An API key's
	// roles name these.
	Roles map[string][]string `json:"roles,omitempty"`
	// OAuth 2.1 access tokens from an authorization server, validated
	// here as a resource server. Leave issuer unset for API keys only.
	OAuth OAuthConfig `json:"oauth,omitzero"`
	// The host's own OAuth 2.1 authorization server, for deployments
	// without an identity provider (Claude.ai and ChatGPT connect only
	// through OAuth): users log in with a password (and a TOTP code once
	// enrolled) and consent per client to scopes and organizations. Off
	// unless enabled; when on, the resource server (auth.oauth) trusts it
	// without a jwks_url, and auth.oauth.audience is still required.
	Server AuthServerConfig `json:"server,omitzero"`
	// MFA for the sensitive: calls that need a fresh TOTP code from the
	// caller's principal, given out of band on an approval page whose link
	// the call's error names; the call then runs once when retried with
	// the same arguments. Principals enrol with `billy-mcp users totp
	// enroll`; one not enrolled cannot make such calls.
	MFA MFAConfig `json:"mfa,omitzero"`
	// Requests per second one principal may make (MCP and REST), with
	// burst; beyond it the answer is 429 with Retry-After. Shared by every
	// instance through Redis when it is configured. 0 turns it off. The
	// local operator of an unauthenticated loopback host is not limited.
	PrincipalRatePerSecond int `json:"principal_rate_per_second,omitempty"`
	// How many requests one principal may make at once after a quiet
	// spell.
	PrincipalBurst int `json:"principal_burst,omitempty"`
	// Requests per second on one organization, all principals together. 0
	// turns it off.
	OrganizationRatePerSecond int `json:"organization_rate_per_second,omitempty"`
	// How many requests on one organization may come at once after a
	// quiet spell.
	OrganizationBurst int `json:"organization_burst,omitempty"`
	// Requests per second from one client address before authentication,
	// with burst. Generous: Claude.ai's and ChatGPT's users all arrive
	// from their platform's few addresses. 0 turns it off.
	IPRatePerSecond int `json:"ip_rate_per_second,omitempty"`
	// How many requests from one address may come at once.
	IPBurst int `json:"ip_burst,omitempty"`
	// Refused credentials (a wrong key, a forged token) allowed per client
	// address per minute; beyond it the address gets 429 until its budget
	// refills. Expired genuine tokens do not count. 0 turns it off.
	FailedLoginsPerMinute int `json:"failed_logins_per_minute,omitempty"`
}

// APIKeyConfig is one API key.
type APIKeyConfig struct {
	// Who holds the key: the principal named in the audit log and in rate
	// limits (e.g. ci-bot or anna@firm.dk).
	Principal string `json:"principal,omitempty"`
	// The SHA-256 of the whole key (bmcp_ prefix included), as 64
	// lower-case hex characters: `printf %s "$KEY" | sha256sum`.
	SHA256 string `json:"sha256,omitempty"`
	// The Billy organizations the key may act on; empty: the deployment's
	// own (billy.organization_id).
	Organizations []string `json:"organizations,omitempty"`
	// The scopes the key grants (billy:read, invoices:write, moms:file,
	// audit:read, metrics, admin, …), added to its roles' scopes.
	Scopes []string `json:"scopes,omitempty"`
	// Roles whose scopes the key grants (read-only, bookkeeper,
	// accountant, admin, or one of auth.roles).
	Roles []string `json:"roles,omitempty"`
	// When the key stops working: a date (2027-06-30, the start of that
	// day in UTC) or an RFC 3339 time. Empty: never.
	Expires string `json:"expires,omitempty"`
}

// OAuthConfig is the OAuth 2.1 resource server.
type OAuthConfig struct {
	// The authorization server's issuer URL, compared exactly with each
	// token's iss (https://login.example.dk/realms/billy). Leave it unset
	// to accept no access tokens.
	Issuer string `json:"issuer,omitempty"`
	// Where the issuer publishes its signing keys (JWKS); fetched at start,
	// hourly, and when a token names a key not yet seen.
	JWKSURL string `json:"jwks_url,omitempty"`
	// The MCP endpoint's canonical URL, exactly as users type it into
	// their client (https://mcp.example.dk/mcp): a token's aud must name
	// it (RFC 8707), and the protected resource metadata says it.
	Audience string `json:"audience,omitempty"`
	// The signing algorithms accepted; asymmetric only (HS256 and none
	// never are).
	Algorithms []string `json:"algorithms,omitempty"`
	// The claim listing the organizations a token may act on.
	OrganizationsClaim string `json:"organizations_claim,omitempty"`
	// The scopes a client asks for when it knows nothing else: the
	// protected resource metadata's scopes_supported and the scope of a
	// 401's challenge. Keep it minimal: clients request all of it.
	BaselineScopes []string `json:"baseline_scopes,omitempty"`
	// Announce OAuth (protected resource metadata at
	// /.well-known/oauth-protected-resource, resource_metadata in
	// challenges). Turn it off for deployments whose clients use API keys:
	// Cursor and Claude Code start OAuth and ignore configured headers
	// whenever discovery answers. Tokens are still accepted.
	Discovery *bool `json:"discovery,omitempty"`
}

// AuthServerConfig is the embedded authorization server.
type AuthServerConfig struct {
	// Run the authorization server at /oauth/ (metadata at
	// /.well-known/oauth-authorization-server).
	Enabled bool `json:"enabled,omitempty"`
	// The server's issuer: the origin clients reach the host at
	// (https://mcp.example.dk), without a path. Leave it unset to take the
	// origin of auth.oauth.audience. Keep it stable: clients key what
	// they registered by it.
	Issuer string `json:"issuer,omitempty"`
	// Who may log in, besides the users kept in the store (`billy-mcp
	// users add`). A name here wins over the same name in the store.
	Users []AuthUserConfig `json:"users,omitempty"`
	// How long an access token works. A token revoked (at /oauth/revoke,
	// or with its user: users passwd, disable, remove, revoke) is refused
	// by every instance within seconds; keep it short anyway, clients
	// refresh.
	AccessTokenTTL time.Duration `json:"access_token_ttl,omitempty"`
	// How long a refresh token works unused; each use replaces it.
	RefreshTokenTTL time.Duration `json:"refresh_token_ttl,omitempty"`
	// Accept dynamic client registration (RFC 7591), which Claude.ai,
	// ChatGPT, Cursor, VS Code and mcp-remote use to connect. Each
	// client still needs a user's login and consent.
	Registration *bool `json:"registration,omitempty"`
	// Client ID metadata documents: a client whose client_id is an https
	// URL (Claude.ai, ChatGPT, VS Code) is described by the JSON document
	// at that URL, which the server fetches instead of registering it.
	ClientMetadata AuthClientMetadataConfig `json:"client_metadata,omitzero"`
}

// RegistrationOn reports whether dynamic client registration is accepted.
func (s AuthServerConfig) RegistrationOn() bool { return s.Registration == nil || *s.Registration }

// AuthClientMetadataConfig is how the authorization server fetches client
// ID metadata documents.
type AuthClientMetadataConfig struct {
	// Accept https client IDs and announce
	// client_id_metadata_document_supported in the metadata. Each client
	// still needs a user's login and consent.
	Enabled *bool `json:"enabled,omitempty"`
	// Fetch documents from loopback, private and link-local addresses
	// too. For local development and tests only: in production it lets
	// anyone who can start a login make the host fetch from its own
	// network.
	AllowPrivateAddresses bool `json:"allow_private_addresses,omitempty"`
	// How long one fetch may take, connection to last byte.
	Timeout time.Duration `json:"timeout,omitempty"`
	// The longest a fetched document is used before it is fetched again,
	// whatever its Cache-Control says (a shorter max-age, no-cache or
	// no-store is obeyed).
	MaxAge time.Duration `json:"max_age,omitempty"`
}

// On reports whether client ID metadata documents are accepted.
func (c AuthClientMetadataConfig) On() bool { return c.Enabled == nil || *c.Enabled }

// MFAConfig says which calls need a TOTP approval.
type MFAConfig struct {
	// Admin operations (tools that need the admin scope) need an approval.
	Admin bool `json:"admin,omitempty"`
	// Organizations whose destructive tool calls (cancelling, deleting,
	// voiding: tools marked destructive) need an approval; * for all.
	DestructiveOrganizations []string `json:"destructive_organizations,omitempty"`
	// How long an approval waits to be approved and then used.
	ApprovalTTL time.Duration `json:"approval_ttl,omitempty"`
}

// AuthUserConfig is one user of the embedded authorization server.
type AuthUserConfig struct {
	// The user name, which is also the principal in the audit log and in
	// rate limits (e.g. anna@firm.dk).
	Name string `json:"name,omitempty"`
	// A bcrypt hash of the password, never the password: `billy-mcp users
	// hash-password` reads one and prints its hash.
	PasswordBcrypt string `json:"password_bcrypt,omitempty"`
	// The Billy organizations the user may grant a client; empty: the
	// deployment's own (billy.organization_id).
	Organizations []string `json:"organizations,omitempty"`
	// Roles whose scopes the user holds (read-only, bookkeeper,
	// accountant, admin, or one of auth.roles).
	Roles []string `json:"roles,omitempty"`
	// Scopes the user holds besides its roles'.
	Scopes []string `json:"scopes,omitempty"`
	// Refuse a login without a TOTP code, even before the user has
	// enrolled (`billy-mcp users totp enroll NAME`). Once enrolled, a user
	// always needs a code.
	RequireTOTP bool `json:"require_totp,omitempty"`
}

// DiscoveryOn reports whether OAuth discovery is announced: an issuer is
// configured and discovery is not switched off.
func (o OAuthConfig) DiscoveryOn() bool {
	return o.Issuer != "" && (o.Discovery == nil || *o.Discovery)
}

// Required reports whether callers must authenticate: some key, an
// OAuth issuer or the embedded authorization server is configured.
func (a AuthConfig) Required() bool {
	return len(a.APIKeys) > 0 || len(a.Keys) > 0 || a.OAuth.Issuer != "" || a.Server.Enabled
}

// CallsConfig bounds tool calls.
type CallsConfig struct {
	// The longest a tool call may run, plugin time included.
	Timeout time.Duration `json:"timeout,omitempty"`
	// The most tools one REST batch request may call.
	MaxBatch int `json:"max_batch,omitempty"`
	// The longest text a tool argument may hold, in bytes; a longer one is
	// refused naming the field before it reaches a plugin or Billy.
	MaxStringBytes int `json:"max_string_bytes,omitempty"`
}

// MCPConfig is how MCP clients are shown the tools.
type MCPConfig struct {
	// full (the default) lists every tool with its input and output
	// schemas in tools/list. compact lists each tool with its name, title,
	// first sentence and annotations, an input schema that only says
	// "object" and no output schema, and the search_tools tool in full: a
	// client with many plugins enabled then pays for a schema only when
	// its model asks search_tools for it (schemas: true). Calls are still
	// checked against the real schemas. Clients that build forms or check
	// arguments from tools/list see no arguments in compact mode.
	ToolsList string `json:"tools_list,omitempty"`
}

// PluginConfig is one plugin's entry.
type PluginConfig struct {
	// Whether to start the plugin (default true). false keeps the entry but
	// does not start it; it is how a built-in plugin is switched off.
	Enabled *bool `json:"enabled,omitempty"`
	// The plugin's binary; a relative path is resolved against
	// plugin_defaults.dir. Required for an enabled plugin that is not
	// built in.
	Path string `json:"path,omitempty"`
	// The binary's SHA-256 checksum (sha256sum's output). Empty means: look
	// it up in plugin_defaults.checksums_file.
	SHA256 string `json:"sha256,omitempty"`
	// The plugin's own settings, passed to it as JSON and validated by the
	// plugin: see its documentation.
	Config map[string]any `json:"config,omitempty"`
	// How many cores the plugin's Go runtime may use (its GOMAXPROCS);
	// 0 means plugin_defaults.max_procs. Raise it for a plugin that
	// computes a lot itself.
	MaxProcs int `json:"max_procs,omitempty"`
	// Hand the plugin the deployment's PostgreSQL database (database.url),
	// for state every instance shares, such as a job queue: the plugin
	// keeps its tables in a schema of its own. The URL is a secret, so
	// grant it only to plugins you trust with it. Without it, or without
	// database.url, the plugin keeps its state in its own folder under
	// data_dir (data_dir/plugins/NAME). On by default for the built-in
	// plugins that keep state.
	Database bool `json:"database,omitempty"`
}

// IsEnabled reports whether the plugin should be started.
func (p PluginConfig) IsEnabled() bool { return p.Enabled == nil || *p.Enabled }

// PluginDefaults apply to every plugin.
type PluginDefaults struct {
	// Where relative plugin paths are resolved. Empty means the directory
	// of the billy-mcp binary, because make build puts the plugins next to
	// it; a relative dir is taken from the working directory.
	Dir string `json:"dir,omitempty"`
	// A SHA256SUMS-format file (written by make build) listing each plugin
	// binary's checksum, relative to dir. Consulted for entries without
	// sha256.
	ChecksumsFile string `json:"checksums_file,omitempty"`
	// The longest one plugin start (handshake, describe, configure) may
	// take.
	StartTimeout time.Duration `json:"start_timeout,omitempty"`
	// How often each plugin is health-checked.
	HealthInterval time.Duration `json:"health_interval,omitempty"`
	// The first wait before restarting a crashed plugin; it doubles on
	// each further crash, up to restart_backoff_max.
	RestartBackoffInitial time.Duration `json:"restart_backoff_initial,omitempty"`
	// The longest wait before restarting a crashed plugin.
	RestartBackoffMax time.Duration `json:"restart_backoff_max,omitempty"`
	// How many cores each plugin's Go runtime may use (its GOMAXPROCS),
	// unless the plugin's own max_procs says otherwise; 0 leaves Go's
	// default (every core). Plugins mostly wait for the host and Billy: one
	// core spares the idle threads that wake on every call (measured: CPU
	// per call through the moms plugin 927 → 620 µs at one client).
	MaxProcs int `json:"max_procs,omitempty"`
}

// AdminConfig is the diagnostics listener.
type AdminConfig struct {
	// A loopback host:port (e.g. 127.0.0.1:6060) to serve /debug/pprof/ on;
	// empty for none.
	Addr string `json:"addr,omitempty"`
}

// AuditConfig is where audit records go, how they are buffered, signed and
// anonymized. Every record is kept in the store (the tamper-evident audit
// log, whatever the log level) and also written as a JSON line.
type AuditConfig struct {
	// Where the JSON lines go, one record each, for log collectors: empty
	// for stderr, beside the logs, or a file's path, appended to (made with
	// mode 0600). The store's audit log is the record that counts.
	Path string `json:"path,omitempty"`
	// How many records may wait for each writer. When one falls behind,
	// requests wait for room (back-pressure): records are never dropped.
	Buffer int `json:"buffer,omitempty"`
	// How long an entry keeps its personal fields (the principal, the
	// client's address, the plugin's note such as cancel_invoice's reason,
	// an internal error's text). Older entries are anonymized: those fields
	// are blanked, the rest (tool, organization, outcome, arguments' hash,
	// writes) is kept, and the chain still verifies. The default, five
	// years (43800h), is as long as Danish law keeps the books; shorten it
	// to what your privacy notice says.
	Retention time.Duration `json:"retention,omitempty"`
	// Signed checkpoints of the audit log, kept outside the database.
	Checkpoints AuditCheckpointsConfig `json:"checkpoints,omitzero"`
}

// AuditCheckpointsConfig is where and how often the host signs the audit
// log's Merkle root (Ed25519) into files outside the database, so that
// whoever can rewrite the database cannot rewrite the log unnoticed.
type AuditCheckpointsConfig struct {
	// The directory the checkpoint files go to (one file a day), made if
	// missing. Put it where the database's administrators cannot write: a
	// mounted bucket, another host's share. Default: audit-checkpoints in
	// data_dir; with neither, no checkpoints are signed (the chain alone
	// still shows edits, removals and reordering).
	Dir string `json:"dir,omitempty"`
	// The signing key, in the form `billy-mcp audit keygen` prints
	// (PRIVATE+KEY+name+hash+key). Keep it out of files: set it in the
	// environment, or in key_file. Unset: derived from signing_key (or
	// data_dir's signing.key), which is good only while that stays secret
	// and stable. Give auditors the verifier key that keygen prints.
	Key string `json:"key,omitempty"`
	// A file holding the signing key, instead of key.
	KeyFile string `json:"key_file,omitempty"`
	// The log's name in each checkpoint and in the key: the same for
	// every instance of a deployment, different between deployments.
	Origin string `json:"origin,omitempty"`
	// How often a checkpoint is signed, when entries were added since
	// the last.
	Interval time.Duration `json:"interval,omitempty"`
	// A checkpoint is also signed after this many new entries.
	Every int `json:"every,omitempty"`
}

// WritesConfig is the write policy (issue: safe writes).
type WritesConfig struct {
	// off refuses every write; confirm makes destructive writes (approve,
	// send, void, credit, pay) return a preview and ask for confirmation
	// first; direct writes at once. Leave it unset to derive it: direct in
	// sandbox mode, confirm in production.
	Mode string `json:"mode,omitempty"`
	// How long after a write ended with an unknown outcome Billy may still
	// be finishing it. A retry with the same idempotency key waits this
	// long, then looks in Billy before writing again; keep it longer than
	// Billy's longest request.
	SettleAfter time.Duration `json:"settle_after,omitempty"`
	// How long an idempotency key is kept after its call: a retry with it
	// within this time gets the first answer.
	IdempotencyTTL time.Duration `json:"idempotency_ttl,omitempty"`
}

// RedisConfig is the Redis deployment the instances share: one server,
// Sentinel or Cluster, through one client (go-redis's universal client).
type RedisConfig struct {
	// One server as a URL: redis://[user:password@]host:port[/db], or
	// rediss:// for TLS. Add ?addr=host:port once per further node to name
	// a Cluster. Keep a password out of files: set it in the environment.
	// Leave url and addrs empty to run without Redis.
	URL string `json:"url,omitempty"`
	// The servers as host:port: several for a Cluster, or the Sentinels
	// when master_name is set. Use either url or addrs.
	Addrs []string `json:"addrs,omitempty"`
	// With Sentinel: the name of the monitored primary.
	MasterName string `json:"master_name,omitempty"`
	// Treat a single address as a Cluster (a managed Cluster's
	// configuration endpoint). Several addrs are a Cluster anyway.
	Cluster bool `json:"cluster,omitempty"`
	// The ACL user, when not in url.
	Username string `json:"username,omitempty"`
	// The password, when not in url. Keep it out of files: set it in the
	// environment.
	Password string `json:"password,omitempty"`
	// The database number of a single server or Sentinel primary (a
	// Cluster has only 0).
	DB int `json:"db,omitempty"`
	// Connect with TLS (url's rediss:// says so too).
	TLS bool `json:"tls,omitempty"`
	// The longest one Redis operation may take (connect, read or write).
	// Kept short: when Redis is slow or down, tool calls go on without it
	// rather than wait.
	Timeout time.Duration `json:"timeout,omitempty"`
	// Starts every key and channel the host uses, so that several
	// deployments can share one Redis.
	KeyPrefix string `json:"key_prefix,omitempty"`
}

// Enabled reports whether a Redis deployment is configured.
func (r RedisConfig) Enabled() bool { return r.URL != "" || len(r.Addrs) > 0 }

// CacheConfig is the cache of Billy reads.
type CacheConfig struct {
	// Cache Billy reads (default true). false sends every read to Billy.
	Enabled *bool `json:"enabled,omitempty"`
	// The most the in-process tier may hold, in bytes of Billy answers;
	// the least used entries are evicted beyond it.
	LocalMaxBytes int64 `json:"local_max_bytes,omitempty"`
	// How long a read stays fresh, per kind of record.
	TTL CacheTTLConfig `json:"ttl,omitzero"`
	// When Billy is down, failing, slow past stale_after or paused by the
	// circuit breaker, a read may be answered from the cache past its TTL
	// up to this age, marked as stale in the result. Records a write
	// changed are never served stale.
	StaleMaxAge time.Duration `json:"stale_max_age,omitempty"`
	// A read that Billy has not answered after this long is answered from
	// the cache, marked stale, when the cache holds an older answer; the
	// read goes on in the background and refreshes the cache.
	StaleAfter time.Duration `json:"stale_after,omitempty"`
	// Warming: reading ahead what each organization reads most.
	Warm CacheWarmConfig `json:"warm,omitzero"`
	// Offer the cache_stats tool (hit, miss and stale counts per resource
	// and tier). Off by default: every listed tool costs every AI
	// conversation context; turn it on for administrators.
	StatsTool bool `json:"stats_tool,omitempty"`
}

// IsEnabled reports whether reads are cached.
func (c CacheConfig) IsEnabled() bool { return c.Enabled == nil || *c.Enabled }

// CacheTTLConfig is how long each kind of Billy record stays fresh.
type CacheTTLConfig struct {
	// Anything not listed below.
	Default time.Duration `json:"default,omitempty"`
	// Invoices, credit notes and their lines.
	Invoices time.Duration `json:"invoices,omitempty"`
	// Contacts (customers, suppliers) and contact persons.
	Contacts time.Duration `json:"contacts,omitempty"`
	// Products and their prices.
	Products time.Duration `json:"products,omitempty"`
	// Bank payments and what they settle (balance modifiers).
	Payments time.Duration `json:"payments,omitempty"`
	// The chart of accounts: accounts, groups and natures.
	Accounts time.Duration `json:"accounts,omitempty"`
	// Tax rates and sales tax rulesets.
	TaxRates time.Duration `json:"tax_rates,omitempty"`
	// Currencies and their exchange rates.
	Currencies time.Duration `json:"currencies,omitempty"`
	// Countries, country groups, states, cities, zip codes and locales.
	Countries time.Duration `json:"countries,omitempty"`
	// The organization and the user.
	Organization time.Duration `json:"organization,omitempty"`
}

// CacheWarmConfig is how the cache reads ahead.
type CacheWarmConfig struct {
	// How often to read ahead, per organization, what is read most and is
	// no longer fresh (also once at start, from the usage Redis holds).
	Interval time.Duration `json:"interval,omitempty"`
	// The most Billy requests one warming round may make per
	// organization; 0 turns warming off.
	Budget int `json:"budget,omitempty"`
}

// IssuerOr is the server's issuer: issuer, or else the origin of
// audience (the MCP endpoint's URL).
func (s AuthServerConfig) IssuerOr(audience string) string {
	if s.Issuer != "" {
		return strings.TrimSuffix(s.Issuer, "/")
	}
	scheme, rest, ok := strings.Cut(audience, "://")
	if !ok {
		return ""
	}
	host, _, _ := strings.Cut(rest, "/")
	return scheme + "://" + host
}
