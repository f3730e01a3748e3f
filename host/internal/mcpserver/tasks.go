package mcpserver

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/billy-mcp/billy-mcp/host/internal/tasks"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	"github.com/mark3labs/mcp-go/mcp"
)

// Tools that declare long work (sdk.ToolSpec.Task) run as tasks of MCP's
// Tasks extension (io.modelcontextprotocol/tasks) for clients of
// 2026-07-28 that declare it on the request: tools/call answers a
// CreateTaskResult at once and the tool runs in the background; the client
// polls tasks/get (front.go) from any instance, answers the task's
// questions with tasks/update and may cancel it. Task state lives in the
// durable store (package tasks), so nothing depends on the instance that
// started the task: a task waiting for input is run again, with its
// answers, by whichever instance receives them, like any multi round trip.
//
// A tool declared with DeferTask runs as an ordinary call until its
// handler calls Host.StartTask: questions before that are multi round
// trips the client answers at once, and the task starts there.
//
// Other clients (2025-11-25, stdio, requests without the extension) wait
// for the result as for any tool; a tool whose task support is required
// refuses them (-32021, naming the extension).

// taskExtension is the Tasks extension's identifier.
const taskExtension = "io.modelcontextprotocol/tasks"

// taskPollInterval is how often clients are told to poll tasks/get.
const taskPollInterval = time.Second

// defaultTaskTimeout bounds a task's run when Options say nothing.
const defaultTaskTimeout = 30 * time.Minute

// taskLink ties a call to its task.
type taskLink struct {
	mu sync.Mutex
	// begin makes a deferred call a task (set until it has run).
	begin func()
	run   *tasks.Run
	task  *tasks.Task
}

// current is the task's run, once the call is a task.
func (l *taskLink) current() *tasks.Run {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.run
}

// start runs begin once.
func (l *taskLink) start() {
	if l == nil {
		return
	}
	l.mu.Lock()
	begin := l.begin
	l.begin = nil
	l.mu.Unlock()
	if begin != nil {
		begin()
	}
}

func (l *taskLink) set(run *tasks.Run, t *tasks.Task) {
	l.mu.Lock()
	l.run, l.task = run, t
	l.mu.Unlock()
}

func (l *taskLink) started() (*tasks.Run, *tasks.Task) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.run, l.task
}

// taskRequest is what a task keeps to run again on any instance.
type taskRequest struct {
	Arguments     json.RawMessage         `json:"arguments,omitempty"`
	Caller        dispatch.Caller         `json:"caller"`
	CorrelationID string                  `json:"correlationId,omitempty"`
	WritesMode    string                  `json:"writesMode,omitempty"`
	Capabilities  *mcp.ClientCapabilities `json:"capabilities,omitempty"`
	Answers       map[string]answer       `json:"answers,omitempty"`
}

// declares reports whether caps declare an extension.
func declares(caps *mcp.ClientCapabilities, extension string) bool {
	if caps == nil {
		return false
	}
	_, ok := caps.Extensions[extension]
	return ok
}

// callAsTask serves a tools/call of a tool with task support. handled is
// false when the call runs as an ordinary one.
func (s *Server) callAsTask(ctx context.Context, op *dispatch.Op, tool *registry.Tool) (res *mcp.CallToolResult, handled bool) {
	cl := op.Client.(*client)
	if s.opts.Dispatcher.Draining() {
		// A stopping instance starts no task: the call is refused as an
		// ordinary one (retryably), and the client's retry starts the task
		// on another instance.
		return nil, false
	}
	if !cl.modern() || !declares(cl.capabilities(), taskExtension) || s.tasks == nil || !canReply(ctx) {
		if tool.Task != registry.TaskRequired {
			return nil, false
		}
		e := errmodel.ClientCapabilityMissing(taskExtension).WithCorrelation(op.CorrelationID)
		e.Message = "the tool " + tool.Name + " runs only as a task, and this client does not run tasks (declare the " + taskExtension + " extension)"
		if cl.modern() && replyError(ctx, missingCapabilities(e)) {
			return &mcp.CallToolResult{}, true
		}
		return errorResult(e), true
	}
	op.Timeout = s.taskTimeout
	if tool.DeferTask {
		return s.deferTask(ctx, op, tool), true
	}
	t := s.newTask(op, tool)
	bg, cancel := context.WithCancel(context.Background())
	run, err := s.tasks.Begin(ctx, t, cancel)
	if err != nil {
		cancel()
		return errorResult(s.storeFailed("starting the task", err).WithCorrelation(op.CorrelationID)), true
	}
	replyResult(ctx, s.createTaskResult(t))
	go s.runTask(bg, run, t)
	return &mcp.CallToolResult{}, true
}

