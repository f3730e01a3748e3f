// Command baremcp is the floor the host is measured against: a bare mcp-go
// Streamable HTTP server with one tool, calculate_vat, of the same name,
// schemas and annotations as the moms plugin's, that does nothing and
// answers what the real tool answers for 1,000 kr net. No plugin, no
// pipeline (identity, audit, authorization, schema validation), no access
// log: what is left is mcp-go and net/http, with mcp-go's defaults as the
// host uses them (sessions on 2025-11-25, both spec revisions on one
// endpoint).
//
//	go run ./bench/baremcp [--addr 127.0.0.1:0]
//
// It prints its base URL on stdout once it listens (the MCP endpoint is
// URL/mcp) and serves until SIGINT or SIGTERM. scripts/bench.sh runs it
// beside bin/billy-mcp under `billy-mcp load`.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// The moms plugin's calculate_vat as the host lists it (tools/list), so
// that clients send and receive the same bytes as with the host.
const (
	title       = "Calculate Danish VAT (moms)"
	description = "Converts an amount between excluding (net) and including (gross) Danish VAT: 25 %, or 0 % for zero-rated supplies. " +
		"The VAT is rounded once to øre; for an invoice, call it once per rate on the summed line net amounts."
	inputSchema = `{"type":"object","properties":{"amount":{"type":"number","description":"at most 2 decimals; negative for credit notes"},` +
		`"direction":{"type":"string","description":"net_to_gross (amount excludes VAT) or gross_to_net"},` +
		`"rate_percent":{"type":"number","description":"25 (default) or 0"}},"required":["amount","direction"],"additionalProperties":false}`
	outputSchema = `{"type":"object","properties":{"net":{"type":"number"},"vat":{"type":"number"},"gross":{"type":"number"},"rate_percent":{"type":"integer"}}}`
	// answer is what the real tool returns for {"amount":1000,"direction":"net_to_gross"}.
	answer = `{"net":1000,"vat":250,"gross":1250,"rate_percent":25}`
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()
	if err := run(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "baremcp:", err)
		os.Exit(1)
	}
}

func run(addr string) error {
	var structured map[string]any
	if err := json.Unmarshal([]byte(answer), &structured); err != nil {
		return err
	}
	readOnly, openWorld := true, false
	tool := mcp.NewToolWithRawSchema("calculate_vat", description, json.RawMessage(inputSchema))
	tool.Title = title
	tool.RawOutputSchema = json.RawMessage(outputSchema)
	tool.Annotations = mcp.ToolAnnotation{ReadOnlyHint: &readOnly, OpenWorldHint: &openWorld}

	s := server.NewMCPServer("baremcp", "1", server.WithToolCapabilities(false))
	s.AddTool(tool, func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return mcp.NewToolResultStructured(structured, answer), nil
	})

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: server.NewStreamableHTTPServer(s, server.WithEndpointPath("/mcp")), ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("http://%s\n", ln.Addr())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
