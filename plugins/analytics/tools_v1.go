package main

import "github.com/billy-mcp/billy-mcp/sdk"

// v1Tools are v1's five analysis tools (owned by the analytics-models work).
func (p *Plugin) v1Tools() []sdk.Tool { return nil }
