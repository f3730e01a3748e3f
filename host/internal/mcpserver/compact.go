package mcpserver

import (
	"encoding/json"

	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/mark3labs/mcp-go/mcp"
)

// Compact tools/list (mcp.tools_list: compact). MCP requires every listed
// tool to have an inputSchema of type object, and clients check it (the
// official TypeScript SDK's listTools parses each tool with its schema and
// fails the whole listing on one without), so a compact tool keeps the
// smallest valid one. Its description is cut to the first sentence and
// says where the arguments are: search_tools (listed in full) answers each
// tool's input and output schemas on request. The output schema is left
// out: a client only checks structured content against a listed one.
// Calls are still validated against the real schemas by the dispatcher,
// so a model that guesses arguments gets the usual invalid_arguments
// naming the field.

// searchToolName is the host's discovery tool, listed in full.
const searchToolName = "search_tools"

// compactInput is the input schema of every compact tool.
var compactInput = json.RawMessage(`{"type":"object"}`)

// compactHint ends every compact tool's description.
const compactHint = " Arguments: search_tools."

func compactTools(tools []mcp.Tool) {
	for i := range tools {
		t := &tools[i]
		if t.Name == searchToolName {
			continue
		}
		t.RawInputSchema = compactInput
		t.RawOutputSchema = nil
		t.OutputSchema = mcp.ToolOutputSchema{}
		t.Description = registry.Summarize(t.Description) + compactHint
	}
}
