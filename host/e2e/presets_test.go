package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
	"github.com/mark3labs/mcp-go/mcp"
)

// The presets plugin on the sandbox: templates run end to end, a batch is
// all or nothing, a failure undoes what the run did (under injected
// faults), and a run whose plugin is killed mid-step resumes without
// writing twice. Every check of "nothing left half-done" reads the
// sandbox's records, not the run's own account.

const presetsConfig = "plugins:\n  invoices: {path: billy-mcp-plugin-invoices}\n  moms: {path: billy-mcp-plugin-moms}\n  presets: {path: billy-mcp-plugin-presets}\nwrites:\n  settle_after: 1s\ncalls:\n  timeout: 15s\n"

// sandboxFaults sets the standalone sandbox's faults (see sandbox.Faults).
func sandboxFaults(t *testing.T, env []string, faults string) {
	t.Helper()
	var base string
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "BILLY_API_BASE="); ok {
			base = strings.TrimSuffix(v, "/v2")
		}
	}
	req, _ := http.NewRequest(http.MethodPut, base+"/_sandbox/faults", bytes.NewBufferString(faults))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("PUT /_sandbox/faults %s: %s", faults, resp.Status)
	}
}

// waitPluginRunning waits until the host reports the plugin ready.
func waitPluginRunning(t *testing.T, h *hostProc, name string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if h.pluginStatus(name)["state"] == "ready" {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("plugin %s did not come back: %v", name, h.pluginStatus(name))
}

// booksFixture is what the presets tests invoice: two customers and a
// product of the sandbox.
type booksFixture struct {
	contacts []string
	product  string
}

func fixture(s *scenario) booksFixture {
	cs := s.ok("list_customers", map[string]any{"limit": 2})["customers"].([]any)
	ps := s.ok("list_products", map[string]any{"limit": 1})["products"].([]any)
	if len(cs) < 2 || len(ps) < 1 {
		s.t.Fatalf("the sandbox has %d customers and %d products; the test needs 2 and 1", len(cs), len(ps))
	}
	return booksFixture{contacts: []string{cs[0].(map[string]any)["id"].(string), cs[1].(map[string]any)["id"].(string)},
		product: ps[0].(map[string]any)["id"].(string)}
}

// drafts counts the organization's draft invoices of a customer.
func drafts(s *scenario, contact string) int {
	return int(s.ok("list_invoices", map[string]any{"state": "draft", "contactId": contact, "limit": 1})["total"].(float64))
}

func TestPresetsOnSandbox(t *testing.T) {
	billy := standaloneSandbox(t)
	h := startHost(t, presetsConfig, billy...)
	h.waitReady(20 * time.Second)
	s := &scenario{t: t, c: h.mcpHTTP()}
	fx := fixture(s)

	list := s.ok("list_presets", map[string]any{})
	if list["durable"] != true || len(list["presets"].([]any)) < 6 {
		t.Errorf("list_presets: durable %v, %d presets", list["durable"], len(list["presets"].([]any)))
	}

	// Two templates end to end on the sandbox's books.
	vat := s.ok("execute_preset", map[string]any{"preset_id": "quarterly_vat_close", "parameters": map[string]any{"period": "2026-Q3"}})
	if vat["status"] != "succeeded" {
		t.Fatalf("quarterly_vat_close: %v", vat)
	}
	if out := vat["output"].(map[string]any); out["period"] == nil || out["return"] == nil || out["deadlines"] == nil {
		t.Errorf("quarterly_vat_close output: %v", out)
	}
	ye := s.ok("execute_preset", map[string]any{"preset_id": "year_end_checklist", "parameters": map[string]any{"year": 2026}})
	if ye["status"] != "succeeded" {
		t.Fatalf("year_end_checklist: %v", ye)
	}

	// Recommendations: the audit log (the local caller may read it) and
	// the runs so far; both templates began bookkeeping_check →
	// list_invoices.
	an := s.ok("analyze_user_patterns", map[string]any{"min_support": 2})
	if srcs := fmt.Sprint(an["sources"]); !strings.Contains(srcs, "list_audit_logs") {
		t.Errorf("analyze_user_patterns read %s, not the audit log", srcs)
	}
	found := false
	for _, p := range an["patterns"].([]any) {
		tools := fmt.Sprint(p.(map[string]any)["tools"])
		found = found || strings.HasPrefix(tools, "[bookkeeping_check list_invoices")
	}
	if !found {
		t.Errorf("no bookkeeping_check → list_invoices pattern in %v", an["patterns"])
	}

	// Batch, one bad item (no such customer): every item is validated
	// first, nothing is written, and the run says which item failed.
	line := []any{map[string]any{"productId": fx.product, "quantity": 1, "unitPrice": 1000}}
	before0, before1 := drafts(s, fx.contacts[0]), drafts(s, fx.contacts[1])
	bad := s.ok("execute_preset", map[string]any{"preset_id": "bulk_create_invoices", "parameters": map[string]any{"invoices": []any{
		map[string]any{"contactId": fx.contacts[0], "lines": line},
		map[string]any{"contactId": "noSuchContact1", "lines": line},
		map[string]any{"contactId": fx.contacts[1], "lines": line},
	}}})
	if bad["status"] != "failed" {
		t.Errorf("bulk with a bad item: %v", bad["status"])
	}
	its := bad["steps"].([]any)[0].(map[string]any)["iterations"].([]any)
	if its[1].(map[string]any)["status"] != "failed" || its[0].(map[string]any)["status"] != "done" || its[2].(map[string]any)["status"] != "done" {
		t.Errorf("per item: %v", its)
	}
	if a, b := drafts(s, fx.contacts[0]), drafts(s, fx.contacts[1]); a != before0 || b != before1 {
		t.Errorf("drafts after a refused batch: %d and %d, want %d and %d", a, b, before0, before1)
	}

	// Batch, all good: created, reported per item.
	good := s.ok("execute_preset", map[string]any{"preset_id": "bulk_create_invoices", "parameters": map[string]any{"invoices": []any{
		map[string]any{"contactId": fx.contacts[0], "lines": line},
		map[string]any{"contactId": fx.contacts[1], "lines": line},
	}}})
	if good["status"] != "succeeded" || len(good["output"].(map[string]any)["created"].([]any)) != 2 {
		t.Fatalf("bulk: %v", good)
	}
	if a, b := drafts(s, fx.contacts[0]), drafts(s, fx.contacts[1]); a != before0+1 || b != before1+1 {
		t.Errorf("drafts after the batch: %d and %d, want %d and %d", a, b, before0+1, before1+1)
	}

	// Compensation under faults: two drafts are created, the run pauses
	// before a check; the sandbox turns slow, the check times out, and
	// the drafts are deleted again (slowly, but deleted).
	before0, before1 = drafts(s, fx.contacts[0]), drafts(s, fx.contacts[1])
	wf := map[string]any{"version": 1, "id": "create_then_check", "inputs": map[string]any{"contacts": map[string]any{"type": "array"}},
		"steps": []any{
			map[string]any{"id": "create", "tool": "create_invoice", "write": true, "for_each": "inputs.contacts",
				"args":       map[string]any{"contactId": "${{ item }}", "lines": line},
				"compensate": map[string]any{"tool": "delete_draft_invoice", "args": map[string]any{"invoiceId": "${{ output.record.id }}"}}},
			map[string]any{"id": "check", "tool": "get_invoice", "confirm": true, "timeout": "1s",
				"args": map[string]any{"invoiceId": "${{ steps.create.outputs[0].record.id }}"}},
		}}
	run := s.ok("execute_preset", map[string]any{"workflow": wf, "parameters": map[string]any{"contacts": []any{fx.contacts[0], fx.contacts[1]}}})
	if run["status"] != "waiting_confirmation" {
		t.Fatalf("the run did not pause: %v", run)
	}
	created := run["steps"].([]any)[0].(map[string]any)["iterations"].([]any)
	if a, b := drafts(s, fx.contacts[0]), drafts(s, fx.contacts[1]); a != before0+1 || b != before1+1 {
		t.Errorf("drafts while paused: %d and %d, want %d and %d", a, b, before0+1, before1+1)
	}
	sandboxFaults(t, billy, `{"slowRate":1,"slowBy":"1500ms"}`)
	done := s.ok("execute_preset", map[string]any{"run_id": run["run_id"], "confirm": true})
	sandboxFaults(t, billy, `{}`)
	if done["status"] != "failed" || done["error"].(map[string]any)["code"] != "step_timeout" {
		t.Errorf("after the timeout: %v %v", done["status"], done["error"])
	}
	// The host restarts a plugin whose call it cut off (get_invoice's):
	// read the records once it is back.
	waitPluginRunning(t, h, "invoices")
	for _, it := range created {
		id := it.(map[string]any)["output"].(map[string]any)["record"].(map[string]any)["id"].(string)
		res := callTool(t, s.c, "get_invoice", map[string]any{"invoiceId": id})
		if !res.IsError || toolError(t, res)["category"] != "not_found" {
			t.Errorf("draft %s is still in the sandbox after the rollback", id)
		}
	}
	if a, b := drafts(s, fx.contacts[0]), drafts(s, fx.contacts[1]); a != before0 || b != before1 {
		t.Errorf("drafts after the rollback: %d and %d, want %d and %d", a, b, before0, before1)
	}
}

// TestPresetsResumeAfterPluginKill kills the presets plugin while a write
// step's call is in flight (the sandbox holds the request), lets the host
// restart it, and resumes the run: every step is done once, checked on the
// sandbox's drafts.
func TestPresetsResumeAfterPluginKill(t *testing.T) {
	billy := standaloneSandbox(t)
	h := startHost(t, presetsConfig, billy...)
	h.waitReady(20 * time.Second)
	s := &scenario{t: t, c: h.mcpHTTP()}
	fx := fixture(s)
	line := []any{map[string]any{"productId": fx.product, "quantity": 2, "unitPrice": 750}}
	before0, before1 := drafts(s, fx.contacts[0]), drafts(s, fx.contacts[1])

	wf := map[string]any{"version": 1, "id": "two_drafts", "steps": []any{
		map[string]any{"id": "a", "tool": "create_invoice", "write": true, "args": map[string]any{"contactId": fx.contacts[0], "lines": line}},
		map[string]any{"id": "b", "tool": "create_invoice", "write": true, "confirm": true, "args": map[string]any{"contactId": fx.contacts[1], "lines": line}},
		map[string]any{"id": "c", "tool": "list_invoices", "args": map[string]any{"state": "draft", "limit": 1}},
	}}
	run := s.ok("execute_preset", map[string]any{"workflow": wf})
	if run["status"] != "waiting_confirmation" {
		t.Fatalf("the run did not pause before b: %v", run)
	}
	id := run["run_id"].(string)
	runFile := filepath.Join(filepath.Dir(h.cfg), "state", "plugins", "presets", "runs", id+".json")

	// b's request is held by the sandbox; kill the plugin once the run's
	// state says b's call went out.
	sandboxFaults(t, billy, `{"slowRate":1,"slowBy":"3s"}`)
	answered := make(chan *mcp.CallToolResult, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var req mcp.CallToolRequest
		req.Params.Name = "execute_preset"
		req.Params.Arguments = map[string]any{"run_id": id, "confirm": true}
		res, _ := s.c.CallTool(ctx, req)
		answered <- res
	}()
	pid := 0
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) && pid == 0 {
		var r struct {
			Steps map[string]struct {
				Iterations []struct {
					Status string `json:"status"`
				} `json:"iterations"`
			} `json:"steps"`
		}
		if b, err := os.ReadFile(runFile); err == nil && json.Unmarshal(b, &r) == nil {
			if its := r.Steps["b"].Iterations; len(its) == 1 && its[0].Status == "started" {
				if p, ok := h.pluginStatus("presets")["pid"].(float64); ok {
					pid = int(p)
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if pid == 0 {
		t.Fatal("step b never started")
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if res := <-answered; res != nil && !res.IsError {
		t.Errorf("the call whose plugin was killed answered as if it had finished: %v", structured(t, res))
	}
	sandboxFaults(t, billy, `{}`)
	// The held write lands or not while the host settles it (settle_after
	// 1s); wait for the restarted plugin and past the sandbox's hold.
	deadline = time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		st := h.pluginStatus("presets")
		if p, _ := st["pid"].(float64); p > 0 && int(p) != pid && st["state"] == "ready" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(4 * time.Second)

	got := s.ok("get_preset_run", map[string]any{"run_id": id})
	if got["status"] != "interrupted" {
		t.Errorf("the run after the kill: %v", got["status"])
	}
	resumed := s.ok("execute_preset", map[string]any{"run_id": id})
	if resumed["status"] != "succeeded" {
		t.Fatalf("resumed run: %v %v", resumed["status"], resumed["error"])
	}
	b := resumed["steps"].([]any)[1].(map[string]any)["iterations"].([]any)[0].(map[string]any)
	if b["attempts"].(float64) != 2 || b["idempotency_key"] != "preset-"+id+"-b-0" {
		t.Errorf("step b: %d attempts with key %v, want 2 with preset-%s-b-0", int(b["attempts"].(float64)), b["idempotency_key"], id)
	}
	if a, b := drafts(s, fx.contacts[0]), drafts(s, fx.contacts[1]); a != before0+1 || b != before1+1 {
		t.Errorf("drafts after the resumed run: %d and %d, want %d and %d (each step once)", a, b, before0+1, before1+1)
	}
}

// restartHostOn starts `billy-mcp serve` on an existing config (and so the
// same data_dir): a host restarted after a crash.
func restartHostOn(t *testing.T, cfg string, env ...string) *hostProc {
	t.Helper()
	h := &hostProc{t: t, addr: freeAddr(t), cfg: cfg, stderr: &testkit.SyncBuffer{}, done: make(chan error, 1)}
	h.cmd = exec.Command(filepath.Join(binDir, "billy-mcp"), "serve", "--config", cfg)
	h.cmd.Env = append(append(baseEnv(), "BILLY_MCP_HTTP_ADDR="+h.addr), env...)
	h.cmd.Stderr = h.stderr
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { h.done <- h.cmd.Wait() }()
	t.Cleanup(func() {
		h.stop()
		if t.Failed() {
			t.Logf("restarted host's stderr:\n%s", h.stderr.String())
		}
	})
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(h.url("/health/live")); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the restarted host did not come up:\n%s", h.stderr.String())
		}
	}
	h.waitReady(30 * time.Second)
	return h
}

// TestPresetsResumeAfterHostKill: as TestPresetsResumeAfterPluginKill,
// but the host itself is SIGKILLed (its plugins go with it) while a write
// step's request is held by the sandbox, and a new host on the same
// data_dir resumes the run.
func TestPresetsResumeAfterHostKill(t *testing.T) {
	billy := standaloneSandbox(t)
	h := startHost(t, presetsConfig, billy...)
	h.waitReady(20 * time.Second)
	s := &scenario{t: t, c: h.mcpHTTP()}
	fx := fixture(s)
	line := []any{map[string]any{"productId": fx.product, "quantity": 3, "unitPrice": 500}}
	before0, before1 := drafts(s, fx.contacts[0]), drafts(s, fx.contacts[1])

	wf := map[string]any{"version": 1, "id": "two_drafts", "steps": []any{
		map[string]any{"id": "a", "tool": "create_invoice", "write": true, "args": map[string]any{"contactId": fx.contacts[0], "lines": line}},
		map[string]any{"id": "b", "tool": "create_invoice", "write": true, "confirm": true, "args": map[string]any{"contactId": fx.contacts[1], "lines": line}},
	}}
	run := s.ok("execute_preset", map[string]any{"workflow": wf})
	if run["status"] != "waiting_confirmation" {
		t.Fatalf("the run did not pause before b: %v", run)
	}
	id := run["run_id"].(string)
	runFile := filepath.Join(filepath.Dir(h.cfg), "state", "plugins", "presets", "runs", id+".json")

	sandboxFaults(t, billy, `{"slowRate":1,"slowBy":"3s"}`)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var req mcp.CallToolRequest
		req.Params.Name = "execute_preset"
		req.Params.Arguments = map[string]any{"run_id": id, "confirm": true}
		_, _ = s.c.CallTool(ctx, req)
	}()
	started := false
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline) && !started; time.Sleep(20 * time.Millisecond) {
		var r struct {
			Steps map[string]struct {
				Iterations []struct {
					Status string `json:"status"`
				} `json:"iterations"`
			} `json:"steps"`
		}
		if b, err := os.ReadFile(runFile); err == nil && json.Unmarshal(b, &r) == nil {
			its := r.Steps["b"].Iterations
			started = len(its) == 1 && its[0].Status == "started"
		}
	}
	if !started {
		t.Fatal("step b never started")
	}
	if err := h.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	err := <-h.done
	h.done <- err
	sandboxFaults(t, billy, `{}`)
	time.Sleep(4 * time.Second) // past the sandbox's hold and the host's settle_after

	h2 := restartHostOn(t, h.cfg, billy...)
	s2 := &scenario{t: t, c: h2.mcpHTTP()}
	if got := s2.ok("get_preset_run", map[string]any{"run_id": id}); got["status"] != "interrupted" {
		t.Errorf("the run after the host's crash: %v", got["status"])
	}
	// The dead host's claim on b's idempotency key lasts as long as its
	// call could have (calls.timeout); the resumed run waits for it inside
	// the call, and a call that runs out of time leaves the run
	// interrupted, to be resumed again.
	var resumed map[string]any
	for range 5 {
		resumed = s2.ok("execute_preset", map[string]any{"run_id": id})
		if resumed["status"] != "interrupted" {
			break
		}
	}
	if resumed["status"] != "succeeded" {
		t.Fatalf("resumed run: %v %v", resumed["status"], resumed["error"])
	}
	if a, b := drafts(s2, fx.contacts[0]), drafts(s2, fx.contacts[1]); a != before0+1 || b != before1+1 {
		t.Errorf("drafts after the resumed run: %d and %d, want %d and %d (each step once)", a, b, before0+1, before1+1)
	}
}
