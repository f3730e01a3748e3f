package e2e

import (
	"context"
	"encoding/json"
	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
	"os/exec"
	"path/filepath"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// goSDKClient is the official Go SDK's client
// (github.com/modelcontextprotocol/go-sdk/mcp), as an application uses it:
// NewClient, then Connect over StreamableClientTransport or CommandTransport.
type goSDKClient struct {
	session *mcp.ClientSession
}

func connectGoSDK(ctx context.Context, target serverTarget) (*clientSession, error) {
	logs := &testkit.SyncBuffer{}
	client := mcp.NewClient(&mcp.Implementation{Name: "billy-mcp-matrix-go-sdk", Version: "1.0.0"}, nil)
	var transport mcp.Transport
	if target.url != "" {
		transport = &mcp.StreamableClientTransport{Endpoint: target.url}
	} else {
		cmd := exec.Command(filepath.Join(binDir, "billy-mcp"), "stdio", "--config", target.cfg)
		cmd.Env = baseEnv()
		cmd.Stderr = logs
		transport = &mcp.CommandTransport{Command: cmd}
	}
	session, err := client.Connect(ctx, transport, nil)
	if err != nil {
		return nil, err
	}
	return &clientSession{
		client: &goSDKClient{session: session},
		// The SDK's ServerCapabilities struct has no fields for keys it
		// does not model (sampling, elicitation), so it cannot show them.
		capabilities: nil,
		protocol:     session.InitializeResult().ProtocolVersion,
		logs:         logs,
	}, nil
}

func (c *goSDKClient) ListTools(ctx context.Context) ([]byte, error) {
	var tools []*mcp.Tool
	for tool, err := range c.session.Tools(ctx, nil) {
		if err != nil {
			return nil, err
		}
		tools = append(tools, tool)
	}
	return json.Marshal(tools)
}

func (c *goSDKClient) CallTool(ctx context.Context, name string, args map[string]any) ([]byte, error) {
	res, err := c.session.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		return nil, err
	}
	return json.Marshal(res)
}

func (c *goSDKClient) Close() error { return c.session.Close() }
