package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// nodeClient drives an npm MCP client library through host/e2e/clients/
// driver.mjs: one Node process per session, one JSON request a line.
type nodeClient struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan []byte
	logs  *testkit.SyncBuffer

	mu     sync.Mutex
	nextID int
}

// driverAnswer is one line the driver writes.
type driverAnswer struct {
	ID    int             `json:"id"`
	Ready *bool           `json:"ready"`
	Error string          `json:"error"`
	Tools json.RawMessage `json:"tools"`
	// Result is the library's CallToolResult.
	Result          json.RawMessage `json:"result"`
	Capabilities    map[string]any  `json:"capabilities"`
	ProtocolVersion string          `json:"protocolVersion"`
}

// connectNode starts the driver for one library ("ts-sdk", "ai-sdk") and
// waits for it to have initialized with the server.
func connectNode(library string, target serverTarget) (*clientSession, error) {
	tools, err := nodeTools()
	if err != nil {
		return nil, err
	}
	spec := map[string]any{"client": library, "nodeModules": nodeModules(tools)}
	if target.url != "" {
		spec["url"] = target.url
	} else {
		// The library starts the server itself, with exactly this
		// environment: no BILLY_* setting of the developer's shell.
		env := map[string]string{}
		for _, kv := range baseEnv() {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		spec["command"] = filepath.Join(binDir, "billy-mcp")
		spec["args"] = []string{"stdio", "--config", target.cfg}
		spec["env"] = env
	}
	specJSON, _ := json.Marshal(spec)
	c := &nodeClient{lines: make(chan []byte, 1), logs: &testkit.SyncBuffer{}}
	c.cmd = exec.Command(nodeBin(tools), filepath.Join("clients", "driver.mjs"), string(specJSON))
	c.cmd.Env = nodeEnv(tools)
	c.cmd.Stderr = c.logs
	if c.stdin, err = c.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := c.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		defer close(c.lines)
		r := bufio.NewReader(stdout)
		for {
			line, err := r.ReadBytes('\n')
			if len(line) > 0 {
				c.lines <- line
			}
			if err != nil {
				return
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	hello, err := c.read(ctx)
	if err != nil {
		c.Close()
		return nil, err
	}
	if hello.Ready == nil || !*hello.Ready {
		c.Close()
		return nil, fmt.Errorf("connecting: %s", hello.Error)
	}
	return &clientSession{client: c, capabilities: hello.Capabilities, protocol: hello.ProtocolVersion, logs: c.logs}, nil
}

func (c *nodeClient) read(ctx context.Context) (driverAnswer, error) {
	select {
	case line, ok := <-c.lines:
		if !ok {
			return driverAnswer{}, fmt.Errorf("the driver exited; its stderr:\n%s", clip(c.logs.String(), 2000))
		}
		var a driverAnswer
		if err := json.Unmarshal(line, &a); err != nil {
			return driverAnswer{}, fmt.Errorf("the driver wrote %q: %w", clip(string(line), 200), err)
		}
		return a, nil
	case <-ctx.Done():
		// A hung library must not hang the test: end the process.
		_ = c.cmd.Process.Kill()
		return driverAnswer{}, fmt.Errorf("no answer: %w", ctx.Err())
	}
}

func (c *nodeClient) roundTrip(ctx context.Context, req map[string]any) (driverAnswer, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nextID++
	req["id"] = c.nextID
	b, _ := json.Marshal(req)
	if _, err := c.stdin.Write(append(b, '\n')); err != nil {
		return driverAnswer{}, fmt.Errorf("writing to the driver: %w", err)
	}
	a, err := c.read(ctx)
	if err != nil {
		return a, err
	}
	if a.ID != c.nextID {
		return a, fmt.Errorf("the driver answered request %d, want %d", a.ID, c.nextID)
	}
	if a.Error != "" {
		return a, fmt.Errorf("%s", a.Error)
	}
	return a, nil
}

func (c *nodeClient) ListTools(ctx context.Context) ([]byte, error) {
	a, err := c.roundTrip(ctx, map[string]any{"op": "list"})
	return a.Tools, err
}

func (c *nodeClient) CallTool(ctx context.Context, name string, args map[string]any) ([]byte, error) {
	a, err := c.roundTrip(ctx, map[string]any{"op": "call", "name": name, "arguments": args})
	return a.Result, err
}

// Close ends the session by closing stdin, as the driver expects, and
// kills the process if it does not exit soon after.
func (c *nodeClient) Close() error {
	_ = c.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		return fmt.Errorf("the driver did not exit within 10s of stdin closing")
	}
}
