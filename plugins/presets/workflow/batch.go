package workflow

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// All-or-nothing batches. Billy has no transactions, so "all or nothing"
// is: every item validated before anything is written, then the items run
// in order, and when one fails the ones done before it are undone, in
// reverse order, by their compensation. A batch is run as a workflow of
// this package (BatchWorkflow), so it is a run like any preset's: durable,
// resumable, cancellable, with its log, and compensated by the same code.

// Undo is how the presets undo one tool's write.
type Undo struct {
	// Tool and Args are the compensation; Args' expressions see the
	// write's output as "output".
	Tool string
	Args map[string]any
	// DryRun says the tool takes dry_run: true, which validates the call
	// against Billy (the customer exists, the invoice is a draft, ...)
	// without writing: the batch's validation pass calls it.
	DryRun bool
	// Exists are reads the validation pass makes first, for what the dry
	// run does not look up (create_invoice's dry run does not read its
	// customer): each calls Tool with Arg set to the item's argument of
	// the same name, when the item has it.
	Exists []Exists
}

// Exists is a read that must succeed for an item to be valid.
type Exists struct {
	Tool, Arg string
}

// Undos is the one table of compensations: the templates' compensate
// clauses use the same tool and record ID for each of these tools
// (TestTemplatesUndoAsTheTable holds them to it), and an all-or-nothing
// batch takes only writes listed here. A write that cannot be undone
// (sending an email, recording a payment) has no entry, and a batch that
// holds one is refused before anything runs.
var Undos = map[string]Undo{
	// A draft is deleted (delete_draft_invoice never deletes a booked
	// invoice).
	"create_invoice": {Tool: "delete_draft_invoice", Args: map[string]any{"invoiceId": "${{ output.record.id }}"}, DryRun: true,
		Exists: []Exists{{Tool: "get_customer", Arg: "contactId"}}},
	// An approved invoice is booked: it is credited, never deleted.
	"approve_invoice": {Tool: "create_credit_note", Args: map[string]any{"invoiceId": "${{ output.record.id }}",
		"contactMessage": "Krediteret: en samlet kørsel blev rullet tilbage"}, DryRun: true},
	// Billy does not delete contacts with history; a new one is archived.
	"create_customer": {Tool: "update_customer", Args: map[string]any{"contactId": "${{ output.record.id }}", "isArchived": true}, DryRun: true},
}

// BatchItem is one call of a batch.
type BatchItem struct {
	Tool      string         `json:"tool"`
	Arguments map[string]any `json:"arguments,omitempty"`
	// ReadOnly marks a tool that changes nothing (its readOnlyHint): it
	// needs no compensation. The host's REST batch sets it from the
	// tool's annotations.
	ReadOnly bool `json:"read_only,omitempty"`
}

// MaxBatchItems bounds a batch: each item is up to three steps (a lookup,
// its dry run and its call).
const MaxBatchItems = MaxSteps / 3

// BatchWorkflowID is the preset ID runs of a batch carry.
const BatchWorkflowID = "batch"

