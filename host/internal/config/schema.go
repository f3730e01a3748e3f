package config

// This file builds the configuration's JSON Schema from the Go types in
// config.go, so that the types, the checks and the published schema
// (configs/billy-mcp.schema.json, which editors use to validate YAML) can
// never disagree. jsonschema-go infers the shape (keys, types, nesting,
// no unknown keys); rules adds what a Go type cannot say (allowed values,
// ranges, patterns); Default supplies each key's default.
//
// The same schema checks the file, the environment and Validate; it is
// compiled with santhosh-tekuri/jsonschema (already the host's validator
// for tool arguments) rather than with jsonschema-go's own validator,
// because that one stops at the first problem and reports it as a string,
// while an operator must see every problem at once, each placed at its key
// (messages.go turns the structured errors into sentences).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	validator "github.com/santhosh-tekuri/jsonschema/v6"
)

// SchemaDraft is the JSON Schema dialect of the published schema. Draft 7
// rather than 2020-12 because it is the newest draft every YAML editor
// (yaml-language-server, JetBrains) fully understands, and the schema needs
// nothing newer.
const SchemaDraft = "http://json-schema.org/draft-07/schema#"

// durationFormat marks a time.Duration in the schema. It is not JSON
// Schema's "duration" format, which is ISO 8601 ("PT30S") and would make
// editors reject "30s". Editors ignore unknown formats and go by
// durationPattern; the host asserts the format too, which also rejects
// zero and overflowing durations.
const durationFormat = "go-duration"

// durationPattern is a positive time.ParseDuration input: numbers with
// units, no minus sign.
const durationPattern = `^\+?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|µs|μs|ms|s|m|h))+$`

// durationHelp is added to the description of every duration.
const durationHelp = "A duration: a number and a unit (ns, us, ms, s, m or h), e.g. 500ms, 30s, 2m or 1h30m; it must be more than zero."

// durationOrZeroFormat marks a duration whose rule allows zero (rule.zero):
// 0s turns something off.
const durationOrZeroFormat = "go-duration-or-zero"

// durationOrZeroHelp is durationHelp for those.
const durationOrZeroHelp = "A duration: a number and a unit (ns, us, ms, s, m or h), e.g. 500ms, 30s or 2m; 0s for none."

// rule is what the schema says about a key beyond its Go type.
type rule struct {
	enum []string
	// unset says what "" means when enum allows it, for messages.
	unset     string
	min, max  *int64
	pattern   string
	minLength int
	// names is a pattern for the keys of a map (JSON Schema propertyNames).
	names string
	// allowed completes "use ..." in messages about pattern, minLength and
	// names: a value (or name) that breaks the rule is shown with it.
	allowed string
	// shape completes "is not ..." when a section has the wrong type and
	// its keys are chosen by the operator (a map), not fixed.
	shape string
	// zero lets a duration be 0s (none), where durations are otherwise
	// more than zero.
	zero bool
}

func i64(v int64) *int64 { return &v }

