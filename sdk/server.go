package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sort"
	"sync"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/billy-mcp/billy-mcp/sdk/internal/bridge"
	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// grpcPlugin adapts a compiled Plugin to go-plugin and to the Plugin service.
type grpcPlugin struct {
	goplugin.NetRPCUnsupportedPlugin
	pluginv1.UnimplementedPluginServer

	plugin *compiled
	broker *goplugin.GRPCBroker
	// logger takes the detail of internal errors, which callers see only as
	// a correlation ID.
	logger hclog.Logger

	mu   sync.Mutex
	host pluginv1.HostServicesClient // set by Configure
	// textFromStructured: the host puts back a text item that mirrors the
	// structured content, so it need not cross the wire twice.
	textFromStructured bool
}

// GRPCServer registers the Plugin service (plugin side).
func (g *grpcPlugin) GRPCServer(broker *goplugin.GRPCBroker, s *grpc.Server) error {
	g.broker = broker
	pluginv1.RegisterPluginServer(s, g)
	return nil
}

// GRPCClient hands the raw connection and broker to sdktest, which dispenses
// the plugin in-process (the host has its own client side).
func (g *grpcPlugin) GRPCClient(_ context.Context, broker *goplugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return &bridge.Conn{ClientConn: conn, Broker: broker}, nil
}

func (g *grpcPlugin) Describe(context.Context, *pluginv1.DescribeRequest) (*pluginv1.DescribeResponse, error) {
	p := g.plugin
	resp := &pluginv1.DescribeResponse{
		Name:            p.Name,
		Version:         p.Version,
		ProtocolVersion: pluginv1.ProtocolVersion,
		SdkVersion:      Version,
		Description:     p.Description,
	}
	if p.ConfigSchema != nil {
		b, err := json.Marshal(p.ConfigSchema)
		if err != nil {
			return nil, status.Errorf(codes.Internal, "encoding config schema: %v", err)
		}
		resp.ConfigSchemaJson = string(b)
	}
	for i := range p.Tools {
		resp.Tools = append(resp.Tools, toolDescriptor(&p.Tools[i]))
	}
	for _, r := range p.Resources {
		resp.Resources = append(resp.Resources, &pluginv1.ResourceDescriptor{
			Uri: r.URI, Name: r.Name, Title: r.Title, Description: r.Description, MimeType: r.MIMEType})
	}
	for _, rt := range p.ResourceTemplates {
		resp.ResourceTemplates = append(resp.ResourceTemplates, &pluginv1.ResourceTemplateDescriptor{
			UriTemplate: rt.URITemplate, Name: rt.Name, Title: rt.Title, Description: rt.Description, MimeType: rt.MIMEType})
	}
	for _, pr := range p.Prompts {
		d := &pluginv1.PromptDescriptor{Name: pr.Name, Title: pr.Title, Description: pr.Description}
		for _, a := range pr.Arguments {
			d.Arguments = append(d.Arguments, &pluginv1.PromptArgument{Name: a.Name, Description: a.Description, Required: a.Required})
		}
		resp.Prompts = append(resp.Prompts, d)
	}
	return resp, nil
}

func toolDescriptor(t *Tool) *pluginv1.ToolDescriptor {
	s := t.spec
	readOnly := s.Effect == ReadOnly
	destructive := s.Effect == Destructive
	openWorld := !s.ClosedWorld
	idempotent := s.Idempotent || readOnly
	d := &pluginv1.ToolDescriptor{
		Name:             s.Name,
		Title:            s.Title,
		Description:      s.Description,
		InputSchemaJson:  string(t.inputSchema),
		OutputSchemaJson: string(t.outputSchema),
		Annotations: &pluginv1.ToolAnnotations{
			ReadOnly: &readOnly, Destructive: &destructive, Idempotent: &idempotent, OpenWorld: &openWorld},
		Category:       s.Category,
		RequiredScopes: append([]string(nil), s.Scopes...),
		TaskSupport:    pluginv1.TaskSupport(s.Task),
		DeferTask:      s.DeferTask && s.Task != TaskNone,
	}
	sort.Strings(d.RequiredScopes)
	for _, ex := range s.Examples {
		b, err := json.Marshal(ex.Arguments)
		if err != nil {
			continue // an example that cannot be encoded is not worth failing Describe for
		}
		d.Examples = append(d.Examples, &pluginv1.ToolExample{Title: ex.Title, ArgumentsJson: string(b)})
	}
	return d
}

