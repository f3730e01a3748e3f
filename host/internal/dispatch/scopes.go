package dispatch

import (
	"slices"

	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/billy-mcp/billy-mcp/host/internal/scopes"
)

// ToolScopes are the scopes the tool op calls needs (none for a resource
// read or a prompt). Host services check a plugin's writes to Billy
// against them: a tool that declared only read scopes cannot write.
func (op *Op) ToolScopes() []string {
	if op.tool == nil {
		return nil
	}
	return slices.Clone(op.tool.Scopes)
}

// DeclaresWrite reports whether the tool op calls declared a scope that
// allows changing data (scopes.Writes).
func (op *Op) DeclaresWrite() bool {
	if op.tool == nil {
		return false
	}
	return slices.ContainsFunc(op.tool.Scopes, scopes.Writes)
}

// UseTool sets the registered tool op calls, as the resolve stage does
// (which sets it again for every op it resolves): for tests of what runs
// behind the dispatcher, such as host services.
func (op *Op) UseTool(t *registry.Tool) { op.tool = t }
