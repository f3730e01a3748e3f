package presets

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/plugins/presets/workflow"
	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
	"github.com/google/go-cmp/cmp"
)

// TestTemplates: every built-in template parses and validates (loadTemplates
// would panic in New otherwise), and the required Danish ones are there.
func TestTemplates(t *testing.T) {
	ts, err := loadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, w := range ts {
		ids = append(ids, w.ID)
		b, _ := os.ReadFile(filepath.Join("templates", w.ID+".json"))
		if _, err := workflow.Parse(b); err != nil {
			t.Errorf("%s: %v", w.ID, err)
		}
	}
	want := []string{"bulk_create_invoices", "dunning_reminders", "monthly_retainer_invoicing", "onboard_public_customer", "quarterly_vat_close", "year_end_checklist"}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("templates (-want +got):\n%s", diff)
	}
}

// fakeBooks plays the other plugins' tools for the plugin under test.
type fakeBooks struct {
	mu      sync.Mutex
	calls   []string
	drafts  map[string]bool
	n       int
	failFor string // create_invoice fails for this contactId
}

func (f *fakeBooks) call(_ context.Context, name string, raw json.RawMessage) (*sdk.ToolResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var args map[string]any
	_ = json.Unmarshal(raw, &args)
	f.calls = append(f.calls, name)
	var out any
	switch name {
	case "create_invoice":
		if args["contactId"] == f.failFor {
			return nil, sdk.Invalid("contactId", "contact %v is archived", args["contactId"])
		}
		if args["dry_run"] == true {
			out = map[string]any{"status": "dry_run"}
			break
		}
		f.n++
		id := fmt.Sprintf("inv%d", f.n)
		f.drafts[id] = true
		out = map[string]any{"status": "done", "record": map[string]any{"id": id}}
	case "get_customer":
		if args["contactId"] == f.failFor {
			return nil, sdk.NotFound("customer_not_found", "no customer %v", args["contactId"])
		}
		out = map[string]any{"id": args["contactId"]}
	case "validate_cvr":
		out = map[string]any{"valid": true, "normalized": args["cvr"]}
	case "create_customer":
		f.n++
		out = map[string]any{"status": "done", "record": map[string]any{"id": fmt.Sprintf("cust%d", f.n)}}
	case "delete_draft_invoice":
		delete(f.drafts, args["invoiceId"].(string))
		out = map[string]any{"status": "deleted"}
	default:
		return nil, sdk.NotFound("tool_not_found", "no tool %s", name)
	}
	b, _ := json.Marshal(out)
	return &sdk.ToolResult{Structured: b}, nil
}

func TestBulkAllOrNothing(t *testing.T) {
	for _, tt := range []struct {
		name    string
		failFor string
		status  string
		drafts  int
	}{
		{"all created", "", workflow.RunSucceeded, 3},
		{"one fails validation: nothing written", "c2", workflow.RunFailed, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			books := &fakeBooks{drafts: map[string]bool{}, failFor: tt.failFor}
			h, err := sdktest.Start(t, New(), sdktest.WithToolCaller(books.call), sdktest.WithDataDir(t.TempDir()))
			if err != nil {
				t.Fatal(err)
			}
			var items []any
			for _, c := range []string{"c1", "c2", "c3"} {
				items = append(items, map[string]any{"contactId": c, "lines": []any{map[string]any{"productId": "p1"}}})
			}
			var got RunView
			err = h.CallToolInto(context.Background(), "execute_preset", map[string]any{"preset_id": "bulk_create_invoices", "parameters": map[string]any{"invoices": items}}, &got)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tt.status || len(books.drafts) != tt.drafts {
				t.Errorf("status %s with %d drafts left, want %s with %d (%+v)", got.Status, len(books.drafts), tt.status, tt.drafts, got.Error)
			}
			// Per item: the customers step says which item failed.
			if tt.failFor != "" {
				its := got.Steps[0].Iterations
				if its[1].Status != workflow.StepFailed || its[0].Status != workflow.StepDone || its[2].Status != workflow.StepDone || its[1].Error == nil || its[1].Error.Code != "customer_not_found" {
					t.Errorf("customers step's items: %+v %+v", its[0], its[1])
				}
			}
		})
	}
}

