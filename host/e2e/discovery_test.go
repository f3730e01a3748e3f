package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// keyHeader adds an API key to every request of the official SDK's client.
type keyHeader struct{ key string }

func (k keyHeader) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-API-Key", k.key)
	return http.DefaultTransport.RoundTrip(r)
}

// goSDKSession connects the official Go SDK's client to h's /mcp with key.
func goSDKSession(t *testing.T, h *hostProc, key string) *mcp.ClientSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	client := mcp.NewClient(&mcp.Implementation{Name: "billy-mcp-discovery", Version: "1.0.0"}, nil)
	s, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: h.url("/mcp"),
		HTTPClient: &http.Client{Transport: keyHeader{key}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func listedTools(t *testing.T, s *mcp.ClientSession) []*mcp.Tool {
	t.Helper()
	var out []*mcp.Tool
	for tool, err := range s.Tools(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tool)
	}
	return out
}

// listBytes is what the tools cost a client: their compact JSON.
func listBytes(t *testing.T, tools []*mcp.Tool) int {
	b, err := json.Marshal(tools)
	if err != nil {
		t.Fatal(err)
	}
	return len(b)
}

type searchAnswer struct {
	Tools []struct {
		Name        string          `json:"name"`
		Effect      string          `json:"effect"`
		Scopes      []string        `json:"scopes"`
		InputSchema json.RawMessage `json:"inputSchema"`
	} `json:"tools"`
	Total      int      `json:"total"`
	Categories []string `json:"categories"`
}

func searchToolsCall(t *testing.T, s *mcp.ClientSession, args map[string]any) searchAnswer {
	t.Helper()
	res, err := s.CallTool(context.Background(), &mcp.CallToolParams{Name: "search_tools", Arguments: args})
	if err != nil {
		t.Fatal(err)
	}
	if res.IsError {
		b, _ := json.Marshal(res.Content)
		t.Fatalf("search_tools %v: %s", args, b)
	}
	b, _ := json.Marshal(res.StructuredContent)
	var a searchAnswer
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	return a
}

// TestToolDiscovery: the shipped plugins listed in full and in compact
// mode (mcp.tools_list) through the official Go SDK's client, what each
// costs a tool, and search_tools: a model in compact mode finds a tool,
// gets its schema and calls it, the host still checking the arguments;
// a read-only principal finds exactly the tools it is listed.
func TestToolDiscovery(t *testing.T) {
	admin, reader := newTestKey(t), newTestKey(t)
	cfg := func(mode string) string {
		return fmt.Sprintf(`plugins:
  invoices: {path: billy-mcp-plugin-invoices}
  moms: {path: billy-mcp-plugin-moms}
mcp: {tools_list: %s}
auth:
  keys:
    - {principal: admin, sha256: %s, scopes: [admin]}
    - {principal: reader, sha256: %s, scopes: ["invoices:read"]}
`, mode, admin.hash, reader.hash)
	}
	full := startHost(t, cfg("full"))
	full.waitReady(20 * time.Second)
	fullTools := listedTools(t, goSDKSession(t, full, admin.key))
	full.stop()

	h := startHost(t, cfg("compact"))
	h.waitReady(20 * time.Second)
	s := goSDKSession(t, h, admin.key)
	compactTools := listedTools(t, s)
	fb, cb := listBytes(t, fullTools), listBytes(t, compactTools)
	t.Logf("tools/list full: %d tools, %d bytes, %d a tool", len(fullTools), fb, fb/len(fullTools))
	t.Logf("tools/list compact: %d tools, %d bytes, %d a tool", len(compactTools), cb, cb/len(compactTools))
	if len(fullTools) != len(compactTools) {
		t.Fatalf("full mode lists %d tools, compact %d", len(fullTools), len(compactTools))
	}
	if cb*2 > fb {
		t.Errorf("compact tools/list is %d bytes, not under half of full's %d", cb, fb)
	}
	for _, tool := range compactTools {
		in, _ := json.Marshal(tool.InputSchema)
		switch {
		case tool.Name == "search_tools":
			if string(in) == `{"type":"object"}` {
				t.Error("search_tools is listed without its arguments in compact mode")
			}
		case string(in) != `{"type":"object"}` || tool.OutputSchema != nil:
			t.Errorf("%s in compact mode: input schema %s, output schema %v", tool.Name, in, tool.OutputSchema)
		}
	}

	// Find, learn the arguments, call.
	found := searchToolsCall(t, s, map[string]any{"query": "list invoices", "effect": "read-only", "schemas": true, "limit": 1})
	if len(found.Tools) != 1 || found.Tools[0].Name != "list_invoices" || found.Total < 1 {
		t.Fatalf("search for list invoices: %+v", found)
	}
	var schema struct {
		Properties map[string]any `json:"properties"`
	}
	if err := json.Unmarshal(found.Tools[0].InputSchema, &schema); err != nil || schema.Properties["limit"] == nil {
		t.Fatalf("list_invoices' schema from search_tools has no limit: %s", found.Tools[0].InputSchema)
	}
	res, err := s.CallTool(context.Background(), &mcp.CallToolParams{Name: "list_invoices", Arguments: map[string]any{"limit": 1}})
	if err != nil || res.IsError {
		t.Fatalf("list_invoices with the searched schema's arguments: %v %+v", err, res)
	}
	res, err = s.CallTool(context.Background(), &mcp.CallToolParams{Name: "list_invoices", Arguments: map[string]any{"limit": "many"}})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(res.Content); !res.IsError || !containsAll(string(b), "invalid_arguments", "limit") {
		t.Errorf("list_invoices with limit \"many\" in compact mode was not refused naming the field: %s", b)
	}
	for _, effect := range []string{"read-only", "write", "destructive"} {
		for _, tool := range searchToolsCall(t, s, map[string]any{"effect": effect, "limit": 100}).Tools {
			if tool.Effect != effect {
				t.Errorf("search for %s tools found %s, which is %s", effect, tool.Name, tool.Effect)
			}
		}
	}
	if moms := searchToolsCall(t, s, map[string]any{"category": "moms", "limit": 100}); moms.Total == 0 || !slices.Contains(moms.Categories, "invoices") {
		t.Errorf("search by category moms: %+v", moms)
	}

	// The reader finds what it is listed, no more.
	rs := goSDKSession(t, h, reader.key)
	var listed []string
	for _, tool := range listedTools(t, rs) {
		listed = append(listed, tool.Name)
	}
	var searched []string
	for _, tool := range searchToolsCall(t, rs, map[string]any{"limit": 100}).Tools {
		searched = append(searched, tool.Name)
		if tool.Name == "search_tools" {
			continue
		}
		if tool.Effect != "read-only" || !slices.Equal(tool.Scopes, []string{"invoices:read"}) {
			t.Errorf("the invoices:read principal found %s (%s, scopes %v)", tool.Name, tool.Effect, tool.Scopes)
		}
	}
	sort.Strings(searched)
	if !slices.Contains(searched, "list_invoices") || slices.Contains(searched, "create_invoice") {
		t.Errorf("the reader's search: %v", searched)
	}
	if !slices.Equal(listed, searched) {
		t.Errorf("the reader is listed %v but finds %v", listed, searched)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
