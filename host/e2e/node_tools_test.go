package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// nodeTools is the pinned Node install (tools/node: Node 22 and the npm MCP
// clients), found the way scripts find it: scripts/tools.sh node installs it
// into $TOOLS_DIR or .tools when it is missing or its pins changed, and
// prints the directory. Asked once per test binary.
var nodeTools = sync.OnceValues(func() (string, error) {
	cmd := exec.Command(filepath.Join(repoRoot(), "scripts", "tools.sh"), "node")
	cmd.Dir = repoRoot()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("scripts/tools.sh node: %v\n%s", err, stderr.String())
	}
	dir := strings.TrimSpace(string(out))
	if _, err := os.Stat(nodeBin(dir)); err != nil {
		return "", fmt.Errorf("scripts/tools.sh node installed no node binary: %v", err)
	}
	return dir, nil
})

func nodeModules(tools string) string { return filepath.Join(tools, "node", "node_modules") }

func nodeBin(tools string) string { return filepath.Join(nodeModules(tools), ".bin", "node") }

// nodeEnv is baseEnv with the pinned Node first on PATH, so that npm
// programs (#!/usr/bin/env node) run on Node 22, not the machine's Node.
func nodeEnv(tools string) []string {
	env := baseEnv()
	bin := filepath.Join(nodeModules(tools), ".bin")
	for i, kv := range env {
		if strings.HasPrefix(kv, "PATH=") {
			env[i] = "PATH=" + bin + string(os.PathListSeparator) + strings.TrimPrefix(kv, "PATH=")
			return env
		}
	}
	return append(env, "PATH="+bin)
}

// npmVersion is the installed version of an npm package, for the summary.
func npmVersion(pkg string) string {
	tools, err := nodeTools()
	if err != nil {
		return "?"
	}
	raw, err := os.ReadFile(filepath.Join(nodeModules(tools), pkg, "package.json"))
	if err != nil {
		return "?"
	}
	var p struct{ Version string }
	_ = json.Unmarshal(raw, &p)
	return p.Version
}

// goModuleVersion is the version host/go.mod requires of a module (a test
// binary records no dependency versions of its own).
func goModuleVersion(path string) string {
	raw, err := os.ReadFile(filepath.Join("..", "go.mod"))
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == path {
			return f[1]
		}
	}
	return "?"
}