// TestCompensationOnLateFailure: validation passes, the third creation
// fails; the two drafts created are deleted, newest first.
func TestCompensationOnLateFailure(t *testing.T) {
	books := &fakeBooks{drafts: map[string]bool{}}
	fail := 0
	h, err := sdktest.Start(t, New(), sdktest.WithToolCaller(func(ctx context.Context, name string, raw json.RawMessage) (*sdk.ToolResult, error) {
		if name == "create_invoice" && !strings.Contains(string(raw), "dry_run") {
			fail++
			if fail == 3 {
				return nil, sdk.NewError(sdk.CategoryConflict, "contact_archived", "archived meanwhile")
			}
		}
		return books.call(ctx, name, raw)
	}))
	if err != nil {
		t.Fatal(err)
	}
	items := []any{}
	for _, c := range []string{"c1", "c2", "c3"} {
		items = append(items, map[string]any{"contactId": c, "lines": []any{map[string]any{"productId": "p1"}}})
	}
	var got RunView
	if err := h.CallToolInto(context.Background(), "execute_preset", map[string]any{"preset_id": "bulk_create_invoices", "parameters": map[string]any{"invoices": items}}, &got); err != nil {
		t.Fatal(err)
	}
	// Three customer checks, three validations, two creations (the third
	// fails before the fake records it), two deletions.
	want := []string{"get_customer", "get_customer", "get_customer", "create_invoice", "create_invoice", "create_invoice", "create_invoice", "create_invoice", "delete_draft_invoice", "delete_draft_invoice"}
	if diff := cmp.Diff(want, books.calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if got.Status != workflow.RunFailed || len(books.drafts) != 0 {
		t.Errorf("status %s, drafts left %v", got.Status, books.drafts)
	}
	// Progress went to the client after each step that ended.
	var msgs []string
	for _, p := range h.Progress() {
		msgs = append(msgs, p.Message)
	}
	if diff := cmp.Diff([]string{"customers: done", "validate: done"}, msgs); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
}

func TestRunsArePerOrganization(t *testing.T) {
	books := &fakeBooks{drafts: map[string]bool{}}
	dir := t.TempDir()
	a, err := sdktest.Start(t, New(), sdktest.WithToolCaller(books.call), sdktest.WithDataDir(dir),
		sdktest.WithCaller(sdk.Caller{Subject: "a", OrganizationID: "org-a", Scopes: []string{"admin"}}))
	if err != nil {
		t.Fatal(err)
	}
	var run RunView
	if err := a.CallToolInto(context.Background(), "execute_preset", map[string]any{"preset_id": "bulk_create_invoices", "dry_run": true,
		"parameters": map[string]any{"invoices": []any{map[string]any{"contactId": "c1", "lines": []any{}}}}}, &run); err != nil {
		t.Fatal(err)
	}
	if run.Status != workflow.RunDryRun {
		t.Fatalf("dry run: %s", run.Status)
	}
	// A new process on the same data directory finds it (durable) for
	// org-a and not for org-b.
	b, err := sdktest.Start(t, New(), sdktest.WithToolCaller(books.call), sdktest.WithDataDir(dir),
		sdktest.WithCaller(sdk.Caller{Subject: "b", OrganizationID: "org-b", Scopes: []string{"admin"}}))
	if err != nil {
		t.Fatal(err)
	}
	err = b.CallToolInto(context.Background(), "get_preset_run", map[string]any{"run_id": run.RunID}, &RunView{})
	if se := sdk.AsError(err); se.Code != "preset_run_not_found" {
		t.Errorf("another organization's run: %v", err)
	}
	a2, _ := sdktest.Start(t, New(), sdktest.WithToolCaller(books.call), sdktest.WithDataDir(dir),
		sdktest.WithCaller(sdk.Caller{Subject: "a", OrganizationID: "org-a", Scopes: []string{"admin"}}))
	var again RunView
	if err := a2.CallToolInto(context.Background(), "get_preset_run", map[string]any{"run_id": run.RunID}, &again); err != nil {
		t.Fatal(err)
	}
	if again.Status != workflow.RunDryRun || len(again.Log) == 0 {
		t.Errorf("after restart: %s with %d log lines", again.Status, len(again.Log))
	}
}

func TestCreateCustomPresetV1(t *testing.T) {
	h, err := sdktest.Start(t, New())
	if err != nil {
		t.Fatal(err)
	}
	var out CreateOutput
	err = h.CallToolInto(context.Background(), "create_custom_preset", map[string]any{"name": "Månedlig rapport", "description": "d", "businessType": "service",
		"actions": []any{map[string]any{"tool": "get_revenue", "action": "x", "parameters": map[string]any{"startDate": "2026-01-01"}}}}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"step_1: get_revenue"}, out.Preset.Steps); diff != "" || out.Preset.ID != "custom_m_nedlig_rapport" {
		t.Errorf("preset %s %v", out.Preset.ID, diff)
	}
	var fromYAML CreateOutput
	if err := h.CallToolInto(context.Background(), "create_custom_preset", map[string]any{"workflow_text": "version: 1\nid: monthly\nsteps:\n  - {id: a, tool: get_revenue}\n"}, &fromYAML); err != nil {
		t.Fatal(err)
	}
	if fromYAML.Preset.ID != "custom_monthly" {
		t.Errorf("preset from YAML: %+v", fromYAML.Preset)
	}
	err = h.CallToolInto(context.Background(), "create_custom_preset", map[string]any{"workflow": map[string]any{"version": 1, "id": "x",
		"steps": []any{map[string]any{"id": "a", "tool": "t", "if": "steps.nope.status"}}}}, &out)
	se := sdk.AsError(err)
	if se.Category != sdk.CategoryValidation || len(se.Fields) != 1 || se.Fields[0].Field != "workflow.steps[0].if" {
		t.Errorf("invalid workflow: %+v", se)
	}
}

