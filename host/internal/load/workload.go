package load

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
)

// Call is one tool call: a tool's name and its arguments, a JSON object.
type Call struct {
	Tool      string          `json:"tool"`
	Arguments json.RawMessage `json:"arguments"`
}

// Workload says which call a client makes next: always the same one
// (--tool), one drawn by weight (--workload), or the next record of a
// recording (--replay).
type Workload struct {
	// Describe names the workload in reports.
	Describe string
	calls    []Call
	// cumulative weights of a mixed workload; nil otherwise.
	cumulative []float64
	replay     bool
}

// Fixed is a workload of one call, made again and again.
func Fixed(c Call) *Workload {
	return &Workload{Describe: c.Tool, calls: []Call{c}}
}

// Calls returns the distinct calls of the workload (a replay's records in
// order).
func (w *Workload) Calls() []Call { return w.calls }

// next is the call a client makes as the workload's index-th call. A replay
// plays its records in order: the caller hands client k the indexes k,
// k+N, k+2N, ..., so the records go round-robin across the N clients, and
// the recording starts again from the top when it runs out. A mixed
// workload draws by weight from the client's own random source.
func (w *Workload) next(index int, rng *rand.Rand) Call {
	switch {
	case w.replay:
		return w.calls[index%len(w.calls)]
	case w.cumulative != nil:
		// The first entry whose cumulative weight exceeds x: entries of
		// weight 0 are never drawn.
		x := rng.Float64() * w.cumulative[len(w.cumulative)-1]
		return w.calls[sort.Search(len(w.cumulative), func(i int) bool { return w.cumulative[i] > x })]
	default:
		return w.calls[0]
	}
}

// objectArguments checks that raw is a JSON object, as MCP and the REST API
// need tool arguments to be, and returns it compacted; missing or null
// arguments are the empty object.
func objectArguments(raw []byte) (json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return json.RawMessage("{}"), nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("arguments are not valid JSON: %v", err)
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, fmt.Errorf("arguments must be a JSON object {...}, got %s", kindOf(v))
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func kindOf(v any) string {
	switch v.(type) {
	case []any:
		return "an array"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "something else"
}
