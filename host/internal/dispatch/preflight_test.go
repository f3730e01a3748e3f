package dispatch_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	"github.com/google/go-cmp/cmp"
)

// TestPreflight: the checks a call meets before its plugin, with nothing
// called, and whether the call writes.
func TestPreflight(t *testing.T) {
	readOnlyCaller := local
	readOnlyCaller.Scopes = []string{"invoices:read"}
	for _, tt := range []struct {
		name   string
		tool   string
		args   string
		caller dispatch.Caller
		mode   string
		code   string
		writes bool
	}{
		{name: "a write that may run", tool: "typed", args: `{"amount":1}`, caller: local, writes: true},
		{name: "a read", tool: "lookup", args: `{}`, caller: local},
		{name: "no such tool", tool: "nope", args: `{}`, caller: local, code: "tool_not_found"},
		{name: "its plugin is down", tool: "sleepy", args: `{}`, caller: local, code: "plugin_unavailable"},
		{name: "a missing scope", tool: "scoped", args: `{}`, caller: readOnlyCaller, code: "missing_scope"},
		{name: "arguments off the schema", tool: "typed", args: `{"amount":"x"}`, caller: local, code: errmodel.CodeInvalidArguments},
		{name: "no credentials", tool: "open", args: `{}`, caller: dispatch.Caller{}, code: "unauthenticated"},
		{name: "a write under writes.mode off", tool: "typed", args: `{"amount":1}`, caller: local, mode: "off", code: "writes_disabled"},
		{name: "a read under writes.mode off", tool: "lookup", args: `{}`, caller: local, mode: "off"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvoker{}
			d := newDispatcher(t, inv, func(o *dispatch.Options) { o.WritesMode = tt.mode })
			op := &dispatch.Op{Kind: dispatch.CallTool, Name: tt.tool, Arguments: json.RawMessage(tt.args), Caller: tt.caller}
			err := d.Preflight(context.Background(), op)
			code := ""
			if err != nil {
				code = errmodel.From(err).Code
			}
			if diff := cmp.Diff(tt.code, code); diff != "" {
				t.Errorf("code (-want +got):\n%s (%v)", diff, err)
			}
			if err == nil && op.Writes() != tt.writes {
				t.Errorf("writes %v, want %v", op.Writes(), tt.writes)
			}
			if inv.count() != 0 {
				t.Errorf("preflight called the plugin %d times", inv.count())
			}
		})
	}
}
