package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"time"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// client bridges plugin requests back to the MCP client of one request.
type client struct {
	mcp *server.MCPServer
	ctx context.Context
	// token is the request's progress token; nil when the client did not
	// ask for progress.
	token mcp.ProgressToken
	// lastSent is when the request last sent a notification (Unix ns; 0 =
	// never), for settle.
	lastSent atomic.Int64
	// rt carries a modern (2026-07-28) call's multi round-trip input; nil
	// for every other request (see roundtrip.go).
	rt *roundTrip
}

// settleDelay is how long a result waits after its request's last
// notification. A client that reads a notification and the response in one
// chunk may resolve the request first and drop the notification (the
// TypeScript SDK over stdio does: get_revenue's only progress came about 1 ms
// before its result); separate reads give the notification a fair chance.
const settleDelay = 10 * time.Millisecond

// settle runs before a result is returned: it waits until the request's
// notifications have left the session's queue (stdio, and modern HTTP
// requests, where mcp-go writes them from another goroutine) and until
// settleDelay has passed since the last one. Requests that sent nothing do
// not wait.
func (c *client) settle() {
	last := c.lastSent.Load()
	if last == 0 {
		return
	}
	if sess := server.ClientSessionFromContext(c.ctx); sess != nil && !c.ownStream() {
		queue := sess.NotificationChannel()
		for deadline := time.Now().Add(100 * time.Millisecond); len(queue) > 0 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
	}
	if d := settleDelay - time.Since(time.Unix(0, last)); d > 0 {
		time.Sleep(d)
	}
}

// ownStream reports whether the request's notifications go on its own POST
// stream (2025-11-25 over HTTP; see requestStream). Modern requests have a
// session of their own, which mcp-go drains onto the POST in order.
func (c *client) ownStream() bool {
	s := requestStreamFrom(c.ctx)
	return s != nil && s.canStream() && !c.modern()
}

// notify sends one notification of this request to its client.
func (c *client) notify(method string, params map[string]any) error {
	defer c.lastSent.Store(time.Now().UnixNano())
	if c.ownStream() {
		n := mcp.JSONRPCNotification{JSONRPC: mcp.JSONRPC_VERSION,
			Notification: mcp.Notification{Method: method, Params: mcp.NotificationParams{AdditionalFields: params}}}
		b, err := json.Marshal(n)
		if err != nil {
			return err
		}
		switch err := requestStreamFrom(c.ctx).Notify(b); {
		case err == nil, errors.Is(err, errStreamClosed):
			return nil
		case !errors.Is(err, errStreamIsJSON):
			return err
		}
	}
	return c.mcp.SendNotificationToClient(c.ctx, method, params)
}

func (c *client) capabilities() *mcp.ClientCapabilities {
	if info := server.RequestProtocolInfoFromContext(c.ctx); info != nil && info.Modern {
		return info.ClientCapabilities
	}
	if s, ok := server.ClientSessionFromContext(c.ctx).(server.SessionWithClientInfo); ok {
		caps := s.GetClientCapabilities()
		return &caps
	}
	return nil
}

// modern reports whether the request uses the stateless 2026-07-28
// revision, where server-initiated requests are replaced by multi
// round-trip results: a plugin's questions go through c.rt.
func (c *client) modern() bool { return server.IsModernRequest(c.ctx) }

func (c *client) Progress(ctx context.Context, progress, total float64, message string) error {
	if c.token == nil {
		return nil
	}
	params := map[string]any{"progressToken": c.token, "progress": progress}
	if total > 0 {
		params["total"] = total
	}
	if message != "" {
		params["message"] = message
	}
	return c.notify(string(mcp.MethodNotificationProgress), params)
}

