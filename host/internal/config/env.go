package config

// Deployment dashboards (Render, Docker, systemd) configure the host through
// environment variables, and v1's deployments already set v1's names. This
// file maps both onto configuration keys. The variable names are derived
// from the schema, so every scalar key has one and no variable names a key
// that does not exist; values are converted by the key's schema type and
// checked against the same schema as the file, with messages that name the
// variable.

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/knadh/koanf/providers/env/v2"

	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
)

// EnvPrefix starts every environment variable named after a key:
// BILLY_MCP_HTTP_ADDR is http.addr.
const EnvPrefix = "BILLY_MCP_"

// EnvConfigFile is reserved for a command that takes the config file's path
// from the environment. It is not a key, so Load ignores it rather than
// rejecting it as an unknown BILLY_MCP_ variable.
const EnvConfigFile = "BILLY_MCP_CONFIG"

// ignoredEnv are BILLY_MCP_ variables that are not keys but have a known
// owner, so they must not be rejected as typos.
var ignoredEnv = map[string]bool{
	EnvConfigFile: true,
	// The go-plugin handshake cookie, set for plugin processes; harmless
	// if it is inherited by a host.
	pluginv1.MagicCookieKey: true,
}

// envAliases are extra BILLY_MCP_ names (without the prefix) for a key.
var envAliases = map[string]string{
	// The short name the design documents for the write policy.
	"WRITES": "writes.mode",
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

// envKeys maps a BILLY_MCP_ variable's name, without the prefix, to its
// key's node. Key names contain underscores themselves (plugin_defaults.dir
// is PLUGIN_DEFAULTS_DIR), so names are matched against this table instead
// of turning "_" back into ".". Plugins are not here: their names are
// chosen by the operator, and PLUGINS_MY_PLUGIN_PATH would be ambiguous.
// Built on first use, as compiled is (schema.go says why).
var envKeys = sync.OnceValue(buildEnvKeys)

func buildEnvKeys() map[string]node {
	out := map[string]node{}
	var walk func(n node)
	walk = func(n node) {
		if n.s.Properties == nil {
			if n.s.AdditionalProperties != nil {
				return // a map: plugins, auth.roles
			}
			if n.s.Items != nil && n.s.Items.Properties != nil {
				return // a list of sections (auth.keys): the file only
			}
			name := envName(n.path)
			if prev, dup := out[name]; dup {
				panic(fmt.Sprintf("config: keys %s and %s both map to %s%s", prev.path, n.path, EnvPrefix, name))
			}
			out[name] = n
			return
		}
		for _, k := range n.s.PropertyOrder {
			walk(n.key(k))
		}
	}
	walk(root())
	for alias, key := range envAliases {
		n, ok := out[envName(key)]
		if !ok {
			panic(fmt.Sprintf("config: environment alias %s%s names %s, which has no variable", EnvPrefix, alias, key))
		}
		out[alias] = n
	}
	return out
}

// envName is a key's variable name without the prefix.
func envName(key string) string { return strings.ToUpper(strings.ReplaceAll(key, ".", "_")) }

// envNames lists the variables that set key, for its description in the
// published schema; list says the key is a list (comma-separated in a
// variable).
func envNames(key string, list bool) string {
	if strings.HasPrefix(key, "plugins.") || strings.Contains(key, "[]") || key == "auth.keys" || key == "auth.server.users" || strings.HasPrefix(key, "auth.roles") {
		return ""
	}
	names := []string{EnvPrefix + envName(key)}
	for _, alias := range slices.Sorted(maps.Keys(envAliases)) {
		if envAliases[alias] == key {
			names = append(names, EnvPrefix+alias)
		}
	}
	text := strings.Join(names, " or ")
	if list {
		text += " (comma-separated)"
	}
	var v1 []string
	for i := len(v1Names) - 1; i >= 0; i-- { // the winning name first
		if v1Names[i].key == key {
			v1 = append(v1, v1Names[i].name)
		}
	}
	if len(v1) > 0 {
		text += ", or v1's " + strings.Join(v1, " or ")
	}
	return text
}

// envLayer is the configuration an environment sets, as nested maps, with
// the variable that set each key.
type envLayer struct {
	values map[string]any
	setBy  map[string]string // key → variable
}

func newEnvLayer() envLayer { return envLayer{values: map[string]any{}, setBy: map[string]string{}} }

func (l envLayer) set(key, variable string, v any) {
	m := l.values
	parts := strings.Split(key, ".")
	for _, p := range parts[:len(parts)-1] {
		sub, ok := m[p].(map[string]any)
		if !ok {
			sub = map[string]any{}
			m[p] = sub
		}
		m = sub
	}
	m[parts[len(parts)-1]] = v
	l.setBy[key] = variable
}

// check validates the layer against the schema; each problem names the
// variable that caused it.
func (l envLayer) check() []error {
	var errs []error
	for _, p := range root().check(l.values) {
		key, _, _ := strings.Cut(p.path, "[")
		errs = append(errs, fmt.Errorf("%s (%s): %s", l.setBy[key], p.path, p.msg))
	}
	return errs
}

// billyMCPEnv is the BILLY_MCP_ layer, with a problem for each unknown
// variable and each value that is wrong for its key.
func billyMCPEnv(environ []string) (envLayer, []error) {
	var problems []error
	layer := newEnvLayer()
	p := env.Provider(".", env.Opt{
		Prefix:      EnvPrefix,
		EnvironFunc: func() []string { return environ },
		TransformFunc: func(name, val string) (string, any) {
			// Deployment tools often define a variable without a value:
			// that is unset, not empty.
			if val == "" || ignoredEnv[name] {
				return "", nil
			}
			n, ok := envKeys()[strings.TrimPrefix(name, EnvPrefix)]
			if !ok {
				problems = append(problems, unknownEnv(name))
				return "", nil
			}
			if other, dup := layer.setBy[n.path]; dup && other != name {
				first, second := min(other, name), max(other, name)
				problems = append(problems, fmt.Errorf("%s and %s both set %s; set only one", first, second, n.path))
				return "", nil
			}
			v, err := fromEnv(n, val)
			if err != nil {
				shown := strconv.Quote(val)
				if isSecretPath(n.path) {
					shown = "the value (hidden: it is a secret)"
				}
				problems = append(problems, fmt.Errorf("%s (%s): %s %v", name, n.path, shown, err))
				return "", nil
			}
			layer.set(n.path, name, v)
			return "", nil
		},
	})
	if _, err := p.Read(); err != nil {
		problems = append(problems, fmt.Errorf("environment: %w", err))
	}
	if len(problems) > 0 {
		return layer, problems
	}
	return layer, layer.check()
}

// v1Env is the layer of v1's variable names, leaving out keys that the
// BILLY_MCP_ layer sets anyway (its value wins, so v1's is not checked).
func v1Env(environ []string, overridden map[string]string) (envLayer, []error) {
	vars := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vars[k] = v
		}
	}
	layer := newEnvLayer()
	for _, n := range v1Names {
		v := vars[n.name]
		if v == "" || overridden[n.key] != "" {
			continue
		}
		if n.key == "auth.api_keys" {
			// v1 took exactly one key; it is not split on commas.
			layer.set(n.key, n.name, []any{v})
			continue
		}
		layer.set(n.key, n.name, v)
	}
	return layer, layer.check()
}

// fromEnv converts a variable's text to the JSON type of the key at n. The
// error completes a sentence starting with the value.
func fromEnv(n node, s string) (any, error) {
	switch {
	case hasType(n.s, "integer"):
		i, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("is not an integer (write a whole number)")
		}
		return i, nil
	case hasType(n.s, "boolean"):
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, fmt.Errorf("is not a boolean (use true or false)")
		}
		return b, nil
	case hasType(n.s, "array"):
		out := []any{}
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
	known := make([]string, 0, len(envKeys()))
	for k := range envKeys() {
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
