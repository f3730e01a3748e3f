package main

import "github.com/billy-mcp/billy-mcp/sdk"

// modelTools are the forecast, anomaly, recommendation and custom-metric
// tools (owned by the analytics-models work; see /tmp/analytics-contract.md).
func (p *Plugin) modelTools() []sdk.Tool { return nil }
