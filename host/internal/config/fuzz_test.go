package config

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to Load as the config file. Load must
// never panic, and whatever it accepts must be valid and redactable.
func FuzzLoad(f *testing.F) {
	for _, seed := range []string{
		"",
		"http: {addr: 127.0.0.1:1}\n",
		"plugins:\n  a: {path: x, config: {k: [1, {b: c}], 1: 2}}\n",
		"plugins:\n  a:\n",
		"plugins:\n",
		"calls: {timeout: soon, max_batch: 1e3}\n",
		"http: 5\nlog: [a]\n",
		"a: &x {b: *x}\n",
		"billy: {timeout: !!binary aGVsbG8=}\n",
		"? [a, b]\n: c\n",
		"mode: production\nbilly: {api_key: k}\nauth: {api_keys: [0123456789abcdef]}\nhttp: {addr: ':1'}\n",
		"plugin_set: replace\nplugins: {a: {path: x, enabled: false, config: {at: 2024-01-01}}}\n",
		"sandbox: {seed: 1e18, business: 2024-01-01}\ncalls: {max_batch: 18446744073709551615}\n",
	} {
		f.Add([]byte(seed))
	}
	for p := range exampleEnv {
		if b, err := os.ReadFile(filepath.Join(configsDir, p)); err == nil {
			f.Add(b)
		}
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "fuzz.yaml")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load(Options{File: p, Environ: []string{}, ExecutableDir: exeDir})
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Errorf("Load accepted a config that Validate rejects: %v", err)
		}
		if c.Mode == "" || c.Writes.Mode == "" || !filepath.IsAbs(c.PluginDefaults.Dir) {
			t.Errorf("Load left derived fields unset: mode %q, writes.mode %q, dir %q", c.Mode, c.Writes.Mode, c.PluginDefaults.Dir)
		}
		_ = c.Redacted()
	})
}
