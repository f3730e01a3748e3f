package e2e

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestPluginMaxProcs: plugins run with GOMAXPROCS from
// plugin_defaults.max_procs (1 by default), unless their own entry says
// otherwise.
func TestPluginMaxProcs(t *testing.T) {
	h := startHost(t, "plugins:\n  hello: {path: billy-mcp-plugin-hello}\n  moms: {path: billy-mcp-plugin-moms, max_procs: 2}\n")
	h.waitReady(15 * time.Second)
	for plugin, want := range map[string]string{"hello": "GOMAXPROCS=1", "moms": "GOMAXPROCS=2"} {
		pid := int(h.pluginStatus(plugin)["pid"].(float64))
		env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		if err != nil {
			t.Fatal(err)
		}
		vars := strings.Split(string(env), "\x00")
		found := false
		for _, v := range vars {
			found = found || v == want
		}
		if !found {
			t.Errorf("%s runs with %q, want %s among them", plugin, vars, want)
		}
	}
}
