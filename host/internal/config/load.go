package config

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/providers/env/v2"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/v2"

	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
)

// EnvPrefix starts every environment variable named after a key:
// BILLY_MCP_HTTP_ADDR is http.addr.
const EnvPrefix = "BILLY_MCP_"

// EnvConfigFile is reserved for a command that takes the config file's path
// from the environment. It is not a key, so Load ignores it rather than
// rejecting it as an unknown BILLY_MCP_ variable.
const EnvConfigFile = "BILLY_MCP_CONFIG"

// Redaction is what Redacted puts in place of a secret.
const Redaction = "[REDACTED]"

// Modes and write modes, as written in the configuration.
const (
	ModeSandbox    = "sandbox"
	ModeProduction = "production"

	WritesOff     = "off"
	WritesConfirm = "confirm"
	WritesDirect  = "direct"
)

// Default returns the built-in defaults, the bottom layer of Load. Mode,
// writes.mode and plugin_defaults.dir are empty: Load derives them after
// the other layers are applied (see Load). The conformance fixtures plugin
// is deliberately not here: it only ever runs when a config names it.
func Default() *Config {
	return &Config{
		HTTP: HTTPConfig{
			Addr:            "127.0.0.1:8080",
			ShutdownTimeout: 10 * time.Second,
			MaxBodyBytes:    10 << 20,
		},
		Log: LogConfig{Level: "info", Format: "json"},
		Billy: BillyConfig{
			APIBase:            "https://api.billysbilling.com/v2",
			Timeout:            30 * time.Second,
			RateLimitPerSecond: 10,
			RateLimitBurst:     20,
		},
		Calls: CallsConfig{Timeout: 60 * time.Second, MaxBatch: 20},
		Plugins: map[string]PluginConfig{
			"invoices": {Path: "billy-mcp-plugin-invoices"},
			"moms":     {Path: "billy-mcp-plugin-moms"},
		},
		PluginDefaults: PluginDefaults{
			ChecksumsFile:         "SHA256SUMS",
			StartTimeout:          10 * time.Second,
			HealthInterval:        5 * time.Second,
			RestartBackoffInitial: 200 * time.Millisecond,
			RestartBackoffMax:     30 * time.Second,
		},
		Sandbox: SandboxConfig{Seed: 1},
	}
}

// Options says where Load finds its layers. The zero value means: defaults
// and the process environment only.
type Options struct {
	// File is a YAML config file; empty means none.
	File string
	// Environ is the environment as os.Environ returns it; nil means
	// os.Environ(). Tests pass an explicit (possibly empty) slice so the
	// machine's environment cannot leak in.
	Environ []string
	// ExecutableDir replaces the directory of the running executable as
	// the default plugin_defaults.dir; empty means filepath.Dir of
	// os.Executable(). Tests set it because under `go test` the executable
	// lives in a temporary build directory.
	ExecutableDir string
}

