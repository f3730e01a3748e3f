package presets

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/billy-mcp/billy-mcp/plugins/presets/schema"
	"github.com/billy-mcp/billy-mcp/plugins/presets/workflow"
	"github.com/billy-mcp/billy-mcp/sdk"
)

// plugin holds the engine, the templates and the organizations' presets.
type plugin struct {
	engine    *workflow.Engine
	templates []*workflow.Workflow
	custom    *customStore
	// durable says runs survive a restart (the host gave a data directory).
	durable bool
	// schema is the plugin's PostgreSQL schema: "presets" (tests use their
	// own).
	schema string
}

// New declares the plugin.
func New() *sdk.Plugin { return newPlugin("presets") }

func newPlugin(schema string) *sdk.Plugin {
	ts, err := loadTemplates()
	if err != nil {
		panic(err) // the templates are compiled in; TestTemplates holds them valid
	}
	p := &plugin{templates: ts, custom: &customStore{}, schema: schema}
	p.engine = workflow.NewEngine(workflow.NewMemoryStore(), newRunID)
	p.engine.Owner = newRunID() // names this process in run leases
	return p.declare()
}

func newRunID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "run_" + hex.EncodeToString(b)
}

func (p *plugin) configure(ctx context.Context, _ json.RawMessage) error {
	d := sdk.DeploymentFrom(ctx)
	if d.DatabaseURL != "" {
		// Every instance of the deployment shares the runs (and their
		// leases) and the organizations' presets.
		pg, err := workflow.OpenPG(ctx, d.DatabaseURL, p.schema)
		if err != nil {
			return sdk.NewError(sdk.CategoryUpstreamUnavailable, "presets_storage", "the presets plugin cannot use the deployment's database: %v", err)
		}
		p.engine.Store = pg
		p.custom = &customStore{db: pg.DB, table: p.schema + ".custom_presets"}
		p.durable = true
		return nil
	}
	if d.DataDir == "" {
		return nil // memory: runs do not survive a restart (list_presets says so)
	}
	runs, err := workflow.NewFileStore(filepath.Join(d.DataDir, "runs"))
	if err != nil {
		return sdk.NewError(sdk.CategoryInternal, "presets_storage", "the presets plugin cannot use its data directory: %v", err)
	}
	p.engine.Store = runs
	p.custom = &customStore{dir: filepath.Join(d.DataDir, "custom")}
	p.durable = true
	return nil
}

var readScopes = []string{"invoices:read"}

