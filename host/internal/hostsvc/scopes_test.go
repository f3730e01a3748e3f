package hostsvc_test

import (
	"context"
	"testing"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
)

// TestBillyWritesNeedScopes: the host's Billy service checks every write a
// plugin sends against the principal's scopes and the tool's declaration,
// whatever the plugin does; reads pass.
func TestBillyWritesNeedScopes(t *testing.T) {
	readTool := &registry.Tool{Name: "list_invoices", Scopes: []string{"invoices:read"}}
	writeTool := &registry.Tool{Name: "create_invoice", Scopes: []string{"invoices:write"}}
	approveTool := &registry.Tool{Name: "approve_invoice", Scopes: []string{"invoices:approve"}}
	get := &pluginv1.BillyRequest{Method: "GET", Path: "/invoices"}
	draft := &pluginv1.BillyRequest{Method: "POST", Path: "/invoices", BodyJson: `{"invoice":{"contactId":"c"}}`}
	approve := &pluginv1.BillyRequest{Method: "PUT", Path: "/invoices/i1", BodyJson: `{"invoice":{"state":"approved"}}`}
	pay := &pluginv1.BillyRequest{Method: "POST", Path: "/bankPayments", BodyJson: `{"bankPayment":{}}`}
	tests := []struct {
		name   string
		scopes []string
		tool   *registry.Tool
		mode   string
		req    *pluginv1.BillyRequest
		want   string // error code, "" for sent
	}{
		{"read-only reads", []string{"billy:read"}, readTool, "direct", get, ""},
		{"read-only's plugin writes through a read tool", []string{"billy:read"}, readTool, "direct", draft, "plugin_write_refused"},
		{"read-only's plugin writes through a write tool", []string{"billy:read"}, writeTool, "direct", draft, "missing_scope"},
		{"an admin's plugin writes through a read tool", []string{"admin"}, readTool, "direct", draft, "plugin_write_refused"},
		{"bookkeeper drafts", []string{"billy:write"}, writeTool, "direct", draft, ""},
		{"bookkeeper's plugin approves through a draft tool", []string{"billy:write"}, writeTool, "direct", approve, "missing_scope"},
		{"bookkeeper's plugin pays", []string{"billy:write"}, writeTool, "direct", pay, "missing_scope"},
		{"accountant approves", []string{"billy:approve"}, approveTool, "confirm", approve, ""},
		{"narrow scope approves", []string{"invoices:approve"}, approveTool, "direct", approve, ""},
		{"narrow scope cannot pay", []string{"invoices:approve"}, approveTool, "direct", pay, "missing_scope"},
		{"writes off", []string{"admin"}, writeTool, "off", draft, "writes_disabled"},
		{"a resource read cannot write", []string{"admin"}, nil, "direct", draft, "plugin_write_refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := &dispatch.Op{Kind: dispatch.CallTool, Name: "x", Plugin: "invoices", WritesMode: tt.mode,
				Caller: dispatch.Caller{Subject: "p", OrganizationID: "org-A", Scopes: tt.scopes}}
			if tt.tool != nil {
				op.Name = tt.tool.Name
				op.UseTool(tt.tool)
			}
			d := &fakeDispatcher{calls: map[string]*dispatch.InFlight{"c": {ID: "c", Plugin: "invoices", Op: op, Ctx: context.Background()}}}
			b := &fakeBilly{resp: &pluginv1.BillyResponse{Status: 200, BodyJson: "{}"}}
			req := proto.Clone(tt.req).(*pluginv1.BillyRequest)
			req.CallId = "c"
			_, err := server(d, b, "invoices").CallBilly(context.Background(), req)
			got := ""
			if err != nil {
				e, _ := errmodel.FromStatus(err)
				got = e.Code
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("error code (-want +got):\n%s", diff)
			}
			if sent := len(b.calls) > 0; sent != (tt.want == "") {
				t.Errorf("sent to Billy = %v", sent)
			}
		})
	}
}
