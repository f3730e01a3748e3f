package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// Version is the sdk's version, reported to the host for diagnostics.
const Version = "0.1.0"

// Plugin declares everything a plugin offers.
type Plugin struct {
	// Name is unique per deployment, e.g. "invoices". Required.
	Name string
	// Version is the plugin's own semantic version. Required.
	Version     string
	Description string

	Tools             []Tool
	Resources         []Resource
	ResourceTemplates []ResourceTemplate
	Prompts           []Prompt

	// Configure receives the plugin's own config section from the host's
	// config file as JSON ("{}" when there is none); DeploymentFrom(ctx)
	// says where the plugin runs and gives it its signing key. Return an *Error with
	// Fields to reject a bad value; the host refuses to start the plugin and
	// logs the message. Optional.
	Configure func(ctx context.Context, config json.RawMessage) error
	// ConfigSchema documents the config section; optional.
	ConfigSchema any
	// Health reports whether the plugin can serve; nil means always healthy.
	Health func(ctx context.Context) error
}

// compiled is a validated Plugin with its lookup tables built.
type compiled struct {
	*Plugin
	tools     map[string]*Tool
	resources map[string]*Resource
	templates []compiledTemplate
	prompts   map[string]*Prompt
}

type compiledTemplate struct {
	*ResourceTemplate
	matcher *templateMatcher
}

// check validates the declaration and builds the lookup tables. Every problem
// is reported at once, so an author fixes them in one go.
func (p *Plugin) check() (*compiled, error) {
	var errs []error
	if p.Name == "" {
		errs = append(errs, errors.New("plugin Name is required"))
	}
	if p.Version == "" {
		errs = append(errs, errors.New("plugin Version is required"))
	}
	c := &compiled{Plugin: p, tools: map[string]*Tool{}, resources: map[string]*Resource{}, prompts: map[string]*Prompt{}}
	for i := range p.Tools {
		t := &p.Tools[i]
		if t.call == nil && t.err == nil {
			errs = append(errs, fmt.Errorf("tool #%d: declare tools with sdk.NewTool", i))
			continue
		}
		if t.err != nil {
			errs = append(errs, t.err)
			continue
		}
		if _, dup := c.tools[t.spec.Name]; dup {
			errs = append(errs, fmt.Errorf("tool %s: declared twice", t.spec.Name))
		}
		c.tools[t.spec.Name] = t
	}
	for i := range p.Resources {
		r := &p.Resources[i]
		if r.URI == "" || r.Name == "" || r.Read == nil {
			errs = append(errs, fmt.Errorf("resource #%d (%q): URI, Name and Read are required", i, r.URI))
			continue
		}
		c.resources[r.URI] = r
	}
	for i := range p.ResourceTemplates {
		rt := &p.ResourceTemplates[i]
		if rt.URITemplate == "" || rt.Name == "" || rt.Read == nil {
			errs = append(errs, fmt.Errorf("resource template #%d (%q): URITemplate, Name and Read are required", i, rt.URITemplate))
			continue
		}
		m, err := compileTemplate(rt.URITemplate)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		c.templates = append(c.templates, compiledTemplate{rt, m})
	}
	for i := range p.Prompts {
		pr := &p.Prompts[i]
		if pr.Name == "" || pr.Get == nil {
			errs = append(errs, fmt.Errorf("prompt #%d (%q): Name and Get are required", i, pr.Name))
			continue
		}
		c.prompts[pr.Name] = pr
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("plugin %q is declared wrongly:\n%w", p.Name, err)
	}
	return c, nil
}

// handshake is the go-plugin handshake every billy-mcp plugin uses; the host
// builds the same one from package pluginv1's constants.
var handshake = goplugin.HandshakeConfig{
	ProtocolVersion:  pluginv1.TransportVersion,
	MagicCookieKey:   pluginv1.MagicCookieKey,
	MagicCookieValue: pluginv1.MagicCookieValue,
}

// Serve runs the plugin until the host stops it. It is the whole of a
// plugin's main function. A declaration error is printed and the process
// exits with status 1, so mistakes surface on the first run.
func Serve(p *Plugin) {
	// JSON on stderr: go-plugin parses it and re-logs it in the host with
	// the plugin's name attached.
	logger := hclog.New(&hclog.LoggerOptions{Name: p.Name, Output: os.Stderr, JSONFormat: true, Level: hclog.Trace})
	gp, err := p.goPlugin(logger)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	watchParent(p.Name) // exit soon after the host dies, however it dies (parent_linux.go)
	goplugin.Serve(&goplugin.ServeConfig{
		HandshakeConfig:  handshake,
		VersionedPlugins: map[int]goplugin.PluginSet{pluginv1.TransportVersion: {pluginv1.PluginName: gp}},
		GRPCServer:       newGRPCServer,
		Logger:           logger,
	})
}

// goPlugin returns the go-plugin implementation that serves p. Serve uses
// it, and sdktest through the bridge.
func (p *Plugin) goPlugin(logger hclog.Logger) (goplugin.Plugin, error) {
	c, err := p.check()
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	return &grpcPlugin{plugin: c, logger: logger}, nil
}

// maxMessageSize bounds one gRPC message. Invoice lists and PDFs fit well
// within it; anything larger should be paged.
const maxMessageSize = 16 << 20

func newGRPCServer(opts []grpc.ServerOption) *grpc.Server {
	opts = append(opts,
		grpc.MaxRecvMsgSize(maxMessageSize),
		grpc.MaxSendMsgSize(maxMessageSize),
		grpc.ChainUnaryInterceptor(recoverUnary),
	)
	return grpc.NewServer(opts...)
}
