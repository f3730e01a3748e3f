package sdk

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/jsonschema-go/jsonschema"
)

type leanNested struct {
	A string `json:"a" jsonschema:"a nested field"`
}

type leanOut struct {
	Name     string            `json:"name" jsonschema:"prose that stays out of the lean form"`
	Count    int               `json:"count"`
	Ratio    float64           `json:"ratio,omitempty"`
	Ok       bool              `json:"ok"`
	Record   *leanNested       `json:"record"`
	Maybe    *leanNested       `json:"maybe,omitempty"`
	Items    []leanNested      `json:"items"`
	Tags     []string          `json:"tags,omitempty"`
	Labels   map[string]string `json:"labels,omitempty"`
	Anything any               `json:"anything"`
	Nested   leanNested        `json:"nested"`
}

type leanIn struct {
	ID    string       `json:"id" jsonschema:"the record's ID"`
	Days  *int         `json:"days,omitempty" jsonschema:"days until due"`
	Lines []leanNested `json:"lines" jsonschema:"at least one"`
	Extra any          `json:"extra,omitempty"`
}

func compact(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func TestLeanOutput(t *testing.T) {
	s, err := schemaFor[leanOut]()
	if err != nil {
		t.Fatal(err)
	}
	anything := `{"anyOf":[{"type":"object"},{"type":"array"},{"type":"string"},{"type":"number"},{"type":"boolean"},{"type":"null"}]}`
	want := `{"properties":{"anything":` + anything + `,` +
		`"count":{"type":"integer"},` +
		`"items":{"anyOf":[{"type":"array"},{"type":"null"}]},` +
		`"labels":{"type":"object"},` +
		`"maybe":{"type":"object"},` +
		`"name":{"type":"string"},` +
		`"nested":{"type":"object"},` +
		`"ok":{"type":"boolean"},` +
		`"ratio":{"type":"number"},` +
		`"record":{"anyOf":[{"type":"object"},{"type":"null"}]},` +
		`"tags":{"type":"array"}},"type":"object"}`
	if diff := cmp.Diff(want, compact(t, leanOutput(s))); diff != "" {
		t.Errorf("lean output schema (-want +got):\n%s", diff)
	}
}

func TestLeanInput(t *testing.T) {
	s, err := schemaFor[leanIn]()
	if err != nil {
		t.Fatal(err)
	}
	got := compact(t, leanInput(s))
	for _, want := range []string{
		`"days":{"description":"days until due","type":"integer"}`,
		`"id":{"description":"the record's ID","type":"string"}`,
		// Nested shapes and their prose stay in input schemas.
		`"lines":{"description":"at least one","items":{"additionalProperties":false,"properties":{"a":{"description":"a nested field","type":"string"}},"required":["a"],"type":"object"},"type":"array"}`,
		// Anything but null: a caller leaves an optional field out.
		`"extra":{"anyOf":[{"type":"object"},{"type":"array"},{"type":"string"},{"type":"number"},{"type":"boolean"}]}`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("lean input schema lacks %s:\n%s", want, got)
		}
	}
}

// portabilityFindings applies the MCP Inspector's --strict rules: a bare
// boolean schema is an error; a type array and a schema with no validation
// keyword are warnings. The shipped schemas must have none of either.
func portabilityFindings(raw json.RawMessage) []string {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return []string{err.Error()}
	}
	var out []string
	var walk func(node any, path string, keyword string)
	walk = func(node any, path, keyword string) {
		switch n := node.(type) {
		case bool:
			if keyword != "additionalProperties" && keyword != "unevaluatedProperties" {
				out = append(out, fmt.Sprintf("%s: bare %v schema", path, n))
			}
		case map[string]any:
			if _, ok := n["type"].([]any); ok {
				out = append(out, path+": type array")
			}
			typed := false
			for _, k := range []string{"type", "anyOf", "oneOf", "allOf", "enum", "const", "$ref", "not"} {
				if _, ok := n[k]; ok {
					typed = true
				}
			}
			if !typed {
				out = append(out, path+": untyped schema")
			}
			for _, k := range []string{"properties", "patternProperties", "$defs"} {
				if m, ok := n[k].(map[string]any); ok {
					for name, sub := range m {
						walk(sub, path+"."+k+"."+name, k)
					}
				}
			}
			for _, k := range []string{"anyOf", "oneOf", "allOf", "prefixItems"} {
				if a, ok := n[k].([]any); ok {
					for i, sub := range a {
						walk(sub, fmt.Sprintf("%s.%s[%d]", path, k, i), k)
					}
				}
			}
			for _, k := range []string{"items", "additionalProperties", "not", "contains"} {
				if sub, ok := n[k]; ok {
					walk(sub, path+"."+k, k)
				}
			}
		}
	}
	walk(v, "$", "")
	return out
}

