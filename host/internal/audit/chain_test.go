package audit

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/store"
	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", to tamper with PostgreSQL
	"golang.org/x/mod/sumdb/note"
)

// db is one database the tests open stores on and tamper with directly.
type db struct {
	opts store.Options
	// raw opens the database behind the store's back.
	raw func(t testing.TB) *sql.DB
}

func eachDatabase(t *testing.T, test func(t *testing.T, d db)) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) { test(t, newDB(t, backend)) })
	}
}

// newDB is a fresh, empty database of backend.
func newDB(t testing.TB, backend string) db {
	if backend == "postgres" {
		url := testkit.PostgresURL(t)
		return db{opts: store.Options{URL: url}, raw: func(t testing.TB) *sql.DB { return rawDB(t, "pgx", url) }}
	}
	dir := t.TempDir()
	return db{opts: store.Options{Dir: dir}, raw: func(t testing.TB) *sql.DB {
		return rawDB(t, "sqlite", filepath.Join(dir, store.FileName)+"?_busy_timeout=5000")
	}}
}

func rawDB(t testing.TB, driver, dsn string) *sql.DB {
	t.Helper()
	d, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func (d db) open(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), d.opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func chainOn(s *store.Store, instance string) *Chain {
	return &Chain{Store: func() (*store.Store, error) { return s, nil }, Instance: instance}
}

// record is the i-th of the tests' records: every kind of field set, some
// failures, some writes, personal fields.
func record(i int) Record {
	r := Record{Time: time.Date(2026, 11, 27, 10, 0, i, 1234, time.UTC), Op: "tools/call", Name: "get_invoice", Plugin: "invoices",
		Subject: fmt.Sprintf("key:user%d", i%3), Organization: "org-1", Transport: "mcp-http", Auth: "api_key",
		ClientAddr: fmt.Sprintf("192.0.2.%d", i%7), CorrelationID: fmt.Sprintf("c-%d", i), Outcome: "ok",
		Duration: time.Duration(i) * time.Millisecond, ArgsHash: ArgsHash([]byte("k"), []byte(fmt.Sprintf(`{"invoiceId":"inv-%d"}`, i)))}
	switch i % 4 {
	case 1:
		r.Outcome, r.Category = "invoice_not_found", "not_found"
	case 2:
		r.Name, r.Writes = "cancel_invoice", []Write{{Method: "PUT", Path: "/invoices/inv-2", Outcome: "done", Record: "invoices inv-2"}}
		r.Note = "reason: oprettet to gange"
	case 3:
		r.Outcome, r.Code = "tool_error", "invoice_is_draft"
	}
	return r
}

// fill appends n records through the chain in batches of up to 4.
func fill(t *testing.T, c *Chain, from, n int) {
	t.Helper()
	for i := from; i < from+n; {
		var batch []Record
		for ; i < from+n && len(batch) < 4; i++ {
			batch = append(batch, record(i))
		}
		if err := c.WriteBatch(batch); err != nil {
			t.Fatal(err)
		}
	}
}

func verify(t *testing.T, s *store.Store, cps []Checkpoint) Report {
	t.Helper()
	rep, err := Verify(context.Background(), s, cps)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// testSigner signs checkpoints for the tests.
func testSigner(t *testing.T, name string, seed byte) (note.Signer, string) {
	t.Helper()
	seedBytes := make([]byte, 32)
	seedBytes[0] = seed
	skey, vkey, err := KeyFromSeed(name, seedBytes)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return s, vkey
}

func checkpointer(t *testing.T, s *store.Store, dir string, signer note.Signer) *Checkpointer {
	t.Helper()
	c := &Checkpointer{Store: func() (*store.Store, error) { return s, nil }, Dir: dir, Origin: "billy-mcp/test", Signer: signer, Interval: time.Hour}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func sign(t *testing.T, c *Checkpointer) {
	t.Helper()
	if cp, err := c.Sign(context.Background()); err != nil || cp == nil {
		t.Fatalf("signing: %v %v", cp, err)
	}
}

// The tamper test: rows edited, removed, reordered or cut off directly in
// the database, and verify names the first entry that is not as written.
func TestVerifyNamesTheFirstBadEntry(t *testing.T) {
	type tamper struct {
		name string
		sql  []string
		// rewrite, instead of SQL, recomputes the chain after editing an
		// entry, as someone who knows the format would.
		rewrite int64
		bad     int64
		problem string
	}
	tampers := []tamper{
		{name: "nothing", bad: 0},
		{name: "edit a field", sql: []string{`UPDATE audit_log SET outcome = 'ok', code = '' WHERE seq = 6`}, bad: 6, problem: "entry 6 was edited: its fields"},
		{name: "edit the tool", sql: []string{`UPDATE audit_log SET name = 'list_invoices' WHERE seq = 9`}, bad: 9, problem: "entry 9 was edited"},
		{name: "edit the principal", sql: []string{`UPDATE audit_log SET principal = 'key:mallory' WHERE seq = 5`}, bad: 5, problem: "its principal, client address or detail"},
		{name: "edit the time", sql: []string{`UPDATE audit_log SET at_us = at_us + 1000000 WHERE seq = 12`}, bad: 12, problem: "entry 12 was edited"},
		{name: "hide a principal as anonymized", sql: []string{`UPDATE audit_log SET principal = '', client_addr = '', pii_salt = NULL WHERE seq = 3`}, bad: 3, problem: "entry 3 was edited"},
		{name: "delete one", sql: []string{`DELETE FROM audit_log WHERE seq = 4`}, bad: 4, problem: "entry 4 is missing (removed)"},
		{name: "delete several", sql: []string{`DELETE FROM audit_log WHERE seq BETWEEN 7 AND 9`}, bad: 7, problem: "entry 7 is missing"},
		{name: "delete the first", sql: []string{`DELETE FROM audit_log WHERE seq = 1`}, bad: 1, problem: "entry 1 is missing"},
		{name: "swap two", sql: []string{`UPDATE audit_log SET seq = -3 WHERE seq = 3`, `UPDATE audit_log SET seq = 3 WHERE seq = 6`, `UPDATE audit_log SET seq = 6 WHERE seq = -3`},
			bad: 3, problem: "entry 3 does not follow entry 2"},
		{name: "delete and renumber", sql: []string{`DELETE FROM audit_log WHERE seq = 10`, `UPDATE audit_log SET seq = seq - 1 WHERE seq > 10`, `UPDATE audit_head SET size = size - 1`},
			bad: 10, problem: "entry 10 does not follow entry 9"},
		{name: "cut off the end", sql: []string{`DELETE FROM audit_log WHERE seq > 16`}, bad: 17, problem: "entries 17 to 20 are missing"},
		{name: "rewrite with hashes recomputed", rewrite: 14, bad: 11, problem: "entries 11 to 20 are not what the checkpoint of size 20 signed"},
	}
	for _, backend := range []string{"sqlite", "postgres"} {
		for _, tc := range tampers {
			t.Run(backend+"/"+tc.name, func(t *testing.T) {
				d := newDB(t, backend)
				s := d.open(t)
				signer, vkey := testSigner(t, "billy-mcp/test", 1)
				dir := t.TempDir()
				cp := checkpointer(t, s, dir, signer)
				c := chainOn(s, "a")
				fill(t, c, 0, 10)
				sign(t, cp)
				fill(t, c, 10, 10)
				sign(t, cp)

				raw := d.raw(t)
				for _, q := range tc.sql {
					if _, err := raw.Exec(q); err != nil {
						t.Fatalf("%s: %v", q, err)
					}
				}
				if tc.rewrite > 0 {
					rewrite(t, s, raw, tc.rewrite)
				}
				cps, err := ReadCheckpoints(dir, "billy-mcp/test", vkey)
				if err != nil || len(cps) != 2 {
					t.Fatalf("checkpoints: %d, %v", len(cps), err)
				}
				rep := verify(t, s, cps)
				if rep.BadEntry != tc.bad || !strings.Contains(rep.Problem, tc.problem) {
					t.Errorf("verify named entry %d (%s), want %d (%s)", rep.BadEntry, rep.Problem, tc.bad, tc.problem)
				}
				if tc.bad == 0 && (rep.Entries != 20 || rep.Checkpoints != 2 || rep.LastCheckpoint != 20) {
					t.Errorf("an untouched chain: %+v", rep)
				}
			})
		}
	}
}

// rewrite edits entry seq and recomputes every hash after it and the head,
// as a tamperer who knows the format but not the checkpoint key would.
func rewrite(t *testing.T, s *store.Store, raw *sql.DB, seq int64) {
	t.Helper()
	var rows []store.AuditRow
	if err := s.ScanAudit(context.Background(), -1, func(r store.AuditRow) (bool, error) {
		rows = append(rows, r)
		return true, nil
	}); err != nil {
		t.Fatal(err)
	}
	prev := rows[seq-2].Hash
	for i := seq - 1; i < int64(len(rows)); i++ {
		r := rows[i]
		if r.Seq == seq {
			r.Name = "list_invoices"
		}
		r.PrevHash = prev
		r.Hash = entryHash(r)
		prev = r.Hash
		q := `UPDATE audit_log SET name = $1, prev_hash = $2, hash = $3 WHERE seq = $4`
		if s.Backend() == "sqlite" {
			q = strings.NewReplacer("$1", "?1", "$2", "?2", "$3", "?3", "$4", "?4").Replace(q)
		}
		if _, err := raw.Exec(q, r.Name, r.PrevHash, r.Hash, r.Seq); err != nil {
			t.Fatal(err)
		}
	}
	q := `UPDATE audit_head SET hash = $1`
	if s.Backend() == "sqlite" {
		q = `UPDATE audit_head SET hash = ?1`
	}
	if _, err := raw.Exec(q, prev); err != nil {
		t.Fatal(err)
	}
}

// A checkpoint signed with another key fails verification, naming its file.
func TestForgedCheckpoint(t *testing.T) {
	s, err := store.Open(context.Background(), store.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	dir := t.TempDir()
	_, vkey := testSigner(t, "billy-mcp/test", 1)
	forger, _ := testSigner(t, "billy-mcp/test", 2)
	cp := checkpointer(t, s, dir, forger)
	fill(t, chainOn(s, "a"), 0, 3)
	sign(t, cp)
	if _, err := ReadCheckpoints(dir, "billy-mcp/test", vkey); err == nil || !strings.Contains(err.Error(), "checkpoint 1 is not signed by the audit key") {
		t.Errorf("a forged checkpoint: %v", err)
	}
}

// Anonymizing old entries blanks their personal fields and verification
// still passes, checkpoints included.
func TestAnonymizeKeepsVerifyGreen(t *testing.T) {
	eachDatabase(t, func(t *testing.T, d db) {
		s := d.open(t)
		signer, vkey := testSigner(t, "billy-mcp/test", 1)
		dir := t.TempDir()
		cp := checkpointer(t, s, dir, signer)
		fill(t, chainOn(s, "a"), 0, 30)
		sign(t, cp)
		n, err := Anonymize(context.Background(), s, record(15).Time)
		if err != nil || n != 15 {
			t.Fatalf("anonymized %d, %v", n, err)
		}
		cps, err := ReadCheckpoints(dir, "billy-mcp/test", vkey)
		if err != nil {
			t.Fatal(err)
		}
		rep := verify(t, s, cps)
		if !rep.OK() || rep.Anonymized != 15 || rep.Entries != 30 {
			t.Errorf("after anonymizing: %+v", rep)
		}
		var principals []string
		rows := d.raw(t).QueryRow(`SELECT COUNT(*) FROM audit_log WHERE principal LIKE 'key:%' OR client_addr <> '' OR detail_json LIKE '%oprettet%'`)
		var left int
		if err := rows.Scan(&left); err != nil {
			t.Fatal(err)
		}
		if left != 15 {
			t.Errorf("%d rows still hold personal fields, want the 15 recent ones %v", left, principals)
		}
	})
}

// Two instances append to one database at once, then one restarts and
// goes on: one chain, which verifies, each entry naming its instance.
func TestChainAcrossInstancesAndRestarts(t *testing.T) {
	eachDatabase(t, func(t *testing.T, d db) {
		a, b := d.open(t), d.open(t)
		var wg sync.WaitGroup
		wg.Go(func() { fill(t, chainOn(a, "a"), 0, 40) })
		wg.Go(func() { fill(t, chainOn(b, "b"), 100, 40) })
		wg.Wait()
		a.Close()
		again := d.open(t)
		fill(t, chainOn(again, "a2"), 200, 5)
		rep := verify(t, b, nil)
		if !rep.OK() || rep.Entries != 85 || rep.Head.Size != 85 {
			t.Fatalf("%+v", rep)
		}
		seen := map[string]int{}
		_ = b.ScanAudit(context.Background(), -1, func(r store.AuditRow) (bool, error) {
			seen[r.Instance]++
			return true, nil
		})
		if seen["a"] != 40 || seen["b"] != 40 || seen["a2"] != 5 {
			t.Errorf("entries per instance: %v", seen)
		}
	})
}

// Every kind of record is kept as written: outcome judged by the result,
// the error's code, writes, the arguments' hash, the note among the
// personal fields.
func TestRowsKeepTheRecord(t *testing.T) {
	s, err := store.Open(context.Background(), store.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fill(t, chainOn(s, "a"), 0, 4)
	rows, err := s.QueryAudit(context.Background(), store.AuditQuery{Organizations: []string{"org-1"}, Limit: 10})
	if err != nil || len(rows) != 4 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	type got struct{ outcome, category, code, writes, detail string }
	want := map[int64]got{
		1: {"ok", "", "", "[]", "{}"},
		2: {"error", "not_found", "invoice_not_found", "[]", "{}"},
		3: {"ok", "", "", `[{"method":"PUT","path":"/invoices/inv-2","outcome":"done","record":"invoices inv-2"}]`, `{"note":"reason: oprettet to gange"}`},
		4: {"tool_error", "", "invoice_is_draft", "[]", "{}"},
	}
	for _, r := range rows {
		g := got{r.Outcome, r.Category, r.Code, r.Writes, r.Detail}
		if g != want[r.Seq] {
			t.Errorf("entry %d: %+v, want %+v", r.Seq, g, want[r.Seq])
		}
		if len(r.ArgsHash) != 64 || r.Principal == "" || r.ClientAddr == "" || r.Auth != "api_key" {
			t.Errorf("entry %d: %+v", r.Seq, r)
		}
	}
}

// A signing key's base64 may hold "+", the note format's separator: the
// verifier key is found whatever the seed.
func TestVerifierOfAnyKey(t *testing.T) {
	for i := range 64 {
		seed := make([]byte, 32)
		for j := range seed {
			seed[j] = byte(i*37 + j*251)
		}
		skey, vkey, err := KeyFromSeed("billy-mcp/test", seed)
		if err != nil {
			t.Fatal(err)
		}
		got, err := VerifierOf(skey)
		if err != nil || got != vkey {
			t.Fatalf("key %d (%s): verifier %q, %v; want %q", i, skey, got, err, vkey)
		}
	}
}
