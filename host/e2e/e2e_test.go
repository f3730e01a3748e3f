package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

var update = flag.Bool("update", false, "rewrite golden files")

const twoPlugins = `
plugins:
  hello: {path: billy-mcp-plugin-hello}
  moms: {path: billy-mcp-plugin-moms}
`

func toolNames(t *testing.T, c *client.Client) []string {
	t.Helper()
	res, err := c.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
	}
	return names
}

// TestTransportsAgree lists and calls tools from two plugin processes over
// MCP Streamable HTTP, MCP stdio and REST, and expects the same answers.
func TestTransportsAgree(t *testing.T) {
	h := startHost(t, twoPlugins)
	h.waitReady(15 * time.Second)
	httpc := h.mcpHTTP()
	stdioc := mcpStdio(t, h.cfg)

	httpNames := toolNames(t, httpc)
	for _, want := range []string{"hello_greet", "calculate_vat"} {
		if !contains(httpNames, want) {
			t.Errorf("tools/list over HTTP lacks %s (from another plugin process): %v", want, httpNames)
		}
	}
	if diff := cmp.Diff(httpNames, toolNames(t, stdioc)); diff != "" {
		t.Errorf("tool lists differ between HTTP and stdio (-http +stdio):\n%s", diff)
	}
	_, list := h.get("/api/v1/tools")
	var restNames []string
	for _, tool := range list["data"].(map[string]any)["tools"].([]any) {
		restNames = append(restNames, tool.(map[string]any)["name"].(string))
	}
	if diff := cmp.Diff(httpNames, restNames); diff != "" {
		t.Errorf("tool lists differ between MCP and REST (-mcp +rest):\n%s", diff)
	}

	calls := []struct {
		name string
		args map[string]any
	}{
		{"hello_greet", map[string]any{"name": "Ada"}},
		{"calculate_vat", map[string]any{"amount": 1249, "direction": "gross_to_net"}},
		{"validate_cvr", map[string]any{"cvr": "DK 13748136"}},
	}
	for _, call := range calls {
		t.Run(call.name, func(t *testing.T) {
			overHTTP := callTool(t, httpc, call.name, call.args)
			overStdio := callTool(t, stdioc, call.name, call.args)
			if overHTTP.IsError || overStdio.IsError {
				t.Fatalf("unexpected error result: http=%v stdio=%v", overHTTP.Content, overStdio.Content)
			}
			want := structured(t, overHTTP)
			if diff := cmp.Diff(want, structured(t, overStdio)); diff != "" {
				t.Errorf("stdio answer differs (-http +stdio):\n%s", diff)
			}
			code, rest := h.post("/api/v1/tools/"+call.name, map[string]any{"arguments": call.args})
			if code != 200 || rest["success"] != true {
				t.Fatalf("REST: %d %v", code, rest)
			}
			if diff := cmp.Diff(want, rest["data"]); diff != "" {
				t.Errorf("REST answer differs (-mcp +rest):\n%s", diff)
			}
			// v1 integrations also send the bare arguments.
			_, bare := h.post("/api/v1/tools/"+call.name, call.args)
			if diff := cmp.Diff(want, bare["data"]); diff != "" {
				t.Errorf("REST (bare arguments) differs (-mcp +rest):\n%s", diff)
			}
		})
	}

	t.Run("batch", func(t *testing.T) {
		code, out := h.post("/api/v1/tools/batch", map[string]any{"tools": []map[string]any{
			{"tool": "hello_greet", "arguments": map[string]any{"name": "Bo"}},
			{"tool": "no_such_tool", "arguments": map[string]any{}},
		}})
		data := out["data"].(map[string]any)
		if code != 200 || data["total"] != 2.0 || data["successful"] != 1.0 || data["failed"] != 1.0 {
			t.Fatalf("batch: %d %v", code, out)
		}
	})
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// TestToolsListGolden pins the MCP wire form of the example plugin's tools:
// schemas, annotations and metadata, exactly as clients see them.
func TestToolsListGolden(t *testing.T) {
	h := startHost(t, "plugins:\n  hello: {path: billy-mcp-plugin-hello}\n")
	h.waitReady(15 * time.Second)
	c := h.mcpHTTP()
	res, err := c.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(res.Tools, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "hello-tools.golden.json")
	if *update {
		if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(strings.TrimSpace(string(want)), strings.TrimSpace(string(got))); diff != "" {
		t.Errorf("tools/list wire form changed (-golden +got); if intended, run go test ./e2e -run Golden -update:\n%s", diff)
	}
}

// TestPluginKilledDuringCall kills a plugin with SIGKILL while a call is in
// flight: the host stays up, the call gets a retryable error, listening
// clients hear that the tool list changed, readiness drops and returns, and
// calls succeed again.
func TestPluginKilledDuringCall(t *testing.T) {
	h := startHost(t, twoPlugins+"log: {level: debug}\n")
	h.waitReady(15 * time.Second)
	//lint:ignore SA1019 the legacy GET stream is what 2025-11-25 clients listen on; this test is about them.
	c := h.mcpHTTP(transport.WithContinuousListening())
	var listChanged atomic.Int32
	c.OnNotification(func(n mcp.JSONRPCNotification) {
		if n.Method == string(mcp.MethodNotificationToolsListChanged) {
			listChanged.Add(1)
		}
	})

	// Watch readiness while the plugin is down.
	var sawNotReady atomic.Bool
	stopWatch := make(chan struct{})
	go func() {
		for {
			select {
			case <-stopWatch:
				return
			default:
			}
			if code, _ := h.get("/health/ready"); code == 503 {
				sawNotReady.Store(true)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()

	result := make(chan *mcp.CallToolResult, 1)
	go func() {
		result <- callTool(t, c, "hello_count", map[string]any{"n": 100, "delay_ms": 100})
	}()
	time.Sleep(400 * time.Millisecond)
	pid := int(h.pluginStatus("hello")["pid"].(float64))
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}

	var res *mcp.CallToolResult
	select {
	case res = <-result:
	case <-time.After(10 * time.Second):
		t.Fatal("the in-flight call did not return after its plugin was killed")
	}
	if !res.IsError {
		t.Fatalf("want an error result, got %v", res.Content)
	}
	errObj := toolError(t, res)
	if errObj["retryable"] != true || errObj["category"] != "upstream_unavailable" {
		t.Errorf("want a retryable upstream_unavailable error, got %v", errObj)
	}

	deadline := time.Now().Add(15 * time.Second)
	for h.pluginStatus("hello")["restarts"].(float64) < 1 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	h.waitReady(15 * time.Second)
	close(stopWatch)
	st := h.pluginStatus("hello")
	if st["restarts"].(float64) < 1 || st["pid"].(float64) == float64(pid) {
		t.Errorf("plugin was not restarted: %v", st)
	}
	if !sawNotReady.Load() {
		t.Error("/health/ready never reported the plugin down")
	}
	// Wait for the announcements before calling again: mcp-go delivers a
	// session's notifications on whichever of its streams is open, and a
	// plain JSON response stream drops them.
	deadline = time.Now().Add(5 * time.Second)
	for listChanged.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := listChanged.Load(); n < 2 {
		t.Errorf("got %d tools/list_changed notifications, want at least 2 (down and up)", n)
	}
	if got := structured(t, callTool(t, c, "hello_greet", map[string]any{"name": "Ada"})); got.(map[string]any)["greeting"] != "Hej, Ada!" {
		t.Errorf("call after restart: %v", got)
	}
	if code, _ := h.get("/health/live"); code != 200 {
		t.Error("host is not live after a plugin crash")
	}
}

// TestCancellationReachesPlugin cancels a slow call from the client and
// expects the plugin's handler to stop, not run to its end.
func TestCancellationReachesPlugin(t *testing.T) {
	h := startHost(t, "plugins:\n  hello: {path: billy-mcp-plugin-hello}\nlog: {level: info}\n")
	h.waitReady(15 * time.Second)
	c := h.mcpHTTP()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var req mcp.CallToolRequest
	req.Params.Name = "hello_count"
	req.Params.Arguments = map[string]any{"n": 100, "delay_ms": 100} // 10 s uncancelled
	start := time.Now()
	if _, err := c.CallTool(ctx, req); err == nil {
		t.Fatal("want the cancelled call to fail")
	}
	// The audit line is written when the plugin returns.
	deadline := start.Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if line := auditLine(h.stderr.String(), "hello_count"); line != "" {
			if !strings.Contains(line, `"outcome":"cancelled"`) {
				t.Errorf("audit line does not record the cancellation: %s", line)
			}
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the plugin did not stop within 5s of the cancellation (it would run 10s):\n%s", h.stderr.String())
}

func auditLine(log, tool string) string {
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, `"@module":"billy-mcp.audit"`) && strings.Contains(line, `"name":"`+tool+`"`) {
			return line
		}
	}
	return ""
}

// TestBadArgumentsNameTheField sends arguments that break the schema.
func TestBadArgumentsNameTheField(t *testing.T) {
	h := startHost(t, "plugins:\n  hello: {path: billy-mcp-plugin-hello}\n")
	h.waitReady(15 * time.Second)
	c := h.mcpHTTP()
	res := callTool(t, c, "hello_greet", map[string]any{"name": 5, "nmae": "Ada"})
	if !res.IsError {
		t.Fatalf("want an error result, got %v", res.Content)
	}
	e := toolError(t, res)
	var fields []string
	for _, f := range e["fields"].([]any) {
		fields = append(fields, f.(map[string]any)["field"].(string))
	}
	sort.Strings(fields)
	if diff := cmp.Diff([]string{"name", "nmae"}, fields); diff != "" || e["category"] != "validation" {
		t.Errorf("validation error fields (-want +got):\n%s\n%v", diff, e)
	}
	code, rest := h.post("/api/v1/tools/hello_greet", map[string]any{"arguments": map[string]any{}})
	if code != 400 || !strings.Contains(rest["error"].(map[string]any)["message"].(string), "name") {
		t.Errorf("REST missing field: %d %v", code, rest)
	}
	code, rest = h.post("/api/v1/tools/no_such_tool", map[string]any{})
	if code != 404 || rest["availableTools"] == nil {
		t.Errorf("REST unknown tool: %d %v", code, rest)
	}
}

// TestBadJSONRPC sends malformed JSON-RPC; the host answers with JSON-RPC
// errors and keeps serving.
func TestBadJSONRPC(t *testing.T) {
	h := startHost(t, "plugins:\n  hello: {path: billy-mcp-plugin-hello}\n")
	init, _ := newPost(h.url("/mcp"), `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}`)
	resp, err := http.DefaultClient.Do(init)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	session := resp.Header.Get("Mcp-Session-Id")
	for _, body := range []string{`{not json`, `{"jsonrpc":"2.0","id":1,"method":"no/such_method"}`, `[]`, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":"x"}`} {
		req, _ := newPost(h.url("/mcp"), body)
		req.Header.Set("Mcp-Session-Id", session)
		resp, err := httpDo(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.code >= 500 {
			t.Errorf("%s: server error %d: %s", body, resp.code, resp.body)
		}
		if !strings.Contains(resp.body, `"error"`) {
			t.Errorf("%s: want a JSON-RPC error, got %d %s", body, resp.code, resp.body)
		}
	}
	if code, _ := h.get("/health/live"); code != 200 {
		t.Fatal("host died on bad JSON-RPC")
	}
}

// TestDNSRebindingRefused checks the Host and Origin checks on loopback.
func TestDNSRebindingRefused(t *testing.T) {
	h := startHost(t, "plugins: {}\n")
	for _, tc := range []struct{ header, value string }{{"Host", "evil.example"}, {"Origin", "http://evil.example"}} {
		req, _ := newPost(h.url("/mcp"), `{"jsonrpc":"2.0","id":1,"method":"ping"}`)
		if tc.header == "Host" {
			req.Host = tc.value
		} else {
			req.Header.Set(tc.header, tc.value)
		}
		resp, err := httpDo(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.code != 403 {
			t.Errorf("%s: %s: got %d, want 403", tc.header, tc.value, resp.code)
		}
	}
	req, _ := newPost(h.url("/mcp"), `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}`)
	req.Header.Set("Origin", "http://localhost:3000")
	if resp, _ := httpDo(req); resp.code != 200 {
		t.Errorf("a localhost Origin must be accepted, got %d %s", resp.code, resp.body)
	}
}

// TestAPIKeyRequired turns on authentication with v1's MCP_API_KEY.
func TestAPIKeyRequired(t *testing.T) {
	const key = "e2e-test-key-0123456789abcdef"
	h := startHost(t, "plugins:\n  hello: {path: billy-mcp-plugin-hello}\n", "MCP_API_KEY="+key)
	h.waitReady(15 * time.Second)
	if code, _ := h.post("/api/v1/tools/hello_greet", map[string]any{"name": "x"}); code != 401 {
		t.Errorf("REST without a key: %d, want 401", code)
	}
	if code, out := h.post("/api/v1/tools/hello_greet", map[string]any{"name": "x"}, "Authorization", "Bearer "+key); code != 200 {
		t.Errorf("REST with the key: %d %v", code, out)
	}
	if code, _ := h.post("/api/v1/tools/hello_greet", map[string]any{"name": "x"}, "X-API-Key", "wrong-key-wrong-key-wrong"); code != 401 {
		t.Errorf("REST with a wrong key: %d, want 401", code)
	}
	c, _ := client.NewStreamableHttpClient(h.url("/mcp"))
	var req mcp.InitializeRequest
	req.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	if _, err := c.Initialize(context.Background(), req); err == nil {
		t.Error("MCP without a key must be refused")
	}
	c.Close()
	authed := h.mcpHTTP(transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + key}))
	if res := callTool(t, authed, "hello_greet", map[string]any{"name": "Ada"}); res.IsError {
		t.Errorf("MCP with the key: %v", res.Content)
	}
}

// TestStartupRefusals covers configs the host must refuse at start, with a
// message naming what is wrong.
func TestStartupRefusals(t *testing.T) {
	tests := []struct {
		name     string
		yaml     string
		env      []string
		exitCode int
		want     []string
	}{
		{"unknown key", "plugins:\n  hello: {path: billy-mcp-plugin-hello, pathh: x}\n", nil, 2, []string{"plugins.hello.pathh"}},
		{"wrong type", "calls:\n  timeout: soon\n", nil, 2, []string{"calls.timeout", "soon"}},
		{"unknown env", "plugins: {}\n", []string{"BILLY_MCP_HTTP_ADRR=x"}, 2, []string{"BILLY_MCP_HTTP_ADRR"}},
		{"no auth off loopback", "plugins: {}\nhttp: {addr: '0.0.0.0:0'}\n", nil, 2, []string{"auth"}},
		{"duplicate tool names", "plugins:\n  hello: {path: billy-mcp-plugin-hello}\n  hello2: {path: billy-mcp-plugin-hello}\n", nil, 1,
			[]string{"offered by both", "hello2", "hello_"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := writeConfig(t, tt.yaml)
			cmd := exec.Command(filepath.Join(binDir, "billy-mcp"), "serve", "--config", cfg)
			cmd.Env = append(append(baseEnv(), "BILLY_MCP_HTTP_ADDR="+freeAddr(t)), tt.env...)
			// The address override must not mask the non-loopback case.
			if strings.Contains(tt.yaml, "0.0.0.0") {
				cmd.Env = append(baseEnv(), tt.env...)
			}
			var stderr testkit.SyncBuffer
			cmd.Stderr = &stderr
			done := make(chan error, 1)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				var exit *exec.ExitError
				if !errors.As(err, &exit) || exit.ExitCode() != tt.exitCode {
					t.Fatalf("exit: %v, want code %d\n%s", err, tt.exitCode, stderr.String())
				}
			case <-time.After(20 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("the host did not refuse to start:\n%s", stderr.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr does not mention %s:\n%s", w, stderr.String())
				}
			}
			if strings.Contains(stderr.String(), "panic") {
				t.Errorf("panic:\n%s", stderr.String())
			}
		})
	}
}

// TestRefusedPluginsAreAbsent starts a host with a missing plugin binary and
// one whose checksum does not match: both are refused with a clear reason,
// their tools are absent, readiness says so, and the healthy plugin serves.
func TestRefusedPluginsAreAbsent(t *testing.T) {
	h := startHost(t, `
plugins:
  ghost: {path: billy-mcp-plugin-ghost}
  hello: {path: billy-mcp-plugin-hello, sha256: "`+strings.Repeat("0", 64)+`"}
  moms: {path: billy-mcp-plugin-moms}
`)
	deadline := time.Now().Add(10 * time.Second)
	for h.pluginStatus("moms")["state"] != "ready" && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	for name, want := range map[string]string{"ghost": "does not exist", "hello": "checksum mismatch"} {
		st := h.pluginStatus(name)
		if st["state"] != "failed" || !strings.Contains(st["lastError"].(string), want) {
			t.Errorf("%s: want failed with %q, got %v", name, want, st)
		}
		if !strings.Contains(h.stderr.String(), want) {
			t.Errorf("no log line saying %q", want)
		}
	}
	if code, _ := h.get("/health/ready"); code != 503 {
		t.Errorf("/health/ready = %d with refused plugins, want 503", code)
	}
	c := h.mcpHTTP()
	if names := toolNames(t, c); contains(names, "hello_greet") || !contains(names, "calculate_vat") {
		t.Errorf("tools: %v", names)
	}
}

// TestBothSpecRevisions calls a plugin tool from a client pinned to the
// handshake revision (2025-11-25) and from one on the stateless revision
// (2026-07-28), on the same endpoint.
func TestBothSpecRevisions(t *testing.T) {
	h := startHost(t, "plugins:\n  hello: {path: billy-mcp-plugin-hello}\n")
	h.waitReady(15 * time.Second)
	for _, version := range []string{mcp.ProtocolVersion20251125, mcp.ProtocolVersion20260728} {
		t.Run(version, func(t *testing.T) {
			tr, err := transport.NewStreamableHTTP(h.url("/mcp"))
			if err != nil {
				t.Fatal(err)
			}
			c := client.NewClient(tr, client.WithProtocolVersion(version))
			if err := c.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			var req mcp.InitializeRequest
			req.Params.ProtocolVersion = version
			req.Params.ClientInfo = mcp.Implementation{Name: "e2e", Version: "1"}
			res, err := c.Initialize(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if res.ProtocolVersion != version {
				t.Fatalf("negotiated %s, want %s", res.ProtocolVersion, version)
			}
			out := structured(t, callTool(t, c, "hello_greet", map[string]any{"name": "Ada"}))
			if out.(map[string]any)["greeting"] != "Hej, Ada!" {
				t.Errorf("got %v", out)
			}
		})
	}
}

// TestEmbeddedSandbox calls Billy through the host's gateway in sandbox mode
// (no Billy token): the plugin's Host.Billy reaches the embedded fake Billy.
func TestEmbeddedSandbox(t *testing.T) {
	h := startHost(t, "plugins:\n  hello: {path: billy-mcp-plugin-hello}\n")
	h.waitReady(15 * time.Second)
	c := h.mcpHTTP()
	res := callTool(t, c, "hello_organization", map[string]any{})
	if res.IsError {
		t.Fatalf("hello_organization: %v", res.Content)
	}
	if name := structured(t, res).(map[string]any)["name"]; name == "" || name == nil {
		t.Errorf("no organization name: %v", structured(t, res))
	}
}

// TestStandaloneSandboxSharedByHost runs `billy-mcp sandbox` on its own and
// points a host at it the way it would be pointed at Billy.
func TestStandaloneSandboxSharedByHost(t *testing.T) {
	addr := freeAddr(t)
	sb := exec.Command(filepath.Join(binDir, "billy-mcp"), "sandbox", "--seed", "7")
	sb.Env = append(baseEnv(), "BILLY_SANDBOX_ADDR="+addr, "BILLY_SANDBOX_TOKEN=shared-sandbox-token")
	var sbErr testkit.SyncBuffer
	sb.Stderr = &sbErr
	if err := sb.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Process.Signal(os.Interrupt); _ = sb.Wait() })
	type organization struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	var orgs []organization
	deadline := time.Now().Add(10 * time.Second)
	for len(orgs) == 0 && time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + addr + "/_sandbox/organizations"); err == nil {
			var body struct {
				Organizations []organization `json:"organizations"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			orgs = body.Organizations
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(orgs) == 0 {
		t.Fatalf("sandbox did not list organizations:\n%s", sbErr.String())
	}
	org := orgs[0]
	h := startHost(t, "plugins:\n  hello: {path: billy-mcp-plugin-hello}\n",
		"BILLY_API_BASE=http://"+addr+"/v2", "BILLY_API_KEY=shared-sandbox-token", "BILLY_ORGANIZATION_ID="+org.ID)
	h.waitReady(15 * time.Second)
	res := callTool(t, h.mcpHTTP(), "hello_organization", map[string]any{})
	if res.IsError {
		t.Fatalf("hello_organization: %v", res.Content)
	}
	if got := structured(t, res).(map[string]any)["name"]; got != org.Name {
		t.Errorf("organization name = %v, want %q", got, org.Name)
	}
}

// TestSIGTERMStopsPlugins: after the host exits on SIGTERM, no plugin
// process it started is left running.
func TestSIGTERMStopsPlugins(t *testing.T) {
	h := startHost(t, twoPlugins)
	h.waitReady(15 * time.Second)
	var pids []int
	for _, name := range []string{"hello", "moms"} {
		pids = append(pids, int(h.pluginStatus(name)["pid"].(float64)))
	}
	h.stop()
	deadline := time.Now().Add(5 * time.Second)
	for _, pid := range pids {
		for syscall.Kill(pid, 0) == nil && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if err := syscall.Kill(pid, 0); err == nil {
			t.Errorf("plugin process %d still runs after the host stopped", pid)
		}
	}
}

// TestConfigCheckCommand validates config files from the command line.
func TestConfigCheckCommand(t *testing.T) {
	good := writeConfig(t, "plugins:\n  hello: {path: billy-mcp-plugin-hello}\n")
	bad := writeConfig(t, "http:\n  addr: nowhere\n")
	for _, tc := range []struct {
		file string
		code int
		want string
	}{{good, 0, ": ok"}, {bad, 1, "http.addr"}} {
		cmd := exec.Command(filepath.Join(binDir, "billy-mcp"), "config", "check", "--config", tc.file)
		cmd.Env = baseEnv()
		out, err := cmd.CombinedOutput()
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		}
		if code != tc.code || !strings.Contains(string(out), tc.want) {
			t.Errorf("config check %s: exit %d, output %q; want exit %d mentioning %q", tc.file, code, out, tc.code, tc.want)
		}
	}
}
