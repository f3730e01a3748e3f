package e2e

import (
	"bufio"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
)

// The official TypeScript SDK's OAuth client (OAuthClientProvider with
// StreamableHTTPClientTransport, clients/oauth-provider.mjs) against the
// host's own authorization server, once registering dynamically and once
// with a client ID metadata document (its client_id an https URL the host
// fetches). The script is the application and its user's browser; the test
// checks what it saw and what the host did: the clients and refresh tokens
// in the store, the document fetches, the audit records of the calls.

// providerHost starts a host with its authorization server on (anna, read
// only), the audit log at auditPath, and fetching client metadata
// documents from loopback (the test's document server) trusting caFile.
func providerHost(t *testing.T, auditPath, caFile string) *hostProc {
	t.Helper()
	addr := freeAddr(t)
	hash, err := bcrypt.GenerateFromPassword([]byte("anna-password"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	h := startHostOn(t, addr, fmt.Sprintf(`plugins:
  hello: {path: billy-mcp-plugin-hello}
audit: {path: %s}
auth:
  oauth: {audience: "http://%s/mcp"}
  server:
    enabled: true
    client_metadata: {allow_private_addresses: true}
    users:
      - {name: anna, password_bcrypt: "%s", roles: [read-only]}
`, auditPath, addr, hash), "SSL_CERT_FILE="+caFile)
	h.waitReady(20 * time.Second)
	return h
}

// providerRun is what clients/oauth-provider.mjs prints.
type providerRun struct {
	Authorization      map[string]string `json:"authorization"`
	ClientID           string            `json:"clientId"`
	ConsentNamesClient bool              `json:"consentNamesClient"`
	Callback           struct {
		Iss   string `json:"iss"`
		State bool   `json:"state"`
		Code  bool   `json:"code"`
	} `json:"callback"`
	TokenType    string   `json:"tokenType"`
	RefreshToken bool     `json:"refreshToken"`
	Tools        []string `json:"tools"`
	Call         struct {
		IsError bool   `json:"isError"`
		Text    string `json:"text"`
	} `json:"call"`
	Refresh          string `json:"refresh"`
	Refreshed        bool   `json:"refreshed"`
	CallAfterRefresh struct {
		IsError bool   `json:"isError"`
		Text    string `json:"text"`
	} `json:"callAfterRefresh"`
	Error string `json:"error"`
}

func runProvider(t *testing.T, h *hostProc, metadataURL, redirect string) providerRun {
	t.Helper()
	tools, err := nodeTools()
	if err != nil {
		t.Fatal(err)
	}
	spec, _ := json.Marshal(map[string]any{"nodeModules": nodeModules(tools), "url": h.url("/mcp"), "redirect": redirect,
		"clientMetadataUrl": metadataURL, "user": "anna", "password": "anna-password", "scope": "billy:read",
		"tool": "hello_organization"})
	cmd := exec.Command(nodeBin(tools), filepath.Join("clients", "oauth-provider.mjs"), string(spec))
	cmd.Env = nodeEnv(tools)
	var stdout, stderr testkit.SyncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(90 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("oauth-provider.mjs did not finish\nstdout: %s\nstderr: %s", stdout.String(), stderr.String())
	}
	var run providerRun
	if jerr := json.Unmarshal([]byte(stdout.String()), &run); jerr != nil || err != nil || run.Error != "" {
		t.Fatalf("oauth-provider.mjs: %v %v %s\nstdout: %s\nstderr: %s", err, jerr, run.Error, stdout.String(), stderr.String())
	}
	return run
}

// checkRun checks what the script saw, the same in both cases but the
// client ID: a 401, PKCE with S256 and the resource indicator, the user's
// consent page naming the client, the code back with iss and state, a
// bearer token with a refresh token, anna's read-only tools, a call, a
// refresh through the SDK and a call with the new token.
func checkRun(t *testing.T, h *hostProc, run providerRun) {
	t.Helper()
	a := run.Authorization
	if a["code_challenge_method"] != "S256" || a["code_challenge"] == "" || a["resource"] != h.url("/mcp") || a["client_id"] != run.ClientID {
		t.Errorf("the SDK's authorization request: %v (client %s)", a, run.ClientID)
	}
	if !run.ConsentNamesClient {
		t.Error("the consent page does not name the client (e2e oauth-provider)")
	}
	if run.Callback.Iss != h.url("") || !run.Callback.State || !run.Callback.Code {
		t.Errorf("the redirect back: %+v", run.Callback)
	}
	if !strings.EqualFold(run.TokenType, "bearer") || !run.RefreshToken {
		t.Errorf("tokens: type %q, refresh token %v", run.TokenType, run.RefreshToken)
	}
	// anna consented to billy:read only: hello_organization, not
	// hello_greet (which needs the plugin's own hello:read).
	if !slices.Contains(run.Tools, "hello_organization") || slices.Contains(run.Tools, "hello_greet") {
		t.Errorf("tools/list: %v", run.Tools)
	}
	if run.Call.IsError || !strings.Contains(run.Call.Text, "Mette") {
		t.Errorf("hello_organization: %+v", run.Call)
	}
	if run.Refresh != "AUTHORIZED" || !run.Refreshed {
		t.Errorf("the refresh: auth() said %q, new tokens %v", run.Refresh, run.Refreshed)
	}
	if run.CallAfterRefresh.IsError || !strings.Contains(run.CallAfterRefresh.Text, "Mette") {
		t.Errorf("hello_organization after the refresh: %+v", run.CallAfterRefresh)
	}
}

// oauthRows is the authorization server's state in the host's SQLite
// store: kind → the rows' data.
func oauthRows(t *testing.T, h *hostProc) map[string][]map[string]any {
	t.Helper()
	db := openRaw(t, "sqlite", filepath.Join(filepath.Dir(h.cfg), "state", "store.db")+"?_pragma=busy_timeout(5000)")
	rows, err := db.Query(`SELECT kind, data FROM oauth_state`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]map[string]any{}
	for rows.Next() {
		var kind, data string
		if err := rows.Scan(&kind, &data); err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		_ = json.Unmarshal([]byte(data), &m)
		out[kind] = append(out[kind], m)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// auditedCalls are the audit records of a tool's calls: subject and
// outcome.
func auditedCalls(t *testing.T, path, tool string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 8<<20)
	for sc.Scan() {
		var rec struct{ Name, Subject, Outcome string }
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Name == tool {
			out = append(out, rec.Subject+" "+rec.Outcome)
		}
	}
	return out
}

func TestOAuthProviderTypeScriptSDK(t *testing.T) {
	// The document server: TLS with a certificate the host trusts through
	// SSL_CERT_FILE, on loopback (hence allow_private_addresses).
	var fetches atomic.Int64
	// The document is set by a subtest and served by the server's own
	// goroutines: an atomic pointer, so the race detector sees the order.
	var doc atomic.Pointer[[]byte]
	ds := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/oauth/client.json" {
			http.NotFound(w, r)
			return
		}
		fetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		if d := doc.Load(); d != nil {
			_, _ = w.Write(*d)
		}
	}))
	t.Cleanup(ds.Close)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ds.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("registration", func(t *testing.T) {
		auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
		h := providerHost(t, auditPath, caFile)
		redirect := "http://" + freeAddr(t) + "/callback"
		run := runProvider(t, h, "", redirect)
		checkRun(t, h, run)
		if !strings.HasPrefix(run.ClientID, "bmcpc_") {
			t.Errorf("the SDK's client ID %q is not one the host registered", run.ClientID)
		}
		// The host registered the client the SDK described, and holds one
		// refresh token for it: the first was taken by the refresh.
		rows := oauthRows(t, h)
		var clients []string
		for _, c := range rows["client"] {
			clients = append(clients, fmt.Sprint(c["client_id"], " ", c["client_name"], " ", c["token_endpoint_auth_method"], " ", c["redirect_uris"]))
		}
		if want := []string{run.ClientID + " e2e oauth-provider none [" + redirect + "]"}; !slices.Equal(clients, want) {
			t.Errorf("registered clients: %q, want %q", clients, want)
		}
		checkRefreshRows(t, rows, run.ClientID)
		if fetches.Load() != 0 {
			t.Errorf("the host fetched a metadata document for a registered client")
		}
		h.stop()
		if got := auditedCalls(t, auditPath, "hello_organization"); !slices.Equal(got, []string{"anna ok", "anna ok"}) {
			t.Errorf("audited hello_organization calls: %q", got)
		}
	})

	t.Run("metadata document", func(t *testing.T) {
		auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
		h := providerHost(t, auditPath, caFile)
		redirect := "http://" + freeAddr(t) + "/callback"
		id := ds.URL + "/oauth/client.json"
		body, _ := json.Marshal(map[string]any{"client_id": id, "client_name": "e2e oauth-provider", "redirect_uris": []string{redirect},
			"grant_types": []string{"authorization_code", "refresh_token"}, "response_types": []string{"code"},
			"token_endpoint_auth_method": "none"})
		doc.Store(&body)
		run := runProvider(t, h, id, redirect)
		checkRun(t, h, run)
		if run.ClientID != id {
			t.Errorf("the SDK used client ID %q, not its metadata URL %s", run.ClientID, id)
		}
		// Nothing registered; the document fetched once for the
		// authorization, the code and the refresh (max-age=3600).
		rows := oauthRows(t, h)
		if len(rows["client"]) != 0 {
			t.Errorf("clients registered: %v", rows["client"])
		}
		checkRefreshRows(t, rows, id)
		if n := fetches.Load(); n != 1 {
			t.Errorf("the document was fetched %d times, want 1", n)
		}
		if !strings.Contains(h.stderr.String(), `"client metadata document fetched"`) {
			t.Error("the host's log has no document fetch")
		}
		h.stop()
		if got := auditedCalls(t, auditPath, "hello_organization"); !slices.Equal(got, []string{"anna ok", "anna ok"}) {
			t.Errorf("audited hello_organization calls: %q", got)
		}
	})
}

// checkRefreshRows: one refresh token left (rotation took the first), the
// client's and anna's, with offline_access added by the server (the SDK
// asks for billy:read only).
func checkRefreshRows(t *testing.T, rows map[string][]map[string]any, clientID string) {
	t.Helper()
	var got []string
	for _, r := range rows["refresh"] {
		got = append(got, fmt.Sprint(r["client_id"], " ", r["subject"], " ", r["scopes"]))
	}
	if want := []string{clientID + " anna [billy:read offline_access]"}; !slices.Equal(got, want) {
		t.Errorf("refresh tokens in the store: %q, want %q", got, want)
	}
}
