package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// binDir holds the binaries TestMain built.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "billy-mcp-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	if err := buildAll(dir); err != nil {
		fmt.Fprintln(os.Stderr, "building binaries:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// repoRoot is the repository root, two levels above this package.
func repoRoot() string {
	wd, _ := os.Getwd()
	return filepath.Dir(filepath.Dir(wd))
}

// testedPlugins are the plugins/ binaries these tests start.
var testedPlugins = []string{"moms", "conformance", "invoices", "scenarios", "analytics", "presets", "integrations"}

// builtinPlugins are the plugins linked into the host binary
// (host/cmd/billy-mcp/builtin.go): as in the image and `make build`, they
// are symlinks billy-mcp-plugin-NAME -> billy-mcp, so every test that
// starts one runs the shipped multi-call binary through a symlink, checksum
// and all. The others are test plugins with their own binaries.
var builtinPlugins = map[string]bool{"analytics": true, "integrations": true, "invoices": true, "moms": true, "presets": true}

// buildAll builds the host and every plugin the tests use, and writes
// SHA256SUMS as `make build` does.
func buildAll(dir string) error {
	root := repoRoot()
	builds := [][2]string{
		{"host", "./cmd/billy-mcp:billy-mcp"},
		{"examples/hello", ".:billy-mcp-plugin-hello"},
	}
	var plugins []string // the billy-mcp-plugin-NAME files, for SHA256SUMS
	for _, p := range testedPlugins {
		if !builtinPlugins[p] {
			builds = append(builds, [2]string{"plugins", "./" + p + ":billy-mcp-plugin-" + p})
		}
	}
	for _, b := range builds {
		pkg, out, _ := strings.Cut(b[1], ":")
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, out), pkg)
		cmd.Dir = filepath.Join(root, b[0])
		if msg, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s in %s: %v\n%s", pkg, b[0], err, msg)
		}
		if strings.HasPrefix(out, "billy-mcp-plugin-") {
			plugins = append(plugins, out)
		}
	}
	for _, p := range testedPlugins {
		if builtinPlugins[p] {
			if err := os.Symlink("billy-mcp", filepath.Join(dir, "billy-mcp-plugin-"+p)); err != nil {
				return err
			}
			plugins = append(plugins, "billy-mcp-plugin-"+p)
		}
	}
	var sums bytes.Buffer
	for _, out := range plugins {
		// A symlink's checksum is its target's, as the host checks it.
		sum, err := sha256File(filepath.Join(dir, out))
		if err != nil {
			return err
		}
		fmt.Fprintf(&sums, "%s  %s\n", sum, out)
	}
	return os.WriteFile(filepath.Join(dir, "SHA256SUMS"), sums.Bytes(), 0o644)
}

func sha256File(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:]), nil
}

