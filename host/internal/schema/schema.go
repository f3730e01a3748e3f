package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Schema is a compiled JSON Schema.
type Schema struct {
	compiled *jsonschema.Schema
	// properties lists the top-level property names, for messages about
	// unknown fields.
	properties []string
}

var printer = message.NewPrinter(language.English)

// Compile compiles a schema document. Schemas without "$schema" are read as
// JSON Schema 2020-12, MCP's default.
func Compile(name string, doc []byte) (*Schema, error) {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("schema of %s is not valid JSON: %w", name, err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	url := "mem://tool/" + name + ".json"
	if err := c.AddResource(url, v); err != nil {
		return nil, fmt.Errorf("schema of %s: %w", name, err)
	}
	compiled, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("schema of %s does not compile: %w", name, err)
	}
	s := &Schema{compiled: compiled}
	if m, ok := v.(map[string]any); ok {
		if props, ok := m["properties"].(map[string]any); ok {
			for k := range props {
				s.properties = append(s.properties, k)
			}
			sort.Strings(s.properties)
		}
	}
	return s, nil
}

// Validate checks raw JSON arguments. It returns nil or an *errmodel.Error of
// category validation listing every violation by field path.
func (s *Schema) Validate(args []byte) *errmodel.Error {
	if len(bytes.TrimSpace(args)) == 0 {
		args = []byte("{}")
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(args))
	if err != nil {
		return errmodel.Invalid("the arguments are not valid JSON: "+err.Error(), errmodel.FieldError{Field: "arguments", Message: "must be a JSON object"})
	}
	if _, ok := inst.(map[string]any); !ok {
		return errmodel.Invalid("the arguments must be a JSON object", errmodel.FieldError{Field: "arguments", Message: "must be a JSON object, got " + jsonType(inst)})
	}
	err = s.compiled.Validate(inst)
	if err == nil {
		return nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return errmodel.Invalid("the arguments could not be validated: " + err.Error())
	}
	var fields []errmodel.FieldError
	s.collect(ve, &fields)
	fields = dedupe(fields)
	var b strings.Builder
	b.WriteString("the arguments do not match the tool's input schema: ")
	for i, f := range fields {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %s", f.Field, f.Message)
	}
	return errmodel.Invalid(b.String(), fields...)
}

// collect flattens the error tree into one entry per leaf violation.
func (s *Schema) collect(ve *jsonschema.ValidationError, out *[]errmodel.FieldError) {
	if len(ve.Causes) > 0 {
		for _, c := range ve.Causes {
			s.collect(c, out)
		}
		return
	}
	switch k := ve.ErrorKind.(type) {
	case *kind.Required:
		for _, m := range k.Missing {
			*out = append(*out, errmodel.FieldError{Field: fieldPath(append(ve.InstanceLocation, m)), Message: "is required"})
		}
	case *kind.AdditionalProperties:
		for _, p := range k.Properties {
			msg := "is not a known field"
			if len(ve.InstanceLocation) == 0 && len(s.properties) > 0 {
				msg += " (allowed: " + strings.Join(s.properties, ", ") + ")"
			}
			*out = append(*out, errmodel.FieldError{Field: fieldPath(append(ve.InstanceLocation, p)), Message: msg})
		}
	default:
		*out = append(*out, errmodel.FieldError{Field: fieldPath(ve.InstanceLocation), Message: ve.ErrorKind.LocalizedString(printer)})
	}
}

// fieldPath renders an instance location as lines[0].unitPrice; the root is
// "arguments".
func fieldPath(loc []string) string {
	if len(loc) == 0 {
		return "arguments"
	}
	var b strings.Builder
	for i, seg := range loc {
		if _, err := strconv.Atoi(seg); err == nil {
			fmt.Fprintf(&b, "[%s]", seg)
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(seg)
	}
	return b.String()
}

func dedupe(fields []errmodel.FieldError) []errmodel.FieldError {
	seen := map[errmodel.FieldError]bool{}
	out := fields[:0]
	for _, f := range fields {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}
