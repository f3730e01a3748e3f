package workflow

import (
	"bytes"
	"encoding/json"
	"fmt"

	"gopkg.in/yaml.v3"
)

// ParseText reads a workflow written in JSON or YAML (the same shape: YAML
// is read into JSON's values first, so the schema and every rule apply
// unchanged) and validates it.
func ParseText(data []byte) (*Workflow, error) {
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
		return Parse(data)
	}
	var v any
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&v); err != nil {
		return nil, &ValidationError{Problems: []Problem{{Message: "not YAML or JSON: " + oneLine(err.Error())}}}
	}
	var extra any
	if dec.Decode(&extra) == nil {
		return nil, &ValidationError{Problems: []Problem{{Message: "more than one YAML document"}}}
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, &ValidationError{Problems: []Problem{{Message: fmt.Sprintf("a workflow is a mapping, got %T", v)}}}
	}
	b, err := json.Marshal(v)
	if err != nil {
		// A YAML mapping with non-string keys, for one.
		return nil, &ValidationError{Problems: []Problem{{Message: "cannot be read as JSON values: " + err.Error()}}}
	}
	return Parse(b)
}
