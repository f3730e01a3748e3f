package pluginhost

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const objectSchema = `{"type":"object","properties":{"id":{"type":"string"}}}`

func goodTool(name string) *pluginv1.ToolDescriptor {
	return &pluginv1.ToolDescriptor{Name: name, Description: "does " + name, InputSchemaJson: objectSchema}
}

func describe(tools ...*pluginv1.ToolDescriptor) *pluginv1.DescribeResponse {
	return &pluginv1.DescribeResponse{Name: "p", ProtocolVersion: pluginv1.SupportedProtocolVersions[0], Tools: tools}
}

func TestCatalogFromRejections(t *testing.T) {
	withTool := func(mod func(*pluginv1.ToolDescriptor)) *pluginv1.DescribeResponse {
		tl := goodTool("list_invoices")
		mod(tl)
		return describe(tl)
	}
	tests := []struct {
		name      string
		d         *pluginv1.DescribeResponse
		errSubstr string
	}{
		{"protocol version 0", &pluginv1.DescribeResponse{ProtocolVersion: 0}, "speaks protocol version 0"},
		{"protocol version from the future", &pluginv1.DescribeResponse{ProtocolVersion: 99}, "speaks protocol version 99"},
		{"empty tool name", withTool(func(x *pluginv1.ToolDescriptor) { x.Name = "" }), `tool name ""`},
		{"tool name with a space", withTool(func(x *pluginv1.ToolDescriptor) { x.Name = "list invoices" }), `tool name "list invoices"`},
		{"tool name with a dot", withTool(func(x *pluginv1.ToolDescriptor) { x.Name = "invoices.list" }), `tool name "invoices.list"`},
		{"tool name with a slash", withTool(func(x *pluginv1.ToolDescriptor) { x.Name = "a/b" }), `tool name "a/b"`},
		{"tool name of 65 characters", withTool(func(x *pluginv1.ToolDescriptor) { x.Name = strings.Repeat("a", 65) }), "must be 1 to 64 letters"},
		{"no description", withTool(func(x *pluginv1.ToolDescriptor) { x.Description = "" }), "tool list_invoices has no description"},
		{"input schema not JSON", withTool(func(x *pluginv1.ToolDescriptor) { x.InputSchemaJson = `{"type":` }), "tool list_invoices: input schema of list_invoices is not valid JSON"},
		{"input schema empty", withTool(func(x *pluginv1.ToolDescriptor) { x.InputSchemaJson = `` }), "tool list_invoices: input"},
		{"input schema does not compile", withTool(func(x *pluginv1.ToolDescriptor) { x.InputSchemaJson = `{"type":5}` }), "does not compile"},
		{"input schema of type array", withTool(func(x *pluginv1.ToolDescriptor) { x.InputSchemaJson = `{"type":"array"}` }), `the input schema must have type "object"`},
		{"input schema without type", withTool(func(x *pluginv1.ToolDescriptor) { x.InputSchemaJson = `{"properties":{}}` }), `must have type "object"`},
		{"input schema true", withTool(func(x *pluginv1.ToolDescriptor) { x.InputSchemaJson = `true` }), `must have type "object"`},
		{"input schema with a type list", withTool(func(x *pluginv1.ToolDescriptor) { x.InputSchemaJson = `{"type":["object","null"]}` }), `must have type "object"`},
		{"output schema does not compile", withTool(func(x *pluginv1.ToolDescriptor) { x.OutputSchemaJson = `{"type":"nope"}` }), "tool list_invoices: output"},
		{"one bad tool refuses the plugin", describe(goodTool("a"), goodTool("b c")), `tool name "b c"`},
		{"a create tool declaring idempotency_key", withTool(func(x *pluginv1.ToolDescriptor) {
			x.InputSchemaJson = `{"type":"object","properties":{"idempotency_key":{"type":"string"}}}`
		}), `declares "idempotency_key", which the host adds`},
		{"a tool declaring organization", withTool(func(x *pluginv1.ToolDescriptor) {
			x.InputSchemaJson = `{"type":"object","properties":{"organization":{"type":"string"}}}`
		}), `declares "organization", which the host adds`},
		{"a scope outside the vocabulary", withTool(func(x *pluginv1.ToolDescriptor) { x.RequiredScopes = []string{"invoices:delete"} }),
			`tool list_invoices: scope "invoices:delete" is not a scope`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := catalogFrom("invoices", tt.d)
			if err == nil {
				t.Fatalf("accepted: %+v", c)
			}
			if !IsPermanent(err) {
				t.Errorf("not permanent: %v", err)
			}
			if !strings.HasPrefix(err.Error(), "plugin invoices") || !strings.Contains(err.Error(), tt.errSubstr) {
				t.Errorf("error %q does not contain %q", err, tt.errSubstr)
			}
		})
	}
}

