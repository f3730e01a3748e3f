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

// TestApprovalOffersTheInvoiceRules: approving a draft shows what the moms
// plugin's moms_check_invoice finds in the preview, asked about that
// draft; without the moms plugin the preview is as before.
func TestApprovalOffersTheInvoiceRules(t *testing.T) {
	var asked []string
	moms := func(_ context.Context, name string, args json.RawMessage) (*sdk.ToolResult, error) {
		asked = append(asked, name+" "+string(args))
		return &sdk.ToolResult{Structured: json.RawMessage(`{"kind":"full","ok":false,"findings":[` +
			`{"rule":"momsbek. § 58 stk. 1 nr. 4","severity":"error","message":"a full invoice names the buyer with name and address"},` +
			`{"rule":"ML § 52 b","severity":"info","message":"invoice intra-EU goods by the 15th"}]}`)}, nil
	}
	tests := []struct {
		name   string
		caller func(context.Context, string, json.RawMessage) (*sdk.ToolResult, error)
		want   []string // the preview's lines about the rules
	}{
		{"moms enabled", moms, []string{"Danish invoice rules (moms_check_invoice): 1 error(s), fix before approving: a full invoice names the buyer with name and address (momsbek. § 58 stk. 1 nr. 4)"}},
		{"moms not enabled", func(context.Context, string, json.RawMessage) (*sdk.ToolResult, error) {
			return nil, errors.New("unknown tool moms_check_invoice")
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			asked = nil
			e := newEnv(t, sdk.WritesConfirm, sdktest.WithToolCaller(tt.caller))
			seedWrites(e.billy)
			var out WriteResult[Invoice]
			e.mustCall("approve_invoice", map[string]any{"invoiceId": "inv-draft"}, &out)
			if out.Status != "confirmation_required" || out.Preview == nil {
				t.Fatalf("want a preview, got %+v", out)
			}
			var got []string
			for _, c := range out.Preview.Changes {
				if strings.HasPrefix(c, "Danish invoice rules") {
					got = append(got, c)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("preview (-want +got):\n%s", diff)
			}
			if tt.want != nil && !cmp.Equal(asked, []string{`moms_check_invoice {"invoiceId":"inv-draft"}`}) {
				t.Errorf("asked %v", asked)
			}
		})
	}
}
