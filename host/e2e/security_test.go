package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/billy-mcp/billy-mcp/host/internal/auth"
	"github.com/billy-mcp/billy-mcp/host/internal/auth/authtest"
	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
)

const canonicalMCP = "https://mcp.example.dk/mcp"

// secReq sends one request to the host and returns status, headers and
// body.
func secReq(t *testing.T, h *hostProc, method, path, body string, hdr ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, h.url(path), strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	c := &http.Client{Timeout: 15 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func errCode(body string) string {
	var env struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal([]byte(body), &env)
	return env.Error.Code
}

type testKey struct{ key, hash string }

func newTestKey(t *testing.T) testKey {
	k, h, err := auth.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return testKey{k, h}
}

// TestAuthenticationEndToEnd drives a host with two API keys (admin and
// read-only), v1's MCP_API_KEY and an OAuth issuer through real HTTP:
// open and closed routes, the 401 and 403 challenges, both protected
// resource metadata documents, a key in the query string, an access
// token, and an MCP session that one key opened and another may not use.
func TestAuthenticationEndToEnd(t *testing.T) {
	iss := authtest.NewIssuer(t)
	alice, bob := newTestKey(t), newTestKey(t)
	legacy := "v1-legacy-key-0123456789abcdef"
	h := startHost(t, fmt.Sprintf(`plugins:
  hello: {path: billy-mcp-plugin-hello}
auth:
  keys:
    - {principal: alice, sha256: %s, roles: [admin]}
    - {principal: bob, sha256: %s, roles: [read-only]}
  oauth:
    issuer: %s
    jwks_url: %s
    audience: %s
`, alice.hash, bob.hash, iss.URL, iss.JWKSURL, canonicalMCP), "MCP_API_KEY="+legacy)
	h.waitReady(20 * time.Second)
	md := "https://mcp.example.dk" + auth.MetadataPath
	bearer := func(k string) []string { return []string{"Authorization", "Bearer " + k} }

	type row struct {
		Method, Path string
		Status       int
		Code         string
	}
	var got, want []row
	check := func(method, path string, hdr []string, status int, code string) {
		st, _, body := secReq(t, h, method, path, `{"name":"Ada"}`, hdr...)
		got = append(got, row{method, path, st, errCode(body)})
		want = append(want, row{method, path, status, code})
	}
	check("GET", "/health/live", nil, 200, "")
	check("GET", "/health/ready", nil, 200, "")
	check("GET", "/health", nil, 401, "unauthenticated")
	check("GET", "/metrics", nil, 401, "unauthenticated")
	check("GET", "/metrics", bearer(bob.key), 403, "insufficient_scope")
	check("GET", "/metrics", bearer(alice.key), 200, "")
	check("GET", "/health", []string{"X-API-Key", legacy}, 200, "")
	check("POST", "/api/v1/tools/hello_greet", nil, 401, "unauthenticated")
	check("POST", "/api/v1/tools/hello_greet", bearer("bmcp_guessed"), 401, "invalid_token")
	check("GET", "/api/v1/tools", bearer(bob.key), 200, "")
	check("POST", "/api/v1/tools/hello_greet", bearer(legacy), 200, "")
	check("POST", "/api/v1/tools/hello_greet?apiKey="+alice.key, nil, 401, "credentials_in_query")
	check("POST", "/api/v1/tools/hello_greet?apiKey="+alice.key, bearer(alice.key), 401, "credentials_in_query")
	check("GET", "/api/v1/tools", bearer(iss.Sign(t, iss.Claims(canonicalMCP, "carol", "billy:read"))), 200, "")
	check("POST", "/api/v1/tools/hello_greet", bearer(iss.Sign(t, iss.Claims("https://other.example/mcp", "carol", "billy:read"))), 401, "invalid_token")
	check("POST", "/api/v1/tools/hello_greet", bearer(iss.SignHS256WithPublicKey(t, iss.Claims(canonicalMCP, "carol", "admin"))), 401, "invalid_token")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("routes (-want +got):\n%s", diff)
	}

	// The challenges.
	_, hdr, _ := secReq(t, h, "POST", "/mcp", `{}`)
	if p, _ := auth.ParseChallenge(hdr.Get("WWW-Authenticate")); !cmp.Equal(p, map[string]string{"resource_metadata": md, "scope": "billy:read"}) {
		t.Errorf("401 challenge: %q", hdr.Get("WWW-Authenticate"))
	}
	_, hdr, _ = secReq(t, h, "GET", "/metrics", "", bearer(bob.key)...)
	if p, _ := auth.ParseChallenge(hdr.Get("WWW-Authenticate")); p["error"] != "insufficient_scope" || p["scope"] != "metrics" || p["resource_metadata"] != md {
		t.Errorf("403 challenge: %q", hdr.Get("WWW-Authenticate"))
	}

	// The protected resource metadata, at both well-known paths.
	for _, path := range []string{auth.MetadataPath, auth.MetadataRootPath} {
		st, _, body := secReq(t, h, "GET", path, "")
		var m map[string]any
		_ = json.Unmarshal([]byte(body), &m)
		if st != 200 || m["resource"] != canonicalMCP || fmt.Sprint(m["authorization_servers"]) != "["+iss.URL+"]" ||
			strings.Contains(body, "offline_access") {
			t.Errorf("%s: %d %s", path, st, body)
		}
	}

	// A session alice opened is not there for bob.
	initialize := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"e2e","version":"1"}}}`
	st, hdr, body := secReq(t, h, "POST", "/mcp", initialize, bearer(alice.key)...)
	sid := hdr.Get("Mcp-Session-Id")
	if st != 200 || sid == "" {
		t.Fatalf("initialize as alice: %d %q %s", st, sid, body)
	}
	list := `{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}`
	session := func(k string) []string {
		return []string{"Authorization", "Bearer " + k, "Mcp-Session-Id", sid, "MCP-Protocol-Version", "2025-11-25"}
	}
	var statuses []int
	for _, k := range []string{bob.key, alice.key} {
		st, _, _ := secReq(t, h, "POST", "/mcp", list, session(k)...)
		statuses = append(statuses, st)
	}
	if diff := cmp.Diff([]int{404, 200}, statuses); diff != "" {
		t.Errorf("alice's session used by bob, then alice (-want +got):\n%s", diff)
	}

	// No key, token or hash reached the logs.
	logs := h.stderr.String()
	for _, secret := range []string{alice.key, bob.key, legacy} {
		if strings.Contains(logs, secret) {
			t.Errorf("a key is in the host's logs")
		}
	}
	if !strings.Contains(logs, `"failed login"`) || !strings.Contains(logs, `"reason":"unknown_key"`) {
		t.Errorf("the failed logins are not in the log:\n%s", logs)
	}
}

// TestRateLimitsEndToEnd: a principal past its burst gets 429 with
// Retry-After on REST and MCP while another principal goes on; an address
// sending wrong keys is refused with 429 after its budget.
func TestRateLimitsEndToEnd(t *testing.T) {
	a, b := newTestKey(t), newTestKey(t)
	h := startHost(t, fmt.Sprintf(`plugins:
  hello: {path: billy-mcp-plugin-hello}
