package e2e

import (
	"bytes"
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// matrixFile holds the client matrix's cases; see its header for the format.
var matrixFile = filepath.Join("testdata", "client-matrix.yaml")

// matrixData is testdata/client-matrix.yaml: data, so that a new tool joins
// every client's run by being listed there, not by new test code.
type matrixData struct {
	SandboxBusiness string        `yaml:"sandbox_business"`
	Placeholders    []placeholder `yaml:"placeholders"`
	Tools           []toolCases   `yaml:"tools"`
}

// placeholder is a value found through the client under test: a call and a
// dot path into its structured result.
type placeholder struct {
	Name      string         `yaml:"name"`
	Call      string         `yaml:"call"`
	Arguments map[string]any `yaml:"arguments"`
	Pick      string         `yaml:"pick"`
	// Writes marks a call that writes what later calls need (an imported
	// order's invoice, then its approval): a destructive one goes through
	// its confirmation token, and the value only means something to a
	// client that keeps one server for all its calls. For a client that
	// starts a server per call (the Inspector over stdio) it is not
	// resolved, and the cases using it are noted as not applicable.
	Writes bool `yaml:"writes"`
}

type toolCases struct {
	Name      string         `yaml:"name"`
	Arguments map[string]any `yaml:"arguments"`
	Errors    []errorCase    `yaml:"errors"`
	// Plain marks a write tool that does not follow the write tools'
	// protocol (status done; a destructive one's confirmation token): the
	// presets' run tools answer a run. Its valid call must succeed and,
	// when Status is set, answer that status.
	Plain  bool   `yaml:"plain"`
	Status string `yaml:"status"`
	// Expect checks what the valid call answered (the confirmed answer of
	// a destructive one): dot paths into the structured result, each with
	// the value it must have ("$name" placeholders allowed); a path ending
	// in ".#" is the length of the list it names.
	Expect map[string]any `yaml:"expect"`
}

type errorCase struct {
	Why       string         `yaml:"why"`
	Arguments map[string]any `yaml:"arguments"`
	Code      string         `yaml:"code"`
	// Field, when set, must be among the fields the error names; Says
	// must be in its message: what tells the user which part was wrong.
	Field string `yaml:"field"`
	Says  string `yaml:"says"`
}

var placeholderRef = regexp.MustCompile(`^\$([A-Za-z][A-Za-z0-9_]*)$`)

// placeholderInline is a placeholder inside a longer string ("Faktura
// ${invoiceNo}"), replaced by its value as text.
var placeholderInline = regexp.MustCompile(`\$\{([A-Za-z][A-Za-z0-9_]*)\}`)

// loadMatrix reads and checks the matrix file: unknown keys, duplicate or
// unnamed tools, cases without an expected code and references to
// placeholders that do not exist are mistakes in the file, reported as such
// rather than as a client failing.
func loadMatrix() (*matrixData, error) {
	raw, err := os.ReadFile(matrixFile)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	var m matrixData
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %w", matrixFile, err)
	}
	var problems []string
	defined := map[string]bool{}
	for i, p := range m.Placeholders {
		if p.Name == "" || p.Call == "" || p.Pick == "" {
			problems = append(problems, fmt.Sprintf("placeholder %d needs name, call and pick", i))
		}
		if defined[p.Name] {
			problems = append(problems, fmt.Sprintf("placeholder %s is defined twice", p.Name))
		}
		for _, ref := range refsIn(p.Arguments) {
			if !defined[ref] {
				problems = append(problems, fmt.Sprintf("placeholder %s uses $%s, which is not defined before it", p.Name, ref))
			}
		}
		defined[p.Name] = true
	}
	seen := map[string]bool{}
	for i, tc := range m.Tools {
		if tc.Name == "" {
			problems = append(problems, fmt.Sprintf("tools[%d] has no name", i))
		}
		if seen[tc.Name] {
			problems = append(problems, fmt.Sprintf("tool %s is listed twice", tc.Name))
		}
		seen[tc.Name] = true
		if tc.Arguments == nil {
			problems = append(problems, fmt.Sprintf("tool %s has no valid arguments (write arguments: {} for none)", tc.Name))
		}
		refs := append(refsIn(tc.Arguments), refsIn(tc.Expect)...)
		for j, ec := range tc.Errors {
			if ec.Why == "" || ec.Code == "" {
				problems = append(problems, fmt.Sprintf("tool %s: errors[%d] needs why and code", tc.Name, j))
			}
			refs = append(refs, refsIn(ec.Arguments)...)
		}
		for _, ref := range refs {
			if !defined[ref] {
				problems = append(problems, fmt.Sprintf("tool %s uses $%s, which is not a placeholder", tc.Name, ref))
			}
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s:\n  %s", matrixFile, strings.Join(problems, "\n  "))
	}
	return &m, nil
}

// refsIn lists the placeholder names a value refers to.
func refsIn(v any) []string {
	var refs []string
	switch v := v.(type) {
	case string:
		if m := placeholderRef.FindStringSubmatch(v); m != nil {
			refs = append(refs, m[1])
		}
		for _, m := range placeholderInline.FindAllStringSubmatch(v, -1) {
			refs = append(refs, m[1])
		}
	case map[string]any:
		for _, x := range v {
			refs = append(refs, refsIn(x)...)
		}
	case []any:
		for _, x := range v {
			refs = append(refs, refsIn(x)...)
		}
	}
	return refs
}

// substitute returns v with every "$name" replaced by the placeholder's
// value; an unresolved one is an error carrying why it could not be found.
func substitute(v any, values map[string]any, failed map[string]error) (any, error) {
	switch v := v.(type) {
	case string:
		lookup := func(name string) (any, error) {
			if err := failed[name]; err != nil {
				return nil, fmt.Errorf("placeholder $%s: %w", name, err)
			}
			val, ok := values[name]
			if !ok {
				return nil, fmt.Errorf("placeholder $%s was not resolved", name)
			}
			return val, nil
		}
		if m := placeholderRef.FindStringSubmatch(v); m != nil {
			return lookup(m[1])
		}
		var firstErr error
		out := placeholderInline.ReplaceAllStringFunc(v, func(ref string) string {
			val, err := lookup(placeholderInline.FindStringSubmatch(ref)[1])
			if err != nil {
				firstErr = cmp.Or(firstErr, err)
				return ref
			}
			return asText(val)
		})
		if firstErr != nil {
			return nil, firstErr
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			y, err := substitute(x, values, failed)
			if err != nil {
				return nil, err
			}
			out[k] = y
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			y, err := substitute(x, values, failed)
			if err != nil {
				return nil, err
			}
			out[i] = y
		}
		return out, nil
	}
	return v, nil
}

// asText writes a placeholder's value into a string: numbers as decimals
// (4482.5, never 4.4825e+03).
func asText(v any) string {
	if f, ok := v.(float64); ok {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// substituteArgs is substitute for an arguments object.
func substituteArgs(args map[string]any, values map[string]any, failed map[string]error) (map[string]any, error) {
	if args == nil {
		return map[string]any{}, nil
	}
	out, err := substitute(args, values, failed)
	if err != nil {
		return nil, err
	}
	return out.(map[string]any), nil
}

// pick follows a dot path ("invoices.0.id") through decoded JSON; a last
// segment "#" is the length of the list reached ("matched.#").
func pick(v any, path string) (any, error) {
	for _, seg := range strings.Split(path, ".") {
		if seg == "#" {
			l, ok := v.([]any)
			if !ok {
				return nil, fmt.Errorf("%s: # reached a %T, not a list", path, v)
			}
			v = len(l)
			continue
		}
		switch x := v.(type) {
		case map[string]any:
			next, ok := x[seg]
			if !ok {
				return nil, fmt.Errorf("%s: no key %q", path, seg)
			}
			v = next
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(x) {
				return nil, fmt.Errorf("%s: no element %q in a list of %d", path, seg, len(x))
			}
			v = x[i]
		default:
			return nil, fmt.Errorf("%s: %q reached a %T, not an object or list", path, seg, v)
		}
	}
	return v, nil
}
