package e2e

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/sandbox"
)

// TestVouchersOnTheSandbox (issue 14): a receipt goes through the real host
// (its file upload to Billy) and the integrations plugin into a sandbox
// Billy read directly here: attach_voucher previews the file with its
// SHA-256, the token uploads it once and attaches it to a bill (the
// sandbox lists it under bill:<id>, with the right name and size); the same
// file again is recognised; receipt_to_bill creates a draft bill with the
// receipt attached; a file that is not a PDF or photo is refused.
func TestVouchersOnTheSandbox(t *testing.T) {
	org, base := serveSandbox(t, "e2e-vouchers", sandbox.BusinessService)
	b := &billyReader{t: t, base: base, token: org.AccessToken}

	h := startHost(t, "writes: {mode: confirm}\nplugins:\n  integrations: {path: billy-mcp-plugin-integrations}\n",
		sandboxEnv(org, base)...)
	h.waitReady(20 * time.Second)
	c := h.mcpHTTP()
	initialize(t, c)

	bills := b.list("/bills", url.Values{}, "bills")
	if len(bills) == 0 {
		t.Fatal("the sandbox has no bills")
	}
	billID := bills[0]["id"].(string)
	pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
	args := map[string]any{"content": "data:application/pdf;base64," + base64.StdEncoding.EncodeToString(pdf), "file_name": "kvittering-e2e.pdf", "bill_id": billID}

	var pre struct {
		Status            string
		ConfirmationToken string `json:"confirmation_token"`
		File              struct {
			Type, SHA256 string
			Size         int
		}
	}
	attachedBefore := len(b.list("/attachments", url.Values{"ownerReference": {"bill:" + billID}}, "attachments"))
	decode(t, structured(t, callTool(t, c, "attach_voucher", args)), &pre)
	if pre.Status != "confirmation_required" || pre.File.Type != "application/pdf" || len(pre.File.SHA256) != 64 || pre.File.Size != len(pdf) {
		t.Fatalf("preview: %+v", pre)
	}
	if n := len(b.list("/attachments", url.Values{"ownerReference": {"bill:" + billID}}, "attachments")); n != attachedBefore {
		t.Fatalf("the preview attached something (%d)", n)
	}
	args["confirmation_token"] = pre.ConfirmationToken
	var res struct {
		Status       string
		FileID       string `json:"file_id"`
		AttachmentID string `json:"attachment_id"`
		BillID       string `json:"bill_id"`
	}
	decode(t, structured(t, callTool(t, c, "attach_voucher", args)), &res)
	if res.Status != "done" || res.AttachmentID == "" {
		t.Fatalf("attach: %+v", res)
	}
	atts := b.list("/attachments", url.Values{"ownerReference": {"bill:" + billID}}, "attachments")
	var att map[string]any
	for _, a := range atts {
		if a["id"] == res.AttachmentID {
			att = a
		}
	}
	if len(atts) != attachedBefore+1 || att == nil {
		t.Fatalf("the sandbox's attachments of the bill: %v", atts)
	}
	files := b.list("/files", url.Values{}, "files")
	var found bool
	for _, f := range files {
		if f["id"] == att["fileId"] {
			found = f["fileName"] == "kvittering-e2e.pdf" && f["fileType"] == "application/pdf" && fmt.Sprint(f["fileSize"]) == fmt.Sprint(len(pdf))
		}
	}
	if !found {
		t.Errorf("the uploaded file is not in the sandbox as kvittering-e2e.pdf, application/pdf, %d bytes (attachment %v)", len(pdf), att)
	}

	// The same file again: recognised, nothing uploaded.
	delete(args, "confirmation_token")
	decode(t, structured(t, callTool(t, c, "attach_voucher", args)), &res)
	if res.Status != "unchanged" || len(b.list("/files", url.Values{}, "files")) != len(files) {
		t.Errorf("the same file again: %+v", res)
	}

	// A receipt becomes a draft bill with its voucher.
	supplier := b.list("/contacts", url.Values{"isSupplier": {"true"}}, "contacts")[0]["id"].(string)
	var account, rate string
	for _, a := range b.list("/accounts", url.Values{}, "accounts") {
		if a["natureId"] == "expense" && account == "" {
			account = a["id"].(string)
		}
	}
	for _, r := range b.list("/taxRates", url.Values{}, "taxRates") {
		if r["appliesToPurchases"] == true && rate == "" {
			rate = r["id"].(string)
		}
	}
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR e2e \x00\x00\x00\x00IEND\xaeB`\x82")
	rargs := map[string]any{"content": base64.StdEncoding.EncodeToString(png), "file_name": "bon.png", "supplier_id": supplier,
		"entry_date": "2026-11-20", "amount": "312.50", "account_id": account, "tax_rate_id": rate, "description": "Kontorartikler"}
	decode(t, structured(t, callTool(t, c, "receipt_to_bill", rargs)), &pre)
	if pre.Status != "confirmation_required" {
		t.Fatalf("receipt preview: %+v", pre)
	}
	rargs["confirmation_token"] = pre.ConfirmationToken
	decode(t, structured(t, callTool(t, c, "receipt_to_bill", rargs)), &res)
	if res.Status != "done" || res.BillID == "" {
		t.Fatalf("receipt_to_bill: %+v", res)
	}
	var bill map[string]any
	for _, x := range b.list("/bills", url.Values{}, "bills") {
		if x["id"] == res.BillID {
			bill = x
		}
	}
	if bill == nil || bill["state"] != "draft" || bill["contactId"] != supplier {
		t.Errorf("the draft bill in the sandbox: %v", bill)
	}
	if n := len(b.list("/attachments", url.Values{"ownerReference": {"bill:" + res.BillID}}, "attachments")); n != 1 {
		t.Errorf("the draft bill has %d attachments, want 1", n)
	}

	// Not a voucher: refused before anything is uploaded.
	e := toolError(t, callTool(t, c, "attach_voucher", map[string]any{"content": base64.StdEncoding.EncodeToString([]byte("PK\x03\x04zip")), "bill_id": billID}))
	if e["code"] != "voucher_not_accepted" || !strings.Contains(e["message"].(string), "ZIP") {
		t.Errorf("a zip: %v", e)
	}
}