func (g *grpcPlugin) Configure(ctx context.Context, req *pluginv1.ConfigureRequest) (*pluginv1.ConfigureResponse, error) {
	g.mu.Lock()
	g.textFromStructured = slices.Contains(req.HostFeatures, pluginv1.HostFeatureTextFromStructured)
	g.mu.Unlock()
	if req.HostServicesBrokerId != 0 && g.broker != nil {
		conn, err := g.broker.Dial(req.HostServicesBrokerId)
		if err != nil {
			return nil, status.Errorf(codes.Unavailable, "dialing host services: %v", err)
		}
		g.mu.Lock()
		g.host = pluginv1.NewHostServicesClient(conn)
		g.mu.Unlock()
	}
	if g.plugin.Configure != nil {
		ctx = context.WithValue(ctx, deploymentKey{}, Deployment{Environment: req.Environment, SigningKey: req.SigningKey,
			DataDir: req.DataDir, DatabaseURL: req.DatabaseUrl})
		raw := json.RawMessage(req.ConfigJson)
		if len(raw) == 0 {
			raw = json.RawMessage("{}")
		}
		if err := g.plugin.Configure(ctx, raw); err != nil {
			// A plugin that cannot take its config has failed: a status.
			// The author's message is shown to the operator as it is,
			// since it is about the operator's own config file.
			var e *Error
			if !errors.As(err, &e) {
				e = &Error{Code: "invalid_config", Category: CategoryValidation, Message: err.Error()}
			}
			return nil, errmodel.ToStatus(e)
		}
	}
	return &pluginv1.ConfigureResponse{}, nil
}

func (g *grpcPlugin) hostClient() pluginv1.HostServicesClient {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.host
}

// newCall builds the Call handed to a handler from the wire context.
func (g *grpcPlugin) newCall(cc *pluginv1.CallContext) *Call {
	if cc == nil {
		cc = &pluginv1.CallContext{}
	}
	call := &Call{CorrelationID: cc.CorrelationId, WritesMode: WritesMode(cc.WritesMode)}
	if call.WritesMode == "" {
		// A host too old to say: the safe choice.
		call.WritesMode = WritesConfirm
	}
	if c := cc.Caller; c != nil {
		call.Caller = Caller{Subject: c.Subject, OrganizationID: c.OrganizationId, Scopes: c.Scopes, Transport: c.Transport}
	}
	if caps := cc.ClientCapabilities; caps != nil {
		call.ClientCanElicit, call.ClientCanSample, call.ClientCanListRoots = caps.Elicitation, caps.Sampling, caps.Roots
	}
	call.Host = &hostClient{client: g.hostClient(), callID: cc.CallId, call: call}
	return call
}

// CallTool runs one tool. A failure of the tool is data in the response; a
// gRPC status would tell the host that the plugin itself failed.
func (g *grpcPlugin) CallTool(ctx context.Context, req *pluginv1.CallToolRequest) (*pluginv1.CallToolResponse, error) {
	call := g.newCall(req.Context)
	t, ok := g.plugin.tools[req.Name]
	if !ok {
		return &pluginv1.CallToolResponse{IsError: true, Error: g.wireError(call, "tool "+req.Name,
			NotFound("tool_not_found", "plugin %s has no tool %q", g.plugin.Name, req.Name))}, nil
	}
	var res *Result
	err := g.guard(call, "tool "+req.Name, func() (err error) {
		res, err = t.call(ctx, call, json.RawMessage(req.ArgumentsJson))
		return err
	})
	if err != nil {
		return &pluginv1.CallToolResponse{IsError: true, Error: g.wireError(call, "tool "+req.Name, err), AuditNote: call.auditNote()}, nil
	}
	g.mu.Lock()
	fromStructured := g.textFromStructured
	g.mu.Unlock()
	resp, err := resultToWire(res, fromStructured)
	if err != nil {
		return &pluginv1.CallToolResponse{IsError: true, Error: g.wireError(call, "tool "+req.Name, err), AuditNote: call.auditNote()}, nil
	}
	resp.AuditNote = call.auditNote()
	return resp, nil
}

