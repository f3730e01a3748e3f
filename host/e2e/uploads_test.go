package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
	"github.com/billy-mcp/billy-mcp/sandbox"
	"github.com/mark3labs/mcp-go/client/transport"
)

// upload posts data to the host's POST /uploads as an HTTP client does,
// with key's credentials, and returns the status and the decoded body.
func upload(t *testing.T, h *hostProc, key, name string, data []byte) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.url("/uploads?name="+url.QueryEscape(name)), bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%d %s: %v", resp.StatusCode, raw, err)
	}
	return resp.StatusCode, out
}

// TestUploadsEndToEnd (issue 14 item 2): a PDF uploaded over real HTTP to
// POST /uploads is attached by its handle with attach_voucher through a
// real MCP client, preview then confirmation, and the sandbox Billy has
// the file and the attachment; another principal's call with the same
// handle is refused as upload_not_found, an upload without credentials is
// 401 and one over uploads.max_bytes is 413.
func TestUploadsEndToEnd(t *testing.T) {
	org, base := serveSandbox(t, "e2e-uploads", sandbox.BusinessService)
	b := &billyReader{t: t, base: base, token: org.AccessToken}
	const alice, bob = "uploads-e2e-alice-0123456789abcdef", "uploads-e2e-bob-0123456789abcdef0"
	h := startHost(t, fmt.Sprintf("writes: {mode: confirm}\nauth: {api_keys: [%s, %s]}\nuploads: {max_bytes: 4096}\nplugins:\n  integrations: {path: billy-mcp-plugin-integrations}\n", alice, bob),
		sandboxEnv(org, base)...)
	h.waitReady(20 * time.Second)

	pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\n% uploaded over HTTP\ntrailer<<>>\n%%EOF\n")
	status, up := upload(t, h, alice, "kvittering-upload.pdf", pdf)
	sum := sha256.Sum256(pdf)
	if status != http.StatusCreated || up["sha256"] != hex.EncodeToString(sum[:]) || up["mime"] != "application/pdf" ||
		up["size"] != float64(len(pdf)) || !strings.HasPrefix(fmt.Sprint(up["handle"]), "upl_") {
		t.Fatalf("upload: %d %v", status, up)
	}
	handle := up["handle"].(string)
	if status, out := upload(t, h, "", "x.pdf", pdf); status != http.StatusUnauthorized {
		t.Errorf("without credentials: %d %v", status, out)
	}
	if status, out := upload(t, h, alice, "big.pdf", make([]byte, 5000)); status != http.StatusRequestEntityTooLarge ||
		!strings.Contains(fmt.Sprint(out["error"]), "uploads.max_bytes") {
		t.Errorf("over the cap: %d %v", status, out)
	}

	billID := b.list("/bills", url.Values{}, "bills")[0]["id"].(string)
	args := map[string]any{"upload": handle, "bill_id": billID}

	// Bob cannot use Alice's handle.
	cb := h.mcpHTTP(transport.WithHTTPHeaders(map[string]string{"X-API-Key": bob}))
	if e := toolError(t, callTool(t, cb, "attach_voucher", args)); e["code"] != "upload_not_found" {
		t.Errorf("bob with alice's handle: %v", e)
	}

	ca := h.mcpHTTP(transport.WithHTTPHeaders(map[string]string{"X-API-Key": alice}))
	attachedBefore := len(b.list("/attachments", url.Values{"ownerReference": {"bill:" + billID}}, "attachments"))
	var pre struct {
		Status            string
		ConfirmationToken string `json:"confirmation_token"`
		File              struct {
			Name, Type, SHA256 string
			Size               int
		}
	}
	decode(t, structured(t, callTool(t, ca, "attach_voucher", args)), &pre)
	if pre.Status != "confirmation_required" || pre.File.SHA256 != up["sha256"] || pre.File.Name != "kvittering-upload.pdf" || pre.File.Size != len(pdf) {
		t.Fatalf("preview: %+v", pre)
	}
	args["confirmation_token"] = pre.ConfirmationToken
	var res struct {
		Status       string
		AttachmentID string `json:"attachment_id"`
	}
	decode(t, structured(t, callTool(t, ca, "attach_voucher", args)), &res)
	if res.Status != "done" || res.AttachmentID == "" {
		t.Fatalf("attach: %+v", res)
	}
	atts := b.list("/attachments", url.Values{"ownerReference": {"bill:" + billID}}, "attachments")
	var fileID any
	for _, a := range atts {
		if a["id"] == res.AttachmentID {
			fileID = a["fileId"]
		}
	}
	if len(atts) != attachedBefore+1 || fileID == nil {
		t.Fatalf("the sandbox's attachments of the bill: %v", atts)
	}
	found := false
	for _, f := range b.list("/files", url.Values{}, "files") {
		if f["id"] == fileID {
			found = f["fileName"] == "kvittering-upload.pdf" && f["fileType"] == "application/pdf" && fmt.Sprint(f["fileSize"]) == fmt.Sprint(len(pdf))
		}
	}
	if !found {
		t.Errorf("the uploaded file is not in the sandbox as kvittering-upload.pdf, application/pdf, %d bytes", len(pdf))
	}
}

// TestUploadsAcrossInstances: two hosts on one PostgreSQL database (and
// one signing key), as a deployment's instances are: a file uploaded to
// one is attached, preview and confirmation, through the other.
func TestUploadsAcrossInstances(t *testing.T) {
	org, base := serveSandbox(t, "e2e-uploads-2", sandbox.BusinessService)
	b := &billyReader{t: t, base: base, token: org.AccessToken}
	const key = "uploads-e2e-both-0123456789abcdef"
	env := append(sandboxEnv(org, base), "BILLY_MCP_DATABASE_URL="+testkit.PostgresURL(t),
		"BILLY_MCP_SIGNING_KEY=uploads-e2e-signing-key-0123456789abcdef")
	cfg := fmt.Sprintf("writes: {mode: confirm}\nauth: {api_keys: [%s]}\nplugins:\n  integrations: {path: billy-mcp-plugin-integrations}\n", key)
	one, two := startHost(t, cfg, env...), startHost(t, cfg, env...)
	one.waitReady(20 * time.Second)
	two.waitReady(20 * time.Second)

	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR across \x00\x00\x00\x00IEND\xaeB`\x82")
	status, up := upload(t, one, key, "bon-across.png", png)
	if status != http.StatusCreated || up["mime"] != "image/png" {
		t.Fatalf("upload to the first instance: %d %v", status, up)
	}
	billID := b.list("/bills", url.Values{}, "bills")[0]["id"].(string)
	args := map[string]any{"upload": up["handle"], "bill_id": billID}
	c := two.mcpHTTP(transport.WithHTTPHeaders(map[string]string{"X-API-Key": key}))
	var pre struct {
		Status            string
		ConfirmationToken string `json:"confirmation_token"`
		File              struct{ SHA256 string }
	}
	decode(t, structured(t, callTool(t, c, "attach_voucher", args)), &pre)
	if pre.Status != "confirmation_required" || pre.File.SHA256 != up["sha256"] {
		t.Fatalf("preview on the second instance: %+v", pre)
	}
	args["confirmation_token"] = pre.ConfirmationToken
	var res struct{ Status string }
	decode(t, structured(t, callTool(t, c, "attach_voucher", args)), &res)
	if res.Status != "done" {
		t.Fatalf("attach on the second instance: %+v", res)
	}
}
