package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
	"github.com/google/go-cmp/cmp"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// Tenancy, scopes and credentials at rest, end to end: a standalone
// sandbox with two organizations, each reached with its own company token
// (the sandbox's tokens reach one organization each, as Billy's do): A's
// from the configuration (BILLY_API_KEY, BILLY_ORGANIZATION_ID), B's from
// the store, encrypted under a key file (billy-mcp organizations add).
// Principals come from API keys: a firm's key for both organizations, a
// key for A alone, and a read-only key for both.

type sandboxOrg struct{ ID, Token string }

func sandboxOrgs(t *testing.T) (addr string, orgs []sandboxOrg) {
	t.Helper()
	addr = freeAddr(t)
	sb := exec.Command(filepath.Join(binDir, "billy-mcp"), "sandbox", "--seed", "19")
	sb.Env = append(baseEnv(), "BILLY_SANDBOX_ADDR="+addr, "BILLY_SANDBOX_TOKEN=tenancy-user-token-unused")
	var stderr testkit.SyncBuffer
	sb.Stderr = &stderr
	if err := sb.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Process.Signal(os.Interrupt); _ = sb.Wait() })
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get("http://" + addr + "/_sandbox/organizations")
		if err != nil {
			continue
		}
		var body struct {
			Organizations []struct {
				ID          string `json:"id"`
				AccessToken string `json:"accessToken"`
			} `json:"organizations"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		for _, o := range body.Organizations {
			orgs = append(orgs, sandboxOrg{o.ID, o.AccessToken})
		}
		if len(orgs) >= 2 {
			return addr, orgs[:2]
		}
	}
	t.Fatalf("the sandbox did not list two organizations:\n%s", stderr.String())
	return "", nil
}

// billyCLI runs a billy-mcp command with the test's config.
func billyCLI(t *testing.T, cfg, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "billy-mcp"), append(args, "--config", cfg)...)
	cmd.Env = baseEnv()
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("billy-mcp %v: %v\n%s", args, err, out)
	}
	return string(out)
}

type tenancyEnv struct {
	h                       *hostProc
	cfg                     string
	env                     []string
	a, b                    sandboxOrg
	firm, solo, reader, acc testKey
	keysFile                string
}

func startTenancy(t *testing.T) *tenancyEnv {
	t.Helper()
	addr, orgs := sandboxOrgs(t)
	e := &tenancyEnv{a: orgs[0], b: orgs[1], firm: newTestKey(t), solo: newTestKey(t), reader: newTestKey(t), acc: newTestKey(t)}
	e.keysFile = filepath.Join(t.TempDir(), "credential-keys")
	yaml := fmt.Sprintf(`plugins:
  invoices: {path: billy-mcp-plugin-invoices}
writes: {mode: direct}
credentials: {keys_file: %s}
auth:
  keys:
    - {principal: firm, sha256: %s, organizations: [%s, %s], roles: [bookkeeper]}
    - {principal: solo, sha256: %s, organizations: [%s], roles: [bookkeeper]}
    - {principal: reader, sha256: %s, organizations: [%s, %s], roles: [read-only]}
  principal_rate_per_second: 0
  organization_rate_per_second: 0
`, e.keysFile, e.firm.hash, e.a.ID, e.b.ID, e.solo.hash, e.a.ID, e.reader.hash, e.a.ID, e.b.ID)
	e.cfg = writeConfig(t, yaml)
	e.env = []string{"BILLY_API_BASE=http://" + addr + "/v2", "BILLY_API_KEY=" + e.a.Token, "BILLY_ORGANIZATION_ID=" + e.a.ID}
	// The CLI reads the same config; the key file starts with one key.
	billyCLI(t, e.cfg, "", "keys", "rotate")
	billyCLI(t, e.cfg, e.b.Token+"\n", "organizations", "add", e.b.ID, "--name", "B")
	e.h = startHostAt(t, e.cfg, e.env...)
	e.h.waitReady(20 * time.Second)
	return e
}

// startHostAt is startHost with a config file of the test's own (which
// billy-mcp commands share with the host).
func startHostAt(t *testing.T, cfg string, env ...string) *hostProc {
	t.Helper()
	h := &hostProc{t: t, addr: freeAddr(t), cfg: cfg, stderr: &testkit.SyncBuffer{}, done: make(chan error, 1)}
	h.cmd = exec.Command(filepath.Join(binDir, "billy-mcp"), "serve", "--config", h.cfg)
	h.cmd.Env = append(append(baseEnv(), "BILLY_MCP_HTTP_ADDR="+h.addr), env...)
	h.cmd.Stderr = h.stderr
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { h.done <- h.cmd.Wait() }()
	t.Cleanup(func() {
		h.stop()
		if t.Failed() {
			t.Logf("host stderr:\n%s", h.stderr.String())
		}
	})
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		select {
		case err := <-h.done:
			t.Fatalf("host exited during start: %v\n%s", err, h.stderr.String())
		default:
		}
		if resp, err := http.Get(h.url("/health/live")); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return h
			}
		}
	}
	t.Fatalf("host did not come up:\n%s", h.stderr.String())
	return nil
}

func (e *tenancyEnv) call(who testKey, tool string, args map[string]any) (int, map[string]any) {
	return e.h.post("/api/v1/tools/"+tool, args, "Authorization", "Bearer "+who.key)
}

// ids lists the invoices who sees with args.
func (e *tenancyEnv) ids(t *testing.T, who testKey, args map[string]any) map[string]bool {
	t.Helper()
	status, env := e.call(who, "list_invoices", args)
	if status != 200 || env["success"] != true {
		t.Fatalf("list_invoices: %d %v", status, env)
	}
	data, _ := env["data"].(map[string]any)
	ids := map[string]bool{}
	for _, inv := range data["invoices"].([]any) {
		ids[inv.(map[string]any)["id"].(string)] = true
	}
	return ids
}

func envCode(env map[string]any) string {
	e, _ := env["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func TestTenancyEndToEnd(t *testing.T) {
	e := startTenancy(t)
	list := map[string]any{"limit": 25}
	withOrg := func(org string) map[string]any { return map[string]any{"limit": 25, "organization": org} }

	// The firm's key reads both organizations, each through its own token.
	inA := e.ids(t, e.firm, withOrg(e.a.ID))
	inB := e.ids(t, e.firm, withOrg(e.b.ID))
	if len(inA) == 0 || len(inB) == 0 {
		t.Fatalf("the organizations have no invoices: %d, %d", len(inA), len(inB))
	}
	var bInvoice string
	for id := range inB {
		if inA[id] {
			t.Errorf("invoice %s is listed in both organizations", id)
		}
		bInvoice = id
	}
	// Read B's invoice as the firm: now it is in the host's cache.
	if st, env := e.call(e.firm, "get_invoice", map[string]any{"invoiceId": bInvoice, "organization": e.b.ID}); st != 200 || env["success"] != true {
		t.Fatalf("get_invoice in B: %d %v", st, env)
	}

	tests := []struct {
		name   string
		who    testKey
		tool   string
		args   map[string]any
		status int
		code   string
	}{
		{"several organizations, none named", e.firm, "list_invoices", list, 400, "invalid_arguments"},
		{"a membership it lacks", e.solo, "list_invoices", withOrg(e.b.ID), 404, "organization_not_found"},
		{"an organization nobody serves", e.firm, "list_invoices", withOrg("no-such-org"), 404, "organization_not_found"},
		{"another organization's invoice by ID (cached for B)", e.solo, "get_invoice", map[string]any{"invoiceId": bInvoice}, 404, ""},
		{"another organization's invoice by ID, in A", e.firm, "get_invoice", map[string]any{"invoiceId": bInvoice, "organization": e.a.ID}, 404, ""},
		{"read-only writes", e.reader, "create_customer", map[string]any{"name": "Nope ApS", "organization": e.a.ID}, 403, "missing_scope"},
	}
	for _, tt := range tests {
		st, env := e.call(tt.who, tt.tool, tt.args)
		if st != tt.status || tt.code != "" && envCode(env) != tt.code {
			t.Errorf("%s: %d %s, want %d %s (%v)", tt.name, st, envCode(env), tt.status, tt.code, env)
		}
		if b, _ := json.Marshal(env); strings.Contains(string(b), e.b.Token) || strings.Contains(string(b), e.a.Token) {
			t.Errorf("%s: the answer shows a Billy token", tt.name)
		}
	}
	// solo's own organization is A, named or not.
	if got := e.ids(t, e.solo, list); len(got) != len(inA) {
		t.Errorf("solo sees %d invoices, A has %d", len(got), len(inA))
	}

	// Listings: each caller is shown what it may call, the organization
	// argument to those of several organizations.
	listing := func(who testKey) map[string]string {
		req, _ := http.NewRequest("GET", e.h.url("/api/v1/tools"), nil)
		req.Header.Set("Authorization", "Bearer "+who.key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct {
			Data struct {
				Tools []struct {
					Name        string          `json:"name"`
					InputSchema json.RawMessage `json:"inputSchema"`
				} `json:"tools"`
			} `json:"data"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&body)
		out := map[string]string{}
		for _, tl := range body.Data.Tools {
			out[tl.Name] = fmt.Sprint(strings.Contains(string(tl.InputSchema), `"organization"`))
		}
		return out
	}
	firm, solo, reader := listing(e.firm), listing(e.solo), listing(e.reader)
	for _, c := range []struct {
		name, tool string
		got        map[string]string
		want       string
	}{
		{"firm lists list_invoices with organization", "list_invoices", firm, "true"},
		{"firm lists create_invoice", "create_invoice", firm, "true"},
		{"firm (bookkeeper) does not list approve_invoice", "approve_invoice", firm, ""},
		{"solo lists list_invoices without organization", "list_invoices", solo, "false"},
		{"reader lists list_invoices", "list_invoices", reader, "true"},
		{"reader does not list create_customer", "create_customer", reader, ""},
	} {
		if c.got[c.tool] != c.want {
			t.Errorf("%s: got %q", c.name, c.got[c.tool])
		}
	}
	// The same over MCP: tools/list per caller, and a call naming the
	// organization.
	mcpListing := func(who testKey) map[string]string {
		c := e.h.mcpHTTP(transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + who.key}))
		res, err := c.ListTools(context.Background(), mcp.ListToolsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, tl := range res.Tools {
			b, _ := json.Marshal(tl.InputSchema)
			if len(tl.RawInputSchema) > 0 {
				b = tl.RawInputSchema
			}
			out[tl.Name] = fmt.Sprint(strings.Contains(string(b), `"organization"`))
		}
		return out
	}
	if diff := cmp.Diff(firm, mcpListing(e.firm)); diff != "" {
		t.Errorf("the firm's MCP tools/list differs from its REST listing (-rest +mcp):\n%s", diff)
	}
	if diff := cmp.Diff(reader, mcpListing(e.reader)); diff != "" {
		t.Errorf("the reader's MCP tools/list differs from its REST listing (-rest +mcp):\n%s", diff)
	}
	c := e.h.mcpHTTP(transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + e.solo.key}))
	res := callTool(t, c, "list_invoices", map[string]any{"limit": 5, "organization": e.b.ID})
	if !res.IsError {
		t.Error("solo read B over MCP")
	}
	if strings.Contains(e.h.stderr.String(), e.b.Token) || strings.Contains(e.h.stderr.String(), e.a.Token) {
		t.Error("the host's log shows a Billy token")
	}
}