auth:
  keys:
    - {principal: a, sha256: %s, roles: [admin]}
    - {principal: b, sha256: %s, roles: [admin]}
  principal_rate_per_second: 1
  principal_burst: 3
  organization_rate_per_second: 0
  failed_logins_per_minute: 3
`, a.hash, b.hash))
	h.waitReady(20 * time.Second)
	var got []int
	for range 4 {
		st, hdr, _ := secReq(t, h, "POST", "/api/v1/tools/hello_greet", `{"name":"x"}`, "Authorization", "Bearer "+a.key)
		got = append(got, st)
		if st == 429 && hdr.Get("Retry-After") == "" {
			t.Error("429 without Retry-After on REST")
		}
	}
	st, hdr, _ := secReq(t, h, "POST", "/mcp", `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, "Authorization", "Bearer "+a.key)
	got = append(got, st)
	if st == 429 && hdr.Get("Retry-After") == "" {
		t.Error("429 without Retry-After on MCP")
	}
	st, _, _ = secReq(t, h, "POST", "/api/v1/tools/hello_greet", `{"name":"x"}`, "Authorization", "Bearer "+b.key)
	got = append(got, st)
	if diff := cmp.Diff([]int{200, 200, 200, 429, 429, 200}, got); diff != "" {
		t.Errorf("principal a four times, a on MCP, then b (-want +got):\n%s", diff)
	}

	got = nil
	for i := range 5 {
		st, _, _ := secReq(t, h, "POST", "/api/v1/tools/hello_greet", `{}`, "Authorization", fmt.Sprintf("Bearer bmcp_guess%d", i))
		got = append(got, st)
	}
	if diff := cmp.Diff([]int{401, 401, 401, 429, 429}, got); diff != "" {
		t.Errorf("wrong keys (-want +got):\n%s", diff)
	}
}