// TestMine runs mining on a synthetic usage log with known routines: one
// bookkeeper creates a customer, an invoice, approves and sends it, five
// mornings out of six (one morning stops after creating); noise in between
// days; another caller's different routine is a pattern of its own.
func TestMine(t *testing.T) {
	base := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	var ev []UsageEvent
	add := func(sub string, day int, min int, tool string, ok bool) {
		ev = append(ev, UsageEvent{Subject: sub, Tool: tool, At: base.AddDate(0, 0, day).Add(time.Duration(min) * time.Minute), OK: ok})
	}
	for d := 0; d < 6; d++ {
		add("ann", d, 0, "create_customer", true)
		add("ann", d, 1, "create_invoice", true)
		if d == 5 {
			continue
		}
		add("ann", d, 2, "create_invoice", false) // a failed retry: left out
		add("ann", d, 3, "approve_invoice", true)
		add("ann", d, 4, "send_invoice", true)
		add("ann", d, 300, "list_invoices", true) // hours later: another session
	}
	for d := 0; d < 3; d++ {
		add("bo", d, 10, "moms_return", true)
		add("bo", d, 11, "bookkeeping_check", true)
		add("bo", d, 12, "execute_preset", true) // the presets' own: left out
	}
	got := mine(ev, 3)
	want := []Pattern{
		{Tools: []string{"create_customer", "create_invoice", "approve_invoice", "send_invoice"}, Support: 5, Confidence: 0.83},
		{Tools: []string{"create_customer", "create_invoice"}, Support: 6, Confidence: 1},
		{Tools: []string{"moms_return", "bookkeeping_check"}, Support: 3, Confidence: 1},
	}
	for i := range got {
		got[i].Evidence = nil
	}
	// Sorted by support: the pair (6) before the routine (5).
	want[0], want[1] = want[1], want[0]
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("patterns (-want +got):\n%s", diff)
	}
}

