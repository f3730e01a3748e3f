package app

import (
	"context"
	"encoding/json"

	"github.com/billy-mcp/billy-mcp/host/internal/cache"
	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/billy-mcp/billy-mcp/host/internal/schema"
	"github.com/billy-mcp/billy-mcp/host/internal/store"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
)

// hostPlugin is the registry's name for tools the host answers itself.
const hostPlugin = "host"

// cacheStatsTool is cache_stats: the cache's counts for administrators,
// offered only with cache.stats_tool (every listed tool costs every AI
// conversation context).
func cacheStatsTool() (*registry.Tool, error) {
	in := json.RawMessage(`{"type":"object","properties":{},"additionalProperties":false}`)
	s, err := schema.Compile("cache_stats", in)
	if err != nil {
		return nil, err
	}
	yes, no := true, false
	return &registry.Tool{
		Name: "cache_stats", Title: "Cache statistics", Category: "admin",
		Description: "Administrators: the host's cache of Billy reads: hit, miss and stale counts per resource and tier, hit ratio, size, Redis state, and what this organization reads most.",
		InputSchema: in, Input: s, Scopes: []string{"admin"},
		Annotations: registry.Annotations{ReadOnly: &yes, OpenWorld: &no},
	}, nil
}

// hostTools answers the host's own tools and hands every other call to
// the plugins.
type hostTools struct {
	dispatch.Invoker
	cache *cache.Cache
	// reg is the registry search_tools searches.
	reg *registry.Registry
	// audit is the store holding the audit log (list_audit_logs).
	audit func() (*store.Store, error)
	// ops runs run_ops_check's checks (opscheck.go).
	ops func(ctx context.Context, org string) OpsReport
}

func (h hostTools) CallTool(ctx context.Context, plugin string, req *pluginv1.CallToolRequest) (*pluginv1.CallToolResponse, error) {
	if plugin != hostPlugin {
		return h.Invoker.CallTool(ctx, plugin, req)
	}
	if req.Name == searchToolsName && h.reg != nil {
		return callSearchTools(ctx, h.reg, req)
	}
	if req.Name == runOpsCheckName && h.ops != nil {
		return callRunOpsCheck(ctx, h.ops, req)
	}
	if req.Name == listAuditLogsName && h.audit != nil {
		return callListAuditLogs(ctx, h.audit, req)
	}
	if req.Name != "cache_stats" || h.cache == nil {
		return nil, errmodel.New(errmodel.NotFound, "tool_not_found", "the host has no tool %q", req.Name)
	}
	org := req.GetContext().GetCaller().GetOrganizationId()
	b, err := json.Marshal(h.cache.Stats(ctx, org))
	if err != nil {
		return nil, errmodel.New(errmodel.Internal, "internal", "encoding cache statistics: %v", err)
	}
	return &pluginv1.CallToolResponse{StructuredContentJson: string(b), TextFromStructured: true}, nil
}

// registerHostTools offers the host's own tools: search_tools,
// list_audit_logs and run_ops_check always (only principals with
// audit:read, respectively admin, see or call the latter two), cache_stats
// when configured.
func (a *App) registerHostTools() error {
	audit, err := listAuditLogsTool()
	if err != nil {
		return err
	}
	search, err := searchToolsTool()
	if err != nil {
		return err
	}
	ops, err := runOpsCheckTool()
	if err != nil {
		return err
	}
	tools := []*registry.Tool{audit, search, ops}
	if a.Config.Cache.StatsTool && a.cache != nil {
		t, err := cacheStatsTool()
		if err != nil {
			return err
		}
		tools = append(tools, t)
	}
	return a.Registry.Register(hostPlugin, &registry.Catalog{Tools: tools})
}
