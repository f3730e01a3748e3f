// Package rest is v1's REST API (GET /api/v1/tools, POST /api/v1/tools/{name},
// POST /api/v1/tools/batch, POST /api/v1/call), served from the same registry
// and dispatcher as MCP, so v1's integrations keep working. It shares the
// content conversion with MCP (mcpcontent) and answers through httpjson;
// it knows nothing of MCP itself.
package rest
