package e2e

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
)

// TestRevocationAcrossInstances: two hosts of one deployment (one
// PostgreSQL, one signing key, one public URL) and a user added to the
// store with `billy-mcp users add`. Her token works on both; revoked at
// /oauth/revoke on instance A it is refused there at once and on instance
// B within seconds; `billy-mcp users disable` then refuses her other
// token on both and her refresh token.
func TestRevocationAcrossInstances(t *testing.T) {
	pg := testkit.PostgresURL(t)
	addrA := freeAddr(t)
	cfg := fmt.Sprintf(`plugins:
  hello: {path: billy-mcp-plugin-hello}
signing_key: "e2e revocation: one key for the deployment's instances"
database: {url: %q}
auth:
  oauth: {audience: "http://%s/mcp"}
  server: {enabled: true}
`, pg, addrA)
	a := startHostOn(t, addrA, cfg)
	b := startHostOn(t, freeAddr(t), cfg)
	a.waitReady(20 * time.Second)
	b.waitReady(20 * time.Second)

	const password = "eva's long password"
	users := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command(filepath.Join(binDir, "billy-mcp"), append(append([]string{"users"}, args...), "--config", a.cfg)...)
		cmd.Env = baseEnv()
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("billy-mcp users %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	users(password+"\n", "add", "eva", "--role", "read-only")

	_, port, _ := strings.Cut(freeAddr(t), ":")
	redirect := "http://127.0.0.1:" + port + "/callback"
	reg, _ := json.Marshal(map[string]any{"redirect_uris": []string{redirect}, "token_endpoint_auth_method": "none",
		"grant_types": []string{"authorization_code", "refresh_token"}})
	resp, err := http.Post(a.url("/oauth/register"), "application/json", strings.NewReader(string(reg)))
	if err != nil {
		t.Fatal(err)
	}
	var client struct {
		ID string `json:"client_id"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&client)
	resp.Body.Close()
	const verifier = "e2e-revocation-verifier-0123456789-abcdefghijklmnopqrstuvwxyz"
	sum := sha256.Sum256([]byte(verifier))
	login := func() (access, refresh string) {
		t.Helper()
		q := url.Values{"response_type": {"code"}, "client_id": {client.ID}, "redirect_uri": {redirect}, "state": {"s"},
			"scope": {"billy:read offline_access"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
			"code_challenge_method": {"S256"}, "resource": {a.url("/mcp")}}
		back := signIn(t, a, a.url("/oauth/authorize?"+q.Encode()), "eva", password)
		resp, err := http.PostForm(a.url("/oauth/token"), url.Values{"grant_type": {"authorization_code"}, "code": {back.Query().Get("code")},
			"redirect_uri": {redirect}, "client_id": {client.ID}, "code_verifier": {verifier}, "resource": {a.url("/mcp")}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var tok struct {
			Access  string `json:"access_token"`
			Refresh string `json:"refresh_token"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&tok)
		if resp.StatusCode != 200 || tok.Access == "" || tok.Refresh == "" {
			t.Fatalf("token: %d %+v", resp.StatusCode, tok)
		}
		return tok.Access, tok.Refresh
	}
	first, _ := login()
	second, refresh := login()
	call := func(h *hostProc, tok string) int {
		t.Helper()
		code, _ := h.post("/api/v1/tools/hello_organization", map[string]any{}, "Authorization", "Bearer "+tok)
		return code
	}
	for name, h := range map[string]*hostProc{"A": a, "B": b} {
		if code := call(h, first); code != 200 {
			t.Fatalf("instance %s refused eva's token before revocation: %d", name, code)
		}
	}
	form := func(h *hostProc, path string, v url.Values) int {
		t.Helper()
		resp, err := http.PostForm(h.url(path), v)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := form(a, "/oauth/revoke", url.Values{"token": {first}, "token_type_hint": {"access_token"}, "client_id": {client.ID}}); code != 200 {
		t.Fatalf("revoke at A: %d", code)
	}
	if code := call(a, first); code != http.StatusUnauthorized {
		t.Errorf("instance A after the revocation: %d, want 401", code)
	}
	refusedOn := func(h *hostProc, tok string) bool {
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if call(h, tok) == http.StatusUnauthorized {
				return true
			}
		}
		return false
	}
	if !refusedOn(b, first) {
		t.Fatal("instance B still accepts the token revoked on A after 15 s")
	}
	if code := call(b, second); code != 200 {
		t.Errorf("eva's other token on B: %d, want 200 (only the revoked one is refused)", code)
	}

	users("", "disable", "eva")
	for name, h := range map[string]*hostProc{"A": a, "B": b} {
		if !refusedOn(h, second) {
			t.Errorf("instance %s accepts a disabled user's token", name)
		}
	}
	if code := form(b, "/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {client.ID}}); code == 200 {
		t.Error("a disabled user's refresh token was accepted")
	}
}
