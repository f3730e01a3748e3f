package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/billy-mcp/billy-mcp/host/internal/app"
	"github.com/billy-mcp/billy-mcp/host/internal/config"
	"github.com/billy-mcp/billy-mcp/host/internal/credentials"
	"github.com/billy-mcp/billy-mcp/host/internal/keyring"
	"github.com/billy-mcp/billy-mcp/host/internal/store"
	"github.com/google/go-cmp/cmp"
)

func runCmd(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestKeysAndOrganizations: an organization's token is stored encrypted,
// keys rotate adds a key to the file and re-encrypts under it with
// progress, and the token still opens with the new key alone.
func TestKeysAndOrganizations(t *testing.T) {
	for _, k := range []string{"BILLY_MCP_CREDENTIALS_KEYS", "BILLY_MCP_DATA_DIR", "BILLY_MCP_DATABASE_URL", "BILLY_API_KEY"} {
		t.Setenv(k, "")
	}
	code, out, _ := runCmd(t, "", "keys", "new", "--id", "7")
	if k, err := keyring.ParseKeys(out); code != 0 || err != nil || len(k) != 1 || k[0].ID != 7 {
		t.Fatalf("keys new: %d %q %v", code, out, err)
	}
	dir := t.TempDir()
	keysFile := filepath.Join(dir, "keys")
	cfgFile := filepath.Join(dir, "billy-mcp.yaml")
	if err := os.WriteFile(cfgFile, []byte("data_dir: "+dir+"\ncredentials: {keys_file: "+keysFile+"}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Without a key no token is stored.
	if code, _, errOut := runCmd(t, "tok\n", "organizations", "add", "org-A", "--config", cfgFile); code == 0 || !strings.Contains(errOut, "keys_file") {
		t.Fatalf("add without keys: %d %s", code, errOut)
	}
	// The first rotation makes the first key.
	if code, _, errOut := runCmd(t, "", "keys", "rotate", "--config", cfgFile); code != 0 {
		t.Fatalf("first rotate: %s", errOut)
	}
	const token = "billy-token-5be0c2d1"
	if code, out, errOut := runCmd(t, token+"\n", "organizations", "add", "org-A", "--name", "A ApS", "--config", cfgFile); code != 0 || strings.Contains(out+errOut, token) {
		t.Fatalf("add: %d %s %s", code, out, errOut)
	}
	code, out, errOut := runCmd(t, "", "keys", "rotate", "--config", cfgFile)
	if code != 0 || !strings.Contains(errOut, "added key 2") || !strings.Contains(errOut, "1/1 values: 1 re-encrypted") || !strings.Contains(out, "key 2: 1") {
		t.Fatalf("rotate: %d\n%s\n%s", code, out, errOut)
	}
	if code, out, _ := runCmd(t, "", "keys", "status", "--config", cfgFile); code != 0 || !strings.Contains(out, "primary 2") || !strings.Contains(out, "key 1 encrypts nothing") {
		t.Errorf("status: %s", out)
	}
	if fi, err := os.Stat(keysFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the key file: %v %v", fi.Mode(), err)
	}
	// Key 2 alone (the file's first line) opens the token.
	b, _ := os.ReadFile(keysFile)
	first := strings.SplitN(string(b), "\n", 2)[0]
	ring, err := app.LoadRing(config.CredentialsConfig{Keys: first})
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(context.Background(), store.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, _ := credentials.NewRing(func() (*keyring.Ring, error) { return ring, nil })
	got, err := (&credentials.Tokens{Store: func() credentials.Store { return s }, Ring: r}).Token(context.Background(), "org-A")
	if diff := cmp.Diff(token, got); diff != "" || err != nil {
		t.Errorf("the token after rotation: %v %s", err, diff)
	}
	if code, out, _ := runCmd(t, "", "organizations", "list", "--config", cfgFile); code != 0 || !strings.HasPrefix(out, "org-A\tA ApS") {
		t.Errorf("list: %q", out)
	}
	if code, _, _ := runCmd(t, "", "organizations", "remove", "org-A", "--config", cfgFile); code != 0 {
		t.Error("remove failed")
	}
	if code, _, _ := runCmd(t, "", "organizations", "remove", "org-A", "--config", cfgFile); code == 0 {
		t.Error("removed twice")
	}
}
