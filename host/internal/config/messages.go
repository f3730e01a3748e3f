package config

// A schema validator reports problems in its own terms ("got string, want
// integer" at "/calls/max_batch"). An operator needs the key as written in
// the file, the value, and what is allowed, in a sentence, all problems at
// once. This file walks the schema alongside the configuration (node) and
// turns the validator's structured errors into such sentences.

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	validator "github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// problem is one thing wrong at a key.
type problem struct {
	path string // the key as an operator writes it: http.allowed_hosts[1]
	msg  string
}

func (p problem) Error() string { return p.path + ": " + p.msg }

// node is a place in the configuration together with its schema.
type node struct {
	path  string             // as written in messages: plugins.invoices.sha256, http.allowed_hosts[1]
	rule  string             // the key of rules: plugins.*.sha256, http.allowed_hosts[]
	s     *jsonschema.Schema // nil under an unknown key
	entry bool               // an entry of a map whose names the operator chooses
}

func root() node { return node{s: compiled().tree} }

// key is the node of key k in the section n.
func (n node) key(k string) node {
	c := node{path: join(n.path, k)}
	switch {
	case n.s == nil:
	case n.s.Properties[k] != nil:
		c.rule, c.s = join(n.rule, k), n.s.Properties[k]
	case n.s.AdditionalProperties != nil && !isFalse(n.s.AdditionalProperties):
		c.rule, c.s, c.entry = n.rule+".*", n.s.AdditionalProperties, !isFree(n.s.AdditionalProperties)
	}
	return c
}

// index is the node of element i of the list n.
func (n node) index(i int) node {
	c := node{path: fmt.Sprintf("%s[%d]", n.path, i), rule: n.rule + "[]"}
	if n.s != nil {
		c.s = n.s.Items
	}
	return c
}

// at follows a validator's instance location from n.
func (n node) at(loc []string) node {
	for _, seg := range loc {
		if i, err := strconv.Atoi(seg); err == nil && n.s != nil && n.s.Items != nil {
			n = n.index(i)
		} else {
			n = n.key(seg)
		}
	}
	return n
}

func (n node) isDuration() bool {
	return n.s != nil && (n.s.Format == durationFormat || n.s.Format == durationOrZeroFormat)
}

// typeText says what a value at n must be, completing "is not ...".
func (n node) typeText() string {
	if n.s == nil {
		return "a known key"
	}
	if r := rules[n.rule]; r.shape != "" {
		return r.shape
	}
	switch {
	case n.isDuration():
		return "a duration (use e.g. 30s, 2m)"
	case hasType(n.s, "string"):
		return "a string (quote it)"
	case hasType(n.s, "integer"):
		return "an integer (write a whole number, unquoted)"
	case hasType(n.s, "boolean"):
		return "a boolean (use true or false)"
	case hasType(n.s, "array"):
		return "a list of strings (use e.g. [a, b])"
	case hasType(n.s, "object"):
		return "a section; allowed keys here: " + strings.Join(n.s.PropertyOrder, ", ")
	}
	return "allowed here"
}

// check validates instance, found at n, against the schema and returns
// every problem, sorted by key.
func (n node) check(instance any) []problem {
	err := compiled().validator.Validate(instance)
	if err == nil {
		return nil
	}
	ve, ok := err.(*validator.ValidationError)
	if !ok {
		return []problem{{path: n.path, msg: err.Error()}}
	}
	var out []problem
	explain(n, instance, ve, &out)
	slices.SortStableFunc(out, func(a, b problem) int { return cmp.Compare(a.path, b.path) })
	return slices.CompactFunc(out, func(a, b problem) bool { return a == b })
}

// printer renders the validator's own messages, for kinds this file does
// not expect.
var printer = message.NewPrinter(language.English)

// explain appends a sentence for each problem in the tree e.
func explain(top node, instance any, e *validator.ValidationError, out *[]problem) {
	n := top.at(e.InstanceLocation)
	v := valueAt(instance, e.InstanceLocation)
	add := func(format string, args ...any) {
		*out = append(*out, problem{path: n.path, msg: fmt.Sprintf(format, args...)})
	}
	shown := show(n.path, v)
	r := rules[n.rule]
	if n.s == nil && len(e.Causes) == 0 {
		// Not a place this schema describes; cannot happen, but the
		// validator's own words beat a panic.
		add("%s", e.ErrorKind.LocalizedString(printer))
		return
	}

	switch k := e.ErrorKind.(type) {
	case *kind.AdditionalProperties:
		for _, p := range k.Properties {
			*out = append(*out, problem{path: join(n.path, p), msg: "unknown key; allowed keys here: " + strings.Join(n.s.PropertyOrder, ", ")})
		}
	case *kind.PropertyNames:
		// The validator places this error at the name, not at the map that
		// holds it: find the map from where in the schema the rule is.
		m := top.at(instancePathOf(e.SchemaURL, "propertyNames"))
		*out = append(*out, problem{path: join(m.path, k.Property), msg: fmt.Sprintf("the name %q is not allowed; use %s", k.Property, rules[m.rule].allowed)})
	case *kind.Type:
		add("%s is not %s", shown, n.typeText())
	case *kind.Enum:
		add("%s is not allowed; use %s", shown, enumText(n.s.Enum, r.unset))
	case *kind.Minimum, *kind.Maximum:
		add("%s is not allowed; use %s", shown, rangeText(n.s))
	case *kind.MinLength:
		add("too short (%d characters); use %s", k.Got, r.allowed)
	case *kind.Pattern, *kind.Format:
		if n.isDuration() {
			if s, _ := v.(string); validDurationSyntax(s) {
				if n.s.Format == durationOrZeroFormat {
					add("%s is not allowed; use a duration of 0s or more (e.g. 5s)", shown)
				} else {
					add("%s is not allowed; use a duration > 0 (e.g. 30s, 2m)", shown)
				}
			} else {
				add("%s is not a duration (use e.g. 30s, 2m)", shown)
			}
			return
		}
		add("%s is not allowed; use %s", shown, r.allowed)
	default:
		if len(e.Causes) == 0 {
			add("%s", e.ErrorKind.LocalizedString(printer))
		}
		for _, c := range e.Causes {
			explain(top, instance, c, out)
		}
	}
}

