package load

import (
	"encoding/json"
	"testing"
)

// FuzzParseWorkload: any file either parses into calls the load tool can
// send (a tool name, arguments that are a JSON object, weights that add
// up to something drawable) or is refused with an error; it never panics.
func FuzzParseWorkload(f *testing.F) {
	for _, seed := range []string{
		"calls:\n  - tool: calculate_vat\n    arguments: {amount: 1000, direction: net_to_gross}\n    weight: 3\n",
		"- {tool: a}\n- {tool: b, weight: 0.5}\n",
		`{"calls": [{"tool": "a", "arguments": {"x": [1, 2.5, null]}, "weight": 2}]}`,
		"calls: [{tool: a, arguments: {1: x}}]",
		"calls: [{tool: a, weight: .inf}, {tool: b, weight: 1e308}, {tool: c, weight: 1e308}]",
		"calls: [{tool: a, arguments: &x {y: *x}}]",
		"calls: [{tool: a, arguments: {t: 2026-11-27}}]",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := ParseWorkload("f", data)
		if err != nil {
			return
		}
		checkCalls(t, w)
		prev := 0.0
		for i, c := range w.cumulative {
			if c < prev {
				t.Fatalf("cumulative weights go down at %d: %v", i, w.cumulative)
			}
			prev = c
		}
		if prev <= 0 {
			t.Fatalf("weights add up to %v", prev)
		}
		if len(w.cumulative) != len(w.calls) {
			t.Fatalf("%d weights for %d calls", len(w.cumulative), len(w.calls))
		}
	})
}

// FuzzParseReplay: the same promise for replay files.
func FuzzParseReplay(f *testing.F) {
	for _, seed := range []string{
		"{\"tool\":\"a\",\"arguments\":{\"x\":1}}\n\n{\"tool\":\"b\"}\n",
		`{"tool":"a","arguments":null}`,
		`{"tool":"a"} {"tool":"b"}`,
		"{\"tool\":\"a\",\"arguments\":{\"x\":\"\\u00e6\"}}\r\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := ParseReplay("f", data)
		if err != nil {
			return
		}
		checkCalls(t, w)
	})
}

func checkCalls(t *testing.T, w *Workload) {
	t.Helper()
	if len(w.Calls()) == 0 {
		t.Fatal("parsed, but no calls")
	}
	for i, c := range w.Calls() {
		if c.Tool == "" {
			t.Fatalf("call %d has no tool", i)
		}
		var obj map[string]any
		if err := json.Unmarshal(c.Arguments, &obj); err != nil || obj == nil {
			t.Fatalf("call %d's arguments are not a JSON object: %s (%v)", i, c.Arguments, err)
		}
	}
}
