package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestAdminProfiler: with admin.addr, the profiler answers on its own
// loopback listener, and not on the main one.
func TestAdminProfiler(t *testing.T) {
	admin := freeAddr(t)
	h := startHost(t, "admin: {addr: "+admin+"}\nplugins:\n  hello: {path: billy-mcp-plugin-hello}\n")
	h.waitReady(15 * time.Second)
	resp, err := http.Get("http://" + admin + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "goroutine") {
		t.Errorf("admin listener: %d %.200s", resp.StatusCode, body)
	}
	resp, err = http.Get(h.url("/debug/pprof/"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == 200 {
		t.Error("the profiler answers on the main listener")
	}
}
