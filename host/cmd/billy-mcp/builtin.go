package main

import (
	"path/filepath"
	"slices"
	"strings"

	"github.com/billy-mcp/billy-mcp/plugins/analytics"
	"github.com/billy-mcp/billy-mcp/plugins/integrations"
	"github.com/billy-mcp/billy-mcp/plugins/invoices"
	"github.com/billy-mcp/billy-mcp/plugins/moms"
	"github.com/billy-mcp/billy-mcp/plugins/presets"
	"github.com/billy-mcp/billy-mcp/sdk"
)

// pluginPrefix is how a plugin binary's name starts; the host's config
// defaults name the built-in plugins billy-mcp-plugin-NAME.
const pluginPrefix = "billy-mcp-plugin-"

// builtinPlugins are the shipped plugins linked into this binary. One
// binary instead of six: each separate plugin binary repeated the Go
// runtime, gRPC, protobuf, go-plugin and sqlite the host already has (the
// image was 138.5 MB with six binaries, see docs/operators.md). The host
// still starts each plugin as its own subprocess through go-plugin, by a
// symlink billy-mcp-plugin-NAME -> billy-mcp, so a plugin that crashes
// still takes down only its own process.
var builtinPlugins = map[string]func() *sdk.Plugin{
	"analytics":    analytics.New,
	"integrations": integrations.New,
	"invoices":     invoices.New,
	"moms":         moms.New,
	"presets":      presets.New,
}

// asPlugin reports which plugin this process is to serve, busybox-style:
// the name it was started under (argv[0], not the file the symlink points
// to) is billy-mcp-plugin-NAME. ok is false for any other name, the host's
// own; known is false for a plugin name this binary does not have.
func asPlugin(argv0 string) (name string, newPlugin func() *sdk.Plugin, ok bool) {
	name, ok = strings.CutPrefix(filepath.Base(argv0), pluginPrefix)
	if !ok {
		return "", nil, false
	}
	return name, builtinPlugins[name], true
}

// builtinNames lists the built-in plugins, sorted, for messages.
func builtinNames() []string {
	names := make([]string, 0, len(builtinPlugins))
	for n := range builtinPlugins {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
