package integrations

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
	"github.com/google/go-cmp/cmp"
)

var (
	tinyPDF = []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
	tinyPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR....\x00\x00\x00\x00IEND\xaeB`\x82")
	tinyJPG = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00....\xff\xd9")
)

func TestSniffVoucher(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want string
	}{
		{"pdf", tinyPDF, "application/pdf"},
		{"png", tinyPNG, "image/png"},
		{"jpeg", tinyJPG, "image/jpeg"},
		{"heic", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), "image/heic"},
		{"mp4 is not heic", []byte("\x00\x00\x00\x18ftypisom\x00\x00\x00\x00"), ""},
		{"truncated pdf", tinyPDF[:20], ""},
		{"truncated jpeg", tinyJPG[:8], ""},
		{"truncated png", tinyPNG[:12], ""},
		{"zip", []byte("PK\x03\x04xxxx"), ""},
		{"exe", []byte("MZ\x90\x00"), ""},
		{"text", []byte("hello"), ""},
	} {
		if got, why := sniffVoucher(tc.in); got != tc.want || (got == "" && why == "") {
			t.Errorf("%s: %q (%s), want %q", tc.name, got, why, tc.want)
		}
	}
}

// voucherBilly fakes files, attachments, bills and contacts.
type voucherBilly struct {
	mu      sync.Mutex
	n       int
	files   map[string][2]any // id → name, size
	atts    []map[string]string
	bills   map[string]any
	uploads int
}

func newVoucherBilly() *voucherBilly {
	return &voucherBilly{files: map[string][2]any{}, bills: map[string]any{"b1": map[string]any{"id": "b1", "state": "draft"}}}
}

func (f *voucherBilly) serve(_ context.Context, req sdk.BillyRequest) (*sdk.BillyResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ok := func(v any) (*sdk.BillyResponse, error) {
		b, _ := json.Marshal(v)
		return &sdk.BillyResponse{Status: 200, Body: b}, nil
	}
	id := func() string { f.n++; return fmt.Sprintf("x%d", f.n) }
	switch {
	case req.Method == "POST" && req.Path == "/files":
		if req.Upload == nil || req.Body != nil {
			return &sdk.BillyResponse{Status: 400, Body: json.RawMessage(`{"errorMessage":"not an upload"}`)}, nil
		}
		f.uploads++
		fid := id()
		f.files[fid] = [2]any{req.Upload.FileName, len(req.Upload.Data)}
		return ok(map[string]any{"files": []any{map[string]any{"id": fid, "fileName": req.Upload.FileName}}})
	case req.Method == "GET" && strings.HasPrefix(req.Path, "/files/"):
		fl := f.files[strings.TrimPrefix(req.Path, "/files/")]
		return ok(map[string]any{"file": map[string]any{"fileName": fl[0], "fileSize": fl[1]}})
	case req.Method == "POST" && req.Path == "/attachments":
		b, _ := json.Marshal(req.Body)
		var body struct{ Attachment map[string]string }
		_ = json.Unmarshal(b, &body)
		a := body.Attachment
		a["id"] = id()
		f.atts = append(f.atts, a)
		return ok(map[string]any{"attachments": []any{a}})
	case req.Method == "GET" && req.Path == "/attachments":
		var list []any
		for _, a := range f.atts {
			if a["ownerReference"] == req.Query.Get("ownerReference") {
				list = append(list, a)
			}
		}
		return ok(map[string]any{"attachments": list, "meta": map[string]any{"paging": map[string]any{"pageCount": 1}}})
	case req.Method == "GET" && strings.HasPrefix(req.Path, "/bills/"):
		if b, found := f.bills[strings.TrimPrefix(req.Path, "/bills/")]; found {
			return ok(map[string]any{"bill": b})
		}
		return &sdk.BillyResponse{Status: 404, Body: json.RawMessage(`{"errorCode":"RECORD_NOT_FOUND"}`)}, nil
	case req.Method == "POST" && req.Path == "/bills":
		bid := id()
		f.bills[bid] = map[string]any{"id": bid, "state": "draft"}
		return ok(map[string]any{"bills": []any{f.bills[bid]}})
	case req.Method == "GET" && req.Path == "/contacts/s1":
		return ok(map[string]any{"contact": map[string]any{"id": "s1", "name": "Kontorland A/S"}})
	}
	return &sdk.BillyResponse{Status: 404, Body: json.RawMessage(`{"errorCode":"UNKNOWN_RESOURCE"}`)}, nil
}

// TestAttachVoucher: preview with the SHA-256, the token uploads and
// attaches once, the same file again is recognised (here and on another
// record), and bad files are refused before anything is uploaded.
func TestAttachVoucher(t *testing.T) {
	ctx := context.Background()
	billy := newVoucherBilly()
	h := sdktest.New(t, New(), sdktest.WithBilly(billy.serve), sdktest.WithWritesMode(sdk.WritesConfirm), sdktest.WithDataDir(t.TempDir()))
	args := map[string]any{"content": "data:application/pdf;base64," + base64.StdEncoding.EncodeToString(tinyPDF), "file_name": "kvittering.pdf", "bill_id": "b1"}
	var pre VoucherResult
	if err := h.CallToolInto(ctx, "attach_voucher", args, &pre); err != nil {
		t.Fatal(err)
	}
	if pre.Status != "confirmation_required" || pre.File.Type != "application/pdf" || len(pre.File.SHA256) != 64 || billy.uploads != 0 {
		t.Fatalf("preview: %+v (uploads %d)", pre, billy.uploads)
	}
	args["confirmation_token"] = pre.ConfirmationToken
	var done VoucherResult
	if err := h.CallToolInto(ctx, "attach_voucher", args, &done); err != nil {
		t.Fatal(err)
	}
	if done.Status != "done" || done.FileID == "" || done.AttachmentID == "" || billy.uploads != 1 {
		t.Fatalf("done: %+v", done)
	}
	if diff := cmp.Diff([]map[string]string{{"id": done.AttachmentID, "ownerReference": "bill:b1", "fileId": done.FileID}}, billy.atts); diff != "" {
		t.Error(diff)
	}
	// The same file again, on the same bill: nothing to do.
	delete(args, "confirmation_token")
	var again VoucherResult
	if err := h.CallToolInto(ctx, "attach_voucher", args, &again); err != nil || again.Status != "unchanged" {
		t.Errorf("same file, same bill: %+v %v", again, err)
	}
	// On another record: refused as a voucher already used.
	billy.bills["b2"] = map[string]any{"id": "b2", "state": "approved"}
	args["bill_id"] = "b2"
	var e *sdk.Error
	if err := h.CallToolInto(ctx, "attach_voucher", args, &VoucherResult{}); !errors.As(err, &e) || e.Code != "voucher_already_used" {
		t.Errorf("same file, other bill: %v", err)
	}
	// Unless allowed: then it is attached without a second upload.
	args["allow_duplicate"] = true
	var dup VoucherResult
	if err := h.CallToolInto(ctx, "attach_voucher", args, &dup); err != nil || len(dup.Requests) != 1 || dup.Requests[0].Path != "/attachments" {
		t.Errorf("allowed duplicate: %+v %v", dup, err)
	}
	for name, a := range map[string]map[string]any{
		"not a voucher":     {"content": base64.StdEncoding.EncodeToString([]byte("MZ\x90\x00 program")), "bill_id": "b1"},
		"declared png, pdf": {"content": "data:image/png;base64," + base64.StdEncoding.EncodeToString(tinyPDF), "bill_id": "b1"},
		"text":              {"text": "hello", "bill_id": "b1"},
		"two owners":        {"content": base64.StdEncoding.EncodeToString(tinyPNG), "bill_id": "b1", "invoice_id": "i1"},
		"unknown bill":      {"content": base64.StdEncoding.EncodeToString(tinyPNG), "bill_id": "nope"},
		"not base64":        {"content": "%%%", "bill_id": "b1"},
		"path off":          {"path": "r.pdf", "bill_id": "b1"},
	} {
		if err := h.CallToolInto(ctx, "attach_voucher", a, &VoucherResult{}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if billy.uploads != 1 {
		t.Errorf("%d uploads, want 1", billy.uploads)
	}
}

func TestTooLargeVoucher(t *testing.T) {
	h := sdktest.New(t, New(), sdktest.WithBilly(newVoucherBilly().serve), sdktest.WithConfig(map[string]any{"max_file_bytes": 2048}))
	big := append(append([]byte("%PDF-1.4\n"), make([]byte, 4096)...), "%%EOF"...)
	err := h.CallToolInto(context.Background(), "attach_voucher", map[string]any{"content": base64.StdEncoding.EncodeToString(big), "bill_id": "b1"}, &VoucherResult{})
	var e *sdk.Error
	if !errors.As(err, &e) || e.Category != sdk.CategoryValidation || !strings.Contains(e.Message, "most this tool takes") {
		t.Errorf("too large: %v", err)
	}
}

func TestReceiptToBill(t *testing.T) {
	ctx := context.Background()
	billy := newVoucherBilly()
	h := sdktest.New(t, New(), sdktest.WithBilly(billy.serve), sdktest.WithWritesMode(sdk.WritesDirect))
	args := map[string]any{"content": base64.StdEncoding.EncodeToString(tinyJPG), "supplier_id": "s1", "entry_date": "2026-11-20",
		"amount": "1250.00", "account_id": "a1", "tax_rate_id": "t1", "description": "Kontorartikler"}
	var done VoucherResult
	if err := h.CallToolInto(ctx, "receipt_to_bill", args, &done); err != nil {
		t.Fatal(err)
	}
	if done.Status != "done" || done.BillID == "" || done.Target != "bill:"+done.BillID || billy.uploads != 1 || len(billy.atts) != 1 || billy.atts[0]["ownerReference"] != "bill:"+done.BillID {
		t.Fatalf("receipt_to_bill: %+v, attachments %v", done, billy.atts)
	}
	var e *sdk.Error
	if err := h.CallToolInto(ctx, "receipt_to_bill", args, &VoucherResult{}); !errors.As(err, &e) || e.Code != "voucher_already_used" {
		t.Errorf("the same receipt twice: %v", err)
	}
	for name, a := range map[string]string{"amount": "12,50", "entry_date": "20.11.2026"} {
		bad := map[string]any{}
		for k, v := range args {
			bad[k] = v
		}
		bad[name] = a
		if err := h.CallToolInto(ctx, "receipt_to_bill", bad, &VoucherResult{}); !errors.As(err, &e) || e.Fields[0].Field != name {
			t.Errorf("bad %s: %v", name, err)
		}
	}
}
