package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPluginNewCommand(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	sdk := filepath.Join(wd, "..", "..", "..", "sdk") // host/cmd/billy-mcp -> sdk
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		args      func(dir string) []string
		code      int
		stdout    string // wanted in stdout
		stderr    string // wanted in stderr
		wantFiles bool
	}{
		{name: "no subcommand", args: func(string) []string { return []string{"plugin"} }, code: 2, stderr: "usage: billy-mcp plugin new"},
		{name: "no name", args: func(string) []string { return []string{"plugin", "new", "--sdk", sdk} }, code: 2, stderr: "usage: billy-mcp plugin new"},
		{name: "too many arguments", args: func(d string) []string { return []string{"plugin", "new", "acme", d, "extra"} }, code: 2, stderr: "usage"},
		{name: "bad name", args: func(d string) []string { return []string{"plugin", "new", "Acme", d, "--sdk", sdk} }, code: 1, stderr: `"Acme" cannot name a plugin`},
		{name: "non-empty directory", args: func(string) []string { return []string{"plugin", "new", "--sdk", sdk, "acme", full} }, code: 1, stderr: "is not empty"},
		{name: "not an sdk", args: func(d string) []string { return []string{"plugin", "new", "acme", d, "--sdk", full} }, code: 1, stderr: "go.mod"},
		{name: "flags after the arguments", args: func(d string) []string { return []string{"plugin", "new", "acme", d, "--sdk", sdk} }, code: 0, stdout: "go mod tidy", wantFiles: true},
		{name: "flags first", args: func(d string) []string { return []string{"plugin", "new", "--sdk", sdk, "acme", d} }, code: 0, stdout: "go mod tidy", wantFiles: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "acme")
			var stdout, stderr bytes.Buffer
			code := run(tt.args(dir), nil, &stdout, &stderr)
			if diff := cmp.Diff(tt.code, code); diff != "" {
				t.Errorf("exit code (-want +got):\n%s\nstderr: %s", diff, stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.stdout) || !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stdout %q, stderr %q; want them to contain %q and %q", stdout.String(), stderr.String(), tt.stdout, tt.stderr)
			}
			_, err := os.Stat(filepath.Join(dir, "main.go"))
			if diff := cmp.Diff(tt.wantFiles, err == nil); diff != "" {
				t.Errorf("main.go written (-want +got):\n%s", diff)
			}
		})
	}
}
