package scaffold

import (
	"fmt"

	"github.com/billy-mcp/billy-mcp/host/internal/config"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
)

// CheckName reports whether name can name a plugin. The rules are the
// host's own, asked of the packages that enforce them rather than copied: a
// plugin name is a key of the config's plugins section (package config),
// and the example tool named after it must pass the catalog's tool name
// rule (package plugins).
func CheckName(name string) error {
	c := config.Default()
	c.Plugins = map[string]config.PluginConfig{name: {Path: binaryName(name)}}
	if err := c.Validate(); err != nil {
		return fmt.Errorf("%q cannot name a plugin: %w", name, err)
	}
	return pluginv1.CheckToolName(toolName(name))
}

// binaryName is the plugin binary's name, as make build names the
// repository's own plugins.
func binaryName(name string) string { return "billy-mcp-plugin-" + name }

// toolName is the example tool's name. Prefixing tools with the plugin's
// name keeps them unique across plugins, which the host requires.
func toolName(name string) string { return name + "_greet" }
