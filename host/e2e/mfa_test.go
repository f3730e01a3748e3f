package e2e

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

// TestMFAApproval: with auth.mfa.admin, an admin tool called with an
// admin key fails with mfa_required and an approval link; the key's
// principal, enrolled with `billy-mcp users totp enroll`, opens the link
// and enters a code from the secret; the same call then runs, once, and
// its audit record names the approval.
func TestMFAApproval(t *testing.T) {
	alice := newTestKey(t)
	var raw [32]byte
	_, _ = rand.Read(raw[:])
	h := startHost(t, fmt.Sprintf(`plugins:
  hello: {path: billy-mcp-plugin-hello}
credentials: {keys: "1:%s"}
auth:
  keys:
    - {principal: alice, sha256: %s, roles: [admin]}
  mfa: {admin: true}
`, base64.StdEncoding.EncodeToString(raw[:]), alice.hash))
	h.waitReady(20 * time.Second)
	out := billyCLI(t, h.cfg, "", "users", "totp", "enroll", "alice")
	u, err := url.Parse(regexp.MustCompile(`otpauth://\S+`).FindString(out))
	if err != nil || u.Query().Get("secret") == "" {
		t.Fatalf("enroll printed %q", out)
	}
	secret := u.Query().Get("secret")
	bearer := []string{"Authorization", "Bearer " + alice.key}

	call := func() (int, map[string]any) {
		return h.post("/api/v1/tools/run_ops_check", map[string]any{}, bearer...)
	}
	status, env := call()
	e, _ := env["error"].(map[string]any)
	if status != http.StatusForbidden || e["code"] != "mfa_required" {
		t.Fatalf("admin call without approval: %d %v", status, env)
	}
	link := regexp.MustCompile(`http://\S+/mfa/approve/[A-Za-z0-9_-]+`).FindString(fmt.Sprint(e["message"]))
	if link == "" {
		t.Fatalf("no approval link in %q", e["message"])
	}
	// A non-admin tool needs none.
	if status, env := h.post("/api/v1/tools/hello_greet", map[string]any{"name": "Ada"}, bearer...); status != 200 {
		t.Errorf("hello_greet: %d %v", status, env)
	}

	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(string(page))
	if resp.StatusCode != 200 || m == nil || !strings.Contains(string(page), "run_ops_check") {
		t.Fatalf("approval page: %d %s", resp.StatusCode, page)
	}
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp, err = http.PostForm(link, url.Values{"csrf": {m[1]}, "code": {code}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("approving: %d", resp.StatusCode)
	}
	if status, env := call(); status != 200 || env["success"] != true {
		t.Fatalf("the approved call: %d %v", status, env)
	}
	if status, env := call(); status != http.StatusForbidden {
		t.Errorf("the approval worked twice: %d %v", status, env)
	}
	if strings.Contains(h.stderr.String(), secret) || strings.Contains(h.stderr.String(), `"`+code+`"`) {
		t.Error("the TOTP secret or code reached the host's log")
	}
	approved := false
	for _, line := range strings.Split(h.stderr.String(), "\n") {
		if strings.Contains(line, `"name":"run_ops_check"`) && strings.Contains(line, `"approval":"`) && strings.Contains(line, `"outcome":"ok"`) {
			approved = true
		}
	}
	if !approved {
		t.Error("no audit record of the approved call names its approval")
	}
}
