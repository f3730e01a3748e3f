// Command billy-mcp is the billy-mcp host: an MCP server for Billy.dk whose
// tool groups run as plugin subprocesses.
//
//	billy-mcp serve  [--config FILE]   MCP over Streamable HTTP, REST v1, health, metrics
//	billy-mcp stdio  [--config FILE]   MCP on stdin/stdout (desktop clients)
//	billy-mcp sandbox  [--seed N] [--business KIND] [--today YYYY-MM-DD]   a standalone fake Billy API
//	billy-mcp config check --config FILE
//	billy-mcp plugin new [--sdk DIR] NAME [DIR]   scaffold a plugin module
//	billy-mcp load [flags]   drive MCP or REST load and report calls/s, latency, errors, CPU per call
//	billy-mcp health [--url URL]   exit 0 when the host is ready (the image's HEALTHCHECK)
//	billy-mcp keys new|status|rotate   the key ring of the secrets at rest
//	billy-mcp organizations add|list|remove   organizations served from the store, tokens encrypted
//	billy-mcp audit verify|keygen   check the audit log; make a checkpoint signing key
//	billy-mcp version
//
// It is also the shipped plugins' binary (multi-call, as busybox is):
// started under the name billy-mcp-plugin-NAME, for a symlink of that name,
// it serves the built-in plugin NAME (invoices, moms, analytics, presets,
// integrations) to the host that started it. See builtin.go.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/billy-mcp/billy-mcp/host/internal/app"
	"github.com/billy-mcp/billy-mcp/host/internal/config"
	"github.com/billy-mcp/billy-mcp/sdk"
)

const usage = `usage: billy-mcp <command> [flags]

commands:
  serve   [--config FILE]        serve MCP (Streamable HTTP at /mcp), the v1 REST API, /health and /metrics
  stdio   [--config FILE]        serve MCP on stdin/stdout
  sandbox [--seed N] [--business K] [--today D]  serve the fake Billy API v2 under /v2 (address from
                                 BILLY_SANDBOX_ADDR, default 127.0.0.1:8081; access token from
                                 BILLY_SANDBOX_TOKEN, default: any token is accepted)
  config check --config FILE     validate a config file and exit
  plugin new [--sdk DIR] NAME [DIR]  write a new plugin module (default DIR: ./billy-mcp-plugin-NAME)
  load [flags]                   drive MCP or REST load against a server; prints calls/s, latency
                                 percentiles, errors by code and server CPU per call (load --help)
  health [--url URL]             ask a running host whether it is ready (exit 0) or not (1)
  keys new|status|rotate         the key ring that encrypts Billy tokens and TOTP secrets in the
                                 store: print a new key, count values per key, add a key and
                                 re-encrypt everything under it with progress (keys --help)
  organizations add ID|list|remove ID  the organizations served from the store; add reads the
                                 Billy token from stdin and stores it encrypted
  users add|list|set|passwd|disable|enable|remove|revoke|hash-password|totp ...  the embedded
                                 authorization server's users (auth.server): users kept in the
                                 store, a password's bcrypt hash, TOTP enrolment, revoking a
                                 user's tokens (users --help)
  audit verify [--config FILE]   check the audit log: names the first entry edited, removed or
                                 reordered (audit keygen NAME: a checkpoint signing key)
  version                        print the version

Started under the name billy-mcp-plugin-NAME (a symlink to this binary, as the image ships
the built-in plugins invoices, moms, analytics, presets and integrations), it serves that
plugin to the host that started it instead.

SIGHUP reloads the config file: the log level, cache TTLs and Billy's rate limit change
at once; other changes are named in the log as needing a restart.

Settings come from built-in defaults, then the config file, then the environment
(BILLY_MCP_*, and v1's BILLY_API_KEY, BILLY_ORGANIZATION_ID, BILLY_API_BASE, MCP_API_KEY).
`

