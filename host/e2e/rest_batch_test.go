package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The REST batch's all-or-nothing mode on the sandbox, through real HTTP:
// every item validated before anything is written, a fault injected in
// the sandbox mid-batch (at the Nth invoice creation) undoes the items
// done before it, and a write whose answer is lost is reported as
// outcome_unknown. Every "nothing half-done" is checked on the sandbox's
// own records, not on the batch's account of them.

// faultAt sits between the host and the standalone sandbox. From the
// armed-th invoice creation on (POST /v2/invoices) it turns the given
// sandbox faults on for exactly that request (PUT /_sandbox/faults before
// forwarding it, back to none after), so a fault lands mid-batch on one
// item's write, whatever the batch reads or deletes around it. A write
// the sandbox drops after committing is dropped here too (the connection
// is closed without an answer), as Billy would.
type faultAt struct {
	t       *testing.T
	sandbox string // http://addr
	proxy   *httputil.ReverseProxy
	mu      sync.Mutex
	posts   int
	armed   int // 0: off
	faults  string
	// hold, when set, holds the next GET whose path starts with it
	// until release is closed (held is closed when it arrives).
	hold          string
	held, release chan struct{}
}

// holdNext holds the next GET of path (a prefix) until the returned
// release is called; the returned channel is closed once it is held.
func (f *faultAt) holdNext(path string) (held <-chan struct{}, release func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hold, f.held, f.release = path, make(chan struct{}), make(chan struct{})
	rel := f.release
	var once sync.Once
	return f.held, func() { once.Do(func() { close(rel) }) }
}

func newFaultAt(t *testing.T, billy []string) (*faultAt, []string) {
	var base string
	for _, e := range billy {
		if v, ok := strings.CutPrefix(e, "BILLY_API_BASE="); ok {
			base = strings.TrimSuffix(v, "/v2")
		}
	}
	u, _ := url.Parse(base)
	f := &faultAt{t: t, sandbox: base, proxy: httputil.NewSingleHostReverseProxy(u)}
	f.proxy.ErrorHandler = func(http.ResponseWriter, *http.Request, error) { panic(http.ErrAbortHandler) }
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	env := []string{}
	for _, e := range billy {
		if strings.HasPrefix(e, "BILLY_API_BASE=") {
			e = "BILLY_API_BASE=" + srv.URL + "/v2"
		}
		env = append(env, e)
	}
	return f, env
}

// arm makes the nth invoice creation from now on (and every later one)
// meet faults.
func (f *faultAt) arm(nth int, faults string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.armed, f.faults = f.posts+nth, faults
}

func (f *faultAt) disarm() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.armed = 0
}

func (f *faultAt) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	if f.hold != "" && r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, f.hold) {
		held, release := f.held, f.release
		f.hold = ""
		f.mu.Unlock()
		close(held)
		<-release
	} else {
		f.mu.Unlock()
	}
	if r.Method == http.MethodPost && r.URL.Path == "/v2/invoices" {
		f.mu.Lock()
		f.posts++
		hit := f.armed > 0 && f.posts >= f.armed
		faults := f.faults
		f.mu.Unlock()
		if hit {
			// Requests reach the sandbox one at a time here (one batch, in
			// order), so the fault meets only this one.
			f.setFaults(faults)
			defer f.setFaults(`{}`)
		}
	}
	f.proxy.ServeHTTP(w, r)
}

func (f *faultAt) setFaults(faults string) {
	req, _ := http.NewRequest(http.MethodPut, f.sandbox+"/_sandbox/faults", strings.NewReader(faults))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Error(err)
		return
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		f.t.Errorf("PUT /_sandbox/faults %s: %s", faults, resp.Status)
	}
}

