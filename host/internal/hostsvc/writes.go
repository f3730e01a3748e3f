package hostsvc

import (
	"context"
	"net/http"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/reconcile"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
)

// isWrite says whether a Billy request may change data.
func isWrite(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// write sends a plugin's write to Billy on behalf of call c, recorded in
// the call's journal, with its idempotency marker. It is not cut off when
// the plugin goes away (its gRPC context ends when the plugin dies): the
// host must learn how the write ended to answer the client honestly. The
// call's deadline still bounds it.
func (s *server) write(ctx context.Context, c *dispatch.InFlight, req *pluginv1.BillyRequest) (*pluginv1.BillyResponse, error) {
	e, err := c.Writes.Begin(req.Method, req.Path)
	if err != nil {
		return nil, err
	}
	wctx := context.WithoutCancel(ctx)
	if dl, ok := c.Ctx.Deadline(); ok {
		var cancel context.CancelFunc
		wctx, cancel = context.WithDeadline(wctx, dl)
		defer cancel()
	}
	// Lookups by marker must see Billy, not the cache.
	wctx = dispatch.WithFresh(wctx)
	resp, res, err := s.writes.Send(wctx, req, reconcile.Write{Seed: e.Seed, CheckFirst: c.Writes.CheckFirst(),
		OrganizationID: c.Op.Caller.OrganizationID, CorrelationID: c.Op.CorrelationID})
	state := dispatch.WriteDone
	switch {
	case err == nil:
	case errmodel.From(err).Code == errmodel.CodeWriteOutcomeUnknown:
		state = dispatch.WriteUnknown
	default:
		state = dispatch.WriteRefused
	}
	e.End(state, res.Marker, res.What)
	return resp, err
}