func TestCatalogFromAcceptsNames(t *testing.T) {
	for _, name := range []string{"a", "list_invoices", "get-invoice", "V1_Tool-9", strings.Repeat("z", 64)} {
		if _, err := catalogFrom("p", describe(goodTool(name))); err != nil {
			t.Errorf("%q refused: %v", name, err)
		}
	}
}

func TestCatalogFromConversion(t *testing.T) {
	const (
		idemArg = `{"type":"string","maxLength":255,"description":"Retry safely: the same key and arguments give the first result"}`
		orgArg  = `{"type":"string","maxLength":100,"description":"Billy organization ID to act on; required when you have several"}`
	)
	yes, no := true, false
	d := &pluginv1.DescribeResponse{
		Name: "invoices", Version: "1.0.0", ProtocolVersion: pluginv1.SupportedProtocolVersions[0],
		Tools: []*pluginv1.ToolDescriptor{
			{
				Name: "create_invoice", Title: "Create invoice", Description: "Creates a draft invoice", Category: "invoices",
				InputSchemaJson:  `{"type":"object","properties":{"contactId":{"type":"string"}},"required":["contactId"]}`,
				OutputSchemaJson: `{"type":"object"}`,
				Annotations:      &pluginv1.ToolAnnotations{ReadOnly: &no, Destructive: &no, Idempotent: &yes},
				Examples: []*pluginv1.ToolExample{
					{Title: "a draft", ArgumentsJson: `{"contactId":"c1"}`},
					{Title: "another", ArgumentsJson: `{"contactId":"c2"}`},
				},
				RequiredScopes: []string{"invoices:write"},
			},
			goodTool("list_invoices"),
		},
		Resources:         []*pluginv1.ResourceDescriptor{{Uri: "billy://invoices/help", Name: "help", Title: "Help", Description: "How to", MimeType: "text/markdown"}},
		ResourceTemplates: []*pluginv1.ResourceTemplateDescriptor{{UriTemplate: "billy://invoices/{id}", Name: "invoice", Title: "Invoice", Description: "One invoice", MimeType: "application/json"}},
		Prompts: []*pluginv1.PromptDescriptor{{Name: "dunning", Title: "Dunning", Description: "Write a reminder",
			Arguments: []*pluginv1.PromptArgument{{Name: "invoiceId", Description: "which", Required: true}, {Name: "tone"}}}},
	}
	got, err := catalogFrom("invoices", d)
	if err != nil {
		t.Fatal(err)
	}
	if got.Tools[0].Input == nil || got.Tools[1].Input == nil {
		t.Fatal("input schemas were not compiled")
	}
	if e := got.Tools[0].Input.Validate([]byte(`{}`)); e == nil || e.Fields[0].Field != "contactId" {
		t.Errorf("compiled input schema does not require contactId: %v", e)
	}
	want := &registry.Catalog{
		Tools: []*registry.Tool{
			{
				Name: "create_invoice", Title: "Create invoice", Description: "Creates a draft invoice", Category: "invoices",
				InputSchema:  json.RawMessage(`{"type":"object","properties":{"contactId":{"type":"string"}},"required":["contactId"]}`),
				OutputSchema: json.RawMessage(`{"type":"object"}`),
				Annotations:  registry.Annotations{ReadOnly: &no, Destructive: &no, Idempotent: &yes},
				Examples: []registry.Example{
					{Title: "a draft", Arguments: json.RawMessage(`{"contactId":"c1"}`)},
					{Title: "another", Arguments: json.RawMessage(`{"contactId":"c2"}`)},
				},
				Scopes:         []string{"invoices:write"},
				OrgInputSchema: json.RawMessage(`{"properties":{"contactId":{"type":"string"},"organization":` + orgArg + `},"required":["contactId"],"type":"object"}`),
			},
			// No annotations: MCP's defaults make it a write that is not
			// idempotent, so the host adds the idempotency key it keeps,
			// and it declared no scope, so it needs its plugin's write
			// scope.
			{Name: "list_invoices", Description: "does list_invoices", InputSchema: json.RawMessage(
				`{"properties":{"id":{"type":"string"},"idempotency_key":` + idemArg + `},"type":"object"}`),
				OrgInputSchema: json.RawMessage(`{"properties":{"id":{"type":"string"},"idempotency_key":` + idemArg + `,"organization":` + orgArg + `},"type":"object"}`),
				Scopes:         []string{"invoices:write"}},
		},
		Resources: []*registry.Resource{{URI: "billy://invoices/help", Name: "help", Title: "Help", Description: "How to", MIMEType: "text/markdown"}},
		Templates: []*registry.ResourceTemplate{{URITemplate: "billy://invoices/{id}", Name: "invoice", Title: "Invoice", Description: "One invoice", MIMEType: "application/json"}},
		Prompts: []*registry.Prompt{{Name: "dunning", Title: "Dunning", Description: "Write a reminder",
			Arguments: []registry.PromptArgument{{Name: "invoiceId", Description: "which", Required: true}, {Name: "tone"}}}},
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(registry.Tool{}, "Input")); diff != "" {
		t.Errorf("catalog (-want +got):\n%s", diff)
	}
	// Unstated annotations stay nil (MCP's defaults apply), not false.
	if a := got.Tools[0].Annotations; a.OpenWorld != nil {
		t.Errorf("OpenWorld = %v, want nil", *a.OpenWorld)
	}
}