// sandboxDrafts lists a contact's draft invoice IDs straight from the
// sandbox (no host, no cache).
func sandboxDrafts(t *testing.T, billy []string, contact string) []string {
	t.Helper()
	var base, token string
	for _, e := range billy {
		if v, ok := strings.CutPrefix(e, "BILLY_API_BASE="); ok {
			base = v
		}
		if v, ok := strings.CutPrefix(e, "BILLY_API_KEY="); ok {
			token = v
		}
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/invoices?state=draft&pageSize=1000&contactId="+url.QueryEscape(contact), nil)
	req.Header.Set("X-Access-Token", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Invoices []struct {
			ID string `json:"id"`
		} `json:"invoices"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != 200 {
		t.Fatalf("sandbox drafts: %d %v", resp.StatusCode, err)
	}
	var ids []string
	for _, inv := range body.Invoices {
		ids = append(ids, inv.ID)
	}
	return ids
}

type batchAnswer struct {
	status  int
	code    string
	runID   string
	items   []string
	records []string // each item's record ID (done or undone), "" when none
	body    map[string]any
}

func postBatch(t *testing.T, h *hostProc, body any) batchAnswer {
	t.Helper()
	status, out := h.post("/api/v1/tools/batch", body)
	a := batchAnswer{status: status, body: out}
	if e, ok := out["error"].(map[string]any); ok {
		a.code, _ = e["code"].(string)
	}
	data, _ := out["data"].(map[string]any)
	a.runID, _ = data["runId"].(string)
	results, _ := data["results"].([]any)
	for _, r := range results {
		m := r.(map[string]any)
		a.items = append(a.items, m["status"].(string))
		id := ""
		if d, ok := m["data"].(map[string]any); ok {
			if rec, ok := d["record"].(map[string]any); ok {
				id, _ = rec["id"].(string)
			}
		}
		a.records = append(a.records, id)
	}
	return a
}

func TestRESTBatchAllOrNothing(t *testing.T) {
	billy := standaloneSandbox(t)
	faults, env := newFaultAt(t, billy)
	h := startHost(t, presetsConfig, env...)
	h.waitReady(20 * time.Second)
	s := &scenario{t: t, c: h.mcpHTTP()}
	fx := fixture(s)
	c0, c1 := fx.contacts[0], fx.contacts[1]
	line := []any{map[string]any{"productId": fx.product, "quantity": 1, "unitPrice": 1000}}
	create := func(contact string) map[string]any {
		return map[string]any{"tool": "create_invoice", "arguments": map[string]any{"contactId": contact, "lines": line}}
	}
	count := func() [2]int { return [2]int{len(sandboxDrafts(t, billy, c0)), len(sandboxDrafts(t, billy, c1))} }
	check := func(what string, want [2]int) {
		t.Helper()
		if got := count(); got != want {
			t.Errorf("%s: the sandbox holds %v drafts of the two customers, want %v", what, got, want)
		}
	}
	base := count()

	// Refused before anything runs: an item off its schema (the host's
	// check) and an item whose customer does not exist (create_invoice's
	// dry run in the presets plugin's validation pass).
	a := postBatch(t, h, map[string]any{"mode": "all_or_nothing", "tools": []any{create(c0),
		map[string]any{"tool": "create_invoice", "arguments": map[string]any{"contactId": c1, "lines": "one"}}}})
	if a.status != 400 || a.code != "invalid_arguments" || fmt.Sprint(a.items) != "[not_run failed]" {
		t.Errorf("schema refusal: %d %s %v", a.status, a.code, a.items)
	}
	a = postBatch(t, h, map[string]any{"mode": "all_or_nothing", "tools": []any{create(c0), create("noSuchContact1"), create(c1)}})
	if a.status != 404 || a.code != "contact_not_found" || fmt.Sprint(a.items) != "[not_run failed not_run]" || a.runID == "" {
		t.Errorf("validation refusal: %d %s %v", a.status, a.code, a.items)
	}
	check("after refused batches", base)

	// All good: a read and two drafts, reported per item.
	a = postBatch(t, h, map[string]any{"mode": "all_or_nothing", "tools": []any{
		map[string]any{"tool": "get_customer", "arguments": map[string]any{"contactId": c0}}, create(c0), create(c1)}})
	if a.status != 200 || a.body["success"] != true || fmt.Sprint(a.items) != "[done done done]" {
		t.Fatalf("good batch: %d %v %v", a.status, a.items, a.body["error"])
	}
	base[0]++
	base[1]++
	check("after the good batch", base)

	// A fault mid-batch: the sandbox answers 429 to the third creation
	// and its retries. Billy did not take it, so it is a clean failure;
	// the two drafts created before it are deleted again, the fourth item
	// never runs.
	faults.arm(3, `{"rateLimitRate":1,"retryAfter":"1s"}`)
	a = postBatch(t, h, map[string]any{"mode": "all_or_nothing", "tools": []any{create(c0), create(c1), create(c0), create(c1)}})
	faults.disarm()
	if a.body["success"] != false || fmt.Sprint(a.items) != "[compensated compensated failed not_run]" || a.code != "billy_rate_limited" || a.status != 429 {
		t.Errorf("429 mid-batch: %d %s %v", a.status, a.code, a.items)
	}
	check("after the 429 mid-batch", base)
	gone := func(what string, ids []string) {
		t.Helper()
		left := append(sandboxDrafts(t, billy, c0), sandboxDrafts(t, billy, c1)...)
		for i, id := range ids {
			if id == "" || slices.Contains(left, id) {
				t.Errorf("%s: item %d's draft %q was not deleted", what, i, id)
			}
		}
	}
	gone("429 mid-batch", a.records[:2])

	// The sandbox answers 500 to the third creation: a write that Billy
	// answered with a server error may have been saved, so the host calls
	// its outcome unknown, and so does the batch (503
	// write_outcome_unknown), never a clean failure; what was done before
	// it is undone. (The sandbox's 500 is sent before it commits, so
	// nothing of it is there.)
	faults.arm(3, `{"errorRate":1}`)
	a = postBatch(t, h, map[string]any{"mode": "all_or_nothing", "tools": []any{create(c0), create(c1), create(c0), create(c1)}})
	faults.disarm()
	if fmt.Sprint(a.items) != "[compensated compensated outcome_unknown not_run]" || a.code != "write_outcome_unknown" || a.status != 503 {
		t.Errorf("500 mid-batch: %d %s %v", a.status, a.code, a.items)
	}
	check("after the 500 mid-batch", base)
	gone("500 mid-batch", a.records[:2])

	// The second creation's answer is lost after the sandbox committed
	// it: the invoices plugin finds it in Billy by its marker, so it is
	// done, and nothing is written twice.
	faults.arm(2, `{"dropAfterCommitRate":1}`)
	a = postBatch(t, h, map[string]any{"mode": "all_or_nothing", "tools": []any{create(c0), create(c1), create(c0)}})
	faults.disarm()
	if a.status != 200 || fmt.Sprint(a.items) != "[done done done]" {
		t.Errorf("lost answer: %d %s %v", a.status, a.code, a.items)
	}
	base[0] += 2
	base[1]++
	check("after the lost answer", base)
	if a.runID != "" {
		run := s.ok("get_preset_run", map[string]any{"run_id": a.runID})
		if len(run["log"].([]any)) == 0 {
			t.Errorf("the batch's run has no log")
		}
	}
}
