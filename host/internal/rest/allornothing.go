package rest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/httpjson"
	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
)

// All or nothing. Billy has no transactions, so an all-or-nothing batch is
// one by compensation: every item is checked before anything is written,
// the items run in order, and when one fails the ones done before it are
// undone. The host checks what only it knows (Dispatcher.Preflight: the
// tool, the caller's scopes and organization, the arguments against the
// tool's schema, the write policy) and hands the batch to the presets
// plugin's execute_batch, which knows how to undo each write (its
// workflow.Undos, the table its templates use too), validates the writes
// against Billy with their dry runs, runs the items as a durable preset
// run and compensates. Keeping the compensation in one place is why the
// mode needs the presets plugin: without it the mode is refused, never run
// as a plain batch.

// BatchTool is the presets plugin's tool that runs an all-or-nothing batch.
const BatchTool = "execute_batch"

// Item statuses of an all-or-nothing batch (the presets plugin's).
const (
	itemDone    = "done"
	itemFailed  = "failed"
	itemNotRun  = "not_run"
	itemUnknown = "outcome_unknown"
)

// aonResult is one item of an all-or-nothing batch's answer.
type aonResult struct {
	Tool string `json:"tool"`
	// Status is done, compensated (done, then undone), failed, not_run,
	// outcome_unknown (it may have reached Billy), compensation_failed
	// (done, and its undo failed: it is still in Billy) or validated (dry
	// run).
	Status       string          `json:"status"`
	Success      bool            `json:"success"`
	Data         any             `json:"data,omitempty"`
	Error        *errmodel.Error `json:"error,omitempty"`
	Compensation any             `json:"compensation,omitempty"`
}

// batchOutput is execute_batch's answer, as the REST API reads it.
type batchOutput struct {
	RunID  string `json:"run_id"`
	Status string `json:"status"`
	Items  []struct {
		Index        int             `json:"index"`
		Tool         string          `json:"tool"`
		Status       string          `json:"status"`
		Output       json.RawMessage `json:"output"`
		Error        *runError       `json:"error"`
		Compensation json.RawMessage `json:"compensation"`
	} `json:"items"`
	Error *runError `json:"error"`
	Next  string    `json:"next"`
}

// runError is a preset run's error.
type runError struct {
	Code      string `json:"code"`
	Category  string `json:"category"`
	Message   string `json:"message"`
	Retryable bool   `json:"retryable"`
}

func (e *runError) model() *errmodel.Error {
	if e == nil {
		return nil
	}
	c := errmodel.Category(e.Category)
	if !c.Known() {
		c = errmodel.Internal
	}
	return &errmodel.Error{Code: e.Code, Category: c, Message: e.Message, Retryable: e.Retryable}
}

