package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/billy-mcp/billy-mcp/host/internal/app"
	"github.com/billy-mcp/billy-mcp/host/internal/audit"
	"github.com/billy-mcp/billy-mcp/host/internal/config"
)

const auditUsage = `usage:
  billy-mcp audit verify [--config FILE] [--checkpoints DIR] [--verifier-key KEY]
      check the store's audit log: every entry's hash and its place in the chain,
      and every signed checkpoint; names the first entry edited, removed or
      reordered. Exit 0: verified; 1: not; 2: could not check.
  billy-mcp audit keygen NAME
      print a new checkpoint signing key (for audit.checkpoints.key; keep it
      secret) and its verifier key (for auditors and --verifier-key)
`

func auditCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, auditUsage)
		return 2
	}
	switch args[0] {
	case "verify":
		return auditVerify(args[1:], stdout, stderr)
	case "keygen":
		return auditKeygen(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "billy-mcp audit: unknown command %q\n\n%s", args[0], auditUsage)
	return 2
}

func auditVerify(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "YAML config file (the host's: its database and audit.checkpoints)")
	dir := fs.String("checkpoints", "", "directory of checkpoint files (default: audit.checkpoints.dir)")
	vkey := fs.String("verifier-key", "", "the verifier key checkpoints must be signed with (default: the configured key's)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "billy-mcp audit verify: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	cfg, err := config.Load(config.Options{File: *path})
	if err != nil {
		fmt.Fprintf(stderr, "billy-mcp: invalid configuration:\n%v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := app.VerifyAudit(ctx, cfg, app.VerifyOptions{CheckpointsDir: *dir, Verifier: *vkey})
	if err != nil {
		fmt.Fprintf(stderr, "billy-mcp audit verify: %v\n", err)
		return 2
	}
	if res.CheckpointsDir != "" {
		fmt.Fprintf(stdout, "checkpoints: %s, verifier key %s\n", res.CheckpointsDir, res.Verifier)
	} else {
		fmt.Fprintln(stdout, "checkpoints: none (the chain is checked on its own)")
	}
	fmt.Fprintf(stdout, "entries: %d read (%d anonymized), head %d; checkpoints: %d checked, the last at %d\n",
		res.Entries, res.Anonymized, res.Head.Size, res.Checkpoints, res.LastCheckpoint)
	if !res.OK() {
		fmt.Fprintf(stdout, "NOT VERIFIED: first bad entry %d: %s\n", res.BadEntry, res.Problem)
		return 1
	}
	fmt.Fprintln(stdout, "verified: every entry is as it was written")
	return 0
}

func auditKeygen(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprint(stderr, "usage: billy-mcp audit keygen NAME (e.g. billy-mcp/acme-prod, the deployment's audit.checkpoints.origin)\n")
		return 2
	}
	seed := make([]byte, 32)
	if _, err := rand.Read(seed); err != nil {
		fmt.Fprintf(stderr, "billy-mcp audit keygen: %v\n", err)
		return 1
	}
	skey, vkey, err := audit.KeyFromSeed(args[0], seed)
	if err != nil {
		fmt.Fprintf(stderr, "billy-mcp audit keygen: %v\n", err)
		return 2
	}
	fmt.Fprintf(stdout, "signing key (secret: BILLY_MCP_AUDIT_CHECKPOINTS_KEY or audit.checkpoints.key_file):\n%s\nverifier key (public: for auditors, billy-mcp audit verify --verifier-key):\n%s\n", skey, vkey)
	return 0
}
