package main

import (
	"context"
	"fmt"
	"time"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// The fixtures of the Tasks extension's scenarios (io.modelcontextprotocol/
// tasks, SEP-2663). A tool says it does long work (ToolSpec.Task) and
// reports progress as any tool does; the host runs it as a task for
// clients that take one, keeps its state in the durable store, and serves
// tasks/get, tasks/update and tasks/cancel.

// taskSpec is a fixture that may run as a task.
func taskSpec(name, description string, support sdk.TaskSupport) sdk.ToolSpec {
	s := spec(name, description)
	s.Task = support
	return s
}

// GreetInput is greet's input.
type GreetInput struct {
	Name string `json:"name" jsonschema:"who to greet"`
}

// SlowInput is slow_compute's input.
type SlowInput struct {
	Seconds int    `json:"seconds" jsonschema:"how long to work, 0 to 600 seconds"`
	Label   string `json:"label,omitempty" jsonschema:"a name for the work, repeated in the result"`
}

// ConfirmDeleteInput is confirm_delete's input.
type ConfirmDeleteInput struct {
	Filename string `json:"filename" jsonschema:"the file to (pretend to) delete"`
}

// maxSlow bounds slow_compute.
const maxSlow = 600

func taskTools() []sdk.Tool {
	deferred := taskSpec("test_tool_with_task",
		"Conformance fixture: asks the user's name (a multi round trip), then runs as a task that greets them.", sdk.TaskRequired)
	deferred.DeferTask = true
	return []sdk.Tool{
		sdk.NewTool(spec("greet", "Conformance fixture: greets by name, at once (never a task)."),
			func(_ context.Context, _ *sdk.Call, in GreetInput) (*sdk.Result, error) {
				return sdk.Text("Hello, " + in.Name + "!"), nil
			}),
		sdk.NewTool(taskSpec("slow_compute",
			"Conformance fixture: works for the given seconds, reporting progress every second; runs as a task.", sdk.TaskOptional), slowCompute),
		sdk.NewTool(taskSpec("failing_job",
			"Conformance fixture: a task that fails as a tool (isError) after about a second.", sdk.TaskRequired),
			func(ctx context.Context, _ *sdk.Call, _ struct{}) (*sdk.Result, error) {
				if err := pause(ctx, time.Second); err != nil {
					return nil, err
				}
				return nil, sdk.NewError(sdk.CategoryConflict, "job_failed", "the job failed, as this fixture always does")
			}),
		sdk.NewTool(taskSpec("protocol_error_job",
			"Conformance fixture: a task whose handler panics, an internal failure (the task fails).", sdk.TaskOptional),
			func(context.Context, *sdk.Call, struct{}) (*sdk.Result, error) {
				panic("protocol_error_job fails on purpose")
			}),
		sdk.NewTool(taskSpec("confirm_delete",
			"Conformance fixture: a task that asks the user to confirm, then reports; it deletes nothing.", sdk.TaskOptional), confirmDelete),
		sdk.NewTool(taskSpec("multi_input",
			"Conformance fixture: a task that asks the user two questions at once.", sdk.TaskOptional), multiInput),
		sdk.NewTool(deferred, greetAsTask),
	}
}

func slowCompute(ctx context.Context, call *sdk.Call, in SlowInput) (*sdk.Result, error) {
	if in.Seconds < 0 || in.Seconds > maxSlow {
		return nil, sdk.Invalid("seconds", "must be 0 to %d", maxSlow)
	}
	for s := 1; s <= in.Seconds; s++ {
		if err := pause(ctx, time.Second); err != nil {
			return nil, err
		}
		if err := call.Host.Progress(ctx, float64(s), float64(in.Seconds), "computing "+in.Label); err != nil {
			return nil, err
		}
	}
	return sdk.Text(fmt.Sprintf("Computed %q in %d seconds", in.Label, in.Seconds)), nil
}

func confirmDelete(ctx context.Context, call *sdk.Call, in ConfirmDeleteInput) (*sdk.Result, error) {
	answers, err := call.Host.Ask(ctx, sdk.Question{Key: "confirm", Elicit: &sdk.ElicitQuestion{
		Message: "Delete " + in.Filename + "?", Schema: object("confirm", "boolean")}})
	if err != nil {
		return nil, err
	}
	a := answers[0].Elicit
	if a.Action != "accept" || a.Content["confirm"] != true {
		return sdk.Text("Kept " + in.Filename + ": the user did not confirm"), nil
	}
	return sdk.Text("Deleted " + in.Filename + " (a fixture: nothing was touched)"), nil
}

func multiInput(ctx context.Context, call *sdk.Call, _ struct{}) (*sdk.Result, error) {
	answers, err := call.Host.Ask(ctx,
		sdk.Question{Key: "first", Elicit: &sdk.ElicitQuestion{Message: "First answer?", Schema: object("name", "string")}},
		sdk.Question{Key: "second", Elicit: &sdk.ElicitQuestion{Message: "Second answer?", Schema: object("name", "string")}})
	if err != nil {
		return nil, err
	}
	return sdk.Text(describe(answers)), nil
}

// greetAsTask asks first, as an ordinary call, then becomes a task.
func greetAsTask(ctx context.Context, call *sdk.Call, _ struct{}) (*sdk.Result, error) {
	answers, err := call.Host.Ask(ctx, askUserName)
	if err != nil {
		return nil, err
	}
	if err := call.Host.StartTask(ctx); err != nil {
		return nil, err
	}
	if err := pause(ctx, 300*time.Millisecond); err != nil {
		return nil, err
	}
	return sdk.Text(fmt.Sprintf("Hello, %v! (greeted from a task)", answers[0].Elicit.Content["name"])), nil
}