func (p *plugin) declare() *sdk.Plugin {
	return &sdk.Plugin{
		Name:        "presets",
		Version:     "0.1.0",
		Description: "Repeatable workflows (presets) that call the other tools as the caller: conditions, loops, retries, confirmation points and rollback; Danish templates; recommendations from usage.",
		Configure:   p.configure,
		Resources: []sdk.Resource{{
			URI: "presets://schema/workflow-v1.json", Name: "workflow-schema", Title: "Preset workflow schema",
			Description: "The JSON Schema (2020-12) of the preset workflow format, version 1.",
			MIMEType:    "application/schema+json",
			Read: func(context.Context, *sdk.Call) ([]sdk.ResourceContents, error) {
				return []sdk.ResourceContents{{URI: "presets://schema/workflow-v1.json", MIMEType: "application/schema+json", Text: string(schema.Workflow)}}, nil
			},
		}},
		Tools: []sdk.Tool{
			sdk.NewTool(sdk.ToolSpec{
				Name: "list_presets", Title: "List presets",
				Description: "The presets this organization can run: the built-in Danish templates (monthly retainer invoicing, quarterly VAT close, dunning with reminder fees, year-end checklist, onboarding a public-sector customer with EAN, bulk invoices) and its own, with their inputs and steps.",
				Effect:      sdk.ReadOnly, Idempotent: true, Category: "presets", Scopes: readScopes,
			}, p.list),
			sdk.NewTool(sdk.ToolSpec{
				Name: "execute_preset", Title: "Run a preset",
				Description: "Runs a preset (preset_id, or an inline workflow) with parameters: each step calls a tool as you, so your scopes and the write policy apply. " +
					"dry_run: true validates, runs the reads and calls nothing that writes. A run may stop at a confirmation point (status waiting_confirmation, with a preview): " +
					"call again with run_id and confirm: true to go on, or confirm: false to stop and undo. When a step fails, what earlier steps did is undone in reverse order. " +
					"With run_id alone it resumes an interrupted run; no step runs twice.",
				Effect: sdk.Destructive, Category: "presets", Scopes: readScopes, Task: sdk.TaskOptional,
				Examples: []sdk.Example{
					{Title: "Dry run of the quarterly VAT close", Arguments: map[string]any{"preset_id": "quarterly_vat_close", "parameters": map[string]any{"period": "2026-Q3"}, "dry_run": true}},
				},
			}, p.execute),
			sdk.NewTool(sdk.ToolSpec{
				Name: "execute_batch", Title: "Run a batch, all or nothing",
				Description: "Runs several tool calls all or nothing (Billy has no transactions, so: every item is validated first (the write tools with dry_run: true) and nothing is written unless all pass; then the items run in order, and if one fails the ones done before it are undone in reverse order (drafts deleted, approved invoices credited, new customers archived). " +
					"The answer reports each item: done, compensated, failed, not_run or outcome_unknown (it may have reached Billy: check before trying again). Only writes the presets can undo may be items (" + workflow.UndoTools() + ") besides read-only tools (read_only: true). " +
					"The batch is a preset run: get_preset_run shows its log. The REST API's POST /api/v1/tools/batch with mode all_or_nothing runs here.",
				Effect: sdk.Destructive, Category: "presets", Scopes: readScopes, Task: sdk.TaskOptional,
			}, p.batch),
			sdk.NewTool(sdk.ToolSpec{
				Name: "get_preset_run", Title: "Get a preset run",
				Description: "A run's status, each step's state and outputs, what it waits for, and its log.",
				Effect:      sdk.ReadOnly, Idempotent: true, Category: "presets", Scopes: readScopes,
			}, p.getRun),
			sdk.NewTool(sdk.ToolSpec{
				Name: "cancel_preset_run", Title: "Cancel a preset run",
				Description: "Stops a run at its next step and (unless compensate: false) undoes what it did, in reverse order. A run that has ended is returned as it is.",
				Effect:      sdk.Destructive, Idempotent: true, Category: "presets", Scopes: []string{"invoices:write"},
			}, p.cancel),
			sdk.NewTool(sdk.ToolSpec{
				Name: "create_custom_preset", Title: "Create a preset",
				Description: "Saves a preset for this organization: a workflow (see the workflow-schema resource), or v1's name, description, businessType and actions (tool + parameters, run in order). It is validated first; its ID is custom_<name>.",
				Effect:      sdk.Additive, Category: "presets", Scopes: []string{"invoices:write"},
			}, p.create),
			sdk.NewTool(sdk.ToolSpec{
				Name: "delete_draft_invoice", Title: "Delete a draft invoice",
				Description: "Deletes a draft invoice (never an approved one: void or credit those). The presets' undo of create_invoice; a draft already gone counts as deleted.",
				Effect:      sdk.Additive, Idempotent: true, Category: "presets", Scopes: []string{"invoices:write"},
			}, p.deleteDraft),
			sdk.NewTool(sdk.ToolSpec{
				Name: "analyze_user_patterns", Title: "Analyse usage patterns",
				Description: "Finds the tool sequences this organization repeats (for example create_customer → create_invoice → approve_invoice → send_invoice), with how often and how reliably they occur. Reads the audit log when you hold audit:read, and the presets' own runs.",
				Effect:      sdk.ReadOnly, Idempotent: true, Category: "presets", Scopes: readScopes,
			}, p.analyze),
			sdk.NewTool(sdk.ToolSpec{
				Name: "generate_personalized_presets", Title: "Propose presets from usage",
				Description: "Turns the recurring tool sequences analyze_user_patterns finds into preset workflows, each with its evidence and a confidence; save one with create_custom_preset.",
				Effect:      sdk.ReadOnly, Idempotent: true, Category: "presets", Scopes: readScopes,
			}, p.generate),
			sdk.NewTool(sdk.ToolSpec{
				Name: "get_recommended_presets", Title: "Recommended presets",
				Description: "Presets worth running for this organization, ranked: the templates and its own presets by how often it ran them, and proposals from its usage, each with the reason.",
				Effect:      sdk.ReadOnly, Idempotent: true, Category: "presets", Scopes: readScopes,
			}, p.recommend),
		},
	}
}

