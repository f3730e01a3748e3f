package app

import (
	"github.com/billy-mcp/billy-mcp/host/internal/pluginhost"
	"github.com/prometheus/client_golang/prometheus"
)

// pluginCollector reports each plugin's state as the manager knows it at
// scrape time, so the figures cannot drift from /health's: whether it is
// up, how often it was restarted, how many tools it registered.
type pluginCollector struct {
	statuses func() []pluginhost.Status
	up       *prometheus.Desc
	restarts *prometheus.Desc
	tools    *prometheus.Desc
}

func newPluginCollector(statuses func() []pluginhost.Status) *pluginCollector {
	return &pluginCollector{
		statuses: statuses,
		up: prometheus.NewDesc("billy_mcp_plugin_up",
			"1 while the plugin is ready to serve calls, 0 while it starts, restarts or has failed.", []string{"plugin"}, nil),
		restarts: prometheus.NewDesc("billy_mcp_plugin_restarts_total",
			"Times the host restarted the plugin after it died or failed its health check.", []string{"plugin"}, nil),
		tools: prometheus.NewDesc("billy_mcp_plugin_tools",
			"Tools the plugin registered.", []string{"plugin"}, nil),
	}
}

func (c *pluginCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.up
	ch <- c.restarts
	ch <- c.tools
}

func (c *pluginCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.statuses() {
		up := 0.0
		if s.State == pluginhost.StateReady {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, up, s.Name)
		ch <- prometheus.MustNewConstMetric(c.restarts, prometheus.CounterValue, float64(s.Restarts), s.Name)
		ch <- prometheus.MustNewConstMetric(c.tools, prometheus.GaugeValue, float64(s.Tools), s.Name)
	}
}
