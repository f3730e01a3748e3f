package e2e

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Idempotent retries end to end: two host instances sharing one store and
// one Billy (a standalone sandbox), the real invoices plugin, a client
// retrying on the other instance, over MCP and REST.

func envValue(env []string, key string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, key+"="); ok {
			return v
		}
	}
	return ""
}

// sandboxInvoice reads an invoice straight from the sandbox, as Billy has it.
func sandboxInvoice(t *testing.T, billy []string, id any) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, envValue(billy, "BILLY_API_BASE")+"/invoices/"+id.(string), nil)
	req.Header.Set("X-Access-Token", envValue(billy, "BILLY_API_KEY"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Invoice map[string]any `json:"invoice"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Invoice == nil {
		t.Fatalf("GET invoice %v: %d, %v", id, resp.StatusCode, err)
	}
	return body.Invoice
}

func TestIdempotentRetriesAcrossInstances(t *testing.T) {
	billy := standaloneSandbox(t)
	shared := "BILLY_MCP_DATA_DIR=" + filepath.Join(t.TempDir(), "state")
	a := startHost(t, invoicesOnly, append(append([]string{}, billy...), shared)...)
	b := startHost(t, invoicesOnly, append(append([]string{}, billy...), shared)...)
	a.waitReady(15 * time.Second)
	b.waitReady(15 * time.Second)
	onA, onB := &scenario{t: t, c: a.mcpHTTP()}, &scenario{t: t, c: b.mcpHTTP()}

	customer := onA.done("create_customer", map[string]any{"name": "Holm Maler ApS", "email": "regnskab@holmmaler.dk"})["record"].(map[string]any)
	product := onA.done("create_product", map[string]any{"name": "Malertime", "prices": []map[string]any{{"unitPrice": 595, "currencyId": "DKK"}}})["record"].(map[string]any)
	args := func(quantity int, key string) map[string]any {
		return map[string]any{"contactId": customer["id"], "idempotency_key": key,
			"lines": []map[string]any{{"productId": product["id"], "quantity": quantity}}}
	}

	first := onA.done("create_invoice", args(3, "order-4711"))
	again := onB.done("create_invoice", args(3, "order-4711"))
	if diff := cmp.Diff(first["record"], again["record"]); diff != "" {
		t.Errorf("the retry on B is not the first answer (-A +B):\n%s", diff)
	}
	id := first["record"].(map[string]any)["id"]

	// REST, with the key in the header, gets the same answer and says so.
	restArgs := args(3, "")
	delete(restArgs, "idempotency_key")
	code, env := b.post("/api/v1/tools/create_invoice", restArgs, "Idempotency-Key", "order-4711")
	if code != http.StatusOK || env["replayed"] != true {
		t.Errorf("REST retry: %d %v, want 200 and replayed", code, env)
	} else if got := env["data"].(map[string]any)["record"].(map[string]any)["id"]; got != id {
		t.Errorf("REST retry answered invoice %v, want %v", got, id)
	}

	// Billy has it once, carrying the host's marker.
	list := onA.ok("list_invoices", map[string]any{"contactId": customer["id"]})
	if n := len(list["invoices"].([]any)); n != 1 {
		t.Errorf("the customer has %d invoices after three calls with one key, want 1: %v", n, list)
	}
	if m, _ := sandboxInvoice(t, billy, id)["externalId"].(string); !strings.HasPrefix(m, "bmcp-") {
		t.Errorf("the invoice's externalId is %q, want the host's marker bmcp-…", m)
	}

	// The same key with other arguments is refused, on either instance.
	for name, s := range map[string]*scenario{"A": onA, "B": onB} {
		e := s.fails("create_invoice", args(4, "order-4711"))
		if e["code"] != "idempotency_key_reused" || e["category"] != "conflict" {
			t.Errorf("other arguments on %s: %v, want idempotency_key_reused (conflict)", name, e)
		}
	}

	// The confirmation flow composes: the preview binds nothing; the
	// confirmed send is kept, so its retry (same token) answers as the
	// first instead of confirmation_token_used, and sends no second e-mail.
	approve := onA.ok("approve_invoice", map[string]any{"invoiceId": id})
	onA.done("approve_invoice", map[string]any{"invoiceId": id, "confirmation_token": approve["confirmation_token"]})
	preview := onA.ok("send_invoice", map[string]any{"invoiceId": id, "idempotency_key": "send-1"})
	token, _ := preview["confirmation_token"].(string)
	if preview["status"] != "confirmation_required" || token == "" {
		t.Fatalf("send_invoice without a token must preview: %v", preview)
	}
	sent := onB.done("send_invoice", map[string]any{"invoiceId": id, "idempotency_key": "send-1", "confirmation_token": token})
	resent := onA.done("send_invoice", map[string]any{"invoiceId": id, "idempotency_key": "send-1", "confirmation_token": token})
	if diff := cmp.Diff(sent, resent); diff != "" {
		t.Errorf("the retried send is not the first answer (-first +retry):\n%s", diff)
	}
	if e := onA.fails("send_invoice", map[string]any{"invoiceId": id, "confirmation_token": token}); e["code"] != "confirmation_token_used" {
		t.Errorf("the token without the key, again: %v, want confirmation_token_used", e)
	}
}