func TestCatalogFromEmpty(t *testing.T) {
	got, err := catalogFrom("p", describe())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&registry.Catalog{}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// A resource without a URI is refused, like a bad tool, but with a plain
// error: the supervisor then restarts the plugin with backoff forever,
// though only a rebuild can fix it.
func TestCatalogFromResourceRefusalIsPermanent(t *testing.T) {
	d := describe()
	d.Resources = []*pluginv1.ResourceDescriptor{{Name: "no-uri"}}
	_, err := catalogFrom("p", d)
	if err == nil {
		t.Fatal("a resource without a URI was accepted")
	}
	if !IsPermanent(err) {
		t.Errorf("a resource without uri/name must be a permanent refusal (no restart loop), got %v", err)
	}
}

// An example's arguments go to clients verbatim as JSON (REST listing and
// the MCP tool's _meta). The sdk always encodes them, but a plugin written
// against the proto may send an empty or broken arguments_json, which then
// breaks the encoding of every tools listing.
func TestCatalogFromRejectsBadExampleJSON(t *testing.T) {
	for _, args := range []string{"", `{"a":`} {
		tl := goodTool("x")
		tl.Examples = []*pluginv1.ToolExample{{Title: "bad", ArgumentsJson: args}}
		if _, err := catalogFrom("p", describe(tl)); err == nil || !IsPermanent(err) {
			t.Errorf("example arguments %q: want a permanent refusal, got %v", args, err)
		}
	}
}

// Two tools of the same name in one plugin are not caught: the registry only
// compares names across plugins.
func TestCatalogFromDuplicateToolNames(t *testing.T) {
	_, err := catalogFrom("p", describe(goodTool("same"), goodTool("same")))
	if err == nil || !IsPermanent(err) {
		t.Errorf("two tools of one name in one plugin: want a permanent refusal, got %v", err)
	}
}

// A manager whose plugins cannot pass verification never starts a process:
// the plugin is failed for good, and calls say so.
func TestManagerWithUnverifiablePlugins(t *testing.T) {
	dir := t.TempDir()
	exe := writeFile(t, filepath.Join(dir, "billy-mcp-plugin-tampered"), "#!/bin/sh\nexit 0\n", 0o755)
	reg := registry.New()
	m := New(Options{Registry: reg, Specs: []Spec{
		{Name: "missing", Path: filepath.Join(dir, "billy-mcp-plugin-missing"), SHA256: "00"},
		{Name: "tampered", Path: exe, SHA256: sumOf([]byte("the original"))},
	}})
	if err := m.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(m.Stop)

	type row struct {
		Name  string
		State State
		PID   int
		Tools int
		Error string
	}
	var got []row
	for _, s := range m.Statuses() {
		// Keep the first words of the error: enough to know which check failed.
		got = append(got, row{s.Name, s.State, s.PID, s.Tools, strings.SplitN(s.LastError, ":", 3)[1]})
	}
	want := []row{
		{"missing", StateFailed, 0, 0, " binary " + filepath.Join(dir, "billy-mcp-plugin-missing") + " does not exist (build it with `make build`, or fix plugins.missing.path)"},
		{"tampered", StateFailed, 0, 0, " checksum mismatch for " + exe},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if m.Ready() {
		t.Error("Ready with failed plugins")
	}
	if m.PID("missing") != 0 || m.PID("nope") != 0 {
		t.Error("a PID for a plugin that never ran")
	}
	if reg.Available("missing") || len(reg.Tools(false)) != 0 {
		t.Error("a failed plugin was registered")
	}

	_, err := m.CallTool(context.Background(), "tampered", &pluginv1.CallToolRequest{Name: "x"})
	e := errmodel.From(err)
	if e.Code != "plugin_failed" || e.Category != errmodel.Internal || e.Retryable || !strings.Contains(e.Message, "checksum mismatch") {
		t.Errorf("call to a failed plugin: %+v", e)
	}
	_, err = m.ReadResource(context.Background(), "nope", &pluginv1.ReadResourceRequest{})
	if e := errmodel.From(err); e.Code != "plugin_not_found" || e.Category != errmodel.NotFound {
		t.Errorf("call to an unknown plugin: %+v", e)
	}
}

func TestManagerWithoutPlugins(t *testing.T) {
	m := New(Options{Registry: registry.New()})
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	m.Stop()
	if !m.Ready() || len(m.Statuses()) != 0 {
		t.Errorf("empty manager: ready %v, statuses %v", m.Ready(), m.Statuses())
	}
}

func TestUnavailableError(t *testing.T) {
	tests := []struct {
		st   Status
		want *errmodel.Error
	}{
		{Status{State: StateRestarting}, &errmodel.Error{Code: "plugin_unavailable", Category: errmodel.UpstreamUnavailable, Retryable: true, RetryAfterSeconds: 2,
			Message: "the p plugin is not running (restarting); it is being restarted: retry in a few seconds"}},
		{Status{State: StateStarting}, &errmodel.Error{Code: "plugin_unavailable", Category: errmodel.UpstreamUnavailable, Retryable: true, RetryAfterSeconds: 2,
			Message: "the p plugin is not running (starting); it is being restarted: retry in a few seconds"}},
		{Status{State: StateFailed, LastError: "bad sum"}, &errmodel.Error{Code: "plugin_failed", Category: errmodel.Internal,
			Message: "the p plugin is not running (failed); it cannot start: bad sum. An operator must fix this"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, unavailable("p", tt.st)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.st.State, diff)
		}
	}
}
