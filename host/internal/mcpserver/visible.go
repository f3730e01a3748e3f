package mcpserver

import (
	"context"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/mark3labs/mcp-go/mcp"
)

// visibleTools keeps, of a tools/list result, the tools the request's
// caller may call whose plugin is up (a restarting plugin's tools stay
// registered, so a call gets a clear retryable error, but are not
// listed), each as the caller should see it: with the organization
// argument for a principal of several organizations. What a caller may not
// call is not listed: it would only invite a refused call, and the list
// tells a read-only principal nothing about the write tools.
func visibleTools(ctx context.Context, reg *registry.Registry, tools []mcp.Tool) []mcp.Tool {
	caller := dispatch.CallerFrom(ctx)
	kept := tools[:0]
	for _, t := range tools {
		rt, ok := reg.Tool(t.Name)
		if !ok || !reg.Available(rt.Plugin) || !caller.MayCall(rt) {
			continue
		}
		if caller.ChoosesOrganization() && rt.OrgInputSchema != nil {
			t.RawInputSchema = rt.OrgInputSchema
		}
		kept = append(kept, t)
	}
	return kept
}
