package tracing

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/metadata"

	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
)

func TestOffIsNil(t *testing.T) {
	tr, err := New(context.Background(), Options{})
	if err != nil || tr != nil {
		t.Fatalf("New without an endpoint = %v, %v; want nil, nil", tr, err)
	}
	if tr.Tracer() != nil {
		t.Error("a nil Tracing has a tracer")
	}
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Error(err)
	}
}

// TestOneTraceAcrossThePlugin: a client's traceparent, the host's request
// span, the call into the plugin (its context sent on the metadata and
// sent back by the plugin), the Billy request: one trace, each span the
// child of the one before, as the collector receives them.
func TestOneTraceAcrossThePlugin(t *testing.T) {
	col := testkit.NewCollector(t)
	tr, err := New(context.Background(), Options{Endpoint: col.URL, SamplePercent: 100, ServiceName: "billy-mcp", ServiceVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	const clientTrace, clientSpan = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	h := http.Header{"Traceparent": {"00-" + clientTrace + "-" + clientSpan + "-01"}}
	ctx := FromHTTP(context.Background(), h)

	ctx, request := tr.Tracer().Start(ctx, "tools/call get_invoice")
	requestCtx := ctx
	ctx, call := tr.Tracer().Start(ctx, "billy.plugin.v1.Plugin/CallTool")
	out := ToPlugin(ctx)

	// The plugin: the sdk copies the incoming headers onto its host-service
	// call, which arrives at the host as incoming metadata.
	md, _ := metadata.FromOutgoingContext(out)
	hostSide := metadata.NewIncomingContext(context.Background(), md)
	billyCtx := FromPlugin(hostSide, requestCtx)
	_, billy := tr.Tracer().Start(billyCtx, "billy GET invoices")
	End(billy, errmodel.New(errmodel.NotFound, "invoice_not_found", "no invoice"))
	End(call, nil)
	End(request, nil)
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	byName := map[string]testkit.Span{}
	for _, s := range col.Spans() {
		byName[s.Name] = s
	}
	type link struct {
		Name, TraceID, Parent string
		Error                 bool
	}
	var got []link
	for _, n := range []string{"tools/call get_invoice", "billy.plugin.v1.Plugin/CallTool", "billy GET invoices"} {
		s := byName[n]
		got = append(got, link{n, s.TraceID, s.ParentID, s.Error})
	}
	want := []link{
		{"tools/call get_invoice", clientTrace, clientSpan, false},
		{"billy.plugin.v1.Plugin/CallTool", clientTrace, byName["tools/call get_invoice"].SpanID, false},
		{"billy GET invoices", clientTrace, byName["billy.plugin.v1.Plugin/CallTool"].SpanID, true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("spans (-want +got):\n%s", diff)
	}
	if s := byName["billy GET invoices"]; s.Attributes["billy_mcp.error_code"] != "invoice_not_found" || s.Service != "billy-mcp" {
		t.Errorf("billy span = %+v, want error code invoice_not_found from service billy-mcp", s)
	}
}

// TestFromPluginWithoutHeaders: a plugin built before the sdk passed the
// trace on sends none back; its Billy spans hang from the request's span.
// With tracing off (no span on the request) nothing changes.
func TestFromPluginWithoutHeaders(t *testing.T) {
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, TraceFlags: trace.FlagsSampled})
	request := trace.ContextWithSpanContext(context.Background(), sc)
	got := trace.SpanContextFromContext(FromPlugin(context.Background(), request))
	if got.TraceID() != sc.TraceID() || got.SpanID() != sc.SpanID() {
		t.Errorf("parent = %v, want the request's span %v", got, sc)
	}
	if got := trace.SpanContextFromContext(FromPlugin(context.Background(), context.Background())); got.IsValid() {
		t.Errorf("tracing off: parent = %v, want none", got)
	}
}

// TestClientCannotForceSampling: at 0 % a client's "sampled" traceparent
// records nothing.
func TestClientCannotForceSampling(t *testing.T) {
	col := testkit.NewCollector(t)
	tr, err := New(context.Background(), Options{Endpoint: col.URL, SamplePercent: 0, ServiceName: "billy-mcp"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := FromHTTP(context.Background(), http.Header{"Traceparent": {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}})
	_, span := tr.Tracer().Start(ctx, "tools/call x")
	if span.IsRecording() {
		t.Error("a client's sampled flag made the host record the span at sample_percent 0")
	}
	End(span, errors.New("x"))
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(col.Spans()); n != 0 {
		t.Errorf("%d spans exported at 0 %%", n)
	}
}
