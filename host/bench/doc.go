// Package bench measures the host: a no-op tool called through MCP
// Streamable HTTP → host → plugin subprocess → back, against the same tool
// served in-process (same HTTP stack, same pipeline, no gRPC hop), at 1 and
// 16 concurrent clients; and host start to ready. `make bench` runs it;
// the numbers are reported, never asserted.
package bench
