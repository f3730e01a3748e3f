package load

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"regexp"
	"strconv"
	"syscall"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// Outcome is how one call ended: Category is empty for a success.
//
// Failures the server reports in the host's error model keep its category
// and code (validation/invalid_arguments, not_found/tool_not_found, ...).
// The others get categories of their own:
//
//	transport  the call did not get an answer: refused, reset, timed out
//	protocol   a JSON-RPC error instead of a result (MCP answers an unknown
//	           tool so), coded by its JSON-RPC meaning
//	http       an HTTP status without the error model's body
//	malformed  an answer that is not what the protocol promises: an isError
//	           result or a REST failure whose body is not the error object
type Outcome struct {
	Category string
	Code     string
	// Message is a human message, kept as an example per code.
	Message string
}

// OK reports whether the call succeeded.
func (o Outcome) OK() bool { return o.Category == "" }

// Categories of failures outside the host's error model.
const (
	catTransport = "transport"
	catProtocol  = "protocol"
	catHTTP      = "http"
	catMalformed = "malformed"
)

// errorBody is the host's error object, as MCP error results carry it in
// their text and REST failures in their envelope.
type errorBody struct {
	Code     string `json:"code"`
	Category string `json:"category"`
	Message  string `json:"message"`
}

// fromToolError reads the error object out of an MCP result with isError.
func fromToolError(res *mcp.CallToolResult) Outcome {
	for _, c := range res.Content {
		text, ok := c.(mcp.TextContent)
		if !ok {
			continue
		}
		var body struct {
			Error *errorBody `json:"error"`
		}
		if json.Unmarshal([]byte(text.Text), &body) == nil && body.Error != nil && body.Error.Category != "" {
			return Outcome{Category: body.Error.Category, Code: orUnknown(body.Error.Code), Message: body.Error.Message}
		}
		return Outcome{Category: catMalformed, Code: "tool_error_not_json", Message: clip(text.Text)}
	}
	return Outcome{Category: catMalformed, Code: "tool_error_without_text", Message: "an isError result without text content"}
}

// fromRESTAnswer classifies a REST answer by its status and envelope.
func fromRESTAnswer(status int, body []byte) Outcome {
	var env struct {
		Success *bool      `json:"success"`
		Error   *errorBody `json:"error"`
	}
	parsed := json.Unmarshal(body, &env) == nil
	if status >= 200 && status < 300 && parsed && env.Success != nil && *env.Success {
		return Outcome{}
	}
	if parsed && env.Error != nil && env.Error.Category != "" {
		return Outcome{Category: env.Error.Category, Code: orUnknown(env.Error.Code), Message: env.Error.Message}
	}
	if status >= 200 && status < 300 {
		return Outcome{Category: catMalformed, Code: "no_success_envelope", Message: clip(string(body))}
	}
	return Outcome{Category: catHTTP, Code: "status_" + strconv.Itoa(status), Message: clip(string(body))}
}

// jsonRPCCodes names mcp-go's sentinels for JSON-RPC error codes.
var jsonRPCCodes = []struct {
	err  error
	code string
}{
	{mcp.ErrParseError, "parse_error"},
	{mcp.ErrInvalidRequest, "invalid_request"},
	{mcp.ErrMethodNotFound, "method_not_found"},
	{mcp.ErrInvalidParams, "invalid_params"},
	{mcp.ErrInternalError, "internal_error"},
	{mcp.ErrRequestInterrupted, "request_interrupted"},
	{mcp.ErrResourceNotFound, "resource_not_found"},
}

var statusInMessage = regexp.MustCompile(`status (\d{3})`)

// fromMCPError classifies a failed MCP call. mcp-go wraps what went wrong
// on the way in transport.Error and returns a JSON-RPC error as it is.
func fromMCPError(err error) Outcome {
	msg := err.Error()
	var te *transport.Error
	if !errors.As(err, &te) && !isNetwork(err) {
		for _, c := range jsonRPCCodes {
			if errors.Is(err, c.err) {
				return Outcome{Category: catProtocol, Code: c.code, Message: msg}
			}
		}
		switch {
		case mcp.IsHeaderMismatch(err):
			return Outcome{Category: catProtocol, Code: "header_mismatch", Message: msg}
		case mcp.IsUnsupportedProtocolVersion(err):
			return Outcome{Category: catProtocol, Code: "unsupported_protocol_version", Message: msg}
		}
		return Outcome{Category: catProtocol, Code: "jsonrpc_error", Message: msg}
	}
	return fromTransportError(err)
}

// fromTransportError classifies a request that got no usable answer.
func fromTransportError(err error) Outcome {
	msg := err.Error()
	var auth *transport.AuthorizationRequiredError
	switch {
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return Outcome{Category: catTransport, Code: "timeout", Message: msg}
	case errors.Is(err, context.Canceled):
		return Outcome{Category: catTransport, Code: "canceled", Message: msg}
	case errors.As(err, &auth) || errors.Is(err, transport.ErrUnauthorized):
		return Outcome{Category: catHTTP, Code: "status_401", Message: msg}
	case errors.Is(err, transport.ErrSessionTerminated):
		return Outcome{Category: catProtocol, Code: "session_terminated", Message: msg}
	case errors.Is(err, syscall.ECONNREFUSED):
		return Outcome{Category: catTransport, Code: "connection_refused", Message: msg}
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE):
		return Outcome{Category: catTransport, Code: "connection_reset", Message: msg}
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return Outcome{Category: catTransport, Code: "eof", Message: msg}
	}
	if m := statusInMessage.FindStringSubmatch(msg); m != nil {
		return Outcome{Category: catHTTP, Code: "status_" + m[1], Message: msg}
	}
	return Outcome{Category: catTransport, Code: "other", Message: msg}
}

func isNetwork(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func orUnknown(code string) string {
	if code == "" {
		return "unknown"
	}
	return code
}

// clip shortens an example message to what fits a report line, at a rune
// boundary.
func clip(s string) string {
	n := 200
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
