package main

import (
	"maps"
	"path/filepath"
	"slices"
	"testing"

	"github.com/billy-mcp/billy-mcp/host/internal/config"
	"github.com/google/go-cmp/cmp"
)

func TestAsPlugin(t *testing.T) {
	tests := []struct {
		argv0 string
		name  string
		ok    bool
		known bool
	}{
		{argv0: "billy-mcp"},
		{argv0: "/app/billy-mcp"},
		{argv0: "./bin/billy-mcp"},
		// The host started by a path whose folder looks like a plugin:
		// only the file name counts.
		{argv0: "/opt/billy-mcp-plugin-invoices/billy-mcp"},
		{argv0: "/app/billy-mcp-plugin-invoices", name: "invoices", ok: true, known: true},
		{argv0: "billy-mcp-plugin-moms", name: "moms", ok: true, known: true},
		{argv0: "/app/billy-mcp-plugin-analytics", name: "analytics", ok: true, known: true},
		{argv0: "/app/billy-mcp-plugin-presets", name: "presets", ok: true, known: true},
		{argv0: "/app/billy-mcp-plugin-integrations", name: "integrations", ok: true, known: true},
		// Test plugins and third parties' plugins are their own binaries.
		{argv0: "/app/billy-mcp-plugin-hello", name: "hello", ok: true},
		{argv0: "/app/billy-mcp-plugin-conformance", name: "conformance", ok: true},
		{argv0: "/app/billy-mcp-plugin-", name: "", ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.argv0, func(t *testing.T) {
			name, newPlugin, ok := asPlugin(tt.argv0)
			if name != tt.name || ok != tt.ok || (newPlugin != nil) != tt.known {
				t.Errorf("asPlugin(%q) = %q, known %v, %v; want %q, known %v, %v",
					tt.argv0, name, newPlugin != nil, ok, tt.name, tt.known, tt.ok)
			}
		})
	}
}

// TestBuiltinPluginsAreTheShippedOnes: the names here are the plugins the
// config's defaults enable (plugins.NAME.path billy-mcp-plugin-NAME) and
// scripts/image.sh links to this binary; each declares itself under its
// own name.
func TestBuiltinPluginsAreTheShippedOnes(t *testing.T) {
	want := []string{"analytics", "integrations", "invoices", "moms", "presets"}
	if diff := cmp.Diff(want, builtinNames()); diff != "" {
		t.Errorf("built-in plugins (-want +got):\n%s", diff)
	}
	// A default plugin this binary does not link would be missing from
	// the image (it ships no other plugin binary).
	defaults := config.Default().Plugins
	if diff := cmp.Diff(slices.Sorted(maps.Keys(defaults)), builtinNames()); diff != "" {
		t.Errorf("the config's default plugins (-) and the built-in ones (+) differ:\n%s", diff)
	}
	for name, p := range defaults {
		if base := filepath.Base(p.Path); base != pluginPrefix+name {
			t.Errorf("default plugins.%s.path %q: the binary serves it only as %s%s", name, p.Path, pluginPrefix, name)
		}
	}
	for _, name := range builtinNames() {
		if p := builtinPlugins[name](); p == nil || p.Name != name {
			t.Errorf("builtinPlugins[%q]() declares %+v", name, p)
		}
	}
}
