package app

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/audit"
	"github.com/billy-mcp/billy-mcp/host/internal/store"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/google/go-cmp/cmp"
)

// list_audit_logs shows the caller's organization's entries only, newest
// first, in pages that follow on without a gap or a repeat, filtered by
// tool, outcome and day; it needs audit:read.
func TestListAuditLogs(t *testing.T) {
	s, err := store.Open(context.Background(), store.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	var batch []audit.Record
	for i := range 30 {
		r := audit.Record{Time: now.Add(time.Duration(i) * time.Minute), Op: "tools/call", Name: "get_invoice", Plugin: "invoices",
			Subject: "key:a", Organization: "org-a", Outcome: "ok"}
		if i%3 == 0 {
			r.Organization = "org-b"
		}
		if i%5 == 0 {
			r.Name, r.Outcome, r.Note = "cancel_invoice", "invoice_not_found", "reason: dobbelt"
		}
		if i == 29 {
			r.Time = now.AddDate(0, 0, -2)
		}
		batch = append(batch, r)
	}
	chain := &audit.Chain{Store: func() (*store.Store, error) { return s, nil }, Instance: "test"}
	if err := chain.WriteBatch(batch); err != nil {
		t.Fatal(err)
	}
	list := func(org string, args map[string]any) *auditPage {
		t.Helper()
		b, _ := json.Marshal(args)
		p, err := listAuditLogs(context.Background(), s, org, b, now.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	seqs := func(p *auditPage) (out []int64) {
		for _, e := range p.Entries {
			if e.Organization != "org-a" {
				t.Errorf("entry %d of %s listed for org-a", e.Seq, e.Organization)
			}
			out = append(out, e.Seq)
		}
		return out
	}
	// Today's entries of org-a (seq = i+1; org-b's are i%3 == 0; i == 29 is two days old).
	var want []int64
	for i := 28; i >= 0; i-- {
		if i%3 != 0 {
			want = append(want, int64(i+1))
		}
	}
	var got []int64
	args := map[string]any{"limit": 7}
	for range 10 {
		p := list("org-a", args)
		got = append(got, seqs(p)...)
		if p.NextCursor == "" {
			break
		}
		args["cursor"] = p.NextCursor
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pages of org-a (-want +got):\n%s", diff)
	}
	p := list("org-a", map[string]any{"tool": "cancel_invoice", "outcome": "error"})
	if diff := cmp.Diff([]int64{26, 21, 11, 6}, seqs(p)); diff != "" {
		t.Errorf("org-a's failed cancel_invoice calls (-want +got):\n%s", diff)
	}
	if p.Entries[0].Note != "reason: dobbelt" || p.Entries[0].Code != "invoice_not_found" {
		t.Errorf("entry: %+v", p.Entries[0])
	}
	if p := list("org-a", map[string]any{"sinceDate": "2026-11-25", "untilDate": "2026-11-25"}); fmt.Sprint(seqs(p)) != "[30]" {
		t.Errorf("the entry two days old: %v", seqs(p))
	}
	if p := list("org-c", nil); len(p.Entries) != 0 {
		t.Errorf("an organization without entries sees %d", len(p.Entries))
	}

	// Through the host tool: the call's organization, never another.
	resp, err := callListAuditLogs(context.Background(), func() (*store.Store, error) { return s, nil }, &pluginv1.CallToolRequest{
		Name: listAuditLogsName, ArgumentsJson: `{"sinceDate":"2026-11-01","limit":500}`,
		Context: &pluginv1.CallContext{Caller: &pluginv1.Caller{OrganizationId: "org-b"}}})
	if err != nil {
		t.Fatal(err)
	}
	var page auditPage
	if err := json.Unmarshal([]byte(resp.StructuredContentJson), &page); err != nil {
		t.Fatal(err)
	}
	for _, e := range page.Entries {
		if e.Organization != "org-b" {
			t.Errorf("org-b's call lists entry %d of %s", e.Seq, e.Organization)
		}
	}
	if page.Count != 10 {
		t.Errorf("org-b has %d entries listed, want 10", page.Count)
	}
	tool, err := listAuditLogsTool()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"audit:read"}, tool.Scopes); diff != "" {
		t.Errorf("list_audit_logs' scopes (-want +got):\n%s", diff)
	}
}
