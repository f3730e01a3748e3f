package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// cellReport tallies one client × transport run for the summary table.
type cellReport struct {
	client, library, transport string

	mu       sync.Mutex
	protocol string
	passed   int
	failures []string // "check: message"
	notes    []string // checks that do not apply to this client, and why
}

func (r *cellReport) note(n string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notes = append(r.notes, n)
}

// errNeedsOneServer is a placeholder that writes (placeholder.Writes),
// and the checks using it, on a client that starts a server per call.
var errNeedsOneServer = errors.New("it needs what an earlier call wrote, and this client starts a new server (a fresh sandbox) for every call")

func (r *cellReport) record(check string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil {
		r.passed++
		return
	}
	r.failures = append(r.failures, check+": "+err.Error())
}

// cellRun runs every check of the matrix through one connected client.
type cellRun struct {
	m         *matrixData
	reference []string // the tools the server lists, as the reference client saw them
	sess      *clientSession
	report    *cellReport

	listed map[string]listedTool
	values map[string]any
	failed map[string]error
}

// clientOnlyCapabilities are capabilities a client declares; a server
// that lists them among its own misleads clients about what it offers.
var clientOnlyCapabilities = []string{"elicitation", "roots", "sampling"}

// callsInFlight bounds the calls a process-per-call client (the
// Inspector) has running at once: each is a Node start, mostly waiting, so
// a few overlap well even on 2 cores; everything else runs one at a time.
const callsInFlight = 3

// check runs one named check as a subtest and records its outcome.
func (c *cellRun) check(t *testing.T, name string, f func(ctx context.Context, t *testing.T) error) {
	t.Run(name, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		err := f(ctx, t)
		if errors.Is(err, errNeedsOneServer) {
			c.report.note(name + ": not applicable, " + err.Error())
			t.Skip(err)
		}
		c.report.record(name, err)
		if err != nil {
			t.Error(err)
		}
	})
}

// namedCheck is one case of the data file.
type namedCheck struct {
	name string
	f    func(ctx context.Context, t *testing.T) error
}

// checkAll runs the cases in order, or callsInFlight at a time for a
// client whose calls may overlap; the data file keeps cases independent.
func (c *cellRun) checkAll(t *testing.T, checks []namedCheck) {
	if !c.sess.parallel {
		for _, k := range checks {
			c.check(t, k.name, k.f)
		}
		return
	}
	forEachBounded(len(checks), func(i int) { c.check(t, checks[i].name, checks[i].f) })
}

// forEachBounded calls f(0..n-1), callsInFlight at a time, and waits.
func forEachBounded(n int, f func(i int)) {
	sem := make(chan struct{}, callsInFlight)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			f(i)
		}()
	}
	wg.Wait()
}

func (c *cellRun) run(t *testing.T) {
	c.listed = map[string]listedTool{}
	if c.sess.capabilities == nil {
		c.report.notes = append(c.report.notes, "capabilities: not checked, the library drops capability keys it does not model")
	} else {
		c.check(t, "capabilities", func(context.Context, *testing.T) error {
			var bad []string
			for _, k := range clientOnlyCapabilities {
				if _, ok := c.sess.capabilities[k]; ok {
					bad = append(bad, k)
				}
			}
			if len(bad) > 0 {
				return fmt.Errorf("the server declares client capabilities %v among its own: %v", bad, c.sess.capabilities)
			}
			return nil
		})
	}
	c.check(t, "tools/list", c.listTools)
	if linter, ok := c.sess.client.(schemaLinter); ok {
		c.check(t, "schema-lint", func(context.Context, *testing.T) error {
			if len(c.listed) == 0 {
				return fmt.Errorf("no tool list to lint: tools/list failed")
			}
			return lintResult(linter.SchemaFindings())
		})
	}
	c.check(t, "placeholders", c.resolvePlaceholders)
	var cases []namedCheck
	for _, tc := range c.m.Tools {
		cases = append(cases, namedCheck{"call/" + tc.Name, func(ctx context.Context, t *testing.T) error { return c.validCall(ctx, t, tc) }})
		for _, ec := range tc.Errors {
			cases = append(cases, namedCheck{"error/" + tc.Name + "/" + ec.Why, func(ctx context.Context, t *testing.T) error { return c.errorCall(ctx, t, tc.Name, ec) }})
		}
	}
	c.checkAll(t, cases)
}

// listTools compares the client's tool list with the server's.
func (c *cellRun) listTools(ctx context.Context, _ *testing.T) error {
	raw, err := c.sess.client.ListTools(ctx)
	if err != nil {
		return fmt.Errorf("the client failed: %w", err)
	}
	tools, err := decodeTools(raw)
	if err != nil {
		return err
	}
	var names []string
	for _, tool := range tools {
		c.listed[tool.Name] = tool
		names = append(names, tool.Name)
	}
	sort.Strings(names)
	if diff := cmp.Diff(c.reference, names); diff != "" {
		return fmt.Errorf("the client lists other tools than the server does (-server +client):\n%s", diff)
	}
	return nil
}