// PresetInfo describes one preset.
type PresetInfo struct {
	ID           string                    `json:"id"`
	Title        string                    `json:"title"`
	Description  string                    `json:"description"`
	BusinessType string                    `json:"business_type"`
	Category     string                    `json:"category,omitempty"`
	BuiltIn      bool                      `json:"built_in"`
	Inputs       map[string]workflow.Input `json:"inputs"`
	Steps        []string                  `json:"steps" jsonschema:"step: tool, in order"`
	Workflow     *workflow.Workflow        `json:"workflow,omitempty"`
}

func info(w *workflow.Workflow, builtIn, full bool) PresetInfo {
	pi := PresetInfo{ID: w.ID, Title: w.Title, Description: w.Description, BusinessType: w.BusinessType, Category: w.Category,
		BuiltIn: builtIn, Inputs: w.Inputs, Steps: []string{}}
	if pi.BusinessType == "" {
		pi.BusinessType = "general"
	}
	if pi.Inputs == nil {
		pi.Inputs = map[string]workflow.Input{}
	}
	for _, s := range w.Steps {
		pi.Steps = append(pi.Steps, s.ID+": "+s.Tool)
	}
	if full {
		pi.Workflow = w
	}
	return pi
}

// ListInput is list_presets' input (v1's names).
type ListInput struct {
	BusinessType    string `json:"businessType,omitempty" jsonschema:"freelancer, retail, service or general: only those (general ones always)"`
	IncludeWorkflow bool   `json:"include_workflow,omitempty" jsonschema:"include each preset's whole workflow"`
	IncludeUsage    bool   `json:"includeUsage,omitempty" jsonschema:"include how often this organization ran each"`
}

// ListOutput is list_presets' answer.
type ListOutput struct {
	Presets []PresetInfo   `json:"presets"`
	Usage   map[string]int `json:"usage,omitempty" jsonschema:"runs per preset ID (includeUsage)"`
	Durable bool           `json:"durable" jsonschema:"false: this deployment has no data_dir, so runs and custom presets are lost at restart"`
}

func (p *plugin) list(ctx context.Context, call *sdk.Call, in ListInput) (ListOutput, error) {
	switch in.BusinessType {
	case "", "freelancer", "retail", "service", "general":
	default:
		return ListOutput{}, sdk.Invalid("businessType", "must be freelancer, retail, service or general, got %q", in.BusinessType)
	}
	out := ListOutput{Presets: []PresetInfo{}, Durable: p.durable}
	keep := func(w *workflow.Workflow) bool {
		return in.BusinessType == "" || w.BusinessType == "" || w.BusinessType == "general" || w.BusinessType == in.BusinessType
	}
	for _, t := range p.templates {
		if keep(t) {
			out.Presets = append(out.Presets, info(t, true, in.IncludeWorkflow))
		}
	}
	own, err := p.custom.list(ctx, call.Caller.OrganizationID)
	if err != nil {
		return out, err
	}
	for _, w := range own {
		if keep(w) {
			out.Presets = append(out.Presets, info(w, false, in.IncludeWorkflow))
		}
	}
	if in.IncludeUsage {
		runs, err := p.engine.Store.List(ctx, call.Caller.OrganizationID, 1000)
		if err != nil {
			return out, err
		}
		out.Usage = map[string]int{}
		for _, r := range runs {
			out.Usage[r.PresetID]++
		}
	}
	return out, nil
}

