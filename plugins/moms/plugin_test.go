package main

import (
	"context"
	"testing"

	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
	"github.com/google/go-cmp/cmp"
)

func TestToolsDescribeHonestly(t *testing.T) {
	h := sdktest.New(t, New())
	var names []string
	for _, tool := range h.Tools() {
		names = append(names, tool.Name)
		if !tool.ReadOnly || tool.Destructive || !tool.Idempotent || tool.OpenWorld {
			t.Errorf("%s: every moms computation tool is read-only, idempotent and closed-world", tool.Name)
		}
		if !cmp.Equal(tool.Scopes, []string{"moms:read"}) {
			t.Errorf("%s: scopes %v, want [moms:read] (a computation; moms:file is for filing)", tool.Name, tool.Scopes)
		}
		if tool.Category != "moms" || tool.Title == "" || len(tool.OutputSchema) == 0 {
			t.Errorf("%s: want category moms, a title and an output schema, got %+v", tool.Name, tool)
		}
	}
	if diff := cmp.Diff([]string{"calculate_vat", "validate_cvr", "validate_iban", "vat_deadlines"}, names); diff != "" {
		t.Errorf("tools (-want +got):\n%s", diff)
	}
}

// TestExamplesRun: every example shown to clients is a call that succeeds.
func TestExamplesRun(t *testing.T) {
	h := sdktest.New(t, New())
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