func (x *rest) allOrNothing(w http.ResponseWriter, r *http.Request, start time.Time, req batchRequest) {
	caller := dispatch.CallerFrom(r.Context())
	corr := dispatch.CorrelationIDFrom(r.Context())
	answer := func(status int, e *errmodel.Error, data map[string]any) {
		data["mode"] = ModeAllOrNothing
		body := map[string]any{"success": e == nil, "data": data, "executionTime": time.Since(start).Milliseconds(), "correlationId": corr}
		if e != nil {
			body["error"] = e.WithCorrelation(corr)
		}
		httpjson.Write(w, status, body)
	}
	if _, ok := x.reg.Tool(BatchTool); !ok {
		e := errmodel.New(errmodel.Validation, "all_or_nothing_unavailable",
			"mode %s needs the presets plugin (its %s tool undoes what a failed batch did), and this deployment does not run it: enable plugins.presets, or send the batch without mode (each tool on its own, nothing undone)", ModeAllOrNothing, BatchTool)
		e.Fields = []errmodel.FieldError{{Field: "mode", Message: "needs the presets plugin"}}
		httpjson.Error(w, e.WithCorrelation(corr))
		return
	}

	// Every item is checked before anything runs, and every problem is
	// reported, each on its item.
	items := make([]map[string]any, len(req.Tools))
	results := make([]aonResult, len(req.Tools))
	var first *errmodel.Error
	org := ""
	for i, t := range req.Tools {
		results[i] = aonResult{Tool: t.Tool, Status: itemNotRun}
		args := t.Arguments
		if len(args) == 0 || string(args) == "null" {
			args = json.RawMessage("{}")
		}
		op := &dispatch.Op{Kind: dispatch.CallTool, Name: t.Tool, Arguments: args, Caller: caller, CorrelationID: corr}
		err := x.d.Preflight(r.Context(), op)
		if err == nil && org != "" && op.Caller.OrganizationID != org {
			err = errmodel.InvalidField(registry.OrganizationArg, "an all-or-nothing batch acts on one organization: this item names %s, an earlier one %s", op.Caller.OrganizationID, org)
		}
		if err != nil {
			e := errmodel.From(err)
			results[i].Status, results[i].Error = itemFailed, e
			if first == nil {
				first = e
				first.Message = "tools[" + strconv.Itoa(i) + "] (" + t.Tool + "): " + e.Message + "; nothing was run"
			}
			continue
		}
		org = op.Caller.OrganizationID
		var a map[string]any
		if err := json.Unmarshal(op.Arguments, &a); err != nil {
			a = map[string]any{}
		}
		item := map[string]any{"tool": t.Tool, "arguments": a}
		if !op.Writes() {
			item["read_only"] = true
		}
		items[i] = item
	}
	if first != nil {
		answer(first.Category.HTTPStatus(), first, aonSummary("", "failed", results))
		return
	}

	args := map[string]any{"items": items, "dry_run": req.DryRun}
	if caller.ChoosesOrganization() {
		args[registry.OrganizationArg] = org
	}
	raw, _ := json.Marshal(args)
	status, res := x.call(r, BatchTool, raw)
	if res.Error != nil {
		// The batch itself was refused (its items' validation in the
		// presets plugin, a plugin down, ...): nothing ran.
		data := aonSummary("", "failed", results)
		for i, f := range res.Error.Fields {
			// The plugin's items[i] are this request's tools[i].
			if rest, ok := strings.CutPrefix(f.Field, "items"); ok {
				res.Error.Fields[i].Field = "tools" + rest
			}
		}
		answer(status, res.Error, data)
		return
	}
	var out batchOutput
	b, _ := json.Marshal(res.Data)
	if err := json.Unmarshal(b, &out); err != nil || len(out.Items) != len(req.Tools) {
		answer(http.StatusInternalServerError, errmodel.New(errmodel.Internal, errmodel.CodeInternal,
			"the presets plugin's %s answered in a shape this host does not read; its run is %s (get_preset_run)", BatchTool, out.RunID), aonSummary(out.RunID, "unknown", results))
		return
	}
	for i, it := range out.Items {
		res := aonResult{Tool: it.Tool, Status: it.Status, Success: it.Status == itemDone, Error: it.Error.model()}
		if len(it.Output) > 0 && string(it.Output) != "null" {
			res.Data = it.Output
		}
		if len(it.Compensation) > 0 && string(it.Compensation) != "null" {
			res.Compensation = it.Compensation
		}
		results[i] = res
	}
	data := aonSummary(out.RunID, out.Status, results)
	data["next"] = out.Next
	switch out.Status {
	case "succeeded", "validated":
		answer(http.StatusOK, nil, data)
	case itemUnknown:
		e := &errmodel.Error{Code: errmodel.CodeWriteOutcomeUnknown, Category: errmodel.UpstreamUnavailable,
			Message: "an item's write may or may not have reached Billy (see the items with status outcome_unknown): check it with the matching get or list tool before sending the batch again; the items done before it were undone where they could be"}
		answer(e.Category.HTTPStatus(), e, data)
	case "compensation_failed":
		e := errmodel.New(errmodel.Conflict, "compensation_failed",
			"an item failed and not every item done before it could be undone: the items with status compensation_failed are still in Billy (preset run %s shows the log)", out.RunID)
		answer(e.Category.HTTPStatus(), e, data)
	default:
		e := out.Error.model()
		if e == nil {
			e = errmodel.New(errmodel.Internal, "batch_"+out.Status, "the batch ended %s", out.Status)
		}
		e.Message += "; " + out.Next
		answer(e.Category.HTTPStatus(), e, data)
	}
}

// aonSummary is the data of an all-or-nothing batch's answer: the results
// and a count per status.
func aonSummary(runID, status string, results []aonResult) map[string]any {
	counts := map[string]int{}
	for _, r := range results {
		counts[r.Status]++
	}
	data := map[string]any{"status": status, "results": results, "total": len(results), "counts": counts}
	if runID != "" {
		data["runId"] = runID
	}
	return data
}
