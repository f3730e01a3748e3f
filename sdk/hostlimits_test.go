package sdk_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
)

type sizeOutput struct {
	Bytes int `json:"bytes"`
}

// A Billy answer larger than gRPC's default 4 MiB message (a page of
// invoices with their lines, a PDF) reaches the plugin whole over the real
// broker connection: go-plugin dials the host's services with no receive
// limit of its own, and the host sends up to 16 MiB. This holds that, so a
// dial option added later cannot cut large answers off unnoticed.
func TestLargeBillyAnswer(t *testing.T) {
	body, _ := json.Marshal(map[string]string{"blob": strings.Repeat("x", 5<<20)})
	read := sdk.NewTool(sdk.ToolSpec{Name: "read", Description: "Reads a large Billy answer.", Effect: sdk.ReadOnly, ClosedWorld: true},
		func(ctx context.Context, call *sdk.Call, _ struct{}) (sizeOutput, error) {
			resp, err := call.Host.Billy(ctx, sdk.BillyRequest{Method: "GET", Path: "/files/big"})
			if err != nil {
				return sizeOutput{}, err
			}
			return sizeOutput{Bytes: len(resp.Body)}, nil
		})
	h := sdktest.New(t, &sdk.Plugin{Name: "large", Version: "1.0.0", Tools: []sdk.Tool{read}},
		sdktest.WithBilly(func(ctx context.Context, req sdk.BillyRequest) (*sdk.BillyResponse, error) {
			return &sdk.BillyResponse{Status: 200, Body: body}, nil
		}))
	var out sizeOutput
	if err := h.CallToolInto(context.Background(), "read", struct{}{}, &out); err != nil {
		t.Fatal(err)
	}
	if out.Bytes != len(body) {
		t.Errorf("the plugin got %d bytes of a %d-byte answer", out.Bytes, len(body))
	}
}
