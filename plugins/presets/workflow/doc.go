// Package workflow is the presets plugin's workflow format and the engine
// that runs it.
//
// A workflow is a versioned document (JSON, or YAML read into the same
// shape) whose steps call tools through the host, as the caller who runs
// it, so the caller's identity, organization and scopes apply to every
// step. Values move between steps by expressions (github.com/expr-lang/expr:
// no code execution, a node limit and the library's memory budget bound
// their cost). A step may be skipped by a condition (if), repeated over a
// bounded list (for_each with max_items), retried on errors the error model
// marks retryable (never on write_outcome_unknown), cut off by a timeout,
// paused for a human (confirm, or a tool answering confirmation_required
// under writes.mode confirm), and undone by its compensation when a later
// step fails: compensations run in reverse order of what was done.
//
// Runs are durable through a Store (memory, a directory, or PostgreSQL
// shared by a deployment's instances, with leases: Leaser): the engine
// saves the run after every change of a step's state, before and after
// each call, so a run picked up again (after the plugin or host restarted,
// or on another instance) continues where it stopped.
// A write step's call carries an idempotency key derived from the run, the
// step and the iteration, so the host replays the first answer instead of
// writing twice when a step that was under way is called again.
//
// schema/workflow.schema.json (next to this package) is the published JSON
// Schema of the format; Validate enforces the same rules and more (known
// step references, compilable expressions), and a test holds the two to
// the same examples.
package workflow
