package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/billy-mcp/billy-mcp/host/internal/scaffold"
)

const pluginUsage = `usage: billy-mcp plugin new [--sdk DIR] NAME [DIR]

Writes a new plugin module into DIR (default ./billy-mcp-plugin-NAME), which
must be missing or empty and outside the billy-mcp checkout. NAME is the
plugin's config key: 1 to 40 of a-z, 0-9, _ and -, starting with a letter.
`

// pluginCmd runs `billy-mcp plugin new`.
func pluginCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "new" {
		fmt.Fprint(stderr, pluginUsage)
		return 2
	}
	fs := flag.NewFlagSet("plugin new", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, pluginUsage); fs.PrintDefaults() }
	sdkDir := fs.String("sdk", "", "the billy-mcp checkout's sdk directory (default: the checkout this binary was built from)")
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return 2
	}
	if len(pos) < 1 || len(pos) > 2 {
		fs.Usage()
		return 2
	}
	name := pos[0]
	dir := "billy-mcp-plugin-" + name
	if len(pos) == 2 {
		dir = pos[1]
	}
	if err := scaffold.CheckName(name); err != nil {
		fmt.Fprintf(stderr, "billy-mcp plugin new: %v\n", err)
		return 1
	}
	checkout, err := scaffold.FindCheckout(*sdkDir)
	if err != nil {
		fmt.Fprintf(stderr, "billy-mcp plugin new: %v\n", err)
		return 1
	}
	files, err := scaffold.Write(scaffold.Options{Name: name, Dir: dir, Checkout: checkout})
	if err != nil {
		fmt.Fprintf(stderr, "billy-mcp plugin new: %v\n", err)
		return 1
	}
	abs, _ := filepath.Abs(dir)
	fmt.Fprintf(stdout, "wrote plugin %q in %s: %s\nsdk: %s\n\nnext:\n  cd %s\n  go mod tidy\n  go test ./...\n  go build -trimpath -o billy-mcp-plugin-%s .\n",
		name, abs, strings.Join(files, " "), checkout.SDK, dir, name)
	return 0
}

// parseInterleaved parses flags given before, between or after the
// positional arguments (flag.Parse stops at the first positional one), so
// `plugin new NAME DIR --sdk X` works as well as `plugin new --sdk X NAME`.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
