package moms

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// booksTools are the tools that read the books in Billy: open-world. The
// rest compute from their input alone: closed-world. All are read-only,
// idempotent and need moms:read (they compute; moms:file is for filing).
var booksTools = map[string]bool{"moms_return": true, "moms_check_invoice": true, "bookkeeping_check": true, "fiscal_periods": true}

func TestToolsDescribeHonestly(t *testing.T) {
	h := startMoms(t, nil)
	var names []string
	for _, tool := range h.Tools() {
		names = append(names, tool.Name)
		if !tool.ReadOnly || tool.Destructive || !tool.Idempotent {
			t.Errorf("%s: every moms tool is read-only and idempotent", tool.Name)
		}
		if tool.OpenWorld != booksTools[tool.Name] {
			t.Errorf("%s: open-world %v, want %v (open-world exactly when it reads Billy)", tool.Name, tool.OpenWorld, booksTools[tool.Name])
		}
		if !cmp.Equal(tool.Scopes, []string{"moms:read"}) {
			t.Errorf("%s: scopes %v, want [moms:read] (a computation; moms:file is for filing)", tool.Name, tool.Scopes)
		}
		if tool.Category != "moms" || tool.Title == "" || len(tool.OutputSchema) == 0 {
			t.Errorf("%s: want category moms, a title and an output schema, got %+v", tool.Name, tool)
		}
	}
	want := []string{"calculate_vat", "validate_cvr", "validate_iban", "vat_deadlines", "moms_return", "moms_check_invoice",
		"bookkeeping_check", "payment_due_date", "late_payment_charges", "fik_code", "fiscal_periods"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("tools (-want +got):\n%s", diff)
	}
}

// TestExamplesRun: every example shown to clients is a call that succeeds,
// the examples that read Billy against a small set of books.
func TestExamplesRun(t *testing.T) {
	f := newFakeBooks()
	seedChart(f)
	seedBusiness(f, kindWebshop)
	h := startMoms(t, f)
	for _, tool := range New().Tools {
		if len(tool.Spec().Examples) == 0 {
			t.Errorf("%s: no example", tool.Name())
		}
		for _, ex := range tool.Spec().Examples {
			res, err := h.CallTool(context.Background(), tool.Name(), ex.Arguments)
			if err != nil || res.IsError {
				t.Errorf("%s example %q: %v %+v", tool.Name(), ex.Title, err, res)
			}
		}
	}
}
