package e2e

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/sandbox"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/pquerna/otp/totp"
)

// TestMFAOverMCP: MFA approvals reach MCP clients the way each can take
// them. A production host on a sandbox Billy makes every destructive call
// need an approval (auth.mfa.destructive_organizations: ["*"]).
//
//   - The official TypeScript SDK's client, declaring URL-mode elicitation,
//     calls approve_invoice and gets URLElicitationRequiredError (-32042)
//     with one URL elicitation: the host's approval page, whose
//     elicitationId is the approval's ID. Bob, another principal, opens the
//     page and enters his own valid code: refused. Alice enters hers; the
//     client receives notifications/elicitation/complete for that ID,
//     retries, and the invoice is approved in Billy, once; a second retry
//     needs a new approval (a new elicitation) and writes nothing.
//   - The official Go SDK's client, which declares no elicitation, gets
//     the tool error mfa_required with the link in its message and as
//     approvalUrl.
//   - The audit record of the approved call names the approval.
func TestMFAOverMCP(t *testing.T) {
	tools, err := nodeTools()
	if err != nil {
		t.Fatal(err)
	}
	org, base := serveSandbox(t, "e2e-mfa-mcp", sandbox.BusinessService)
	billy := &billyReader{t: t, base: base, token: org.AccessToken}
	var drafts []map[string]any
	for _, inv := range billy.list("/invoices", url.Values{}, "invoices") {
		if inv["state"] == "draft" {
			drafts = append(drafts, inv)
		}
	}
	if len(drafts) < 2 {
		t.Fatalf("the sandbox has %d draft invoices, want 2", len(drafts))
	}
	alice, bob := newTestKey(t), newTestKey(t)
	var raw [32]byte
	_, _ = rand.Read(raw[:])
	h := startHost(t, fmt.Sprintf(`writes: {mode: direct}
plugins:
  invoices: {path: billy-mcp-plugin-invoices}
credentials: {keys: "1:%s"}
auth:
  keys:
    - {principal: alice, sha256: %s, roles: [admin]}
    - {principal: bob, sha256: %s, roles: [admin]}
  mfa: {destructive_organizations: ["*"]}
`, base64.StdEncoding.EncodeToString(raw[:]), alice.hash, bob.hash), sandboxEnv(org, base)...)
	h.waitReady(20 * time.Second)
	secrets := map[string]string{}
	for _, p := range []string{"alice", "bob"} {
		out := billyCLI(t, h.cfg, "", "users", "totp", "enroll", p)
		u, err := url.Parse(regexp.MustCompile(`otpauth://\S+`).FindString(out))
		if err != nil || u.Query().Get("secret") == "" {
			t.Fatalf("enroll %s printed %q", p, out)
		}
		secrets[p] = u.Query().Get("secret")
	}

	// The TypeScript SDK, with URL elicitation.
	invoiceID := drafts[0]["id"].(string)
	spec, _ := json.Marshal(map[string]any{"nodeModules": nodeModules(tools), "url": h.url("/mcp"),
		"headers": map[string]string{"Authorization": "Bearer " + alice.key},
		"tool":    "approve_invoice", "arguments": map[string]any{"invoiceId": invoiceID}})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, nodeBin(tools), filepath.Join("clients", "mfa.mjs"), string(spec))
	cmd.Env = nodeEnv(tools)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	lines.Buffer(make([]byte, 1<<20), 1<<20)
	type elicitation struct {
		Mode, ElicitationID, URL, Message string
	}
	type step struct {
		Step         string
		Elicitations []elicitation
		Code         int
		Notified     bool
		Result       json.RawMessage
		Error, Fatal string
	}
	next := func(want string) step {
		t.Helper()
		if !lines.Scan() {
			_ = cmd.Wait()
			t.Fatalf("mfa.mjs ended before %q: %v\n%s", want, lines.Err(), stderr.String())
		}
		var s step
		if err := json.Unmarshal(lines.Bytes(), &s); err != nil || s.Step != want {
			t.Fatalf("mfa.mjs said %s, want step %q (%v)\n%s", lines.Bytes(), want, err, stderr.String())
		}
		return s
	}
	commits := func() int64 {
		t.Helper()
		resp, err := http.Get(strings.TrimSuffix(base, "/v2") + "/_sandbox/stats")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var s sandbox.Stats
		if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
			t.Fatal(err)
		}
		return s.Commits
	}

	first := next("first")
	if first.Code != -32042 || len(first.Elicitations) != 1 {
		t.Fatalf("the first call: %+v, want -32042 with one elicitation", first)
	}
	el := first.Elicitations[0]
	link := h.url("/mfa/approve/" + el.ElicitationID)
	if el.Mode != "url" || el.URL != link || len(el.ElicitationID) < 32 || !strings.Contains(el.Message, "approve_invoice") {
		t.Fatalf("the elicitation: %+v, want mode url, url %s", el, link)
	}
	before := commits()
	// Bob opens Alice's page and enters his own good code: refused.
	if status := approvePage(t, el.URL, code(t, secrets["bob"])); status != http.StatusUnauthorized {
		t.Errorf("bob's code on alice's page: %d, want 401", status)
	}
	if status := approvePage(t, el.URL, code(t, secrets["alice"])); status != http.StatusOK {
		t.Fatalf("alice's code on her page: %d", status)
	}
	if c := next("completed"); !c.Notified {
		t.Error("the client got no notifications/elicitation/complete for its elicitation")
	}
	retry := next("retry")
	var res mcp.CallToolResult
	if err := json.Unmarshal(retry.Result, &res); err != nil || res.IsError {
		t.Fatalf("the retry after approval: %+v (%v)", retry, err)
	}
	if state := sandboxInvoice(t, []string{"BILLY_API_BASE=" + base, "BILLY_API_KEY=" + org.AccessToken}, invoiceID)["state"]; state != "approved" {
		t.Errorf("the invoice is %v in Billy after the approved call, want approved", state)
	}
	after := commits()
	if after <= before {
		t.Errorf("the approved call wrote nothing to Billy (commits %d, then %d)", before, after)
	}
	again := next("again")
	if again.Code != -32042 || len(again.Elicitations) != 1 || again.Elicitations[0].ElicitationID == el.ElicitationID {
		t.Errorf("a second retry: %+v, want a new elicitation", again)
	}
	if n := commits(); n != after {
		t.Errorf("the second retry wrote to Billy (commits %d, then %d)", after, n)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("mfa.mjs: %v\n%s", err, stderr.String())
	}
	ran := 0
	for _, line := range strings.Split(h.stderr.String(), "\n") {
		if strings.Contains(line, `"name":"approve_invoice"`) && strings.Contains(line, `"outcome":"ok"`) {
			ran++
			if !strings.Contains(line, `"approval":"`+el.ElicitationID+`"`) {
				t.Errorf("the approved call's audit record does not name approval %s: %s", el.ElicitationID, line)
			}
		}
	}
	if ran != 1 {
		t.Errorf("%d audit records of an approve_invoice that ran, want 1", ran)
	}

	// The Go SDK's client, without elicitation: the link in a tool error.
	s := goSDKSession(t, h, alice.key)
	cctx, ccancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer ccancel()
	out, err := s.CallTool(cctx, &mcp.CallToolParams{Name: "approve_invoice", Arguments: map[string]any{"invoiceId": drafts[1]["id"]}})
	if err != nil {
		t.Fatalf("the Go SDK's call failed as a protocol error: %v", err)
	}
	var body struct {
		Error struct {
			Code, Message string
		}
		ApprovalURL string `json:"approvalUrl"`
	}
	text := ""
	if len(out.Content) == 1 {
		if tc, ok := out.Content[0].(*mcp.TextContent); ok {
			text = tc.Text
		}
	}
	if err := json.Unmarshal([]byte(text), &body); err != nil || !out.IsError || body.Error.Code != "mfa_required" ||
		!strings.HasPrefix(body.ApprovalURL, h.url("/mfa/approve/")) || !strings.Contains(body.Error.Message, body.ApprovalURL) {
		t.Errorf("the Go SDK's call: isError %v, %s", out.IsError, text)
	}
	for _, secret := range secrets {
		if strings.Contains(h.stderr.String(), secret) {
			t.Error("a TOTP secret reached the host's log")
		}
	}
}

// code is the TOTP code of secret now.
func code(t *testing.T, secret string) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// approvePage opens an approval page as a browser does and submits code;
// it returns the status of the submission.
func approvePage(t *testing.T, link, code string) int {
	t.Helper()
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(string(page))
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("approval page %s: %d %s", link, resp.StatusCode, page)
	}
	resp, err = http.PostForm(link, url.Values{"csrf": {m[1]}, "code": {code}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
