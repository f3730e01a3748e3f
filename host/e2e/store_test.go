package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
)

// The durable store across instances: two hosts of one deployment, sharing
// one Billy (a standalone sandbox) and one store, with writes under the
// confirm policy. A token previewed on one instance confirms the write on
// the other, once: used again anywhere it is refused as used.

// standaloneSandbox starts `billy-mcp sandbox` and returns the environment
// that points a host at it, as at Billy.
func standaloneSandbox(t *testing.T) []string {
	t.Helper()
	addr := freeAddr(t)
	const token = "store-test-sandbox-token"
	sb := exec.Command(filepath.Join(binDir, "billy-mcp"), "sandbox", "--seed", "11")
	sb.Env = append(baseEnv(), "BILLY_SANDBOX_ADDR="+addr, "BILLY_SANDBOX_TOKEN="+token)
	var stderr testkit.SyncBuffer
	sb.Stderr = &stderr
	if err := sb.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Process.Signal(os.Interrupt); _ = sb.Wait() })
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + addr + "/_sandbox/organizations"); err == nil {
			var body struct {
				Organizations []struct {
					ID string `json:"id"`
				} `json:"organizations"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			if len(body.Organizations) > 0 {
				return []string{"BILLY_API_BASE=http://" + addr + "/v2", "BILLY_API_KEY=" + token,
					"BILLY_ORGANIZATION_ID=" + body.Organizations[0].ID, "BILLY_MCP_WRITES=confirm"}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the sandbox did not list organizations:\n%s", stderr.String())
	return nil
}

const invoicesOnly = "plugins:\n  invoices: {path: billy-mcp-plugin-invoices}\n"

// draftInvoice creates a customer, a product and a draft invoice (additive
// writes, which run at once under confirm) and returns the invoice's ID.
func draftInvoice(s *scenario) any {
	s.t.Helper()
	customer := s.done("create_customer", map[string]any{"name": "Lund Tømrer ApS", "email": "faktura@lundtomrer.dk"})["record"].(map[string]any)
	product := s.done("create_product", map[string]any{"name": "Tømrertime", "prices": []map[string]any{{"unitPrice": 650, "currencyId": "DKK"}}})["record"].(map[string]any)
	draft := s.done("create_invoice", map[string]any{"contactId": customer["id"],
		"lines": []map[string]any{{"productId": product["id"], "quantity": 4}}})["record"].(map[string]any)
	if draft["state"] != "draft" {
		s.t.Fatalf("not a draft: %v", draft)
	}
	return draft["id"]
}

func TestConfirmationTokenAcrossInstances(t *testing.T) {
	billy := standaloneSandbox(t)
	backends := []struct {
		name string
		// env returns each instance's environment for one store.
		env func(t *testing.T) (a, b []string)
	}{
		{"sqlite", func(t *testing.T) ([]string, []string) {
			// One data_dir: one store.db, one signing key.
			shared := "BILLY_MCP_DATA_DIR=" + filepath.Join(t.TempDir(), "state")
			return []string{shared}, []string{shared}
		}},
		{"postgres", func(t *testing.T) ([]string, []string) {
			// Each instance its own data_dir, as on two machines: the
			// database and the signing key are what they share.
			common := []string{"BILLY_MCP_DATABASE_URL=" + testkit.PostgresURL(t),
				"BILLY_MCP_SIGNING_KEY=the deployment's signing key, 32+ chars"}
			return common, common
		}},
	}
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			envA, envB := be.env(t)
			a := startHost(t, invoicesOnly, append(append([]string{}, billy...), envA...)...)
			b := startHost(t, invoicesOnly, append(append([]string{}, billy...), envB...)...)
			a.waitReady(15 * time.Second)
			b.waitReady(15 * time.Second)
			onA, onB := &scenario{t: t, c: a.mcpHTTP()}, &scenario{t: t, c: b.mcpHTTP()}

			id := draftInvoice(onA)
			preview := onA.ok("approve_invoice", map[string]any{"invoiceId": id})
			token, _ := preview["confirmation_token"].(string)
			if preview["status"] != "confirmation_required" || token == "" {
				t.Fatalf("approve on A without a token must preview: %v", preview)
			}
			approved := onB.done("approve_invoice", map[string]any{"invoiceId": id, "confirmation_token": token})["record"].(map[string]any)
			if approved["state"] != "approved" {
				t.Fatalf("approved on B: %v", approved)
			}
			for name, s := range map[string]*scenario{"A": onA, "B": onB} {
				if e := s.fails("approve_invoice", map[string]any{"invoiceId": id, "confirmation_token": token}); e["code"] != "confirmation_token_used" {
					t.Errorf("the token used on B, again on %s: %v, want confirmation_token_used", name, e)
				}
			}
			for name, h := range map[string]*hostProc{"A": a, "B": b} {
				if log := h.stderr.String(); !strings.Contains(log, `"backend":"`+be.name+`"`) {
					t.Errorf("host %s did not open the %s store:\n%s", name, be.name, log)
				}
			}
		})
	}

	// A store that cannot be reached does not stop the host: reads and
	// previews work; the confirmed write is refused, retryably, and nothing
	// is written.
	t.Run("store down", func(t *testing.T) {
		h := startHost(t, invoicesOnly, append(append([]string{}, billy...),
			"BILLY_MCP_DATABASE_URL=postgres://billy:n0t-shown@127.0.0.1:1/billy?sslmode=disable")...)
		h.waitReady(15 * time.Second)
		s := &scenario{t: t, c: h.mcpHTTP()}
		id := draftInvoice(s)
		token, _ := s.ok("approve_invoice", map[string]any{"invoiceId": id})["confirmation_token"].(string)
		e := s.fails("approve_invoice", map[string]any{"invoiceId": id, "confirmation_token": token})
		if e["code"] != "store_unavailable" || e["category"] != "upstream_unavailable" || e["retryable"] != true {
			t.Errorf("a confirmed write without the store: %v, want store_unavailable (upstream_unavailable, retryable)", e)
		}
		if st := s.ok("get_invoice", map[string]any{"invoiceId": id})["state"]; st != "draft" {
			t.Errorf("the invoice is %v, want still draft", st)
		}
		log := h.stderr.String()
		if !strings.Contains(log, "store: cannot open it") {
			t.Errorf("the host log does not say the store could not be opened:\n%s", log)
		}
		if strings.Contains(log, "n0t-shown") {
			t.Error("the host log shows the database password")
		}
	})
}
