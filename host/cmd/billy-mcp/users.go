package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/billy-mcp/billy-mcp/host/internal/app"
	"github.com/billy-mcp/billy-mcp/host/internal/config"
	"github.com/billy-mcp/billy-mcp/host/internal/credentials"
	"github.com/billy-mcp/billy-mcp/host/internal/keyring"
	"github.com/billy-mcp/billy-mcp/host/internal/mfa"
	"github.com/billy-mcp/billy-mcp/host/internal/store"
)

const usersUsage = `usage:
  billy-mcp users hash-password               read a password from stdin, print its bcrypt hash
                                              for auth.server.users[].password_bcrypt
  billy-mcp users totp enroll NAME [--config FILE]
                                              make NAME a TOTP secret (replacing any other) and print
                                              its otpauth:// URL once, for an authenticator app
  billy-mcp users totp confirm NAME [--config FILE]
                                              read a code from stdin and check it: confirms the
                                              enrolment (from then on NAME always needs a code)
  billy-mcp users totp status|remove NAME [--config FILE]
` + storeUsersUsage

// bcryptCost is the work factor of the hashes hash-password prints: about
// a quarter second per login on a current core, which makes offline
// guessing of a leaked hash slow.
const bcryptCost = 12

// usersCmd manages the embedded authorization server's users: their
// password hashes, their TOTP enrolment, and the users kept in the store
// (storeusers.go).
func usersCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usersUsage)
		return 2
	}
	line := func() (string, error) {
		l, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		return strings.TrimRight(l, "\r\n"), nil
	}
	if args[0] == "hash-password" {
		pw, err := line()
		if err != nil || pw == "" {
			fmt.Fprintln(stderr, "billy-mcp users hash-password: give the password on stdin (one line)")
			return 2
		}
		if len(pw) > 72 {
			fmt.Fprintln(stderr, "billy-mcp users hash-password: bcrypt reads at most 72 bytes of a password; use a shorter one")
			return 2
		}
		h, err := bcrypt.GenerateFromPassword([]byte(pw), bcryptCost)
		if err != nil {
			fmt.Fprintf(stderr, "billy-mcp users hash-password: %v\n", err)
			return 1
		}
		fmt.Fprintln(stdout, string(h))
		return 0
	}
	switch args[0] {
	case "add", "list", "set", "passwd", "disable", "enable", "remove", "revoke":
		return storeUsersCmd(args, stdin, stdout, stderr)
	}
	if args[0] != "totp" || len(args) < 3 || strings.HasPrefix(args[2], "-") {
		fmt.Fprint(stderr, usersUsage)
		return 2
	}
	verb, name := args[1], args[2]
	fs := flag.NewFlagSet("users totp "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "YAML config file")
	if err := fs.Parse(args[3:]); err != nil {
		return 2
	}
	cfg, err := config.Load(config.Options{File: *path})
	if err != nil {
		fmt.Fprintf(stderr, "billy-mcp: invalid configuration:\n%v\n", err)
		return 2
	}
	ctx := context.Background()
	s, err := store.Open(ctx, store.Options{URL: cfg.Database.URL, Dir: cfg.DataDir})
	if err != nil {
		fmt.Fprintf(stderr, "billy-mcp users totp: opening the store: %v\n", err)
		return 1
	}
	defer s.Close()
	ring, err := credentials.NewRing(func() (*keyring.Ring, error) { return app.LoadRing(cfg.Credentials) })
	if err != nil {
		fmt.Fprintf(stderr, "billy-mcp users totp: %v\n", err)
		return 1
	}
	t := &mfa.TOTP{Store: func() mfa.Store { return s }, Ring: ring, Issuer: "Billy MCP"}
	switch verb {
	case "enroll":
		u, err := t.Enroll(ctx, name)
		if err != nil {
			fmt.Fprintf(stderr, "billy-mcp users totp enroll: %v\n", err)
			return 1
		}
		if err := auditUserChange(s, "totp.enroll", name, "TOTP secret enrolled"); err != nil {
			fmt.Fprintf(stderr, "billy-mcp users totp enroll: enrolled, but recording it in the audit log failed: %v\n", err)
			return 1
		}
		fmt.Fprintln(stdout, u)
		fmt.Fprintf(stderr, "Add this URL to %s's authenticator app (or make a QR code of it), then confirm with a code:\n  billy-mcp users totp confirm %s\nIt is shown once; the store keeps it encrypted.\n", name, name)
	case "confirm":
		code, err := line()
		if err != nil {
			fmt.Fprintf(stderr, "billy-mcp users totp confirm: %v\n", err)
			return 1
		}
		if err := t.Verify(ctx, name, strings.TrimSpace(code), ""); err != nil {
			fmt.Fprintf(stderr, "billy-mcp users totp confirm: %v\n", err)
			return 1
		}
		if err := auditUserChange(s, "totp.confirm", name, "TOTP enrolment confirmed"); err != nil {
			fmt.Fprintf(stderr, "billy-mcp users totp confirm: confirmed, but recording it in the audit log failed: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "%s's code is right: enrolment confirmed; %s now needs a code at every login\n", name, name)
	case "status":
		enrolled, confirmed, err := t.Enrolled(ctx, name)
		if err != nil {
			fmt.Fprintf(stderr, "billy-mcp users totp status: %v\n", err)
			return 1
		}
		switch {
		case confirmed:
			fmt.Fprintf(stdout, "%s: enrolled and confirmed\n", name)
		case enrolled:
			fmt.Fprintf(stdout, "%s: enrolled, not yet confirmed by a code\n", name)
		default:
			fmt.Fprintf(stdout, "%s: not enrolled\n", name)
		}
	case "remove":
		ok, err := t.Remove(ctx, name)
		if err != nil {
			fmt.Fprintf(stderr, "billy-mcp users totp remove: %v\n", err)
			return 1
		}
		if !ok {
			fmt.Fprintf(stderr, "billy-mcp users totp remove: %s is not enrolled\n", name)
			return 1
		}
		if err := auditUserChange(s, "totp.remove", name, "TOTP secret removed"); err != nil {
			fmt.Fprintf(stderr, "billy-mcp users totp remove: removed, but recording it in the audit log failed: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "%s's TOTP secret removed\n", name)
	default:
		fmt.Fprint(stderr, usersUsage)
		return 2
	}
	return 0
}
