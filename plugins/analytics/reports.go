package main

import "github.com/billy-mcp/billy-mcp/sdk"

func (p *Plugin) reportTools() []sdk.Tool { return nil }

func (p *Plugin) resourceTemplates() []sdk.ResourceTemplate { return nil }
