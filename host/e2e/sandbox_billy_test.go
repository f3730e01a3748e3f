package e2e

import (
	"context"
	"net"
	"testing"

	"github.com/billy-mcp/billy-mcp/sandbox"
)

// serveSandbox serves a sandbox Billy of one business on loopback until
// the test ends, for a host in production mode to use as it would the
// real Billy (see sandboxEnv), and for the test to read Billy's own
// answers from: it returns the organization and the API base
// (http://127.0.0.1:PORT/v2).
func serveSandbox(t *testing.T, token string, business string) (sandbox.Organization, string) {
	t.Helper()
	sb, err := sandbox.New(sandbox.Options{Token: token, Business: business})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = sb.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })
	return sb.Organizations()[0], "http://" + ln.Addr().String() + "/v2"
}

// sandboxEnv is the environment of a production-mode host whose Billy is
// the sandbox org lives in, with a rate limit no test reaches.
func sandboxEnv(org sandbox.Organization, base string) []string {
	return []string{"BILLY_MCP_MODE=production", "BILLY_MCP_BILLY_API_KEY=" + org.AccessToken, "BILLY_MCP_BILLY_API_BASE=" + base,
		"BILLY_MCP_BILLY_ORGANIZATION_ID=" + org.ID,
		"BILLY_MCP_BILLY_RATE_LIMIT_PER_SECOND=2000", "BILLY_MCP_BILLY_RATE_LIMIT_BURST=2000"}
}
