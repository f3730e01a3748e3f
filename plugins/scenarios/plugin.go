package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// writable are the environments run_test_scenario writes in: the host's
// sandbox, and sdktest's harness.
var writable = map[string]bool{"sandbox": true, "test": true}

// plugin holds what Configure learned about the deployment.
type plugin struct {
	environment string
	now         func() time.Time
}

// New declares the plugin.
func New() *sdk.Plugin { return (&plugin{now: time.Now}).declare() }

func (p *plugin) declare() *sdk.Plugin {
	return &sdk.Plugin{
		Name:        "scenarios",
		Version:     "0.1.0",
		Description: "v1's test tools for the sandbox: business scenarios to run, and generated Danish test data.",
		Configure: func(ctx context.Context, _ json.RawMessage) error {
			p.environment = sdk.DeploymentFrom(ctx).Environment
			return nil
		},
		Tools: []sdk.Tool{
			sdk.NewTool(sdk.ToolSpec{
				Name: "list_test_scenarios", Title: "List test scenarios",
				Description: "The business scenarios run_test_scenario can create in the sandbox (freelancer, retailBusiness, serviceBusiness), what each creates, and whether this deployment may run them (sandbox mode only).",
				Effect:      sdk.ReadOnly, Idempotent: true, ClosedWorld: true, Category: "testing",
			}, p.list),
			sdk.NewTool(sdk.ToolSpec{
				Name: "run_test_scenario", Title: "Run a test scenario",
				Description: "Sandbox mode only: creates a business kind's customers, products and draft invoices in the sandbox organization through Billy's API, and with cleanup: true deletes them again. Refused outside sandbox mode.",
				Effect:      sdk.Additive, Category: "testing",
				Scopes:   []string{"customers:write", "products:write", "invoices:write"},
				Examples: []sdk.Example{{Title: "A freelancer's books, removed afterwards", Arguments: RunInput{Scenario: "freelancer", Cleanup: true}}},
			}, p.run),
			sdk.NewTool(sdk.ToolSpec{
				Name: "generate_test_data", Title: "Generate test data",
				Description: "Realistic Danish test records for a business kind (customers with valid CVR numbers, products with DKK prices, invoice drafts), returned, not written. The same seed gives the same records.",
				Effect:      sdk.ReadOnly, Idempotent: true, ClosedWorld: true, Category: "testing",
				Examples: []sdk.Example{{Title: "A retail shop's data", Arguments: GenerateInput{BusinessType: "retail"}}},
			}, p.generate),
		},
	}
}

// ListOutput is list_test_scenarios' answer.
type ListOutput struct {
	Scenarios   []scenario `json:"scenarios"`
	Environment string     `json:"environment"`
	CanRun      bool       `json:"can_run" jsonschema:"whether run_test_scenario may write here (sandbox mode only)"`
}

func (p *plugin) list(context.Context, *sdk.Call, struct{}) (ListOutput, error) {
	return ListOutput{Scenarios: scenarios, Environment: p.environment, CanRun: writable[p.environment]}, nil
}

// RunInput is run_test_scenario's input; scenarioId is v1's stdio name.
type RunInput struct {
	Scenario   string `json:"scenario,omitempty" jsonschema:"freelancer, retailBusiness or serviceBusiness"`
	ScenarioID string `json:"scenarioId,omitempty" jsonschema:"alias of scenario (v1)"`
	Cleanup    bool   `json:"cleanup,omitempty" jsonschema:"delete what was created at the end"`
	Seed       uint64 `json:"seed,omitempty" jsonschema:"the same seed creates the same records (default 1)"`
}

// Step is one request of a run.
type Step struct {
	Action string `json:"action"`
	ID     string `json:"id,omitempty"`
	Error  string `json:"error,omitempty"`
}

// RunOutput is what a run created (and removed).
type RunOutput struct {
	Scenario  string   `json:"scenario"`
	Customers []string `json:"customers" jsonschema:"contact IDs"`
	Products  []string `json:"products" jsonschema:"product IDs"`
	Invoices  []string `json:"invoices" jsonschema:"draft invoice IDs"`
	CleanedUp bool     `json:"cleaned_up"`
	Steps     []Step   `json:"steps"`
}

