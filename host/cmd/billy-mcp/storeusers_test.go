package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/bcrypt"

	"github.com/billy-mcp/billy-mcp/host/internal/audit"
	"github.com/billy-mcp/billy-mcp/host/internal/store"
)

// The users kept in the store, managed as an operator would: every change
// lands in the store and in the audit log, those that end sessions revoke
// the user's tokens, the file's users are left to the file, and neither a
// password nor its hash is ever printed.
func TestStoreUsersCommands(t *testing.T) {
	for _, k := range []string{"BILLY_MCP_DATA_DIR", "BILLY_MCP_DATABASE_URL", "BILLY_API_KEY"} {
		t.Setenv(k, "")
	}
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "billy-mcp.yaml")
	cfg := "data_dir: " + dir + "\ncredentials: {keys_file: " + filepath.Join(dir, "keys") + "}\nauth:\n  server:\n    users:\n      - name: anna\n        password_bcrypt: \"$2a$04$abcdefghijklmnopqrstuu5Cw1tS0Gv1R9aZKQyQ2cK8sD7e5CMzu\"\n        roles: [admin]\n"
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCmd(t, "", "keys", "rotate", "--config", cfgFile); code != 0 {
		t.Fatalf("keys rotate (a key for TOTP secrets): %s", errOut)
	}
	const pw = "correct horse battery"
	steps := []struct {
		stdin string
		args  []string
		code  int
		out   string // in stdout (or stderr when code != 0)
	}{
		{pw + "\n", []string{"users", "add", "eva", "--role", "bookkeeper", "--org", "org-a", "--org", "org-b", "--require-totp"}, 0, "user eva added"},
		{pw + "\n", []string{"users", "add", "eva"}, 1, "in the store already"},
		{pw + "\n", []string{"users", "add", "anna"}, 1, "configuration file"},
		{pw + "\n", []string{"users", "add", "al", "--role", "wizard"}, 2, "wizard"},
		{pw + "\n", []string{"users", "add", "al", "--org", "not an org"}, 2, "not an organization ID"},
		{"short\n", []string{"users", "add", "al"}, 2, "10 to 72 bytes"},
		{"", []string{"users", "add", "bad name"}, 2, "is not 1 to 128"},
		{"", []string{"users", "set", "eva", "--role=", "--scope", "billy:read", "--require-totp=false"}, 0, "next token refresh"},
		{"", []string{"users", "set", "nobody", "--scope", "billy:read"}, 1, "no user nobody"},
		{"another good password\n", []string{"users", "passwd", "eva"}, 0, "tokens are revoked"},
		{"", []string{"users", "disable", "eva"}, 0, "disabled"},
		{"", []string{"users", "enable", "eva"}, 0, "enabled"},
		{"", []string{"users", "totp", "enroll", "eva"}, 0, "otpauth://"},
		{"", []string{"users", "totp", "remove", "eva"}, 0, "removed"},
		{"", []string{"users", "revoke", "anna"}, 0, "revoked"},
		{"", []string{"users", "disable", "anna"}, 1, "configuration file"},
	}
	for _, s := range steps {
		code, out, errOut := runCmd(t, s.stdin, append(s.args, "--config", cfgFile)...)
		got := out
		if s.code != 0 {
			got = errOut
		}
		if code != s.code || !strings.Contains(got, s.out) {
			t.Errorf("%v: %d %q %q, want %d and %q", s.args, code, out, errOut, s.code, s.out)
		}
		if strings.Contains(out+errOut, pw) || strings.Contains(out+errOut, "$2a$") {
			t.Errorf("%v printed a password or a hash: %s %s", s.args, out, errOut)
		}
	}
	code, out, _ := runCmd(t, "", "users", "list", "--config", cfgFile)
	if code != 0 || !strings.Contains(out, "anna\tfile\tenabled\tadmin") || !strings.Contains(out, "eva\tstore\tenabled\t-\torg-a,org-b\tbilly:read\t-") ||
		strings.Contains(out, "$2a$") {
		t.Errorf("list: %d\n%s", code, out)
	}

	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	eva, err := st.OAuthUser(ctx, "eva")
	if err != nil || eva == nil {
		t.Fatal(eva, err)
	}
	if bcrypt.CompareHashAndPassword([]byte(eva.PasswordHash), []byte("another good password")) != nil || eva.Disabled || eva.RequireTOTP {
		t.Errorf("eva in the store: %+v", eva)
	}
	revs, _ := st.OAuthRevocations(ctx)
	var revoked []string
	for _, r := range revs {
		revoked = append(revoked, r.Kind+":"+r.ID)
	}
	if diff := cmp.Diff([]string{"principal:anna", "principal:eva"}, sorted(revoked)); diff != "" {
		t.Errorf("revocations (-want +got):\n%s", diff)
	}
	var logged []string
	_ = st.ScanAudit(ctx, 0, func(r store.AuditRow) (bool, error) {
		if strings.Contains(r.Detail, "$2a$") || strings.Contains(r.Detail, pw) {
			t.Errorf("audit row %d holds a password or hash: %s", r.Seq, r.Detail)
		}
		logged = append(logged, r.Op+" "+r.Name+" "+r.Transport)
		return true, nil
	})
	want := []string{"admin users.add cli", "admin users.set cli", "admin users.passwd cli", "admin users.disable cli",
		"admin users.enable cli", "admin users.totp.enroll cli", "admin users.totp.remove cli", "admin users.revoke cli"}
	if diff := cmp.Diff(want, logged); diff != "" {
		t.Errorf("audit log (-want +got):\n%s", diff)
	}
	if rep, err := audit.Verify(ctx, st, nil); err != nil || !rep.OK() {
		t.Errorf("audit verify: %+v %v", rep, err)
	}
	if code, out, _ := runCmd(t, "", "users", "remove", "eva", "--config", cfgFile); code != 0 || !strings.Contains(out, "removed") {
		t.Errorf("remove: %d %s", code, out)
	}
	if eva, _ := st.OAuthUser(ctx, "eva"); eva != nil {
		t.Errorf("removed, still there: %+v", eva)
	}
}

func sorted(v []string) []string {
	return slices.Sorted(slices.Values(v))
}
