package workflow

import (
	"context"
	"errors"
	"time"
)

// Run statuses.
const (
	RunRunning     = "running"
	RunWaiting     = "waiting_confirmation" // paused; execute_preset with run_id and confirm resumes it
	RunSucceeded   = "succeeded"
	RunDryRun      = "dry_run_done"
	RunFailed      = "failed"              // failed, and everything it did was undone (or needed no undoing)
	RunCompFailed  = "compensation_failed" // failed, and some compensation failed too: see the log
	RunCancelled   = "cancelled"
	RunInterrupted = "interrupted" // the process running it stopped; run it again to resume
)

// Step and iteration statuses.
const (
	StepPending     = "pending"
	StepStarted     = "started" // its call was sent; the outcome is not recorded yet
	StepDone        = "done"
	StepSkipped     = "skipped"
	StepFailed      = "failed"
	StepWaiting     = "waiting_confirmation"
	StepWouldRun    = "would_run" // dry run: a write not called
	StepCompensated = "compensated"
	StepCompFailed  = "compensation_failed"
	StepUnknown     = "outcome_unknown" // a write that may or may not have happened
)

// Run is one execution of a workflow, as the store keeps it.
type Run struct {
	ID             string         `json:"id"`
	OrganizationID string         `json:"organization_id"`
	Subject        string         `json:"subject"`
	PresetID       string         `json:"preset_id"`
	Workflow       *Workflow      `json:"workflow"`
	Inputs         map[string]any `json:"inputs"`
	DryRun         bool           `json:"dry_run"`
	Status         string         `json:"status"`
	// CancelRequested is set by cancel_preset_run; the engine stops at the
	// next step boundary and compensates.
	CancelRequested bool                  `json:"cancel_requested,omitempty"`
	Steps           map[string]*StepState `json:"steps"`
	Output          map[string]any        `json:"output,omitempty"`
	Error           *RunError             `json:"error,omitempty"`
	Log             []LogEntry            `json:"log"`
	CreatedAt       time.Time             `json:"created_at"`
	UpdatedAt       time.Time             `json:"updated_at"`
	// Waiting says what the run waits for when Status is RunWaiting.
	Waiting *Waiting `json:"waiting,omitempty"`
}

// Waiting is a confirmation point a run stopped at.
type Waiting struct {
	Step      string `json:"step"`
	Iteration int    `json:"iteration"`
	// Preview is the tool's preview (confirmation_required) or, for a
	// step marked confirm, the arguments it will be called with.
	Preview           any    `json:"preview,omitempty"`
	ConfirmationToken string `json:"-"` // kept in Iteration.Token, never shown twice
	Message           string `json:"message"`
}

// RunError is why a run failed.
type RunError struct {
	Step      string `json:"step,omitempty"`
	Code      string `json:"code"`
	Category  string `json:"category,omitempty"`
	Message   string `json:"message"`
	Retryable bool   `json:"retryable"`
}

// StepState is one step's state in a run.
type StepState struct {
	Status string `json:"status"`
	// Items is the for_each list, evaluated once and kept, so a resumed
	// run loops over the same items.
	Items      []any        `json:"items,omitempty"`
	Iterations []*Iteration `json:"iterations,omitempty"`
}

// Iteration is one call of a step (the only one of a step without
// for_each).
type Iteration struct {
	Status   string         `json:"status"`
	Args     map[string]any `json:"args,omitempty"`
	Output   any            `json:"output,omitempty"`
	Attempts int            `json:"attempts"`
	// Key is the idempotency key the step's calls carried.
	Key   string    `json:"idempotency_key,omitempty"`
	Error *RunError `json:"error,omitempty"`
	// Token is a confirmation token the run was given and will use.
	Token     string `json:"confirmation_token,omitempty"`
	Confirmed bool   `json:"confirmed,omitempty"`
	// Compensation is what its compensation did.
	Compensation *Compensation `json:"compensation,omitempty"`
}

// Compensation is the call that undid an iteration.
type Compensation struct {
	Status   string         `json:"status"`
	Args     map[string]any `json:"args,omitempty"`
	Output   any            `json:"output,omitempty"`
	Attempts int            `json:"attempts"`
	Key      string         `json:"idempotency_key,omitempty"`
	Error    *RunError      `json:"error,omitempty"`
}

// LogEntry is one line of a run's log.
type LogEntry struct {
	At      time.Time `json:"at"`
	Step    string    `json:"step,omitempty"`
	Index   *int      `json:"index,omitempty"`
	Event   string    `json:"event"`
	Message string    `json:"message,omitempty"`
}

// MaxLog bounds a run's log; older lines are dropped past it (the steps'
// states keep the outcome of every call).
const MaxLog = 1000

// Store keeps runs. Save must be durable when it returns: the engine calls
// it before each call it sends and after each answer.
type Store interface {
	// Create stores a new run; an existing ID is an error.
	Create(ctx context.Context, r *Run) error
	// Save replaces the stored run.
	Save(ctx context.Context, r *Run) error
	// Get returns the run, or ErrNotFound.
	Get(ctx context.Context, id string) (*Run, error)
	// List returns an organization's runs, newest first, at most limit.
	List(ctx context.Context, org string, limit int) ([]*Run, error)
	// RequestCancel marks the run for cancelling, apart from its document
	// (which the process executing it keeps writing), and
	// CancelRequested reads the mark.
	RequestCancel(ctx context.Context, id string) error
	CancelRequested(ctx context.Context, id string) (bool, error)
}

// Leaser is a Store shared by several processes (PGStore): a run is
// executed only by the process holding its lease, renewed while it runs,
// so that a process that dies loses it within the lease's time.
type Leaser interface {
	// Lease takes or renews the run's lease for owner; false when another
	// owner holds it.
	Lease(ctx context.Context, id, owner string, ttl time.Duration) (bool, error)
	Unlease(ctx context.Context, id, owner string) error
	// Leased says whether some process holds the run's lease now.
	Leased(ctx context.Context, id string) (bool, error)
}

// ErrNotFound is a run the store does not have.
var ErrNotFound = errors.New("run not found")
