package load

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// mcpCaller is one MCP client over Streamable HTTP: one session on
// 2025-11-25, one connection on the session-less 2026-07-28.
type mcpCaller struct {
	c  *client.Client
	hc *http.Client
}

// dialMCP connects and initializes a client on the given spec revision, and
// fails if the server settles on another.
func dialMCP(ctx context.Context, endpoint, protocol, apiKey string) (*mcpCaller, error) {
	hc := newHTTPClient()
	opts := []transport.StreamableHTTPCOption{transport.WithHTTPBasicClient(hc)}
	if apiKey != "" {
		opts = append(opts, transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + apiKey}))
	}
	tr, err := transport.NewStreamableHTTP(endpoint, opts...)
	if err != nil {
		return nil, err
	}
	c := client.NewClient(tr, client.WithProtocolVersion(protocol))
	if err := c.Start(ctx); err != nil {
		return nil, err
	}
	var req mcp.InitializeRequest
	req.Params.ProtocolVersion = protocol
	req.Params.ClientInfo = mcp.Implementation{Name: "billy-mcp-load", Version: "1"}
	res, err := c.Initialize(ctx, req)
	if err != nil {
		c.Close()
		var auth *transport.AuthorizationRequiredError
		if errors.As(err, &auth) {
			return nil, fmt.Errorf("%v: the server wants an API key (--api-key or BILLY_LOAD_API_KEY)", err)
		}
		return nil, err
	}
	if res.ProtocolVersion != protocol {
		c.Close()
		return nil, fmt.Errorf("the server settled on MCP %s, not the --protocol %s asked for", res.ProtocolVersion, protocol)
	}
	return &mcpCaller{c: c, hc: hc}, nil
}

func (m *mcpCaller) call(ctx context.Context, c Call) Outcome {
	var req mcp.CallToolRequest
	req.Params.Name = c.Tool
	// Raw JSON goes out as it is: the arguments are not decoded and encoded
	// again on every call.
	req.Params.Arguments = c.Arguments
	res, err := m.c.CallTool(ctx, req)
	switch {
	case err != nil:
		return fromMCPError(err)
	case res.IsError:
		return fromToolError(res)
	}
	return Outcome{}
}

func (m *mcpCaller) close() {
	m.c.Close()
	closeIdle(m.hc)
}
