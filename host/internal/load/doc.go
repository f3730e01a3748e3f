// Package load is `billy-mcp load`: it drives tool calls against a running
// server, over MCP Streamable HTTP (one MCP session per client, spec revision
// 2025-11-25 or 2026-07-28) or over the v1 REST API, and reports calls/s,
// latency percentiles, errors by category and code, and the server's CPU
// time per call read from /proc.
//
// CPU per call is the figure to trust on a shared machine: calls/s and
// latency move with whatever else runs on the cores, while the CPU a server
// spends on a call moves much less. The load tool measures its own CPU too,
// because on one machine it competes with the server it measures.
//
// It uses no package of the host: it sees the server as any client does,
// so it can measure the host, a bare mcp-go server (host/bench/baremcp) or
// anything else that speaks MCP.
package load
