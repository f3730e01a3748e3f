package e2e

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestConfigReload: SIGHUP reloads the config file. The log level, a cache
// TTL and Billy's rate limit change in the running host, a key that needs a
// restart is named as such, an MCP session opened before keeps working,
// and a file that does not load is refused while the host goes on serving.
func TestConfigReload(t *testing.T) {
	h := startHost(t, "log: {level: info}\ncache: {ttl: {invoices: 30s}}\nplugins:\n  hello: {path: billy-mcp-plugin-hello}\n")
	h.waitReady(15 * time.Second)
	c := h.mcpHTTP()
	if res := callTool(t, c, "hello_greet", map[string]any{"name": "Ada"}); res.IsError {
		t.Fatalf("hello_greet before the reload: %v", res.Content)
	}
	if n := countLines(h, func(l logLine) bool { return l.Level == "debug" }); n != 0 {
		t.Fatalf("%d debug lines at level info", n)
	}

	original, err := os.ReadFile(h.cfg)
	if err != nil {
		t.Fatal(err)
	}
	edit := strings.NewReplacer("log: {level: info}", "log: {level: debug}\nbilly: {rate_limit_per_second: 3, rate_limit_burst: 5}\nhttp: {max_body_bytes: 100000}\nauth: {principal_burst: 50}",
		"invoices: 30s", "invoices: 10s").Replace(string(original))
	if err := os.WriteFile(h.cfg, []byte(edit), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := h.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	r := waitLine(t, h, "configuration reloaded")
	for _, key := range []string{"log.level", "billy.rate_limit_per_second", "billy.rate_limit_burst", "cache.ttl.invoices", "auth.principal_burst"} {
		if !slices.Contains(r.Applied, key) {
			t.Errorf("reload applied %v; want %s among them", r.Applied, key)
		}
	}
	if !slices.Contains(r.NeedRestart, "http.max_body_bytes") || slices.Contains(r.Applied, "http.max_body_bytes") {
		t.Errorf("reload: need_restart %v, applied %v; want http.max_body_bytes as needing a restart", r.NeedRestart, r.Applied)
	}

	// The session opened before the reload is served; the new level shows.
	if res := callTool(t, c, "hello_organization", map[string]any{}); res.IsError {
		t.Fatalf("hello_organization on the session opened before the reload: %v", res.Content)
	}
	deadline := time.Now().Add(5 * time.Second)
	for countLines(h, func(l logLine) bool { return l.Level == "debug" }) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no debug line after the log level was reloaded to debug")
		}
		time.Sleep(20 * time.Millisecond)
	}

	// A file that does not load: refused, the host keeps serving.
	if err := os.WriteFile(h.cfg, []byte(strings.Replace(edit, "level: debug", "level: loud", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := h.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	refused := waitLine(t, h, "configuration reload refused; the configuration in force is kept")
	if !strings.Contains(refused.Error, "log.level") {
		t.Errorf("the refusal does not name the key: %q", refused.Error)
	}
	if code, _ := h.get("/health/ready"); code != 200 {
		t.Errorf("after a refused reload /health/ready answered %d", code)
	}
	if res := callTool(t, c, "hello_greet", map[string]any{"name": "Ada"}); res.IsError {
		t.Errorf("hello_greet after a refused reload: %v", res.Content)
	}
}

type logLine struct {
	Level       string   `json:"@level"`
	Message     string   `json:"@message"`
	Applied     []string `json:"applied"`
	NeedRestart []string `json:"need_restart"`
	Error       string   `json:"error"`
	// Plugins a reload started, stopped or restarted.
	Plugins []pluginChange `json:"plugins"`
}

func hostLines(h *hostProc) []logLine {
	var out []logLine
	for _, raw := range strings.Split(h.stderr.String(), "\n") {
		var l logLine
		if json.Unmarshal([]byte(raw), &l) == nil {
			out = append(out, l)
		}
	}
	return out
}

func countLines(h *hostProc, match func(logLine) bool) int {
	n := 0
	for _, l := range hostLines(h) {
		if match(l) {
			n++
		}
	}
	return n
}

// waitLine waits for the first log line with message msg not seen before
// (lines are counted, so a second reload's line is a new one).
func waitLine(t *testing.T, h *hostProc, msg string) logLine {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, l := range hostLines(h) {
			if l.Message == msg {
				return l
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no log line %q:\n%s", msg, h.stderr.String())
	return logLine{}
}