// TestTwoInstancesShareRuns: two plugin processes on one PostgreSQL (as
// two host instances are): a run paused on one is seen and resumed on the
// other, and a custom preset saved on one is listed by the other.
func TestTwoInstancesShareRuns(t *testing.T) {
	url := os.Getenv("BILLY_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("BILLY_TEST_POSTGRES_URL is not set")
	}
	schema := fmt.Sprintf("presets_test_%d", time.Now().UnixNano())
	books := &fakeBooks{drafts: map[string]bool{}}
	start := func() *sdktest.Harness {
		h, err := sdktest.Start(t, newPlugin(schema), sdktest.WithToolCaller(books.call), sdktest.WithDatabaseURL(url))
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	a, b := start(), start()
	t.Cleanup(func() {
		db, err := workflow.OpenPG(context.Background(), url, schema)
		if err == nil {
			_, _ = db.DB.Exec("DROP SCHEMA " + schema + " CASCADE")
			db.Close()
		}
	})
	wf := map[string]any{"version": 1, "id": "two", "steps": []any{
		map[string]any{"id": "a", "tool": "create_invoice", "write": true, "args": map[string]any{"contactId": "c1"}},
		map[string]any{"id": "b", "tool": "create_invoice", "write": true, "confirm": true, "args": map[string]any{"contactId": "c2"}},
	}}
	var run RunView
	if err := a.CallToolInto(context.Background(), "execute_preset", map[string]any{"workflow": wf}, &run); err != nil {
		t.Fatal(err)
	}
	if run.Status != workflow.RunWaiting {
		t.Fatalf("on a: %s", run.Status)
	}
	var seen RunView
	if err := b.CallToolInto(context.Background(), "get_preset_run", map[string]any{"run_id": run.RunID}, &seen); err != nil {
		t.Fatal(err)
	}
	if seen.Status != workflow.RunWaiting {
		t.Errorf("b sees %s", seen.Status)
	}
	var done RunView
	if err := b.CallToolInto(context.Background(), "execute_preset", map[string]any{"run_id": run.RunID, "confirm": true}, &done); err != nil {
		t.Fatal(err)
	}
	if done.Status != workflow.RunSucceeded || len(books.drafts) != 2 {
		t.Errorf("resumed on b: %s, %d drafts", done.Status, len(books.drafts))
	}
	if err := a.CallToolInto(context.Background(), "create_custom_preset", map[string]any{"workflow": wf}, &CreateOutput{}); err != nil {
		t.Fatal(err)
	}
	var list ListOutput
	if err := b.CallToolInto(context.Background(), "list_presets", map[string]any{}, &list); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range list.Presets {
		found = found || p.ID == "custom_two"
	}
	if !found || !list.Durable {
		t.Errorf("b's list (durable %v) lacks a's custom_two", list.Durable)
	}
}

// TestOnboardPublicCustomer: the EAN's GS1 check digit is checked before
// the customer is created.
func TestOnboardPublicCustomer(t *testing.T) {
	for _, tt := range []struct {
		ean    string
		status string
		calls  []string
	}{
		{"5798000416604", workflow.RunSucceeded, []string{"validate_cvr", "create_customer"}},
		{"5798000416605", workflow.RunFailed, []string{"validate_cvr"}}, // check digit off by one
		{"4798000416604", workflow.RunFailed, []string{"validate_cvr"}}, // not Danish
	} {
		t.Run(tt.ean, func(t *testing.T) {
			books := &fakeBooks{drafts: map[string]bool{}}
			h, err := sdktest.Start(t, New(), sdktest.WithToolCaller(books.call))
			if err != nil {
				t.Fatal(err)
			}
			var got RunView
			if err := h.CallToolInto(context.Background(), "execute_preset", map[string]any{"preset_id": "onboard_public_customer",
				"parameters": map[string]any{"name": "Region Hovedstaden", "cvr": "29190623", "ean": tt.ean}}, &got); err != nil {
				t.Fatal(err)
			}
			if got.Status != tt.status {
				t.Errorf("status %s, want %s (%+v)", got.Status, tt.status, got.Error)
			}
			if diff := cmp.Diff(tt.calls, books.calls); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
		})
	}
}

// TestExecuteBatch: an all-or-nothing batch validates every item before it
// writes, undoes what was done when an item fails, and reports each item;
// a write whose outcome is unknown is reported as such, not as a failure.
func TestExecuteBatch(t *testing.T) {
	line := []any{map[string]any{"productId": "p1"}}
	items := func(contacts ...string) []any {
		var out []any
		for _, c := range contacts {
			out = append(out, map[string]any{"tool": "create_invoice", "arguments": map[string]any{"contactId": c, "lines": line}})
		}
		return out
	}
	// The validation pass: per item, its customer is read, then its dry
	// run.
	checks := func(n int) []string {
		var out []string
		for range n {
			out = append(out, "get_customer", "create_invoice")
		}
		return out
	}
	for _, tt := range []struct {
		name     string
		items    []any
		failAt   int    // the failAt-th real create_invoice fails (1-based; 0: none)
		failCode string // with this code
		status   string
		items2   []string
		drafts   int
		calls    []string
	}{
		{name: "all done", items: items("c1", "c2"), status: "succeeded", items2: []string{"done", "done"}, drafts: 2,
			calls: append(checks(2), "create_invoice", "create_invoice")},
		{name: "one invalid: nothing written", items: items("c1", "bad", "c3"), status: "failed", items2: []string{"not_run", "failed", "not_run"},
			calls: checks(3)},
		{name: "the third fails: the two done are undone", items: items("c1", "c2", "c3", "c4"), failAt: 3, failCode: "contact_archived", status: "failed",
			items2: []string{"compensated", "compensated", "failed", "not_run"},
			calls:  append(checks(4), "create_invoice", "create_invoice", "create_invoice", "delete_draft_invoice", "delete_draft_invoice")},
		{name: "the second's outcome is unknown", items: items("c1", "c2", "c3"), failAt: 2, failCode: "write_outcome_unknown", status: "outcome_unknown",
			items2: []string{"compensated", "outcome_unknown", "not_run"},
			calls:  append(checks(3), "create_invoice", "create_invoice", "delete_draft_invoice")},
		{name: "a write with no undo is refused before anything runs", items: []any{map[string]any{"tool": "send_invoice", "arguments": map[string]any{"invoiceId": "i1"}}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			books := &fakeBooks{drafts: map[string]bool{}, failFor: "bad"}
			n := 0
			h, err := sdktest.Start(t, New(), sdktest.WithToolCaller(func(ctx context.Context, name string, raw json.RawMessage) (*sdk.ToolResult, error) {
				if name == "create_invoice" && !strings.Contains(string(raw), "dry_run") {
					if n++; n == tt.failAt {
						e := sdk.NewError(sdk.CategoryConflict, tt.failCode, "refused")
						if tt.failCode == "write_outcome_unknown" {
							e.Category = sdk.CategoryUpstreamUnavailable
						}
						books.mu.Lock()
						books.calls = append(books.calls, name)
						books.mu.Unlock()
						return nil, e
					}
				}
				return books.call(ctx, name, raw)
			}), sdktest.WithDataDir(t.TempDir()))
			if err != nil {
				t.Fatal(err)
			}
			var got BatchOutput
			err = h.CallToolInto(context.Background(), "execute_batch", map[string]any{"items": tt.items}, &got)
			if tt.status == "" {
				if se := sdk.AsError(err); err == nil || se.Category != sdk.CategoryValidation || len(books.calls) > 0 {
					t.Fatalf("refusal: %v, calls %v", err, books.calls)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var statuses []string
			for _, it := range got.Items {
				statuses = append(statuses, it.Status)
			}
			if diff := cmp.Diff(tt.items2, statuses); diff != "" {
				t.Errorf("items (-want +got):\n%s", diff)
			}
			if got.Status != tt.status || len(books.drafts) != tt.drafts {
				t.Errorf("status %s with %d drafts, want %s with %d (%+v)", got.Status, len(books.drafts), tt.status, tt.drafts, got.Error)
			}
			if diff := cmp.Diff(tt.calls, books.calls); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			if tt.failCode != "" && (got.Error == nil || got.Error.Code != tt.failCode) {
				t.Errorf("error %+v, want %s", got.Error, tt.failCode)
			}
		})
	}
}
