package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// sseMessages reads an SSE body into its JSON-RPC messages, in order.
func sseMessages(t *testing.T, body string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(body, "\n") {
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(data), &m); err != nil {
			t.Fatalf("event data is not JSON: %q", data)
		}
		out = append(out, m)
	}
	return out
}

// TestProgressOnTheRequestStream calls a tool that reports progress, with
// the session's standalone GET stream open, and expects every progress
// notification on the call's own POST stream, before its response, and none
// on the GET stream (MCP: messages there are unrelated to running requests).
// mcp-go alone let either stream take them, so they could arrive after the
// response.
func TestProgressOnTheRequestStream(t *testing.T) {
	h := startHost(t, "plugins:\n  hello: {path: billy-mcp-plugin-hello}\n")
	h.waitReady(15 * time.Second)

	init, _ := newPost(h.url("/mcp"), `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"streams","version":"1"}}}`)
	resp, err := http.DefaultClient.Do(init)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	session := resp.Header.Get("Mcp-Session-Id")
	post := func(body string) answer {
		req, _ := newPost(h.url("/mcp"), body)
		req.Header.Set("Mcp-Session-Id", session)
		req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
		a, err := httpDo(req)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	post(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)

	get, _ := http.NewRequest(http.MethodGet, h.url("/mcp"), nil)
	get.Header.Set("Accept", "text/event-stream")
	get.Header.Set("Mcp-Session-Id", session)
	get.Header.Set("Mcp-Protocol-Version", "2025-11-25")
	getResp, err := http.DefaultClient.Do(get)
	if err != nil {
		t.Fatal(err)
	}
	if getResp.StatusCode != http.StatusOK {
		t.Fatalf("GET stream: %d", getResp.StatusCode)
	}
	var (
		mu     sync.Mutex
		stolen []string
	)
	go func() {
		sc := bufio.NewScanner(getResp.Body)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "notifications/progress") {
				mu.Lock()
				stolen = append(stolen, sc.Text())
				mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() { getResp.Body.Close() })

	const calls, steps = 10, 4
	for i := range calls {
		a := post(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"hello_count","arguments":{"n":%d},"_meta":{"progressToken":"p%d"}}}`, i+1, steps, i))
		msgs := sseMessages(t, a.body)
		if len(msgs) != steps+1 {
			t.Fatalf("call %d: %d messages on its stream, want %d progress notifications and the response:\n%s", i, len(msgs), steps, a.body)
		}
		for j, m := range msgs[:steps] {
			params, _ := m["params"].(map[string]any)
			if m["method"] != "notifications/progress" || params["progressToken"] != fmt.Sprintf("p%d", i) || params["progress"] != float64(j+1) {
				t.Errorf("call %d, message %d: %v", i, j, m)
			}
		}
		if last := msgs[steps]; last["id"] != float64(i+1) || last["result"] == nil {
			t.Errorf("call %d: the last message is not the response: %v", i, last)
		}
	}
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(stolen) > 0 {
		t.Errorf("%d progress notifications left on the GET stream, e.g. %s", len(stolen), stolen[0])
	}
}
