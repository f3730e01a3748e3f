// Package tasks keeps the tasks of MCP's Tasks extension: tool calls that
// do long work the client does not wait for. It holds what a task is
// (status, result or error, the questions it waits on, when it expires)
// and runs the bookkeeping every instance of a deployment must agree on,
// through a Store they share (the host's SQL store): a task is written
// before its creation is answered, so tasks/get finds it on any instance
// at once; the instance running it stamps a heartbeat, so a task whose
// instance died is reported failed rather than working for ever; a cancel
// made on one instance stops the run on another; expired tasks are
// deleted.
//
// It knows nothing of MCP's wire shapes or of how a task runs: mcpserver
// runs them (through the dispatcher) and says what their results and
// errors look like, as opaque JSON kept here.
package tasks