// Load builds the configuration from the defaults, then opts.File, then the
// environment (each layer overrides the one before), checks it with
// Validate and fills in what is derived:
//
//   - mode: "sandbox" when billy.api_key is empty, else "production";
//   - writes.mode: "direct" in sandbox mode, else "confirm";
//   - plugin_defaults.dir: the executable's directory when empty, and
//     always made absolute (a relative dir is taken from the working
//     directory);
//   - each enabled plugin's path: joined to plugin_defaults.dir when
//     relative.
//
// A "plugins" section in the file replaces the default plugin set instead
// of merging with it: an operator who lists plugins gets exactly those. An
// empty "plugins:" means no plugins. Any other key whose value is null (a
// section with everything commented out) keeps its default.
//
// Environment variables with an empty value are treated as unset, because
// deployment tools often define a variable without giving it a value.
// Lists from the environment are comma-separated. Plugins can only be
// configured in the file.
//
// Problems are reported all at once, joined into one error, in two rounds:
// first every unknown key or variable and every value of the wrong type (in
// the file and the environment), then, once those are fixed, everything
// Validate finds.
func Load(opts Options) (*Config, error) {
	environ := opts.Environ
	if environ == nil {
		environ = os.Environ()
	}

	ko := koanf.New(".")
	if err := ko.Load(confmap.Provider(toMap(reflect.ValueOf(Default()).Elem()).(map[string]any), ""), nil); err != nil {
		return nil, fmt.Errorf("config: loading defaults: %w", err)
	}

	var problems []error
	if opts.File != "" {
		raw, errs, err := readFile(opts.File)
		if err != nil {
			return nil, err
		}
		problems = append(problems, errs...)
		if len(errs) == 0 {
			if _, ok := raw["plugins"]; ok {
				ko.Delete("plugins")
			}
			if err := ko.Load(confmap.Provider(raw, ""), nil); err != nil {
				return nil, fmt.Errorf("config file %s: %w", opts.File, err)
			}
		}
	}

	// v1's names first, so the BILLY_MCP_ layer, loaded next, wins.
	if err := ko.Load(confmap.Provider(v1Env(environ), "."), nil); err != nil {
		return nil, fmt.Errorf("config: loading v1 environment variables: %w", err)
	}
	envLayer, errs := billyMCPEnv(environ)
	problems = append(problems, errs...)
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	if err := ko.Load(envLayer, nil); err != nil {
		return nil, fmt.Errorf("config: loading environment: %w", err)
	}

	cfg, err := decode(ko)
	if err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := cfg.derive(opts.ExecutableDir); err != nil {
		return nil, err
	}
	return cfg, nil
}

// Check is what `billy-mcp config check --config F` runs: Load and
// Validate, against environ (nil means the process environment, which is
// what the host would see when started the same way).
//
// Check is about the configuration's validity only. It does not look for
// plugin binaries or the checksums file: a config is often checked where
// the binaries are not installed (CI, a build machine), and the plugin
// manager verifies each binary and its checksum when it starts the plugin.
func Check(path string, environ []string) error {
	cfg, err := Load(Options{File: path, Environ: environ})
	if err != nil {
		return err
	}
	return cfg.Validate()
}

// readFile reads and parses the YAML file, then checks it against the
// schema. err is for a file that cannot be read or parsed at all; problems
// lists every unknown key and wrongly typed value.
func readFile(path string) (raw map[string]any, problems []error, err error) {
	b, err := file.Provider(path).ReadBytes()
	if err != nil {
		return nil, nil, fmt.Errorf("config file: %w", err)
	}
	m, err := yaml.Parser().Unmarshal(b)
	if err != nil {
		return nil, nil, fmt.Errorf("config file %s: not valid YAML (it must be a mapping of keys, like configs/production.example.yaml): %w", path, err)
	}
	out, _ := schema.check("", m, &problems)
	for i, p := range problems {
		problems[i] = fmt.Errorf("config file %s: %w", path, p)
	}
	if out == nil {
		out = map[string]any{}
	}
	return out.(map[string]any), problems, nil
}

// decode turns koanf's merged map into a Config. The schema check has
// already rejected unknown keys and wrong types with better messages;
// ErrorUnused and the absence of weak typing keep decode honest should a
// value ever slip past it.
func decode(ko *koanf.Koanf) (*Config, error) {
	var cfg Config
	err := ko.UnmarshalWithConf("", &cfg, koanf.UnmarshalConf{
		DecoderConfig: &mapstructure.DecoderConfig{
			DecodeHook:  mapstructure.StringToTimeDurationHookFunc(),
			ErrorUnused: true,
			TagName:     "koanf",
			Result:      &cfg,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if cfg.Plugins == nil {
		cfg.Plugins = map[string]PluginConfig{}
	}
	return &cfg, nil
}

// derive fills in what Load documents as derived. It runs after Validate,
// so the values it builds on are known to be sane.
func (c *Config) derive(exeDir string) error {
	if c.Mode == "" {
		c.Mode = ModeProduction
		if c.Billy.APIKey == "" {
			c.Mode = ModeSandbox
		}
	}
	if c.Writes.Mode == "" {
		c.Writes.Mode = WritesConfirm
		if c.Mode == ModeSandbox {
			c.Writes.Mode = WritesDirect
		}
	}

	dir := c.PluginDefaults.Dir
	if dir == "" {
		dir = exeDir
	}
	if dir == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("plugin_defaults.dir: not set, and the executable's directory is unknown (%v); set plugin_defaults.dir (env BILLY_MCP_PLUGIN_DEFAULTS_DIR)", err)
		}
		// A symlinked binary (/usr/local/bin/billy-mcp → /opt/billy-mcp/bin/)
		// finds its plugins next to the real file, where `make build` put them.
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			exe = real
		}
		dir = filepath.Dir(exe)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("plugin_defaults.dir: %q cannot be made absolute: %v", dir, err)
	}
	c.PluginDefaults.Dir = abs

	for name, p := range c.Plugins {
		if p.IsEnabled() && p.Path != "" && !filepath.IsAbs(p.Path) {
			p.Path = filepath.Join(abs, p.Path)
			c.Plugins[name] = p
		}
	}
	return nil
}