func (c *client) Log(ctx context.Context, level, logger string, data any) error {
	n := mcp.NewLoggingMessageNotification(mcp.LoggingLevel(level), logger, data)
	if c.modern() {
		// mcp-go applies the request's logLevel (no log without one).
		defer c.lastSent.Store(time.Now().UnixNano())
		return c.mcp.SendLogMessageToClient(c.ctx, n)
	}
	// Handshake-era sessions that never called logging/setLevel report
	// "error" as their level; the spec lets a server choose then, and info
	// messages are what tools log for the user, so they are sent.
	if s, ok := server.ClientSessionFromContext(c.ctx).(server.SessionWithLogging); ok {
		if lvl := s.GetLogLevel(); lvl != mcp.LoggingLevelError && !n.Params.Level.ShouldSendTo(lvl) {
			return nil
		}
	}
	return c.notify(string(mcp.MethodNotificationMessage), map[string]any{
		"level": level, "logger": logger, "data": data})
}

// canAsk reports whether questions can reach the client at all: modern
// requests only through a round trip (tools/call; resource reads and prompts
// have none here).
func (c *client) canAsk() bool { return !c.modern() || c.rt != nil }

func (c *client) CanElicit() bool {
	caps := c.capabilities()
	return c.canAsk() && caps != nil && caps.Elicitation != nil
}

func (c *client) Elicit(ctx context.Context, message string, schema json.RawMessage) (string, json.RawMessage, error) {
	var requested any
	if err := json.Unmarshal(schema, &requested); err != nil {
		return "", nil, err
	}
	params := mcp.ElicitationParams{Message: message, RequestedSchema: requested}
	var res *mcp.ElicitationResult
	if c.rt != nil {
		id := c.rt.next("elicit")
		raw, ok := c.rt.lookup(id)
		if !ok {
			c.rt.ask(id, mcp.NewElicitationInputRequest(params))
			return "", nil, errmodel.InputRequired()
		}
		res = &mcp.ElicitationResult{}
		if err := json.Unmarshal(raw, res); err != nil {
			return "", nil, errmodel.InvalidField("inputResponses."+id, "is not an elicitation result: %v", err)
		}
	} else {
		var err error
		res, err = c.mcp.RequestElicitation(c.ctx, mcp.ElicitationRequest{
			Request: mcp.Request{Method: string(mcp.MethodElicitationCreate)},
			Params:  params,
		})
		if err != nil {
			return "", nil, err
		}
	}
	content, err := json.Marshal(res.Content)
	if err != nil {
		return "", nil, err
	}
	return string(res.Action), content, nil
}

func (c *client) CanSample() bool {
	caps := c.capabilities()
	return c.canAsk() && caps != nil && caps.Sampling != nil
}

func (c *client) Sample(ctx context.Context, req *pluginv1.SampleRequest) (*pluginv1.SampleResponse, error) {
	p := mcp.CreateMessageParams{MaxTokens: int(req.MaxTokens), SystemPrompt: req.SystemPrompt, Temperature: req.Temperature}
	for _, m := range req.Messages {
		p.Messages = append(p.Messages, mcp.SamplingMessage{Role: mcp.Role(m.Role), Content: mcp.NewTextContent(m.Text)})
	}
	var res *mcp.CreateMessageResult
	if c.rt != nil {
		id := c.rt.next("sample")
		raw, ok := c.rt.lookup(id)
		if !ok {
			c.rt.ask(id, mcp.NewSamplingInputRequest(p))
			return nil, errmodel.InputRequired()
		}
		res = &mcp.CreateMessageResult{}
		if err := json.Unmarshal(raw, res); err != nil {
			return nil, errmodel.InvalidField("inputResponses."+id, "is not a sampling result: %v", err)
		}
	} else {
		var err error
		//lint:ignore SA1019 sampling is deprecated in 2026-07-28 but is how 2025-11-25 clients (still the majority) are asked; modern ones go through c.rt.
		res, err = c.mcp.RequestSampling(c.ctx, mcp.CreateMessageRequest{
			Request:             mcp.Request{Method: string(mcp.MethodSamplingCreateMessage)},
			CreateMessageParams: p,
		})
		if err != nil {
			return nil, err
		}
	}
	out := &pluginv1.SampleResponse{Role: string(res.Role), Model: res.Model, StopReason: res.StopReason}
	if t, ok := res.Content.(mcp.TextContent); ok {
		out.Text = t.Text
	}
	return out, nil
}
