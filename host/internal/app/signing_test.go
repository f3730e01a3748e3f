package app

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/billy-mcp/billy-mcp/host/internal/config"
)

func TestSigningKeyIsMadeOnceAndKept(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	cfg := &config.Config{DataDir: dir}

	// Processes starting at once all end up with the same key.
	keys := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, persistent, err := loadSigningKey(cfg)
			if err != nil || !persistent {
				t.Errorf("process %d: %v (persistent %v)", i, err, persistent)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for i, k := range keys {
		if len(k) != 32 || !bytes.Equal(k, keys[0]) {
			t.Fatalf("process %d got another key", i)
		}
	}
	info, err := os.Stat(filepath.Join(dir, signingKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", info.Mode().Perm())
	}
	if d, _ := os.Stat(dir); d.Mode().Perm() != 0o700 {
		t.Errorf("data dir mode %v, want 0700", d.Mode().Perm())
	}
	again, _, err := loadSigningKey(cfg)
	if err != nil || !bytes.Equal(again, keys[0]) {
		t.Errorf("a later start got another key (%v)", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, signingKeyFile+".*")); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestSigningKeySources(t *testing.T) {
	fromConfig, persistent, err := loadSigningKey(&config.Config{SigningKey: strings.Repeat("s", 32), DataDir: "/nonexistent/never-written"})
	if err != nil || !persistent || len(fromConfig) != 32 {
		t.Fatalf("signing_key: %v %v", err, persistent)
	}
	again, _, _ := loadSigningKey(&config.Config{SigningKey: strings.Repeat("s", 32)})
	if !bytes.Equal(fromConfig, again) {
		t.Error("the same signing_key gives different keys")
	}

	if _, persistent, err := loadSigningKey(&config.Config{}); err == nil || persistent {
		t.Errorf("no signing_key and no data_dir: %v, persistent %v", err, persistent)
	}

	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, signingKeyFile), []byte("not hex\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, persistent, err = loadSigningKey(&config.Config{DataDir: bad})
	if err == nil || persistent || !strings.Contains(err.Error(), "delete it") {
		t.Errorf("a damaged key file: %v", err)
	}
}

func TestDerivedKeysDiffer(t *testing.T) {
	master := bytes.Repeat([]byte{7}, 32)
	seen := map[string]string{}
	for _, purpose := range []string{"plugin invoices", "plugin moms", "request state"} {
		k := string(deriveKey(master, purpose))
		if prev, dup := seen[k]; dup {
			t.Errorf("%s and %s share a key", prev, purpose)
		}
		seen[k] = purpose
		if k != string(deriveKey(master, purpose)) {
			t.Errorf("%s: not deterministic", purpose)
		}
	}
}
