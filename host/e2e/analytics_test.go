package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/sandbox"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/shopspring/decimal"
)

// TestAnalyticsOnTheSandbox (issue 18): the analytics plugin, run by the
// real host against a sandbox Billy, syncs its working set, and its
// invoiced revenue per month equals a sum done here over Billy's own
// answers (approved invoices, credit notes subtracted); its PDF export is
// a resource link, never inline, and reads back as a PDF.
func TestAnalyticsOnTheSandbox(t *testing.T) {
	org, base := serveSandbox(t, "e2e-analytics", sandbox.BusinessService)
	h := startHost(t, "plugins:\n  analytics: {path: billy-mcp-plugin-analytics}\n",
		sandboxEnv(org, base)...)
	h.waitReady(20 * time.Second)

	cctx, ccancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer ccancel()
	client := mcp.NewClient(&mcp.Implementation{Name: "billy-mcp-e2e-analytics", Version: "1.0.0"}, nil)
	session, err := client.Connect(cctx, &mcp.StreamableClientTransport{Endpoint: h.url("/mcp")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer session.Close()
	call := func(name string, args map[string]any) *mcp.CallToolResult {
		t.Helper()
		res, err := session.CallTool(cctx, &mcp.CallToolParams{Name: name, Arguments: args})
		if err != nil {
			t.Fatal(err)
		}
		if res.IsError {
			t.Fatalf("%s failed: %+v", name, res.Content[0])
		}
		return res
	}
	var synced struct {
		Set struct{ Invoices, Postings int } `json:"workingSet"`
	}
	decode(t, call("analytics_sync", map[string]any{}).StructuredContent, &synced)
	if synced.Set.Invoices == 0 || synced.Set.Postings == 0 {
		t.Fatalf("the working set is empty after a sync: %+v", synced)
	}

	from, to := "2025-01-01", time.Now().UTC().Format(time.DateOnly)
	want := map[string]decimal.Decimal{}
	for page := 1; ; page++ {
		req, _ := http.NewRequest("GET", base+"/invoices?state=approved&pageSize=1000&page="+strconv.Itoa(page), nil)
		req.Header.Set("X-Access-Token", org.AccessToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Invoices []struct {
				Type, EntryDate, CurrencyID string
				Amount                      decimal.Decimal
			}
			Meta struct{ Paging struct{ PageCount int } }
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, inv := range body.Invoices {
			if inv.EntryDate < from || inv.EntryDate > to {
				continue
			}
			net := inv.Amount
			if inv.Type == "creditNote" {
				net = net.Neg()
			}
			k := inv.EntryDate[:7] + " " + inv.CurrencyID
			want[k] = want[k].Add(net)
		}
		if page >= body.Meta.Paging.PageCount {
			break
		}
	}
	var rev struct {
		Rows []struct {
			Key, Currency string
			Net           decimal.Decimal
		}
	}
	decode(t, call("get_revenue_report", map[string]any{"from": from, "to": to, "basis": "invoice", "by": "month"}).StructuredContent, &rev)
	got := map[string]decimal.Decimal{}
	for _, r := range rev.Rows {
		got[r.Key+" "+r.Currency] = r.Net
	}
	if len(want) == 0 || len(got) != len(want) {
		t.Errorf("%d months×currencies in the report, %d in Billy", len(got), len(want))
	}
	for k, w := range want {
		if !got[k].Equal(w) {
			t.Errorf("%s: report %s, Billy's invoices add up to %s", k, got[k], w)
		}
	}

	res := call("export_report", map[string]any{"report": "receivables", "format": "pdf"})
	var link *mcp.ResourceLink
	for _, c := range res.Content {
		switch c := c.(type) {
		case *mcp.ResourceLink:
			link = c
		case *mcp.EmbeddedResource:
			t.Error("a PDF export was pasted into the result")
		}
	}
	if link == nil || !strings.HasPrefix(link.URI, "billy://analytics/exports/") {
		t.Fatalf("no export link in %+v", res.Content)
	}
	rr, err := session.ReadResource(cctx, &mcp.ReadResourceParams{URI: link.URI})
	if err != nil {
		t.Fatal(err)
	}
	if len(rr.Contents) != 1 || rr.Contents[0].MIMEType != "application/pdf" || !strings.HasPrefix(string(rr.Contents[0].Blob), "%PDF-") {
		t.Fatalf("the export did not read back as a PDF: %d contents", len(rr.Contents))
	}
}