// lintResult fails on any schema finding, warnings too: a warning names a
// construct some clients reject (a type array for Gemini's OpenAPI subset).
func lintResult(findings []string) error {
	if len(findings) == 0 {
		return nil
	}
	counts := map[string]int{}
	for _, f := range findings {
		rule, _, _ := strings.Cut(f, ":")
		counts[rule]++
	}
	var summary []string
	for _, rule := range slices.Sorted(maps.Keys(counts)) {
		summary = append(summary, fmt.Sprintf("%s ×%d", rule, counts[rule]))
	}
	return fmt.Errorf("Inspector --strict: %s; first: %s", strings.Join(summary, ", "), strings.Join(findings[:min(3, len(findings))], "; "))
}

// resolvePlaceholders finds every placeholder's value through the client,
// calling each distinct list once.
func (c *cellRun) resolvePlaceholders(ctx context.Context, _ *testing.T) error {
	c.values, c.failed = map[string]any{}, map[string]error{}
	answers := map[string]any{}
	errs := map[string]error{}
	if c.sess.parallel {
		c.prefetch(ctx, answers, errs)
	}
	var problems []string
	for _, p := range c.m.Placeholders {
		if p.Writes && c.sess.serverPerCall {
			c.failed[p.Name] = errNeedsOneServer
			continue
		}
		err := func() error {
			args, err := substituteArgs(p.Arguments, c.values, c.failed)
			if err != nil {
				return err
			}
			if p.Writes {
				out, err := c.writeCall(ctx, p.Call, args)
				if err != nil {
					return err
				}
				v, err := pick(out, p.Pick)
				if err != nil {
					return fmt.Errorf("%s answered, but: %w", p.Call, err)
				}
				c.values[p.Name] = v
				return nil
			}
			key, _ := json.Marshal([]any{p.Call, args})
			if _, done := answers[string(key)]; !done && errs[string(key)] == nil {
				answers[string(key)], errs[string(key)] = c.structuredCall(ctx, p.Call, args)
			}
			if err := errs[string(key)]; err != nil {
				return err
			}
			v, err := pick(answers[string(key)], p.Pick)
			if err != nil {
				return fmt.Errorf("%s answered, but: %w", p.Call, err)
			}
			c.values[p.Name] = v
			return nil
		}()
		if errors.Is(err, errNeedsOneServer) {
			c.failed[p.Name] = err
		} else if err != nil {
			c.failed[p.Name] = err
			problems = append(problems, fmt.Sprintf("$%s: %v", p.Name, err))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d of %d placeholders unresolved:\n  %s", len(problems), len(c.m.Placeholders), strings.Join(problems, "\n  "))
	}
	return nil
}

// prefetch makes the distinct calls of placeholders that depend on no
// other placeholder at once, for a client that starts a process per call.
func (c *cellRun) prefetch(ctx context.Context, answers map[string]any, errs map[string]error) {
	type call struct {
		key  string
		tool string
		args map[string]any
	}
	var calls []call
	seen := map[string]bool{}
	for _, p := range c.m.Placeholders {
		if len(refsIn(p.Arguments)) > 0 || p.Writes {
			continue
		}
		args := p.Arguments
		if args == nil {
			args = map[string]any{}
		}
		key, _ := json.Marshal([]any{p.Call, args})
		if !seen[string(key)] {
			seen[string(key)] = true
			calls = append(calls, call{string(key), p.Call, args})
		}
	}
	var mu sync.Mutex
	forEachBounded(len(calls), func(i int) {
		out, err := c.structuredCall(ctx, calls[i].tool, calls[i].args)
		mu.Lock()
		defer mu.Unlock()
		answers[calls[i].key], errs[calls[i].key] = out, err
	})
}

// structuredCall calls a tool that must succeed and returns its
// structured content.
func (c *cellRun) structuredCall(ctx context.Context, tool string, args map[string]any) (map[string]any, error) {
	res, err := c.sess.call(ctx, tool, args)
	if err != nil {
		return nil, fmt.Errorf("%s: the client failed: %w", tool, err)
	}
	if res.IsError {
		return nil, fmt.Errorf("%s failed: %s", tool, clip(res.text(), 400))
	}
	out, err := res.structured()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", tool, err)
	}
	return out, nil
}

