package sdk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"reflect"
)

// Effect says what a tool does to the world. It becomes the MCP annotations
// clients use to decide whether to ask the user first, so it must be honest.
type Effect int

const (
	// EffectUnset is the zero value; NewTool refuses it, so every tool
	// states its effect.
	EffectUnset Effect = iota
	// ReadOnly tools change nothing.
	ReadOnly
	// Additive tools write, but only add or change in ways that can be undone
	// (create a draft, update a contact).
	Additive
	// Destructive tools do something that cannot be undone (approve an
	// invoice, void it, send an email).
	Destructive
)

// ToolSpec describes a tool. Name and Description are required.
type ToolSpec struct {
	// Name is the tool's unique name, [a-zA-Z0-9_-]{1,64}.
	Name  string
	Title string
	// Description tells the model what the tool does and when to use it.
	Description string
	Effect      Effect
	// Idempotent tools can be called twice with the same arguments to the
	// same effect as once.
	Idempotent bool
	// ClosedWorld tools touch nothing outside the deployment (pure
	// computation). Tools that reach Billy are open-world.
	ClosedWorld bool
	// Category groups tools for discovery, e.g. "invoices".
	Category string
	// Scopes the caller must hold, e.g. "invoices:read".
	Scopes   []string
	Examples []Example
	// FullOutputSchema publishes the complete output schema (nested shapes,
	// field descriptions) instead of the lean default: the top-level fields
	// and their types. Every byte of it is in every client's context, so
	// keep the default unless clients need the rest to use the output.
	FullOutputSchema bool
	// InputSchema, when set, is the tool's input schema as it is, instead
	// of the one derived from the handler's input type: for what Go types
	// cannot say ($defs and $ref, if/then/else, an x-mcp-header annotation
	// that mirrors an argument into an HTTP header). It is JSON Schema
	// 2020-12 (MCP's dialect; a "$schema" naming it may be given), must
	// describe an object, and the host validates arguments against it
	// before the handler runs. The input type (a struct, or json.RawMessage
	// to take the arguments as they are) must accept what it allows.
	InputSchema json.RawMessage
	// Task says the tool does long work that a client may hold as a task
	// (MCP's Tasks extension) instead of waiting: TaskOptional or
	// TaskRequired. Report progress with Host.Progress as usual; the host
	// keeps the task's status, result and questions in its durable store,
	// where any instance answers for it.
	Task TaskSupport
	// DeferTask, with Task set, lets the call run as an ordinary call until
	// the handler calls Host.StartTask, so that it can ask its questions
	// first (answered in multi round trips) and become a task only for its
	// long part. Without it, the task starts with the call.
	DeferTask bool
}

// TaskSupport says whether a tool's calls may run as tasks.
type TaskSupport int

const (
	// TaskNone: never a task (the default).
	TaskNone TaskSupport = iota
	// TaskOptional: a task for clients that run tasks; others wait for the
	// result.
	TaskOptional
	// TaskRequired: only as a task; a client that does not run tasks is
	// refused (MCP error -32021, naming the Tasks extension).
	TaskRequired
)

// Example is a worked call shown to clients in the tool's metadata.
type Example struct {
	Title     string
	Arguments any
}

// Tool is a declared tool, ready to be listed in Plugin.Tools.
type Tool struct {
	spec         ToolSpec
	inputSchema  json.RawMessage
	outputSchema json.RawMessage // nil when the tool returns *Result
	call         func(ctx context.Context, call *Call, args json.RawMessage) (*Result, error)
	err          error // a declaration error, reported by Serve
}

// Name returns the tool's name.
func (t Tool) Name() string { return t.spec.Name }

// Spec returns the tool's declaration.
func (t Tool) Spec() ToolSpec { return t.spec }

// InputSchema returns the JSON Schema of the tool's arguments.
func (t Tool) InputSchema() json.RawMessage { return t.inputSchema }

// OutputSchema returns the JSON Schema of the tool's structured output, or nil.
func (t Tool) OutputSchema() json.RawMessage { return t.outputSchema }

