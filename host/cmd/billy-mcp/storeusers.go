package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/term"

	"github.com/billy-mcp/billy-mcp/host/internal/audit"
	"github.com/billy-mcp/billy-mcp/host/internal/auth"
	"github.com/billy-mcp/billy-mcp/host/internal/config"
	"github.com/billy-mcp/billy-mcp/host/internal/oauthserver"
	"github.com/billy-mcp/billy-mcp/host/internal/scopes"
	"github.com/billy-mcp/billy-mcp/host/internal/store"
)

const storeUsersUsage = `  billy-mcp users add NAME [--role R]... [--org ID]... [--scope S]... [--require-totp] [--config FILE]
                                              add a user to the store; the password is read from the
                                              terminal (twice) or one line of stdin
  billy-mcp users list [--config FILE]        the users of the file and of the store (no hashes)
  billy-mcp users set NAME [--role R]... [--org ID]... [--scope S]... [--require-totp=BOOL] [--config FILE]
                                              replace what is given (--role= clears the roles, and so
                                              on); applies at the user's next token refresh
  billy-mcp users passwd NAME [--config FILE] a new password (as add); revokes the user's tokens
  billy-mcp users disable|enable|remove NAME [--config FILE]
                                              disable and remove revoke the user's tokens at once
  billy-mcp users revoke NAME [--config FILE] revoke every token issued to NAME until now (a user of
                                              the file or of the store)
`

// minPassword is the shortest password users add and passwd accept; bcrypt
// reads at most 72 bytes.
const minPassword = 10

// listFlag is a repeatable flag; set says it was given at all, and an
// empty value clears the list.
type listFlag struct {
	vals []string
	set  bool
}

func (l *listFlag) String() string { return strings.Join(l.vals, ",") }
func (l *listFlag) Set(v string) error {
	l.set = true
	if v != "" {
		l.vals = append(l.vals, v)
	}
	return nil
}

