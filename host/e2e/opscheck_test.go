package e2e

import (
	"strings"
	"testing"
	"time"
)

// TestRunOpsCheck: run_ops_check through a real client reports every part
// ok on a healthy host, and names Billy as failing during an outage while
// the other checks stay ok.
func TestRunOpsCheck(t *testing.T) {
	billy := standaloneSandbox(t)
	h := startHost(t, "plugins:\n  hello: {path: billy-mcp-plugin-hello}\n", billy...)
	h.waitReady(15 * time.Second)
	s := &scenario{t: t, c: h.mcpHTTP()}
	statuses := func(r map[string]any) map[string]string {
		out := map[string]string{}
		for _, c := range r["checks"].([]any) {
			m := c.(map[string]any)
			out[m["name"].(string)] = m["status"].(string)
		}
		return out
	}
	r := s.ok("run_ops_check", map[string]any{})
	if r["status"] != "ok" {
		t.Errorf("a healthy host: %v", r)
	}
	for _, name := range []string{"billy", "plugins", "cache", "store", "audit"} {
		if statuses(r)[name] != "ok" {
			t.Errorf("check %s: %q, want ok (%v)", name, statuses(r)[name], r)
		}
	}

	base := strings.TrimSuffix(strings.TrimPrefix(billy[0], "BILLY_API_BASE="), "/v2")
	setFaults(t, base, `{"outage":true}`)
	t.Cleanup(func() { setFaults(t, base, `{}`) })
	r = s.ok("run_ops_check", map[string]any{})
	got := statuses(r)
	if r["status"] != "failing" || got["billy"] != "failing" || got["plugins"] != "ok" || got["store"] != "ok" {
		t.Errorf("during a Billy outage: %v", r)
	}
}
