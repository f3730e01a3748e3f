package invoices

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
	"github.com/google/go-cmp/cmp"
)

// TestToolsDescribeHonestly lists every tool with its effect, category and
// scope: reads are read-only, drafts and master data additive, and
// everything that books, emails, voids or pays is destructive and needs an
// approve scope (billy:approve, not the bookkeeper's billy:write).
func TestToolsDescribeHonestly(t *testing.T) {
	type want struct {
		effect   string
		category string
		scope    string
	}
	wants := map[string]want{
		"list_invoices":         {"read", "invoices", "invoices:read"},
		"get_invoice":           {"read", "invoices", "invoices:read"},
		"get_invoice_pdf":       {"read", "invoices", "invoices:read"},
		"create_invoice":        {"additive", "invoices", "invoices:write"},
		"update_invoice":        {"additive", "invoices", "invoices:write"},
		"approve_invoice":       {"destructive", "invoices", "invoices:approve"},
		"send_invoice":          {"destructive", "invoices", "invoices:approve"},
		"cancel_invoice":        {"destructive", "invoices", "invoices:approve"},
		"create_credit_note":    {"destructive", "invoices", "invoices:approve"},
		"mark_invoice_paid":     {"destructive", "invoices", "payments:approve"},
		"get_revenue":           {"read", "invoices", "invoices:read"},
		"list_customers":        {"read", "customers", "customers:read"},
		"get_customer":          {"read", "customers", "customers:read"},
		"create_customer":       {"additive", "customers", "customers:write"},
		"update_customer":       {"additive", "customers", "customers:write"},
		"list_contact_persons":  {"read", "customers", "customers:read"},
		"create_contact_person": {"additive", "customers", "customers:write"},
		"list_products":         {"read", "products", "products:read"},
		"get_product":           {"read", "products", "products:read"},
		"create_product":        {"additive", "products", "products:write"},
		"update_product":        {"additive", "products", "products:write"},
		"list_payments":         {"read", "payments", "payments:read"},
		"record_payment":        {"destructive", "payments", "payments:approve"},
		"list_tax_rates":        {"read", "reference", "reference:read"},
		"list_accounts":         {"read", "reference", "reference:read"},
		"validate_auth":         {"read", "diagnostics", "organization:read"},
		"test_connection":       {"read", "diagnostics", "organization:read"},
	}
	h := sdktest.New(t, New())
	got := map[string]want{}
	for _, tool := range h.Tools() {
		effect := "additive"
		switch {
		case tool.ReadOnly && !tool.Destructive:
			effect = "read"
		case tool.Destructive && !tool.ReadOnly:
			effect = "destructive"
		case tool.ReadOnly && tool.Destructive:
			effect = "contradictory"
		}
		got[tool.Name] = want{effect, tool.Category, strings.Join(tool.Scopes, ",")}
		if !tool.OpenWorld {
			t.Errorf("%s reaches Billy and must be open-world", tool.Name)
		}
		if tool.Title == "" || len(tool.Description) < 80 {
			t.Errorf("%s: needs a title and a description written for a model", tool.Name)
		}
		if len(tool.OutputSchema) == 0 {
			t.Errorf("%s: no output schema", tool.Name)
		}
		if effect == "destructive" && !strings.Contains(tool.Description, "cannot be undone") && !strings.Contains(tool.Description, "cannot be") {
			t.Errorf("%s: a destructive tool's description must say what cannot be undone", tool.Name)
		}
		var schema struct {
			Properties map[string]any `json:"properties"`
		}
		_ = json.Unmarshal(tool.InputSchema, &schema)
		_, hasDry := schema.Properties["dry_run"]
		_, hasToken := schema.Properties["confirmation_token"]
		if (effect != "read") != hasDry || (effect == "destructive") != hasToken {
			t.Errorf("%s (%s): dry_run %v, confirmation_token %v", tool.Name, effect, hasDry, hasToken)
		}
	}
	if diff := cmp.Diff(wants, got, cmp.AllowUnexported(want{})); diff != "" {
		t.Errorf("tools (-want +got):\n%s", diff)
	}
}

// TestExamplesAreValid: every example shown to clients passes input
// validation (it may still name records the fake does not have).
func TestExamplesAreValid(t *testing.T) {
	e := newEnv(t, sdk.WritesConfirm)
	for _, tool := range New().Tools {
		if len(tool.Spec().Examples) == 0 {
			t.Errorf("%s: no example", tool.Name())
		}
		for _, ex := range tool.Spec().Examples {
			args := withDryRun(t, tool, ex.Arguments)
			_, err := e.h.CallTool(context.Background(), tool.Name(), args)
			var se *sdk.Error
			if errors.As(err, &se) && se.Category == sdk.CategoryValidation {
				t.Errorf("%s example %q is refused: %v", tool.Name(), ex.Title, err)
			}
		}
	}
}

// withDryRun marks write examples dry runs, so checking them writes nothing.
func withDryRun(t *testing.T, tool sdk.Tool, args any) map[string]any {
	b, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if tool.Spec().Effect != sdk.ReadOnly {
		m["dry_run"] = true
	}
	return m
}
