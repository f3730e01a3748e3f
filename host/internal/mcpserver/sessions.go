package mcpserver

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// Sessions keeps the stateful revision's sessions where every instance of
// a deployment sees them (host/internal/shared keeps them in Redis): which
// were ended, and what each client said at initialize. Without it, each
// instance knows only its own.
type Sessions interface {
	server.SessionIdManager
	// SaveClient records what the client said at initialize.
	SaveClient(id string, client json.RawMessage)
	// LoadClient returns it, on any instance.
	LoadClient(id string) (json.RawMessage, bool)
}

// clientState is what a session needs from its initialize on another
// instance: the client's capabilities decide whether a plugin may ask the
// user (elicitation) or the model (sampling).
type clientState struct {
	Info         mcp.Implementation     `json:"info"`
	Capabilities mcp.ClientCapabilities `json:"capabilities"`
	Protocol     string                 `json:"protocol,omitempty"`
}

// saveClient is the after-initialize hook.
func (s *Server) saveClient(ctx context.Context, _ any, req *mcp.InitializeRequest, res *mcp.InitializeResult) {
	sess := server.ClientSessionFromContext(ctx)
	if s.opts.Sessions == nil || sess == nil || sess.SessionID() == "" || req == nil {
		return
	}
	st := clientState{Info: req.Params.ClientInfo, Capabilities: req.Params.Capabilities}
	if res != nil {
		st.Protocol = res.ProtocolVersion
	}
	b, err := json.Marshal(st)
	if err == nil {
		s.opts.Sessions.SaveClient(sess.SessionID(), b)
	}
}

// restoreClient gives a request of a session initialized on another
// instance (mcp-go makes it a blank session here) the client's state.
func (s *Server) restoreClient(ctx context.Context, _ *http.Request) context.Context {
	if s.opts.Sessions == nil || server.IsModernRequest(ctx) {
		return ctx
	}
	sess, ok := server.ClientSessionFromContext(ctx).(server.SessionWithClientInfo)
	if !ok || sess.SessionID() == "" || sess.GetClientInfo().Name != "" {
		return ctx
	}
	raw, ok := s.opts.Sessions.LoadClient(sess.SessionID())
	if !ok {
		return ctx
	}
	var st clientState
	if json.Unmarshal(raw, &st) != nil {
		return ctx
	}
	sess.SetClientInfo(st.Info)
	sess.SetClientCapabilities(st.Capabilities)
	if v, ok := sess.(interface{ SetProtocolVersion(string) }); ok && st.Protocol != "" {
		v.SetProtocolVersion(st.Protocol)
	}
	return ctx
}
