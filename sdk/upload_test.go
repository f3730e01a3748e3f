package sdk_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
)

type readInput struct {
	Handle string `json:"handle"`
}

type readOutput struct {
	Size   int    `json:"size"`
	MIME   string `json:"mime"`
	SHA256 string `json:"sha256"`
	Name   string `json:"name"`
}

// uploadPlugin reads an upload through Host.ReadUpload, over the wire.
func uploadPlugin() *sdk.Plugin {
	read := sdk.NewTool(sdk.ToolSpec{Name: "read", Description: "Reads an upload.", Effect: sdk.ReadOnly, ClosedWorld: true},
		func(ctx context.Context, call *sdk.Call, in readInput) (readOutput, error) {
			u, err := call.Host.ReadUpload(ctx, in.Handle)
			if err != nil {
				return readOutput{}, err
			}
			return readOutput{Size: len(u.Data), MIME: u.MIME, SHA256: u.SHA256, Name: u.FileName}, nil
		})
	return &sdk.Plugin{Name: "uploads", Version: "1.0.0", Tools: []sdk.Tool{read}}
}

// A file larger than gRPC's default 4 MiB message comes through whole.
func TestReadUpload(t *testing.T) {
	big := bytes.Repeat([]byte("%PDF"), 5<<20/4)
	h := sdktest.New(t, uploadPlugin(), sdktest.WithUpload("upl_1", sdk.Upload{Data: big, MIME: "application/pdf", FileName: "r.pdf"}))
	var out readOutput
	if err := h.CallToolInto(context.Background(), "read", readInput{Handle: "upl_1"}, &out); err != nil {
		t.Fatal(err)
	}
	if out.Size != len(big) || out.MIME != "application/pdf" || out.Name != "r.pdf" || len(out.SHA256) != 64 {
		t.Errorf("%+v", out)
	}
	err := h.CallToolInto(context.Background(), "read", readInput{Handle: "upl_2"}, &out)
	var e *sdk.Error
	if !errors.As(err, &e) || e.Code != "upload_not_found" || e.Category != sdk.CategoryNotFound {
		t.Errorf("unknown handle: %v", err)
	}
	old := sdktest.New(t, uploadPlugin(), sdktest.WithoutConsumeOnce())
	if err := old.CallToolInto(context.Background(), "read", readInput{Handle: "upl_1"}, &out); !errors.As(err, &e) || e.Code != sdk.ErrHostFeatureMissing.Code {
		t.Errorf("old host: %v", err)
	}
}
