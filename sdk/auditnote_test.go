package sdk_test

import (
	"context"
	"testing"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
)

// A tool's audit note reaches the host with its answer, whether the tool
// succeeded or failed, and a call that set none carries none.
func TestAuditNoteReachesTheHost(t *testing.T) {
	type in struct {
		Reason string `json:"reason,omitempty"`
		Fail   bool   `json:"fail,omitempty"`
	}
	tool := sdk.NewTool(sdk.ToolSpec{Name: "void", Description: "Voids something.", Effect: sdk.Destructive},
		func(_ context.Context, call *sdk.Call, in in) (*sdk.Result, error) {
			if in.Reason != "" {
				call.AuditNote("reason: " + in.Reason)
			}
			if in.Fail {
				return nil, sdk.NewError(sdk.CategoryConflict, "already_void", "it is void already")
			}
			return sdk.Text("done"), nil
		})
	h := sdktest.New(t, &sdk.Plugin{Name: "v", Version: "1.0.0", Tools: []sdk.Tool{tool}})
	for _, c := range []struct {
		in   in
		want string
	}{
		{in{Reason: "oprettet to gange"}, "reason: oprettet to gange"},
		{in{}, ""},
		{in{Reason: "igen", Fail: true}, "reason: igen"},
	} {
		_, _ = h.CallTool(context.Background(), "void", c.in)
		if got := h.AuditNote(); got != c.want {
			t.Errorf("%+v: audit note %q, want %q", c.in, got, c.want)
		}
	}
}
