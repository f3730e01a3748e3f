// Package httpserver assembles the host's HTTP surface: MCP Streamable HTTP
// at /mcp, the v1 REST API, health and metrics, behind the middleware every
// route shares: DNS-rebinding protection, correlation IDs, authentication,
// body limits and access logs.
package httpserver
