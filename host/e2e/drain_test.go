package e2e

import (
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestGracefulDrain: on SIGTERM readiness turns 503 at once, new calls are
// refused with a retryable error, the calls in flight finish, and then the
// host exits.
func TestGracefulDrain(t *testing.T) {
	h := startHost(t, "http: {shutdown_timeout: 10s}\nplugins:\n  hello: {path: billy-mcp-plugin-hello}\n")
	h.waitReady(15 * time.Second)

	const inFlight = 5
	var wg sync.WaitGroup
	results := make(chan int, inFlight)
	for range inFlight {
		wg.Go(func() {
			// About a second each: 5 steps of 200 ms.
			resp, err := http.Post(h.url("/api/v1/tools/hello_count"), "application/json", strings.NewReader(`{"n":5,"delay_ms":200}`))
			if err != nil {
				t.Errorf("an in-flight call failed: %v", err)
				return
			}
			resp.Body.Close()
			results <- resp.StatusCode
		})
	}
	time.Sleep(300 * time.Millisecond)
	if err := h.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		code, body := h.get("/health/ready")
		if code == 503 && body["status"] == "draining" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("readiness did not turn to draining: %d %v", code, body)
		}
		time.Sleep(10 * time.Millisecond)
	}
	code, body := h.post("/api/v1/tools/hello_greet", map[string]any{"name": "Ada"})
	e, _ := body["error"].(map[string]any)
	if code != 503 || e["code"] != "host_draining" || e["retryable"] != true {
		t.Errorf("a new call while draining: %d %v", code, body)
	}
	wg.Wait()
	close(results)
	for c := range results {
		if c != 200 {
			t.Errorf("an in-flight call answered %d, want 200", c)
		}
	}
	select {
	case err := <-h.done:
		if err != nil {
			t.Errorf("host exit: %v", err)
		}
		h.done <- err
	case <-time.After(10 * time.Second):
		t.Fatal("the host did not exit after draining")
	}
	if !strings.Contains(h.stderr.String(), `"drained"`) {
		t.Error("no drained line in the log")
	}
}
