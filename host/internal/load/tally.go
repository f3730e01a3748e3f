package load

import (
	"cmp"
	"slices"
	"time"
)

// tally is what one client saw in one phase; merged after the phase, so
// no lock is taken per call.
type tally struct {
	tools map[string]*toolTally
	errs  map[errKey]*ErrorCount
}

type toolTally struct {
	lat    []time.Duration
	errors int
}

type errKey struct{ category, code string }

// ErrorCount is how often one category and code came back, with an example
// message.
type ErrorCount struct {
	Category string `json:"category"`
	Code     string `json:"code"`
	Count    int    `json:"count"`
	Example  string `json:"example,omitempty"`
}

func newTally() *tally {
	return &tally{tools: map[string]*toolTally{}, errs: map[errKey]*ErrorCount{}}
}

func (t *tally) add(tool string, d time.Duration, o Outcome) {
	tt := t.tools[tool]
	if tt == nil {
		tt = &toolTally{}
		t.tools[tool] = tt
	}
	tt.lat = append(tt.lat, d)
	if o.OK() {
		return
	}
	tt.errors++
	k := errKey{o.Category, o.Code}
	if e := t.errs[k]; e != nil {
		e.Count++
		return
	}
	t.errs[k] = &ErrorCount{Category: o.Category, Code: o.Code, Count: 1, Example: clip(o.Message)}
}

// merge adds other into t.
func (t *tally) merge(other *tally) {
	for name, o := range other.tools {
		tt := t.tools[name]
		if tt == nil {
			tt = &toolTally{}
			t.tools[name] = tt
		}
		tt.lat = append(tt.lat, o.lat...)
		tt.errors += o.errors
	}
	for k, o := range other.errs {
		if e := t.errs[k]; e != nil {
			e.Count += o.Count
			continue
		}
		c := *o
		t.errs[k] = &c
	}
}

// errors lists the error counts, most frequent first.
func (t *tally) errorList() []ErrorCount {
	out := make([]ErrorCount, 0, len(t.errs))
	for _, e := range t.errs {
		out = append(out, *e)
	}
	slices.SortFunc(out, func(a, b ErrorCount) int {
		return cmp.Or(b.Count-a.Count, cmp.Compare(a.Category, b.Category), cmp.Compare(a.Code, b.Code))
	})
	return out
}
