// Package dispatch is the one path every request takes through the host:
//
//	transport → identity → authorization → audit → registry → validation → plugin
//
// Transports (MCP over HTTP and stdio, the v1 REST API, and plugins calling
// other tools through host services) build an Op and hand it to a
// Dispatcher. Each stage is a Middleware, so authentication, per-tool
// scopes, tenancy and tamper-evident audit slot in without touching the
// transports or the plugins. The correlation ID is assigned once at the
// start and travels with the Op into logs, errors and the plugin call.
package dispatch
