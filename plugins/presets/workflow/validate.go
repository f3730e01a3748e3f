package workflow

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Problem is one thing wrong with a workflow, at a JSON path.
type Problem struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// ValidationError lists everything wrong with a workflow at once.
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		if p.Path == "" {
			parts[i] = p.Message
		} else {
			parts[i] = p.Path + ": " + p.Message
		}
	}
	return "invalid workflow: " + strings.Join(parts, "; ")
}

var (
	idPattern     = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
	toolPattern   = regexp.MustCompile(`^[a-zA-Z0-9_.-]{1,128}$`)
	inputTypes    = map[string]bool{"string": true, "number": true, "integer": true, "boolean": true, "array": true, "object": true}
	businessTypes = map[string]bool{"": true, "freelancer": true, "retail": true, "service": true, "general": true}
)

// Validate checks the workflow: the rules of the published schema and
// those a schema cannot say (step IDs unique, expressions that compile and
// name only inputs, earlier steps and the loop's variables).
func (w *Workflow) Validate() error {
	var ps []Problem
	add := func(path, format string, args ...any) {
		ps = append(ps, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
	}
	if w.Version != Version {
		add("version", "must be %d, got %d", Version, w.Version)
	}
	if !idPattern.MatchString(w.ID) {
		add("id", "must be 1 to 64 of a-z, 0-9 and _, starting with a letter, got %q", w.ID)
	}
	if !businessTypes[w.BusinessType] {
		add("business_type", "must be freelancer, retail, service or general, got %q", w.BusinessType)
	}
	inputNames := make([]string, 0, len(w.Inputs))
	for name := range w.Inputs {
		inputNames = append(inputNames, name)
	}
	sort.Strings(inputNames)
	for _, name := range inputNames {
		in := w.Inputs[name]
		if !idPattern.MatchString(name) {
			add("inputs."+name, "an input's name must be 1 to 64 of a-z, 0-9 and _, starting with a letter")
		}
		if !inputTypes[in.Type] {
			add("inputs."+name+".type", "must be string, number, integer, boolean, array or object, got %q", in.Type)
		}
	}
	if len(w.Steps) == 0 {
		add("steps", "a workflow needs at least one step")
	}
	if len(w.Steps) > MaxSteps {
		add("steps", "at most %d steps, got %d", MaxSteps, len(w.Steps))
	}
	seen := map[string]bool{}
	for i, s := range w.Steps {
		p := fmt.Sprintf("steps[%d]", i)
		if !idPattern.MatchString(s.ID) {
			add(p+".id", "must be 1 to 64 of a-z, 0-9 and _, starting with a letter, got %q", s.ID)
		} else if seen[s.ID] {
			add(p+".id", "%q is used by an earlier step; step IDs must be unique", s.ID)
		}
		if !toolPattern.MatchString(s.Tool) {
			add(p+".tool", "must name a registered tool (1 to 128 of a-z, A-Z, 0-9, _, . and -), got %q", s.Tool)
		}
		if s.As != "" && (!idPattern.MatchString(s.As) || reservedNames[s.As]) {
			add(p+".as", "must be a name (a-z, 0-9, _) other than %s, got %q", reservedList(), s.As)
		}
		if s.ForEach == "" && (s.MaxItems != 0 || s.As != "") {
			add(p+".max_items", "max_items and as go with for_each")
		}
		if s.MaxItems < 0 || s.MaxItems > MaxItems {
			add(p+".max_items", "must be 1 to %d, got %d", MaxItems, s.MaxItems)
		}
		if s.Retry != nil {
			if s.Retry.Attempts < 1 || s.Retry.Attempts > MaxAttempts {
				add(p+".retry.attempts", "must be 1 to %d, got %d", MaxAttempts, s.Retry.Attempts)
			}
			if s.Retry.Backoff < 0 || time.Duration(s.Retry.Backoff) > MaxBackoff {
				add(p+".retry.backoff", "must be 0 to %s", MaxBackoff)
			}
			if s.Retry.MaxBackoff < 0 || time.Duration(s.Retry.MaxBackoff) > MaxBackoff {
				add(p+".retry.max_backoff", "must be 0 to %s", MaxBackoff)
			}
		}
		if s.Timeout < 0 || time.Duration(s.Timeout) > MaxTimeout {
			add(p+".timeout", "must be 0 (the host's call timeout) to %s", MaxTimeout)
		}
		if s.IdempotencyKey != nil && *s.IdempotencyKey && !s.Write {
			add(p+".idempotency_key", "only a write step carries an idempotency key")
		}
		// Expressions see the inputs, the steps before this one and, in a
		// loop, the loop's variables.
		env := envShape(w, seen, "", false)
		if s.If != "" {
			checkExpr(add, p+".if", s.If, env)
		}
		if s.ForEach != "" {
			checkExpr(add, p+".for_each", s.ForEach, env)
		}
		loopEnv := env
		if s.ForEach != "" {
			loopEnv = envShape(w, seen, s.itemName(), false)
		}
		checkArgs(add, p+".args", s.Args, loopEnv)
		if s.FailIf != "" {
			checkExpr(add, p+".fail_if", s.FailIf, loopEnv)
		}
		if c := s.Compensate; c != nil {
			if !toolPattern.MatchString(c.Tool) {
				add(p+".compensate.tool", "must name a registered tool, got %q", c.Tool)
			}
			cenv := envShape(w, seen, s.itemName(), true)
			if c.If != "" {
				checkExpr(add, p+".compensate.if", c.If, cenv)
			}
			checkArgs(add, p+".compensate.args", c.Args, cenv)
		}
		if idPattern.MatchString(s.ID) {
			seen[s.ID] = true
		}
	}
	outNames := make([]string, 0, len(w.Output))
	for name := range w.Output {
		outNames = append(outNames, name)
	}
	sort.Strings(outNames)
	for _, name := range outNames {
		checkExpr(add, "output."+name, w.Output[name], envShape(w, seen, "", false))
	}
	if len(ps) > 0 {
		return &ValidationError{Problems: ps}
	}
	return nil
}

func (s *Step) itemName() string {
	if s.As != "" {
		return s.As
	}
	return "item"
}

func (s *Step) maxItems() int {
	if s.MaxItems > 0 {
		return s.MaxItems
	}
	return DefaultMaxItems
}

// takesKey says whether the step's calls carry an idempotency key.
func (s *Step) takesKey() bool {
	if !s.Write {
		return false
	}
	return s.IdempotencyKey == nil || *s.IdempotencyKey
}

// reservedNames are the variables every expression sees.
var reservedNames = map[string]bool{"inputs": true, "steps": true, "run": true, "index": true, "output": true}

func reservedList() string { return "inputs, steps, run, index and output" }

func checkArgs(add func(string, string, ...any), path string, args map[string]any, env map[string]any) {
	walkStrings(args, path, func(p, s string) {
		for _, e := range embedded(s) {
			checkExpr(add, p, e, env)
		}
	})
}

func walkStrings(v any, path string, f func(path, s string)) {
	switch t := v.(type) {
	case string:
		f(path, t)
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			walkStrings(t[k], path+"."+k, f)
		}
	case []any:
		for i, x := range t {
			walkStrings(x, fmt.Sprintf("%s[%d]", path, i), f)
		}
	}
}

func checkExpr(add func(string, string, ...any), path, src string, env map[string]any) {
	if len(src) > MaxExprLen {
		add(path, "an expression is at most %d characters", MaxExprLen)
		return
	}
	if _, err := compile(src, env); err != nil {
		add(path, "expression %q: %s", src, oneLine(err.Error()))
	}
}

func oneLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