func (p *plugin) run(ctx context.Context, call *sdk.Call, in RunInput) (RunOutput, error) {
	id := in.Scenario
	if id == "" {
		id = in.ScenarioID
	}
	s, ok := scenarioByID(id)
	if !ok {
		return RunOutput{}, sdk.Invalid("scenario", "must be freelancer, retailBusiness or serviceBusiness, got %q", id)
	}
	if !writable[p.environment] {
		return RunOutput{}, sdk.NewError(sdk.CategoryForbidden, "sandbox_only",
			"run_test_scenario writes test data and runs only in sandbox mode; this deployment is %q", p.environment)
	}
	if in.Seed == 0 {
		in.Seed = 1
	}
	out := RunOutput{Scenario: s.ID, Customers: []string{}, Products: []string{}, Invoices: []string{}}
	customers, products, drafts := generate(s.kind, s.Customers, s.Products, s.Invoices, in.Seed, p.now().Year())
	fail := func(step Step, err error) (RunOutput, error) {
		step.Error = err.Error()
		out.Steps = append(out.Steps, step)
		// What was created so far is in out: the caller sees it, and the
		// error says so.
		cat, code := sdk.CategoryInternal, "scenario_step_failed"
		var e *sdk.Error
		if errors.As(err, &e) {
			cat, code = e.Category, e.Code
		}
		return out, sdk.NewError(cat, code, "%s failed after %d steps (created so far: %d customers %v, %d products %v, %d invoices %v): %s",
			step.Action, len(out.Steps)-1, len(out.Customers), out.Customers, len(out.Products), out.Products, len(out.Invoices), out.Invoices, err)
	}
	for _, c := range customers {
		body := map[string]any{"name": c.Name, "type": c.Type, "countryId": "DK", "street": c.Street, "zipcodeText": c.ZipcodeText,
			"cityText": c.CityText, "isCustomer": true, "paymentTermsMode": "net", "paymentTermsDays": c.PaymentTermsDays}
		if c.RegistrationNo != "" {
			body["registrationNo"] = c.RegistrationNo
		}
		step := Step{Action: "create customer " + c.Name}
		id, err := create(ctx, call, "/contacts", "contact", "contacts", body)
		if err != nil {
			return fail(step, err)
		}
		step.ID = id
		out.Steps = append(out.Steps, step)
		out.Customers = append(out.Customers, id)
	}
	for _, pr := range products {
		step := Step{Action: "create product " + pr.Name}
		id, err := create(ctx, call, "/products", "product", "products",
			map[string]any{"name": pr.Name, "prices": []map[string]any{{"unitPrice": jsonNumber(pr.UnitPrice), "currencyId": "DKK"}}})
		if err != nil {
			return fail(step, err)
		}
		step.ID = id
		out.Steps = append(out.Steps, step)
		out.Products = append(out.Products, id)
	}
	for i, d := range drafts {
		var lines []map[string]any
		for _, l := range d.Lines {
			lines = append(lines, map[string]any{"productId": out.Products[l.Product], "quantity": l.Quantity,
				"unitPrice": jsonNumber(products[l.Product].UnitPrice)})
		}
		step := Step{Action: fmt.Sprintf("create draft invoice %d", i+1)}
		id, err := create(ctx, call, "/invoices", "invoice", "invoices", map[string]any{
			"contactId": out.Customers[d.Customer], "entryDate": p.now().Format("2006-01-02"), "currencyId": "DKK",
			"paymentTermsMode": "net", "paymentTermsDays": customers[d.Customer].PaymentTermsDays, "state": "draft", "lines": lines})
		if err != nil {
			return fail(step, err)
		}
		step.ID = id
		out.Steps = append(out.Steps, step)
		out.Invoices = append(out.Invoices, id)
	}
	if !in.Cleanup {
		return out, nil
	}
	// Invoices first: a contact or product an invoice uses cannot go.
	for _, group := range []struct {
		path string
		ids  []string
	}{{"/invoices/", out.Invoices}, {"/products/", out.Products}, {"/contacts/", out.Customers}} {
		for _, id := range group.ids {
			step := Step{Action: "delete " + strings.Trim(group.path, "/"), ID: id}
			if _, err := call.Host.Billy(ctx, sdk.BillyRequest{Method: "DELETE", Path: group.path + url.PathEscape(id)}); err != nil {
				return fail(step, err)
			}
			out.Steps = append(out.Steps, step)
		}
	}
	out.CleanedUp = true
	return out, nil
}

