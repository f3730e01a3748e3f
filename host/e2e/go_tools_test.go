package e2e

import (
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// goToolsDir is the pinned Go tools (tools/go.mod: buf, protoc-gen-go, ...),
// found the way the scripts find them: scripts/tools.sh go installs them
// into $TOOLS_DIR or .tools when missing or stale and prints the directory.
var goToolsDir = sync.OnceValues(func() (string, error) {
	cmd := exec.Command(filepath.Join(repoRoot(), "scripts", "tools.sh"), "go")
	cmd.Dir = repoRoot()
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		return "", &toolsError{err: err, stderr: stderr}
	}
	return strings.TrimSpace(string(out)), nil
})

type toolsError struct {
	err    error
	stderr string
}

func (e *toolsError) Error() string { return "scripts/tools.sh go: " + e.err.Error() + "\n" + e.stderr }

func goTools(t *testing.T) string {
	t.Helper()
	dir, err := goToolsDir()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}
