package scaffold

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// repoRoot is the checkout holding this package: host/internal/scaffold
// is three levels down.
func repoRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(filepath.Dir(filepath.Dir(wd)))
}

// testCheckout is this repository as a Checkout.
func testCheckout(t *testing.T) Checkout {
	t.Helper()
	c, err := FindCheckout(filepath.Join(repoRoot(t), "sdk"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// goIn runs a go command in dir as a plugin author outside the
// repository would: no workspace, and go.mod/go.sum may be updated (the
// module proxy is reachable). It fails the test with the output on error.
func goIn(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %v in %s: %v\n%s", args, dir, err, out)
	}
}
