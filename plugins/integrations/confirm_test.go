package integrations

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
)

type askOut struct {
	Answer int `json:"answer"`
}

// TestAskUser: the user's answer to the confirmation form, as the three
// write tools read it; a client without forms, or a form that failed,
// leaves the tool to hand out a token.
func TestAskUser(t *testing.T) {
	tests := []struct {
		name string
		opts []sdktest.Option
		want answer
	}{
		{"no forms", nil, noForm},
		{"ticked", []sdktest.Option{elicitAnswer(&sdk.ElicitResult{Action: "accept", Content: map[string]any{"confirm": true}}, nil)}, confirmed},
		{"accepted unticked", []sdktest.Option{elicitAnswer(&sdk.ElicitResult{Action: "accept", Content: map[string]any{"confirm": false}}, nil)}, declined},
		{"declined", []sdktest.Option{elicitAnswer(&sdk.ElicitResult{Action: "decline"}, nil)}, declined},
		{"cancelled", []sdktest.Option{elicitAnswer(&sdk.ElicitResult{Action: "cancel"}, nil)}, cancelled},
		{"the form failed", []sdktest.Option{elicitAnswer(nil, errors.New("the client went away"))}, noForm},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &sdk.Plugin{Name: "ask", Version: "1.0.0", Tools: []sdk.Tool{
				sdk.NewTool(sdk.ToolSpec{Name: "ask_user", Description: "Asks the user to confirm a write.", Effect: sdk.ReadOnly},
					func(ctx context.Context, call *sdk.Call, _ struct{}) (askOut, error) {
						a, err := askUser(ctx, call, "ask_user", "Record 2 payments.", "Tick to record these payments in Billy now.")
						return askOut{Answer: int(a)}, err
					}),
			}}
			h := sdktest.New(t, p, tt.opts...)
			var out askOut
			if err := h.CallToolInto(context.Background(), "ask_user", map[string]any{}, &out); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, answer(out.Answer)); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
		})
	}
}

// elicitAnswer is a client that answers every form with res (or err), and
// checks the form offers the one checkbox.
func elicitAnswer(res *sdk.ElicitResult, err error) sdktest.Option {
	return sdktest.WithElicitation(func(_ context.Context, _ string, schema json.RawMessage) (*sdk.ElicitResult, error) {
		var form struct {
			Properties map[string]struct{ Description string } `json:"properties"`
		}
		if jerr := json.Unmarshal(schema, &form); jerr != nil || form.Properties["confirm"].Description == "" {
			return nil, errors.New("the form has no confirm checkbox")
		}
		return res, err
	})
}