var argName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]{0,127}$`)

// CheckBatch validates a batch's items without calling anything: every
// problem, each under items[i].
func CheckBatch(items []BatchItem) error {
	var fields []sdk.FieldError
	add := func(field, format string, args ...any) {
		fields = append(fields, sdk.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if len(items) == 0 || len(items) > MaxBatchItems {
		add("items", "must hold 1 to %d items, got %d", MaxBatchItems, len(items))
	}
	for i, it := range items {
		p := fmt.Sprintf("items[%d]", i)
		if !toolPattern.MatchString(it.Tool) {
			add(p+".tool", "must name a registered tool, got %q", it.Tool)
			continue
		}
		if _, ok := Undos[it.Tool]; !ok && !it.ReadOnly {
			add(p+".tool", "%s changes data and the presets cannot undo it, so it cannot be part of an all-or-nothing batch (undoable: %s)", it.Tool, undoList())
		}
		for k := range it.Arguments {
			switch {
			case !argName.MatchString(k):
				add(p+".arguments."+k, "is not an argument name")
			case k == "dry_run" || k == "idempotency_key" || k == "confirmation_token":
				add(p+".arguments."+k, "is set by the batch itself (it validates with dry_run and gives each write its idempotency key)")
			}
		}
	}
	if len(fields) == 0 {
		return nil
	}
	e := sdk.NewError(sdk.CategoryValidation, sdk.CodeInvalidArguments, "the batch was refused before anything ran: %s %s", fields[0].Field, fields[0].Message)
	e.Fields = fields
	return e
}

// UndoTools lists the writes a batch can undo, comma separated.
func UndoTools() string { return undoList() }

func undoList() string {
	names := make([]string, 0, len(Undos))
	for k := range Undos {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// BatchWorkflow is the workflow that runs items all or nothing: first a
// check per write item (its tool with dry_run: true; every item is checked
// even when one fails, so the answer names every bad item), then each item
// in order, writes with their compensation from Undos. The items'
// arguments are the run's input "items" and reach the steps through
// expressions, so nothing in them is read as an expression.
func BatchWorkflow(items []BatchItem) (*Workflow, error) {
	if err := CheckBatch(items); err != nil {
		return nil, err
	}
	w := &Workflow{Version: Version, ID: BatchWorkflowID, Title: "All-or-nothing batch", Category: "batch",
		Inputs: map[string]Input{"items": {Type: "array", Required: true, Description: "the batch's items: tool and arguments"}}}
	var checks []string
	for i, it := range items {
		u, ok := Undos[it.Tool]
		if !ok || !u.DryRun {
			continue
		}
		for j, ex := range u.Exists {
			if _, ok := it.Arguments[ex.Arg]; !ok {
				continue // the dry run says it is missing
			}
			id := fmt.Sprintf("exists_%d_%d", i, j)
			w.Steps = append(w.Steps, Step{ID: id, Title: fmt.Sprintf("Item %d's %s exists", i, ex.Arg), Tool: ex.Tool,
				Args:  map[string]any{ex.Arg: fmt.Sprintf("${{ inputs.items[%d].arguments[%s] }}", i, strconv.Quote(ex.Arg))},
				Retry: &Retry{Attempts: 3, Backoff: Duration(1e9)}, ContinueOnError: true})
			checks = append(checks, fmt.Sprintf("steps.%s.status == 'failed'", id))
		}
		id := fmt.Sprintf("check_%d", i)
		args := itemArgs(i, it)
		args["dry_run"] = true
		w.Steps = append(w.Steps, Step{ID: id, Title: fmt.Sprintf("Validate item %d (%s)", i, it.Tool), Tool: it.Tool, Args: args,
			Retry: &Retry{Attempts: 3, Backoff: Duration(1e9)}, ContinueOnError: true})
		checks = append(checks, fmt.Sprintf("steps.%s.status == 'failed'", id))
	}
	for i, it := range items {
		s := Step{ID: fmt.Sprintf("item_%d", i), Title: fmt.Sprintf("Item %d (%s)", i, it.Tool), Tool: it.Tool, Args: itemArgs(i, it)}
		if u, ok := Undos[it.Tool]; ok && !it.ReadOnly {
			// Retried only when the error model says nothing was written;
			// the idempotency key makes a retry of a write that did land
			// an answer from the host's record.
			s.Write = true
			s.Retry = &Retry{Attempts: 3, Backoff: Duration(1e9)}
			s.Compensate = &Action{Tool: u.Tool, Args: u.Args}
		}
		if i == 0 && len(checks) > 0 {
			s.FailIf = strings.Join(checks, " || ")
			s.FailMessage = "some items failed validation; nothing was written"
		}
		w.Steps = append(w.Steps, s)
	}
	if err := w.Validate(); err != nil {
		return nil, err
	}
	return w, nil
}

// itemArgs binds each of item i's arguments to the run's input.
func itemArgs(i int, it BatchItem) map[string]any {
	args := map[string]any{}
	for k := range it.Arguments {
		args[k] = fmt.Sprintf("${{ inputs.items[%d].arguments[%s] }}", i, strconv.Quote(k))
	}
	return args
}

// Batch item statuses.
const (
	ItemDone        = "done"
	ItemCompensated = "compensated"
	ItemFailed      = "failed"
	ItemNotRun      = "not_run"
	ItemUnknown     = "outcome_unknown"     // a write that may or may not have reached Billy
	ItemCompFailed  = "compensation_failed" // done, and its undo failed: it is still in Billy
	ItemValidated   = "validated"           // dry run: checked, not called
)

// BatchItemResult is what became of one item.
type BatchItemResult struct {
	Index        int           `json:"index"`
	Tool         string        `json:"tool"`
	Status       string        `json:"status" jsonschema:"done, compensated (done, then undone), failed, not_run, outcome_unknown (it may have reached Billy: check before trying again), compensation_failed (done, and the undo failed: it is still in Billy), validated (dry run)"`
	Output       any           `json:"output,omitempty"`
	Error        *RunError     `json:"error,omitempty"`
	Compensation *Compensation `json:"compensation,omitempty"`
}

// BatchReport reads a batch's run item by item.
func BatchReport(r *Run, items []BatchItem) []BatchItemResult {
	out := make([]BatchItemResult, len(items))
	checkFailed := false
	for i := range items {
		checkFailed = checkFailed || checkError(r, i, items[i].Tool) != nil
	}
	for i, item := range items {
		res := BatchItemResult{Index: i, Tool: item.Tool, Status: ItemNotRun}
		if e := checkError(r, i, item.Tool); e != nil {
			res.Status, res.Error = ItemFailed, e
			out[i] = res
			continue
		}
		st := r.Steps[fmt.Sprintf("item_%d", i)]
		if st == nil || len(st.Iterations) != 1 {
			out[i] = res
			continue
		}
		it := st.Iterations[0]
		res.Output, res.Error, res.Compensation = it.Output, it.Error, it.Compensation
		switch it.Status {
		case StepDone:
			res.Status = ItemDone
		case StepCompensated:
			res.Status = ItemCompensated
		case StepCompFailed:
			res.Status = ItemCompFailed
		case StepUnknown:
			res.Status = ItemUnknown
		case StepStarted:
			// Its call went out and no answer was recorded (the process
			// stopped): it may have written.
			res.Status = ItemUnknown
		case StepWouldRun:
			res.Status = ItemValidated
		case StepFailed:
			res.Status = ItemFailed
			if checkFailed && it.Error != nil && it.Error.Code == "precondition_failed" {
				res.Status, res.Error = ItemNotRun, nil
			}
		case StepWaiting:
			res.Status = ItemFailed
			res.Error = &RunError{Step: fmt.Sprintf("item_%d", i), Code: "confirmation_required", Category: string(sdk.CategoryForbidden),
				Message: fmt.Sprintf("%s needs a person's confirmation under this deployment's write policy (writes.mode: confirm); an all-or-nothing batch does not stop half-way for one: run it as a preset (execute_preset), or where writes.mode is direct", item.Tool)}
		}
		out[i] = res
	}
	return out
}

// checkError is why item i failed the validation pass (an exists read or
// its dry run), or nil.
func checkError(r *Run, i int, tool string) *RunError {
	var ids []string
	for j := range Undos[tool].Exists {
		ids = append(ids, fmt.Sprintf("exists_%d_%d", i, j))
	}
	ids = append(ids, fmt.Sprintf("check_%d", i))
	for _, id := range ids {
		if st := r.Steps[id]; st != nil && len(st.Iterations) == 1 && st.Iterations[0].Status == StepFailed {
			return st.Iterations[0].Error
		}
	}
	return nil
}