// rules is keyed by key path: "." between keys, "*" for any entry of a
// map, "[]" for the elements of a list. A rule whose path does not exist
// stops schema generation, so a renamed key cannot silently lose its rule.
var rules = map[string]rule{
	"mode":                              {enum: []string{"", ModeSandbox, ModeProduction}, unset: "leave it unset to derive it"},
	"signing_key":                       {pattern: `^(|.{32,})$`, allowed: "a secret of at least 32 characters"},
	"http.allowed_hosts[]":              {pattern: `^[^/\s]+$`, allowed: "a Host header value: a host name, optionally with :port, no scheme or path (e.g. mcp.example.dk)"},
	"http.allowed_origins[]":            {pattern: `^[A-Za-z][A-Za-z0-9+.-]*://[^/?#\s]+$`, allowed: "an origin: scheme://host[:port], with no path and no trailing / (e.g. https://claude.ai)"},
	"http.max_body_bytes":               {min: i64(1)},
	"http.drain_delay":                  {zero: true},
	"audit.buffer":                      {min: i64(1)},
	"credentials.keys":                  {pattern: `^[0-9A-Za-z+/=:,\s#-]*$`, allowed: "keys as id:base64, separated by commas or new lines (billy-mcp keys new prints one)"},
	"credentials.primary":               {min: i64(0), max: i64(4294967295)},
	"audit.checkpoints.every":           {min: i64(1)},
	"audit.checkpoints.origin":          {pattern: `^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$`, allowed: "1 to 100 of letters, digits and ._/-, e.g. billy-mcp/acme-prod"},
	"audit.checkpoints.key":             {pattern: `^(|PRIVATE\+KEY\+[^+\s]+\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+)$`, allowed: "a key as `billy-mcp audit keygen` prints it (PRIVATE+KEY+name+hash+key)"},
	"plugin_defaults.max_procs":         {min: i64(0)},
	"plugins.*.max_procs":               {min: i64(0)},
	"log.level":                         {enum: []string{"trace", "debug", "info", "warn", "error"}},
	"log.format":                        {enum: []string{"json", "text"}},
	"billy.api_base":                    {pattern: `^https?://[^/?#\s]+(?:[/?#]\S*)?$`, allowed: "an absolute http(s) URL"},
	"billy.rate_limit_per_second":       {min: i64(1), max: i64(10000)},
	"billy.rate_limit_burst":            {min: i64(1), max: i64(10000)},
	"billy.breaker_failures":            {min: i64(1), max: i64(1000)},
	"auth.api_keys[]":                   {minLength: minAPIKeyLen, allowed: fmt.Sprintf("at least %d characters, e.g. from `openssl rand -hex 32`", minAPIKeyLen)},
	"auth.keys[].principal":             {pattern: `^[A-Za-z0-9][A-Za-z0-9._@:+-]{0,127}$`, allowed: "1 to 128 of letters, digits and ._@:+-, starting with a letter or digit (e.g. ci-bot or anna@firm.dk)"},
	"auth.keys[].sha256":                {pattern: `^[0-9a-f]{64}$`, allowed: "the key's SHA-256 as 64 lower-case hex characters (printf %s \"$KEY\" | sha256sum)"},
	"auth.keys[].organizations[]":       {pattern: `^[A-Za-z0-9_-]{1,64}$`, allowed: "a Billy organization ID"},
	"auth.keys[].scopes[]":              {pattern: `^(?:admin|\*|metrics|[a-z][a-z0-9-]{0,39}:(?:read|write|approve|file))$`, allowed: "a scope: resource:read, resource:write, resource:approve, moms:file, audit:read, metrics or admin"},
	"auth.keys[].expires":               {pattern: `^(?:|[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:Z|[+-][0-9]{2}:[0-9]{2}))?)$`, allowed: "a date (2027-06-30) or an RFC 3339 time (2027-06-30T12:00:00Z)"},
	"auth.oauth.issuer":                 {pattern: `^(?:https?://\S+)?$`, allowed: "the issuer's URL, https://…"},
	"auth.oauth.jwks_url":               {pattern: `^(?:https?://\S+)?$`, allowed: "an absolute http(s) URL"},
	"auth.oauth.audience":               {pattern: `^(?:https?://[^\s?#]+)?$`, allowed: "the MCP endpoint's canonical URL, https://host/mcp, no query or fragment"},
	"auth.oauth.algorithms[]":           {enum: []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}},
	"auth.oauth.organizations_claim":    {pattern: `^[A-Za-z0-9_:./-]{1,100}$`, allowed: "a claim name"},
	"auth.principal_rate_per_second":    {min: i64(0), max: i64(100000)},
	"auth.principal_burst":              {min: i64(1), max: i64(100000)},
	"auth.organization_rate_per_second": {min: i64(0), max: i64(100000)},
	"auth.organization_burst":           {min: i64(1), max: i64(100000)},
	"auth.ip_rate_per_second":           {min: i64(0), max: i64(100000)},
	"auth.ip_burst":                     {min: i64(1), max: i64(100000)},
	"auth.failed_logins_per_minute":     {min: i64(0), max: i64(100000)},
	"http.max_connections":              {min: i64(16), max: i64(1000000)},
	"calls.max_batch":                   {min: i64(1), max: i64(1000)},
	"calls.max_string_bytes":            {min: i64(256), max: i64(16 << 20)},
	"uploads.max_bytes":                 {min: i64(1024), max: i64(15 << 20)},
	"uploads.max_concurrent":            {min: i64(1), max: i64(1000)},
	"uploads.max_bytes_per_principal":   {min: i64(0), max: i64(1 << 40)},
	"mcp.tools_list":                    {enum: []string{ToolsListFull, ToolsListCompact}},
	"tracing.endpoint":                  {pattern: `^(?:https?://[^/?#\s]+/?)?$`, allowed: "the collector's base URL, http(s)://host:port with no path (e.g. http://otel-collector:4318)"},
	"tracing.sample_percent":            {min: i64(0), max: i64(100)},
	"tracing.service_name":              {pattern: `^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`, allowed: "1 to 100 of letters, digits and ._-"},
	"plugins": {
		names:   `^[a-z][a-z0-9_-]{0,39}$`,
		allowed: "1 to 40 of a-z, 0-9, _ and -, starting with a letter",
		shape:   "a section; write one entry per plugin name (e.g. invoices: {path: billy-mcp-plugin-invoices})",
	},
	"plugins.*.sha256":      {pattern: `^(?:[0-9a-fA-F]{64})?$`, allowed: "64 hex characters (sha256sum's output), or leave it empty to use plugin_defaults.checksums_file"},
	"plugins.*.config":      {shape: "a section; the plugin's own settings are key: value pairs"},
	"plugin_set":            {enum: []string{PluginSetAdd, PluginSetReplace}},
	"writes.mode":           {enum: []string{"", WritesOff, WritesConfirm, WritesDirect}, unset: "leave it unset to derive it"},
	"sandbox.business":      {enum: []string{"", "freelancer", "retail", "service"}, unset: "leave it unset for all three"},
	"sandbox.today":         {pattern: `^(|[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]))$`, allowed: "a date as YYYY-MM-DD (e.g. 2026-11-27), or empty for today"},
	"redis.url":             {pattern: `^(?:rediss?://[^\s/?#]+(?:/[0-9]*)?(?:\?\S*)?)?$`, allowed: "redis://[user:password@]host:port[/db] or rediss://… (TLS); ?addr=host:port adds Cluster nodes"},
	"redis.addrs[]":         {pattern: `^[^\s/]+:[0-9]{1,5}$`, allowed: "host:port"},
	"redis.db":              {min: i64(0), max: i64(15)},
	"redis.key_prefix":      {pattern: `^[A-Za-z0-9_.:-]{1,40}$`, allowed: "1 to 40 of A-Z, a-z, 0-9 and _.:-"},
	"cache.local_max_bytes": {min: i64(1 << 20)},
	"cache.warm.budget":     {min: i64(0), max: i64(10000)},
	"database.url":          {pattern: `^(?:postgres(?:ql)?://\S+)?$`, allowed: "a PostgreSQL URL, postgres://user:password@host:5432/database?sslmode=require, or leave it unset for SQLite in data_dir"},

	"http.trusted_proxies[]": {pattern: `^[0-9A-Fa-f.:]+(?:/[0-9]{1,3})?$`, allowed: "an IP address or a CIDR range (10.0.0.0/8, 2001:db8::/32)"},

	"auth.mfa.destructive_organizations[]": {pattern: `^(?:\*|[A-Za-z0-9_-]{1,64})$`, allowed: "a Billy organization ID, or * for all"},

	// The embedded authorization server (auth.server).
	"auth.server.issuer":                  {pattern: `^(?:https?://[^/\s?#]+/?)?$`, allowed: "the origin clients reach the host at, https://host[:port], without a path"},
	"auth.server.users[].name":            {pattern: `^[A-Za-z0-9][A-Za-z0-9._@:+-]{0,127}$`, allowed: "1 to 128 of letters, digits and ._@:+-, starting with a letter or digit (e.g. anna@firm.dk)"},
	"auth.server.users[].password_bcrypt": {pattern: `^\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}$`, allowed: "a bcrypt hash ($2b$12$…, 60 characters): `billy-mcp users hash-password` prints one"},
	"auth.server.users[].organizations[]": {pattern: `^[A-Za-z0-9_-]{1,64}$`, allowed: "a Billy organization ID"},
	"auth.server.users[].scopes[]":        {pattern: `^(?:admin|metrics|[a-z][a-z0-9-]{0,39}:(?:read|write|approve|file))$`, allowed: "a scope: resource:read, resource:write, resource:approve, moms:file, audit:read, metrics or admin"},
}