// ExecuteInput is execute_preset's input; presetId and overrideParams are
// v1's names.
type ExecuteInput struct {
	PresetID       string         `json:"preset_id,omitempty" jsonschema:"a preset of list_presets"`
	PresetIDV1     string         `json:"presetId,omitempty" jsonschema:"alias of preset_id (v1)"`
	Workflow       map[string]any `json:"workflow,omitempty" jsonschema:"an inline workflow instead of preset_id (see the workflow-schema resource)"`
	WorkflowText   string         `json:"workflow_text,omitempty" jsonschema:"an inline workflow written as YAML or JSON text"`
	Parameters     map[string]any `json:"parameters,omitempty" jsonschema:"the preset's inputs"`
	OverrideParams map[string]any `json:"overrideParams,omitempty" jsonschema:"alias of parameters (v1)"`
	DryRun         bool           `json:"dry_run,omitempty" jsonschema:"validate, run the reads, call nothing that writes"`
	RunID          string         `json:"run_id,omitempty" jsonschema:"resume this run (interrupted, or waiting for a confirmation)"`
	Confirm        *bool          `json:"confirm,omitempty" jsonschema:"with run_id: true goes on past the confirmation point, false stops and undoes"`
}

func (p *plugin) execute(ctx context.Context, call *sdk.Call, in ExecuteInput) (RunView, error) {
	c := sdkCaller{call}
	if in.RunID != "" {
		r, err := p.run(ctx, call, in.RunID)
		if err != nil {
			return RunView{}, err
		}
		if r.Status == workflow.RunWaiting && in.Confirm == nil {
			return view(r, false), nil
		}
		r, err = p.engine.Resume(ctx, c, r, in.Confirm)
		if r == nil {
			return RunView{}, err
		}
		return view(r, false), runErr(err)
	}
	id := in.PresetID
	if id == "" {
		id = in.PresetIDV1
	}
	params := in.Parameters
	if params == nil {
		params = in.OverrideParams
	}
	var w *workflow.Workflow
	switch {
	case (id != "" && (in.Workflow != nil || in.WorkflowText != "")) || (in.Workflow != nil && in.WorkflowText != ""):
		return RunView{}, sdk.Invalid("workflow", "give one of preset_id, workflow and workflow_text")
	case in.WorkflowText != "":
		parsed, err := workflow.ParseText([]byte(in.WorkflowText))
		if err != nil {
			return RunView{}, invalidWorkflow("workflow_text", err)
		}
		w, id = parsed, "inline:"+parsed.ID
	case in.Workflow != nil:
		b, _ := json.Marshal(in.Workflow)
		parsed, err := workflow.Parse(b)
		if err != nil {
			return RunView{}, invalidWorkflow("workflow", err)
		}
		w, id = parsed, "inline:"+parsed.ID
	case id != "":
		found, _, err := p.find(ctx, call.Caller.OrganizationID, id)
		if err != nil {
			return RunView{}, err
		}
		if found == nil {
			return RunView{}, sdk.NotFound("preset_not_found", "no preset %q; list_presets shows them (built in: %s)", id, presetIDs(p.templates))
		}
		w = found
	default:
		return RunView{}, sdk.Invalid("preset_id", "give preset_id (or workflow, or run_id to resume a run)")
	}
	r, err := p.engine.Start(ctx, c, w, id, call.Caller.OrganizationID, call.Caller.Subject, params, in.DryRun)
	if r == nil {
		return RunView{}, err
	}
	return view(r, false), runErr(err)
}

