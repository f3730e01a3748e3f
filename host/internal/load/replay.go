package load

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
)

// maxRecord is the longest line a replay file may have: a recorded call's
// arguments can hold a whole invoice, but not a runaway file.
const maxRecord = 16 << 20

// ParseReplay reads a replay file: JSON lines, one recorded call
// {"tool": ..., "arguments": {...}} per line, played in order. Blank lines
// are skipped; unknown keys are refused.
func ParseReplay(name string, data []byte) (*Workload, error) {
	w := &Workload{replay: true}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), maxRecord)
	line := 0
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		var rec struct {
			Tool      string          `json:"tool"`
			Arguments json.RawMessage `json:"arguments"`
		}
		dec := json.NewDecoder(bytes.NewReader(text))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rec); err != nil {
			return nil, fmt.Errorf("%s:%d: want {\"tool\": ..., \"arguments\": {...}}: %v", name, line, err)
		}
		if dec.More() {
			return nil, fmt.Errorf("%s:%d: one call per line, found more after the first", name, line)
		}
		if rec.Tool == "" {
			return nil, fmt.Errorf("%s:%d: tool is missing", name, line)
		}
		args, err := objectArguments(rec.Arguments)
		if err != nil {
			return nil, fmt.Errorf("%s:%d (%s): %v", name, line, rec.Tool, err)
		}
		w.calls = append(w.calls, Call{Tool: rec.Tool, Arguments: args})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: after line %d: %v", name, line, err)
	}
	if len(w.calls) == 0 {
		return nil, fmt.Errorf("%s: no calls (want one JSON object {\"tool\": ..., \"arguments\": {...}} per line)", name)
	}
	w.Describe = fmt.Sprintf("replay: %s (%s)", name, plural(len(w.calls), "call"))
	return w, nil
}
