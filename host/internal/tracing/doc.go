// Package tracing exports OpenTelemetry traces of the host's work: a span
// for each MCP or REST request as the dispatcher runs it, one for the call
// into the plugin that serves it, and one for each Billy request the
// plugin makes through the host, all in one trace with the client's own
// when it sends a W3C traceparent.
//
// The trace context crosses the plugin process on the gRPC metadata: the
// host sends a traceparent with each call into a plugin, the sdk sends it
// back on the plugin's host-service calls, and the host parents the Billy
// span there. A plugin built with an older sdk sends none back; its Billy
// spans are then parented on the request's span instead.
//
// Off unless tracing.endpoint names an OTLP/HTTP collector: the host then
// holds no tracer at all, and every hook is a nil check.
package tracing
