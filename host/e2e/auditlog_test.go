package e2e

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
	_ "github.com/jackc/pgx/v5/stdlib" // "pgx", to tamper with PostgreSQL behind the host's back
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	_ "modernc.org/sqlite" // "sqlite", to tamper with SQLite behind the host's back
)

// The tamper-evident audit log end to end, on SQLite and PostgreSQL: a
// real host with LOG_LEVEL=warn records every request (a listing, reads, a
// write with its reason, a refusal, a failed login, a tool name with a
// newline) in the store; `billy-mcp audit verify` finds the log as written,
// still after retention anonymized it; then rows edited, reordered and
// deleted directly in the database are named by their number.
func TestAuditLogEndToEnd(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			const key = "audit-e2e-key-0123456789abcdef"
			env := []string{"LOG_LEVEL=warn", "BILLY_MCP_LOG_FORMAT=text"}
			var raw func() *sql.DB
			// The config's data_dir is where SQLite's store.db and the
			// checkpoints go; PostgreSQL gets its own fresh schema.
			cfgYAML := invoicesOnly + fmt.Sprintf("auth: {api_keys: [%s]}\naudit: {checkpoints: {every: 4}}\n", key)
			var pgURL string
			if backend == "postgres" {
				pgURL = testkit.PostgresURL(t)
				env = append(env, "BILLY_MCP_DATABASE_URL="+pgURL)
			}
			h := startHost(t, cfgYAML, env...)
			h.waitReady(15 * time.Second)
			dataDir := filepath.Join(filepath.Dir(h.cfg), "state")
			if backend == "postgres" {
				raw = func() *sql.DB { return openRaw(t, "pgx", pgURL) }
			} else {
				raw = func() *sql.DB {
					return openRaw(t, "sqlite", filepath.Join(dataDir, "store.db")+"?_pragma=busy_timeout(5000)")
				}
			}

			s := &scenario{t: t, c: h.mcpHTTP(transport.WithHTTPHeaders(map[string]string{"X-API-Key": key}))}
			s.ok("list_invoices", map[string]any{"limit": 1})
			if _, err := s.c.ListTools(context.Background(), mcp.ListToolsRequest{}); err != nil {
				t.Fatal(err)
			}
			id := draftInvoice(s)
			s.done("approve_invoice", map[string]any{"invoiceId": id})
			s.done("cancel_invoice", map[string]any{"invoiceId": id, "reason": "Oprettet to gange"})
			if res := callTool(t, s.c, "create_invoice", map[string]any{"contactId": 7}); !res.IsError {
				t.Fatal("create_invoice with a number for contactId was not refused")
			}
			// A tool name that tries to plant a line in the text log.
			planted := "nope\n2026-01-01T00:00:00.000Z [INFO]  billy-mcp: request: name=cancel_invoice outcome=ok"
			var plant mcp.CallToolRequest
			plant.Params.Name = planted
			if _, err := s.c.CallTool(context.Background(), plant); err == nil {
				t.Fatal("a tool named with a newline was called")
			}
			// A failed login, and a REST listing.
			if code, _ := h.post("/api/v1/tools/list_invoices", map[string]any{}, "X-API-Key", "audit-e2e-wrong-key-0123456789"); code != http.StatusUnauthorized {
				t.Fatalf("a wrong key: %d, want 401", code)
			}
			req, _ := http.NewRequest(http.MethodGet, h.url("/api/v1/tools"), nil)
			req.Header.Set("X-API-Key", key)
			if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
				t.Fatalf("REST listing: %v %v", resp, err)
			} else {
				resp.Body.Close()
			}

			// list_audit_logs reads this organization's entries, newest
			// first (the records are written in the background: wait).
			var entries []any
			deadline := time.Now().Add(10 * time.Second)
			for {
				entries = s.ok("list_audit_logs", map[string]any{"limit": 100})["entries"].([]any)
				if (hasEntry(entries, "cancel_invoice") && hasEntry(entries, nil)) || time.Now().After(deadline) {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			seen := map[string]map[string]any{}
			for _, e := range entries {
				m := e.(map[string]any)
				k := fmt.Sprint(m["op"], " ", m["tool"])
				if m["outcome"] != "ok" {
					k += " " + fmt.Sprint(m["code"])
				}
				seen[k] = m
			}
			cancel := seen["tools/call cancel_invoice"]
			if cancel == nil || cancel["note"] != "reason: Oprettet to gange" || cancel["outcome"] != "ok" || cancel["args_hash"] == "" ||
				cancel["writes"] == nil || cancel["principal"] == "" || cancel["client_addr"] != "127.0.0.1" {
				t.Errorf("cancel_invoice's entry: %v", cancel)
			}
			if e := seen["tools/call create_invoice invalid_arguments"]; e == nil || e["outcome"] != "error" {
				t.Errorf("the refused call's entry: %v", e)
			}
			for _, want := range []string{"tools/list <nil>", "tools/call list_invoices"} {
				if seen[want] == nil {
					t.Errorf("no entry %q in %v", want, keys(seen))
				}
			}
			h.stop()

			// Every line either writer made is whole: the newline in the
			// tool's name did not start a line of its own.
			for name, text := range map[string]string{"stderr": h.stderr.String()} {
				sc := bufio.NewScanner(strings.NewReader(text))
				for sc.Scan() {
					if strings.HasPrefix(sc.Text(), "2026-01-01T00:00:00.000Z") {
						t.Errorf("%s has a planted line: %q", name, sc.Text())
					}
				}
			}
			rows := map[string]int{}
			db := raw()
			q, err := db.Query(`SELECT op, name, outcome, code, organization FROM audit_log ORDER BY seq`)
			if err != nil {
				t.Fatal(err)
			}
			var total int
			for q.Next() {
				var op, name, outcome, code, org string
				if err := q.Scan(&op, &name, &outcome, &code, &org); err != nil {
					t.Fatal(err)
				}
				rows[strings.TrimSpace(op+" "+outcome+" "+code)]++
				total++
			}
			q.Close()
			// LOG_LEVEL=warn did not stop a record: the write, the refusal,
			// the listing and the failed login are all in the store.
			for _, want := range []string{"tools/call ok", "tools/call error invalid_arguments", "tools/call error tool_not_found", "tools/list ok", "auth error unknown_key"} {
				if rows[want] == 0 {
					t.Errorf("no %q row in the store: %v", want, rows)
				}
			}
			if n := countRows(t, db, `SELECT count(*) FROM audit_log WHERE detail_json LIKE '%Oprettet to gange%'`); n != 1 {
				t.Errorf("%d rows keep the reason, want 1", n)
			}

			verify := func() (string, int) {
				cmd := exec.Command(filepath.Join(binDir, "billy-mcp"), "audit", "verify", "--config", h.cfg)
				cmd.Env = append(baseEnv(), env...)
				var out bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &out
				err := cmd.Run()
				code := 0
				if ee, ok := err.(*exec.ExitError); ok {
					code = ee.ExitCode()
				} else if err != nil {
					t.Fatal(err)
				}
				return out.String(), code
			}
			out, code := verify()
			if code != 0 || !strings.Contains(out, "verified") || !strings.Contains(out, fmt.Sprintf("entries: %d read", total)) ||
				strings.Contains(out, "checkpoints: 0 checked") {
				t.Fatalf("audit verify of the log as written (exit %d):\n%s", code, out)
			}

			// Retention: a host of the same deployment (the same data_dir
			// and database) started with a retention shorter than the
			// entries' age anonymizes them at start; the log still verifies.
			h2 := startHost(t, cfgYAML, append(env, "BILLY_MCP_AUDIT_RETENTION=1ms", "BILLY_MCP_DATA_DIR="+dataDir)...)
			deadline = time.Now().Add(10 * time.Second)
			for countRows(t, db, `SELECT count(*) FROM audit_log WHERE anonymized_us IS NULL`) > 0 && time.Now().Before(deadline) {
				time.Sleep(100 * time.Millisecond)
			}
			h2.stop()
			if n := countRows(t, db, `SELECT count(*) FROM audit_log WHERE detail_json LIKE '%Oprettet%' OR principal <> ''`); n != 0 {
				t.Errorf("%d rows keep personal fields after retention", n)
				if q, err := db.Query(`SELECT seq, principal, detail_json, anonymized_us FROM audit_log`); err == nil {
					for q.Next() {
						var seq int
						var p, d string
						var an sql.NullInt64
						_ = q.Scan(&seq, &p, &d, &an)
						t.Logf("%d %q %q %v", seq, p, d, an)
					}
					q.Close()
				}
			}
			if out, code := verify(); code != 0 || !strings.Contains(out, "anonymized") {
				t.Fatalf("audit verify after retention (exit %d):\n%s", code, out)
			}

			exec1 := func(q string, args ...any) {
				t.Helper()
				if _, err := db.Exec(q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			expectBad := func(what string, seq int) {
				t.Helper()
				out, code := verify()
				if code != 1 || !strings.Contains(out, fmt.Sprintf("first bad entry %d:", seq)) {
					t.Errorf("%s: audit verify (exit %d) does not name entry %d:\n%s", what, code, seq, out)
				}
			}
			// An edited entry: its tool changed, then put back (the
			// hashes were not touched), and the log verifies again.
			var name string
			if err := db.QueryRow(`SELECT name FROM audit_log WHERE seq = 3`).Scan(&name); err != nil {
				t.Fatal(err)
			}
			exec1(`UPDATE audit_log SET name = 'approve_invoice' WHERE seq = 3`)
			expectBad("entry 3's tool edited", 3)
			exec1(fmt.Sprintf(`UPDATE audit_log SET name = '%s' WHERE seq = 3`, strings.ReplaceAll(name, "'", "''")))
			if out, code := verify(); code != 0 {
				t.Fatalf("audit verify after the edit was undone (exit %d):\n%s", code, out)
			}
			// Two entries swapped.
			exec1(`UPDATE audit_log SET seq = -5 WHERE seq = 5`)
			exec1(`UPDATE audit_log SET seq = 5 WHERE seq = 6`)
			exec1(`UPDATE audit_log SET seq = 6 WHERE seq = -5`)
			expectBad("entries 5 and 6 swapped", 5)
			exec1(`UPDATE audit_log SET seq = -5 WHERE seq = 5`)
			exec1(`UPDATE audit_log SET seq = 5 WHERE seq = 6`)
			exec1(`UPDATE audit_log SET seq = 6 WHERE seq = -5`)
			// A deleted entry.
			exec1(`DELETE FROM audit_log WHERE seq = 4`)
			expectBad("entry 4 deleted", 4)
			db.Close()
		})
	}
}

func hasEntry(entries []any, tool any) bool {
	for _, e := range entries {
		if e.(map[string]any)["tool"] == tool {
			return true
		}
	}
	return false
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func openRaw(t *testing.T, driver, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func countRows(t *testing.T, db *sql.DB, q string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}
