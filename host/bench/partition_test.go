package bench

import (
	"context"
	"encoding/json"
	"sort"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/pluginhost"
	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/hashicorp/go-hclog"
)

// BenchmarkDispatch is the dispatch pipeline with and without the plugin
// hop, without MCP or HTTP, one call at a time: it splits the end-to-end
// figures of BenchmarkToolCall into pipeline, hop and transport.
func BenchmarkDispatch(b *testing.B) {
	reg := registry.New()
	mgr := pluginhost.New(pluginhost.Options{Specs: []pluginhost.Spec{spec(b, "hello")}, Registry: reg, Logger: hclog.NewNullLogger()})
	if err := mgr.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(mgr.Stop)
	for _, mode := range []string{"plugin", "inprocess"} {
		b.Run(mode, func(b *testing.B) {
			var inv dispatch.Invoker = mgr
			if mode == "inprocess" {
				inv = echoInvoker{}
			}
			d := dispatch.New(dispatch.Options{Registry: reg, Invoker: inv})
			op := func() *dispatch.Op {
				return &dispatch.Op{Kind: dispatch.CallTool, Name: "hello_greet", Arguments: json.RawMessage(`{"name":"Ada"}`),
					Caller: dispatch.Caller{Subject: "bench", Scopes: []string{"*"}}}
			}
			for range 200 {
				if _, err := d.Do(context.Background(), op()); err != nil {
					b.Fatal(err)
				}
			}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				t0 := time.Now()
				if _, err := d.Do(context.Background(), op()); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
		})
	}
}
