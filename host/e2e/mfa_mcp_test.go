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
//   - The TypeScript SDK's 2026-07-28 client (@modelcontextprotocol/client)
//     with URL elicitation gets input_required with a URL elicitation; its
//     repeat after the page approved runs; a declined one ends in the
//     tool error.
//   - The audit records of the approved calls name their approvals.
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
	ts := startScript(t, tools, "mfa.mjs", spec)
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
		var s step
		ts.next(want, &s)
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
	ts.wait()
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
	// The TypeScript SDK's 2026-07-28 client, with URL elicitation, as bob
	// (alice's code of this 30-second step is spent): input_required with
	// a URL elicitation; the client's driver asks its handler (the test
	// answers accept once the page approved), repeats the call with the
	// answer and the request state, and the call runs. The next call is
	// asked again (a new approval); declined, it ends in the tool error.
	second := drafts[1]["id"].(string)
	spec, _ = json.Marshal(map[string]any{"nodeModules": nodeModules(tools), "url": h.url("/mcp"),
		"headers": map[string]string{"Authorization": "Bearer " + bob.key},
		"tool":    "approve_invoice", "arguments": map[string]any{"invoiceId": second}, "calls": 2})
	mod := startScript(t, tools, "mfa-modern.mjs", spec)
	var asked struct {
		Params map[string]any
	}
	mod.next("elicitation", &asked)
	pageURL, _ := asked.Params["url"].(string)
	if asked.Params["mode"] != "url" || !strings.HasPrefix(pageURL, h.url("/mfa/approve/")) || asked.Params["elicitationId"] != nil {
		t.Fatalf("the 2026-07-28 elicitation: %v, want mode url, the approval page, no elicitationId", asked.Params)
	}
	before = commits()
	if status := approvePage(t, pageURL, code(t, secrets["bob"])); status != http.StatusOK {
		t.Fatalf("bob's code on his page: %d", status)
	}
	mod.answer("accept")
	var result struct {
		Result *mcp.CallToolResult
		Error  string
	}
	mod.next("result", &result)
	if result.Result == nil || result.Result.IsError {
		t.Fatalf("the 2026-07-28 call after approval: %+v", result)
	}
	if state := sandboxInvoice(t, []string{"BILLY_API_BASE=" + base, "BILLY_API_KEY=" + org.AccessToken}, second)["state"]; state != "approved" {
		t.Errorf("invoice %s is %v after the 2026-07-28 call, want approved", second, state)
	}
	after = commits()
	if after <= before {
		t.Errorf("the 2026-07-28 call wrote nothing to Billy (commits %d, then %d)", before, after)
	}
	mod.next("elicitation", &asked)
	if asked.Params["url"] == pageURL {
		t.Errorf("the next call was offered the used approval %s", pageURL)
	}
	mod.answer("decline")
	mod.next("result", &result)
	if result.Result == nil || !result.Result.IsError || len(result.Result.Content) != 1 {
		t.Fatalf("a declined approval: %+v, want the tool error", result)
	}
	if tc, ok := result.Result.Content[0].(*mcp.TextContent); !ok || !strings.Contains(tc.Text, `"mfa_required"`) {
		t.Errorf("a declined approval: %+v, want mfa_required", result.Result.Content[0])
	}
	if n := commits(); n != after {
		t.Errorf("the declined call wrote to Billy (commits %d, then %d)", after, n)
	}
	var proto struct{ Version string }
	mod.next("protocol", &proto)
	if proto.Version != "2026-07-28" {
		t.Errorf("the modern client negotiated %q", proto.Version)
	}
	mod.wait()
	bobs := `"approval":"` + strings.TrimPrefix(pageURL, h.url("/mfa/approve/")) + `"`
	if auditLines(h, `"name":"approve_invoice"`, `"outcome":"ok"`, bobs) != 1 {
		t.Errorf("no audit record of the 2026-07-28 call names its approval (%s)", bobs)
	}
	// The page's attempts are audited too: bob's refused code on alice's
	// approval (recorded under alice, whose factor it tried), alice's
	// approval, and bob's own.
	alices := `"approval":"` + el.ElicitationID + `"`
	for _, want := range [][]string{
		{`"op":"mfa/approve"`, `"subject":"alice"`, alices, `"code":"mfa_code_invalid"`},
		{`"op":"mfa/approve"`, `"subject":"alice"`, alices, `"outcome":"ok"`},
		{`"op":"mfa/approve"`, `"subject":"bob"`, bobs, `"outcome":"ok"`},
	} {
		if n := auditLines(h, want...); n != 1 {
			t.Errorf("%d audit records with %v, want 1", n, want)
		}
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

// script is a Node client script that reports one JSON line per step and
// may read answers on stdin.
type script struct {
	t      *testing.T
	name   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  *bufio.Scanner
	stderr *strings.Builder
}

func startScript(t *testing.T, tools, name string, spec []byte) *script {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, nodeBin(tools), filepath.Join("clients", name), string(spec))
	cmd.Env = nodeEnv(tools)
	s := &script{t: t, name: name, cmd: cmd, stderr: &strings.Builder{}}
	cmd.Stderr = s.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if s.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	s.lines = bufio.NewScanner(stdout)
	s.lines.Buffer(make([]byte, 1<<20), 1<<20)
	return s
}

// next decodes the script's next line into v, which must be step want.
func (s *script) next(want string, v any) {
	s.t.Helper()
	if !s.lines.Scan() {
		s.t.Fatalf("%s ended before step %q: %v\n%s", s.name, want, s.lines.Err(), s.stderr.String())
	}
	var head struct{ Step string }
	if err := json.Unmarshal(s.lines.Bytes(), &head); err != nil || head.Step != want || json.Unmarshal(s.lines.Bytes(), v) != nil {
		s.t.Fatalf("%s said %s, want step %q (%v)\n%s", s.name, s.lines.Bytes(), want, err, s.stderr.String())
	}
}

// answer writes one line to the script's stdin.
func (s *script) answer(line string) {
	s.t.Helper()
	if _, err := io.WriteString(s.stdin, line+"\n"); err != nil {
		s.t.Fatal(err)
	}
}

// wait waits for the script to end, which it must do without error.
func (s *script) wait() {
	s.t.Helper()
	_ = s.stdin.Close()
	if err := s.cmd.Wait(); err != nil {
		s.t.Errorf("%s: %v\n%s", s.name, err, s.stderr.String())
	}
}

// auditLines counts the host's audit log lines that hold every one of
// parts.
func auditLines(h *hostProc, parts ...string) int {
	n := 0
	for _, line := range strings.Split(h.stderr.String(), "\n") {
		if !strings.Contains(line, `"@module":"billy-mcp.audit"`) {
			continue
		}
		all := true
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			n++
		}
	}
	return n
}