// docs are descriptions by Go field ("HTTPConfig.Addr"). The running host
// has no source to read them from and needs none; the published schema is
// written by a test that reads them from config.go (see schema_test.go).
type docs map[string]string

// generate builds the schema. d may be nil: descriptions are for people,
// and validation does not need them.
func generate(d docs) (*jsonschema.Schema, error) {
	s, err := jsonschema.ForType(reflect.TypeFor[Config](), &jsonschema.ForOptions{
		TypeSchemas: map[reflect.Type]*jsonschema.Schema{
			reflect.TypeFor[time.Duration](): {Type: "string", Format: durationFormat, Pattern: durationPattern},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("config schema: %w", err)
	}
	s.Schema = SchemaDraft
	s.Title = "billy-mcp host configuration"
	s.Description = "The configuration file of the billy-mcp host (bin/billy-mcp serve --config FILE). Every key is optional: an unset key, or one set to null, keeps its default. Environment variables override the file: BILLY_MCP_<KEY>, the key path upper-cased with . written as _ (http.addr is BILLY_MCP_HTTP_ADDR). Generated from the Go types in host/internal/config; do not edit by hand."

	g := &generator{docs: d, defaults: toMap(reflect.ValueOf(Default())).(map[string]any), used: map[string]bool{}}
	if err := g.walk(s, reflect.TypeFor[Config](), "", false); err != nil {
		return nil, err
	}
	for _, path := range slices.Sorted(maps.Keys(rules)) {
		if !g.used[path] {
			return nil, fmt.Errorf("config schema: there is a rule for %s, but no such key", path)
		}
	}
	return s, nil
}

type generator struct {
	docs     docs
	defaults map[string]any
	used     map[string]bool
}

// walk completes the schema s of Go type t found at path. A key (a struct
// field or a map entry, not the whole file or a list element) also accepts
// null, which means "keep the default": a YAML section whose lines are all
// commented out is null.
func (g *generator) walk(s *jsonschema.Schema, t reflect.Type, path string, key bool) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if r, ok := rules[path]; ok {
		g.used[path] = true
		if err := r.apply(s); err != nil {
			return fmt.Errorf("config schema: rule for %s: %w", path, err)
		}
	}
	if key {
		allowNull(s)
	}

	switch t.Kind() {
	case reflect.Struct:
		for _, f := range reflect.VisibleFields(t) {
			key := jsonKey(f)
			if key == "" {
				continue
			}
			sub := s.Properties[key]
			if sub == nil {
				return fmt.Errorf("config schema: %s.%s has no schema", t.Name(), f.Name)
			}
			p := join(path, key)
			section := f.Type.Kind() == reflect.Struct
			if g.docs != nil {
				doc := g.docs[t.Name()+"."+f.Name]
				if doc == "" {
					return fmt.Errorf("config schema: %s.%s (%s) has no doc comment; it is the key's description in the published schema", t.Name(), f.Name, p)
				}
				if sub.Format == durationFormat && rules[p].zero {
					doc += " " + durationOrZeroHelp
				} else if sub.Format == durationFormat {
					doc += " " + durationHelp
				}
				// Sections and the plugins map have no variable.
				if env := envNames(p, f.Type.Kind() == reflect.Slice); !section && f.Type.Kind() != reflect.Map && env != "" {
					doc += " Environment: " + env + "."
				}
				sub.Description = doc
			}
			// Sections get no default of their own: their keys have one each.
			if v, ok := lookup(g.defaults, p); ok && !section && !isZero(v) {
				raw, err := json.Marshal(compact(v))
				if err != nil {
					return fmt.Errorf("config schema: default of %s: %w", p, err)
				}
				sub.Default = raw
			}
			if err := g.walk(sub, f.Type, p, true); err != nil {
				return err
			}
		}
	case reflect.Map:
		if t.Elem().Kind() != reflect.Interface {
			return g.walk(s.AdditionalProperties, t.Elem(), path+".*", true)
		}
	case reflect.Slice:
		return g.walk(s.Items, t.Elem(), path+"[]", false)
	}
	return nil
}

func (r rule) apply(s *jsonschema.Schema) error {
	for _, e := range r.enum {
		s.Enum = append(s.Enum, e)
	}
	if r.zero {
		if s.Format != durationFormat {
			return fmt.Errorf("zero given for something that is not a duration")
		}
		s.Format = durationOrZeroFormat
	}
	if r.min != nil {
		s.Minimum = new(float64(*r.min))
	}
	if r.max != nil {
		s.Maximum = new(float64(*r.max))
	}
	if r.pattern != "" {
		s.Pattern = r.pattern
	}
	if r.minLength > 0 {
		s.MinLength = new(r.minLength)
	}
	if r.names != "" {
		if s.AdditionalProperties == nil {
			return fmt.Errorf("names given for something that is not a map")
		}
		s.PropertyNames = &jsonschema.Schema{Pattern: r.names}
	}
	if (r.pattern != "" || r.minLength > 0 || r.names != "") && r.allowed == "" {
		return fmt.Errorf("a pattern needs an allowed text for messages")
	}
	return nil
}

// allowNull lets s also be null, written last so that the type reads
// naturally ("string, or null"). An enum must list null too, or editors
// would reject the null the type allows.
func allowNull(s *jsonschema.Schema) {
	if s.Enum != nil && !slices.Contains(s.Enum, nil) {
		s.Enum = append(s.Enum, nil)
	}
	switch {
	case s.Type != "":
		s.Types, s.Type = []string{s.Type, "null"}, ""
	case len(s.Types) > 0:
		s.Types = append(slices.DeleteFunc(s.Types, func(t string) bool { return t == "null" }), "null")
	}
}

// jsonKey is a struct field's key, from its json tag.
func jsonKey(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" {
		return ""
	}
	return name
}

