package sdk_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
	"github.com/google/go-cmp/cmp"
)

// askPlugin's tools ask through Host.Ask as a plugin does, over the wire.
// "survey" asks three questions at once and reports the answers; "steps"
// asks two in a row, the second only after the first is answered.
func askPlugin() *sdk.Plugin {
	survey := sdk.NewTool(sdk.ToolSpec{Name: "survey", Description: "Asks the user, the model and the roots at once.", Effect: sdk.ReadOnly, ClosedWorld: true},
		func(ctx context.Context, call *sdk.Call, _ struct{}) (*sdk.Result, error) {
			answers, err := call.Host.Ask(ctx,
				sdk.Question{Key: "user_name", Elicit: &sdk.ElicitQuestion{Message: "Your name?", Schema: map[string]any{"type": "object"}}},
				sdk.Question{Sample: &sdk.SampleRequest{Messages: []sdk.SamplingMessage{{Role: "user", Text: "Greet"}}, MaxTokens: 10}},
				sdk.Question{Key: "client_roots", Roots: true})
			if err != nil {
				return nil, err
			}
			var parts []string
			for _, a := range answers {
				switch {
				case a.Elicit != nil:
					parts = append(parts, fmt.Sprintf("%s=%s:%v", a.Key, a.Elicit.Action, a.Elicit.Content["name"]))
				case a.Sample != nil:
					parts = append(parts, a.Key+"="+a.Sample.Text)
				default:
					parts = append(parts, fmt.Sprintf("%s=%d roots, first %s", a.Key, len(a.Roots), a.Roots[0].URI))
				}
			}
			return sdk.Text(strings.Join(parts, "; ")), nil
		})
	steps := sdk.NewTool(sdk.ToolSpec{Name: "steps", Description: "Asks two questions, one after the other.", Effect: sdk.ReadOnly, ClosedWorld: true},
		func(ctx context.Context, call *sdk.Call, _ struct{}) (*sdk.Result, error) {
			var got []string
			for _, key := range []string{"step1", "step2"} {
				a, err := call.Host.Ask(ctx, sdk.Question{Key: key, Elicit: &sdk.ElicitQuestion{Message: key, Schema: map[string]any{"type": "object"}}})
				if err != nil {
					return nil, err
				}
				got = append(got, fmt.Sprint(a[0].Elicit.Content["name"]))
			}
			return sdk.Text(strings.Join(got, ",")), nil
		})
	return &sdk.Plugin{Name: "ask", Version: "1.0.0", Tools: []sdk.Tool{survey, steps}}
}

// client answers every question; asked records the messages it was asked.
type client struct{ asked []string }

func (c *client) options() []sdktest.Option {
	return []sdktest.Option{
		sdktest.WithElicitation(func(_ context.Context, message string, _ json.RawMessage) (*sdk.ElicitResult, error) {
			c.asked = append(c.asked, message)
			return &sdk.ElicitResult{Action: "accept", Content: map[string]any{"name": "Alice-" + message}}, nil
		}),
		sdktest.WithSampling(func(_ context.Context, req sdk.SampleRequest) (*sdk.SampleResult, error) {
			c.asked = append(c.asked, req.Messages[0].Text)
			return &sdk.SampleResult{Role: "assistant", Text: "Hello"}, nil
		}),
		sdktest.WithRoots(func(context.Context) ([]sdk.Root, error) {
			c.asked = append(c.asked, "roots")
			return []sdk.Root{{URI: "file:///books", Name: "books"}}, nil
		}),
	}
}

func text(t *testing.T, res *sdk.ToolResult) string {
	t.Helper()
	if len(res.Content) == 0 {
		t.Fatal("no content")
	}
	return res.Content[0].(*sdk.TextContent).Text
}

