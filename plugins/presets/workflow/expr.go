package workflow

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/types"
	"github.com/expr-lang/expr/vm"
)

// maxNodes bounds an expression's size after parsing; with the library's
// memory budget (conf.DefaultMemoryBudget) it bounds what evaluating one
// can cost. Expressions call only expr's builtins: nothing of the plugin's
// or the host's.
const maxNodes = 500

// embeddedExpr finds "${{ expr }}" in a string.
var embeddedExpr = regexp.MustCompile(`\$\{\{(.*?)\}\}`)

// embedded lists the expressions in a string value.
func embedded(s string) []string {
	var out []string
	for _, m := range embeddedExpr.FindAllStringSubmatch(s, -1) {
		out = append(out, strings.TrimSpace(m[1]))
	}
	return out
}

// refChecker refuses references to steps and inputs the expression cannot
// see: a later step, a step that does not exist, an undeclared input.
type refChecker struct {
	env      map[string]any
	problems []string
}

func (r *refChecker) Visit(node *ast.Node) {
	m, ok := (*node).(*ast.MemberNode)
	if !ok {
		return
	}
	id, ok := m.Node.(*ast.IdentifierNode)
	if !ok {
		return
	}
	prop, ok := m.Property.(*ast.StringNode)
	if !ok {
		return
	}
	switch id.Value {
	case "steps", "inputs":
		known, _ := r.env[id.Value].(map[string]any)
		if _, ok := known[prop.Value]; !ok {
			what := "step before this one"
			if id.Value == "inputs" {
				what = "declared input"
			}
			r.problems = append(r.problems, fmt.Sprintf("%s.%s is no %s (known: %s)", id.Value, prop.Value, what, keyList(known)))
		}
	}
}

func keyList(m map[string]any) string {
	if len(m) == 0 {
		return "none"
	}
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ", ")
}

// compile compiles src against env's names; it fails on an unknown name.
func compile(src string, env map[string]any) (*vm.Program, error) {
	rc := &refChecker{env: env}
	// Every name is typed any: what a tool answers is known only at run
	// time, and a value that is nil now (an output not computed yet, a
	// dry run's) must not make the expression fail to compile. refChecker
	// checks the step and input names instead.
	shape := types.Map{}
	for k := range env {
		shape[k] = types.Any
	}
	prog, err := expr.Compile(src, expr.Env(shape), expr.MaxNodes(maxNodes), expr.Patch(rc),
		// repeat builds a string as long as asked: the memory budget
		// would stop it, but nothing a workflow does needs it.
		expr.DisableBuiltin("repeat"))
	if err != nil {
		return nil, err
	}
	if len(rc.problems) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(rc.problems, "; "))
	}
	return prog, nil
}

// envShape is the environment an expression is checked against: the
// declared inputs, the steps in seen, the run, and a loop's variables.
func envShape(w *Workflow, seen map[string]bool, item string, compensation bool) map[string]any {
	inputs := map[string]any{}
	for name := range w.Inputs {
		inputs[name] = nil
	}
	steps := map[string]any{}
	for id := range seen {
		steps[id] = stepView{}.asMap()
	}
	env := map[string]any{"inputs": inputs, "steps": steps, "run": runView{}.asMap()}
	if item != "" {
		env[item] = nil
		env["index"] = 0
	}
	if compensation {
		env["output"] = nil
	}
	return env
}

// stepView is what an expression sees of an earlier step.
type stepView struct {
	Status  string
	Output  any
	Outputs []any
}

func (v stepView) asMap() map[string]any {
	outs := v.Outputs
	if outs == nil {
		outs = []any{}
	}
	return map[string]any{"status": v.Status, "output": v.Output, "outputs": outs}
}

// runView is what an expression sees of the run.
type runView struct {
	ID        string
	DryRun    bool
	StartedAt string
}

func (v runView) asMap() map[string]any {
	return map[string]any{"id": v.ID, "dry_run": v.DryRun, "started_at": v.StartedAt}
}