func TestLeanSchemasArePortable(t *testing.T) {
	in, _ := schemaFor[leanIn]()
	out, _ := schemaFor[leanOut]()
	for name, raw := range map[string]json.RawMessage{
		"input": leanInput(in), "lean output": leanOutput(out), "full output": fullOutput(out),
	} {
		if f := portabilityFindings(raw); len(f) > 0 {
			t.Errorf("%s schema is not portable: %v\n%s", name, f, raw)
		}
	}
	// The rules themselves catch what they must.
	if f := portabilityFindings(json.RawMessage(`{"type":"object","properties":{"a":true,"b":{"type":["null","string"]},"c":{}}}`)); len(f) != 3 {
		t.Errorf("the portability check missed something: %v", f)
	}
}

// FuzzLeanOutputSchema builds values of an output type with every kind of
// field from fuzzed data and checks that their JSON, as a tool would return
// it, is valid against both the lean and the full output schema: a client
// that validates structured content (the TypeScript SDK does) never throws.
func FuzzLeanOutputSchema(f *testing.F) {
	f.Add("x", 3, 0.5, true, true, false, 2, "tag", "k", 7.0, 0)
	f.Add("", 0, 0.0, false, false, true, 0, "", "", 0.0, 3)
	out, err := schemaFor[leanOut]()
	if err != nil {
		f.Fatal(err)
	}
	resolved := map[string]*jsonschema.Resolved{}
	for name, raw := range map[string]json.RawMessage{"lean": leanOutput(out), "full": fullOutput(out)} {
		var s jsonschema.Schema
		if err := json.Unmarshal(raw, &s); err != nil {
			f.Fatal(err)
		}
		r, err := s.Resolve(nil)
		if err != nil {
			f.Fatalf("%s: %v", name, err)
		}
		resolved[name] = r
	}
	f.Fuzz(func(t *testing.T, name string, count int, ratio float64, hasRecord, hasMaybe, nilItems bool, nItems int, tag, label string, num float64, anyKind int) {
		v := leanOut{Name: name, Count: count, Ratio: ratio, Ok: hasRecord != hasMaybe, Nested: leanNested{A: tag}}
		if hasRecord {
			v.Record = &leanNested{A: name}
		}
		if hasMaybe {
			v.Maybe = &leanNested{A: tag}
		}
		if !nilItems {
			v.Items = []leanNested{}
			for i := range nItems % 4 {
				v.Items = append(v.Items, leanNested{A: fmt.Sprint(i)})
			}
		}
		if tag != "" {
			v.Tags = []string{tag}
		}
		if label != "" {
			v.Labels = map[string]string{label: tag}
		}
		switch anyKind % 6 {
		case 0:
			v.Anything = nil
		case 1:
			v.Anything = num
		case 2:
			v.Anything = tag
		case 3:
			v.Anything = []any{num, tag}
		case 4:
			v.Anything = map[string]any{"k": num}
		case 5:
			v.Anything = hasRecord
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Skip("not encodable as JSON (e.g. NaN)")
		}
		var instance any
		if err := json.Unmarshal(b, &instance); err != nil {
			t.Fatal(err)
		}
		for name, r := range resolved {
			if err := r.Validate(instance); err != nil {
				t.Errorf("%s output schema rejects %s: %v", name, b, err)
			}
		}
	})
}
