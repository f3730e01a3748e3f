package config

// YAML can say more than JSON, and the schema speaks JSON. Before a file
// is checked, its values are brought into JSON's data model here, guided by
// the schema: what YAML calls a timestamp, a number too large for the key's
// Go type, a NaN or a mapping with non-string keys has no JSON counterpart,
// and a null means "keep the default" rather than a value.

import (
	"fmt"
	"math"
	"time"
)

// fromYAML returns v, found at n, in JSON's data model, and whether to
// keep it: a null is dropped so that the default survives.
func fromYAML(n node, v any, problems *[]problem) (any, bool) {
	free := n.s == nil || isFree(n.s) // a plugin's own config, or an unknown key
	bad := func(format string, args ...any) (any, bool) {
		*problems = append(*problems, problem{path: n.path, msg: fmt.Sprintf(format, args...)})
		return nil, false
	}
	switch t := v.(type) {
	case nil:
		if free {
			return nil, true
		}
		if n.entry {
			// A bare "name:" under plugins is an entry with nothing set.
			return map[string]any{}, true
		}
		return nil, false
	case map[string]any, map[any]any:
		m := map[string]any{}
		for k, e := range asMap(t) {
			if val, keep := fromYAML(n.key(k), e, problems); keep {
				m[k] = val
			}
		}
		return m, true
	case []any:
		l := make([]any, len(t))
		for i, e := range t {
			l[i], _ = fromYAML(n.index(i), e, problems)
		}
		return l, true
	case time.Time:
		text := t.Format(time.RFC3339Nano)
		if free {
			return text, true // what encoding/json makes of it
		}
		return bad("%s (YAML reads it as a timestamp) is not %s", text, n.typeText())
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			if free {
				return bad("%v cannot be passed to the plugin (JSON has no NaN or infinity)", t)
			}
			return bad("%v is not %s", t, n.typeText())
		}
		if !free && hasType(n.s, "integer") && t == math.Trunc(t) {
			// 1e3 is a whole number; JSON Schema agrees, and the Go field
			// must receive it exactly.
			if t < math.MinInt64 || t >= math.MaxInt64 {
				return bad("%v is out of range for a 64-bit integer", t)
			}
			return int64(t), true
		}
	case uint64:
		if !free && hasType(n.s, "integer") && t > math.MaxInt64 {
			return bad("%d is too large (at most %d)", t, int64(math.MaxInt64))
		}
	}
	return v, true
}

// asMap accepts the two shapes YAML gives for a mapping; keys that are not
// strings (e.g. "1: x") are written as strings, as koanf would.
func asMap(v any) map[string]any {
	switch m := v.(type) {
	case map[string]any:
		return m
	case map[any]any:
		out := make(map[string]any, len(m))
		for k, e := range m {
			out[fmt.Sprint(k)] = e
		}
		return out
	}
	return nil
}
