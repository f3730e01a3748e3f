package rest

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/google/go-cmp/cmp"
)

// batchInvoker plays the presets plugin's execute_batch: it records the
// batch it was given and answers with the canned output.
type batchInvoker struct {
	toolInvoker
	mu     sync.Mutex
	got    []string
	answer string
}

func (b *batchInvoker) CallTool(ctx context.Context, plugin string, req *pluginv1.CallToolRequest) (*pluginv1.CallToolResponse, error) {
	if req.Name != BatchTool {
		return b.toolInvoker.CallTool(ctx, plugin, req)
	}
	b.mu.Lock()
	b.got = append(b.got, req.ArgumentsJson)
	b.mu.Unlock()
	return &pluginv1.CallToolResponse{StructuredContentJson: b.answer}, nil
}

func aonHandler(t *testing.T, inv *batchInvoker, withPresets bool) http.Handler {
	t.Helper()
	reg := testRegistry(t)
	ro := true
	if err := reg.Register("reads", &registry.Catalog{Tools: []*registry.Tool{{Name: "look", Description: "a read",
		InputSchema: json.RawMessage(`{"type":"object"}`), Annotations: registry.Annotations{ReadOnly: &ro}}}}); err != nil {
		t.Fatal(err)
	}
	if withPresets {
		if err := reg.Register("presets", &registry.Catalog{Tools: []*registry.Tool{{Name: BatchTool, Description: "batch",
			InputSchema: json.RawMessage(`{"type":"object"}`)}}}); err != nil {
			t.Fatal(err)
		}
	}
	d := dispatch.New(dispatch.Options{Registry: reg, Invoker: inv})
	h := Handler(Options{Registry: reg, Dispatcher: d, MaxBatch: 3})
	caller := dispatch.Caller{Subject: "key:test", OrganizationID: "org-1", Scopes: []string{"*"}, Transport: "rest"}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := dispatch.WithCorrelationID(dispatch.WithCaller(r.Context(), caller), "corr-test")
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

func TestAllOrNothing(t *testing.T) {
	const two = `{"mode":"all_or_nothing","tools":[{"tool":"echo","arguments":{"name":"a"}},{"tool":"look"}]}`
	for _, tt := range []struct {
		name     string
		presets  bool
		body     string
		answer   string
		status   int
		code     string
		statuses []string
		sent     string // the batch handed to execute_batch; "" none
	}{
		{name: "no presets plugin: refused, never run as a plain batch", body: two, status: 400, code: "all_or_nothing_unavailable"},
		{name: "an unknown mode", presets: true, body: `{"mode":"atomicish","tools":[{"tool":"echo"}]}`, status: 400, code: "invalid_arguments"},
		{name: "dry_run without the mode", presets: true, body: `{"dry_run":true,"tools":[{"tool":"echo"}]}`, status: 400, code: "invalid_arguments"},
		{name: "every item checked first: nothing runs", presets: true,
			body:   `{"mode":"all_or_nothing","tools":[{"tool":"echo","arguments":{"name":5}},{"tool":"look"},{"tool":"nope"}]}`,
			status: 400, code: "invalid_arguments", statuses: []string{"failed", "not_run", "failed"}},
		{name: "a plugin down is a refusal before anything runs", presets: true,
			body:   `{"mode":"all_or_nothing","tools":[{"tool":"look"},{"tool":"sleepy"}]}`,
			status: 503, code: "plugin_unavailable", statuses: []string{"not_run", "failed"}},
		{name: "all done", presets: true, body: two, status: 200, statuses: []string{"done", "done"},
			answer: `{"run_id":"run_1","status":"succeeded","items":[{"index":0,"tool":"echo","status":"done","output":{"record":{"id":"x"}}},{"index":1,"tool":"look","status":"done"}],"next":"done"}`,
			sent:   `{"dry_run":false,"items":[{"arguments":{"name":"a"},"tool":"echo"},{"arguments":{},"read_only":true,"tool":"look"}]}`},
		{name: "failed and undone: the failing item's error", presets: true, body: two, status: 409, code: "contact_archived", statuses: []string{"compensated", "failed"},
			answer: `{"run_id":"run_2","status":"failed","items":[{"index":0,"tool":"echo","status":"compensated"},{"index":1,"tool":"look","status":"failed","error":{"code":"contact_archived","category":"conflict","message":"archived"}}],"error":{"code":"contact_archived","category":"conflict","message":"archived"},"next":"undone"}`,
			sent:   `{"dry_run":false,"items":[{"arguments":{"name":"a"},"tool":"echo"},{"arguments":{},"read_only":true,"tool":"look"}]}`},
		{name: "an unknown outcome is never a clean failure", presets: true, body: two, status: 503, code: "write_outcome_unknown", statuses: []string{"outcome_unknown", "not_run"},
			answer: `{"run_id":"run_3","status":"outcome_unknown","items":[{"index":0,"tool":"echo","status":"outcome_unknown","error":{"code":"write_outcome_unknown","category":"upstream_unavailable","message":"?"}},{"index":1,"tool":"look","status":"not_run"}],"next":"check"}`,
			sent:   `{"dry_run":false,"items":[{"arguments":{"name":"a"},"tool":"echo"},{"arguments":{},"read_only":true,"tool":"look"}]}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			inv := &batchInvoker{answer: tt.answer}
			status, body := testkit.Do(t, aonHandler(t, inv, tt.presets), http.MethodPost, "/api/v1/tools/batch", tt.body)
			if status != tt.status {
				t.Errorf("status %d, want %d: %v", status, tt.status, body)
			}
			code := ""
			if e, ok := body["error"].(map[string]any); ok {
				code, _ = e["code"].(string)
			}
			if code != tt.code {
				t.Errorf("code %q, want %q: %v", code, tt.code, body["error"])
			}
			var statuses []string
			if data, ok := body["data"].(map[string]any); ok {
				for _, r := range data["results"].([]any) {
					statuses = append(statuses, r.(map[string]any)["status"].(string))
				}
			}
			if diff := cmp.Diff(tt.statuses, statuses); diff != "" {
				t.Errorf("item statuses (-want +got):\n%s", diff)
			}
			sent := ""
			if len(inv.got) == 1 {
				sent = inv.got[0]
			}
			if len(inv.got) > 1 {
				t.Errorf("execute_batch called %d times", len(inv.got))
			}
			if diff := cmp.Diff(tt.sent, sent); diff != "" {
				t.Errorf("batch sent (-want +got):\n%s", diff)
			}
		})
	}
}