// runErr passes on the engine's own errors (the store failing); a step's
// failure is in the run, not an error of the call.
func runErr(err error) error {
	if err == nil {
		return nil
	}
	return err
}

func (p *plugin) run(ctx context.Context, call *sdk.Call, id string) (*workflow.Run, error) {
	r, err := p.engine.Store.Get(ctx, id)
	if errors.Is(err, workflow.ErrNotFound) || (err == nil && r.OrganizationID != call.Caller.OrganizationID) {
		// Another organization's run is not found, not forbidden: its
		// existence is not this caller's to know.
		return nil, sdk.NotFound("preset_run_not_found", "no preset run %q in this organization", id)
	}
	if err != nil {
		return nil, sdk.NewError(sdk.CategoryUpstreamUnavailable, "preset_store_unavailable", "the presets plugin could not read its runs: %v", err)
	}
	if r.Status == workflow.RunRunning && !p.engine.Running(ctx, r.ID) {
		// Stored as running, but no process runs it (none holds its
		// lease): the one that did stopped. execute_preset with run_id
		// resumes it.
		r.Status = workflow.RunInterrupted
	}
	return r, nil
}

// RunInput names a run.
type RunInput struct {
	RunID string `json:"run_id"`
}

func (p *plugin) getRun(ctx context.Context, call *sdk.Call, in RunInput) (RunView, error) {
	r, err := p.run(ctx, call, in.RunID)
	if err != nil {
		return RunView{}, err
	}
	return view(r, true), nil
}

// CancelInput is cancel_preset_run's input.
type CancelInput struct {
	RunID      string `json:"run_id"`
	Compensate *bool  `json:"compensate,omitempty" jsonschema:"undo what the run did (default true)"`
}

func (p *plugin) cancel(ctx context.Context, call *sdk.Call, in CancelInput) (RunView, error) {
	r, err := p.run(ctx, call, in.RunID)
	if err != nil {
		return RunView{}, err
	}
	comp := in.Compensate == nil || *in.Compensate
	r, err = p.engine.Cancel(ctx, sdkCaller{call}, r, comp)
	return view(r, false), err
}

// RunView is a run as the tools show it.
type RunView struct {
	RunID    string              `json:"run_id"`
	PresetID string              `json:"preset_id"`
	Status   string              `json:"status" jsonschema:"running, waiting_confirmation, succeeded, dry_run_done, failed (what it did was undone), compensation_failed (see the log), cancelled or interrupted"`
	DryRun   bool                `json:"dry_run"`
	Steps    []StepView          `json:"steps"`
	Waiting  *workflow.Waiting   `json:"waiting,omitempty"`
	Output   map[string]any      `json:"output,omitempty"`
	Error    *workflow.RunError  `json:"error,omitempty"`
	Next     string              `json:"next" jsonschema:"what to do now"`
	Log      []workflow.LogEntry `json:"log,omitempty"`
}

// StepView is one step of a run.
type StepView struct {
	ID         string                `json:"id"`
	Tool       string                `json:"tool"`
	Status     string                `json:"status"`
	Iterations []*workflow.Iteration `json:"iterations,omitempty"`
}

func view(r *workflow.Run, withLog bool) RunView {
	v := RunView{RunID: r.ID, PresetID: r.PresetID, Status: r.Status, DryRun: r.DryRun, Steps: []StepView{},
		Waiting: r.Waiting, Output: r.Output, Error: r.Error}
	for _, s := range r.Workflow.Steps {
		st := r.Steps[s.ID]
		sv := StepView{ID: s.ID, Tool: s.Tool, Status: st.Status}
		for _, it := range st.Iterations {
			c := *it
			c.Token = "" // single-use, and the run uses it itself
			sv.Iterations = append(sv.Iterations, &c)
		}
		v.Steps = append(v.Steps, sv)
	}
	if withLog {
		v.Log = r.Log
	}
	switch r.Status {
	case workflow.RunWaiting:
		v.Next = "show the preview to the user; execute_preset with run_id and confirm: true goes on, confirm: false stops and undoes what was done"
	case workflow.RunInterrupted, workflow.RunRunning:
		v.Next = "execute_preset with run_id resumes it (no step runs twice); get_preset_run follows it"
	case workflow.RunFailed:
		v.Next = "the run failed and what it had done was undone; fix the cause in error and run the preset again"
	case workflow.RunCompFailed:
		v.Next = "the run failed and not everything could be undone: the log and the steps' compensation say what is left; check it in Billy"
	case workflow.RunDryRun:
		v.Next = "nothing was written; run it without dry_run to do it"
	default:
		v.Next = "done"
	}
	return v
}