// hostProc is a running billy-mcp serve.
type hostProc struct {
	t      *testing.T
	cmd    *exec.Cmd
	addr   string
	cfg    string
	stderr *testkit.SyncBuffer
	done   chan error
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// baseEnv is the test process's environment without any billy-mcp settings,
// so a developer's shell cannot change what the tests see.
func baseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "BILLY_") || strings.HasPrefix(k, "MCP_") || k == "LOG_LEVEL" {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// writeConfig writes a config file whose plugins resolve against binDir.
// Each test starts exactly the plugins its yaml lists (plugin_set:
// replace), not those plus the built-in set a file otherwise adds to.
func writeConfig(t *testing.T, yaml string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	// data_dir keeps the signing key the hosts of one test share (and out
	// of the home directory of whoever runs the tests).
	full := fmt.Sprintf("plugin_set: replace\ndata_dir: %s\nplugin_defaults:\n  dir: %s\n  health_interval: 500ms\n  restart_backoff_initial: 100ms\n  restart_backoff_max: 1s\n%s",
		filepath.Join(dir, "state"), binDir, yaml)
	if err := os.WriteFile(path, []byte(full), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// startHost starts `billy-mcp serve` with the given config body and extra
// environment, and waits until it answers /health/live.
func startHost(t *testing.T, yaml string, env ...string) *hostProc {
	t.Helper()
	h := &hostProc{t: t, addr: freeAddr(t), cfg: writeConfig(t, yaml), stderr: &testkit.SyncBuffer{}, done: make(chan error, 1)}
	h.cmd = exec.Command(filepath.Join(binDir, "billy-mcp"), "serve", "--config", h.cfg)
	h.cmd.Env = append(append(baseEnv(), "BILLY_MCP_HTTP_ADDR="+h.addr), env...)
	h.cmd.Stderr = h.stderr
	var stdout testkit.SyncBuffer
	h.cmd.Stdout = &stdout
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { h.done <- h.cmd.Wait() }()
	t.Cleanup(func() {
		h.stop()
		if stdout.String() != "" {
			t.Errorf("the host wrote to stdout (reserved for the stdio transport):\n%s", stdout.String())
		}
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

func (h *hostProc) url(path string) string { return "http://" + h.addr + path }

// stop sends SIGTERM and waits for a clean exit.
func (h *hostProc) stop() {
	if h.cmd.ProcessState != nil {
		return
	}
	_ = h.cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("host did not exit cleanly on SIGTERM: %v", err)
		}
		h.done <- err
	case <-time.After(15 * time.Second):
		_ = h.cmd.Process.Kill()
		h.t.Errorf("host did not stop within 15s of SIGTERM")
	}
}

// waitReady waits for /health/ready to answer 200.
func (h *hostProc) waitReady(timeout time.Duration) {
	h.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if code, _ := h.get("/health/ready"); code == 200 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	_, body := h.get("/health")
	h.t.Fatalf("host not ready after %s: %v", timeout, body)
}

func (h *hostProc) get(path string) (int, map[string]any) {
	resp, err := http.Get(h.url(path))
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

// post sends a JSON body and decodes the JSON answer.
func (h *hostProc) post(path string, body any, headers ...string) (int, map[string]any) {
	h.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, h.url(path), bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		h.t.Fatalf("POST %s: answer is not JSON (%d): %s", path, resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

// pluginStatus returns one plugin's entry from /health.
func (h *hostProc) pluginStatus(name string) map[string]any {
	_, body := h.get("/health")
	ps, _ := body["plugins"].([]any)
	for _, p := range ps {
		if m, _ := p.(map[string]any); m["name"] == name {
			return m
		}
	}
	return nil
}

// mcpHTTP connects a real MCP client over Streamable HTTP.
func (h *hostProc) mcpHTTP(opts ...transport.StreamableHTTPCOption) *client.Client {
	h.t.Helper()
	c, err := client.NewStreamableHttpClient(h.url("/mcp"), opts...)
	if err != nil {
		h.t.Fatal(err)
	}
	initialize(h.t, c)
	return c
}

func initialize(t *testing.T, c *client.Client) {
	t.Helper()
	// Start's context lives as long as the client: it carries the
	// continuous-listening stream, if any.
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var req mcp.InitializeRequest
	req.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	req.Params.ClientInfo = mcp.Implementation{Name: "e2e", Version: "1"}
	if _, err := c.Initialize(ctx, req); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
}

// mcpStdio starts `billy-mcp stdio` with the config at cfg and connects.
func mcpStdio(t *testing.T, cfg string) *client.Client {
	t.Helper()
	// mcp-go appends the env it is given to the test's own environment; the
	// command function gives the host exactly baseEnv, so a BILLY_MCP_*
	// variable of the developer's shell cannot reach it.
	exact := transport.WithCommandFunc(func(ctx context.Context, command string, env, args []string) (*exec.Cmd, error) {
		cmd := exec.CommandContext(ctx, command, args...)
		cmd.Env = env
		return cmd, nil
	})
	c, err := client.NewStdioMCPClientWithOptions(filepath.Join(binDir, "billy-mcp"), baseEnv(), []string{"stdio", "--config", cfg}, exact)
	if err != nil {
		t.Fatal(err)
	}
	var req mcp.InitializeRequest
	req.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	req.Params.ClientInfo = mcp.Implementation{Name: "e2e-stdio", Version: "1"}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := c.Initialize(ctx, req); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func callTool(t *testing.T, c *client.Client, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var req mcp.CallToolRequest
	req.Params.Name = name
	req.Params.Arguments = args
	res, err := c.CallTool(ctx, req)
	if err != nil {
		t.Fatalf("CallTool %s: %v", name, err)
	}
	return res
}

// structured returns a result's structured content as generic JSON.
func structured(t *testing.T, res *mcp.CallToolResult) any {
	t.Helper()
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	_ = json.Unmarshal(b, &v)
	return v
}

// toolError returns the error object of an isError result, from its text
// content, where the host puts it (never in structured content, which
// clients check against the tool's output schema).
func toolError(t *testing.T, res *mcp.CallToolResult) map[string]any {
	t.Helper()
	if !res.IsError {
		t.Fatalf("not an error result: %+v", res)
	}
	if res.StructuredContent != nil {
		t.Errorf("an error result carries structured content: %v", res.StructuredContent)
	}
	if len(res.Content) != 1 {
		t.Fatalf("error result with %d content items", len(res.Content))
	}
	text, ok := res.Content[0].(mcp.TextContent)
	if !ok {
		t.Fatalf("error content is %T, not text", res.Content[0])
	}
	var body struct {
		Error map[string]any `json:"error"`
	}
	if err := json.Unmarshal([]byte(text.Text), &body); err != nil || body.Error == nil {
		t.Fatalf("error text is not the error object as JSON: %q", text.Text)
	}
	return body.Error
}
