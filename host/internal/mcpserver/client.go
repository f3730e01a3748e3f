package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
	// rt carries the questions of a modern (2026-07-28) request or of a
	// task's run; nil for every other request (see roundtrip.go).
	rt *roundTrip
	// caps are the capabilities a task's client declared when it started
	// the task; nil: the request's own.
	caps *mcp.ClientCapabilities
	// task links the call to its task, when it is or may become one
	// (tasks.go); nil otherwise.
	task *taskLink
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
	if c.caps != nil {
		return c.caps
	}
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
	if run := c.task.current(); run != nil {
		// The request that started the task is over: progress is the
		// task's status, for tasks/get.
		run.Progress(progressMessage(progress, total, message))
		return nil
	}
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

// progressMessage words progress as a task's status message.
func progressMessage(progress, total float64, message string) string {
	s := fmt.Sprintf("%g", progress)
	if total > 0 {
		s = fmt.Sprintf("%g of %g", progress, total)
	}
	if message != "" {
		return message + " (" + s + ")"
	}
	return "progress " + s
}

func (c *client) Log(ctx context.Context, level, logger string, data any) error {
	if c.task.current() != nil {
		// No request carries it any more; the host's log has the line.
		return nil
	}
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
// requests only through a round trip.
func (c *client) canAsk() bool { return !c.modern() || c.rt != nil }

// CanElicit reports whether a plugin's form can reach the user: the
// client declared form-mode elicitation, or elicitation with no mode (the
// spec reads an empty object as form). A client that declared URL mode
// only must not be sent a form.
func (c *client) CanElicit() bool {
	caps := c.capabilities()
	if !c.canAsk() || caps == nil || caps.Elicitation == nil {
		return false
	}
	return caps.Elicitation.Form != nil || caps.Elicitation.URL == nil
}

func (c *client) CanSample() bool {
	caps := c.capabilities()
	return c.canAsk() && caps != nil && caps.Sampling != nil
}

func (c *client) CanListRoots() bool {
	caps := c.capabilities()
	return c.canAsk() && caps != nil && caps.Roots != nil
}

// Ask answers a plugin's questions: from the round trip of a modern request
// or a task, else by asking the 2025-11-25 client, one request after the
// other, in the order asked.
func (c *client) Ask(ctx context.Context, questions []*pluginv1.Question) ([]*pluginv1.Answer, error) {
	if c.rt != nil {
		return c.rt.ask(questions)
	}
	out := make([]*pluginv1.Answer, len(questions))
	for i, q := range questions {
		req, _, err := inputRequestFor(q)
		if err != nil {
			return nil, errmodel.InvalidField("questions", "%v", err)
		}
		raw, err := c.request(req)
		if err != nil {
			return nil, err
		}
		if out[i], err = answerFor(q.Key, req.Method, raw); err != nil {
			return nil, fmt.Errorf("the client's answer %v", err)
		}
	}
	return out, nil
}

// request sends one server-to-client request of the handshake era and
// returns the client's result as JSON.
func (c *client) request(req mcp.InputRequest) (json.RawMessage, error) {
	var (
		res any
		err error
	)
	switch req.Method {
	case mcp.MethodElicitationCreate:
		res, err = c.mcp.RequestElicitation(c.ctx, mcp.ElicitationRequest{
			Request: mcp.Request{Method: string(mcp.MethodElicitationCreate)}, Params: *req.Elicitation})
	case mcp.MethodSamplingCreateMessage:
		//lint:ignore SA1019 sampling is deprecated in 2026-07-28 but is how 2025-11-25 clients (still the majority) are asked; modern ones go through c.rt.
		res, err = c.mcp.RequestSampling(c.ctx, mcp.CreateMessageRequest{
			Request: mcp.Request{Method: string(mcp.MethodSamplingCreateMessage)}, CreateMessageParams: *req.Sampling})
	case mcp.MethodListRoots:
		res, err = c.mcp.RequestRoots(c.ctx, mcp.ListRootsRequest{Request: mcp.Request{Method: string(mcp.MethodListRoots)}})
	default:
		return nil, fmt.Errorf("cannot ask a client for %s", req.Method)
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(res)
}

// Elicit serves plugins built before Ask: one unnamed question.
func (c *client) Elicit(ctx context.Context, message string, schema json.RawMessage) (string, json.RawMessage, error) {
	answers, err := c.Ask(ctx, []*pluginv1.Question{{Kind: &pluginv1.Question_Elicit{Elicit: &pluginv1.ElicitQuestion{
		Message: message, RequestedSchemaJson: string(schema)}}}})
	if err != nil {
		return "", nil, err
	}
	e := answers[0].GetElicit()
	content := json.RawMessage(e.ContentJson)
	if len(content) == 0 {
		content = json.RawMessage("null")
	}
	return e.Action, content, nil
}

// Sample serves plugins built before Ask: one unnamed question.
func (c *client) Sample(ctx context.Context, req *pluginv1.SampleRequest) (*pluginv1.SampleResponse, error) {
	answers, err := c.Ask(ctx, []*pluginv1.Question{{Kind: &pluginv1.Question_Sample{Sample: &pluginv1.SampleQuestion{
		Messages: req.Messages, MaxTokens: req.MaxTokens, SystemPrompt: req.SystemPrompt, Temperature: req.Temperature}}}})
	if err != nil {
		return nil, err
	}
	return answers[0].GetSample(), nil
}

// StartTask turns a deferred task tool's call into a task, when its client
// takes one (tasks.go); for every other call it does nothing.
func (c *client) StartTask(ctx context.Context) error {
	c.task.start()
	return nil
}
