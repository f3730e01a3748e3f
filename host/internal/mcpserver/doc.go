// Package mcpserver serves the registry over MCP with mark3labs/mcp-go:
// Streamable HTTP at /mcp and stdio, for the 2025-11-25 handshake revision
// and the stateless 2026-07-28 revision on the same endpoint.
//
// It owns no tools of its own. It mirrors the registry into mcp-go (tools,
// resources, resource templates, prompts), hands every request to the
// dispatcher, and bridges what plugins ask of the client (progress, log
// messages, elicitation, sampling) back onto the right MCP request. Tool
// list changes (a plugin going down or coming back) are announced to
// clients that listen for them. A call refused for want of an MFA
// approval is offered as a URL-mode elicitation of the host's approval
// page to clients that declared one (approval.go).
package mcpserver
