package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"sort"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
)

// contextBudget is the most tools/list may cost a client per tool, on
// average, in compact JSON with output schemas: every conversation of every
// AI platform pays it before the user says a word. v1 sent 392 bytes a tool
// with no output schemas; v2 started at 3,650. The goal was 700; what is
// left is structure, not prose (measured at 1,049: input schema structure
// ~294 bytes a tool, output schemas ~258, descriptions ~178, field prose
// ~190, annotations, names and titles ~80), so 700 would mean dropping
// output schemas or most of what tells a model how to call a tool. Then the
// host added idempotency_key to the 8 tools that create records (~160 bytes
// each, 41 a tool on average): 1,090. The budget holds the line where it
// is; lower it as tools get leaner.
const contextBudget = 1090

// TestToolsListBudget lists the tools of the shipped plugins as a client sees
// them and prints what they cost, largest first.
func TestToolsListBudget(t *testing.T) {
	h := startHost(t, "plugins:\n  invoices: {path: billy-mcp-plugin-invoices}\n  moms: {path: billy-mcp-plugin-moms}\n")
	h.waitReady(20 * time.Second)
	c := h.mcpHTTP()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	type cost struct {
		name                              string
		total, description, input, output int
	}
	size := func(v any) int {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(v)
		return buf.Len() - 1
	}
	var costs []cost
	sum := 0
	for _, tool := range res.Tools {
		c := cost{name: tool.Name, total: size(tool), description: len(tool.Description),
			input: size(tool.InputSchema), output: size(tool.OutputSchema)}
		if len(tool.RawInputSchema) > 0 {
			c.input = size(tool.RawInputSchema)
		}
		if len(tool.RawOutputSchema) > 0 {
			c.output = size(tool.RawOutputSchema)
		}
		costs = append(costs, c)
		sum += c.total
	}
	if len(costs) == 0 {
		t.Fatal("no tools listed")
	}
	sort.Slice(costs, func(i, j int) bool { return costs[i].total > costs[j].total })
	for _, c := range costs {
		t.Logf("%-24s %5d bytes (description %4d, input schema %4d, output schema %4d)", c.name, c.total, c.description, c.input, c.output)
	}
	avg := sum / len(costs)
	t.Logf("tools/list: %d tools, %d bytes, %d bytes a tool on average (budget %d)", len(costs), sum, avg, contextBudget)
	if avg > contextBudget {
		t.Errorf("tools/list costs %d bytes a tool on average, over the budget of %d: shorten descriptions and input field prose (largest first above)", avg, contextBudget)
	}
}
