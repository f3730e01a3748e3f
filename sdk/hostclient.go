package sdk

import (
	"context"
	"encoding/json"
	"fmt"
	"google.golang.org/grpc"
	"time"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"google.golang.org/grpc/metadata"
)

// hostClient implements Host over the HostServices connection, bound to one
// call.
type hostClient struct {
	client pluginv1.HostServicesClient
	callID string
	call   *Call
}

// traceHeaders are the W3C trace context the host sends with a call.
var traceHeaders = [...]string{"traceparent", "tracestate"}

// withTrace sends the trace context the host sent with the call being
// served back with a host-service call made in it, so that the host's
// tracing shows the plugin's Billy requests and nested tool calls inside
// the call into the plugin. It needs no tracing library: the plugin only
// passes the headers on. ctx is the handler's, derived from the call's.
func withTrace(ctx context.Context) context.Context {
	for _, k := range traceHeaders {
		if v := metadata.ValueFromIncomingContext(ctx, k); len(v) == 1 {
			ctx = metadata.AppendToOutgoingContext(ctx, k, v[0])
		}
	}
	return ctx
}

var errNoHost = &Error{Code: "host_unavailable", Category: CategoryInternal,
	Message: "host services are not connected (the plugin was not configured by a host)"}

func (h *hostClient) Billy(ctx context.Context, req BillyRequest) (*BillyResponse, error) {
	if h.client == nil {
		return nil, errNoHost
	}
	wire := &pluginv1.BillyRequest{CallId: h.callID, Method: req.Method, Path: req.Path}
	for k, vs := range req.Query {
		for _, v := range vs {
			wire.Query = append(wire.Query, &pluginv1.QueryParam{Key: k, Value: v})
		}
	}
	if req.Body != nil {
		b, err := json.Marshal(req.Body)
		if err != nil {
			return nil, fmt.Errorf("encoding Billy request body: %w", err)
		}
		wire.BodyJson = string(b)
	}
	if u := req.Upload; u != nil {
		if req.Body != nil {
			return nil, fmt.Errorf("a Billy request has either Body or Upload, not both")
		}
		wire.Upload = &pluginv1.BillyUpload{Data: u.Data, ContentType: u.ContentType, Filename: u.FileName}
	}
	resp, err := h.client.CallBilly(withTrace(ctx), wire)
	if err != nil {
		return nil, errorFromStatus(err)
	}
	out := &BillyResponse{Status: int(resp.Status), Body: json.RawMessage(resp.BodyJson)}
	if c := resp.GetCache(); c != nil {
		out.Cache = &BillyCache{Tier: c.Tier, Age: time.Duration(c.AgeMs) * time.Millisecond, Stale: c.Stale, Reason: c.Reason}
	}
	return out, nil
}

func (h *hostClient) CallTool(ctx context.Context, name string, arguments any) (*ToolResult, error) {
	if h.client == nil {
		return nil, errNoHost
	}
	b, err := json.Marshal(arguments)
	if err != nil {
		return nil, fmt.Errorf("encoding arguments for %s: %w", name, err)
	}
	resp, err := h.client.CallTool(withTrace(ctx), &pluginv1.HostCallToolRequest{CallId: h.callID, Name: name, ArgumentsJson: string(b)})
	if err != nil {
		return nil, errorFromStatus(err)
	}
	return toolResultFromWire(resp)
}

func (h *hostClient) Progress(ctx context.Context, progress, total float64, message string) error {
	if h.client == nil {
		return nil
	}
	_, err := h.client.ReportProgress(ctx, &pluginv1.ProgressRequest{CallId: h.callID, Progress: progress, Total: total, Message: message})
	if err != nil {
		return errorFromStatus(err)
	}
	return nil
}

func (h *hostClient) Log(ctx context.Context, level LogLevel, message string, fields map[string]any) error {
	if h.client == nil {
		return nil
	}
	req := &pluginv1.LogRequest{CallId: h.callID, Level: string(level), Message: message}
	if len(fields) > 0 {
		b, err := json.Marshal(fields)
		if err != nil {
			return fmt.Errorf("encoding log fields: %w", err)
		}
		req.DataJson = string(b)
	}
	if _, err := h.client.Log(ctx, req); err != nil {
		return errorFromStatus(err)
	}
	return nil
}

func (h *hostClient) Elicit(ctx context.Context, message string, schema any) (*ElicitResult, error) {
	if h.client == nil {
		return nil, errNoHost
	}
	if !h.call.ClientCanElicit {
		return nil, errmodel.ClientCapabilityMissing(capElicitation)
	}
	b, err := json.Marshal(schema)
	if err != nil {
		return nil, fmt.Errorf("encoding elicitation schema: %w", err)
	}
	resp, err := h.client.Elicit(ctx, &pluginv1.ElicitRequest{CallId: h.callID, Message: message, RequestedSchemaJson: string(b)})
	if err != nil {
		return nil, errorFromStatus(err)
	}
	out := &ElicitResult{Action: resp.Action}
	if resp.ContentJson != "" {
		if err := json.Unmarshal([]byte(resp.ContentJson), &out.Content); err != nil {
			return nil, fmt.Errorf("decoding elicitation answer: %w", err)
		}
	}
	return out, nil
}

func (h *hostClient) Sample(ctx context.Context, req SampleRequest) (*SampleResult, error) {
	if h.client == nil {
		return nil, errNoHost
	}
	if !h.call.ClientCanSample {
		return nil, errmodel.ClientCapabilityMissing(capSampling)
	}
	wire := &pluginv1.SampleRequest{CallId: h.callID, MaxTokens: int32(req.MaxTokens), SystemPrompt: req.SystemPrompt, Temperature: req.Temperature}
	for _, m := range req.Messages {
		wire.Messages = append(wire.Messages, &pluginv1.SamplingMessage{Role: m.Role, Text: m.Text})
	}
	resp, err := h.client.Sample(ctx, wire)
	if err != nil {
		return nil, errorFromStatus(err)
	}
	return &SampleResult{Role: resp.Role, Text: resp.Text, Model: resp.Model, StopReason: resp.StopReason}, nil
}

func (h *hostClient) ReadUpload(ctx context.Context, handle string) (*Upload, error) {
	if h.client == nil {
		return nil, errNoHost
	}
	// An upload may be larger than gRPC's default 4 MiB receive limit; the
	// host's own limit (uploads.max_bytes) is under this one.
	resp, err := h.client.ReadUpload(ctx, &pluginv1.ReadUploadRequest{CallId: h.callID, Handle: handle},
		grpc.MaxCallRecvMsgSize(maxMessageSize))
	if err != nil {
		return nil, errorFromStatus(err)
	}
	return &Upload{Data: resp.Data, MIME: resp.Mime, SHA256: resp.Sha256, FileName: resp.FileName,
		Expires: time.Unix(resp.ExpiresUnix, 0)}, nil
}

func (h *hostClient) ConsumeOnce(ctx context.Context, key string, until time.Time) (bool, error) {
	if h.client == nil {
		return false, errNoHost
	}
	resp, err := h.client.ConsumeOnce(ctx, &pluginv1.ConsumeOnceRequest{CallId: h.callID, Key: key, ExpiresUnix: until.Unix()})
	if err != nil {
		return false, errorFromStatus(err)
	}
	return resp.First, nil
}