// eval evaluates src in env.
func eval(src string, env map[string]any) (any, error) {
	prog, err := compile(src, env)
	if err != nil {
		return nil, err
	}
	return expr.Run(prog, env)
}

// evalBool evaluates a condition; it must give a boolean.
func evalBool(src string, env map[string]any) (bool, error) {
	v, err := eval(src, env)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("expression %q gave %T, not a boolean", src, v)
	}
	return b, nil
}

// resolve replaces the expressions in v (args of a step): a string that is
// exactly one "${{ e }}" becomes e's value, any other string with
// expressions their text.
func resolve(v any, env map[string]any) (any, error) {
	switch t := v.(type) {
	case string:
		ms := embeddedExpr.FindAllStringSubmatchIndex(t, -1)
		if len(ms) == 0 {
			return t, nil
		}
		if len(ms) == 1 && ms[0][0] == 0 && ms[0][1] == len(t) {
			src := strings.TrimSpace(t[ms[0][2]:ms[0][3]])
			x, err := eval(src, env)
			if err != nil {
				return nil, err
			}
			return x, exactNumbers(src, x)
		}
		var b strings.Builder
		last := 0
		for _, m := range ms {
			b.WriteString(t[last:m[0]])
			src := strings.TrimSpace(t[m[2]:m[3]])
			x, err := eval(src, env)
			if err != nil {
				return nil, err
			}
			if err := exactNumbers(src, x); err != nil {
				return nil, err
			}
			b.WriteString(text(x))
			last = m[1]
		}
		b.WriteString(t[last:])
		return b.String(), nil
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			r, err := resolve(x, env)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			if r == nil {
				continue // an expression that gives nil leaves the field out
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			r, err := resolve(x, env)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = r
		}
		return out, nil
	default:
		return v, nil
	}
}

// maxDecimals is the most decimal places a number an expression gives may
// have: Billy takes unit prices to 4 places and exports (Dinero's) carry 6.
const maxDecimals = 6

// exactNumbers refuses a value that holds a binary floating-point artefact.
// expr computes in float64, so 0.1 + 0.2 gives 0.30000000000000004; sent
// to Billy as an amount that is money a few atoms off. Numbers read from
// tool outputs and literals survive unchanged (their shortest form is the
// decimal they came from), as do the results of arithmetic rounded in the
// expression (round(x * 100) / 100); anything with more than maxDecimals
// places is refused, naming the expression and the fix, before a tool is
// called.
func exactNumbers(src string, v any) error {
	switch t := v.(type) {
	case float64:
		s := strconv.FormatFloat(t, 'f', -1, 64)
		if _, frac, ok := strings.Cut(s, "."); ok && len(frac) > maxDecimals {
			return fmt.Errorf("expression %q gave %s, a binary floating-point result and not an exact amount; round it in the expression, e.g. round(x * 100) / 100 for kroner and øre", src, s)
		}
	case float32:
		return exactNumbers(src, float64(t))
	case map[string]any:
		for _, x := range t {
			if err := exactNumbers(src, x); err != nil {
				return err
			}
		}
	case []any:
		for _, x := range t {
			if err := exactNumbers(src, x); err != nil {
				return err
			}
		}
	}
	return nil
}

// text is a value as it reads inside a string.
func text(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case fmt.Stringer:
		return t.String()
	case map[string]any, []any:
		b, _ := json.Marshal(t)
		return string(b)
	default:
		return fmt.Sprint(t)
	}
}

// plain turns JSON numbers (json.Number, as Parse reads them) into int or
// float64 so that expressions compute with them, and leaves the rest.
func plain(v any) any {
	switch t := v.(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return int(i)
		}
		f, _ := t.Float64()
		return f
	case float64:
		if t == float64(int(t)) && t < 1e15 && t > -1e15 {
			return int(t)
		}
		return t
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = plain(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = plain(x)
		}
		return out
	default:
		return v
	}
}
