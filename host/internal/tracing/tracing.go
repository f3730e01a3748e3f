package tracing

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/metadata"
)

// Options configure the exporter.
type Options struct {
	// Endpoint is the collector's OTLP/HTTP base URL
	// (http://otel-collector:4318); spans go to its /v1/traces. Headers a
	// vendor needs (an API key) come from OTEL_EXPORTER_OTLP_HEADERS, as
	// every OpenTelemetry SDK reads them.
	Endpoint string
	// SamplePercent of the traces started here are kept, 0 to 100. The
	// decision follows the trace ID, so every span of a trace agrees.
	SamplePercent int
	// ServiceName and ServiceVersion name the host in the traces.
	ServiceName, ServiceVersion string
	// Instance tells the instances of a deployment apart (service.instance.id).
	Instance string
	// BatchTimeout is the longest a finished span waits before it is sent
	// (the SDK's default 5 s when zero).
	BatchTimeout time.Duration
}

// Tracing is a configured exporter. A nil *Tracing is tracing switched
// off: Tracer returns nil, and Shutdown does nothing.
type Tracing struct {
	provider *sdktrace.TracerProvider
	tracer   trace.Tracer
}

// New starts exporting to o.Endpoint. It does not reach the collector
// now: spans are sent in batches, and a collector that is down costs
// dropped spans, never a failed request.
func New(ctx context.Context, o Options) (*Tracing, error) {
	if o.Endpoint == "" {
		return nil, nil
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(o.Endpoint+"/v1/traces"))
	if err != nil {
		return nil, fmt.Errorf("tracing: the exporter for %s: %w", o.Endpoint, err)
	}
	res, err := resource.Merge(resource.Default(), resource.NewWithAttributes(semconv.SchemaURL,
		semconv.ServiceName(o.ServiceName), semconv.ServiceVersion(o.ServiceVersion), semconv.ServiceInstanceID(o.Instance)))
	if err != nil {
		return nil, fmt.Errorf("tracing: describing the host: %w", err)
	}
	// The same ratio for roots and for a client's traceparent: a client
	// cannot make the host record (and export) every one of its requests
	// by marking them sampled.
	ratio := sdktrace.TraceIDRatioBased(float64(o.SamplePercent) / 100)
	sampler := sdktrace.ParentBased(ratio, sdktrace.WithRemoteParentSampled(ratio), sdktrace.WithRemoteParentNotSampled(ratio))
	var batch []sdktrace.BatchSpanProcessorOption
	if o.BatchTimeout > 0 {
		batch = append(batch, sdktrace.WithBatchTimeout(o.BatchTimeout))
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithResource(res), sdktrace.WithSampler(sampler),
		sdktrace.WithBatcher(exp, batch...))
	return &Tracing{provider: tp, tracer: tp.Tracer("github.com/billy-mcp/billy-mcp/host")}, nil
}

// Tracer is the host's tracer; nil when tracing is off.
func (t *Tracing) Tracer() trace.Tracer {
	if t == nil {
		return nil
	}
	return t.tracer
}

// Shutdown sends the spans still waiting and stops the exporter, within
// ctx's deadline.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	return t.provider.Shutdown(ctx)
}

// propagator reads and writes W3C traceparent and tracestate.
var propagator = propagation.TraceContext{}

// FromHTTP continues the trace of a client that sent a traceparent header.
func FromHTTP(ctx context.Context, h http.Header) context.Context {
	if h.Get("traceparent") == "" {
		return ctx
	}
	return propagator.Extract(ctx, propagation.HeaderCarrier(h))
}

// ToPlugin adds ctx's span to the metadata of an outgoing call into a
// plugin, for the sdk to send back with the plugin's host-service calls.
func ToPlugin(ctx context.Context) context.Context {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return ctx
	}
	md, _ := metadata.FromOutgoingContext(ctx)
	md = md.Copy()
	propagator.Inject(ctx, metadataCarrier(md))
	return metadata.NewOutgoingContext(ctx, md)
}

// FromPlugin parents a host-service call of a plugin: on the span the
// plugin sent back when there is one (the call into the plugin), else on
// the request's own span (request is the context of the call in flight).
func FromPlugin(ctx, request context.Context) context.Context {
	if !trace.SpanContextFromContext(request).IsValid() {
		return ctx // tracing is off (the request has no span)
	}
	if md, ok := metadata.FromIncomingContext(ctx); ok && len(md.Get("traceparent")) > 0 {
		if sc := trace.SpanContextFromContext(propagator.Extract(ctx, metadataCarrier(md))); sc.IsValid() {
			return trace.ContextWithRemoteSpanContext(ctx, sc)
		}
	}
	return trace.ContextWithSpanContext(ctx, trace.SpanContextFromContext(request))
}

// metadataCarrier lets the propagator read and write gRPC metadata.
type metadataCarrier metadata.MD

func (c metadataCarrier) Get(key string) string {
	if v := metadata.MD(c).Get(key); len(v) > 0 {
		return v[0]
	}
	return ""
}

func (c metadataCarrier) Set(key, value string) { metadata.MD(c).Set(key, value) }

func (c metadataCarrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}

// End ends span with err's outcome: the error's code (the error model's,
// never its message, which may carry data) as an attribute and as the
// span's status, so a trace view shows which step failed and why.
func End(span trace.Span, err error) {
	if err != nil {
		code := errmodel.From(err).Code
		span.SetAttributes(attribute.String("billy_mcp.error_code", code))
		span.SetStatus(codes.Error, code)
	}
	span.End()
}
