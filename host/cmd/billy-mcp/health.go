package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

// healthCmd asks a running host whether it is live or ready: the container
// image's HEALTHCHECK (a scratch image has no curl) and any supervisor
// without an HTTP probe.
//
//	billy-mcp health [--url URL] [--timeout 3s]
//
// The default URL is /health/ready on the address the host listens on
// (BILLY_MCP_HTTP_ADDR, default 127.0.0.1:8080), reached over loopback.
// Exit 0 when it answers 200, 1 otherwise.
func healthCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("health", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "", "the URL to ask (default: /health/ready on BILLY_MCP_HTTP_ADDR over loopback)")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *url == "" {
		*url = "http://" + loopback(os.Getenv("BILLY_MCP_HTTP_ADDR")) + "/health/ready"
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		fmt.Fprintf(stderr, "billy-mcp health: %v\n", err)
		return 2
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "billy-mcp health: %s: %v\n", *url, err)
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "billy-mcp health: %s answered %s\n", *url, resp.Status)
		return 1
	}
	fmt.Fprintf(stdout, "%s: %s\n", *url, resp.Status)
	return 0
}

// loopback is addr's port on the loopback address: a host listening on
// 0.0.0.0:8080 (in a container) is asked at 127.0.0.1:8080.
func loopback(addr string) string {
	if addr == "" {
		return "127.0.0.1:8080"
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return net.JoinHostPort("127.0.0.1", port)
}
