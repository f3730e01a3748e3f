package hostsvc

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/reconcile"
	"github.com/billy-mcp/billy-mcp/host/internal/tracing"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/hashicorp/go-hclog"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Billy sends plugin requests to Billy on behalf of an organization. The
// Billy gateway implements it.
type Billy interface {
	CallBilly(ctx context.Context, organizationID, correlationID string, req *pluginv1.BillyRequest) (*pluginv1.BillyResponse, error)
}

// Dispatcher is the part of dispatch.Dispatcher host services need.
type Dispatcher interface {
	Do(ctx context.Context, op *dispatch.Op) (*dispatch.Outcome, error)
	Lookup(plugin, callID string) (*dispatch.InFlight, bool)
}

// Deps are what host services are built from.
type Deps struct {
	Dispatcher Dispatcher
	// Billy may be nil: CallBilly then answers "not configured".
	Billy  Billy
	Logger hclog.Logger
	// Once keeps single-use keys (ConsumeOnce). nil answers as a host
	// without the service (UNIMPLEMENTED), so plugins fall back to memory.
	Once Once
	// Uploads reads the files clients uploaded (ReadUpload). nil answers
	// as a host without the service (UNIMPLEMENTED).
	Uploads Uploads
}

// Factory returns a constructor of per-plugin HostServices servers, the shape
// the plugin manager wants.
func Factory(d Deps) func(plugin string) pluginv1.HostServicesServer {
	if d.Logger == nil {
		d.Logger = hclog.NewNullLogger()
	}
	return func(plugin string) pluginv1.HostServicesServer {
		logger := d.Logger.Named("plugin." + plugin)
		return &server{plugin: plugin, deps: d, logger: logger, writes: &reconcile.Sender{Billy: d.Billy, Logger: logger}}
	}
}

type server struct {
	pluginv1.UnimplementedHostServicesServer
	plugin string
	deps   Deps
	logger hclog.Logger
	writes *reconcile.Sender
}

// toStatus encodes an error as a status with a ToolError detail, which the
// sdk turns back into *sdk.Error. An error outside the model is masked.
func toStatus(err error) error { return errmodel.ToStatus(errmodel.From(err)) }

func (s *server) call(id string) (*dispatch.InFlight, error) {
	c, ok := s.deps.Dispatcher.Lookup(s.plugin, id)
	if !ok {
		return nil, status.Errorf(codes.PermissionDenied, "call %q is not in flight for plugin %s", id, s.plugin)
	}
	return c, nil
}

func (s *server) CallBilly(ctx context.Context, req *pluginv1.BillyRequest) (*pluginv1.BillyResponse, error) {
	c, err := s.call(req.CallId)
	if err != nil {
		return nil, err
	}
	if s.deps.Billy == nil {
		return nil, toStatus(errmodel.New(errmodel.UpstreamUnavailable, "billy_not_configured",
			"this host has no Billy gateway configured"))
	}
	if err := authorizeBilly(c, req); err != nil {
		return nil, toStatus(err)
	}
	ctx = tracing.FromPlugin(ctx, c.Ctx)
	if c.Op.Fresh {
		ctx = dispatch.WithFresh(ctx)
	}
	var resp *pluginv1.BillyResponse
	if isWrite(req.Method) && c.Writes != nil {
		resp, err = s.write(ctx, c, req)
	} else {
		resp, err = s.deps.Billy.CallBilly(ctx, c.Op.Caller.OrganizationID, c.Op.CorrelationID, req)
	}
	if err != nil {
		return nil, toStatus(err)
	}
	if cc := resp.GetCache(); cc.GetStale() {
		c.Op.Cache.NoteStale(time.Duration(cc.AgeMs)*time.Millisecond, cc.Reason)
	}
	return resp, nil
}

