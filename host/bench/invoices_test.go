package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/app"
	"github.com/billy-mcp/billy-mcp/host/internal/config"
	"github.com/billy-mcp/billy-mcp/sandbox"
	"github.com/hashicorp/go-hclog"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

// BenchmarkInvoiceTools measures list_invoices and get_invoice through the
// whole host (MCP HTTP → pipeline → invoices plugin → gateway → sandbox)
// with 50 ms added to every sandbox answer, like a distant Billy, and
// reports upstream requests per tool call; once with the default
// per-organization limit toward Billy (10/s) and once with it out of the way.
func BenchmarkInvoiceTools(b *testing.B) {
	for _, limit := range []int{10, 1000} {
		b.Run(fmt.Sprintf("limit=%d", limit), func(b *testing.B) { benchInvoiceTools(b, limit) })
	}
}

func benchInvoiceTools(b *testing.B, limit int) {
	if _, err := os.Stat(filepath.Join(binDir, "billy-mcp-plugin-invoices")); err != nil {
		b.Skip("invoices plugin not built")
	}
	cfgFile := filepath.Join(b.TempDir(), "bench.yaml")
	if err := os.WriteFile(cfgFile, []byte("plugin_set: replace\nplugins:\n  invoices: {path: billy-mcp-plugin-invoices}\nplugin_defaults: {checksums_file: ''}\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	spec := spec(b, "invoices")
	cfg, err := config.Load(config.Options{File: cfgFile, Environ: []string{}, ExecutableDir: binDir})
	if err != nil {
		b.Fatal(err)
	}
	cfg.Billy.RateLimitPerSecond, cfg.Billy.RateLimitBurst = limit, 2*limit
	p := cfg.Plugins["invoices"]
	p.SHA256 = spec.SHA256
	cfg.Plugins["invoices"] = p
	a, err := app.New(cfg, hclog.NewNullLogger())
	if err != nil {
		b.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(a.Stop)
	srv := httptest.NewServer(a.Handler())
	b.Cleanup(srv.Close)
	a.Sandbox.SetFaults(sandbox.Faults{Latency: 50 * time.Millisecond})

	probe := newClient(b, srv.URL+"/mcp")
	res, err := probe.CallTool(context.Background(), callReq("list_invoices", map[string]any{"limit": 1}))
	if err != nil || res.IsError {
		b.Fatalf("list_invoices: %v %v", err, res)
	}
	var list struct {
		Invoices []struct {
			ID string `json:"id"`
		} `json:"invoices"`
	}
	raw, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(raw, &list); err != nil || len(list.Invoices) == 0 {
		b.Fatalf("no invoice to get: %s", raw)
	}
	cases := map[string]map[string]any{
		"list_invoices": {"limit": 25},
		"get_invoice":   {"invoiceId": list.Invoices[0].ID},
	}
	for _, tool := range []string{"list_invoices", "get_invoice"} {
		for _, clients := range []int{1, 16} {
			b.Run(fmt.Sprintf("%s/clients=%d", tool, clients), func(b *testing.B) {
				cs := make([]*client.Client, clients)
				for i := range cs {
					cs[i] = newClient(b, srv.URL+"/mcp")
				}
				req := callReq(tool, cases[tool])
				upstream0 := a.Sandbox.Requests()
				lat, elapsed := drive(b, cs, req)
				report(b, lat, elapsed, time.Millisecond, "ms")
				b.ReportMetric(float64(a.Sandbox.Requests()-upstream0)/float64(max(len(lat), 1)), "upstream/call")
			})
		}
	}
}

func callReq(name string, args map[string]any) mcp.CallToolRequest {
	var req mcp.CallToolRequest
	req.Params.Name = name
	req.Params.Arguments = args
	return req
}
