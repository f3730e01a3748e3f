package integrations

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
)

// TestAttachVoucherFromUpload: the upload handle is a fourth way in; the
// preview's SHA-256 is the upload's, and the confirmed call reads the same
// handle again. A handle the host does not know for this caller is
// refused naming upload, before anything reaches Billy.
func TestAttachVoucherFromUpload(t *testing.T) {
	ctx := context.Background()
	billy := newVoucherBilly()
	h := sdktest.New(t, New(), sdktest.WithBilly(billy.serve), sdktest.WithWritesMode(sdk.WritesConfirm), sdktest.WithDataDir(t.TempDir()),
		sdktest.WithUpload("upl_receipt", sdk.Upload{Data: tinyPDF, MIME: "application/pdf", FileName: "kvittering.pdf"}))
	args := map[string]any{"upload": "upl_receipt", "bill_id": "b1"}
	var pre VoucherResult
	if err := h.CallToolInto(ctx, "attach_voucher", args, &pre); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(tinyPDF)
	if pre.Status != "confirmation_required" || pre.File.SHA256 != hex.EncodeToString(sum[:]) || pre.File.Name != "kvittering.pdf" || billy.uploads != 0 {
		t.Fatalf("preview: %+v (uploads %d)", pre, billy.uploads)
	}
	args["confirmation_token"] = pre.ConfirmationToken
	var done VoucherResult
	if err := h.CallToolInto(ctx, "attach_voucher", args, &done); err != nil || done.Status != "done" || billy.uploads != 1 {
		t.Fatalf("done: %+v %v", done, err)
	}
	var e *sdk.Error
	err := h.CallToolInto(ctx, "attach_voucher", map[string]any{"upload": "upl_other", "bill_id": "b1"}, &VoucherResult{})
	if !errors.As(err, &e) || e.Code != "upload_not_found" || len(e.Fields) != 1 || e.Fields[0].Field != "upload" {
		t.Errorf("unknown handle: %v", err)
	}
	err = h.CallToolInto(ctx, "attach_voucher", map[string]any{"upload": "upl_receipt", "content": "AAAA", "bill_id": "b1"}, &VoucherResult{})
	if !errors.As(err, &e) || e.Category != sdk.CategoryValidation {
		t.Errorf("upload and content: %v", err)
	}
	old := sdktest.New(t, New(), sdktest.WithBilly(billy.serve), sdktest.WithoutConsumeOnce())
	err = old.CallToolInto(ctx, "attach_voucher", map[string]any{"upload": "upl_receipt", "bill_id": "b1"}, &VoucherResult{})
	if !errors.As(err, &e) || e.Code != "uploads_unsupported" {
		t.Errorf("old host: %v", err)
	}
	if billy.uploads != 1 {
		t.Errorf("%d uploads to Billy, want 1", billy.uploads)
	}
}
