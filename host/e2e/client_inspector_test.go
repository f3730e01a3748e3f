package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
)

// inspectorClient is the MCP Inspector's CLI (`mcp-inspector --cli`, npm
// @modelcontextprotocol/inspector v2, built on the v2 TypeScript SDK), used
// the way scripts and CI jobs use it: one process per request. Over stdio
// that means a new server process per request too.
type inspectorClient struct {
	tools  string
	target serverTarget
	home   string // a private HOME: the Inspector keeps a catalog and secrets there
	logs   *testkit.SyncBuffer

	mu       sync.Mutex
	findings []string
}

// The Inspector's exit codes (clients/cli EXIT_CODES) that still come with
// a result on stdout.
const (
	inspectorToolError        = 5 // the tool answered isError: true
	inspectorSchemaUnportable = 6 // --strict found error-severity schema problems
)

func connectInspector(target serverTarget, home string) (*clientSession, error) {
	tools, err := nodeTools()
	if err != nil {
		return nil, err
	}
	c := &inspectorClient{tools: tools, target: target, home: home, logs: &testkit.SyncBuffer{}}
	return &clientSession{client: c, parallel: true, serverPerCall: target.url == "", logs: c.logs}, nil
}

// run invokes the CLI once and returns its JSON envelope's result, or the
// Inspector's own error message.
func (c *inspectorClient) run(ctx context.Context, okCodes []int, args ...string) (map[string]json.RawMessage, error) {
	argv := append([]string{"--cli", "--format", "json"}, args...)
	if c.target.url != "" {
		argv = append(argv, "--transport", "http", "--server-url", c.target.url)
	} else {
		argv = append(argv, "--transport", "stdio", "--", filepath.Join(binDir, "billy-mcp"), "stdio", "--config", c.target.cfg)
	}
	// Each run gets its own HOME: parallel runs must not share the
	// Inspector's lock files, and none may touch the developer's.
	home, err := os.MkdirTemp(c.home, "run-")
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, filepath.Join(nodeModules(c.tools), ".bin", "mcp-inspector"), argv...)
	cmd.Env = append(nodeEnv(c.tools), "HOME="+home)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	fmt.Fprintf(c.logs, "$ mcp-inspector %s\n%s", strings.Join(argv, " "), stderr.String())

	code := 0
	var exit *exec.ExitError
	if errors.As(runErr, &exit) {
		code = exit.ExitCode()
	} else if runErr != nil {
		return nil, runErr
	}
	var envelope map[string]json.RawMessage
	if code == 0 || slices.Contains(okCodes, code) {
		if err := json.Unmarshal(stdout.Bytes(), &envelope); err == nil && envelope["result"] != nil {
			return envelope, nil
		}
	}
	return nil, fmt.Errorf("mcp-inspector exited %d: %s", code, inspectorError(stderr.String(), stdout.String()))
}

// inspectorError is the Inspector's error envelope ({"error": {"code",
// "message"}}, its last line on stderr in JSON mode); a stdio server's
// own log lines on the same stream are JSON too but not of this shape.
func inspectorError(stderr, stdout string) string {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		var env struct {
			Error *struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if json.Unmarshal([]byte(lines[i]), &env) == nil && env.Error != nil && env.Error.Message != "" {
			return env.Error.Message
		}
	}
	return clip(stderr+stdout, 500)
}

// ListTools runs tools/list with --strict, whose schema findings the
// matrix reports as their own check.
func (c *inspectorClient) ListTools(ctx context.Context) ([]byte, error) {
	env, err := c.run(ctx, []int{inspectorSchemaUnportable}, "--method", "tools/list", "--strict")
	if err != nil {
		return nil, err
	}
	var result struct {
		Tools json.RawMessage `json:"tools"`
	}
	if err := json.Unmarshal(env["result"], &result); err != nil {
		return nil, err
	}
	var findings []struct {
		ToolName string `json:"toolName"`
		Findings []struct {
			Rule     string `json:"rule"`
			Severity string `json:"severity"`
			Schema   string `json:"schema"`
			Path     string `json:"path"`
		} `json:"findings"`
	}
	if raw := env["schemaFindings"]; raw != nil {
		if err := json.Unmarshal(raw, &findings); err != nil {
			return nil, fmt.Errorf("decoding the Inspector's schema findings: %w", err)
		}
	}
	var lines []string
	for _, t := range findings {
		for _, f := range t.Findings {
			lines = append(lines, fmt.Sprintf("%s %s: %s %s.%s", f.Severity, f.Rule, t.ToolName, f.Schema, f.Path))
		}
	}
	sort.Strings(lines)
	c.mu.Lock()
	c.findings = lines
	c.mu.Unlock()
	return result.Tools, nil
}

func (c *inspectorClient) SchemaFindings() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.findings
}

func (c *inspectorClient) CallTool(ctx context.Context, name string, args map[string]any) ([]byte, error) {
	argsJSON, err := json.Marshal(args)
	if err != nil {
		return nil, err
	}
	env, err := c.run(ctx, []int{inspectorToolError}, "--method", "tools/call", "--tool-name", name, "--tool-args-json", string(argsJSON))
	if err != nil {
		return nil, err
	}
	return env["result"], nil
}

func (c *inspectorClient) Close() error { return nil }