// CreateInput is create_custom_preset's input: a workflow, or v1's fields.
type CreateInput struct {
	Workflow     map[string]any `json:"workflow,omitempty" jsonschema:"a workflow (version 1); its id is prefixed custom_"`
	WorkflowText string         `json:"workflow_text,omitempty" jsonschema:"a workflow written as YAML or JSON text; its id is prefixed custom_"`
	Name         string         `json:"name,omitempty" jsonschema:"v1: the preset's name"`
	Description  string         `json:"description,omitempty"`
	BusinessType string         `json:"businessType,omitempty" jsonschema:"freelancer, retail, service or general"`
	Actions      []V1Action     `json:"actions,omitempty" jsonschema:"v1: the tools to call, in order"`
}

// V1Action is one of v1's preset actions.
type V1Action struct {
	Tool        string         `json:"tool"`
	Action      string         `json:"action,omitempty" jsonschema:"v1; ignored"`
	Parameters  map[string]any `json:"parameters,omitempty"`
	Description string         `json:"description,omitempty"`
	Write       bool           `json:"write,omitempty" jsonschema:"the tool changes the books (not called in a dry run)"`
}

// CreateOutput is what create_custom_preset saved.
type CreateOutput struct {
	Preset PresetInfo `json:"preset"`
}

var slugRe = regexp.MustCompile(`[^a-z0-9]+`)

func slug(s string) string {
	s = strings.Trim(slugRe.ReplaceAllString(strings.ToLower(s), "_"), "_")
	if len(s) > 50 {
		s = s[:50]
	}
	return s
}

func (p *plugin) create(ctx context.Context, call *sdk.Call, in CreateInput) (CreateOutput, error) {
	var raw []byte
	if in.WorkflowText != "" {
		if in.Workflow != nil || len(in.Actions) > 0 {
			return CreateOutput{}, sdk.Invalid("workflow_text", "give one of workflow, workflow_text and v1's actions")
		}
		parsed, err := workflow.ParseText([]byte(in.WorkflowText))
		if err != nil {
			return CreateOutput{}, invalidWorkflow("workflow_text", err)
		}
		b, _ := json.Marshal(parsed)
		if err := json.Unmarshal(b, &in.Workflow); err != nil {
			return CreateOutput{}, err
		}
	}
	switch {
	case in.Workflow != nil && len(in.Actions) > 0:
		return CreateOutput{}, sdk.Invalid("workflow", "give workflow or v1's actions, not both")
	case in.Workflow != nil:
		wf := in.Workflow
		if id, _ := wf["id"].(string); id != "" && !strings.HasPrefix(id, "custom_") {
			wf["id"] = "custom_" + id
		}
		raw, _ = json.Marshal(wf)
	case len(in.Actions) > 0:
		if slug(in.Name) == "" {
			return CreateOutput{}, sdk.Invalid("name", "is required: a name with letters or digits")
		}
		w := map[string]any{"version": 1, "id": "custom_" + slug(in.Name), "title": in.Name, "description": in.Description}
		if in.BusinessType != "" {
			w["business_type"] = in.BusinessType
		}
		var steps []any
		for i, a := range in.Actions {
			s := map[string]any{"id": fmt.Sprintf("step_%d", i+1), "tool": a.Tool, "title": a.Description}
			if len(a.Parameters) > 0 {
				s["args"] = a.Parameters
			}
			if a.Write {
				s["write"] = true
			}
			steps = append(steps, s)
		}
		w["steps"] = steps
		raw, _ = json.Marshal(w)
	default:
		return CreateOutput{}, sdk.Invalid("workflow", "give a workflow, or v1's name and actions")
	}
	w, err := workflow.Parse(raw)
	if err != nil {
		return CreateOutput{}, invalidWorkflow("workflow", err)
	}
	if err := p.custom.put(ctx, call.Caller.OrganizationID, w); err != nil {
		return CreateOutput{}, sdk.NewError(sdk.CategoryUpstreamUnavailable, "preset_store_unavailable", "the preset was not saved: %v", err)
	}
	return CreateOutput{Preset: info(w, false, true)}, nil
}

