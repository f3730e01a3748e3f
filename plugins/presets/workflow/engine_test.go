package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/google/go-cmp/cmp"
)

// fakeTools answers CallTool from functions and records every call as
// "tool {args}".
type fakeTools struct {
	tools map[string]func(args map[string]any) (any, error)
	calls []string
}

func (f *fakeTools) CallTool(ctx context.Context, name string, args map[string]any) (any, error) {
	b, _ := json.Marshal(args)
	f.calls = append(f.calls, name+" "+string(b))
	fn, ok := f.tools[name]
	if !ok {
		return nil, sdk.NotFound("tool_not_found", "no tool %s", name)
	}
	out, err := fn(args)
	if err != nil {
		return nil, err
	}
	// As the host delivers it: JSON.
	b, _ = json.Marshal(out)
	var v any
	_ = json.Unmarshal(b, &v)
	return v, nil
}

func (f *fakeTools) Progress(context.Context, int, int, string) {}

func newTestEngine() *Engine {
	n := 0
	e := NewEngine(NewMemoryStore(), func() string { n++; return fmt.Sprintf("r%d", n) })
	e.Now = func() time.Time { return time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC) }
	e.Sleep = func(context.Context, time.Duration) error { return nil }
	return e
}

func mustParse(t *testing.T, src string) *Workflow {
	t.Helper()
	w, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// echo returns its arguments, and a counter.
func echo(args map[string]any) (any, error) { return args, nil }

func unavailable(times int) func(map[string]any) (any, error) {
	n := 0
	return func(args map[string]any) (any, error) {
		n++
		if n <= times {
			return nil, sdk.NewError(sdk.CategoryUpstreamUnavailable, "upstream_unavailable", "Billy is down")
		}
		return map[string]any{"ok": true}, nil
	}
}

func TestEngine(t *testing.T) {
	created := 0
	createDraft := func(args map[string]any) (any, error) {
		created++
		return map[string]any{"status": "done", "record": map[string]any{"id": fmt.Sprintf("inv%d", created), "contactId": args["contactId"]}}, nil
	}
	tests := []struct {
		name      string
		workflow  string
		inputs    map[string]any
		dryRun    bool
		tools     map[string]func(map[string]any) (any, error)
		status    string
		calls     []string
		output    map[string]any
		errorCode string
	}{
		{
			name: "outputs flow into later steps",
			workflow: `{"version":1,"id":"w","inputs":{"name":{"type":"string","required":true}},
				"steps":[{"id":"a","tool":"echo","args":{"n":"${{ inputs.name }}"}},
				         {"id":"b","tool":"echo","args":{"m":"hej ${{ steps.a.output.n }}!","len":"${{ len(inputs.name) }}"}}],
				"output":{"greeting":"steps.b.output.m"}}`,
			inputs: map[string]any{"name": "Ada"},
			tools:  map[string]func(map[string]any) (any, error){"echo": echo},
			status: RunSucceeded,
			calls:  []string{`echo {"n":"Ada"}`, `echo {"len":3,"m":"hej Ada!"}`},
			output: map[string]any{"greeting": "hej Ada!"},
		},
		{
			name: "if false skips the step",
			workflow: `{"version":1,"id":"w","inputs":{"send":{"type":"boolean","default":false}},
				"steps":[{"id":"a","tool":"echo","if":"inputs.send"},{"id":"b","tool":"echo","args":{"a":"${{ steps.a.status }}"}}]}`,
			tools:  map[string]func(map[string]any) (any, error){"echo": echo},
			status: RunSucceeded,
			calls:  []string{`echo {"a":"skipped"}`},
			output: map[string]any{},
		},
		{
			name: "for_each calls once per item and collects outputs",
			workflow: `{"version":1,"id":"w","inputs":{"xs":{"type":"array"}},
				"steps":[{"id":"a","tool":"echo","for_each":"inputs.xs","as":"x","args":{"x":"${{ x }}","i":"${{ index }}"}}],
				"output":{"n":"len(steps.a.outputs)","last":"steps.a.outputs[1].x"}}`,
			inputs: map[string]any{"xs": []any{"p", "q"}},
			tools:  map[string]func(map[string]any) (any, error){"echo": echo},
			status: RunSucceeded,
			calls:  []string{`echo {"i":0,"x":"p"}`, `echo {"i":1,"x":"q"}`},
			output: map[string]any{"n": 2, "last": "q"},
		},
		{
			name: "for_each over max_items fails before calling",
			workflow: `{"version":1,"id":"w","inputs":{"xs":{"type":"array"}},
				"steps":[{"id":"a","tool":"echo","for_each":"inputs.xs","max_items":1}]}`,
			inputs:    map[string]any{"xs": []any{1, 2}},
			tools:     map[string]func(map[string]any) (any, error){"echo": echo},
			status:    RunFailed,
			errorCode: "for_each_too_many_items",
		},
		{
			name:     "retryable errors are retried up to attempts",
			workflow: `{"version":1,"id":"w","steps":[{"id":"a","tool":"flaky","retry":{"attempts":3,"backoff":"1s"}}]}`,
			tools:    map[string]func(map[string]any) (any, error){"flaky": unavailable(2)},
			status:   RunSucceeded,
			calls:    []string{`flaky {}`, `flaky {}`, `flaky {}`},
			output:   map[string]any{},
		},
		{
			name:      "attempts run out",
			workflow:  `{"version":1,"id":"w","steps":[{"id":"a","tool":"flaky","retry":{"attempts":2}}]}`,
			tools:     map[string]func(map[string]any) (any, error){"flaky": unavailable(5)},
			status:    RunFailed,
			calls:     []string{`flaky {}`, `flaky {}`},
			errorCode: "upstream_unavailable",
		},
		{
			name:     "validation errors are not retried",
			workflow: `{"version":1,"id":"w","steps":[{"id":"a","tool":"bad","retry":{"attempts":5}}]}`,
			tools: map[string]func(map[string]any) (any, error){"bad": func(map[string]any) (any, error) {
				return nil, sdk.Invalid("contactId", "no such contact")
			}},
			status:    RunFailed,
			calls:     []string{`bad {}`},
			errorCode: sdk.CodeInvalidArguments,
		},
		{
			name:     "a write whose outcome is unknown is never retried",
			workflow: `{"version":1,"id":"w","steps":[{"id":"a","tool":"w","write":true,"retry":{"attempts":5}}]}`,
			tools: map[string]func(map[string]any) (any, error){"w": func(map[string]any) (any, error) {
				e := sdk.NewError(sdk.CategoryUpstreamUnavailable, "write_outcome_unknown", "maybe written")
				e.Retryable = true // even when marked so
				return nil, e
			}},
			status:    RunCompFailed, // the write may have happened: not "nothing half-done"
			calls:     []string{`w {"idempotency_key":"preset-r1-a-0"}`},
			errorCode: "write_outcome_unknown",
		},
		{
			name: "a failure undoes what was done, in reverse order",
			workflow: `{"version":1,"id":"w","inputs":{"cs":{"type":"array"}},"steps":[
				{"id":"draft","tool":"create_invoice","write":true,"for_each":"inputs.cs","args":{"contactId":"${{ item }}"},
				 "compensate":{"tool":"delete_invoice","args":{"id":"${{ output.record.id }}"}}},
				{"id":"boom","tool":"bad"}]}`,
			inputs: map[string]any{"cs": []any{"c1", "c2"}},
			tools: map[string]func(map[string]any) (any, error){"create_invoice": createDraft, "delete_invoice": echo,
				"bad": func(map[string]any) (any, error) { return nil, sdk.NewError(sdk.CategoryConflict, "nope", "no") }},
			status: RunFailed,
			calls: []string{`create_invoice {"contactId":"c1","idempotency_key":"preset-r1-draft-0"}`,
				`create_invoice {"contactId":"c2","idempotency_key":"preset-r1-draft-1"}`, `bad {}`,
				`delete_invoice {"id":"inv2"}`, `delete_invoice {"id":"inv1"}`},
			errorCode: "nope",
		},
		{
			name: "continue_on_error goes on",
			workflow: `{"version":1,"id":"w","steps":[{"id":"a","tool":"bad","continue_on_error":true},
				{"id":"b","tool":"echo","args":{"s":"${{ steps.a.status }}"}}]}`,
			tools: map[string]func(map[string]any) (any, error){"echo": echo,
				"bad": func(map[string]any) (any, error) { return nil, sdk.NewError(sdk.CategoryConflict, "nope", "no") }},
			status: RunSucceeded,
			calls:  []string{`bad {}`, `echo {"s":"failed"}`},
			output: map[string]any{},
		},
		{
			name: "dry run calls reads and no writes",
			workflow: `{"version":1,"id":"w","steps":[{"id":"r","tool":"echo","args":{"a":1}},
				{"id":"w","tool":"create_invoice","write":true,"args":{"contactId":"${{ steps.r.output.a }}"}}]}`,
			dryRun: true,
			tools:  map[string]func(map[string]any) (any, error){"echo": echo, "create_invoice": createDraft},
			status: RunDryRun,
			calls:  []string{`echo {"a":1}`},
			output: map[string]any{},
		},
		{
			name: "fail_if stops the run before the call and undoes",
			workflow: `{"version":1,"id":"w","inputs":{"ean":{"type":"string"}},"steps":[
				{"id":"a","tool":"create","write":true,"compensate":{"tool":"delete","args":{"id":"${{ output.id }}"}}},
				{"id":"b","tool":"echo","fail_if":"!(inputs.ean matches '^57[0-9]{11}$')","fail_message":"bad EAN"}]}`,
			inputs: map[string]any{"ean": "123"},
			tools: map[string]func(map[string]any) (any, error){"echo": echo, "delete": echo,
				"create": func(map[string]any) (any, error) { return map[string]any{"id": "d1"}, nil }},
			status:    RunFailed,
			calls:     []string{`create {"idempotency_key":"preset-r1-a-0"}`, `delete {"id":"d1"}`},
			errorCode: "precondition_failed",
		},
		{
			name: "a compensation that fails leaves the run compensation_failed",
			workflow: `{"version":1,"id":"w","steps":[
				{"id":"a","tool":"create","write":true,"compensate":{"tool":"bad","args":{"id":"${{ output.id }}"}}},
				{"id":"b","tool":"bad"}]}`,
			tools: map[string]func(map[string]any) (any, error){
				"create": func(map[string]any) (any, error) { return map[string]any{"id": "d1"}, nil },
				"bad":    func(map[string]any) (any, error) { return nil, sdk.NewError(sdk.CategoryConflict, "nope", "no") }},
			status:    RunCompFailed,
			calls:     []string{`create {"idempotency_key":"preset-r1-a-0"}`, `bad {}`, `bad {"id":"d1"}`},
			errorCode: "nope",
		},
		{
			name:     "a nil expression leaves the argument out",
			workflow: `{"version":1,"id":"w","inputs":{"d":{"type":"string"}},"steps":[{"id":"a","tool":"echo","args":{"date":"${{ inputs.d }}","x":1}}]}`,
			tools:    map[string]func(map[string]any) (any, error){"echo": echo},
			status:   RunSucceeded,
			calls:    []string{`echo {"x":1}`},
			output:   map[string]any{},
		},
		{
			name:     "a key the host still holds is waited for, without using an attempt",
			workflow: `{"version":1,"id":"w","steps":[{"id":"a","tool":"w","write":true}]}`,
			tools: map[string]func(map[string]any) (any, error){"w": func() func(map[string]any) (any, error) {
				n := 0
				return func(map[string]any) (any, error) {
					n++
					if n < 3 {
						return nil, &sdk.Error{Code: "idempotency_key_in_use", Category: sdk.CategoryConflict, Retryable: true, RetryAfterSeconds: 1}
					}
					return map[string]any{"id": "x"}, nil
				}
			}()},
			status: RunSucceeded,
			calls:  []string{`w {"idempotency_key":"preset-r1-a-0"}`, `w {"idempotency_key":"preset-r1-a-0"}`, `w {"idempotency_key":"preset-r1-a-0"}`},
			output: map[string]any{},
		},
		{
			name:     "a key held too long makes the outcome unknown",
			workflow: `{"version":1,"id":"w","steps":[{"id":"a","tool":"w","write":true}]}`,
			tools: map[string]func(map[string]any) (any, error){"w": func(map[string]any) (any, error) {
				return nil, &sdk.Error{Code: "idempotency_key_settling", Category: sdk.CategoryUpstreamUnavailable, Retryable: true, RetryAfterSeconds: 100}
			}},
			status:    RunCompFailed,
			calls:     []string{`w {"idempotency_key":"preset-r1-a-0"}`, `w {"idempotency_key":"preset-r1-a-0"}`},
			errorCode: "write_outcome_unknown",
		},
		{
			name:     "a step marked confirm pauses before calling",
			workflow: `{"version":1,"id":"w","steps":[{"id":"a","tool":"echo","confirm":true,"args":{"x":1}}]}`,
			tools:    map[string]func(map[string]any) (any, error){"echo": echo},
			status:   RunWaiting,
		},
		{
			name:     "a tool asking for confirmation pauses the run",
			workflow: `{"version":1,"id":"w","steps":[{"id":"a","tool":"approve","write":true}]}`,
			tools: map[string]func(map[string]any) (any, error){"approve": func(map[string]any) (any, error) {
				return map[string]any{"status": "confirmation_required", "confirmation_token": "tok", "preview": map[string]any{"action": "approve"}}, nil
			}},
			status: RunWaiting,
			calls:  []string{`approve {"idempotency_key":"preset-r1-a-0"}`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			created = 0
			e := newTestEngine()
			f := &fakeTools{tools: tt.tools}
			r, err := e.Start(context.Background(), f, mustParse(t, tt.workflow), "w", "org", "sub", tt.inputs, tt.dryRun)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != tt.status {
				t.Errorf("status %s, want %s (error %+v)", r.Status, tt.status, r.Error)
			}
			if diff := cmp.Diff(tt.calls, f.calls); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			if tt.output != nil {
				if diff := cmp.Diff(tt.output, r.Output); diff != "" {
					t.Errorf("output (-want +got):\n%s", diff)
				}
			}
			code := ""
			if r.Error != nil {
				code = r.Error.Code
			}
			if code != tt.errorCode {
				t.Errorf("error code %q, want %q", code, tt.errorCode)
			}
			stored, err := e.Store.Get(context.Background(), r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if stored.Status != r.Status {
				t.Errorf("stored status %s, want %s", stored.Status, r.Status)
			}
		})
	}
}

func TestConfirmation(t *testing.T) {
	const wf = `{"version":1,"id":"w","steps":[
		{"id":"draft","tool":"create","write":true,"compensate":{"tool":"delete","args":{"id":"${{ output.id }}"}}},
		{"id":"approve","tool":"approve","write":true,"args":{"id":"${{ steps.draft.output.id }}"}}]}`
	approve := func(args map[string]any) (any, error) {
		if args["confirmation_token"] == "tok" {
			return map[string]any{"status": "done"}, nil
		}
		return map[string]any{"status": "confirmation_required", "confirmation_token": "tok", "preview": "approve d1"}, nil
	}
	tools := map[string]func(map[string]any) (any, error){
		"create":  func(map[string]any) (any, error) { return map[string]any{"id": "d1"}, nil },
		"delete":  echo,
		"approve": approve,
	}
	for _, tt := range []struct {
		confirm bool
		status  string
		calls   []string
	}{
		{true, RunSucceeded, []string{`create {"idempotency_key":"preset-r1-draft-0"}`, `approve {"id":"d1","idempotency_key":"preset-r1-approve-0"}`,
			`approve {"confirmation_token":"tok","id":"d1","idempotency_key":"preset-r1-approve-0"}`}},
		{false, RunFailed, []string{`create {"idempotency_key":"preset-r1-draft-0"}`, `approve {"id":"d1","idempotency_key":"preset-r1-approve-0"}`,
			`delete {"id":"d1"}`}},
	} {
		t.Run(fmt.Sprint(tt.confirm), func(t *testing.T) {
			e := newTestEngine()
			f := &fakeTools{tools: tools}
			r, err := e.Start(context.Background(), f, mustParse(t, wf), "w", "org", "sub", nil, false)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != RunWaiting || r.Waiting == nil || r.Waiting.Step != "approve" {
				t.Fatalf("run %s waiting %+v, want waiting at approve", r.Status, r.Waiting)
			}
			// Resume from the store, as a later call does.
			stored, _ := e.Store.Get(context.Background(), r.ID)
			r, err = e.Resume(context.Background(), f, stored, &tt.confirm)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != tt.status {
				t.Errorf("status %s, want %s (%+v)", r.Status, tt.status, r.Error)
			}
			if diff := cmp.Diff(tt.calls, f.calls); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
		})
	}
}

// TestResumeAfterCrash plays a process that died after sending a write:
// the stored run says the step started; the resumed run calls it again
// with the same idempotency key (the host answers it from its record) and
// never calls a step that was done.
func TestResumeAfterCrash(t *testing.T) {
	const wf = `{"version":1,"id":"w","steps":[
		{"id":"a","tool":"create","write":true},
		{"id":"b","tool":"create","write":true,"args":{"after":"${{ steps.a.output.id }}"}},
		{"id":"c","tool":"echo","args":{"b":"${{ steps.b.output.id }}"}}]}`
	n := 0
	crash := true
	ctx, cancel := context.WithCancel(context.Background())
	tools := map[string]func(map[string]any) (any, error){
		"create": func(args map[string]any) (any, error) {
			n++
			if args["after"] != nil && crash {
				cancel() // the process dies with this call in flight
				return nil, context.Canceled
			}
			return map[string]any{"id": fmt.Sprintf("x%d", n)}, nil
		},
		"echo": echo,
	}
	e := newTestEngine()
	f := &fakeTools{tools: tools}
	r, err := e.Start(ctx, f, mustParse(t, wf), "w", "org", "sub", nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != RunInterrupted {
		t.Fatalf("status %s, want interrupted", r.Status)
	}
	stored, _ := e.Store.Get(context.Background(), r.ID)
	if got := stored.Steps["b"].Iterations[0].Status; got != StepStarted {
		t.Fatalf("step b is %s in the store, want started", got)
	}
	crash = false
	r, err = e.Resume(context.Background(), f, stored, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`create {"idempotency_key":"preset-r1-a-0"}`, `create {"after":"x1","idempotency_key":"preset-r1-b-0"}`,
		`create {"after":"x1","idempotency_key":"preset-r1-b-0"}`, `echo {"b":"x3"}`}
	if diff := cmp.Diff(want, f.calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if r.Status != RunSucceeded {
		t.Errorf("status %s, want succeeded", r.Status)
	}
}

func TestCancel(t *testing.T) {
	const wf = `{"version":1,"id":"w","steps":[
		{"id":"a","tool":"create","write":true,"compensate":{"tool":"delete","args":{"id":"${{ output.id }}"}}},
		{"id":"b","tool":"echo","confirm":true}]}`
	e := newTestEngine()
	f := &fakeTools{tools: map[string]func(map[string]any) (any, error){
		"create": func(map[string]any) (any, error) { return map[string]any{"id": "d1"}, nil }, "delete": echo, "echo": echo}}
	r, err := e.Start(context.Background(), f, mustParse(t, wf), "w", "org", "sub", nil, false)
	if err != nil || r.Status != RunWaiting {
		t.Fatalf("start: %v %s", err, r.Status)
	}
	r, err = e.Cancel(context.Background(), f, r, true)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != RunCancelled {
		t.Errorf("status %s, want cancelled", r.Status)
	}
	want := []string{`create {"idempotency_key":"preset-r1-a-0"}`, `delete {"id":"d1"}`}
	if diff := cmp.Diff(want, f.calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

func TestTimeout(t *testing.T) {
	const wf = `{"version":1,"id":"w","steps":[{"id":"a","tool":"slow","write":true,"timeout":"10ms","retry":{"attempts":3}}]}`
	e := newTestEngine()
	f := &fakeTools{tools: map[string]func(map[string]any) (any, error){}}
	slow := &slowCaller{fakeTools: f}
	r, err := e.Start(context.Background(), slow, mustParse(t, wf), "w", "org", "sub", nil, false)
	if err != nil {
		t.Fatal(err)
	}
	// A write cut off may have happened: not retried, reported unknown.
	if r.Error == nil || r.Error.Code != "write_outcome_unknown" || len(f.calls) != 1 {
		t.Errorf("error %+v after %d calls, want write_outcome_unknown after 1", r.Error, len(f.calls))
	}
}

// slowCaller answers only when the context ends.
type slowCaller struct{ *fakeTools }

func (s *slowCaller) CallTool(ctx context.Context, name string, args map[string]any) (any, error) {
	s.calls = append(s.calls, name)
	<-ctx.Done()
	return nil, sdk.NewError(sdk.CategoryUpstreamUnavailable, "deadline", "%v", ctx.Err())
}

func TestValidate(t *testing.T) {
	for _, tt := range []struct {
		name, src string
		want      []string // problem paths
	}{
		{"fine", `{"version":1,"id":"ok","steps":[{"id":"a","tool":"list_invoices"}]}`, nil},
		{"version", `{"version":2,"id":"ok","steps":[{"id":"a","tool":"t"}]}`, []string{"version"}},
		{"no steps", `{"version":1,"id":"ok","steps":[]}`, []string{"steps"}},
		{"duplicate id", `{"version":1,"id":"ok","steps":[{"id":"a","tool":"t"},{"id":"a","tool":"t"}]}`, []string{"steps[1].id"}},
		{"later step", `{"version":1,"id":"ok","steps":[{"id":"a","tool":"t","args":{"x":"${{ steps.b.output }}"}},{"id":"b","tool":"t"}]}`, []string{"steps[0].args.x"}},
		{"unknown input", `{"version":1,"id":"ok","steps":[{"id":"a","tool":"t","if":"inputs.nope"}]}`, []string{"steps[0].if"}},
		{"unknown name", `{"version":1,"id":"ok","steps":[{"id":"a","tool":"t","if":"os.Exit(1)"}]}`, []string{"steps[0].if"}},
		{"item outside loop", `{"version":1,"id":"ok","steps":[{"id":"a","tool":"t","args":{"x":"${{ item }}"}}]}`, []string{"steps[0].args.x"}},
		{"max_items", `{"version":1,"id":"ok","steps":[{"id":"a","tool":"t","for_each":"[1]","max_items":501}]}`, []string{"steps[0].max_items"}},
		{"retry", `{"version":1,"id":"ok","steps":[{"id":"a","tool":"t","retry":{"attempts":0}}]}`, []string{"steps[0].retry.attempts"}},
		{"timeout", `{"version":1,"id":"ok","steps":[{"id":"a","tool":"t","timeout":"1h"}]}`, []string{"steps[0].timeout"}},
		{"key on a read", `{"version":1,"id":"ok","steps":[{"id":"a","tool":"t","idempotency_key":true}]}`, []string{"steps[0].idempotency_key"}},
		{"unknown field", `{"version":1,"id":"ok","steps":[{"id":"a","tool":"t","run":"rm -rf"}]}`, []string{""}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.src))
			var got []string
			if ve, ok := err.(*ValidationError); ok {
				for _, p := range ve.Problems {
					got = append(got, p.Path)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s\n%v", diff, err)
			}
		})
	}
}

func TestBindInputs(t *testing.T) {
	w := mustParse(t, `{"version":1,"id":"w","inputs":{"a":{"type":"integer","required":true},"b":{"type":"string","default":"x"}},"steps":[{"id":"s","tool":"t"}]}`)
	_, err := BindInputs(w, map[string]any{"c": 1, "b": 2})
	se := sdk.AsError(err)
	var fields []string
	for _, f := range se.Fields {
		fields = append(fields, f.Field)
	}
	if diff := cmp.Diff([]string{"parameters.a", "parameters.b", "parameters.c"}, fields); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	got, err := BindInputs(w, map[string]any{"a": 3})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"a": 3, "b": "x"}, got); diff != "" {
		t.Errorf("inputs (-want +got):\n%s", diff)
	}
	if !strings.Contains(se.Message, "parameters.a") {
		t.Errorf("message %q names no field", se.Message)
	}
}