// NewTool declares a tool with a typed handler. In must be a struct type: its
// JSON Schema is the tool's input schema (fields without omitempty are
// required; a `jsonschema:"..."` tag is the field's description). Out's value
// is the structured content and its schema the output schema, in the lean
// form clients pay least context for (top-level fields and their types; see
// ToolSpec.FullOutputSchema), unless Out is *Result, which lets the handler
// shape the content by hand.
//
// Declaration mistakes (a bad name, no description, an unset Effect, a type
// without a schema) are reported when the plugin starts, not at call time.
func NewTool[In, Out any](spec ToolSpec, handler func(ctx context.Context, call *Call, in In) (Out, error)) Tool {
	t := Tool{spec: spec}
	t.err = checkSpec(spec)
	if spec.InputSchema != nil {
		// The author's schema, as it is; compacted, since it travels in
		// every tools/list.
		var buf bytes.Buffer
		if err := json.Compact(&buf, spec.InputSchema); err == nil {
			t.inputSchema = buf.Bytes()
		}
	} else {
		in, err := schemaFor[In]()
		if err != nil && t.err == nil {
			t.err = fmt.Errorf("tool %s: input type: %w", spec.Name, err)
		}
		if in != nil {
			t.inputSchema = leanInput(in)
		}
	}
	if reflect.TypeFor[Out]() != reflect.TypeFor[*Result]() {
		out, err := schemaFor[Out]()
		if err != nil && t.err == nil {
			t.err = fmt.Errorf("tool %s: output type: %w", spec.Name, err)
		}
		switch {
		case out == nil:
		case spec.FullOutputSchema:
			t.outputSchema = fullOutput(out)
		default:
			t.outputSchema = leanOutput(out)
		}
	}
	t.call = func(ctx context.Context, call *Call, args json.RawMessage) (*Result, error) {
		var input In
		if err := decodeArguments(args, &input); err != nil {
			return nil, err
		}
		out, err := handler(ctx, call, input)
		if err != nil {
			return nil, err
		}
		if r, ok := any(out).(*Result); ok {
			if r == nil {
				return &Result{}, nil
			}
			return r, nil
		}
		res, err := structuredResult(out)
		if err != nil {
			return nil, err
		}
		if ca, ok := any(out).(ContentAdder); ok {
			res.Content = append(res.Content, ca.AddedContent()...)
		}
		return res, nil
	}
	return t
}

func checkSpec(spec ToolSpec) error {
	switch {
	case pluginv1.CheckToolName(spec.Name) != nil:
		return pluginv1.CheckToolName(spec.Name)
	case spec.Description == "":
		return fmt.Errorf("tool %s: Description is required", spec.Name)
	case spec.Effect < ReadOnly || spec.Effect > Destructive:
		return fmt.Errorf("tool %s: Effect must be ReadOnly, Additive or Destructive", spec.Name)
	case spec.Task < TaskNone || spec.Task > TaskRequired:
		return fmt.Errorf("tool %s: Task must be TaskNone, TaskOptional or TaskRequired", spec.Name)
	case spec.DeferTask && spec.Task == TaskNone:
		return fmt.Errorf("tool %s: DeferTask needs Task (TaskOptional or TaskRequired)", spec.Name)
	case spec.InputSchema != nil:
		if err := checkInputSchema(spec.InputSchema); err != nil {
			return fmt.Errorf("tool %s: InputSchema %w", spec.Name, err)
		}
	}
	return nil
}

// checkInputSchema holds a verbatim input schema to what MCP asks of every
// input schema: a JSON object describing an object.
func checkInputSchema(raw json.RawMessage) error {
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("is not a JSON object: %v", err)
	}
	if doc["type"] != "object" {
		return fmt.Errorf(`must have "type": "object", got %v`, doc["type"])
	}
	if s, ok := doc["$schema"]; ok && s != "https://json-schema.org/draft/2020-12/schema" {
		return fmt.Errorf(`is JSON Schema 2020-12; "$schema" may only name it, got %v`, s)
	}
	return nil
}

// decodeArguments decodes the (already schema-validated) arguments strictly,
// so a plugin run without the host's validation still rejects unknown fields.
func decodeArguments(args json.RawMessage, v any) error {
	if len(bytes.TrimSpace(args)) == 0 || string(args) == "null" {
		args = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(args))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return Invalid(typeErr.Field, "expected %s, got %s", typeErr.Type, typeErr.Value)
		}
		return &Error{Code: "invalid_arguments", Category: CategoryValidation,
			Message: "the arguments do not match the tool's input schema: " + err.Error()}
	}
	return nil
}

// structuredResult makes the standard result of a typed tool: the value as
// structured content plus the same JSON as text, for clients that only read
// text.
func structuredResult(v any) (*Result, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding tool output: %w", err)
	}
	return &Result{Content: []Content{&TextContent{Text: string(b)}}, Structured: json.RawMessage(b)}, nil
}
