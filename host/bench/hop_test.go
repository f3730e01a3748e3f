package bench

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/pluginhost"
	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/hashicorp/go-hclog"
)

// BenchmarkPluginHop isolates the host → plugin → host round trip (gRPC
// over the go-plugin socket with AutoMTLS, the sdk's decoding and encoding),
// without MCP or HTTP, one call at a time.
func BenchmarkPluginHop(b *testing.B) {
	mgr := pluginhost.New(pluginhost.Options{Specs: []pluginhost.Spec{spec(b, "hello")}, Registry: registry.New(), Logger: hclog.NewNullLogger()})
	if err := mgr.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(mgr.Stop)
	req := &pluginv1.CallToolRequest{Name: "hello_greet", ArgumentsJson: `{"name":"Ada"}`,
		Context: &pluginv1.CallContext{CallId: "bench", Caller: &pluginv1.Caller{Subject: "bench"}}}
	for range 200 {
		if _, err := mgr.CallTool(context.Background(), "hello", req); err != nil {
			b.Fatal(err)
		}
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		if _, err := mgr.CallTool(context.Background(), "hello", req); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