// TestKeyRotationUnderLoad: clients read both organizations while
// `billy-mcp keys rotate` adds a key and re-encrypts B's token under it;
// not one call fails, a host started after the rotation reads B with the
// rotated file, and the old key encrypts nothing.
func TestKeyRotationUnderLoad(t *testing.T) {
	e := startTenancy(t)
	var (
		calls, failed atomic.Int64
		stop          atomic.Bool
		wg            sync.WaitGroup
		mu            sync.Mutex
		failures      []string
	)
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				org := e.a.ID
				if (i+w)%2 == 0 {
					org = e.b.ID
				}
				st, env := e.call(e.firm, "list_invoices", map[string]any{"limit": 5, "organization": org})
				calls.Add(1)
				if st != 200 || env["success"] != true {
					failed.Add(1)
					mu.Lock()
					failures = append(failures, fmt.Sprintf("%s: %d %v", org, st, env["error"]))
					mu.Unlock()
				}
			}
		}()
	}
	for calls.Load() < 20 {
		time.Sleep(10 * time.Millisecond)
	}
	out := billyCLI(t, e.cfg, "", "keys", "rotate")
	if !strings.Contains(out, "added key 2") || !strings.Contains(out, "key 2: 1") {
		t.Errorf("keys rotate said:\n%s", out)
	}
	// A host started now reads the rotated file (key 2 first).
	h2 := startHostAt(t, e.cfg, e.env...)
	h2.waitReady(20 * time.Second)
	before := calls.Load()
	for calls.Load() < before+20 {
		time.Sleep(10 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	if st, env := h2.post("/api/v1/tools/list_invoices", map[string]any{"limit": 1, "organization": e.b.ID}, "Authorization", "Bearer "+e.firm.key); st != 200 || env["success"] != true {
		t.Errorf("a host started after the rotation cannot read B: %d %v", st, env)
	}
	if status := billyCLI(t, e.cfg, "", "keys", "status"); !strings.Contains(status, "key 1 encrypts nothing") {
		t.Errorf("keys status:\n%s", status)
	}
	mu.Lock()
	defer mu.Unlock()
	if failed.Load() > 0 {
		t.Errorf("%d of %d calls failed during the rotation: %v", failed.Load(), calls.Load(), failures)
	}
	t.Logf("%d calls during the rotation, %d failed", calls.Load(), failed.Load())
}
