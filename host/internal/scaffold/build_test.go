package scaffold

import (
	"os"
	"path/filepath"
	"testing"
)

// TestScaffoldedModuleBuilds does what the README tells a plugin author to
// do with a freshly scaffolded module, outside the repository and its
// go.work: tidy, vet, test and build must all pass as generated.
func TestScaffoldedModuleBuilds(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "billy-mcp-plugin-acme")
	if _, err := Write(Options{Name: "acme", Dir: dir, Checkout: testCheckout(t)}); err != nil {
		t.Fatal(err)
	}
	goIn(t, dir, "mod", "tidy")
	goIn(t, dir, "vet", "./...")
	goIn(t, dir, "test", "-count=1", "./...")
	goIn(t, dir, "build", "-trimpath", "-o", "billy-mcp-plugin-acme", ".")
	if fi, err := os.Stat(filepath.Join(dir, "billy-mcp-plugin-acme")); err != nil || fi.Mode()&0o111 == 0 {
		t.Errorf("no executable plugin binary after go build: %v", err)
	}
}