func main() {
	// Started as billy-mcp-plugin-NAME (the image's symlinks): serve that
	// built-in plugin over go-plugin's handshake, not the host's commands.
	if name, newPlugin, ok := asPlugin(os.Args[0]); ok {
		if newPlugin == nil {
			fmt.Fprintf(os.Stderr, "billy-mcp: started as %s%s, but %q is not a built-in plugin (built in: %s)\n",
				pluginPrefix, name, name, strings.Join(builtinNames(), ", "))
			os.Exit(2)
		}
		sdk.Serve(newPlugin())
		return
	}
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve", "stdio":
		return serve(cmd, rest, stdin, stdout, stderr)
	case "config":
		return configCmd(rest, stdout, stderr)
	case "sandbox":
		return sandboxCmd(rest, stderr)
	case "plugin":
		return pluginCmd(rest, stdout, stderr)
	case "load":
		return loadCmd(rest, stdout, stderr)
	case "audit":
		return auditCmd(rest, stdout, stderr)
	case "health":
		return healthCmd(rest, stdout, stderr)
	case "keys":
		return keysCmd(rest, stdout, stderr)
	case "organizations":
		return organizationsCmd(rest, stdin, stdout, stderr)
	case "users":
		return usersCmd(rest, stdin, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "billy-mcp", app.Version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "billy-mcp: unknown command %q\n\n%s", cmd, usage)
	return 2
}

func configFlag(name string, args []string, stderr io.Writer) (string, bool) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "YAML config file")
	if err := fs.Parse(args); err != nil {
		return "", false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "billy-mcp %s: unexpected argument %q\n", name, fs.Arg(0))
		return "", false
	}
	return *path, true
}

func serve(cmd string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	path, ok := configFlag(cmd, args, stderr)
	if !ok {
		return 2
	}
	cfg, err := config.Load(config.Options{File: path})
	if err != nil {
		fmt.Fprintf(stderr, "billy-mcp: invalid configuration:\n%v\n", err)
		return 2
	}
	logger := app.NewLogger(cfg, stderr)
	logger.Debug("configuration", "config", cfg.Redacted())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	a, err := app.New(cfg, logger)
	if err != nil {
		logger.Error("cannot start", "error", err)
		return 1
	}
	// Over stdio the client's handshake is answered while the plugins
	// start (App.ServeStdio); over HTTP readiness says when they are up.
	var ready chan struct{}
	started := make(chan error, 1)
	if cmd == "stdio" {
		ready = make(chan struct{})
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		go func() {
			err := a.Start(ctx)
			if err != nil {
				cancel() // ends ServeStdio: a host without its plugins serves nothing
			} else {
				close(ready)
			}
			started <- err
		}()
	} else if err := a.Start(ctx); err != nil {
		logger.Error("cannot start", "error", err)
		return 1
	}
	defer a.Stop()

	// SIGHUP reloads the configuration: what a running host can change
	// (log level, cache TTLs, Billy's rate limit) changes at once; the rest
	// is named as needing a restart. A file that does not load is refused
	// and the configuration in force kept.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for range hup {
			next, err := config.Load(config.Options{File: path})
			if err != nil {
				logger.Error("configuration reload refused; the configuration in force is kept", "error", err.Error())
				continue
			}
			r := a.Reload(next)
			logger.Info("configuration reloaded", "applied", r.Applied, "need_restart", r.NeedRestart, "plugins", r.Plugins)
		}
	}()

	if cmd == "stdio" {
		err = a.ServeStdio(ctx, stdin, stdout, ready)
		// Stop (deferred) must not run while Start still does.
		if serr := <-started; serr != nil {
			logger.Error("cannot start", "error", serr)
			return 1
		}
	} else {
		err = a.ServeHTTP(ctx, nil)
	}
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, io.EOF) {
		logger.Error("stopped with an error", "error", err)
		return 1
	}
	logger.Info("stopped")
	return 0
}

func configCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprint(stderr, "usage: billy-mcp config check --config FILE\n")
		return 2
	}
	path, ok := configFlag("config check", args[1:], stderr)
	if !ok {
		return 2
	}
	if path == "" {
		fmt.Fprint(stderr, "billy-mcp config check: --config FILE is required\n")
		return 2
	}
	if err := config.Check(path, nil); err != nil {
		fmt.Fprintf(stderr, "%s: invalid:\n%v\n", path, err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: ok\n", path)
	return 0
}