// ----------------------------------------------------------------------
// Validation

var (
	pluginNameRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,39}$`)
	sha256RE     = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)
)

// minAPIKeyLen keeps guessable keys out: 16 characters is the least a
// random key should have (openssl rand -hex 32 gives 64).
const minAPIKeyLen = 16

// Validate reports every problem in c, joined, each naming its key and
// what is allowed. It accepts both a freshly decoded Config (with mode,
// writes.mode and plugin_defaults.dir still empty) and one Load has
// completed.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	oneOf := func(key, v string, allowed ...string) {
		if slices.Contains(allowed, v) {
			return
		}
		var quoted []string
		for _, a := range allowed {
			if a != "" {
				quoted = append(quoted, strconv.Quote(a))
			}
		}
		unset := ""
		if slices.Contains(allowed, "") {
			unset = ", or leave it unset to derive it"
		}
		bad(key, "%q is not allowed; use one of %s%s", v, strings.Join(quoted, ", "), unset)
	}

	oneOf("mode", c.Mode, "", ModeSandbox, ModeProduction)
	oneOf("writes.mode", c.Writes.Mode, "", WritesOff, WritesConfirm, WritesDirect)
	oneOf("sandbox.business", c.Sandbox.Business, "", "freelancer", "retail", "service")
	oneOf("log.level", c.Log.Level, "trace", "debug", "info", "warn", "error")
	oneOf("log.format", c.Log.Format, "json", "text")

	host, addrOK := "", false
	if h, port, err := net.SplitHostPort(c.HTTP.Addr); err != nil {
		bad("http.addr", "%q is not host:port (e.g. 127.0.0.1:8080, or 0.0.0.0:8080 for all interfaces)", c.HTTP.Addr)
	} else if n, err := strconv.ParseUint(port, 10, 16); err != nil || n > 65535 {
		bad("http.addr", "%q has no numeric port 0-65535 (e.g. 127.0.0.1:8080)", c.HTTP.Addr)
	} else {
		host, addrOK = h, true
	}
	for i, h := range c.HTTP.AllowedHosts {
		if h == "" || strings.ContainsAny(h, "/ ") {
			bad(fmt.Sprintf("http.allowed_hosts[%d]", i), "%q is not a Host header value (a host name, optionally with :port, no scheme or path)", h)
		}
	}
	for i, o := range c.HTTP.AllowedOrigins {
		if u, err := url.Parse(o); err != nil || u.Scheme == "" || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			bad(fmt.Sprintf("http.allowed_origins[%d]", i), "%q is not an origin (scheme://host[:port], e.g. https://claude.ai)", o)
		} else if u.Path == "/" {
			bad(fmt.Sprintf("http.allowed_origins[%d]", i), "%q ends in /, which an Origin header never does; use %s", o, u.Scheme+"://"+u.Host)
		}
	}
	if c.HTTP.MaxBodyBytes <= 0 {
		bad("http.max_body_bytes", "%d is not allowed; use a size in bytes > 0 (default 10485760)", c.HTTP.MaxBodyBytes)
	}

	if u, err := url.Parse(c.Billy.APIBase); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("billy.api_base", "%q is not an absolute http(s) URL (default https://api.billysbilling.com/v2)", c.Billy.APIBase)
	}
	if c.Mode == ModeProduction && c.Billy.APIKey == "" {
		bad("billy.api_key", "required in production mode (env BILLY_API_KEY); without it, leave mode unset to run the sandbox")
	}

	for _, d := range []struct {
		key string
		v   time.Duration
	}{
		{"http.shutdown_timeout", c.HTTP.ShutdownTimeout},
		{"billy.timeout", c.Billy.Timeout},
		{"calls.timeout", c.Calls.Timeout},
		{"plugin_defaults.start_timeout", c.PluginDefaults.StartTimeout},
		{"plugin_defaults.health_interval", c.PluginDefaults.HealthInterval},
		{"plugin_defaults.restart_backoff_initial", c.PluginDefaults.RestartBackoffInitial},
		{"plugin_defaults.restart_backoff_max", c.PluginDefaults.RestartBackoffMax},
	} {
		if d.v <= 0 {
			bad(d.key, "%s is not allowed; use a duration > 0 (e.g. 30s, 2m)", d.v)
		}
	}
	if b := c.PluginDefaults; b.RestartBackoffInitial > 0 && b.RestartBackoffMax > 0 && b.RestartBackoffInitial > b.RestartBackoffMax {
		bad("plugin_defaults.restart_backoff_initial", "%s is more than plugin_defaults.restart_backoff_max (%s); the initial backoff must not exceed the cap", b.RestartBackoffInitial, b.RestartBackoffMax)
	}
	if c.Billy.RateLimitPerSecond < 1 || c.Billy.RateLimitPerSecond > 10000 {
		bad("billy.rate_limit_per_second", "%d is not allowed; use 1 to 10000 requests per second per organization", c.Billy.RateLimitPerSecond)
	}
	if c.Billy.RateLimitBurst < 1 || c.Billy.RateLimitBurst > 10000 {
		bad("billy.rate_limit_burst", "%d is not allowed; use 1 to 10000", c.Billy.RateLimitBurst)
	}
	if c.Calls.MaxBatch < 1 || c.Calls.MaxBatch > 1000 {
		bad("calls.max_batch", "%d is not allowed; use 1 to 1000", c.Calls.MaxBatch)
	}

	for _, name := range slices.Sorted(maps.Keys(c.Plugins)) {
		p := c.Plugins[name]
		key := "plugins." + name
		if !pluginNameRE.MatchString(name) {
			bad(key, "%q is not a plugin name; use 1 to 40 of a-z, 0-9, _ and -, starting with a letter", name)
		}
		if p.IsEnabled() && p.Path == "" {
			bad(key+".path", "required for an enabled plugin (the binary, e.g. billy-mcp-plugin-%s; relative to plugin_defaults.dir)", name)
		}
		if p.SHA256 != "" && !sha256RE.MatchString(p.SHA256) {
			bad(key+".sha256", "%q is not a SHA-256 checksum; use 64 hex characters (sha256sum's output) or leave it empty to use plugin_defaults.checksums_file", p.SHA256)
		}
	}

	for i, k := range c.Auth.APIKeys {
		// Never echo the key: these errors end up in logs.
		if len(k) < minAPIKeyLen {
			bad(fmt.Sprintf("auth.api_keys[%d]", i), "too short (%d characters); use at least %d, e.g. from `openssl rand -hex 32`", len(k), minAPIKeyLen)
		}
	}
	if addrOK && len(c.Auth.APIKeys) == 0 && !isLoopback(host) {
		errs = append(errs, fmt.Errorf("refusing to serve without authentication on non-loopback address %s: set auth.api_keys (env MCP_API_KEY) or bind to 127.0.0.1", c.HTTP.Addr))
	}

	return errors.Join(errs...)
}

// isLoopback reports whether host (from http.addr) only accepts
// connections from this machine. An empty host means all interfaces.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// ----------------------------------------------------------------------
// Redaction

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
	if r.Billy.APIKey != "" {
		r.Billy.APIKey = Redaction
	}
	r.HTTP.AllowedHosts = slices.Clone(c.HTTP.AllowedHosts)
	r.HTTP.AllowedOrigins = slices.Clone(c.HTTP.AllowedOrigins)
	if c.Auth.APIKeys != nil {
		r.Auth.APIKeys = make([]string, len(c.Auth.APIKeys))
		for i := range r.Auth.APIKeys {
			r.Auth.APIKeys[i] = Redaction
		}
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

// ----------------------------------------------------------------------
// Schema: the shape of Config, derived from its koanf tags so the checks
// below can never disagree with the struct.

type kind int

const (
	kindSection  kind = iota // a struct: a fixed set of keys
	kindEntries              // map[string]struct: names chosen by the operator (plugins)
	kindFree                 // map[string]any: anything; someone else validates it
	kindString               // string
	kindBool                 // bool or *bool
	kindInt                  // int, int64
	kindDuration             // time.Duration, written as "30s"
	kindList                 // []string
)

type node struct {
	kind kind
	keys []string         // kindSection: allowed keys, in declaration order
	sub  map[string]*node // kindSection: each key's node
	elem *node            // kindEntries: each entry's node
	bits int              // kindInt: the Go type's size
}

var schema = buildSchema(reflect.TypeFor[Config]())

func buildSchema(t reflect.Type) *node {
	if t == reflect.TypeFor[time.Duration]() {
		return &node{kind: kindDuration}
	}
	switch t.Kind() {
	case reflect.String:
		return &node{kind: kindString}
	case reflect.Bool:
		return &node{kind: kindBool}
	case reflect.Int, reflect.Int64:
		return &node{kind: kindInt, bits: t.Bits()}
	case reflect.Pointer:
		if t.Elem().Kind() == reflect.Bool {
			return &node{kind: kindBool}
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.String {
			return &node{kind: kindList}
		}
	case reflect.Map:
		if t.Key().Kind() == reflect.String {
			if t.Elem().Kind() == reflect.Interface {
				return &node{kind: kindFree}
			}
			return &node{kind: kindEntries, elem: buildSchema(t.Elem())}
		}
	case reflect.Struct:
		n := &node{kind: kindSection, sub: map[string]*node{}}
		for i := range t.NumField() {
			f := t.Field(i)
			key := f.Tag.Get("koanf")
			if key == "" || !f.IsExported() {
				continue
			}
			n.keys = append(n.keys, key)
			n.sub[key] = buildSchema(f.Type)
		}
		return n
	}
	panic(fmt.Sprintf("config: no schema for Go type %s; teach buildSchema about it", t))
}

// check walks a parsed YAML value v found at path, appending a problem for
// every unknown key and wrongly typed value. It returns v normalised for
// koanf (string map keys everywhere) and whether to keep it: a null leaf
// or section is dropped so that its default survives.
func (n *node) check(path string, v any, problems *[]error) (any, bool) {
	bad := func(format string, args ...any) {
		*problems = append(*problems, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
	}
	if v == nil {
		if n.kind == kindEntries {
			// "plugins:" with every entry commented out means none.
			return map[string]any{}, true
		}
		return nil, false
	}
	switch n.kind {
	case kindSection:
		m, ok := asMap(v)
		if !ok {
			bad("%s is not a section; allowed keys here: %s", show(path, v), strings.Join(n.keys, ", "))
			return nil, false
		}
		out := make(map[string]any, len(m))
		for _, k := range slices.Sorted(maps.Keys(m)) {
			sub, ok := n.sub[k]
			if !ok {
				*problems = append(*problems, fmt.Errorf("%s: unknown key; allowed keys here: %s", join(path, k), strings.Join(n.keys, ", ")))
				continue
			}
			if val, keep := sub.check(join(path, k), m[k], problems); keep {
				out[k] = val
			}
		}
		return out, true
	case kindEntries:
		m, ok := asMap(v)
		if !ok {
			bad("%s is not a section; write one entry per name (e.g. invoices: {path: billy-mcp-plugin-invoices})", show(path, v))
			return nil, false
		}
		out := make(map[string]any, len(m))
		for _, k := range slices.Sorted(maps.Keys(m)) {
			e := m[k]
			if e == nil {
				// A bare "name:" is an entry with nothing set; Validate
				// then asks for its path.
				e = map[string]any{}
			}
			if val, keep := n.elem.check(join(path, k), e, problems); keep {
				out[k] = val
			}
		}
		return out, true
	case kindFree:
		if _, ok := asMap(v); !ok {
			bad("%s is not a section; the plugin's own settings are key: value pairs", show(path, v))
			return nil, false
		}
		return free(path, v, problems), true
	case kindString:
		if _, ok := v.(string); !ok {
			bad("%s is not a string (quote it)", show(path, v))
			return nil, false
		}
	case kindBool:
		if _, ok := v.(bool); !ok {
			bad("%s is not a boolean (use true or false)", show(path, v))
			return nil, false
		}
	case kindInt:
		if _, err := n.toInt(v); err != nil {
			bad("%s %v", show(path, v), err)
			return nil, false
		}
	case kindDuration:
		s, ok := v.(string)
		if _, err := time.ParseDuration(s); !ok || err != nil {
			bad("%s is not a duration (use e.g. 30s, 2m)", show(path, v))
			return nil, false
		}
	case kindList:
		l, ok := v.([]any)
		if !ok {
			bad("%s is not a list of strings (use e.g. [a, b])", show(path, v))
			return nil, false
		}
		out := make([]any, 0, len(l))
		for i, e := range l {
			if _, ok := e.(string); !ok {
				p := fmt.Sprintf("%s[%d]", path, i)
				*problems = append(*problems, fmt.Errorf("%s: %s is not a string (quote it)", p, show(p, e)))
				continue
			}
			out = append(out, e)
		}
		return out, true
	}
	return v, true
}

// toInt accepts YAML's integer types within the range of the Go field. The
// error completes a sentence starting with the value.
func (n *node) toInt(v any) (int64, error) {
	var i int64
	switch v := v.(type) {
	case int:
		i = int64(v)
	case int64:
		i = v
	case uint64:
		if v > math.MaxInt64 {
			return 0, fmt.Errorf("is too large (at most %d)", int64(math.MaxInt64))
		}
		i = int64(v)
	default:
		return 0, errors.New("is not an integer (write a whole number, unquoted)")
	}
	if n.bits < 64 && (i > 1<<(n.bits-1)-1 || i < -1<<(n.bits-1)) {
		return 0, fmt.Errorf("is out of range for a %d-bit integer", n.bits)
	}
	return i, nil
}

// free normalises a free-form value for koanf and for the JSON the plugin
// receives: map keys become strings, and NaN or infinite numbers, which
// JSON cannot carry, are reported.
func free(path string, v any, problems *[]error) any {
	switch t := v.(type) {
	case map[string]any, map[any]any:
		m, _ := asMap(t)
		out := make(map[string]any, len(m))
		for k, e := range m {
			out[k] = free(join(path, k), e, problems)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = free(fmt.Sprintf("%s[%d]", path, i), e, problems)
		}
		return out
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			*problems = append(*problems, fmt.Errorf("%s: %v cannot be passed to the plugin (JSON has no NaN or infinity)", path, t))
		}
	}
	return v
}

// asMap accepts the two shapes YAML gives for a mapping; keys that are not
// strings (e.g. "1: x") are written as strings, as koanf would.
func asMap(v any) (map[string]any, bool) {
	switch m := v.(type) {
	case map[string]any:
		return m, true
	case map[any]any:
		out := make(map[string]any, len(m))
		for k, e := range m {
			out[fmt.Sprint(k)] = e
		}
		return out, true
	}
	return nil, false
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// isSecretPath reports whether the value at path must not appear in error
// messages, which end up in logs.
func isSecretPath(path string) bool {
	return path == "billy.api_key" || path == "auth.api_keys" || strings.HasPrefix(path, "auth.api_keys[")
}

// show renders a value for an error message: strings quoted, long ones
// cut, containers and secrets described instead of printed.
func show(path string, v any) string {
	desc := func(v any) string {
		switch v.(type) {
		case string:
			return "a string"
		case bool:
			return "a boolean"
		case int, int64, uint64, float64:
			return "a number"
		case []any:
			return "a list"
		case map[string]any, map[any]any:
			return "a section"
		case time.Time:
			return "a timestamp"
		}
		return fmt.Sprintf("a %T", v)
	}
	if isSecretPath(path) {
		return desc(v) + " (value hidden: it is a secret)"
	}
	switch v := v.(type) {
	case string:
		if len(v) > 60 {
			v = v[:57] + "..."
		}
		return strconv.Quote(v)
	case []any, map[string]any, map[any]any:
		return desc(v)
	}
	return fmt.Sprint(v)
}

// toMap turns a Config (or part of one) into the map koanf's confmap
// provider takes, keyed by koanf tags. Nil pointers, maps and slices are
// left out so they do not shadow anything.
func toMap(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Struct:
		m := map[string]any{}
		for i := range v.NumField() {
			key := v.Type().Field(i).Tag.Get("koanf")
			if key == "" {
				continue
			}
			if e := toMap(v.Field(i)); e != nil {
				m[key] = e
			}
		}
		return m
	case reflect.Map:
		if v.IsNil() {
			return nil
		}
		m := map[string]any{}
		for it := v.MapRange(); it.Next(); {
			m[it.Key().String()] = toMap(it.Value())
		}
		return m
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		l := make([]any, v.Len())
		for i := range l {
			l[i] = toMap(v.Index(i))
		}
		return l
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return toMap(v.Elem())
	}
	return v.Interface()
}

// ----------------------------------------------------------------------
// Environment

// envLeaf is one key settable from the environment.
type envLeaf struct {
	key  string
	node *node
}

// envKeys maps a BILLY_MCP_ variable's name, without the prefix, to its
// key. Key names contain underscores themselves (plugin_defaults.dir is
// PLUGIN_DEFAULTS_DIR), so names are matched against this table instead of
// turning "_" back into ".". Plugins are not here: their names are chosen
// by the operator, and PLUGINS_MY_PLUGIN_PATH would be ambiguous.
var envKeys = buildEnvKeys()

func buildEnvKeys() map[string]envLeaf {
	out := map[string]envLeaf{}
	var walk func(path string, n *node)
	walk = func(path string, n *node) {
		switch n.kind {
		case kindSection:
			for _, k := range n.keys {
				walk(join(path, k), n.sub[k])
			}
		case kindEntries, kindFree:
		default:
			name := strings.ToUpper(strings.ReplaceAll(path, ".", "_"))
			if prev, dup := out[name]; dup {
				panic(fmt.Sprintf("config: keys %s and %s both map to %s%s", prev.key, path, EnvPrefix, name))
			}
			out[name] = envLeaf{key: path, node: n}
		}
	}
	walk("", schema)
	// The short name the design documents for the write policy.
	out["WRITES"] = out["WRITES_MODE"]
	return out
}

// ignoredEnv are BILLY_MCP_ variables that are not keys but have a known
// owner, so they must not be rejected as typos.
var ignoredEnv = map[string]bool{
	EnvConfigFile: true,
	// The go-plugin handshake cookie, set for plugin processes; harmless
	// if it is inherited by a host.
	pluginv1.MagicCookieKey: true,
}

// v1Names are the environment variables v1 read, in increasing
// precedence; their BILLY_MCP_ equivalents override them all.
var v1Names = []struct{ name, key string }{
	{"LOG_LEVEL", "log.level"},
	{"BILLY_API_BASE", "billy.api_base"},
	{"BILLY_ORG_ID", "billy.organization_id"},
	{"BILLY_ORGANIZATION_ID", "billy.organization_id"}, // the documented name wins over the short one
	{"BILLY_API_KEY", "billy.api_key"},
	{"MCP_API_KEY", "auth.api_keys"},
}

// v1Env is the layer of v1's variable names, as a flat key map.
func v1Env(environ []string) map[string]any {
	vars := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vars[k] = v
		}
	}
	out := map[string]any{}
	for _, n := range v1Names {
		v := vars[n.name]
		if v == "" {
			continue
		}
		if n.key == "auth.api_keys" {
			// v1 took exactly one key; it is not split on commas.
			out[n.key] = []any{v}
			continue
		}
		out[n.key] = v
	}
	return out
}

// billyMCPEnv is the BILLY_MCP_ layer, with a problem for each unknown
// variable and each value of the wrong type.
func billyMCPEnv(environ []string) (koanf.Provider, []error) {
	var problems []error
	setBy := map[string]string{} // key → the variable that set it
	p := env.Provider(".", env.Opt{
		Prefix:      EnvPrefix,
		EnvironFunc: func() []string { return environ },
		TransformFunc: func(name, val string) (string, any) {
			if val == "" || ignoredEnv[name] {
				return "", nil
			}
			leaf, ok := envKeys[strings.TrimPrefix(name, EnvPrefix)]
			if !ok {
				problems = append(problems, unknownEnv(name))
				return "", nil
			}
			if other, dup := setBy[leaf.key]; dup && other != name {
				problems = append(problems, fmt.Errorf("%s and %s both set %s; set only one", other, name, leaf.key))
				return "", nil
			}
			setBy[leaf.key] = name
			v, err := leaf.node.fromEnv(val)
			if err != nil {
				shown := strconv.Quote(val)
				if isSecretPath(leaf.key) {
					shown = "the value (hidden: it is a secret)"
				}
				problems = append(problems, fmt.Errorf("%s (%s): %s %v", name, leaf.key, shown, err))
				return "", nil
			}
			return leaf.key, v
		},
	})
	// Read now so that problems are known before the layer is loaded; the
	// returned provider serves the result.
	m, err := p.Read()
	if err != nil {
		problems = append(problems, fmt.Errorf("environment: %w", err))
	}
	return confmap.Provider(m, ""), problems
}

// fromEnv converts a variable's text to the type the key's node needs. The
// error completes a sentence starting with the value.
func (n *node) fromEnv(s string) (any, error) {
	switch n.kind {
	case kindDuration:
		if _, err := time.ParseDuration(s); err != nil {
			return nil, errors.New("is not a duration (use e.g. 30s, 2m)")
		}
		return s, nil
	case kindInt:
		i, err := strconv.ParseInt(strings.TrimSpace(s), 10, n.bits)
		if err != nil {
			return nil, errors.New("is not an integer (write a whole number)")
		}
		return i, nil
	case kindBool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, errors.New("is not a boolean (use true or false)")
		}
		return b, nil
	case kindList:
		var out []any
		for e := range strings.SplitSeq(s, ",") {
			if e = strings.TrimSpace(e); e != "" {
				out = append(out, e)
			}
		}
		return out, nil
	}
	return s, nil
}

// unknownEnv explains an unknown BILLY_MCP_ variable, suggesting the
// closest known name when there is one near enough to be a typo.
func unknownEnv(name string) error {
	if strings.HasPrefix(name, EnvPrefix+"PLUGINS_") {
		return fmt.Errorf("%s: unknown environment variable; plugins can only be configured in the config file", name)
	}
	known := make([]string, 0, len(envKeys))
	for k := range envKeys {
		known = append(known, EnvPrefix+k)
	}
	slices.Sort(known)
	best, bestD := "", math.MaxInt
	for _, k := range known {
		if d := levenshtein(name, k); d < bestD {
			best, bestD = k, d
		}
	}
	if bestD <= max(2, len(name)/5) {
		return fmt.Errorf("%s: unknown environment variable; did you mean %s?", name, best)
	}
	return fmt.Errorf("%s: unknown environment variable; known: %s", name, strings.Join(known, ", "))
}

// levenshtein is the edit distance between a and b (bytes; the names are
// ASCII).
func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