// storeUsersCmd manages the authorization server's users kept in the
// store: add, list, set, passwd, disable, enable, remove, revoke. Every
// change is recorded in the audit log (in the same store), and every
// change that should end the user's sessions revokes their tokens: the
// hosts refuse their access tokens within seconds and their refresh
// tokens at once.
func storeUsersCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	verb, rest := args[0], args[1:]
	var name string
	if verb != "list" {
		if len(rest) == 0 || strings.HasPrefix(rest[0], "-") {
			fmt.Fprint(stderr, usersUsage)
			return 2
		}
		name, rest = rest[0], rest[1:]
		if !auth.ValidPrincipal(name) {
			fmt.Fprintf(stderr, "billy-mcp users %s: the name %q is not 1 to 128 of letters, digits and ._@:+-\n", verb, name)
			return 2
		}
	}
	fs := flag.NewFlagSet("users "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "YAML config file")
	var roles, orgs, scps listFlag
	var totp *bool
	if verb == "add" || verb == "set" {
		fs.Var(&roles, "role", "a role whose scopes the user holds (repeat for several)")
		fs.Var(&orgs, "org", "an organization the user may grant (repeat for several)")
		fs.Var(&scps, "scope", "a scope the user holds besides its roles' (repeat for several)")
		totp = fs.Bool("require-totp", false, "refuse a login without a TOTP code, even before enrolment")
	}
	if err := fs.Parse(rest); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "billy-mcp users %s: unexpected argument %q\n", verb, fs.Arg(0))
		return 2
	}
	totpSet := false
	fs.Visit(func(f *flag.Flag) { totpSet = totpSet || f.Name == "require-totp" })
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "billy-mcp users "+verb+": "+format+"\n", a...)
		return code
	}
	cfg, err := config.Load(config.Options{File: *path})
	if err != nil {
		fmt.Fprintf(stderr, "billy-mcp: invalid configuration:\n%v\n", err)
		return 2
	}
	inFile := slices.ContainsFunc(cfg.Auth.Server.Users, func(u config.AuthUserConfig) bool { return u.Name == name })
	if inFile && verb != "revoke" {
		return fail(1, "%s is a user of the configuration file (auth.server.users): change it there; the file's user wins over the store's", name)
	}
	if verb == "add" || verb == "set" {
		rs, err := scopes.NewRoleSet(cfg.Auth.Roles)
		if err != nil {
			return fail(2, "auth.roles: %v", err)
		}
		if _, err := rs.Expand(roles.vals, scps.vals); err != nil {
			return fail(2, "%v", err)
		}
		for _, o := range orgs.vals {
			if !auth.ValidOrganization(o) {
				return fail(2, "%q is not an organization ID", o)
			}
		}
	}
	var hash string
	if verb == "add" || verb == "passwd" {
		pw, err := readPassword(stdin, stderr, name)
		if err != nil {
			return fail(2, "%v", err)
		}
		h, err := bcrypt.GenerateFromPassword([]byte(pw), bcryptCost)
		if err != nil {
			return fail(1, "%v", err)
		}
		hash = string(h)
	}
	ctx := context.Background()
	s, err := store.Open(ctx, store.Options{URL: cfg.Database.URL, Dir: cfg.DataDir})
	if err != nil {
		return fail(1, "opening the store: %v", err)
	}
	defer s.Close()
	if verb == "list" {
		return listUsers(ctx, cfg, s, stdout, stderr)
	}
	var (
		note   string // what the audit log keeps of the change
		revoke bool   // end the user's sessions
		done   string
	)
	switch verb {
	case "add":
		u := store.OAuthUser{Name: name, PasswordHash: hash, Organizations: orgs.vals, Roles: roles.vals, Scopes: scps.vals, RequireTOTP: *totp}
		if err := s.AddOAuthUser(ctx, u); errors.Is(err, store.ErrUserExists) {
			return fail(1, "there is a user %s in the store already (users set, users passwd)", name)
		} else if err != nil {
			return fail(1, "%v", err)
		}
		note, done = "added "+describe(u), "user "+name+" added"
	case "set", "passwd", "disable", "enable":
		u, err := s.OAuthUser(ctx, name)
		if err != nil {
			return fail(1, "%v", err)
		}
		if u == nil {
			return fail(1, "there is no user %s in the store (users add)", name)
		}
		switch verb {
		case "set":
			if roles.set {
				u.Roles = roles.vals
			}
			if orgs.set {
				u.Organizations = orgs.vals
			}
			if scps.set {
				u.Scopes = scps.vals
			}
			if totpSet {
				u.RequireTOTP = *totp
			}
			note, done = "set "+describe(*u), "user "+name+" changed; it applies at the user's next token refresh"
		case "passwd":
			u.PasswordHash, revoke = hash, true
			note, done = "new password", "user "+name+"'s password changed; their tokens are revoked"
		case "disable":
			u.Disabled, revoke = true, true
			note, done = "disabled", "user "+name+" disabled; their tokens are revoked"
		case "enable":
			u.Disabled = false
			note, done = "enabled", "user "+name+" enabled"
		}
		if _, err := s.UpdateOAuthUser(ctx, *u); err != nil {
			return fail(1, "%v", err)
		}
	case "remove":
		ok, err := s.DeleteOAuthUser(ctx, name)
		if err != nil {
			return fail(1, "%v", err)
		}
		if !ok {
			return fail(1, "there is no user %s in the store", name)
		}
		revoke, note, done = true, "removed", "user "+name+" removed; their tokens are revoked"
	case "revoke":
		revoke, note, done = true, "tokens revoked", "every token issued to "+name+" until now is revoked"
	default:
		fmt.Fprint(stderr, usersUsage)
		return 2
	}
	if revoke {
		now := time.Now()
		err := s.RevokeOAuth(ctx, store.OAuthRevocation{Kind: store.RevokedPrincipal, ID: name, At: now,
			Expires: now.Add(oauthserver.RevocationHorizon(cfg.Auth.Server.AccessTokenTTL, cfg.Auth.Server.RefreshTokenTTL))})
		if err != nil {
			return fail(1, "the change is made, but revoking %s's tokens failed (run users revoke %s): %v", name, name, err)
		}
	}
	if err := auditUserChange(s, verb, name, note); err != nil {
		return fail(1, "the change is made, but recording it in the audit log failed: %v", err)
	}
	fmt.Fprintln(stdout, done)
	return 0
}

