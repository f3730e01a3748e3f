package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestEveryCallIsAudited runs thousands of concurrent calls through the
// host, successes and refusals mixed, stops it, and finds every one of them
// in the audit file, once.
func TestEveryCallIsAudited(t *testing.T) {
	auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
	// A small buffer, so the writer falls behind and requests wait for it.
	h := startHost(t, fmt.Sprintf("audit: {path: %s, buffer: 16}\nplugins:\n  hello: {path: billy-mcp-plugin-hello}\n", auditPath))
	h.waitReady(15 * time.Second)

	const clients, each = 32, 100
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for c := range clients {
		wg.Go(func() {
			for i := range each {
				body := `{"name":"Ada"}`
				if i%10 == 0 {
					body = `{"name":7}` // refused by validation: audited as well
				}
				req, _ := http.NewRequest(http.MethodPost, h.url("/api/v1/tools/hello_greet"), strings.NewReader(body))
				req.Header.Set("X-Correlation-ID", fmt.Sprintf("audit-%d-%d", c, i))
				resp, err := client.Do(req)
				if err != nil {
					errs <- err
					return
				}
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	h.stop() // the writer flushes before the host exits

	f, err := os.Open(auditPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[string]int{}
	outcomes := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var rec struct {
			CorrelationID string `json:"correlation_id"`
			Outcome       string `json:"outcome"`
			Name          string `json:"name"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("a line of the audit file is not a record: %q", sc.Text())
		}
		if strings.HasPrefix(rec.CorrelationID, "audit-") {
			seen[rec.CorrelationID]++
			outcomes[rec.Outcome]++
		}
	}
	if len(seen) != clients*each {
		t.Errorf("%d of %d calls are in the audit file", len(seen), clients*each)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s recorded %d times", id, n)
		}
	}
	if outcomes["ok"] != clients*each*9/10 || outcomes["invalid_arguments"] != clients*each/10 {
		t.Errorf("outcomes %v", outcomes)
	}
}