func TestAsk(t *testing.T) {
	tests := []struct {
		name       string
		tool       string
		roundTrips bool
		want       string
		wantAsked  []string
	}{
		{name: "at once", tool: "survey", want: "user_name=accept:Alice-Your name?; sample-1=Hello; client_roots=1 roots, first file:///books",
			wantAsked: []string{"Your name?", "Greet", "roots"}},
		{name: "in one round trip", tool: "survey", roundTrips: true, want: "user_name=accept:Alice-Your name?; sample-1=Hello; client_roots=1 roots, first file:///books",
			wantAsked: []string{"Your name?", "Greet", "roots"}},
		{name: "in a row, at once", tool: "steps", want: "Alice-step1,Alice-step2", wantAsked: []string{"step1", "step2"}},
		{name: "in a row, one round each", tool: "steps", roundTrips: true, want: "Alice-step1,Alice-step2", wantAsked: []string{"step1", "step2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &client{}
			opts := c.options()
			if tt.roundTrips {
				opts = append(opts, sdktest.WithRoundTrips())
			}
			h := sdktest.New(t, askPlugin(), opts...)
			res, err := h.CallTool(context.Background(), tt.tool, struct{}{})
			if err != nil {
				t.Fatal(err)
			}
			if got := text(t, res); got != tt.want {
				t.Errorf("result = %q, want %q", got, tt.want)
			}
			if diff := cmp.Diff(tt.wantAsked, c.asked); diff != "" {
				t.Errorf("asked (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAskWithoutCapability: a question the client cannot answer fails the
// whole Ask, naming what is missing, and nothing is asked.
func TestAskWithoutCapability(t *testing.T) {
	c := &client{}
	opts := c.options()[:1] // elicitation only
	h := sdktest.New(t, askPlugin(), opts...)
	_, err := h.CallTool(context.Background(), "survey", struct{}{})
	var e *sdk.Error
	if !errors.As(err, &e) || !errors.Is(e, sdk.ErrNotSupported) {
		t.Fatalf("err = %v, want ErrNotSupported", err)
	}
	if diff := cmp.Diff([]string{"sampling", "roots"}, e.MissingCapabilities()); diff != "" {
		t.Errorf("missing (-want +got):\n%s", diff)
	}
	if len(c.asked) != 0 {
		t.Errorf("asked %v before failing", c.asked)
	}
}

func TestAskRefusesBadQuestions(t *testing.T) {
	tests := []struct {
		name string
		q    sdk.Question
		want string
	}{
		{"bad key", sdk.Question{Key: "a b", Roots: true}, `key "a b"`},
		{"two kinds", sdk.Question{Roots: true, Elicit: &sdk.ElicitQuestion{Message: "x"}}, "exactly one"},
		{"no kind", sdk.Question{Key: "k"}, "exactly one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var askErr error
			tool := sdk.NewTool(sdk.ToolSpec{Name: "q", Description: "Asks one question.", Effect: sdk.ReadOnly},
				func(ctx context.Context, call *sdk.Call, _ struct{}) (*sdk.Result, error) {
					_, askErr = call.Host.Ask(ctx, tt.q)
					return sdk.Text("done"), nil
				})
			c := &client{}
			h := sdktest.New(t, &sdk.Plugin{Name: "q", Version: "1.0.0", Tools: []sdk.Tool{tool}}, c.options()...)
			if _, err := h.CallTool(context.Background(), "q", struct{}{}); err != nil {
				t.Fatal(err)
			}
			if askErr == nil || !strings.Contains(askErr.Error(), tt.want) {
				t.Errorf("Ask error = %v, want one saying %q", askErr, tt.want)
			}
		})
	}
}

func TestStartTaskReachesTheHost(t *testing.T) {
	tool := sdk.NewTool(sdk.ToolSpec{Name: "long", Description: "Long work.", Effect: sdk.ReadOnly, Task: sdk.TaskOptional, DeferTask: true},
		func(ctx context.Context, call *sdk.Call, _ struct{}) (*sdk.Result, error) {
			if err := call.Host.StartTask(ctx); err != nil {
				return nil, err
			}
			return sdk.Text("done"), nil
		})
	h := sdktest.New(t, &sdk.Plugin{Name: "long", Version: "1.0.0", Tools: []sdk.Tool{tool}})
	if _, err := h.CallTool(context.Background(), "long", struct{}{}); err != nil {
		t.Fatal(err)
	}
	if got := h.TasksStarted(); got != 1 {
		t.Errorf("TasksStarted = %d, want 1", got)
	}
}
