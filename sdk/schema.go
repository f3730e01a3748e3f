package sdk

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/google/jsonschema-go/jsonschema"
)

// Every tool's schemas travel in tools/list, which every conversation of
// every AI platform pays for in context before the user says a word. The sdk
// therefore derives a lean form by default:
//
//   - The output schema names the top-level fields and their types, nothing
//     more: what a model needs to read the result. Nested shapes and field
//     prose stay out (a tool's description says what it returns).
//   - Input schemas keep their structure and field descriptions (they are how
//     a model learns to call the tool) but say each type once.
//
// Both stay portable: no bare true schema, no type arrays, no schema without
// a type, which some clients refuse or warn about (the MCP Inspector's
// --strict check among them). A nullable value is an anyOf of its type and
// null; a field that can hold any JSON value is an anyOf of every type.
// ToolSpec.FullOutputSchema keeps the complete output schema instead.

// schemaFor infers the JSON Schema of T. MCP requires both input and output
// schemas to describe objects.
func schemaFor[T any]() (*jsonschema.Schema, error) {
	s, err := jsonschema.For[T](nil)
	if err != nil {
		return nil, err
	}
	if s.Type != "object" {
		return nil, fmt.Errorf("must be a struct (schema type object), got %q", s.Type)
	}
	if s.Properties == nil {
		// An empty struct: MCP clients expect "properties" to be present.
		s.Properties = map[string]*jsonschema.Schema{}
	}
	return s, nil
}

// leanInput returns the input schema with every type said once. Nullable
// inputs lose their null: a caller leaves an optional field out.
func leanInput(s *jsonschema.Schema) json.RawMessage {
	return mustMarshal(portable(s.CloneSchemas(), true))
}

// leanOutput returns the top-level fields of an output schema with their
// types.
func leanOutput(s *jsonschema.Schema) json.RawMessage {
	out := &jsonschema.Schema{Type: "object", Properties: map[string]*jsonschema.Schema{}}
	for _, name := range propertyNames(s) {
		p := s.Properties[name]
		// A field without omitempty is required in the inferred schema; only
		// such a field can be encoded as null.
		out.Properties[name] = typeOnly(p, slices.Contains(s.Required, name))
		out.PropertyOrder = append(out.PropertyOrder, name)
	}
	return mustMarshal(out)
}

// fullOutput is the complete output schema, made portable.
func fullOutput(s *jsonschema.Schema) json.RawMessage {
	return mustMarshal(portable(s.CloneSchemas(), false))
}

// jsonTypes are the JSON Schema types, for values that can be anything.
var jsonTypes = []string{"object", "array", "string", "number", "boolean", "null"}

// typesOf returns a schema's types without null, and whether null is one.
func typesOf(s *jsonschema.Schema) (types []string, nullable bool) {
	all := s.Types
	if s.Type != "" {
		all = []string{s.Type}
	}
	for _, t := range all {
		if t == "null" {
			nullable = true
		} else {
			types = append(types, t)
		}
	}
	return types, nullable
}

// typeOnly is a schema that says only what type a value has.
func typeOnly(p *jsonschema.Schema, mayBeNull bool) *jsonschema.Schema {
	types, nullable := typesOf(p)
	switch {
	case len(types) == 0 && len(p.AnyOf) > 0:
		// Already a union (e.g. a nested lean form): keep its branches' types.
		var branches []*jsonschema.Schema
		for _, b := range p.AnyOf {
			branches = append(branches, typeOnly(b, false))
		}
		return &jsonschema.Schema{AnyOf: branches}
	case len(types) == 0:
		types, nullable = jsonTypes[:5], true
	}
	return union(types, nullable && mayBeNull)
}

// union spells a set of types portably: one "type", or anyOf branches.
func union(types []string, withNull bool) *jsonschema.Schema {
	if withNull {
		types = append(slices.Clone(types), "null")
	}
	if len(types) == 1 {
		return &jsonschema.Schema{Type: types[0]}
	}
	u := &jsonschema.Schema{}
	for _, t := range types {
		u.AnyOf = append(u.AnyOf, &jsonschema.Schema{Type: t})
	}
	return u
}

// portable rewrites a schema tree in place: type arrays become a single type
// (dropping null when input is set) or anyOf branches, and schemas that
// accept anything say so with anyOf of every type.
func portable(s *jsonschema.Schema, input bool) *jsonschema.Schema {
	if s == nil {
		return nil
	}
	for _, p := range s.Properties {
		portable(p, input)
	}
	portable(s.Items, input)
	portable(s.AdditionalProperties, input)
	for _, b := range s.AnyOf {
		portable(b, input)
	}
	types, nullable := typesOf(s)
	if input {
		nullable = false
	}
	switch {
	case len(types) == 0 && !constrains(s):
		s.Types, s.Type = nil, ""
		s.AnyOf = union(jsonTypes[:5], !input).AnyOf
	case len(types) == 1 && !nullable:
		s.Types, s.Type = nil, types[0]
	case len(types) > 0:
		// A union: each branch keeps only its type; the keywords of the
		// non-null type (properties, items, ...) stay on the schema, where
		// they apply when the value has that type.
		s.Types, s.Type = nil, ""
		s.AnyOf = union(types, nullable).AnyOf
	}
	return s
}

// constrains reports whether a schema says anything about its value.
func constrains(s *jsonschema.Schema) bool {
	return s.Type != "" || len(s.Types) > 0 || len(s.AnyOf) > 0 || len(s.OneOf) > 0 || len(s.AllOf) > 0 ||
		len(s.Enum) > 0 || s.Const != nil || s.Ref != "" || s.Not != nil
}

// propertyNames lists a schema's properties in declaration order.
func propertyNames(s *jsonschema.Schema) []string {
	if len(s.PropertyOrder) == len(s.Properties) {
		return s.PropertyOrder
	}
	names := make([]string, 0, len(s.Properties))
	for n := range s.Properties {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func mustMarshal(s *jsonschema.Schema) json.RawMessage {
	b, err := json.Marshal(s)
	if err != nil {
		// Only a schema the sdk built wrongly can fail here.
		panic(fmt.Sprintf("sdk: encoding a schema: %v", err))
	}
	return b
}
