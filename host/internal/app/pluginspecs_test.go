package app

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/billy-mcp/billy-mcp/host/internal/config"
	"github.com/billy-mcp/billy-mcp/host/internal/pluginhost"
)

// TestPluginSpecs: each enabled plugin gets a folder of its own under
// data_dir, and the database URL only when its entry grants it.
func TestPluginSpecs(t *testing.T) {
	off := false
	plugins := map[string]config.PluginConfig{
		"queue":    {Path: "q", Database: true},
		"plain":    {Path: "p", MaxProcs: 4},
		"disabled": {Path: "d", Enabled: &off, Database: true},
	}
	const url = "postgres://u:secret@db/billy"
	tests := []struct {
		name string
		cfg  config.Config
		want []pluginhost.Spec
	}{
		{
			name: "data_dir and a database",
			cfg: config.Config{Plugins: plugins, DataDir: "/var/lib/billy-mcp", Database: config.DatabaseConfig{URL: url},
				PluginDefaults: config.PluginDefaults{MaxProcs: 1}},
			want: []pluginhost.Spec{
				{Name: "plain", Path: "p", MaxProcs: 4, DataDir: "/var/lib/billy-mcp/plugins/plain"},
				{Name: "queue", Path: "q", MaxProcs: 1, DataDir: "/var/lib/billy-mcp/plugins/queue", DatabaseURL: url},
			},
		},
		{
			name: "SQLite deployment: no URL to hand out",
			cfg:  config.Config{Plugins: plugins, DataDir: "/d"},
			want: []pluginhost.Spec{
				{Name: "plain", Path: "p", MaxProcs: 4, DataDir: "/d/plugins/plain"},
				{Name: "queue", Path: "q", DataDir: "/d/plugins/queue"},
			},
		},
		{
			name: "no data_dir: no folder",
			cfg:  config.Config{Plugins: plugins, Database: config.DatabaseConfig{URL: url}},
			want: []pluginhost.Spec{
				{Name: "plain", Path: "p", MaxProcs: 4},
				{Name: "queue", Path: "q", DatabaseURL: url},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, pluginSpecs(&tt.cfg)); diff != "" {
				t.Errorf("specs (-want +got):\n%s", diff)
			}
		})
	}
}
