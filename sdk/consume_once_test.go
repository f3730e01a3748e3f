package sdk_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
	"github.com/google/go-cmp/cmp"
)

type useInput struct {
	Key string `json:"key"`
}

type useOutput struct {
	First bool `json:"first"`
}

// oncePlugin has one tool that consumes its key through Host.ConsumeOnce
// and returns what the host answered, so a test sees the call as a plugin
// makes it: over the wire, through the sdk's host client.
func oncePlugin() *sdk.Plugin {
	use := sdk.NewTool(sdk.ToolSpec{Name: "use", Description: "Uses a key once.", Effect: sdk.Additive, ClosedWorld: true},
		func(ctx context.Context, call *sdk.Call, in useInput) (useOutput, error) {
			first, err := call.Host.ConsumeOnce(ctx, in.Key, time.Now().Add(time.Minute))
			return useOutput{First: first}, err
		})
	return &sdk.Plugin{Name: "once", Version: "1.0.0", Tools: []sdk.Tool{use}}
}

func use(t *testing.T, h *sdktest.Harness, key string) (bool, error) {
	t.Helper()
	var out useOutput
	err := h.CallToolInto(context.Background(), "use", useInput{Key: key}, &out)
	return out.First, err
}

func TestConsumeOnceIsFirstOnlyOnce(t *testing.T) {
	h := sdktest.New(t, oncePlugin())
	var got []bool
	for _, key := range []string{"a", "a", "b", "a"} {
		first, err := use(t, h, key)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, first)
	}
	if diff := cmp.Diff([]bool{true, false, true, false}, got); diff != "" {
		t.Errorf("first (-want +got):\n%s", diff)
	}
}

// TestConsumeOnceSharedStore: harnesses given one store, as the instances
// of a deployment share the host's, see each other's keys.
func TestConsumeOnceSharedStore(t *testing.T) {
	var mu sync.Mutex
	used := map[string]time.Time{}
	shared := sdktest.WithConsumeOnce(func(_ context.Context, key string, until time.Time) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		if _, ok := used[key]; ok {
			return false, nil
		}
		used[key] = until
		return true, nil
	})
	a, b := sdktest.New(t, oncePlugin(), shared), sdktest.New(t, oncePlugin(), shared)
	if first, err := use(t, a, "k"); err != nil || !first {
		t.Fatalf("first use on a: %v %v", first, err)
	}
	if first, err := use(t, b, "k"); err != nil || first {
		t.Errorf("second use on b: first=%v err=%v, want false", first, err)
	}
}

func TestConsumeOnceErrors(t *testing.T) {
	down := &sdk.Error{Code: "store_unavailable", Category: sdk.CategoryUpstreamUnavailable, Retryable: true, Message: "the store is down"}
	tests := []struct {
		name string
		opt  sdktest.Option
		key  string
		want *sdk.Error
	}{
		{"old host", sdktest.WithoutConsumeOnce(), "k", sdk.ErrHostFeatureMissing},
		{"store down", sdktest.WithConsumeOnce(func(context.Context, string, time.Time) (bool, error) { return false, down }), "k", down},
		{"key too long", nil, string(make([]byte, 201)), &sdk.Error{Code: sdk.CodeInvalidArguments, Category: sdk.CategoryValidation}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []sdktest.Option
			if tt.opt != nil {
				opts = append(opts, tt.opt)
			}
			h := sdktest.New(t, oncePlugin(), opts...)
			_, err := use(t, h, tt.key)
			var got *sdk.Error
			if !errors.As(err, &got) || got.Code != tt.want.Code || got.Category != tt.want.Category || got.Retryable != tt.want.Retryable {
				t.Fatalf("got %v, want %s (%s)", err, tt.want.Code, tt.want.Category)
			}
		})
	}
}