// deferTask runs a call as an ordinary one until its handler starts the
// task; from there the client holds the task and the call goes on in the
// background.
func (s *Server) deferTask(ctx context.Context, op *dispatch.Op, tool *registry.Tool) *mcp.CallToolResult {
	cl := op.Client.(*client)
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	link := &taskLink{}
	escalated := make(chan struct{})
	link.begin = func() {
		t := s.newTask(op, tool)
		run, err := s.tasks.Begin(ctx, t, cancel)
		if err != nil {
			// The call goes on as an ordinary one; the client waits.
			s.opts.Logger.Warn("a task could not be started; the call runs to the end instead", "tool", tool.Name, "error", err)
			return
		}
		link.set(run, t)
		close(escalated)
	}
	cl.task = link
	type result struct {
		out *dispatch.Outcome
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := s.opts.Dispatcher.Do(bg, op)
		done <- result{out, err}
	}()
	finish := func(r result) {
		cancel()
		run, _ := link.started()
		run.Finish(s.taskOutcome(op, r.out, r.err))
	}
	select {
	case r := <-done:
		if run, t := link.started(); run != nil {
			// It started the task and finished at once: the client still
			// holds a task, whose result is there already.
			finish(r)
			replyResult(ctx, s.createTaskResult(t))
			return &mcp.CallToolResult{}
		}
		cancel()
		cl.settle()
		return s.toolAnswer(ctx, op, r.out, r.err)
	case <-escalated:
		_, t := link.started()
		replyResult(ctx, s.createTaskResult(t))
		go func() { finish(<-done) }()
		return &mcp.CallToolResult{}
	case <-ctx.Done():
		// The client left before the task started: the call stops (a
		// write goes on to its end: the dispatcher detaches writes).
		cancel()
		r := <-done
		if run, _ := link.started(); run != nil {
			finish(r)
		}
		return s.toolAnswer(ctx, op, r.out, r.err)
	}
}

// newTask is the record of a call about to become a task.
func (s *Server) newTask(op *dispatch.Op, tool *registry.Tool) *tasks.Task {
	cl := op.Client.(*client)
	req := taskRequest{Arguments: op.Arguments, Caller: op.Caller, CorrelationID: op.CorrelationID,
		WritesMode: op.WritesMode, Capabilities: cl.capabilities()}
	if cl.rt != nil {
		req.Answers = cl.rt.used()
	}
	b, _ := json.Marshal(req)
	readOnly := tool.Annotations.ReadOnly != nil && *tool.Annotations.ReadOnly
	return &tasks.Task{Owner: ownerOf(op.Caller), Tool: op.Name, Request: b, MayWrite: !readOnly}
}

func ownerOf(c dispatch.Caller) tasks.Owner {
	return tasks.Owner{Subject: c.Subject, Organization: c.OrganizationID}
}

// runTask runs a task from its record, on whichever instance has it: when
// it starts, and again when the answers it waited for arrive.
func (s *Server) runTask(ctx context.Context, run *tasks.Run, t *tasks.Task) {
	var req taskRequest
	if err := json.Unmarshal(t.Request, &req); err != nil {
		run.Finish(tasks.Outcome{Status: tasks.Failed, Message: "the task's record is unreadable",
			Error: mustJSON(&rpcError{Code: mcp.INTERNAL_ERROR, Message: "the task's record is unreadable"})})
		return
	}
	op := &dispatch.Op{Kind: dispatch.CallTool, Name: t.Tool, Arguments: req.Arguments, Caller: req.Caller,
		CorrelationID: req.CorrelationID, WritesMode: req.WritesMode, Timeout: s.taskTimeout, Cache: &dispatch.CacheNotes{},
		// A task's progress is its status message (client.Progress), so
		// the call carries a token: host services pass progress on only
		// for calls that have one.
		ProgressToken: json.RawMessage(`"task"`)}
	caps := req.Capabilities
	if caps == nil {
		caps = &mcp.ClientCapabilities{}
	}
	op.Client = &client{mcp: s.mcp, ctx: ctx, rt: newRoundTrip(req.Answers), caps: caps, task: &taskLink{run: run, task: t}}
	out, err := s.opts.Dispatcher.Do(ctx, op)
	run.Finish(s.taskOutcome(op, out, err))
}

