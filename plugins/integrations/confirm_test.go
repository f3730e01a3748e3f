package integrations

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/billy-mcp/billy-mcp/plugins/internal/confirm"
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

type policyIn struct {
	DryRun bool   `json:"dry_run"`
	Token  string `json:"confirmation_token"`
	Issue  bool   `json:"issue"`
}

type policyOut struct {
	Step   int    `json:"step"`
	Status string `json:"status"`
	Token  bool   `json:"token"`
	Msg    string `json:"message"`
}

// TestWritePolicy: the one decision every integrations write tool takes —
// dry run, writes.mode, a confirmation token, the user's form — and the
// words hold gives each step that does not write. A token issued by one
// call confirms the next call with the same binding exactly once.
func TestWritePolicy(t *testing.T) {
	ttlMinutes := strconv.Itoa(int(confirm.TTL.Minutes()))
	ticked := elicitAnswer(&sdk.ElicitResult{Action: "accept", Content: map[string]any{"confirm": true}}, nil)
	w := wording{Tool: "write_probe", Action: "Record 2 payments", Nothing: "written", Show: "the payments", Same: "the same arguments", DryRunTail: " would be sent as these requests"}
	tests := []struct {
		name     string
		mode     sdk.WritesMode
		opts     []sdktest.Option
		in       policyIn
		want     policyOut
		wantCode string
	}{
		{name: "dry run wins over writes off", mode: sdk.WritesOff, in: policyIn{DryRun: true},
			want: policyOut{Step: int(stepDryRun), Status: "dry_run", Msg: "dry run: nothing was written; Record 2 payments would be sent as these requests"}},
		{name: "writes off", mode: sdk.WritesOff, wantCode: "writes_disabled"},
		{name: "unknown mode", mode: "sometimes", wantCode: "writes_mode_unknown"},
		{name: "direct", mode: sdk.WritesDirect, want: policyOut{Step: int(stepExecute)}},
		{name: "confirm without forms hands out a token", mode: sdk.WritesConfirm,
			want: policyOut{Step: int(stepIssueToken), Status: "confirmation_required", Token: true,
				Msg: "nothing was written yet: Record 2 payments. Show the payments to the user; if they agree, call write_probe again with the same arguments and confirmation_token within " + ttlMinutes + " minutes."}},
		{name: "the default mode is confirm", mode: "", want: policyOut{Step: int(stepIssueToken), Status: "confirmation_required", Token: true,
			Msg: "nothing was written yet: Record 2 payments. Show the payments to the user; if they agree, call write_probe again with the same arguments and confirmation_token within " + ttlMinutes + " minutes."}},
		{name: "ticked form executes", mode: sdk.WritesConfirm, opts: []sdktest.Option{ticked}, want: policyOut{Step: int(stepExecute)}},
		{name: "cancelled form", mode: sdk.WritesConfirm, opts: []sdktest.Option{elicitAnswer(&sdk.ElicitResult{Action: "cancel"}, nil)},
			want: policyOut{Step: int(stepCancelled), Status: "cancelled", Msg: "the user cancelled; nothing was written"}},
		{name: "declined form", mode: sdk.WritesConfirm, opts: []sdktest.Option{elicitAnswer(&sdk.ElicitResult{Action: "decline"}, nil)},
			want: policyOut{Step: int(stepDeclined), Status: "declined", Msg: "the user did not confirm; nothing was written"}},
		{name: "a forged token", mode: sdk.WritesConfirm, in: policyIn{Token: "forged"}, wantCode: "confirmation_token_invalid"},
		{name: "an issued token executes", mode: sdk.WritesConfirm, in: policyIn{Issue: true}, want: policyOut{Step: int(stepExecute)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPlugin(time.Now, rand.Reader)
			probe := &sdk.Plugin{Name: "policy", Version: "1.0.0", Tools: []sdk.Tool{
				sdk.NewTool(sdk.ToolSpec{Name: "write_probe", Description: "Decides a write.", Effect: sdk.Destructive},
					func(ctx context.Context, call *sdk.Call, in policyIn) (policyOut, error) {
						b := confirm.Binding{Tool: "write_probe", Org: call.Caller.OrganizationID, Principal: call.Caller.Subject, Args: []byte(`{"n":2}`)}
						if in.Issue {
							in.Token, _ = p.tokens.Issue(b)
						}
						step, err := p.writePolicy(ctx, call, "write_probe", in.DryRun, in.Token, b, "Record 2 payments.", "Tick to record.")
						if err != nil || step == stepExecute {
							return policyOut{Step: int(step)}, err
						}
						h := p.hold(step, b, w)
						return policyOut{Step: int(step), Status: h.Status, Token: h.Token != "" && h.ExpiresAt != "", Msg: h.Message}, nil
					}),
			}}
			h := sdktest.New(t, probe, append([]sdktest.Option{sdktest.WithWritesMode(tt.mode)}, tt.opts...)...)
			var out policyOut
			err := h.CallToolInto(context.Background(), "write_probe", tt.in, &out)
			if tt.wantCode != "" {
				var e *sdk.Error
				if !errors.As(err, &e) || e.Code != tt.wantCode {
					t.Fatalf("error = %v, want code %s", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, out); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
		})
	}
}
