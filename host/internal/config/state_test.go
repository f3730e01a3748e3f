package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadDataDir(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		yaml string
		env  []string
		want string
	}{
		{"XDG state home", "", []string{"XDG_STATE_HOME=/var/lib/x", "HOME=/home/ada"}, "/var/lib/x/billy-mcp"},
		{"home", "", []string{"HOME=/home/ada", "XDG_STATE_HOME="}, "/home/ada/.local/state/billy-mcp"},
		{"neither", "", nil, ""},
		{"set in the file, made absolute", "data_dir: state\n", []string{"HOME=/home/ada"}, filepath.Join(wd, "state")},
		{"set in the environment", "", []string{"BILLY_MCP_DATA_DIR=/srv/billy", "HOME=/home/ada"}, "/srv/billy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := load(t, tt.yaml, tt.env...)
			if err != nil {
				t.Fatal(err)
			}
			if got.DataDir != tt.want {
				t.Errorf("data_dir = %q, want %q", got.DataDir, tt.want)
			}
		})
	}
}

func TestSigningKey(t *testing.T) {
	key := strings.Repeat("k", 32)
	got, err := load(t, "", "BILLY_MCP_SIGNING_KEY="+key)
	if err != nil {
		t.Fatal(err)
	}
	if got.SigningKey != key {
		t.Errorf("signing_key = %q", got.SigningKey)
	}
	if r := got.Redacted(); r.SigningKey != Redaction {
		t.Errorf("the signing key is not redacted: %q", r.SigningKey)
	}
	_, err = load(t, "signing_key: short-secret\n")
	if err == nil || !strings.Contains(err.Error(), "signing_key") || !strings.Contains(err.Error(), "at least 32 characters") {
		t.Fatalf("a short key: %v", err)
	}
	if strings.Contains(err.Error(), "short-secret") {
		t.Errorf("the refusal shows the secret: %v", err)
	}
}

func TestAdminAddrIsLoopbackOnly(t *testing.T) {
	if c, err := load(t, "admin: {addr: 127.0.0.1:6060}\n"); err != nil || c.Admin.Addr != "127.0.0.1:6060" {
		t.Fatalf("a loopback admin address: %v", err)
	}
	for _, addr := range []string{"0.0.0.0:6060", ":6060", "10.0.0.5:6060", "6060"} {
		_, err := load(t, "admin: {addr: '"+addr+"'}\n")
		if err == nil || !strings.Contains(err.Error(), "admin.addr") || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("admin.addr %s: %v", addr, err)
		}
	}
}

// The audit log's checkpoint key comes from the environment, is redacted,
// and a bad one is refused without showing it.
func TestAuditCheckpointKey(t *testing.T) {
	const key = "PRIVATE+KEY+billy-mcp+0a1b2c3d+AU0xzCsO2IJjnuK7QhPXL3pFy8yXwX4DnEw8Z3J4QvJ3"
	got, err := load(t, "", "BILLY_MCP_AUDIT_CHECKPOINTS_KEY="+key)
	if err != nil {
		t.Fatal(err)
	}
	if got.Audit.Checkpoints.Key != key {
		t.Errorf("audit.checkpoints.key = %q", got.Audit.Checkpoints.Key)
	}
	if r := got.Redacted(); r.Audit.Checkpoints.Key != Redaction {
		t.Errorf("the checkpoint key is not redacted: %q", r.Audit.Checkpoints.Key)
	}
	_, err = load(t, "", "BILLY_MCP_AUDIT_CHECKPOINTS_KEY=not-a-key-but-a-secret")
	if err == nil || !strings.Contains(err.Error(), "audit.checkpoints.key") {
		t.Fatalf("a bad key: %v", err)
	}
	if strings.Contains(err.Error(), "not-a-key-but-a-secret") {
		t.Errorf("the refusal shows the secret: %v", err)
	}
}