// describe is what the audit log and list say of a user: never the hash.
func describe(u store.OAuthUser) string {
	var b strings.Builder
	fmt.Fprintf(&b, "roles=%s organizations=%s scopes=%s", strings.Join(u.Roles, ","), strings.Join(u.Organizations, ","),
		strings.Join(u.Scopes, ","))
	if u.RequireTOTP {
		b.WriteString(" require_totp")
	}
	return b.String()
}

func listUsers(ctx context.Context, cfg *config.Config, s *store.Store, stdout, stderr io.Writer) int {
	us, err := s.OAuthUsers(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "billy-mcp users list: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, "NAME\tFROM\tSTATE\tROLES\tORGANIZATIONS\tSCOPES\tTOTP\tUPDATED")
	dash := func(v []string) string {
		if len(v) == 0 {
			return "-"
		}
		return strings.Join(v, ",")
	}
	yes := func(b bool) string {
		if b {
			return "required"
		}
		return "-"
	}
	for _, u := range cfg.Auth.Server.Users {
		fmt.Fprintf(stdout, "%s\tfile\tenabled\t%s\t%s\t%s\t%s\t-\n", u.Name, dash(u.Roles), dash(u.Organizations), dash(u.Scopes), yes(u.RequireTOTP))
	}
	for _, u := range us {
		state := "enabled"
		if u.Disabled {
			state = "disabled"
		}
		from := "store"
		if slices.ContainsFunc(cfg.Auth.Server.Users, func(c config.AuthUserConfig) bool { return c.Name == u.Name }) {
			from = "store (shadowed by the file)"
		}
		fmt.Fprintf(stdout, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", u.Name, from, state, dash(u.Roles), dash(u.Organizations), dash(u.Scopes),
			yes(u.RequireTOTP), u.Updated.UTC().Format("2006-01-02 15:04"))
	}
	return 0
}

// readPassword reads a new password: from the terminal without echo,
// twice, or one line of stdin when it is not a terminal (a pipe, a
// secret manager). Never from an argument, which the process list and
// the shell's history would show.
func readPassword(stdin io.Reader, stderr io.Writer, name string) (string, error) {
	var pw string
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(stderr, "New password for %s: ", name)
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(stderr, "Again: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", errors.New("the two passwords differ")
		}
		pw = string(a)
	} else {
		l, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		pw = strings.TrimRight(l, "\r\n")
	}
	if len(pw) < minPassword || len(pw) > 72 {
		return "", fmt.Errorf("the password must be %d to 72 bytes (give it on the terminal or as one line of stdin)", minPassword)
	}
	return pw, nil
}

// auditUserChange records an administrator's change to a user in the
// durable audit log, as op "admin" with name users.VERB: who ran it (the
// operating system's user, as principal "cli:NAME"), and in the
// personal detail which user and what changed (never a password or its
// hash).
func auditUserChange(s *store.Store, verb, name, note string) error {
	who := "cli"
	if u, err := user.Current(); err == nil && u.Username != "" {
		who = "cli:" + u.Username
	}
	host, _ := os.Hostname()
	chain := &audit.Chain{Store: func() (*store.Store, error) { return s, nil }, Instance: "billy-mcp users@" + host}
	return chain.WriteBatch([]audit.Record{{Time: time.Now(), Op: "admin", Name: "users." + verb, Subject: who, Transport: "cli",
		Auth: "local", Outcome: "ok", Note: "user " + name + ": " + note}})
}