// TestConnectionExhaustion: far more idle connections than the cap, and
// bodies sent a byte at a time, leave /health/live answering and a real
// call going through (the attack held 19,978 connections; the cap
// here is 64 and the flood 1,000).
func TestConnectionExhaustion(t *testing.T) {
	k := newTestKey(t)
	h := startHost(t, fmt.Sprintf(`plugins:
  hello: {path: billy-mcp-plugin-hello}
http:
  max_connections: 64
  read_timeout: 3s
auth:
  keys:
    - {principal: ops, sha256: %s, roles: [admin]}
  ip_rate_per_second: 0
`, k.hash))
	h.waitReady(20 * time.Second)
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	for i := range 1000 {
		c, err := net.DialTimeout("tcp", h.addr, 5*time.Second)
		if err != nil {
			break // the machine's own limits: the flood is big enough
		}
		conns = append(conns, c)
		if i%10 == 0 {
			fmt.Fprintf(c, "POST /api/v1/tools/hello_greet HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAuthorization: Bearer %s\r\nContent-Length: 100000\r\n\r\n{", h.addr, k.key)
		}
	}
	if len(conns) < 200 {
		t.Fatalf("only %d connections could be opened", len(conns))
	}
	for i := range 5 {
		client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := client.Get(h.url("/health/live"))
		if err != nil {
			t.Fatalf("/health/live during the flood (try %d): %v", i, err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("/health/live during the flood: %d", resp.StatusCode)
		}
	}
	st, _, body := secReq(t, h, "POST", "/api/v1/tools/hello_greet", `{"name":"Ada"}`, "Authorization", "Bearer "+k.key)
	if st != 200 {
		t.Errorf("a real call during the flood: %d %s", st, body)
	}
}

// TestHealthListener: with http.health_addr, /health/ready is open there
// and needs credentials on the main listener; /health/live is open on
// both.
func TestHealthListener(t *testing.T) {
	k := newTestKey(t)
	healthAddr := freeAddr(t)
	h := startHost(t, fmt.Sprintf(`plugins:
  hello: {path: billy-mcp-plugin-hello}
http:
  health_addr: %s
auth:
  keys:
    - {principal: ops, sha256: %s, scopes: [metrics]}
`, healthAddr, k.hash))
	var got []int
	for _, url := range []string{h.url("/health/live"), h.url("/health/ready"), "http://" + healthAddr + "/health/live", "http://" + healthAddr + "/health/ready", "http://" + healthAddr + "/metrics"} {
		var st int
		deadline := time.Now().Add(15 * time.Second)
		for {
			resp, err := http.Get(url)
			if err == nil {
				resp.Body.Close()
				st = resp.StatusCode
			}
			if st != 503 && st != 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(100 * time.Millisecond) // plugins starting: ready is 503 until then
		}
		got = append(got, st)
	}
	st, _, _ := secReq(t, h, "GET", "/health/ready", "", "Authorization", "Bearer "+k.key)
	got = append(got, st)
	if diff := cmp.Diff([]int{200, 401, 200, 200, 404, 200}, got); diff != "" {
		t.Errorf("main live, main ready, health live, health ready, health metrics, main ready with a key (-want +got):\n%s", diff)
	}
}

// TestRateLimitsSharedByRedis: two instances sharing Redis share a
// principal's budget: calls alternating between them are refused once the
// burst is spent, whichever instance gets them.
func TestRateLimitsSharedByRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("Redis runs are skipped with -short")
	}
	k := newTestKey(t)
	cfg := fmt.Sprintf(`plugins:
  hello: {path: billy-mcp-plugin-hello}
auth:
  keys:
    - {principal: a, sha256: %s, roles: [admin]}
  principal_rate_per_second: 1
  principal_burst: 4
  organization_rate_per_second: 0
`, k.hash)
	env := []string{"BILLY_MCP_REDIS_URL=" + testkit.RedisURL(t), "BILLY_MCP_REDIS_KEY_PREFIX=" + testkit.KeyPrefix(t), "BILLY_MCP_DATA_DIR=" + t.TempDir()}
	a := startHost(t, cfg, env...)
	b := startHost(t, cfg, env...)
	var got []int
	for i := range 6 {
		h := a
		if i%2 == 1 {
			h = b
		}
		st, _, _ := secReq(t, h, "GET", "/api/v1/tools", "", "Authorization", "Bearer "+k.key)
		got = append(got, st)
	}
	if diff := cmp.Diff([]int{200, 200, 200, 200, 429, 429}, got); diff != "" {
		t.Errorf("A, B, A, B, A, B (-want +got):\n%s", diff)
	}
}
