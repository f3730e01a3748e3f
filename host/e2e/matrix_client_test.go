package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
	"strings"
)

// matrixClient is one MCP client library, written by others, connected to
// one billy-mcp server. Answers come back as the library handed them over,
// encoded as JSON, so that one decoder reads every library's view the same
// way; a library's own exception is the returned error, in its own words.
type matrixClient interface {
	// ListTools returns the tools/list tools as a JSON array.
	ListTools(ctx context.Context) ([]byte, error)
	// CallTool returns the tools/call result as a JSON object.
	CallTool(ctx context.Context, name string, args map[string]any) ([]byte, error)
	Close() error
}

// schemaLinter is a client that checks tool schemas itself (the Inspector's
// --strict); its findings are one matrix check.
type schemaLinter interface {
	SchemaFindings() []string
}

// clientSession is a connected client and what it learned at initialize.
type clientSession struct {
	client matrixClient
	// capabilities are the server capabilities as the library kept them;
	// nil when the library drops keys it does not know, which makes it
	// blind to capabilities a server must not declare.
	capabilities map[string]any
	protocol     string
	// parallel: calls may overlap. True only for the Inspector, which starts
	// a process per call and is slow enough for it to matter.
	parallel bool
	// serverPerCall: every call starts its own stdio server (the Inspector
	// over stdio), so nothing one call writes is there for the next.
	serverPerCall bool
	// logs is the client's (and a stdio server's) stderr, shown on failure.
	logs *testkit.SyncBuffer
}

// serverTarget is where a client finds the server: the /mcp URL of a host
// the test started, or the config a stdio server is started with.
type serverTarget struct {
	url string
	cfg string
}

// listedTool is a tools/list entry as far as the matrix needs it.
type listedTool struct {
	Name        string `json:"name"`
	Annotations struct {
		ReadOnlyHint    *bool `json:"readOnlyHint"`
		DestructiveHint *bool `json:"destructiveHint"`
	} `json:"annotations"`
}

// readOnly and destructive follow the spec's defaults for absent hints.
func (t listedTool) readOnly() bool {
	return t.Annotations.ReadOnlyHint != nil && *t.Annotations.ReadOnlyHint
}

func (t listedTool) destructive() bool {
	return !t.readOnly() && (t.Annotations.DestructiveHint == nil || *t.Annotations.DestructiveHint)
}

// toolResult is a tools/call result as the client returned it.
type toolResult struct {
	IsError bool `json:"isError"`
	Content []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"content"`
	StructuredContent any `json:"structuredContent"`
}

// text is what a user (or a model) reads: the text content blocks.
func (r toolResult) text() string {
	var parts []string
	for _, c := range r.Content {
		if c.Type == "text" {
			parts = append(parts, c.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// structured returns the structured content as an object, or an error
// saying what arrived instead.
func (r toolResult) structured() (map[string]any, error) {
	m, ok := r.StructuredContent.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("no structured content object (got %T); text: %s", r.StructuredContent, clip(r.text(), 300))
	}
	return m, nil
}

// errorObject decodes the error a failed call carries in its text content
// (DESIGN.md, Errors): the object itself or wrapped as {"error": {...}}.
func (r toolResult) errorObject() (map[string]any, error) {
	var obj map[string]any
	if err := json.Unmarshal([]byte(r.text()), &obj); err != nil {
		return nil, fmt.Errorf("the error text is not a JSON error object: %s", clip(r.text(), 300))
	}
	if inner, ok := obj["error"].(map[string]any); ok {
		obj = inner
	}
	if _, ok := obj["code"].(string); !ok {
		return nil, fmt.Errorf("the error object has no code: %s", clip(r.text(), 300))
	}
	return obj, nil
}

func decodeTools(raw []byte) ([]listedTool, error) {
	var tools []listedTool
	if err := json.Unmarshal(raw, &tools); err != nil {
		return nil, fmt.Errorf("decoding the client's tool list: %w", err)
	}
	return tools, nil
}

// call runs one tools/call through the session and decodes the answer.
func (s *clientSession) call(ctx context.Context, name string, args map[string]any) (toolResult, error) {
	raw, err := s.client.CallTool(ctx, name, args)
	if err != nil {
		return toolResult{}, err
	}
	var res toolResult
	if err := json.Unmarshal(raw, &res); err != nil {
		return toolResult{}, fmt.Errorf("decoding the client's result: %w: %s", err, clip(string(raw), 300))
	}
	return res, nil
}

// clip shortens s for a message.
func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
