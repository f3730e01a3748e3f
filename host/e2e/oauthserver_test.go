package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
)

// The embedded authorization server (auth.server) against real OAuth
// clients: mcp-remote (what desktop clients use to reach a remote server)
// does discovery, dynamic registration, PKCE and the token request, a
// user logs in and consents on the host's pages, and the MCP calls that
// follow carry the token the host issued.

// startHostOn is startHost on an address chosen beforehand: the
// configuration must name the host's own URL (auth.oauth.audience) before
// it starts.
func startHostOn(t *testing.T, addr, yaml string, env ...string) *hostProc {
	t.Helper()
	h := &hostProc{t: t, addr: addr, cfg: writeConfig(t, yaml), stderr: &testkit.SyncBuffer{}, done: make(chan error, 1)}
	h.cmd = exec.Command(filepath.Join(binDir, "billy-mcp"), "serve", "--config", h.cfg)
	h.cmd.Env = append(append(baseEnv(), "BILLY_MCP_HTTP_ADDR="+h.addr), env...)
	h.cmd.Stderr = h.stderr
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { h.done <- h.cmd.Wait() }()
	t.Cleanup(func() {
		h.stop()
		if t.Failed() {
			t.Logf("host stderr:\n%s", h.stderr.String())
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-h.done:
			t.Fatalf("host exited during start: %v\n%s", err, h.stderr.String())
		default:
		}
		if resp, err := http.Get(h.url("/health/live")); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return h
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("host did not come up:\n%s", h.stderr.String())
	return nil
}

// authServerHost starts a host whose own authorization server has anna
// (read-only, organizations of the sandbox) and bo (bookkeeper).
func authServerHost(t *testing.T) *hostProc {
	t.Helper()
	addr := freeAddr(t)
	hash := func(pw string) string {
		h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		return string(h)
	}
	h := startHostOn(t, addr, fmt.Sprintf(`plugins:
  hello: {path: billy-mcp-plugin-hello}
auth:
  oauth: {audience: "http://%s/mcp"}
  server:
    enabled: true
    users:
      - {name: anna, password_bcrypt: "%s", roles: [read-only]}
      - {name: bo, password_bcrypt: "%s", roles: [bookkeeper]}
`, addr, hash("anna-password"), hash("bo-password")))
	h.waitReady(20 * time.Second)
	return h
}

// userAgent is a browser that stops at redirects, so that each step is
// seen.
func userAgent() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var formField = regexp.MustCompile(`name="(id|csrf)" value="([^"]+)"`)

// signIn plays the user: from the authorization URL a client printed,
// through the login and consent pages, to the client's redirect URI,
// which it returns (the code, state and iss in its query).
func signIn(t *testing.T, h *hostProc, authorize, user, password string) *url.URL {
	t.Helper()
	ua := userAgent()
	step := func(method, u string, form url.Values, want int) (*http.Response, string) {
		t.Helper()
		var (
			resp *http.Response
			err  error
		)
		if method == "GET" {
			resp, err = ua.Get(u)
		} else {
			resp, err = ua.PostForm(u, form)
		}
		if err != nil {
			t.Fatalf("%s %s: %v", method, u, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d, want %d\n%s", method, u, resp.StatusCode, want, b)
		}
		return resp, string(b)
	}
	fields := func(body string) url.Values {
		v := url.Values{}
		for _, m := range formField.FindAllStringSubmatch(body, -1) {
			v.Set(m[1], m[2])
		}
		return v
	}
	abs := func(loc string) string {
		if strings.HasPrefix(loc, "/") {
			return h.url(loc)
		}
		return loc
	}
	resp, _ := step("GET", authorize, nil, http.StatusFound)
	_, body := step("GET", abs(resp.Header.Get("Location")), nil, http.StatusOK)
	v := fields(body)
	v.Set("username", user)
	v.Set("password", password)
	resp, _ = step("POST", h.url("/oauth/login"), v, http.StatusSeeOther)
	_, body = step("GET", abs(resp.Header.Get("Location")), nil, http.StatusOK)
	if !strings.Contains(body, `value="billy:read" checked`) {
		t.Errorf("the consent page does not offer billy:read:\n%s", body)
	}
	v = fields(body)
	v.Set("action", "allow")
	v["scope"] = []string{"billy:read"}
	resp, _ = step("POST", h.url("/oauth/consent"), v, http.StatusSeeOther)
	resp, _ = step("GET", abs(resp.Header.Get("Location")), nil, http.StatusFound)
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return back
}

// TestOAuthServerWithMCPRemote: mcp-remote, started against a host that
// answers 401, discovers the host's authorization server, registers,
// sends the user to sign in with PKCE, takes the code at its callback,
// gets a token, and then proxies MCP calls that the host serves as anna.
func TestOAuthServerWithMCPRemote(t *testing.T) {
	tools, err := nodeTools()
	if err != nil {
		t.Fatal(err)
	}
	h := authServerHost(t)
	cmd := exec.Command(nodeBin(tools), filepath.Join(nodeModules(tools), "mcp-remote", "dist", "proxy.js"), h.url("/mcp"))
	// Its own token store, and no display: the browser it tries to open
	// is this test.
	cmd.Env = append(nodeEnv(tools), "MCP_REMOTE_CONFIG_DIR="+t.TempDir(), "DISPLAY=", "WAYLAND_DISPLAY=")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr testkit.SyncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("mcp-remote stderr:\n%s", stderr.String())
		}
	})
	visit := regexp.MustCompile(`visiting:\s+(http\S+)`)
	var authorize string
	for deadline := time.Now().Add(30 * time.Second); authorize == "" && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if m := visit.FindStringSubmatch(stderr.String()); m != nil {
			authorize = m[1]
		}
	}
	if authorize == "" {
		t.Fatal("mcp-remote printed no authorization URL")
	}
	au, _ := url.Parse(authorize)
	q := au.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("resource") != h.url("/mcp") ||
		!strings.HasPrefix(q.Get("client_id"), "bmcpc_") {
		t.Errorf("mcp-remote's authorization request: %v", q)
	}
	back := signIn(t, h, authorize, "anna", "anna-password")
	if back.Query().Get("code") == "" || back.Query().Get("iss") != h.url("") {
		t.Errorf("the redirect to mcp-remote: %s", back)
	}
	// Deliver the code to mcp-remote's callback, as the browser would.
	resp, err := http.Get(back.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("mcp-remote's callback answered %d", resp.StatusCode)
	}

	lines := make(chan map[string]any, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 8<<20)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				lines <- m
			}
		}
		close(lines)
	}()
	call := func(id int, method string, params any) map[string]any {
		t.Helper()
		b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
		if _, err := stdin.Write(append(b, '\n')); err != nil {
			t.Fatal(err)
		}
		timeout := time.After(30 * time.Second)
		for {
			select {
			case m, ok := <-lines:
				if !ok {
					t.Fatalf("mcp-remote closed its stdout waiting for %s", method)
				}
				if fmt.Sprint(m["id"]) == fmt.Sprint(id) {
					if m["error"] != nil {
						t.Fatalf("%s: %v", method, m["error"])
					}
					res, _ := m["result"].(map[string]any)
					return res
				}
			case <-timeout:
				t.Fatalf("no answer to %s", method)
			}
		}
	}
	init := call(1, "initialize", map[string]any{"protocolVersion": "2025-06-18", "capabilities": map[string]any{},
		"clientInfo": map[string]any{"name": "e2e", "version": "1"}})
	if info, _ := init["serverInfo"].(map[string]any); info["name"] != "billy-mcp" {
		t.Fatalf("initialize: %v", init)
	}
	_, _ = stdin.Write([]byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}` + "\n"))
	list := call(2, "tools/list", map[string]any{})
	var names []string
	for _, tool := range list["tools"].([]any) {
		names = append(names, tool.(map[string]any)["name"].(string))
	}
	// anna consented to billy:read only: hello_organization (which needs
	// organization:read, under billy:read) and not hello_greet (which
	// declares no scope, so it needs the plugin's own hello:read).
	if got := strings.Join(names, " "); !strings.Contains(got, "hello_organization") || strings.Contains(got, "hello_greet") {
		t.Fatalf("tools/list through mcp-remote: %v", names)
	}
	res := call(3, "tools/call", map[string]any{"name": "hello_organization", "arguments": map[string]any{}})
	if res["isError"] == true || !strings.Contains(fmt.Sprint(res["content"]), "Mette") {
		t.Fatalf("hello_organization through mcp-remote: %v", res)
	}
	if strings.Contains(stderr.String(), "anna-password") || strings.Contains(h.stderr.String(), "anna-password") {
		t.Error("the password reached a log")
	}
	for _, line := range strings.Split(strings.TrimSpace(h.stderr.String()), "\n") {
		if !strings.HasPrefix(line, "{") {
			t.Errorf("a host log line that is not JSON (a library logging around the host's logger?): %s", line)
		}
	}
	if !strings.Contains(h.stderr.String(), `"user logged in"`) || !strings.Contains(h.stderr.String(), `"consent given"`) {
		t.Errorf("the host's log has no login and consent")
	}
}

// TestOAuthServerConformance runs the MCP conformance suite's
// authorization server scenarios (metadata, and the authorization code
// grant with PKCE and the resource indicator) against the host's own
// server, with the user signing in on the host's pages.
func TestOAuthServerConformance(t *testing.T) {
	tools, err := nodeTools()
	if err != nil {
		t.Fatal(err)
	}
	h := authServerHost(t)
	_, port, _ := strings.Cut(freeAddr(t), ":")
	reg, _ := json.Marshal(map[string]any{"redirect_uris": []string{"http://127.0.0.1:" + port + "/callback"},
		"token_endpoint_auth_method": "none", "client_name": "conformance"})
	resp, err := http.Post(h.url("/oauth/register"), "application/json", strings.NewReader(string(reg)))
	if err != nil {
		t.Fatal(err)
	}
	var client struct {
		ID string `json:"client_id"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&client)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || client.ID == "" {
		t.Fatalf("registration: %d %+v", resp.StatusCode, client)
	}
	cmd := exec.Command(nodeBin(tools), filepath.Join(nodeModules(tools), "conformance-next", "dist", "index.js"), "authorization",
		"--url", h.url(""), "--client-id", client.ID, "--resource", h.url("/mcp"), "-p", port, "-o", t.TempDir())
	cmd.Env = nodeEnv(tools)
	var out testkit.SyncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		if t.Failed() {
			t.Logf("conformance output:\n%s", out.String())
		}
	})
	visit := regexp.MustCompile(`(?m)^(http://\S+/oauth/authorize\?\S+)$`)
	var authorize string
	for deadline := time.Now().Add(60 * time.Second); authorize == "" && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if m := visit.FindStringSubmatch(out.String()); m != nil {
			authorize = m[1]
		}
	}
	if authorize == "" {
		t.Fatal("the conformance run printed no authorization URL")
	}
	// Its callback server starts after it prints the URL.
	time.Sleep(500 * time.Millisecond)
	back := signIn(t, h, authorize, "anna", "anna-password")
	if resp, err := http.Get(back.String()); err == nil {
		resp.Body.Close()
	} else {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		// 3: the metadata's two checks (the second, client ID metadata
		// documents announced, only warned before the server took them)
		// and the authorization code grant.
		if err != nil || !strings.Contains(out.String(), "Total: 3 passed, 0 failed") {
			t.Fatalf("conformance authorization: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the conformance run did not finish")
	}
}
