package workflow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Version is the format version this package reads.
const Version = 1

// Limits of the format. They bound what one run can cost: the engine never
// makes more than MaxSteps × MaxItems × MaxAttempts calls for the steps,
// and as many again for their compensations.
const (
	MaxSteps        = 50
	MaxItems        = 500 // for_each's max_items may be at most this
	DefaultMaxItems = 100
	MaxAttempts     = 10
	MaxTimeout      = 10 * time.Minute
	MaxBackoff      = 5 * time.Minute
	MaxExprLen      = 2000
)

// Workflow is one preset: steps that call tools, in order.
type Workflow struct {
	Version     int    `json:"version"`
	ID          string `json:"id"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	// BusinessType is v1's tag: freelancer, retail, service or general.
	BusinessType string           `json:"business_type,omitempty"`
	Category     string           `json:"category,omitempty"`
	Inputs       map[string]Input `json:"inputs,omitempty"`
	Steps        []Step           `json:"steps"`
	// Output maps a name to an expression evaluated when the run
	// succeeds; the run's result.
	Output map[string]string `json:"output,omitempty"`
}

// Input declares one parameter of a workflow.
type Input struct {
	// Type is string, number, integer, boolean, array or object.
	Type        string `json:"type"`
	Description string `json:"description,omitempty"`
	Required    bool   `json:"required,omitempty"`
	Default     any    `json:"default,omitempty"`
}

// Step is one call (or one call per item of a list).
type Step struct {
	ID    string `json:"id"`
	Title string `json:"title,omitempty"`
	// Tool is the registered tool to call; Args its arguments, where a
	// string "${{ expr }}" is replaced by the expression's value and
	// "${{ expr }}" inside a longer string by its text.
	Tool string         `json:"tool"`
	Args map[string]any `json:"args,omitempty"`
	// If is an expression; the step is skipped when it is false.
	If string `json:"if,omitempty"`
	// ForEach is an expression giving a list: the step is called once per
	// item (bound to As, default "item", and "index"), at most MaxItems
	// items (default DefaultMaxItems); a longer list fails the run before
	// the step calls anything.
	ForEach  string `json:"for_each,omitempty"`
	MaxItems int    `json:"max_items,omitempty"`
	As       string `json:"as,omitempty"`
	// Write says the step changes the books: it is not called in a dry
	// run, it carries an idempotency key (unless IdempotencyKey is false,
	// for tools marked idempotent, which take none), and it is never
	// retried when its outcome is unknown.
	Write          bool  `json:"write,omitempty"`
	IdempotencyKey *bool `json:"idempotency_key,omitempty"`
	// Confirm pauses the run before the step until the caller confirms
	// (execute_preset with run_id and confirm). A write tool that answers
	// confirmation_required (writes.mode confirm) pauses the run too,
	// whatever Confirm says.
	Confirm bool     `json:"confirm,omitempty"`
	Retry   *Retry   `json:"retry,omitempty"`
	Timeout Duration `json:"timeout,omitempty"`
	// FailIf is an expression checked before the step's call: when true
	// the run fails there (and undoes what it did), with FailMessage.
	FailIf      string `json:"fail_if,omitempty"`
	FailMessage string `json:"fail_message,omitempty"`
	// ContinueOnError records a failure and goes on instead of failing
	// the run.
	ContinueOnError bool `json:"continue_on_error,omitempty"`
	// Compensate undoes what the step did (each iteration), when a later
	// step fails: "output" is the iteration's output there.
	Compensate *Action `json:"compensate,omitempty"`
}

// Action is a compensation: a tool call, with an optional condition.
type Action struct {
	Tool string         `json:"tool"`
	Args map[string]any `json:"args,omitempty"`
	If   string         `json:"if,omitempty"`
	// IdempotencyKey adds a key (derived from the run) to the call.
	IdempotencyKey bool `json:"idempotency_key,omitempty"`
}

// Retry is a step's retry policy: up to Attempts calls in all, waiting
// Backoff, doubled after each attempt up to MaxBackoff. Only errors the
// error model marks retryable are retried, and never a write whose
// outcome is unknown.
type Retry struct {
	Attempts   int      `json:"attempts"`
	Backoff    Duration `json:"backoff,omitempty"`
	MaxBackoff Duration `json:"max_backoff,omitempty"`
}

// Duration is a time.Duration written as Go writes one ("30s", "2m").
type Duration time.Duration

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads "30s" (or a number of seconds).
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var secs float64
		if json.Unmarshal(b, &secs) != nil {
			return fmt.Errorf("a duration is a string such as \"30s\" or \"2m\"")
		}
		*d = Duration(secs * float64(time.Second))
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q: %v (write it as \"30s\" or \"2m\")", s, err)
	}
	*d = Duration(v)
	return nil
}

// Parse reads a workflow from JSON, refusing unknown fields, and validates
// it.
func Parse(data []byte) (*Workflow, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	var w Workflow
	if err := dec.Decode(&w); err != nil {
		return nil, &ValidationError{Problems: []Problem{{Path: "", Message: err.Error()}}}
	}
	if dec.More() {
		return nil, &ValidationError{Problems: []Problem{{Path: "", Message: "more than one JSON value"}}}
	}
	if err := w.Validate(); err != nil {
		return nil, err
	}
	return &w, nil
}
