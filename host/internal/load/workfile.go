package load

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"go.yaml.in/yaml/v3"
)

// A workload file lists calls with weights, in YAML or JSON (YAML reads
// both):
//
//	calls:
//	  - tool: calculate_vat
//	    arguments: {amount: 1000, direction: net_to_gross}
//	    weight: 9
//	  - tool: validate_cvr
//	    arguments: {cvr: "10150817"}
//
// A weight is a share, not a percentage (default 1; 0 switches an entry
// off). The top level may also be the list itself.
type workFile struct {
	Calls []workEntry `yaml:"calls"`
}

type workEntry struct {
	Tool      string   `yaml:"tool"`
	Arguments any      `yaml:"arguments"`
	Weight    *float64 `yaml:"weight"`
}

// ParseWorkload reads a workload file. name is the file's name, for reports
// and messages.
func ParseWorkload(name string, data []byte) (*Workload, error) {
	entries, err := decodeWorkFile(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("%s: no calls (want a list of {tool, arguments, weight} under calls:)", name)
	}
	w := &Workload{Describe: fmt.Sprintf("mixed: %s (%s)", name, plural(len(entries), "call"))}
	total := 0.0
	for i, e := range entries {
		where := fmt.Sprintf("%s: call %d", name, i+1)
		if e.Tool == "" {
			return nil, fmt.Errorf("%s: tool is missing", where)
		}
		weight := 1.0
		if e.Weight != nil {
			weight = *e.Weight
		}
		if weight < 0 || math.IsNaN(weight) || math.IsInf(weight, 0) {
			return nil, fmt.Errorf("%s (%s): weight must be a number of 0 or more, got %v", where, e.Tool, weight)
		}
		raw, err := json.Marshal(e.Arguments)
		if err != nil {
			return nil, fmt.Errorf("%s (%s): arguments cannot be JSON: %v", where, e.Tool, err)
		}
		args, err := objectArguments(raw)
		if err != nil {
			return nil, fmt.Errorf("%s (%s): %v", where, e.Tool, err)
		}
		total += weight
		w.calls = append(w.calls, Call{Tool: e.Tool, Arguments: args})
		w.cumulative = append(w.cumulative, total)
	}
	if total <= 0 || math.IsInf(total, 0) {
		return nil, fmt.Errorf("%s: the weights add up to %v; give at least one call a weight above 0", name, total)
	}
	return w, nil
}

// decodeWorkFile accepts {calls: [...]} or the list alone, and refuses
// unknown keys, so that a misspelt "args" is an error and not a call
// without arguments.
func decodeWorkFile(data []byte) ([]workEntry, error) {
	var node yaml.Node
	if err := yaml.Unmarshal(data, &node); err != nil {
		return nil, err
	}
	if node.Kind != yaml.DocumentNode || len(node.Content) == 0 {
		return nil, errors.New("empty file")
	}
	top := node.Content[0]
	var entries []workEntry
	switch top.Kind {
	case yaml.SequenceNode:
		if err := strictDecode(data, &entries); err != nil {
			return nil, err
		}
	case yaml.MappingNode:
		var f workFile
		if err := strictDecode(data, &f); err != nil {
			return nil, err
		}
		entries = f.Calls
	default:
		return nil, errors.New("want a mapping with calls: or a list of calls")
	}
	return entries, nil
}

func strictDecode(data []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	return dec.Decode(v)
}