// instancePathOf turns the location of a schema keyword, such as
// mem://x#/properties/plugins/propertyNames, into the location of the value
// it applies to (["plugins"]). It knows the shapes this schema uses:
// properties nested in properties.
func instancePathOf(schemaURL, keyword string) []string {
	_, frag, _ := strings.Cut(schemaURL, "#")
	frag = strings.TrimSuffix(frag, "/"+keyword)
	var loc []string
	for seg := range strings.SplitSeq(strings.TrimPrefix(frag, "/properties/"), "/properties/") {
		if seg != "" {
			loc = append(loc, seg)
		}
	}
	return loc
}

// validDurationSyntax reports whether s is a Go duration, whatever its sign.
func validDurationSyntax(s string) bool {
	_, err := time.ParseDuration(s)
	return err == nil
}

// valueAt is the value at a validator's instance location.
func valueAt(v any, loc []string) any {
	for _, seg := range loc {
		switch t := v.(type) {
		case map[string]any:
			v = t[seg]
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(t) {
				return nil
			}
			v = t[i]
		default:
			return nil
		}
	}
	return v
}

// enumText lists the allowed values; "" is described, not quoted.
func enumText(enum []any, unset string) string {
	var quoted []string
	empty := false
	for _, e := range enum {
		if e == nil {
			continue // null means "keep the default" and never reaches the check
		}
		if e == "" {
			empty = true
			continue
		}
		quoted = append(quoted, strconv.Quote(fmt.Sprint(e)))
	}
	text := "one of " + strings.Join(quoted, ", ")
	if empty && unset != "" {
		text += ", or " + unset
	}
	return text
}

// rangeText says which numbers are allowed, with the default.
func rangeText(s *jsonschema.Schema) string {
	var text string
	switch {
	case s.Minimum != nil && s.Maximum != nil:
		text = fmt.Sprintf("%d to %d", int64(*s.Minimum), int64(*s.Maximum))
	case s.Minimum != nil:
		text = fmt.Sprintf("%d or more", int64(*s.Minimum))
	case s.Maximum != nil:
		text = fmt.Sprintf("at most %d", int64(*s.Maximum))
	}
	if def := defaultOf(s); def != "" {
		text += " (default " + def + ")"
	}
	return text
}

// defaultOf is s's default as an operator would write it, or "".
func defaultOf(s *jsonschema.Schema) string {
	if s.Default == nil {
		return ""
	}
	var v any
	if err := json.Unmarshal(s.Default, &v); err != nil {
		return ""
	}
	if f, ok := v.(float64); ok {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// isFree reports whether s accepts anything: a plugin's own config.
func isFree(s *jsonschema.Schema) bool {
	return s.Type == "" && len(s.Types) == 0 && s.Properties == nil && s.AdditionalProperties == nil &&
		s.Items == nil && s.Enum == nil && s.Not == nil
}

// isFalse reports whether s accepts nothing (jsonschema-go writes false as
// {"not": {}}).
func isFalse(s *jsonschema.Schema) bool { return s.Not != nil && isFree(s.Not) }

// hasType reports whether s allows the JSON type t.
func hasType(s *jsonschema.Schema, t string) bool {
	return s.Type == t || slices.Contains(s.Types, t)
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
	return path == "billy.api_key" || path == "signing_key" || path == "audit.checkpoints.key" || path == "credentials.keys" || path == "credentials.v1_key" || path == "auth.api_keys" || strings.HasPrefix(path, "auth.api_keys[") ||
		path == "redis.password" || path == "redis.url" || path == "database.url"
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
		case map[string]any:
			return "a section"
		}
		return fmt.Sprintf("a %T", v)
	}
	if isSecretPath(path) {
		return desc(v) + " (value hidden: it is a secret)"
	}
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		if len(v) > 60 {
			v = v[:57] + "..."
		}
		return strconv.Quote(v)
	case []any, map[string]any:
		return desc(v)
	}
	return fmt.Sprint(v)
}