// lookup finds the value at a key path in a nested map.
func lookup(m map[string]any, path string) (any, bool) {
	var v any = m
	for k := range strings.SplitSeq(path, ".") {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = mm[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

// compact leaves empty strings out of a default's sections, where they
// only mean "unset" (the plugins' sha256).
func compact(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := map[string]any{}
	for k, e := range m {
		if e != "" {
			out[k] = compact(e)
		}
	}
	return out
}

func isZero(v any) bool {
	switch v := v.(type) {
	case string:
		return v == ""
	case map[string]any:
		return false
	case []any:
		return len(v) == 0
	}
	return v == nil
}

// compiled is the schema the host validates against, built once, on first
// use rather than at package initialisation: the host binary is also the
// built-in plugins' binary (host/cmd/billy-mcp/builtin.go), and every plugin
// process runs every linked package's initialisation; building the schema
// there cost each plugin process ~140 ms and 5.6 MB of allocations for a
// schema it never reads.
var compiled = sync.OnceValue(mustCompile)

// configSchema is the generated schema in two forms: the jsonschema-go tree,
// which messages.go reads to explain a problem (allowed keys, the type, the
// enum), and the compiled validator.
type configSchema struct {
	tree      *jsonschema.Schema
	validator *validator.Schema
}

func mustCompile() *configSchema {
	s, err := generate(nil)
	if err != nil {
		panic(err)
	}
	c, err := compileSchema(s)
	if err != nil {
		panic(err)
	}
	return c
}

func compileSchema(s *jsonschema.Schema) (*configSchema, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("config schema: %w", err)
	}
	doc, err := validator.UnmarshalJSON(strings.NewReader(string(b)))
	if err != nil {
		return nil, fmt.Errorf("config schema: %w", err)
	}
	c := validator.NewCompiler()
	c.AssertFormat()
	c.RegisterFormat(&validator.Format{Name: durationFormat, Validate: checkDuration})
	c.RegisterFormat(&validator.Format{Name: durationOrZeroFormat, Validate: checkDurationOrZero})
	const url = "mem://billy-mcp.schema.json"
	if err := c.AddResource(url, doc); err != nil {
		return nil, fmt.Errorf("config schema: %w", err)
	}
	v, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("config schema does not compile: %w", err)
	}
	return &configSchema{tree: s, validator: v}, nil
}

// checkDurationOrZero asserts durationOrZeroFormat: a Go duration, zero
// or more.
func checkDurationOrZero(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil // the type keyword reports it
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	if d < 0 {
		return fmt.Errorf("less than zero")
	}
	return nil
}

// checkDuration asserts durationFormat: a Go duration more than zero.
func checkDuration(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil // the type keyword reports it
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	if d <= 0 {
		return fmt.Errorf("not more than zero")
	}
	return nil
}

// marshalSchema renders a schema as the published file: indented JSON
// ending in a newline, "$schema", title and description first, where a
// reader looks for them, and <, > and & as themselves.
func marshalSchema(s *jsonschema.Schema) ([]byte, error) {
	body := *s
	body.Schema, body.Title, body.Description = "", "", ""
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	head, err := json.Marshal(struct {
		Schema      string `json:"$schema"`
		Title       string `json:"title"`
		Description string `json:"description"`
	}{s.Schema, s.Title, s.Description})
	if err != nil {
		return nil, err
	}
	joined := append(append(head[:len(head)-1:len(head)-1], ','), b[1:]...)
	var out bytes.Buffer
	if err := json.Indent(&out, joined, "", "  "); err != nil {
		return nil, err
	}
	text := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(out.String())
	return []byte(text + "\n"), nil
}
