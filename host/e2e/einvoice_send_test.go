package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/sandbox"
)

// TestEinvoiceSend (issue 14, item 4): an approved invoice to a public
// buyer (a customer with a valid GLN, the invoice with an order number)
// goes through the real host and the integrations plugin to the sandbox's
// POST /invoiceDeliveries after a confirmation; the invoice log then says
// received, which einvoice_status reports; a second send is refused by the
// preflight (delivered already) and sends nothing.
func TestEinvoiceSend(t *testing.T) {
	org, base := serveSandbox(t, "e2e-einvoice", sandbox.BusinessService)
	api := sandboxAPI{t: t, base: base, token: org.AccessToken}
	id := api.publicBuyerInvoice(org.ID)

	h := startHost(t, "plugins:\n  invoices: {path: billy-mcp-plugin-invoices}\n  integrations: {path: billy-mcp-plugin-integrations}\n",
		append(sandboxEnv(org, base), "BILLY_MCP_WRITES=confirm")...)
	h.waitReady(20 * time.Second)
	c := h.mcpHTTP()
	initialize(t, c)

	args := map[string]any{"invoice_id": id}
	var pre map[string]any
	decode(t, structured(t, callTool(t, c, "send_einvoice", args)), &pre)
	if pre["status"] != "confirmation_required" || pre["gln"] != "5798000000001" || pre["order_reference"] != "PO-4711" {
		t.Fatalf("preview: %v", pre)
	}
	if logs := api.do("GET", "/invoiceLogs?invoiceId="+id, nil)["invoiceLogs"].([]any); len(logs) != 0 {
		t.Fatalf("the preview sent something: %v", logs)
	}
	args["confirmation_token"] = pre["confirmation_token"]
	var done struct {
		Status     string
		DeliveryID string `json:"delivery_id"`
		Delivery   struct{ State string }
	}
	decode(t, structured(t, callTool(t, c, "send_einvoice", args)), &done)
	if done.Status != "done" || done.DeliveryID == "" || done.Delivery.State != "received" {
		t.Fatalf("send: %+v", done)
	}
	d := api.first(api.do("GET", "/invoiceDeliveries?invoiceId="+id, nil), "invoiceDeliveries")
	if d["receiverGln"] != "5798000000001" || d["orderReference"] != "PO-4711" || d["receiverIdType"] != "gln" {
		t.Errorf("the delivery in Billy: %v", d)
	}
	var st struct {
		State  string
		Events []struct{ Type string }
	}
	decode(t, structured(t, callTool(t, c, "einvoice_status", map[string]any{"invoice_id": id})), &st)
	if st.State != "received" || len(st.Events) != 1 {
		t.Errorf("status: %+v", st)
	}
	delete(args, "confirmation_token")
	e := toolError(t, callTool(t, c, "send_einvoice", args))
	if e["code"] != "einvoice_not_ready" || !strings.Contains(fmt.Sprint(e["message"]), "not_sent_before") {
		t.Errorf("second send: %v", e)
	}
	if ds := api.do("GET", "/invoiceDeliveries?invoiceId="+id, nil)["invoiceDeliveries"].([]any); len(ds) != 1 {
		t.Errorf("deliveries after the refused second send: %d", len(ds))
	}
}

// sandboxAPI calls a sandbox organization's Billy API directly: to set up
// what a test sends and to read back what a tool wrote.
type sandboxAPI struct {
	t           *testing.T
	base, token string
}

func (s sandboxAPI) do(method, path string, body any) map[string]any {
	s.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, s.base+path, bytes.NewReader(b))
	req.Header.Set("X-Access-Token", s.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		s.t.Fatalf("%s %s: %d %v %v", method, path, resp.StatusCode, out, err)
	}
	return out
}

// first is the first record under root of an answer.
func (s sandboxAPI) first(m map[string]any, root string) map[string]any {
	s.t.Helper()
	l, _ := m[root].([]any)
	if len(l) == 0 {
		s.t.Fatalf("no %s in %v", root, m)
	}
	return l[0].(map[string]any)
}

// publicBuyerInvoice makes what the e-invoice tests send: the
// organization's CVR, a public buyer with a valid GLN and an address, and
// an approved invoice to it with an order number. It returns the
// invoice's id.
func (s sandboxAPI) publicBuyerInvoice(orgID string) string {
	s.t.Helper()
	if o := s.do("GET", "/organization", nil)["organization"].(map[string]any); o["registrationNo"] == nil || o["registrationNo"] == "" {
		s.do("PUT", "/organizations/"+orgID, map[string]any{"organization": map[string]any{"registrationNo": "12345678"}})
	}
	contact := s.first(s.do("POST", "/contacts", map[string]any{"contact": map[string]any{"type": "company", "name": "Region Test", "countryId": "DK",
		"street": "Skottenborg 26", "zipcodeText": "8800", "cityText": "Viborg", "ean": "5798000000001", "isCustomer": true}}), "contacts")
	product := s.first(s.do("GET", "/products?isArchived=false", nil), "products")
	inv := s.first(s.do("POST", "/invoices", map[string]any{"invoice": map[string]any{"contactId": contact["id"], "entryDate": "2026-11-20", "state": "approved",
		"orderNo": "PO-4711", "lines": []any{map[string]any{"productId": product["id"], "quantity": 2, "unitPrice": 950}}}}), "invoices")
	return fmt.Sprint(inv["id"])
}
