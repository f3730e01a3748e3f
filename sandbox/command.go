package sandbox

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/billy-mcp/billy-mcp/sandbox/economic"
	"github.com/hashicorp/go-hclog"
)

// Command serves the fake Billy on its own until SIGINT or SIGTERM, so other
// clients and several hosts can share one: point a host at it with
// BILLY_API_BASE=http://ADDR/v2 and BILLY_API_KEY=<token>. The address comes
// from BILLY_SANDBOX_ADDR (default 127.0.0.1:8081), the token from
// BILLY_SANDBOX_TOKEN (default: one per organization, logged). It is the
// whole of the billy-sandbox command and of `billy-mcp sandbox`; it returns
// the exit status. With --state-file the data outlives the process (see
// Options.StateFile); POST /_sandbox/restart restarts it in place, keeping
// the data without a file. With --economic-addr it also serves the fake of
// e-conomic's REST API (package economic, its demo agreement) for demos of
// migrate_from_economic.
func Command(name string, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	seed := fs.Int64("seed", 1, "seed of the demo data (same seed, same data)")
	business := fs.String("business", "", "freelancer, retail, service, or empty for all three organizations")
	stateFile := fs.String("state-file", "", "keep the data across restarts of the process: loaded at start when it exists, saved (atomically) on SIGINT/SIGTERM")
	todayFlag := fs.String("today", "", "the day the demo history ends, as YYYY-MM-DD (default today): pins the data from one day to the next")
	economicAddr := fs.String("economic-addr", "", "also serve a fake of e-conomic's REST API with its demo agreement on this address (app token app-secret, grant token demo-grant), for migrate_from_economic demos; empty: off")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var today time.Time
	if *todayFlag != "" {
		var err error
		if today, err = time.Parse(time.DateOnly, *todayFlag); err != nil {
			fmt.Fprintf(stderr, "%s: --today %q is not a date; use YYYY-MM-DD\n", name, *todayFlag)
			return 2
		}
	}
	addr := os.Getenv("BILLY_SANDBOX_ADDR")
	if addr == "" {
		addr = "127.0.0.1:8081"
	}
	logger := hclog.New(&hclog.LoggerOptions{Name: "billy-sandbox", Output: stderr, JSONFormat: true, Level: hclog.Info})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *economicAddr != "" {
		ln, err := net.Listen("tcp", *economicAddr)
		if err != nil {
			fmt.Fprintf(stderr, "%s: --economic-addr: %v\n", name, err)
			return 1
		}
		srv := &http.Server{Handler: economic.New(economic.Options{}), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
		// The fake's tokens are fixed demo values, not secrets.
		logger.Info("e-conomic REST API fake listening", "url", "http://"+ln.Addr().String(), "app_secret_token", "app-secret", "agreement_grant_token", "demo-grant")
	}
	err := ListenAndServe(ctx, addr, Options{
		Token: os.Getenv("BILLY_SANDBOX_TOKEN"), Seed: *seed, Business: *business, Today: today, Logger: logger, LogTokens: true,
		StateFile: *stateFile})
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	return 0
}