func (s *server) CallTool(ctx context.Context, req *pluginv1.HostCallToolRequest) (*pluginv1.CallToolResponse, error) {
	c, err := s.call(req.CallId)
	if err != nil {
		return nil, err
	}
	parent := c.Op
	out, err := s.deps.Dispatcher.Do(tracing.FromPlugin(ctx, c.Ctx), &dispatch.Op{
		Kind: dispatch.CallTool, Name: req.Name, Arguments: json.RawMessage(req.ArgumentsJson),
		Caller: parent.Caller, CorrelationID: parent.CorrelationID, Client: parent.Client,
		WritesMode: parent.WritesMode, Depth: parent.Depth + 1,
		Fresh: parent.Fresh, Cache: parent.Cache, Parent: parent,
	})
	if err != nil {
		// The called tool's failure (or the host's refusal) is data, as it
		// is from a plugin: the calling plugin gets the *sdk.Error.
		return &pluginv1.CallToolResponse{IsError: true, Error: errmodel.ToWire(errmodel.From(err))}, nil
	}
	return out.Tool, nil
}

func (s *server) ReportProgress(_ context.Context, req *pluginv1.ProgressRequest) (*pluginv1.ProgressResponse, error) {
	c, err := s.call(req.CallId)
	if err != nil {
		return nil, err
	}
	if len(c.Op.ProgressToken) > 0 && c.Op.Client != nil {
		if err := c.Op.Client.Progress(c.Ctx, req.Progress, req.Total, req.Message); err != nil {
			s.logger.Debug("progress not delivered", "error", err, "correlation_id", c.Op.CorrelationID)
		}
	}
	return &pluginv1.ProgressResponse{}, nil
}

var levels = map[string]hclog.Level{"debug": hclog.Debug, "info": hclog.Info, "notice": hclog.Info, "warning": hclog.Warn, "error": hclog.Error}

func (s *server) Log(_ context.Context, req *pluginv1.LogRequest) (*pluginv1.LogResponse, error) {
	c, err := s.call(req.CallId)
	if err != nil {
		return nil, err
	}
	lvl, ok := levels[req.Level]
	if !ok {
		return nil, status.Errorf(codes.InvalidArgument, "log level %q: use debug, info, notice, warning or error", req.Level)
	}
	// The host log gets the message, not the data: data may carry personal
	// details, which stay between the plugin and the client that asked.
	s.logger.Log(lvl, req.Message, "correlation_id", c.Op.CorrelationID)
	if c.Op.Client != nil {
		var data any = req.Message
		if req.DataJson != "" {
			var fields map[string]any
			if json.Unmarshal([]byte(req.DataJson), &fields) == nil && fields != nil {
				fields["message"] = req.Message
				data = fields
			}
		}
		logger := req.Logger
		if logger == "" {
			logger = s.plugin
		}
		if err := c.Op.Client.Log(c.Ctx, req.Level, logger, data); err != nil {
			s.logger.Debug("log message not delivered", "error", err)
		}
	}
	return &pluginv1.LogResponse{}, nil
}

func (s *server) Elicit(ctx context.Context, req *pluginv1.ElicitRequest) (*pluginv1.ElicitResponse, error) {
	c, err := s.call(req.CallId)
	if err != nil {
		return nil, err
	}
	if c.Op.Client == nil || !c.Op.Client.CanElicit() {
		return nil, status.Error(codes.FailedPrecondition, "the client does not support elicitation")
	}
	action, content, err := c.Op.Client.Elicit(c.Ctx, req.Message, json.RawMessage(req.RequestedSchemaJson))
	if e := (*errmodel.Error)(nil); errors.As(err, &e) {
		return nil, toStatus(e) // input_required: the client answers in a round trip
	}
	if err != nil {
		return nil, toStatus(errmodel.New(errmodel.UpstreamUnavailable, "elicitation_failed", "asking the user failed: %v", err))
	}
	return &pluginv1.ElicitResponse{Action: action, ContentJson: string(content)}, nil
}

func (s *server) Sample(ctx context.Context, req *pluginv1.SampleRequest) (*pluginv1.SampleResponse, error) {
	c, err := s.call(req.CallId)
	if err != nil {
		return nil, err
	}
	if c.Op.Client == nil || !c.Op.Client.CanSample() {
		return nil, status.Error(codes.FailedPrecondition, "the client does not support sampling")
	}
	resp, err := c.Op.Client.Sample(c.Ctx, req)
	if e := (*errmodel.Error)(nil); errors.As(err, &e) {
		return nil, toStatus(e) // input_required: the client answers in a round trip
	}
	if err != nil {
		return nil, toStatus(errmodel.New(errmodel.UpstreamUnavailable, "sampling_failed", "asking the client's model failed: %v", err))
	}
	return resp, nil
}
