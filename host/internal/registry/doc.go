// Package registry is the one list of what the host offers: the tools,
// resources, resource templates and prompts every plugin described, and
// whether each plugin can serve right now.
//
// v1 kept four hand-written tool lists, one per transport, and they drifted
// apart. Here every transport (MCP over HTTP and stdio, the v1 REST API)
// reads the same registry, so they cannot.
package registry
