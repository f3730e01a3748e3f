package store

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// appendN appends n rows through AppendAudit as package audit does: each
// row numbered after the head and chained to it (here with a fake hash).
func appendN(t *testing.T, s *Store, org string, n int) {
	t.Helper()
	err := s.AppendAudit(context.Background(), func(h AuditHead) ([]AuditRow, AuditHead, error) {
		rows := make([]AuditRow, n)
		prev := h.Hash
		for i := range rows {
			seq := h.Size + int64(i) + 1
			hash := fmt.Sprintf("h%d", seq)
			rows[i] = AuditRow{Seq: seq, At: s.now(), Op: "tools/call", Name: "get_invoice", Organization: org, Outcome: "ok",
				Writes: "[]", Detail: `{"note":"x"}`, Principal: "key:ab", ClientAddr: "192.0.2.1", PIISalt: "salt", PIIHash: "pii",
				PrevHash: prev, Hash: hash}
			prev = hash
		}
		return rows, AuditHead{Size: h.Size + int64(n), Hash: prev, Range: append(h.Range, prev)}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func scanAll(t *testing.T, s *Store) []AuditRow {
	t.Helper()
	var rows []AuditRow
	if err := s.ScanAudit(context.Background(), -1, func(r AuditRow) (bool, error) {
		rows = append(rows, r)
		return true, nil
	}); err != nil {
		t.Fatal(err)
	}
	return rows
}

// Two instances appending at once make one chain: every row numbered once,
// each chained to the one before it, whoever wrote it.
func TestAuditOneChainAcrossInstances(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *database) {
		a, b := db.open(), db.open()
		var wg sync.WaitGroup
		for _, s := range []*Store{a, b} {
			wg.Go(func() {
				for range 20 {
					appendN(t, s, "org-1", 3)
				}
			})
		}
		wg.Wait()
		rows := scanAll(t, a)
		if len(rows) != 120 {
			t.Fatalf("%d rows, want 120", len(rows))
		}
		prev := ""
		for i, r := range rows {
			if r.Seq != int64(i+1) || r.PrevHash != prev {
				t.Fatalf("row %d: seq %d prev %q, want seq %d prev %q", i, r.Seq, r.PrevHash, i+1, prev)
			}
			prev = r.Hash
		}
		head, err := b.AuditHeadNow(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if head.Size != 120 || head.Hash != prev || len(head.Range) != 40 {
			t.Errorf("head %d %q (%d range entries), want 120 %q", head.Size, head.Hash, len(head.Range), prev)
		}
	})
}

// A build that numbers rows wrongly is refused and nothing is written.
func TestAuditAppendChecksNumbering(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *database) {
		s := db.open()
		err := s.AppendAudit(context.Background(), func(h AuditHead) ([]AuditRow, AuditHead, error) {
			return []AuditRow{{Seq: 7, Writes: "[]", Detail: "{}"}}, AuditHead{Size: 1}, nil
		})
		if err == nil {
			t.Fatal("a row numbered 7 after an empty head was accepted")
		}
		if rows := scanAll(t, s); len(rows) != 0 {
			t.Errorf("%d rows written", len(rows))
		}
	})
}

func TestQueryAndAnonymizeAudit(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *database) {
		s := db.open()
		ctx := context.Background()
		appendN(t, s, "org-1", 2)
		db.clock.advance(48 * time.Hour)
		appendN(t, s, "org-2", 1)
		appendN(t, s, "org-1", 1)

		rows, err := s.QueryAudit(ctx, AuditQuery{Organizations: []string{"org-1"}, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var seqs []int64
		for _, r := range rows {
			seqs = append(seqs, r.Seq)
		}
		if diff := cmp.Diff([]int64{4, 2, 1}, seqs); diff != "" {
			t.Errorf("org-1's rows, newest first (-want +got):\n%s", diff)
		}
		rows, _ = s.QueryAudit(ctx, AuditQuery{Organizations: []string{"org-1", "org-2"}, Since: db.clock.in(-time.Hour), Before: 4, Limit: 10})
		if len(rows) != 1 || rows[0].Seq != 3 {
			t.Errorf("since an hour ago, before 4: %+v", rows)
		}
		if rows, _ := s.QueryAudit(ctx, AuditQuery{}); len(rows) != 0 {
			t.Errorf("no organizations selected %d rows", len(rows))
		}

		n, err := s.AnonymizeAudit(ctx, db.clock.in(-24*time.Hour), 100)
		if err != nil || n != 2 {
			t.Fatalf("anonymized %d, %v; want the 2 old rows", n, err)
		}
		all := scanAll(t, s)
		for _, r := range all {
			old := r.Seq <= 2
			if old != !r.Anonymized.IsZero() || old != (r.Principal == "") || old != (r.PIISalt == "") || old != (r.ClientAddr == "") {
				t.Errorf("row %d (old %v): anonymized %v principal %q salt %q addr %q", r.Seq, old, r.Anonymized, r.Principal, r.PIISalt, r.ClientAddr)
			}
			if r.PIIHash != "pii" || r.Hash == "" {
				t.Errorf("row %d lost its hashes", r.Seq)
			}
		}
		if n, _ := s.AnonymizeAudit(ctx, db.clock.in(-24*time.Hour), 100); n != 0 {
			t.Errorf("anonymized %d rows again", n)
		}
	})
}

// The multi-row INSERT's placeholders follow auditColumns.
func TestAuditColumnCount(t *testing.T) {
	if n := len(strings.Split(auditColumns, ",")); n != auditColumnCount {
		t.Errorf("auditColumns names %d columns, auditColumnCount says %d", n, auditColumnCount)
	}
}
