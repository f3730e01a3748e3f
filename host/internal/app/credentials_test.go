package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/billy-mcp/billy-mcp/host/internal/config"
	"github.com/billy-mcp/billy-mcp/host/internal/credentials"
	"github.com/billy-mcp/billy-mcp/host/internal/keyring"
	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	"github.com/google/go-cmp/cmp"
)

func TestLoadRing(t *testing.T) {
	k1, _ := keyring.NewKey(1)
	k2, _ := keyring.NewKey(2)
	dir := t.TempDir()
	file := filepath.Join(dir, "keys")
	if err := os.WriteFile(file, []byte("# rotated\n"+k2.Encode()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	type ringShape struct {
		IDs     []uint32
		Primary uint32
		V1      bool
	}
	tests := []struct {
		name string
		cfg  config.CredentialsConfig
		want *ringShape
		err  string
	}{
		{"none: no built-in key", config.CredentialsConfig{}, nil, ""},
		{"environment", config.CredentialsConfig{Keys: k1.Encode()}, &ringShape{[]uint32{1}, 1, false}, ""},
		{"environment and file: the file's first key is the primary", config.CredentialsConfig{Keys: k1.Encode(), KeysFile: file}, &ringShape{[]uint32{1, 2}, 2, false}, ""},
		{"file alone", config.CredentialsConfig{KeysFile: file}, &ringShape{[]uint32{2}, 2, false}, ""},
		{"primary named", config.CredentialsConfig{Keys: k1.Encode() + "," + k2.Encode(), Primary: 2}, &ringShape{[]uint32{1, 2}, 2, false}, ""},
		{"v1's reader", config.CredentialsConfig{Keys: k1.Encode(), V1Key: "passphrase", V1Salt: "salt"}, &ringShape{[]uint32{1}, 1, true}, ""},
		{"v1 without a key", config.CredentialsConfig{V1Key: "passphrase", V1Salt: "salt"}, nil, "no built-in key"},
		{"primary not held", config.CredentialsConfig{Keys: k1.Encode(), Primary: 3}, nil, "primary key 3"},
		{"missing file", config.CredentialsConfig{KeysFile: filepath.Join(dir, "nope")}, nil, "credentials.keys_file"},
		{"bad key", config.CredentialsConfig{Keys: "1:c2hvcnQ="}, nil, "credentials.keys"},
	}
	for _, tt := range tests {
		ring, err := LoadRing(tt.cfg)
		var got *ringShape
		if ring != nil {
			got = &ringShape{ring.IDs(), ring.Primary(), ring.HasV1()}
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
		if (err == nil) != (tt.err == "") || err != nil && !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.err)
		}
		if err != nil && strings.Contains(err.Error(), k1.Encode()[2:12]) {
			t.Errorf("%s: the error shows a key: %v", tt.name, err)
		}
	}
}

// TestCredentialsAtStart: a store holding encrypted credentials refuses a
// host without keys; with the key, the gateway's token source serves the
// configuration's organization from the configuration and the others from
// the store, and no other.
func TestCredentialsAtStart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	k1, _ := keyring.NewKey(1)
	ring, _ := keyring.New([]keyring.Key{k1}, 1)
	var log testkit.SyncBuffer
	setUp := func(cfg *config.Config) *App {
		cfg.DataDir = dir
		a := &App{Config: cfg, Logger: testLogger(&log)}
		if err := a.setUpKeys(); err != nil {
			t.Fatal(err)
		}
		a.store = newDurable(cfg, a.Logger)
		a.store.open(ctx)
		t.Cleanup(a.store.close)
		return a
	}
	a := setUp(&config.Config{Credentials: config.CredentialsConfig{Keys: k1.Encode()}})
	if err := a.checkCredentials(ctx); err != nil {
		t.Fatalf("an empty store: %v", err)
	}
	if err := credentials.PutOrganization(ctx, a.store.get(), ring, "org-B", "B ApS", "token-b-8c1d"); err != nil {
		t.Fatal(err)
	}
	a.Config.Billy.OrganizationID = "org-A"
	token := a.billyToken("token-a-config")
	tests := []struct{ org, want, code string }{
		{"org-A", "token-a-config", ""},
		{"org-B", "token-b-8c1d", ""},
		{"org-C", "", "organization_not_found"},
	}
	for _, tt := range tests {
		got, err := token(ctx, tt.org)
		code := ""
		if err != nil {
			code = errmodel.From(err).Code
		}
		if diff := cmp.Diff([]string{tt.want, tt.code}, []string{got, code}); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.org, diff)
		}
	}
	a.store.close()

	keyless := setUp(&config.Config{})
	err := keyless.checkCredentials(ctx)
	if err == nil || !strings.Contains(err.Error(), "no key is configured") || !strings.Contains(err.Error(), "key 1: 1") {
		t.Errorf("a keyless host beside encrypted credentials: %v", err)
	}
	if strings.Contains(log.String(), "token-b-8c1d") || strings.Contains(log.String(), "token-a-config") {
		t.Error("the log shows a token")
	}
}