// validCall calls a tool with its valid arguments. A destructive tool goes
// through the confirmation flow; a write must report status "done".
func (c *cellRun) validCall(ctx context.Context, t *testing.T, tc toolCases) error {
	tool, ok := c.listed[tc.Name]
	if !ok {
		return fmt.Errorf("the client did not list %s", tc.Name)
	}
	args, err := substituteArgs(tc.Arguments, c.values, c.failed)
	if err != nil {
		return err
	}
	// What the answer is checked against must be known before the call:
	// a case expecting what an earlier write made is not applicable where
	// that write is not there.
	if _, err := substitute(map[string]any(tc.Expect), c.values, c.failed); err != nil {
		return err
	}
	if tc.Plain {
		out, err := c.structuredCall(ctx, tc.Name, args)
		if err != nil {
			return err
		}
		if tc.Status != "" && out["status"] != tc.Status {
			return fmt.Errorf("status %v, want %s: %s", out["status"], tc.Status, out["message"])
		}
		return c.checkExpect(tc, out)
	}
	if !tool.destructive() {
		out, err := c.structuredCall(ctx, tc.Name, args)
		if err != nil {
			return err
		}
		if !tool.readOnly() && out["status"] != "done" {
			return fmt.Errorf("a write without confirmation must answer status done, got %v: %s", out["status"], out["message"])
		}
		return c.checkExpect(tc, out)
	}
	preview, err := c.structuredCall(ctx, tc.Name, args)
	if err != nil {
		return fmt.Errorf("preview: %w", err)
	}
	token, _ := preview["confirmation_token"].(string)
	if preview["status"] != "confirmation_required" || token == "" {
		return fmt.Errorf("a destructive write under writes.mode confirm must first answer status confirmation_required with a confirmation_token, got status %v: %s", preview["status"], preview["message"])
	}
	t.Logf("preview: %s", preview["message"])
	confirmed := maps.Clone(args)
	confirmed["confirmation_token"] = token
	done, err := c.structuredCall(ctx, tc.Name, confirmed)
	if err != nil {
		return fmt.Errorf("confirming with the token: %w", err)
	}
	if done["status"] != "done" {
		return fmt.Errorf("confirming with the token: status %v, want done: %s", done["status"], done["message"])
	}
	return c.checkExpect(tc, done)
}

// writeCall makes a placeholder's write: a destructive tool's preview,
// then the same call with its token; the answer must be status done.
func (c *cellRun) writeCall(ctx context.Context, tool string, args map[string]any) (map[string]any, error) {
	out, err := c.structuredCall(ctx, tool, args)
	if err != nil {
		return nil, err
	}
	if token, _ := out["confirmation_token"].(string); out["status"] == "confirmation_required" && token != "" {
		confirmed := maps.Clone(args)
		confirmed["confirmation_token"] = token
		if out, err = c.structuredCall(ctx, tool, confirmed); err != nil {
			return nil, fmt.Errorf("confirming with the token: %w", err)
		}
	}
	if out["status"] != "done" {
		return nil, fmt.Errorf("%s: status %v, want done: %s", tool, out["status"], out["message"])
	}
	return out, nil
}

// checkExpect compares the answer with the case's expect paths, reporting
// every difference at once.
func (c *cellRun) checkExpect(tc toolCases, out map[string]any) error {
	if len(tc.Expect) == 0 {
		return nil
	}
	want, err := substitute(map[string]any(tc.Expect), c.values, c.failed)
	if err != nil {
		return err
	}
	var diffs []string
	for _, path := range slices.Sorted(maps.Keys(tc.Expect)) {
		w := want.(map[string]any)[path]
		got, err := pick(any(out), path)
		if err != nil {
			diffs = append(diffs, err.Error())
			continue
		}
		if asText(got) != asText(w) {
			diffs = append(diffs, fmt.Sprintf("%s = %s, want %s", path, clip(asText(got), 200), asText(w)))
		}
	}
	if len(diffs) > 0 {
		return fmt.Errorf("the answer differs: %s", strings.Join(diffs, "; "))
	}
	return nil
}

// errorCall calls a tool with arguments that must fail and checks the
// error the user sees: isError, and the error object's code and message.
func (c *cellRun) errorCall(ctx context.Context, t *testing.T, tool string, ec errorCase) error {
	args, err := substituteArgs(ec.Arguments, c.values, c.failed)
	if err != nil {
		return err
	}
	res, err := c.sess.call(ctx, tool, args)
	if err != nil {
		return fmt.Errorf("the client failed instead of returning the tool error %s: %w", ec.Code, err)
	}
	if !res.IsError {
		return fmt.Errorf("succeeded, want the tool error %s: %s", ec.Code, clip(res.text(), 300))
	}
	obj, err := res.errorObject()
	if err != nil {
		return err
	}
	if err := checkErrorObject(ec, obj); err != nil {
		return err
	}
	msg, _ := obj["message"].(string)
	t.Logf("the user sees: %s: %s", ec.Code, msg)
	return nil
}

// checkErrorObject holds the error a user sees to the case: its code, a
// message, and what the case says the message and fields must name.
func checkErrorObject(ec errorCase, obj map[string]any) error {
	msg, _ := obj["message"].(string)
	if obj["code"] != ec.Code {
		return fmt.Errorf("error code %v, want %s: %s", obj["code"], ec.Code, msg)
	}
	if msg == "" {
		return fmt.Errorf("error %s has no message for the user", ec.Code)
	}
	if ec.Says != "" && !strings.Contains(msg, ec.Says) {
		return fmt.Errorf("error %s: the message does not say %q: %s", ec.Code, ec.Says, msg)
	}
	if ec.Field != "" {
		var named []string
		fields, _ := obj["fields"].([]any)
		for _, f := range fields {
			if f, ok := f.(map[string]any); ok {
				named = append(named, fmt.Sprint(f["field"]))
			}
		}
		if !slices.Contains(named, ec.Field) {
			return fmt.Errorf("error %s names the fields %v, want %s among them: %s", ec.Code, named, ec.Field, msg)
		}
	}
	return nil
}