// create POSTs one record and returns its ID from Billy's answer.
func create(ctx context.Context, call *sdk.Call, path, single, plural string, body map[string]any) (string, error) {
	resp, err := call.Host.Billy(ctx, sdk.BillyRequest{Method: "POST", Path: path, Body: map[string]any{single: body}})
	if err != nil {
		return "", err
	}
	// Billy answers with the saved records under their plural, beside
	// meta and any sideloaded kinds.
	var answer map[string]json.RawMessage
	var records []struct {
		ID string `json:"id"`
	}
	if err := resp.Decode(&answer); err == nil {
		_ = json.Unmarshal(answer[plural], &records)
	}
	if len(records) == 0 || records[0].ID == "" {
		return "", sdk.NewError(sdk.CategoryInternal, "unexpected_answer",
			"the %s was saved, but Billy's answer to POST %s names no %s ID: look it up before running again", single, path, plural)
	}
	return records[0].ID, nil
}

// GenerateInput is generate_test_data's input, with v1's names.
type GenerateInput struct {
	BusinessType  string         `json:"businessType" jsonschema:"freelancer, retail or service (v1's retailBusiness and serviceBusiness too)"`
	CustomerCount int            `json:"customerCount,omitempty" jsonschema:"1-50 (default 2)"`
	ProductCount  int            `json:"productCount,omitempty" jsonschema:"1-20 (default 3)"`
	InvoiceCount  int            `json:"invoiceCount,omitempty" jsonschema:"1-30 (default 1)"`
	Customization *Customization `json:"customization,omitempty" jsonschema:"v1's other form of the counts"`
	Year          int            `json:"year,omitempty" jsonschema:"invoice dates fall in this year (default this year)"`
	Seed          uint64         `json:"seed,omitempty" jsonschema:"the same seed gives the same records (default 1)"`
}

// Customization is v1's nested form of the counts.
type Customization struct {
	CustomerCount int `json:"customerCount,omitempty"`
	ProductCount  int `json:"productCount,omitempty"`
	InvoiceCount  int `json:"invoiceCount,omitempty"`
}

// GenerateOutput is the generated data.
type GenerateOutput struct {
	BusinessType string         `json:"businessType"`
	Customers    []Customer     `json:"customers"`
	Products     []Product      `json:"products"`
	Invoices     []InvoiceDraft `json:"invoices"`
}

func (p *plugin) generate(_ context.Context, _ *sdk.Call, in GenerateInput) (GenerateOutput, error) {
	s, ok := scenarioByID(in.BusinessType)
	if !ok {
		return GenerateOutput{}, sdk.Invalid("businessType", "must be freelancer, retail or service, got %q", in.BusinessType)
	}
	if c := in.Customization; c != nil {
		in.CustomerCount, in.ProductCount, in.InvoiceCount = firstSet(in.CustomerCount, c.CustomerCount), firstSet(in.ProductCount, c.ProductCount), firstSet(in.InvoiceCount, c.InvoiceCount)
	}
	counts := []struct {
		field    string
		v        *int
		def, max int
	}{{"customerCount", &in.CustomerCount, 2, 50}, {"productCount", &in.ProductCount, 3, 20}, {"invoiceCount", &in.InvoiceCount, 1, 30}}
	for _, c := range counts {
		if *c.v == 0 {
			*c.v = c.def
		}
		if *c.v < 1 || *c.v > c.max {
			return GenerateOutput{}, sdk.Invalid(c.field, "must be between 1 and %d, got %d", c.max, *c.v)
		}
	}
	if in.Year == 0 {
		in.Year = p.now().Year()
	}
	if in.Year < 2000 || in.Year > 2100 {
		return GenerateOutput{}, sdk.Invalid("year", "must be between 2000 and 2100, got %d", in.Year)
	}
	if in.Seed == 0 {
		in.Seed = 1
	}
	cs, ps, ds := generate(s.kind, in.CustomerCount, in.ProductCount, in.InvoiceCount, in.Seed, in.Year)
	return GenerateOutput{BusinessType: s.kind, Customers: cs, Products: ps, Invoices: ds}, nil
}

func firstSet(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}
