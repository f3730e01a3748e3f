package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mark3labs/mcp-go/client/transport"

	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
)

// TestTracesAcrossHostPluginAndBilly: a host with tracing.endpoint sends
// its spans to a real OTLP/HTTP receiver. A client's call with a W3C
// traceparent becomes one trace: the request's span under the client's,
// the call into the invoices plugin (a real subprocess) under it, and the
// plugin's Billy request under that, which is only so if the plugin sent
// the trace context back with its host-service call.
func TestTracesAcrossHostPluginAndBilly(t *testing.T) {
	col := testkit.NewCollector(t)
	h := startHost(t, "plugins:\n  invoices: {path: billy-mcp-plugin-invoices}\n", "BILLY_MCP_TRACING_ENDPOINT="+col.URL)
	h.waitReady(20 * time.Second)
	const clientTrace, clientSpan = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	c := h.mcpHTTP(transport.WithHTTPHeaders(map[string]string{"traceparent": "00-" + clientTrace + "-" + clientSpan + "-01"}))
	s := &scenario{t: t, c: c}
	s.ok("list_invoices", map[string]any{"limit": 2})
	s.fails("get_invoice", map[string]any{"invoiceId": "nosuchinvoice0000000000"})
	h.stop() // the host sends the spans still waiting as it stops

	spans := col.Spans()
	find := func(name string) testkit.Span {
		for _, sp := range spans {
			if sp.Name == name && sp.TraceID == clientTrace {
				return sp
			}
		}
		var names []string
		for _, sp := range spans {
			names = append(names, sp.Name+" "+sp.TraceID)
		}
		t.Fatalf("no span %q in the client's trace; received:\n%s", name, strings.Join(names, "\n"))
		return testkit.Span{}
	}
	call := find("tools/call list_invoices")
	var plugin, billy testkit.Span
	for _, sp := range spans {
		if sp.Name == "billy.plugin.v1.Plugin/CallTool" && sp.ParentID == call.SpanID {
			plugin = sp
		}
	}
	for _, sp := range spans {
		if strings.HasPrefix(sp.Name, "billy GET ") && sp.ParentID == plugin.SpanID && plugin.SpanID != "" {
			billy = sp
		}
	}
	type view struct{ Name, Parent, Service, Plugin, Method string }
	got := []view{
		{call.Name, call.ParentID, call.Service, call.Attributes["billy_mcp.plugin"], ""},
		{plugin.Name, plugin.ParentID, plugin.Service, plugin.Attributes["billy_mcp.plugin"], ""},
		{billy.Name, billy.ParentID, billy.Service, "", billy.Attributes["http.request.method"]},
	}
	want := []view{
		{"tools/call list_invoices", clientSpan, "billy-mcp", "invoices", ""},
		{"billy.plugin.v1.Plugin/CallTool", call.SpanID, "billy-mcp", "invoices", ""},
		{"billy GET invoices", plugin.SpanID, "billy-mcp", "", "GET"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the call's spans (-want +got):\n%s", diff)
	}

	failed := find("tools/call get_invoice")
	if !failed.Error || failed.Attributes["billy_mcp.error_code"] == "" {
		t.Errorf("the failed call's span = %+v, want an error with its code", failed)
	}
	for _, sp := range spans {
		for k, v := range sp.Attributes {
			if strings.Contains(v, "?") || strings.Contains(strings.ToLower(v), "token") {
				t.Errorf("span %s attribute %s = %q: no query strings or credentials in spans", sp.Name, k, v)
			}
		}
	}
}
