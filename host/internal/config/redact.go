package config

// The configuration is logged at start (debug level) and written to golden
// files, and both must be safe to share: this file hides secrets. It is
// separate from the loading code because it is used on configurations
// long after loading, by code that never sees a file.

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Redaction is what Redacted puts in place of a secret.
const Redaction = "[REDACTED]"

// secretKeyRE matches the names of plugin config keys that probably hold
// secrets. Plugin config is free-form, so this is a best effort.
var secretKeyRE = regexp.MustCompile(`(?i)(key|token|secret|password|passwd|credential)`)

// Redacted returns a deep copy of c that is safe to log: billy.api_key,
// each of auth.api_keys and, in plugin config sections, values under keys
// that look secret (api_key, token, password, ...) are replaced by
// Redaction. Empty secrets stay empty, so the log still shows that one is
// unset.
func (c *Config) Redacted() *Config {
	r := *c
	if r.SigningKey != "" {
		r.SigningKey = Redaction
	}
	if r.Credentials.Keys != "" {
		r.Credentials.Keys = Redaction
	}
	if r.Credentials.V1Key != "" {
		r.Credentials.V1Key = Redaction
	}
	if r.Audit.Checkpoints.Key != "" {
		r.Audit.Checkpoints.Key = Redaction
	}
	if r.Billy.APIKey != "" {
		r.Billy.APIKey = Redaction
	}
	if r.Redis.Password != "" {
		r.Redis.Password = Redaction
	}
	r.Redis.URL = RedactURL(c.Redis.URL)
	r.Database.URL = redactDatabaseURL(c.Database.URL)
	r.Redis.Addrs = slices.Clone(c.Redis.Addrs)
	if c.Cache.Enabled != nil {
		e := *c.Cache.Enabled
		r.Cache.Enabled = &e
	}
	r.HTTP.AllowedHosts = slices.Clone(c.HTTP.AllowedHosts)
	r.HTTP.AllowedOrigins = slices.Clone(c.HTTP.AllowedOrigins)
	if c.Auth.APIKeys != nil {
		r.Auth.APIKeys = make([]string, len(c.Auth.APIKeys))
		for i := range r.Auth.APIKeys {
			r.Auth.APIKeys[i] = Redaction
		}
	}
	// Key entries hold hashes, not keys: nothing to hide, but deep-copied
	// so that the redacted copy shares nothing with c.
	if c.Auth.Keys != nil {
		r.Auth.Keys = make([]APIKeyConfig, len(c.Auth.Keys))
		for i, k := range c.Auth.Keys {
			k.Organizations, k.Scopes, k.Roles = slices.Clone(k.Organizations), slices.Clone(k.Scopes), slices.Clone(k.Roles)
			r.Auth.Keys[i] = k
		}
	}
	// A bcrypt hash is not the password, but one in a log can be attacked
	// offline: hidden too.
	if c.Auth.Server.Users != nil {
		r.Auth.Server.Users = make([]AuthUserConfig, len(c.Auth.Server.Users))
		for i, u := range c.Auth.Server.Users {
			u.Organizations, u.Scopes, u.Roles = slices.Clone(u.Organizations), slices.Clone(u.Scopes), slices.Clone(u.Roles)
			if u.PasswordBcrypt != "" {
				u.PasswordBcrypt = Redaction
			}
			r.Auth.Server.Users[i] = u
		}
	}
	if c.Auth.Server.Registration != nil {
		v := *c.Auth.Server.Registration
		r.Auth.Server.Registration = &v
	}
	if c.Auth.Roles != nil {
		r.Auth.Roles = make(map[string][]string, len(c.Auth.Roles))
		for name, s := range c.Auth.Roles {
			r.Auth.Roles[name] = slices.Clone(s)
		}
	}
	r.Auth.OAuth.Algorithms = slices.Clone(c.Auth.OAuth.Algorithms)
	r.Auth.OAuth.BaselineScopes = slices.Clone(c.Auth.OAuth.BaselineScopes)
	if c.Auth.OAuth.Discovery != nil {
		d := *c.Auth.OAuth.Discovery
		r.Auth.OAuth.Discovery = &d
	}
	if c.Plugins != nil {
		r.Plugins = make(map[string]PluginConfig, len(c.Plugins))
		for name, p := range c.Plugins {
			if p.Enabled != nil {
				e := *p.Enabled
				p.Enabled = &e
			}
			if p.Config != nil {
				p.Config = redactFree(p.Config).(map[string]any)
			}
			r.Plugins[name] = p
		}
	}
	return &r
}

// redactFree deep-copies a free-form value, redacting values under
// secret-looking keys.
func redactFree(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			if secretKeyRE.MatchString(k) && e != nil {
				out[k] = Redaction
			} else {
				out[k] = redactFree(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = redactFree(e)
		}
		return out
	}
	return v
}

// RedactURL hides the password of a URL's user information (redis.url may
// carry one); a URL that does not parse is hidden whole, since it may hold
// a password in a form the parser did not recognise.
func RedactURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return Redaction
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), Redaction)
		return strings.Replace(u.String(), url.QueryEscape(Redaction), Redaction, 1)
	}
	return raw
}

// databaseQuerySecrets are the query parameters a PostgreSQL URL may carry
// a password in, besides its user information.
var databaseQuerySecrets = []string{"password", "sslpassword"}

// redactDatabaseURL is RedactURL, and also hides a password given as a
// query parameter (postgres://host/db?password=...).
func redactDatabaseURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return Redaction
	}
	hidden := false
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), Redaction)
		hidden = true
	}
	q := u.Query()
	for _, k := range databaseQuerySecrets {
		if q.Has(k) {
			q.Set(k, Redaction)
			u.RawQuery = q.Encode()
			hidden = true
		}
	}
	if !hidden {
		return raw
	}
	return strings.ReplaceAll(u.String(), url.QueryEscape(Redaction), Redaction)
}