// invalidWorkflow is a validation error naming every problem.
func invalidWorkflow(field string, err error) error {
	var ve *workflow.ValidationError
	if !errors.As(err, &ve) {
		return sdk.Invalid(field, "%v", err)
	}
	e := sdk.NewError(sdk.CategoryValidation, sdk.CodeInvalidArguments, "%s", ve.Error())
	for _, pr := range ve.Problems {
		e.Fields = append(e.Fields, sdk.FieldError{Field: strings.TrimSuffix(field+"."+pr.Path, "."), Message: pr.Message})
	}
	return e
}

// DeleteDraftInput is delete_draft_invoice's input.
type DeleteDraftInput struct {
	InvoiceID string `json:"invoiceId"`
}

// DeleteDraftOutput says what happened.
type DeleteDraftOutput struct {
	InvoiceID string `json:"invoiceId"`
	Status    string `json:"status" jsonschema:"deleted, or already_gone"`
}

var billyID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func (p *plugin) deleteDraft(ctx context.Context, call *sdk.Call, in DeleteDraftInput) (DeleteDraftOutput, error) {
	if !billyID.MatchString(in.InvoiceID) {
		return DeleteDraftOutput{}, sdk.Invalid("invoiceId", "must be a Billy invoice ID (letters, digits, _ and -)")
	}
	if call.WritesMode == sdk.WritesOff {
		return DeleteDraftOutput{}, sdk.NewError(sdk.CategoryForbidden, "writes_disabled", "writes are disabled on this deployment (writes.mode: off); the draft was not deleted")
	}
	resp, err := call.Host.Billy(ctx, sdk.BillyRequest{Method: http.MethodGet, Path: "/invoices/" + in.InvoiceID})
	var se *sdk.Error
	if errors.As(err, &se) && se.Category == sdk.CategoryNotFound {
		return DeleteDraftOutput{InvoiceID: in.InvoiceID, Status: "already_gone"}, nil
	}
	if err != nil {
		return DeleteDraftOutput{}, err
	}
	var env struct {
		Invoice struct {
			State string `json:"state"`
		} `json:"invoice"`
	}
	if err := resp.Decode(&env); err != nil {
		return DeleteDraftOutput{}, err
	}
	if env.Invoice.State != "draft" {
		return DeleteDraftOutput{}, sdk.NewError(sdk.CategoryConflict, "invoice_not_draft",
			"invoice %s is %s, not a draft: it is booked, so it is voided (cancel_invoice) or credited (create_credit_note), never deleted", in.InvoiceID, env.Invoice.State)
	}
	if _, err := call.Host.Billy(ctx, sdk.BillyRequest{Method: http.MethodDelete, Path: "/invoices/" + in.InvoiceID}); err != nil {
		if errors.As(err, &se) && se.Category == sdk.CategoryNotFound {
			return DeleteDraftOutput{InvoiceID: in.InvoiceID, Status: "already_gone"}, nil
		}
		return DeleteDraftOutput{}, err
	}
	return DeleteDraftOutput{InvoiceID: in.InvoiceID, Status: "deleted"}, nil
}

