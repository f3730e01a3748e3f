package hostsvc

import (
	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/scopes"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
)

// authorizeBilly is the second check of the principal's scopes, on what a
// plugin actually sends to Billy (the first, in dispatch, is on the tool
// it called). A request that changes data is refused unless
//
//   - the deployment's write policy is not off,
//   - the tool called declared a scope that writes (a plugin cannot write
//     through a tool it declared read-only), and
//   - the principal holds the scope the request needs in Billy
//     (scopes.ForBilly: invoices:write for a draft, invoices:approve to
//     approve, send or void, payments:approve for a payment, ...).
//
// So a read-only principal's call cannot write through any plugin,
// whatever the plugin does. Reads are guarded by the tool's scopes alone.
func authorizeBilly(c *dispatch.InFlight, req *pluginv1.BillyRequest) error {
	need := scopes.ForBilly(req.Method, req.Path, []byte(req.BodyJson))
	if need == "" {
		return nil
	}
	op := c.Op
	switch {
	case op.WritesMode == "off":
		return errmodel.New(errmodel.Forbidden, "writes_disabled",
			"this deployment does not write to Billy (writes.mode is off); %s %s was not sent", req.Method, req.Path)
	case !op.DeclaresWrite():
		return errmodel.New(errmodel.Forbidden, "plugin_write_refused",
			"%s declares only read scopes, so the %s plugin may not change data through it; %s %s was not sent", op.Name, c.Plugin, req.Method, req.Path)
	case !op.Caller.HasScope(need):
		return errmodel.New(errmodel.Forbidden, "missing_scope",
			"sending %s %s to Billy needs the scope %s, which your credentials do not grant", req.Method, req.Path, need)
	}
	return nil
}
