package bench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/httpserver"
	"github.com/billy-mcp/billy-mcp/host/internal/mcpserver"
	"github.com/billy-mcp/billy-mcp/host/internal/pluginhost"
	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/hashicorp/go-hclog"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

var binDir string

func TestMain(m *testing.M) {
	flag.Parse()
	// `go test ./...` runs no benchmarks; do not build plugins for nothing.
	if f := flag.Lookup("test.bench"); f == nil || f.Value.String() == "" {
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "billy-mcp-bench-")
	if err != nil {
		panic(err)
	}
	binDir = dir
	root, _ := filepath.Abs("../..")
	for _, b := range [][3]string{
		{"examples/hello", ".", "billy-mcp-plugin-hello"},
		{"plugins", "./moms", "billy-mcp-plugin-moms"},
		{"plugins", "./conformance", "billy-mcp-plugin-conformance"},
		{"plugins", "./invoices", "billy-mcp-plugin-invoices"},
	} {
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, b[2]), b[1])
		cmd.Dir = filepath.Join(root, b[0])
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "skipping %s: %v\n%s", b[2], err, out)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func spec(t testing.TB, name string) pluginhost.Spec {
	path := filepath.Join(binDir, "billy-mcp-plugin-"+name)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("plugin %s not built: %v", name, err)
	}
	sum := sha256.Sum256(b)
	return pluginhost.Spec{Name: name, Path: path, SHA256: hex.EncodeToString(sum[:])}
}

// echoInvoker serves hello_greet in-process with the plugin's exact answer.
type echoInvoker struct{}

func (echoInvoker) CallTool(_ context.Context, _ string, req *pluginv1.CallToolRequest) (*pluginv1.CallToolResponse, error) {
	const out = `{"greeting":"Hej, Ada!"}`
	return &pluginv1.CallToolResponse{StructuredContentJson: out,
		Content: []*pluginv1.Content{{Kind: &pluginv1.Content_Text{Text: &pluginv1.TextContent{Text: out}}}}}, nil
}
func (echoInvoker) ReadResource(context.Context, string, *pluginv1.ReadResourceRequest) (*pluginv1.ReadResourceResponse, error) {
	return nil, fmt.Errorf("not served")
}
func (echoInvoker) GetPrompt(context.Context, string, *pluginv1.GetPromptRequest) (*pluginv1.GetPromptResponse, error) {
	return nil, fmt.Errorf("not served")
}

// server starts the HTTP surface over either the real hello plugin or the
// in-process echo of it, and returns its /mcp URL.
func server(b *testing.B, inProcess bool) string {
	reg := registry.New()
	mgr := pluginhost.New(pluginhost.Options{Specs: []pluginhost.Spec{spec(b, "hello")}, Registry: reg, Logger: hclog.NewNullLogger()})
	if err := mgr.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(mgr.Stop)
	var inv dispatch.Invoker = mgr
	if inProcess {
		// Same registry entry (schema, validation), answered without the hop.
		inv = echoInvoker{}
	}
	d := dispatch.New(dispatch.Options{Registry: reg, Invoker: inv})
	m := mcpserver.New(mcpserver.Options{Name: "bench", Version: "0", Registry: reg, Dispatcher: d})
	h := httpserver.Handler(httpserver.Options{Addr: "127.0.0.1:0", MCP: m, Registry: reg, Dispatcher: d, Plugins: mgr, Logger: hclog.NewNullLogger()})
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	return srv.URL + "/mcp"
}

func newClient(b *testing.B, url string) *client.Client {
	c, err := client.NewStreamableHttpClient(url)
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	var req mcp.InitializeRequest
	req.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	req.Params.ClientInfo = mcp.Implementation{Name: "bench", Version: "1"}
	if _, err := c.Initialize(context.Background(), req); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}

// BenchmarkToolCall reports calls/s, p50 and p99 of hello_greet over MCP
// HTTP, through the plugin and in-process, at 1 and 16 clients.
func BenchmarkToolCall(b *testing.B) {
	for _, mode := range []string{"plugin", "inprocess"} {
		for _, clients := range []int{1, 16} {
			b.Run(fmt.Sprintf("%s/clients=%d", mode, clients), func(b *testing.B) {
				url := server(b, mode == "inprocess")
				cs := make([]*client.Client, clients)
				for i := range cs {
					cs[i] = newClient(b, url)
				}
				var req mcp.CallToolRequest
				req.Params.Name = "hello_greet"
				req.Params.Arguments = map[string]any{"name": "Ada"}
				// Warm up connections and caches.
				for _, c := range cs {
					for range 20 {
						if _, err := c.CallTool(context.Background(), req); err != nil {
							b.Fatal(err)
						}
					}
				}
				lat, elapsed := drive(b, cs, req)
				report(b, lat, elapsed, time.Microsecond, "µs")
			})
		}
	}
}

// BenchmarkStartToReady measures launching every available plugin (verify
// checksum, start the process, AutoMTLS handshake, Describe, Configure,
// register) until all are ready.
func BenchmarkStartToReady(b *testing.B) {
	var specs []pluginhost.Spec
	for _, n := range []string{"hello", "moms", "conformance", "invoices"} {
		if _, err := os.Stat(filepath.Join(binDir, "billy-mcp-plugin-"+n)); err == nil {
			specs = append(specs, spec(b, n))
		}
	}
	b.ReportMetric(float64(len(specs)), "plugins")
	for b.Loop() {
		mgr := pluginhost.New(pluginhost.Options{Specs: specs, Registry: registry.New(), Logger: hclog.NewNullLogger()})
		if err := mgr.Start(context.Background()); err != nil {
			b.Fatal(err)
		}
		if !mgr.Ready() {
			b.Fatalf("not ready: %+v", mgr.Statuses())
		}
		b.StopTimer()
		mgr.Stop()
		b.StartTimer()
	}
}

// drive spreads b.N calls of req over the clients, concurrently, and
// returns every call's latency (sorted) and the wall time.
func drive(b *testing.B, cs []*client.Client, req mcp.CallToolRequest) ([]time.Duration, time.Duration) {
	lat := make([][]time.Duration, len(cs))
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for i, c := range cs {
		n := b.N / len(cs)
		if i < b.N%len(cs) {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n {
				t0 := time.Now()
				res, err := c.CallTool(context.Background(), req)
				if err != nil || res.IsError {
					b.Errorf("%s: %v %v", req.Params.Name, err, res)
					return
				}
				lat[i] = append(lat[i], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	return all, elapsed
}

// report adds calls/s, p50 and p99 (in unit) to the benchmark's output.
func report(b *testing.B, lat []time.Duration, elapsed, unit time.Duration, name string) {
	if len(lat) == 0 {
		return
	}
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "calls/s")
	b.ReportMetric(float64(lat[len(lat)/2]/unit), "p50-"+name)
	b.ReportMetric(float64(lat[len(lat)*99/100]/unit), "p99-"+name)
}