// BatchInput is execute_batch's input.
type BatchInput struct {
	Items  []workflow.BatchItem `json:"items" jsonschema:"the calls, in order: tool, arguments, and read_only for tools that change nothing"`
	DryRun bool                 `json:"dry_run,omitempty" jsonschema:"validate every item and call nothing that writes"`
}

// BatchOutput is what became of a batch.
type BatchOutput struct {
	RunID  string                     `json:"run_id"`
	Status string                     `json:"status" jsonschema:"succeeded (every item done), failed (nothing left: what was done was undone), outcome_unknown (an item may have reached Billy: see items), compensation_failed (an undo failed: see items), validated (dry run) or interrupted"`
	Items  []workflow.BatchItemResult `json:"items"`
	Error  *workflow.RunError         `json:"error,omitempty"`
	Next   string                     `json:"next"`
}

// batch runs an all-or-nothing batch as a run of the engine, so the
// compensation is the engine's and its table is workflow.Undos: one
// definition, shared with the templates.
func (p *plugin) batch(ctx context.Context, call *sdk.Call, in BatchInput) (BatchOutput, error) {
	w, err := workflow.BatchWorkflow(in.Items)
	var se *sdk.Error
	if errors.As(err, &se) {
		return BatchOutput{}, se // CheckBatch's: every bad item, each under items[i]
	}
	if err != nil {
		return BatchOutput{}, invalidWorkflow("items", err)
	}
	items := make([]any, len(in.Items))
	for i, it := range in.Items {
		items[i] = map[string]any{"tool": it.Tool, "arguments": it.Arguments}
	}
	c := sdkCaller{call}
	r, err := p.engine.Start(ctx, c, w, workflow.BatchWorkflowID, call.Caller.OrganizationID, call.Caller.Subject, map[string]any{"items": items}, in.DryRun)
	if r == nil {
		return BatchOutput{}, err
	}
	if err == nil && r.Status == workflow.RunWaiting {
		// A write that asks for a person's confirmation: all or nothing
		// does not wait half-way for one. Stop and undo what was done.
		r, err = p.engine.Cancel(ctx, c, r, true)
	}
	return batchView(r, in.Items), err
}

func batchView(r *workflow.Run, items []workflow.BatchItem) BatchOutput {
	out := BatchOutput{RunID: r.ID, Items: workflow.BatchReport(r, items)}
	unknown := false
	for _, it := range out.Items {
		unknown = unknown || it.Status == workflow.ItemUnknown
		// The batch's error is its first failed item's (not the run's
		// "precondition failed" that stopped it).
		if out.Error == nil && it.Error != nil && (it.Status == workflow.ItemFailed || it.Status == workflow.ItemUnknown) {
			out.Error = it.Error
		}
	}
	if out.Error == nil {
		out.Error = r.Error
	}
	switch {
	case unknown:
		out.Status = workflow.ItemUnknown
		out.Next = "an item may or may not have reached Billy (outcome_unknown): check it with the matching get or list tool before running the batch again; the items done before it were undone where they could be"
	case r.Status == workflow.RunSucceeded:
		out.Status, out.Next = "succeeded", "done"
	case r.Status == workflow.RunDryRun:
		out.Status, out.Next = "validated", "every item passed validation and nothing was written; run it without dry_run to do it"
	case r.Status == workflow.RunCompFailed:
		out.Status = "compensation_failed"
		out.Next = "an item failed and not everything could be undone: the items with status compensation_failed are still in Billy (get_preset_run shows the log)"
	case r.Status == workflow.RunInterrupted || r.Status == workflow.RunRunning:
		out.Status = workflow.RunInterrupted
		out.Next = "execute_preset with run_id resumes it (no item runs twice); get_preset_run follows it"
	default:
		out.Status = "failed"
		out.Next = "nothing was left written: the items done were undone; fix the failed item and run the batch again"
	}
	return out
}
