package e2e

import (
	"context"
	"encoding/json"
	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
	"io"
	"os/exec"
	"path/filepath"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// mcpGoClient is mcp-go's own client (github.com/mark3labs/mcp-go/client),
// the library the host's server side is built on, so it is the client
// least likely to disagree with the server: the matrix has it as the
// baseline, not as proof.
type mcpGoClient struct {
	c *client.Client
}

func connectMCPGo(ctx context.Context, target serverTarget) (*clientSession, error) {
	logs := &testkit.SyncBuffer{}
	var c *client.Client
	var err error
	if target.url != "" {
		c, err = client.NewStreamableHttpClient(target.url)
		if err == nil {
			// Start's context lives as long as the client (it carries the
			// listening stream), so it is not the caller's.
			err = c.Start(context.Background())
		}
	} else {
		exact := transport.WithCommandFunc(func(ctx context.Context, command string, env, args []string) (*exec.Cmd, error) {
			cmd := exec.CommandContext(ctx, command, args...)
			cmd.Env = env
			return cmd, nil
		})
		c, err = client.NewStdioMCPClientWithOptions(filepath.Join(binDir, "billy-mcp"), baseEnv(), []string{"stdio", "--config", target.cfg}, exact)
		if err == nil {
			if stderr, ok := client.GetStderr(c); ok {
				go func() { _, _ = io.Copy(logs, stderr) }()
			}
		}
	}
	if err != nil {
		return nil, err
	}
	var req mcp.InitializeRequest
	req.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	req.Params.ClientInfo = mcp.Implementation{Name: "billy-mcp-matrix-mcp-go", Version: "1.0.0"}
	hello, err := c.Initialize(ctx, req)
	if err != nil {
		c.Close()
		return nil, err
	}
	// mcp-go models every capability key, sampling and elicitation too, so
	// its view shows what the server really declared.
	var caps map[string]any
	b, _ := json.Marshal(hello.Capabilities)
	_ = json.Unmarshal(b, &caps)
	return &clientSession{client: &mcpGoClient{c: c}, capabilities: caps, protocol: hello.ProtocolVersion, logs: logs}, nil
}

func (m *mcpGoClient) ListTools(ctx context.Context) ([]byte, error) {
	var tools []mcp.Tool
	var req mcp.ListToolsRequest
	for {
		page, err := m.c.ListTools(ctx, req)
		if err != nil {
			return nil, err
		}
		tools = append(tools, page.Tools...)
		if page.NextCursor == "" {
			return json.Marshal(tools)
		}
		req.Params.Cursor = page.NextCursor
	}
}

func (m *mcpGoClient) CallTool(ctx context.Context, name string, args map[string]any) ([]byte, error) {
	var req mcp.CallToolRequest
	req.Params.Name = name
	req.Params.Arguments = args
	res, err := m.c.CallTool(ctx, req)
	if err != nil {
		return nil, err
	}
	return json.Marshal(res)
}

func (m *mcpGoClient) Close() error { return m.c.Close() }
