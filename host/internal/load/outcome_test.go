package load

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

var ignoreMessage = cmpopts.IgnoreFields(Outcome{}, "Message")

func TestFromToolError(t *testing.T) {
	text := func(s string) *mcp.CallToolResult {
		return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{mcp.TextContent{Type: "text", Text: s}}}
	}
	tests := []struct {
		name string
		res  *mcp.CallToolResult
		want Outcome
	}{
		{"the host's error object", text(`{"error":{"code":"invalid_arguments","category":"validation","message":"amount: got string"}}`),
			Outcome{Category: "validation", Code: "invalid_arguments", Message: "amount: got string"}},
		{"no code", text(`{"error":{"category":"internal"}}`), Outcome{Category: "internal", Code: "unknown"}},
		{"plain text", text("it broke"), Outcome{Category: "malformed", Code: "tool_error_not_json", Message: "it broke"}},
		{"JSON without the error object", text(`{"message":"x"}`), Outcome{Category: "malformed", Code: "tool_error_not_json"}},
		{"no text", &mcp.CallToolResult{IsError: true}, Outcome{Category: "malformed", Code: "tool_error_without_text"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, fromToolError(tt.res), ignoreMessage); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestFromRESTAnswer(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   Outcome
	}{
		{"success", 200, `{"success":true,"data":{"net":1000}}`, Outcome{}},
		{"the error envelope", 400, `{"success":false,"error":{"code":"invalid_arguments","category":"validation","message":"m"}}`,
			Outcome{Category: "validation", Code: "invalid_arguments", Message: "m"}},
		{"unknown tool", 404, `{"success":false,"error":{"code":"tool_not_found","category":"not_found"},"availableTools":[]}`,
			Outcome{Category: "not_found", Code: "tool_not_found"}},
		{"a status without the envelope", 502, `Bad Gateway`, Outcome{Category: "http", Code: "status_502", Message: "Bad Gateway"}},
		{"200 without success", 200, `{"data":1}`, Outcome{Category: "malformed", Code: "no_success_envelope"}},
		{"200 that says it failed", 200, `{"success":false,"error":{"code":"c","category":"conflict"}}`, Outcome{Category: "conflict", Code: "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, fromRESTAnswer(tt.status, []byte(tt.body)), ignoreMessage); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestFromMCPError(t *testing.T) {
	rpc := func(code int, msg string) error {
		return (&mcp.JSONRPCErrorDetails{Code: code, Message: msg}).AsError()
	}
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	tests := []struct {
		name string
		err  error
		want Outcome
	}{
		{"unknown tool", rpc(mcp.INVALID_PARAMS, "tool 'x' not found"), Outcome{Category: "protocol", Code: "invalid_params"}},
		{"unknown method", rpc(mcp.METHOD_NOT_FOUND, ""), Outcome{Category: "protocol", Code: "method_not_found"}},
		{"a JSON-RPC code mcp-go has no name for", rpc(-32042, "odd"), Outcome{Category: "protocol", Code: "jsonrpc_error"}},
		{"refused", transport.NewError(fmt.Errorf("failed to send request: %w", dial)), Outcome{Category: "transport", Code: "connection_refused"}},
		{"reset", transport.NewError(syscall.ECONNRESET), Outcome{Category: "transport", Code: "connection_reset"}},
		{"timed out", transport.NewError(context.DeadlineExceeded), Outcome{Category: "transport", Code: "timeout"}},
		{"cancelled", transport.NewError(context.Canceled), Outcome{Category: "transport", Code: "canceled"}},
		{"cut off", transport.NewError(fmt.Errorf("reading: %w", errors.New("x"))), Outcome{Category: "transport", Code: "other"}},
		{"401", transport.NewError(&transport.AuthorizationRequiredError{}), Outcome{Category: "http", Code: "status_401"}},
		{"another status", transport.NewError(errors.New("request failed with status 503: busy")), Outcome{Category: "http", Code: "status_503"}},
		{"session gone", transport.NewError(transport.ErrSessionTerminated), Outcome{Category: "protocol", Code: "session_terminated"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, fromMCPError(tt.err), ignoreMessage); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestClip(t *testing.T) {
	long := "a"
	for range 150 {
		long += "æ" // two bytes each: byte 200 falls inside one
	}
	got := clip(long)
	if want := long[:199] + "…"; got != want {
		t.Errorf("clip cut %q, want %q", got, want)
	}
	if clip("short") != "short" {
		t.Error("clip changed a short message")
	}
}
