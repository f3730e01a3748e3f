package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
	"github.com/google/go-cmp/cmp"
)

var fixedNow = func() time.Time { return time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC) }

// fakeBilly records requests and answers creates with numbered IDs.
type fakeBilly struct {
	mu       sync.Mutex
	requests []string
	bodies   []map[string]any
	failOn   string
}

func (f *fakeBilly) do(_ context.Context, req sdk.BillyRequest) (*sdk.BillyResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, req.Method+" "+req.Path)
	if f.failOn != "" && strings.HasPrefix(req.Method+" "+req.Path, f.failOn) {
		return nil, sdk.NewError(sdk.CategoryValidation, "billy_validation", "Billy refused it")
	}
	if req.Method != "POST" {
		return &sdk.BillyResponse{Status: 200, Body: json.RawMessage(`{}`)}, nil
	}
	raw, _ := json.Marshal(req.Body)
	var body map[string]any
	_ = json.Unmarshal(raw, &body)
	f.bodies = append(f.bodies, body)
	plural := strings.TrimPrefix(req.Path, "/")
	return &sdk.BillyResponse{Status: 200, Body: json.RawMessage(fmt.Sprintf(`{%q:[{"id":"%s-%d"}]}`, plural, plural, len(f.requests)))}, nil
}

func start(t *testing.T, f *fakeBilly) *sdktest.Harness {
	t.Helper()
	opts := []sdktest.Option{}
	if f != nil {
		opts = append(opts, sdktest.WithBilly(f.do))
	}
	h, err := sdktest.Start(t, (&plugin{now: fixedNow}).declare(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestToolsDescribeHonestly(t *testing.T) {
	type shape struct {
		Name                                    string
		ReadOnly, Destructive, Idempotent, Open bool
		Scopes                                  []string
	}
	var got []shape
	for _, tool := range start(t, nil).Tools() {
		got = append(got, shape{tool.Name, tool.ReadOnly, tool.Destructive, tool.Idempotent, tool.OpenWorld, tool.Scopes})
		if tool.Category != "testing" || tool.Title == "" {
			t.Errorf("%s: category %q, title %q", tool.Name, tool.Category, tool.Title)
		}
	}
	want := []shape{
		{Name: "list_test_scenarios", ReadOnly: true, Idempotent: true},
		{Name: "run_test_scenario", Open: true, Scopes: []string{"customers:write", "invoices:write", "products:write"}},
		{Name: "generate_test_data", ReadOnly: true, Idempotent: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tools (-want +got):\n%s", diff)
	}
}

func TestRunScenarioCreatesAndCleansUp(t *testing.T) {
	f := &fakeBilly{}
	h := start(t, f)
	var out RunOutput
	if err := h.CallToolInto(context.Background(), "run_test_scenario", map[string]any{"scenarioId": "serviceBusiness", "cleanup": true}, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Customers) != 3 || len(out.Products) != 3 || len(out.Invoices) != 2 || !out.CleanedUp {
		t.Errorf("run: %+v", out)
	}
	// Creates in order, then deletes: invoices before what they use.
	var kinds []string
	for _, r := range f.requests {
		method, path, _ := strings.Cut(r, " ")
		kinds = append(kinds, method+" "+strings.Split(strings.TrimPrefix(path, "/"), "/")[0])
	}
	want := []string{"POST contacts", "POST contacts", "POST contacts", "POST products", "POST products", "POST products",
		"POST invoices", "POST invoices", "DELETE invoices", "DELETE invoices", "DELETE products", "DELETE products",
		"DELETE products", "DELETE contacts", "DELETE contacts", "DELETE contacts"}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	// An invoice's lines name products this run created, its contact one
	// of its customers; prices are exact decimals.
	inv := f.bodies[6]["invoice"].(map[string]any)
	if c := inv["contactId"].(string); !strings.HasPrefix(c, "contacts-") || inv["state"] != "draft" || inv["entryDate"] != "2026-11-27" {
		t.Errorf("invoice body: %v", inv)
	}
	for _, l := range inv["lines"].([]any) {
		if p := l.(map[string]any)["productId"].(string); !strings.HasPrefix(p, "products-") {
			t.Errorf("line names product %q", p)
		}
	}
}

func TestRunScenarioRefusals(t *testing.T) {
	h := start(t, &fakeBilly{})
	_, err := h.CallTool(context.Background(), "run_test_scenario", map[string]any{"scenario": "bakery"})
	var e *sdk.Error
	if !errors.As(err, &e) || e.Category != sdk.CategoryValidation || len(e.Fields) == 0 || e.Fields[0].Field != "scenario" {
		t.Errorf("unknown scenario: %v", err)
	}
	// Outside the sandbox nothing is written.
	f := &fakeBilly{}
	p := &plugin{environment: "production", now: fixedNow}
	_, err = p.run(context.Background(), &sdk.Call{}, RunInput{Scenario: "freelancer"})
	if !errors.As(err, &e) || e.Code != "sandbox_only" || e.Category != sdk.CategoryForbidden || len(f.requests) != 0 {
		t.Errorf("production: %v", err)
	}
	// A failure midway says what was created.
	f = &fakeBilly{failOn: "POST /products"}
	var out RunOutput
	err = start(t, f).CallToolInto(context.Background(), "run_test_scenario", map[string]any{"scenario": "freelancer"}, &out)
	if err == nil || !strings.Contains(err.Error(), "2 customers") {
		t.Errorf("failure midway: %v", err)
	}
}

func TestGenerateTestData(t *testing.T) {
	h := start(t, nil)
	var a, b GenerateOutput
	args := map[string]any{"businessType": "retailBusiness", "customization": map[string]any{"customerCount": 5, "productCount": 8, "invoiceCount": 4}, "year": 2025}
	if err := h.CallToolInto(context.Background(), "generate_test_data", args, &a); err != nil {
		t.Fatal(err)
	}
	if err := h.CallToolInto(context.Background(), "generate_test_data", args, &b); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("the same seed gave other data:\n%s", diff)
	}
	if len(a.Customers) != 5 || len(a.Products) != 8 || len(a.Invoices) != 4 || a.BusinessType != "retail" {
		t.Errorf("counts: %d customers, %d products, %d invoices", len(a.Customers), len(a.Products), len(a.Invoices))
	}
	for _, c := range a.Customers {
		if c.Type == "company" && !validCVR(c.RegistrationNo) {
			t.Errorf("%s: CVR %q fails the modulus-11 check", c.Name, c.RegistrationNo)
		}
	}
	for _, d := range a.Invoices {
		if !strings.HasPrefix(d.EntryDate, "2025-") || d.Customer >= len(a.Customers) {
			t.Errorf("draft %+v", d)
		}
	}
	for _, tc := range []struct {
		args  map[string]any
		field string
	}{
		{map[string]any{"businessType": "bakery"}, "businessType"},
		{map[string]any{"businessType": "service", "customerCount": 51}, "customerCount"},
		{map[string]any{"businessType": "service", "invoiceCount": -1}, "invoiceCount"},
		{map[string]any{"businessType": "service", "year": 1999}, "year"},
	} {
		_, err := h.CallTool(context.Background(), "generate_test_data", tc.args)
		var e *sdk.Error
		if !errors.As(err, &e) || len(e.Fields) == 0 || e.Fields[0].Field != tc.field {
			t.Errorf("%v: %v, want a validation error naming %s", tc.args, err, tc.field)
		}
	}
}

func validCVR(s string) bool {
	if len(s) != 8 {
		return false
	}
	sum := 0
	for i, w := range []int{2, 7, 6, 5, 4, 3, 2, 1} {
		sum += int(s[i]-'0') * w
	}
	return sum%11 == 0
}