func (g *grpcPlugin) ReadResource(ctx context.Context, req *pluginv1.ReadResourceRequest) (*pluginv1.ReadResourceResponse, error) {
	call := g.newCall(req.Context)
	var contents []ResourceContents
	err := g.guard(call, "resource "+req.Uri, func() (err error) {
		if r, ok := g.plugin.resources[req.Uri]; ok {
			contents, err = r.Read(ctx, call)
			return err
		}
		for _, t := range g.plugin.templates {
			if vars, ok := t.matcher.match(req.Uri); ok {
				contents, err = t.Read(ctx, call, req.Uri, vars)
				return err
			}
		}
		return NotFound("resource_not_found", "no resource %q in plugin %s", req.Uri, g.plugin.Name)
	})
	if err != nil {
		return &pluginv1.ReadResourceResponse{Error: g.wireError(call, "resource "+req.Uri, err)}, nil
	}
	resp := &pluginv1.ReadResourceResponse{}
	for _, c := range contents {
		resp.Contents = append(resp.Contents, resourceContentsToWire(c))
	}
	return resp, nil
}

func (g *grpcPlugin) GetPrompt(ctx context.Context, req *pluginv1.GetPromptRequest) (*pluginv1.GetPromptResponse, error) {
	call := g.newCall(req.Context)
	what := "prompt " + req.Name
	p, ok := g.plugin.prompts[req.Name]
	if !ok {
		return &pluginv1.GetPromptResponse{Error: g.wireError(call, what,
			NotFound("prompt_not_found", "plugin %s has no prompt %q", g.plugin.Name, req.Name))}, nil
	}
	for _, a := range p.Arguments {
		if a.Required && req.Arguments[a.Name] == "" {
			return &pluginv1.GetPromptResponse{Error: g.wireError(call, what,
				Invalid(a.Name, "required argument of prompt %s is missing", p.Name))}, nil
		}
	}
	var res *PromptResult
	err := g.guard(call, what, func() (err error) {
		res, err = p.Get(ctx, call, req.Arguments)
		return err
	})
	if err != nil {
		return &pluginv1.GetPromptResponse{Error: g.wireError(call, what, err)}, nil
	}
	resp := &pluginv1.GetPromptResponse{Description: res.Description}
	for _, m := range res.Messages {
		c, err := contentToWire(m.Content)
		if err != nil {
			return &pluginv1.GetPromptResponse{Error: g.wireError(call, what, err)}, nil
		}
		resp.Messages = append(resp.Messages, &pluginv1.PromptMessage{Role: m.Role, Content: c})
	}
	return resp, nil
}

// guard runs a handler, turning a panic into an internal error: one bad call
// never takes the plugin process (and every other call) down.
func (g *grpcPlugin) guard(call *Call, what string, run func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(panicOutput, "panic in %s (correlation ID %s): %v\n%s", what, call.CorrelationID, r, debug.Stack())
			err = &Error{Code: "plugin_panic", Category: CategoryInternal,
				Message: fmt.Sprintf("the %s plugin failed while handling %s; its log has the details under this request's correlation ID", g.plugin.Name, what)}
		}
	}()
	return run()
}

// wireError encodes a handler's failure. An *Error goes as it is; any other
// error is masked like the host masks its own: the caller gets a generic
// message with the correlation ID, and the detail goes only to the plugin's
// log (which the host collects under the plugin's name).
func (g *grpcPlugin) wireError(call *Call, what string, err error) *pluginv1.ToolError {
	var e *Error
	if !errors.As(err, &e) {
		g.logger.Error("internal error", "in", what, "correlation_id", call.CorrelationID, "error", err.Error())
		e = &Error{Code: errmodel.CodeInternal, Category: CategoryInternal,
			Message: fmt.Sprintf("internal error in the %s plugin; its log has the details under this request's correlation ID", g.plugin.Name)}
	}
	return errmodel.ToWire(e)
}

func (g *grpcPlugin) Health(ctx context.Context, _ *pluginv1.HealthRequest) (*pluginv1.HealthResponse, error) {
	if g.plugin.Health != nil {
		if err := g.plugin.Health(ctx); err != nil {
			return &pluginv1.HealthResponse{Healthy: false, Message: err.Error()}, nil
		}
	}
	return &pluginv1.HealthResponse{Healthy: true}, nil
}

// recoverUnary turns a handler panic into an Internal status, so one bad
// call never takes the plugin process (and every other call) down.
func recoverUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errmodel.ToStatus(&Error{Code: "plugin_panic", Category: CategoryInternal,
				Message: fmt.Sprintf("the plugin failed while handling %s", info.FullMethod)})
			fmt.Fprintf(panicOutput, "panic in %s: %v\n%s", info.FullMethod, r, debug.Stack())
		}
	}()
	return handler(ctx, req)
}
