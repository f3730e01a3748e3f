package workflow

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/google/go-cmp/cmp"
)

func TestCheckBatch(t *testing.T) {
	many := make([]BatchItem, MaxBatchItems+1)
	for i := range many {
		many[i] = BatchItem{Tool: "create_invoice"}
	}
	for _, tt := range []struct {
		name   string
		items  []BatchItem
		fields []string
	}{
		{"undoable writes and reads", []BatchItem{{Tool: "create_invoice", Arguments: map[string]any{"contactId": "c1"}}, {Tool: "list_invoices", ReadOnly: true}}, nil},
		{"empty", nil, []string{"items"}},
		{"too many", many, []string{"items"}},
		{"a write with no undo", []BatchItem{{Tool: "send_invoice", Arguments: map[string]any{"invoiceId": "i1"}}}, []string{"items[0].tool"}},
		{"a bad tool name", []BatchItem{{Tool: "no such tool"}}, []string{"items[0].tool"}},
		{"controls the batch sets", []BatchItem{{Tool: "create_invoice", Arguments: map[string]any{"dry_run": true, "idempotency_key": "k"}}},
			[]string{"items[0].arguments.dry_run", "items[0].arguments.idempotency_key"}},
		{"an argument name that is not one", []BatchItem{{Tool: "create_invoice", Arguments: map[string]any{`a"]} || true`: 1}}}, []string{`items[0].arguments.a"]} || true`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckBatch(tt.items)
			var got []string
			var se *sdk.Error
			if errors.As(err, &se) {
				for _, f := range se.Fields {
					got = append(got, f.Field)
				}
				if se.Category != sdk.CategoryValidation {
					t.Errorf("category %s", se.Category)
				}
			} else if err != nil {
				t.Fatalf("not an sdk error: %v", err)
			}
			// Map order: compare as sets.
			if diff := cmp.Diff(tt.fields, got, cmpSorted); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}

var cmpSorted = cmp.Transformer("sort", func(in []string) []string {
	out := slices.Clone(in)
	slices.Sort(out)
	return out
})

// TestBatchWorkflow: checks first (write items with dry_run), then the
// items, the first guarded by every check, writes with the table's undo;
// the items' arguments reach the steps only through expressions over the
// input, so an argument that looks like an expression stays data.
func TestBatchWorkflow(t *testing.T) {
	w, err := BatchWorkflow([]BatchItem{
		{Tool: "create_invoice", Arguments: map[string]any{"contactId": "${{ run.id }}"}},
		{Tool: "get_invoice", Arguments: map[string]any{"invoiceId": "i1"}, ReadOnly: true},
		{Tool: "approve_invoice", Arguments: map[string]any{"invoiceId": "i2"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	type stepShape struct {
		ID, Tool, FailIf, Undo string
		Write, Continue        bool
		Args                   map[string]any
	}
	var got []stepShape
	for _, s := range w.Steps {
		sh := stepShape{ID: s.ID, Tool: s.Tool, FailIf: s.FailIf, Write: s.Write, Continue: s.ContinueOnError, Args: s.Args}
		if s.Compensate != nil {
			sh.Undo = s.Compensate.Tool
		}
		got = append(got, sh)
	}
	want := []stepShape{
		{ID: "exists_0_0", Tool: "get_customer", Continue: true, Args: map[string]any{"contactId": `${{ inputs.items[0].arguments["contactId"] }}`}},
		{ID: "check_0", Tool: "create_invoice", Continue: true, Args: map[string]any{"contactId": `${{ inputs.items[0].arguments["contactId"] }}`, "dry_run": true}},
		{ID: "check_2", Tool: "approve_invoice", Continue: true, Args: map[string]any{"invoiceId": `${{ inputs.items[2].arguments["invoiceId"] }}`, "dry_run": true}},
		{ID: "item_0", Tool: "create_invoice", Write: true, Undo: "delete_draft_invoice", FailIf: "steps.exists_0_0.status == 'failed' || steps.check_0.status == 'failed' || steps.check_2.status == 'failed'",
			Args: map[string]any{"contactId": `${{ inputs.items[0].arguments["contactId"] }}`}},
		{ID: "item_1", Tool: "get_invoice", Args: map[string]any{"invoiceId": `${{ inputs.items[1].arguments["invoiceId"] }}`}},
		{ID: "item_2", Tool: "approve_invoice", Write: true, Undo: "create_credit_note", Args: map[string]any{"invoiceId": `${{ inputs.items[2].arguments["invoiceId"] }}`}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	// The expression-looking argument is the input's value, not evaluated.
	args, err := resolveArgs(w.Steps[3].Args, map[string]any{"inputs": map[string]any{"items": []any{
		map[string]any{"arguments": map[string]any{"contactId": "${{ run.id }}"}}}}})
	if err != nil || args["contactId"] != "${{ run.id }}" {
		t.Errorf("contactId resolved to %v (%v)", args["contactId"], err)
	}
}

// TestTemplatesUndoAsTheTable holds the one definition of compensation:
// wherever a template undoes a tool of Undos, it calls the table's undo
// tool on the same record.
func TestTemplatesUndoAsTheTable(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "templates", "*.json"))
	if len(files) == 0 {
		t.Fatal("no templates found")
	}
	seen := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		w, err := Parse(b)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, s := range w.Steps {
			if s.Compensate == nil {
				continue
			}
			u, ok := Undos[s.Tool]
			if !ok {
				t.Errorf("%s step %s undoes %s, which Undos does not list", w.ID, s.ID, s.Tool)
				continue
			}
			seen++
			if s.Compensate.Tool != u.Tool {
				t.Errorf("%s step %s undoes %s with %s; Undos says %s", w.ID, s.ID, s.Tool, s.Compensate.Tool, u.Tool)
			}
			for k, v := range u.Args {
				if str, _ := v.(string); strings.Contains(str, "output.") && s.Compensate.Args[k] != v {
					t.Errorf("%s step %s: undo argument %s is %v; Undos says %v", w.ID, s.ID, k, s.Compensate.Args[k], v)
				}
			}
		}
	}
	if seen < 3 {
		t.Errorf("only %d compensations in the templates", seen)
	}
}