// taskOutcome is how a task's run ended, in MCP's shapes: a tool's failure
// is a completed task whose result has isError (the error model's object,
// as for any call); an internal failure is a failed task with a JSON-RPC
// error carrying it; questions leave the task waiting for input.
func (s *Server) taskOutcome(op *dispatch.Op, out *dispatch.Outcome, err error) tasks.Outcome {
	cl := op.Client.(*client)
	if cl.rt != nil {
		if bad := cl.rt.failure(); bad != nil {
			e := bad.WithCorrelation(op.CorrelationID)
			return tasks.Outcome{Status: tasks.Failed, Message: e.Message, Error: mustJSON(invalidParams(e))}
		}
		if asked, used := cl.rt.pending(); asked != nil {
			req := taskRequest{Arguments: op.Arguments, Caller: op.Caller, CorrelationID: op.CorrelationID,
				WritesMode: op.WritesMode, Capabilities: cl.caps, Answers: used}
			if req.Capabilities == nil {
				req.Capabilities = cl.capabilities()
			}
			return tasks.Outcome{Status: tasks.InputRequired, Message: "waiting for the client's answers",
				Input: encodeInputRequests(asked), Request: mustJSON(req)}
		}
	}
	if err != nil {
		e := errmodel.From(err).WithCorrelation(op.CorrelationID)
		if e.Category == errmodel.Internal {
			return tasks.Outcome{Status: tasks.Failed, Message: e.Message,
				Error: mustJSON(&rpcError{Code: mcp.INTERNAL_ERROR, Message: e.Message, Data: map[string]any{"error": e}})}
		}
		return tasks.Outcome{Status: tasks.Completed, Message: e.Message, Result: mustJSON(complete(errorResult(e)))}
	}
	return tasks.Outcome{Status: tasks.Completed, Result: mustJSON(complete(markStale(toolResult(out.Tool), op)))}
}

// complete marks a result as one, as every 2026-07-28 result says.
func complete(r *mcp.CallToolResult) *mcp.CallToolResult {
	r.ResultType = mcp.ResultTypeComplete
	return r
}

// interrupted is the error of a task cut off by its instance stopping. A
// write may have happened: the error model's unknown outcome says how to
// check; a read is simply safe to run again.
func interrupted(t *tasks.Task) json.RawMessage {
	var req taskRequest
	_ = json.Unmarshal(t.Request, &req)
	e := errmodel.New(errmodel.UpstreamUnavailable, "task_interrupted",
		"the host instance running %s stopped before it finished; it is a read, so it is safe to run again", t.Tool)
	if t.MayWrite {
		e = &errmodel.Error{Code: errmodel.CodeWriteOutcomeUnknown, Category: errmodel.Conflict,
			Message: "the host instance running " + t.Tool + " stopped before it finished: the write may or may not have reached Billy. " +
				"Look the record up (list or get it) before running it again"}
	}
	e = e.WithCorrelation(req.CorrelationID)
	return mustJSON(&rpcError{Code: mcp.INTERNAL_ERROR, Message: e.Message, Data: map[string]any{"error": e}})
}

func (s *Server) storeFailed(doing string, err error) *errmodel.Error {
	s.opts.Logger.Error("task store failed", "doing", doing, "error", err)
	e := errmodel.New(errmodel.UpstreamUnavailable, "task_store_unavailable",
		"the host could not keep the task (its store did not answer); try again in a moment")
	e.RetryAfterSeconds = 2
	return e
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return json.RawMessage(`null`)
	}
	return b
}

// serverMeta is the _meta every 2026-07-28 result carries.
func (s *Server) serverMeta() map[string]any {
	return map[string]any{mcp.MetaKeyServerInfo: mcp.Implementation{Name: s.opts.Name, Version: s.opts.Version, Title: serverTitle}}
}

// taskFields are the Task members of CreateTaskResult and DetailedTask.
func (s *Server) taskFields(t *tasks.Task) map[string]any {
	m := map[string]any{
		"taskId":         t.ID,
		"status":         string(t.Status),
		"createdAt":      t.CreatedAt.UTC().Format(time.RFC3339Nano),
		"lastUpdatedAt":  t.UpdatedAt.UTC().Format(time.RFC3339Nano),
		"ttlMs":          s.tasks.TTL().Milliseconds(),
		"pollIntervalMs": taskPollInterval.Milliseconds(),
		"_meta":          s.serverMeta(),
	}
	if t.Message != "" {
		m["statusMessage"] = t.Message
	}
	return m
}

// createTaskResult answers the tools/call that started a task.
func (s *Server) createTaskResult(t *tasks.Task) map[string]any {
	m := s.taskFields(t)
	m["resultType"] = "task"
	return m
}

// detailedTask answers tasks/get: the task, with its result, error or
// questions by status.
func (s *Server) detailedTask(t *tasks.Task) map[string]any {
	m := s.taskFields(t)
	m["resultType"] = string(mcp.ResultTypeComplete)
	switch t.Status {
	case tasks.Completed:
		m["result"] = t.Result
	case tasks.Failed:
		m["error"] = t.Error
	case tasks.InputRequired:
		m["inputRequests"] = t.Input
	}
	return m
}
